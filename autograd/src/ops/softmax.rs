//! The softmax family, computed stably (the maximum is subtracted first).

use crate::{is_grad_enabled, Result, Var};
use tensor::Element;

impl<T: Element> Var<T> {
    /// `softmax(x)_i = e^(x_i) / Σ_j e^(x_j)` along `axis` (PyTorch's `torch.softmax`).
    /// Backward: `out · (g - Σ(g · out))`, the sum along `axis`.
    ///
    /// ```
    /// use autograd::Var;
    /// use tensor::Tensor;
    /// let x = Var::parameter(Tensor::from_vec(&[1, 3], vec![1e4f64, 0.0, -1e4])?);
    /// let p = x.softmax(-1)?;
    /// assert_eq!(p.to_tensor().to_vec(), vec![1.0, 0.0, 0.0]); // no overflow, no NaN
    /// # Ok::<(), autograd::AutogradError>(())
    /// ```
    #[track_caller]
    pub fn softmax(&self, axis: isize) -> Result<Var<T>> {
        let value = self.value().softmax(axis)?;
        Ok(Var::from_op("softmax", value, &[self], move |c| {
            if !is_grad_enabled() {
                // Not recorded: one fused pass, no intermediate nodes.
                let d = c.output.value().softmax_backward(&c.grad.value(), axis)?;
                return Ok(vec![Some(Var::constant(d))]);
            }
            let s = c.output;
            let dot = c.grad.mul(s)?.sum_axis(axis, true)?;
            Ok(vec![Some(s.mul(&c.grad.sub(&dot)?)?)])
        }))
    }

    /// `log_softmax(x)_i = x_i - ln Σ_j e^(x_j)` along `axis` (PyTorch's `torch.log_softmax`).
    /// Backward: `g - e^out · Σ g`, the sum along `axis`.
    #[track_caller]
    pub fn log_softmax(&self, axis: isize) -> Result<Var<T>> {
        let value = self.value().log_softmax(axis)?;
        Ok(Var::from_op("log_softmax", value, &[self], move |c| {
            if !is_grad_enabled() {
                // Not recorded: one fused pass, no intermediate nodes.
                let d = c
                    .output
                    .value()
                    .log_softmax_backward(&c.grad.value(), axis)?;
                return Ok(vec![Some(Var::constant(d))]);
            }
            let total = c.grad.sum_axis(axis, true)?;
            Ok(vec![Some(c.grad.sub(&c.output.exp().mul(&total)?)?)])
        }))
    }

    /// `ln Σ e^x` along `axis` (PyTorch's `torch.logsumexp`). Backward: `g · e^(x - out)`,
    /// the softmax of `x`.
    #[track_caller]
    pub fn logsumexp(&self, axis: isize, keepdim: bool) -> Result<Var<T>> {
        let value = self.value().logsumexp(axis, keepdim)?;
        Ok(Var::from_op("logsumexp", value, &[self], move |c| {
            let x = &c.inputs[0];
            let (g, out) = if keepdim {
                (c.grad.clone(), c.output.clone())
            } else {
                let ax = tensor::normalize_axis("logsumexp", axis, &x.shape())?;
                let mut kept = x.shape();
                kept[ax] = 1;
                (c.grad.reshape(&kept)?, c.output.reshape(&kept)?)
            };
            Ok(vec![Some(g.mul(&x.sub(&out)?.exp())?)])
        }))
    }
}
