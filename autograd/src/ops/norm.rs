//! Normalisation: `batch_norm`, one op with PyTorch's formulas (its recorded backward made of
//! three per-channel ops, an affine map, a sum and a dot product, each the others' gradient,
//! so that second derivatives go through the batch statistics), and `layer_norm`, composed of
//! reductions and broadcasting arithmetic, whose gradients are those ops' gradients.

use super::when;
use crate::{is_grad_enabled, AutogradError, Result, Var};
use tensor::{Element, Tensor};

fn invalid(op: &'static str, message: String) -> AutogradError {
    AutogradError::Invalid { op, message }
}

/// Checks that an optional per-feature parameter has `shape`.
fn check_param<T: Element>(
    op: &'static str,
    what: &str,
    p: Option<&Var<T>>,
    shape: &[usize],
) -> Result<()> {
    match p {
        Some(p) if p.shape() != shape => Err(invalid(
            op,
            format!("expected {what} of shape {shape:?}, found {:?}", p.shape()),
        )),
        _ => Ok(()),
    }
}

/// `(x - mean) · (var + eps)^(-1/2)` for each row of `x` `[rows, d]`, with the biased variance.
#[track_caller]
fn normalise_rows<T: Element>(x: &Var<T>, eps: T) -> Result<Var<T>> {
    let d = x.shape()[1];
    let scale = T::one() / T::from_usize(d).expect("count fits the float type");
    let mean = x.sum_axis(1, true)?.mul_scalar(scale);
    let centered = x.sub(&mean)?;
    let var = centered
        .mul(&centered)?
        .sum_axis(1, true)?
        .mul_scalar(scale);
    centered.mul(&inv_sqrt(&var, eps))
}

/// `(v + eps)^(-1/2)`.
#[track_caller]
fn inv_sqrt<T: Element>(v: &Var<T>, eps: T) -> Var<T> {
    v.add_scalar(eps).powf(-T::from_f64_lossy(0.5))
}

impl<T: Element> Var<T> {
    /// `x · scale[c] + shift[c]` per channel (axis 1) of `[N, C, ...]` (see
    /// [`Tensor::channel_affine`]). Backward: `∂/∂x = g · scale[c]` (this op again),
    /// `∂/∂scale = channel_dot(g, x)`, `∂/∂shift = channel_sum(g)`.
    #[track_caller]
    pub(crate) fn channel_affine(
        &self,
        scale: Option<&Var<T>>,
        shift: Option<&Var<T>>,
    ) -> Result<Var<T>> {
        let value = {
            let (s, b) = (scale.map(|s| s.value()), shift.map(|b| b.value()));
            self.value().channel_affine(s.as_deref(), b.as_deref())?
        };
        let mut inputs = vec![self];
        inputs.extend(scale);
        inputs.extend(shift);
        let has_scale = scale.is_some();
        Ok(Var::from_op("channel_affine", value, &inputs, move |c| {
            let (x, g) = (&c.inputs[0], c.grad);
            let s = has_scale.then(|| &c.inputs[1]);
            let mut grads = vec![when(c.needs(0), || g.channel_affine(s, None))?];
            if has_scale {
                grads.push(when(c.needs(1), || g.channel_dot(x))?);
            }
            if c.inputs.len() > grads.len() {
                grads.push(when(c.needs(grads.len()), || g.channel_sum())?);
            }
            Ok(grads)
        }))
    }

    /// The sum of each channel (axis 1) of `[N, C, ...]`, `[C]` (see
    /// [`Tensor::channel_sum`]). Backward: `g[c]` spread over channel `c` (`channel_affine` of
    /// zeros with shift `g`).
    #[track_caller]
    pub(crate) fn channel_sum(&self) -> Result<Var<T>> {
        let value = self.value().channel_sum()?;
        Ok(Var::from_op("channel_sum", value, &[self], |c| {
            let zeros = Var::constant(Tensor::zeros(&c.inputs[0].shape()));
            Ok(vec![Some(zeros.channel_affine(None, Some(c.grad))?)])
        }))
    }

