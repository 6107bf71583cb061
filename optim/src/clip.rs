//! Gradient clipping: PyTorch's `torch.nn.utils.clip_grad_norm_` and `clip_grad_value_`.
//!
//! Both act on the gradients the parameters hold after `backward()`, before the optimizer's
//! `step()`. Parameters that do not require a gradient (frozen) or have none are skipped: they
//! count for nothing in the norm and their gradients are left as they are.

use crate::{OptimError, Result};
use autograd::{Element, Var};

/// The parameters clipping acts on: those that require a gradient and have one.
fn with_grads<T: Element>(params: &[Var<T>]) -> impl Iterator<Item = &Var<T>> {
    params.iter().filter(|p| p.requires_grad() && p.has_grad())
}

/// Scales the gradients of `params` so that their total norm is at most `max_norm`, and
/// returns the total norm before clipping (PyTorch's `clip_grad_norm_`).
///
/// The total norm is the `norm_type`-norm of all gradients taken as one vector (the norm of
/// the per-parameter norms, as PyTorch computes it), accumulated in `f64`; `f64::INFINITY`
/// gives the largest absolute value. Each gradient is multiplied by
/// `max_norm / (total + 1e-6)` when that is below 1, as in PyTorch, so a clipped total comes
/// out just below `max_norm`. With no gradients the total is 0.
///
/// A total norm that is NaN or infinite is returned, and the gradients are scaled by it as
/// PyTorch does by default (`error_if_nonfinite=False`): a NaN total makes every gradient NaN,
/// an infinite one makes the finite elements 0 and the infinite ones NaN. Check the returned
/// value, or use [`clip_grad_norm_if_finite`], which errors instead.
///
/// Errors when `max_norm` is negative or NaN, or `norm_type` is not above 0.
///
/// ```
/// use autograd::{Tensor, Var};
/// let w = Var::parameter(Tensor::from_vec(&[2], vec![0.0f64, 0.0])?);
/// (&w * &Var::constant(Tensor::from_vec(&[2], vec![3.0, 4.0])?)).sum_all().backward()?;
/// let total = optim::clip_grad_norm(&[w.clone()], 1.0, 2.0)?;
/// assert_eq!(total, 5.0);
/// let g = w.grad().unwrap().to_vec();
/// assert!((g[0] - 0.6).abs() < 1e-6 && (g[1] - 0.8).abs() < 1e-6);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn clip_grad_norm<T: Element>(params: &[Var<T>], max_norm: f64, norm_type: f64) -> Result<f64> {
    check_norm_args("clip_grad_norm", max_norm, norm_type)?;
    let total = total_norm(params, norm_type);
    scale_to(params, max_norm, total);
    Ok(total)
}

/// [`clip_grad_norm`], but a total norm that is NaN or infinite is an error and the gradients
/// are left as they are (PyTorch's `clip_grad_norm_(..., error_if_nonfinite=True)`): a
/// training loop can then skip the step.
///
/// Errors as [`clip_grad_norm`] does, and when the total norm is not finite.
///
/// ```
/// use autograd::{Tensor, Var};
/// let w = Var::parameter(Tensor::from_vec(&[2], vec![1.0f64, 2.0])?);
/// *w.grad_mut() = Some(Tensor::from_vec(&[2], vec![f64::NAN, 1.0])?);
/// assert!(optim::clip_grad_norm_if_finite(&[w.clone()], 1.0, 2.0).is_err());
/// assert_eq!(w.grad().unwrap().to_vec()[1], 1.0); // untouched
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn clip_grad_norm_if_finite<T: Element>(
    params: &[Var<T>],
    max_norm: f64,
    norm_type: f64,
) -> Result<f64> {
    check_norm_args("clip_grad_norm_if_finite", max_norm, norm_type)?;
    let total = total_norm(params, norm_type);
    if !total.is_finite() {
        return Err(OptimError::Invalid {
            message: format!(
                "clip_grad_norm_if_finite: expected a finite total norm (of order {norm_type}) \
                 of the gradients, found {total}; the gradients were left as they are"
            ),
        });
    }
    scale_to(params, max_norm, total);
    Ok(total)
}

