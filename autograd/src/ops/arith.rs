//! Broadcasting arithmetic: `+ - * /`, negation, and the same with a scalar.
//!
//! Backward rules return the gradient at the output's (broadcast) shape; the engine sums it back
//! to each input's shape.

use super::when;
use crate::{Result, Var};
use std::ops::{Add, Div, Mul, Neg, Sub};
use tensor::Element;

impl<T: Element> Var<T> {
    /// `self + other` with broadcasting (PyTorch's `torch.add`).
    /// Backward: `∂/∂a = g`, `∂/∂b = g`.
    #[track_caller]
    pub fn add(&self, other: &Var<T>) -> Result<Var<T>> {
        let value = self.value().add(&other.value())?;
        Ok(Var::from_op("add", value, &[self, other], |c| {
            Ok(vec![Some(c.grad.clone()), Some(c.grad.clone())])
        }))
    }

    /// `self - other` with broadcasting (PyTorch's `torch.sub`).
    /// Backward: `∂/∂a = g`, `∂/∂b = -g`.
    #[track_caller]
    pub fn sub(&self, other: &Var<T>) -> Result<Var<T>> {
        let value = self.value().sub(&other.value())?;
        Ok(Var::from_op("sub", value, &[self, other], |c| {
            Ok(vec![
                Some(c.grad.clone()),
                when(c.needs(1), || Ok(c.grad.neg()))?,
            ])
        }))
    }

    /// `self * other` element-wise with broadcasting (PyTorch's `torch.mul`).
    /// Backward: `∂/∂a = g·b`, `∂/∂b = g·a`.
    #[track_caller]
    pub fn mul(&self, other: &Var<T>) -> Result<Var<T>> {
        let value = self.value().mul(&other.value())?;
        Ok(Var::from_op("mul", value, &[self, other], |c| {
            Ok(vec![
                when(c.needs(0), || c.grad.mul(&c.inputs[1]))?,
                when(c.needs(1), || c.grad.mul(&c.inputs[0]))?,
            ])
        }))
    }

    /// `self / other` element-wise with broadcasting (PyTorch's `torch.div`).
    /// Backward: `∂/∂a = g / b`, `∂/∂b = -g·a / b² = -g·out / b`.
    #[track_caller]
    pub fn div(&self, other: &Var<T>) -> Result<Var<T>> {
        let value = self.value().div(&other.value())?;
        Ok(Var::from_op("div", value, &[self, other], |c| {
            Ok(vec![
                when(c.needs(0), || c.grad.div(&c.inputs[1]))?,
                when(c.needs(1), || {
                    Ok(c.grad.mul(c.output)?.div(&c.inputs[1])?.neg())
                })?,
            ])
        }))
    }

    /// `-x` (PyTorch's `torch.neg`). Backward: `-g`.
    #[track_caller]
    pub fn neg(&self) -> Var<T> {
        let value = self.value().neg();
        Var::from_op("neg", value, &[self], |c| Ok(vec![Some(c.grad.neg())]))
    }

    /// `x + s` for a scalar `s`. Backward: `g`.
    #[track_caller]
    pub fn add_scalar(&self, s: T) -> Var<T> {
        let value = self.value().add_scalar(s);
        Var::from_op("add_scalar", value, &[self], |c| {
            Ok(vec![Some(c.grad.clone())])
        })
    }

    /// `x · s` for a scalar `s`. Backward: `g · s`.
    #[track_caller]
    pub fn mul_scalar(&self, s: T) -> Var<T> {
        let value = self.value().mul_scalar(s);
        Var::from_op("mul_scalar", value, &[self], move |c| {
            Ok(vec![Some(c.grad.mul_scalar(s))])
        })
    }
}

macro_rules! var_operator {
    ($trait:ident, $method:ident) => {
        /// # Panics
        /// When the shapes do not broadcast; the message names both shapes. Use the named
        /// method for a `Result`.
        impl<T: Element> $trait<&Var<T>> for &Var<T> {
            type Output = Var<T>;
            #[track_caller]
            fn $method(self, rhs: &Var<T>) -> Var<T> {
                match Var::$method(self, rhs) {
                    Ok(v) => v,
                    Err(e) => panic!("{e}"),
                }
            }
        }
    };
}

var_operator!(Add, add);
var_operator!(Sub, sub);
var_operator!(Mul, mul);
var_operator!(Div, div);

impl<T: Element> Add<T> for &Var<T> {
    type Output = Var<T>;
    #[track_caller]
    fn add(self, rhs: T) -> Var<T> {
        self.add_scalar(rhs)
    }
}

impl<T: Element> Sub<T> for &Var<T> {
    type Output = Var<T>;
    #[track_caller]
    fn sub(self, rhs: T) -> Var<T> {
        self.add_scalar(-rhs)
    }
}

impl<T: Element> Mul<T> for &Var<T> {
    type Output = Var<T>;
    #[track_caller]
    fn mul(self, rhs: T) -> Var<T> {
        self.mul_scalar(rhs)
    }
}

impl<T: Element> Div<T> for &Var<T> {
    type Output = Var<T>;
    #[track_caller]
    fn div(self, rhs: T) -> Var<T> {
        self.mul_scalar(T::one() / rhs)
    }
}

impl<T: Element> Neg for &Var<T> {
    type Output = Var<T>;
    #[track_caller]
    fn neg(self) -> Var<T> {
        Var::neg(self)
    }
}