    /// `Σ x·y` over each channel (axis 1) of two `[N, C, ...]` values, `[C]` (see
    /// [`Tensor::channel_dot`]). Backward: `∂/∂x = y · g[c]`, `∂/∂y = x · g[c]`
    /// (`channel_affine`).
    #[track_caller]
    pub(crate) fn channel_dot(&self, other: &Var<T>) -> Result<Var<T>> {
        let value = self.value().channel_dot(&other.value())?;
        Ok(Var::from_op("channel_dot", value, &[self, other], |c| {
            let (x, y, g) = (&c.inputs[0], &c.inputs[1], c.grad);
            Ok(vec![
                when(c.needs(0), || y.channel_affine(Some(g), None))?,
                when(c.needs(1), || x.channel_affine(Some(g), None))?,
            ])
        }))
    }
}

impl<T: Element> Var<T> {
    /// Batch normalisation over the batch (and spatial) axes, per channel (PyTorch's
    /// `F.batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps)`),
    /// for `x` `[N, C]`, `[N, C, L]` or `[N, C, H, W]`:
    ///
    /// `y = (x - mean) / sqrt(var + eps) · weight + bias`, per channel `c`.
    ///
    /// - Training: `mean` and the biased `var` are the batch's, over every axis but the
    ///   channels, and the gradient flows through them. When `running` (running mean, running
    ///   variance, both `[C]`) is given, they are updated in place, unrecorded, as PyTorch does:
    ///   `r ← (1 - momentum)·r + momentum·s`, with the **unbiased** batch variance for the
    ///   running variance.
    /// - Evaluation (`training == false`): `mean` and `var` are the running statistics, which
    ///   must be given.
    ///
    /// `weight` and `bias` (`[C]`) are optional, as in PyTorch's functional form. Training is
    /// one op: the statistics in two passes over `x` ([`Tensor::channel_mean_var`]) and
    /// `y = x·s + (bias - mean·s)` with `s = weight / sqrt(var + eps)` in a third, as PyTorch's
    /// CPU kernel computes it. Its backward is PyTorch's too, `s·(g - mean(g) - x̂·mean(g·x̂))`
    /// with `x̂ = (x - mean)/sqrt(var + eps)`, `Σ g·x̂` for the weight and `Σ g` for the bias: in
    /// three passes unrecorded, and in per-channel ops (statistics recomputed from `x`) when
    /// recorded, so that second derivatives go through the statistics. Evaluation is one
    /// per-channel affine map with the running statistics, differentiable in `x`, `weight`
    /// and `bias`.
    ///
    /// ```
    /// use autograd::Var;
    /// use tensor::Tensor;
    /// let x = Var::constant(Tensor::from_vec(&[4, 1], vec![1.0f64, 2.0, 3.0, 6.0])?);
    /// let (rm, rv) = (Var::constant(Tensor::zeros(&[1])), Var::constant(Tensor::ones(&[1])));
    /// let y = x.batch_norm(Some((&rm, &rv)), None, None, true, 0.1, 0.0)?;
    /// assert!(y.to_tensor().sum_all().abs() < 1e-12);  // the batch mean is removed
    /// assert!((rm.item()? - 0.3).abs() < 1e-12);       // 0.9·0 + 0.1·3
    /// assert!((rv.item()? - (0.9 + 0.1 * 14.0 / 3.0)).abs() < 1e-12); // unbiased: 14/3
    /// # Ok::<(), autograd::AutogradError>(())
    /// ```
    ///
    /// Errors when `x` has rank under 2 or over 4, a statistic or parameter is not `[C]`, the
    /// running statistics are missing in evaluation, or training sees one value per channel.
    #[track_caller]
    pub fn batch_norm(
        &self,
        running: Option<(&Var<T>, &Var<T>)>,
        weight: Option<&Var<T>>,
        bias: Option<&Var<T>>,
        training: bool,
        momentum: T,
        eps: T,
    ) -> Result<Var<T>> {
        const OP: &str = "batch_norm";
        let shape = self.shape();
        if !(2..=4).contains(&shape.len()) {
            return Err(invalid(
                OP,
                format!(
                    "expected an input [N, C], [N, C, L] or [N, C, H, W], found shape {shape:?}"
                ),
            ));
        }
        let (n, c) = (shape[0], shape[1]);
        let spatial: usize = shape[2..].iter().product();
        for (what, p) in [
            ("a running mean", running.map(|r| r.0)),
            ("a running variance", running.map(|r| r.1)),
            ("a weight", weight),
            ("a bias", bias),
        ] {
            check_param(OP, what, p, &[c])?;
        }
        let count = n * spatial;
        if !training {
            let Some((rm, rv)) = running else {
                return Err(invalid(
                    OP,
                    "expected a running mean and variance in evaluation (training == false), found none".into(),
                ));
            };
            // y = x·s + (bias - mean·s), s = weight / sqrt(var + eps): one pass over x, and the
            // gradients of weight and bias through the [C]-sized arithmetic.
            let inv_std = inv_sqrt(rv, eps);
            let scale = match weight {
                Some(w) => inv_std.mul(w)?,
                None => inv_std,
            };
            let shift = rm.mul(&scale)?.neg();
            let shift = match bias {
                Some(b) => b.add(&shift)?,
                None => shift,
            };
            return self.channel_affine(Some(&scale), Some(&shift));
        }
        if count <= 1 {
            return Err(invalid(
                OP,
                format!("expected more than 1 value per channel when training, found input shape {shape:?}"),
            ));
        }
        let (mean, var) = self.value().channel_mean_var()?;
        if let Some((rm, rv)) = running {
            let keep = T::one() - momentum;
            let unbiased = var.mul_scalar(
                T::from_usize(count).expect("count fits")
                    / T::from_usize(count - 1).expect("count fits"),
            );
            let mut m = rm.value_mut();
            m.scale_inplace(keep);
            m.scaled_add(momentum, &mean)?;
            let mut v = rv.value_mut();
            v.scale_inplace(keep);
            v.scaled_add(momentum, &unbiased)?;
        }
        let inv_std = var.add_scalar(eps).powf(-T::from_f64_lossy(0.5));
        let scale = match weight {
            Some(w) => inv_std.mul(&w.value())?,
            None => inv_std.clone(),
        };
        let shift = mean.mul(&scale)?.neg();
        let shift = match bias {
            Some(b) => b.value().add(&shift)?,
            None => shift,
        };
        let value = self.value().channel_affine(Some(&scale), Some(&shift))?;
        let mut inputs = vec![self];
        inputs.extend(weight);
        inputs.extend(bias);
        let (has_weight, has_bias) = (weight.is_some(), bias.is_some());
        let inv_count = T::one() / T::from_usize(count).expect("count fits the float type");
        Ok(Var::from_op("batch_norm", value, &inputs, move |c| {
            let bias_at = 1 + usize::from(has_weight);
            if !is_grad_enabled() {
                // Not recorded: two passes, `Σ g` and `Σ g·(x - mean)`, then the input gradient
                // in one, with the batch statistics of the forward pass (PyTorch's CPU kernel).
                let (x, g) = (c.inputs[0].value(), c.grad.value());
                let (sum_g, dot) = g.channel_sum_centered_dot(&x, &mean)?;
                let d_weight = dot.mul(&inv_std)?;
                let s = if has_weight {
                    inv_std.mul(&c.inputs[1].value())?
                } else {
                    inv_std.clone()
                };
                let mut grads = Vec::with_capacity(c.inputs.len());
                grads.push(if c.needs(0) {
                    // dx = s·(g - Σg/count - x̂·Σ(g·x̂)/count), x̂ = (x - mean)·inv_std
                    let b = s.mul(&inv_std)?.mul(&d_weight)?.mul_scalar(-inv_count);
                    let k = s.mul(&sum_g)?.mul_scalar(-inv_count);
                    Some(Var::constant(g.channel_combine(&s, &x, &mean, &b, &k)?))
                } else {
                    None
                });
                if has_weight {
                    grads.push(c.needs(1).then(|| Var::constant(d_weight)));
                }
                if has_bias {
                    grads.push(c.needs(bias_at).then(|| Var::constant(sum_g)));
                }
                return Ok(grads);
            }
            // Recorded: the same rule in per-channel ops, the statistics recomputed from x so
            // that a second derivative goes through them.
            let (x, g) = (&c.inputs[0], c.grad);
            let mean = x.channel_sum()?.mul_scalar(inv_count);
            let centered = x.channel_affine(None, Some(&mean.neg()))?;
            let var = centered.channel_dot(&centered)?.mul_scalar(inv_count);
            let inv_std = inv_sqrt(&var, eps);
            let x_hat = centered.channel_affine(Some(&inv_std), None)?;
            let sum_g = g.channel_sum()?;
            let d_weight = g.channel_dot(&x_hat)?;
            let s = if has_weight {
                inv_std.mul(&c.inputs[1])?
            } else {
                inv_std
            };
            let mut grads = vec![when(c.needs(0), || {
                let shift = s.mul(&sum_g)?.mul_scalar(-inv_count);
                let along = s.mul(&d_weight)?.mul_scalar(inv_count);
                g.channel_affine(Some(&s), Some(&shift))?
                    .sub(&x_hat.channel_affine(Some(&along), None)?)
            })?];
            if has_weight {
                grads.push(c.needs(1).then_some(d_weight));
            }
            if has_bias {
                grads.push(c.needs(bias_at).then_some(sum_g));
            }
            Ok(grads)
        }))
    }