fn check_norm_args(function: &'static str, max_norm: f64, norm_type: f64) -> Result<()> {
    if max_norm.is_nan() || max_norm < 0.0 {
        return Err(OptimError::Hyperparameter {
            optimizer: function,
            name: "max_norm",
            expected: ">= 0",
            found: max_norm,
        });
    }
    if norm_type.is_nan() || norm_type <= 0.0 {
        return Err(OptimError::Hyperparameter {
            optimizer: function,
            name: "norm_type",
            expected: "> 0 (or f64::INFINITY)",
            found: norm_type,
        });
    }
    Ok(())
}

/// The `norm_type`-norm of the per-parameter norms of the gradients.
fn total_norm<T: Element>(params: &[Var<T>], norm_type: f64) -> f64 {
    let norms = with_grads(params).map(|p| {
        // `grad_ref` multiplies out a gradient kept as a matrix product, once: the scaling
        // afterwards finds it dense.
        let g = p.grad_ref();
        let g = g
            .as_ref()
            .expect("with_grads keeps parameters with a gradient");
        let as_f64 = |v: &T| v.to_f64().unwrap_or(f64::NAN);
        match g.as_slice() {
            Some(s) => vector_norm(s.iter().map(as_f64), norm_type),
            None => vector_norm(g.to_vec().iter().map(as_f64), norm_type),
        }
    });
    // Collected first: the per-parameter norms are each taken under one borrow.
    let norms: Vec<f64> = norms.collect();
    vector_norm(norms.into_iter(), norm_type)
}

/// Multiplies every gradient by `max_norm / (total + 1e-6)` when that is below 1 or NaN
/// (PyTorch's clamp to at most 1 keeps a NaN).
fn scale_to<T: Element>(params: &[Var<T>], max_norm: f64, total: f64) {
    let coef = max_norm / (total + 1e-6);
    if coef < 1.0 || coef.is_nan() {
        let c = T::from_f64_lossy(coef);
        for p in with_grads(params) {
            if let Some(g) = p.grad_mut().as_mut() {
                g.map_inplace(|v| v * c);
            }
        }
    }
}

/// The `p`-norm of `values` (the largest absolute value for `p = ∞`, NaN if any is NaN), in
/// `f64`.
fn vector_norm(values: impl Iterator<Item = f64>, p: f64) -> f64 {
    if p == f64::INFINITY {
        // f64::max drops NaN; PyTorch's max-abs norm propagates it.
        return values.fold(0.0, |m, v| {
            if v.is_nan() || m.is_nan() {
                f64::NAN
            } else {
                m.max(v.abs())
            }
        });
    }
    if p == 2.0 {
        return values.map(|v| v * v).sum::<f64>().sqrt();
    }
    if p == 1.0 {
        return values.map(f64::abs).sum();
    }
    values.map(|v| v.abs().powf(p)).sum::<f64>().powf(1.0 / p)
}

/// Clamps every gradient element of `params` to `[-clip_value, clip_value]` (PyTorch's
/// `clip_grad_value_`). NaN elements stay NaN.
///
/// Errors when `clip_value` is negative or NaN.
///
/// ```
/// use autograd::{Tensor, Var};
/// let w = Var::parameter(Tensor::from_vec(&[3], vec![0.0f64; 3])?);
/// (&w * &Var::constant(Tensor::from_vec(&[3], vec![-3.0, 0.5, 2.0])?)).sum_all().backward()?;
/// optim::clip_grad_value(&[w.clone()], 1.0)?;
/// assert_eq!(w.grad().unwrap().to_vec(), vec![-1.0, 0.5, 1.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn clip_grad_value<T: Element>(params: &[Var<T>], clip_value: f64) -> Result<()> {
    if clip_value.is_nan() || clip_value < 0.0 {
        return Err(OptimError::Hyperparameter {
            optimizer: "clip_grad_value",
            name: "clip_value",
            expected: ">= 0",
            found: clip_value,
        });
    }
    let hi = T::from_f64_lossy(clip_value);
    let lo = -hi;
    for p in with_grads(params) {
        if let Some(g) = p.grad_mut().as_mut() {
            // Comparisons, not min/max: Float::min would turn a NaN into the bound.
            g.map_inplace(|v| {
                if v > hi {
                    hi
                } else if v < lo {
                    lo
                } else {
                    v
                }
            });
        }
    }
    Ok(())
}
