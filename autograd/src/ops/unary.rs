//! Element-wise functions of one input, and `maximum`/`minimum`.

use super::when;
use crate::{is_grad_enabled, BackwardCtx, Result, Var};
use tensor::{Element, Tensor};

impl<T: Element> Var<T> {
    /// `e^x` (PyTorch's `torch.exp`). Backward: `g · out`.
    #[track_caller]
    pub fn exp(&self) -> Var<T> {
        let value = self.value().exp();
        Var::from_op("exp", value, &[self], |c| {
            Ok(vec![Some(c.grad.mul(c.output)?)])
        })
    }

    /// The natural logarithm (PyTorch's `torch.log`). Backward: `g / x`.
    #[track_caller]
    pub fn ln(&self) -> Var<T> {
        let value = self.value().ln();
        Var::from_op("ln", value, &[self], |c| {
            Ok(vec![Some(c.grad.div(&c.inputs[0])?)])
        })
    }

    /// The square root (PyTorch's `torch.sqrt`). Backward: `g / (2 · out)`.
    #[track_caller]
    pub fn sqrt(&self) -> Var<T> {
        let value = self.value().sqrt();
        Var::from_op("sqrt", value, &[self], |c| {
            let half = T::from_f64_lossy(0.5);
            Ok(vec![Some(c.grad.div(c.output)?.mul_scalar(half))])
        })
    }

    /// `x^p` for a scalar exponent (PyTorch's `torch.pow(x, p)`). Backward: `g · p · x^(p-1)`.
    #[track_caller]
    pub fn powf(&self, p: T) -> Var<T> {
        let value = self.value().powf(p);
        Var::from_op("powf", value, &[self], move |c| {
            let d = c.inputs[0].powf(p - T::one()).mul_scalar(p);
            Ok(vec![Some(c.grad.mul(&d)?)])
        })
    }

    /// `|x|` (PyTorch's `torch.abs`). Backward: `g · sign(x)` (0 at 0, like PyTorch).
    #[track_caller]
    pub fn abs(&self) -> Var<T> {
        let value = self.value().abs();
        Var::from_op("abs", value, &[self], |c| {
            let sign = c.inputs[0].value().map(|v| {
                if v > T::zero() {
                    T::one()
                } else if v < T::zero() {
                    -T::one()
                } else {
                    T::zero()
                }
            });
            Ok(vec![Some(c.grad.mul(&Var::constant(sign))?)])
        })
    }

    /// The logistic function (PyTorch's `torch.sigmoid`). Backward: `g · out · (1 - out)`.
    #[track_caller]
    pub fn sigmoid(&self) -> Var<T> {
        let value = self.value().sigmoid();
        Var::from_op("sigmoid", value, &[self], |c| {
            if !is_grad_enabled() {
                // Not recorded: one fused pass, the same arithmetic as below.
                let d = c
                    .output
                    .value()
                    .zip_map(&c.grad.value(), "sigmoid", |s, g| g * (s * (T::one() - s)))?;
                return Ok(vec![Some(Var::constant(d))]);
            }
            let s = c.output;
            let d = s.mul(&s.neg().add_scalar(T::one()))?;
            Ok(vec![Some(c.grad.mul(&d)?)])
        })
    }

    /// The hyperbolic tangent (PyTorch's `torch.tanh`). Backward: `g · (1 - out²)`.
    #[track_caller]
    pub fn tanh(&self) -> Var<T> {
        let value = self.value().tanh();
        Var::from_op("tanh", value, &[self], |c| {
            if !is_grad_enabled() {
                // Not recorded: one fused pass, the same arithmetic as below.
                let d = c
                    .output
                    .value()
                    .zip_map(&c.grad.value(), "tanh", |t, g| g * (T::one() - t * t))?;
                return Ok(vec![Some(Var::constant(d))]);
            }
            let t = c.output;
            let d = t.mul(t)?.neg().add_scalar(T::one());
            Ok(vec![Some(c.grad.mul(&d)?)])
        })
    }

    /// `max(x, 0)` (PyTorch's `torch.relu`). Backward: `g · [x > 0]` (0 at 0, like PyTorch).
    #[track_caller]
    pub fn relu(&self) -> Var<T> {
        let value = self.value().relu();
        Var::from_op("relu", value, &[self], |c| {
            if !is_grad_enabled() {
                // Not recorded: one fused pass, the same arithmetic as below.
                let d = c.inputs[0]
                    .value()
                    .zip_map(&c.grad.value(), "relu", |x, g| {
                        g * if x > T::zero() { T::one() } else { T::zero() }
                    })?;
                return Ok(vec![Some(Var::constant(d))]);
            }
            let mask = c.inputs[0].value().gt_scalar(T::zero());
            Ok(vec![Some(c.grad.mul(&Var::constant(mask))?)])
        })
    }

    /// The element-wise larger of two values, with broadcasting (PyTorch's `torch.maximum`).
    /// Backward: the gradient goes to the larger input; on a tie it is split in half, as in
    /// PyTorch.
    #[track_caller]
    pub fn maximum(&self, other: &Var<T>) -> Result<Var<T>> {
        let value = self.value().maximum(&other.value())?;
        Ok(Var::from_op("maximum", value, &[self, other], |c| {
            winner_grads(c, |a, b| a > b)
        }))
    }

    /// The element-wise smaller of two values, with broadcasting (PyTorch's `torch.minimum`).
    /// Backward: the gradient goes to the smaller input; split in half on a tie.
    #[track_caller]
    pub fn minimum(&self, other: &Var<T>) -> Result<Var<T>> {
        let value = self.value().minimum(&other.value())?;
        Ok(Var::from_op("minimum", value, &[self, other], |c| {
            winner_grads(c, |a, b| a < b)
        }))
    }

    /// A constant mask of `1` where `self > other` (PyTorch's `torch.gt`); not differentiable.
    pub fn gt(&self, other: &Var<T>) -> Result<Var<T>> {
        Ok(Var::constant(self.value().gt(&other.value())?))
    }

    /// A constant mask of `1` where `self < other` (PyTorch's `torch.lt`); not differentiable.
    pub fn lt(&self, other: &Var<T>) -> Result<Var<T>> {
        Ok(Var::constant(self.value().lt(&other.value())?))
    }
}

/// Gradients of an element-wise choice between two inputs: each element's gradient goes to the
/// input that `wins` there, and is split in half on a tie.
fn winner_grads<T: Element>(
    c: &BackwardCtx<'_, T>,
    wins: fn(T, T) -> bool,
) -> Result<Vec<Option<Var<T>>>> {
    let weights = |a: &Tensor<T>, b: &Tensor<T>| {
        a.zip_map(b, "maximum", |x, y| {
            if wins(x, y) {
                T::one()
            } else if x == y {
                T::from_f64_lossy(0.5)
            } else {
                T::zero()
            }
        })
    };
    let (a, b) = (c.inputs[0].value(), c.inputs[1].value());
    let w_a = Var::constant(weights(&a, &b)?);
    let w_b = Var::constant(weights(&b, &a)?);
    drop((a, b));
    Ok(vec![
        when(c.needs(0), || c.grad.mul(&w_a))?,
        when(c.needs(1), || c.grad.mul(&w_b))?,
    ])
}