    /// Layer normalisation over the trailing axes `normalized_shape` (PyTorch's
    /// `F.layer_norm(x, normalized_shape, weight, bias, eps)`): each slice over those axes is
    /// shifted to mean 0 and scaled to (biased) variance 1, `(x - mean) / sqrt(var + eps)`, then
    /// multiplied by `weight` and shifted by `bias` (both of shape `normalized_shape`,
    /// optional). Backward: that of the reductions and arithmetic it is made of.
    ///
    /// ```
    /// use autograd::Var;
    /// use tensor::Tensor;
    /// let x = Var::constant(Tensor::from_vec(&[2, 2], vec![1.0f64, 3.0, 2.0, 6.0])?);
    /// let y = x.layer_norm(&[2], None, None, 0.0)?;
    /// assert_eq!(y.to_tensor().to_vec(), vec![-1.0, 1.0, -1.0, 1.0]);
    /// # Ok::<(), autograd::AutogradError>(())
    /// ```
    ///
    /// Errors when `normalized_shape` is empty or not the trailing shape of `x`, or a weight or
    /// bias does not have it.
    #[track_caller]
    pub fn layer_norm(
        &self,
        normalized_shape: &[usize],
        weight: Option<&Var<T>>,
        bias: Option<&Var<T>>,
        eps: T,
    ) -> Result<Var<T>> {
        const OP: &str = "layer_norm";
        let shape = self.shape();
        if normalized_shape.is_empty() || !shape.ends_with(normalized_shape) {
            return Err(invalid(
                OP,
                format!("expected a non-empty normalized_shape that ends the input's shape {shape:?}, found {normalized_shape:?}"),
            ));
        }
        check_param(OP, "a weight", weight, normalized_shape)?;
        check_param(OP, "a bias", bias, normalized_shape)?;
        let d: usize = normalized_shape.iter().product();
        let rows = shape[..shape.len() - normalized_shape.len()]
            .iter()
            .product();
        let x = self.reshape(&[rows, d])?;
        let mut y = normalise_rows(&x, eps)?.reshape(&shape)?;
        if let Some(w) = weight {
            y = y.mul(w)?;
        }
        if let Some(b) = bias {
            y = y.add(b)?;
        }
        Ok(y)
    }
}
