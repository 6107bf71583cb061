//! The public gradient checker: `backward()` against central finite differences, in `f64`.

use crate::{grad, no_grad_guard, Result, Var};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::fmt;
use tensor::Tensor;

/// How one input's analytic gradient compared with the finite-difference one.
#[derive(Debug, Clone)]
pub struct InputCheck {
    /// The gradient from `backward()` (the backward rules run unrecorded, as in training).
    pub analytic: Tensor<f64>,
    /// The gradient from the recorded backward rules ([`grad`](crate::grad) with
    /// `create_graph`, the path higher-order gradients take). An op may have a fused rule for
    /// the unrecorded pass; both must give the same gradient.
    pub recorded: Tensor<f64>,
    /// The largest `|analytic - recorded|`: how far the two backward paths disagree.
    pub max_path_diff: f64,
    /// The gradient from central differences `(f(x + h) - f(x - h)) / 2h`.
    pub numeric: Tensor<f64>,
    /// The largest `|analytic - numeric|`.
    pub max_abs_error: f64,
    /// The largest `|analytic - numeric| / max(|numeric|, 1e-8)`.
    pub max_rel_error: f64,
    /// The flat index where the absolute error is largest.
    pub worst_index: usize,
}

/// The result of [`gradcheck`]: one [`InputCheck`] per input, in order.
#[derive(Debug, Clone)]
pub struct GradCheckReport {
    /// Per input, in the order they were given.
    pub inputs: Vec<InputCheck>,
}

impl GradCheckReport {
    /// Whether every element of every gradient, from both backward paths (unrecorded and
    /// recorded), is within `atol + rtol · |numeric|` (the criterion of PyTorch's
    /// `torch.autograd.gradcheck`), and the two paths agree within `atol + rtol · |analytic|`.
    pub fn passed(&self, atol: f64, rtol: f64) -> bool {
        let close = |x: &Tensor<f64>, reference: &Tensor<f64>| {
            x.to_vec()
                .iter()
                .zip(reference.to_vec())
                .all(|(a, n)| (a - n).abs() <= atol + rtol * n.abs())
        };
        self.inputs.iter().all(|c| {
            close(&c.analytic, &c.numeric)
                && close(&c.recorded, &c.numeric)
                && close(&c.recorded, &c.analytic)
        })
    }

    /// The largest absolute error over all inputs.
    pub fn max_abs_error(&self) -> f64 {
        self.inputs
            .iter()
            .map(|c| c.max_abs_error)
            .fold(0.0, f64::max)
    }
}

impl fmt::Display for GradCheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.inputs.iter().enumerate() {
            let (a, n) = (c.analytic.to_vec(), c.numeric.to_vec());
            writeln!(
                f,
                "input {i} {:?}: max abs error {:.3e}, max rel error {:.3e}, worst at flat index {} (analytic {}, numeric {}); recorded path differs by {:.3e}",
                c.analytic.shape(),
                c.max_abs_error,
                c.max_rel_error,
                c.worst_index,
                a.get(c.worst_index).copied().unwrap_or(f64::NAN),
                n.get(c.worst_index).copied().unwrap_or(f64::NAN),
                c.max_path_diff,
            )?;
        }
        Ok(())
    }
}

/// Compares the gradients that `backward()` gives for `f` at `inputs` with central finite
/// differences of step `eps`, and reports the worst absolute and relative error per input.
///
/// `f` may return a value of any shape: a non-scalar output is reduced to `Σ out · w` with fixed
/// pseudo-random weights `w`, so every entry of the Jacobian is exercised.
///
/// Both backward paths are checked: the plain `backward()` (rules run unrecorded, as in
/// training) and the recorded one (`grad` with `create_graph`, as for higher-order gradients),
/// so a wrong rule on either path cannot hide behind a right one on the other.
///
/// ```
/// use autograd::{gradcheck, Var};
/// use tensor::Tensor;
/// let x = Tensor::from_vec(&[3], vec![0.5f64, -1.0, 2.0])?;
/// let report = gradcheck(|v| Ok(v[0].tanh().mul(&v[0])?), &[x], 1e-6)?;
/// assert!(report.passed(1e-7, 1e-5), "{report}");
/// # Ok::<(), autograd::AutogradError>(())
/// ```
pub fn gradcheck<F>(f: F, inputs: &[Tensor<f64>], eps: f64) -> Result<GradCheckReport>
where
    F: Fn(&[Var<f64>]) -> Result<Var<f64>>,
{
    let vars: Vec<Var<f64>> = inputs.iter().map(|t| Var::parameter(t.clone())).collect();
    let out = f(&vars)?;
    let weights = {
        let mut rng = StdRng::seed_from_u64(0x5eed);
        let n = out.numel();
        let w: Vec<f64> = (0..n).map(|_| rng.random_range(0.5..1.5)).collect();
        Tensor::from_vec(&out.shape(), w)?
    };
    let scalarize = |o: &Var<f64>| -> Result<f64> { Ok(o.value().mul(&weights)?.sum_all()) };
    let loss = out.mul(&Var::constant(weights.clone()))?.sum_all();
    let recorded = if loss.requires_grad() {
        let inputs: Vec<&Var<f64>> = vars.iter().collect();
        let recorded = grad(&loss, &inputs, true)?;
        loss.backward()?;
        recorded.iter().map(Var::to_tensor).collect()
    } else {
        // `f` does not depend on its inputs: both paths give zeros.
        inputs
            .iter()
            .map(|x| Tensor::zeros(x.shape()))
            .collect::<Vec<_>>()
    };

    let mut report = Vec::with_capacity(inputs.len());
    let _guard = no_grad_guard();
    for (k, x) in inputs.iter().enumerate() {
        let analytic = vars[k].grad().unwrap_or_else(|| Tensor::zeros(x.shape()));
        let mut numeric = vec![0.0; x.numel()];
        for (j, slot) in numeric.iter_mut().enumerate() {
            let eval = |delta: f64| -> Result<f64> {
                let shifted: Vec<Var<f64>> = inputs
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let mut t = t.clone();
                        if i == k {
                            let flat = t.as_slice_mut().expect("owned tensors are contiguous");
                            flat[j] += delta;
                        }
                        Var::constant(t)
                    })
                    .collect();
                scalarize(&f(&shifted)?)
            };
            *slot = (eval(eps)? - eval(-eps)?) / (2.0 * eps);
        }
        let a = analytic.to_vec();
        let (mut max_abs, mut max_rel, mut worst) = (0.0f64, 0.0f64, 0);
        for (j, (&a, &n)) in a.iter().zip(&numeric).enumerate() {
            let abs = (a - n).abs();
            if abs > max_abs || abs.is_nan() {
                max_abs = abs;
                worst = j;
            }
            max_rel = max_rel.max(abs / n.abs().max(1e-8));
        }
        let max_path_diff = analytic
            .to_vec()
            .iter()
            .zip(recorded[k].to_vec())
            .map(|(a, r)| (a - r).abs())
            .fold(0.0, f64::max);
        report.push(InputCheck {
            recorded: recorded[k].clone(),
            max_path_diff,
            analytic,
            numeric: Tensor::from_vec(x.shape(), numeric)?,
            max_abs_error: max_abs,
            max_rel_error: max_rel,
            worst_index: worst,
        });
    }
    Ok(GradCheckReport { inputs: report })
}
