//! Element-wise arithmetic and functions, with NumPy/PyTorch broadcasting.

use crate::shape::broadcast_shapes;
use crate::{Element, Result, Tensor, TensorError};
use ndarray::{ArrayD, IxDyn, Zip};
use std::ops::{Add, Div, Mul, Neg, Sub};

impl<T: Element> Tensor<T> {
    /// Applies `f` pairwise after broadcasting `self` and `other` to a common shape.
    ///
    /// `op` names the operation in the error when the shapes do not broadcast.
    pub fn zip_map(
        &self,
        other: &Tensor<T>,
        op: &'static str,
        f: impl Fn(T, T) -> T,
    ) -> Result<Tensor<T>> {
        if self.shape() == other.shape() {
            let data = Zip::from(&self.data)
                .and(&other.data)
                .map_collect(|&a, &b| f(a, b));
            return Ok(Tensor { data });
        }
        let shape = broadcast_shapes(op, self.shape(), other.shape())?;
        let a = self
            .data
            .broadcast(IxDyn(&shape))
            .expect("shape was checked to broadcast");
        let b = other
            .data
            .broadcast(IxDyn(&shape))
            .expect("shape was checked to broadcast");
        let mut out = ArrayD::<T>::zeros(IxDyn(&shape));
        Zip::from(&mut out)
            .and(&a)
            .and(&b)
            .for_each(|o, &a, &b| *o = f(a, b));
        Ok(Tensor { data: out })
    }

    /// Applies `f` to every element (PyTorch has no single name; think `Tensor.apply_`).
    pub fn map(&self, f: impl Fn(T) -> T) -> Tensor<T> {
        Tensor {
            data: self.data.mapv(f),
        }
    }

    /// Applies `f` to every element in place.
    pub fn map_inplace(&mut self, f: impl Fn(T) -> T) {
        self.data.mapv_inplace(f);
    }

    /// `self + other` with broadcasting (PyTorch's `torch.add`).
    pub fn add(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
        self.zip_map(other, "add", |a, b| a + b)
    }

    /// `self - other` with broadcasting (PyTorch's `torch.sub`).
    pub fn sub(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
        self.zip_map(other, "sub", |a, b| a - b)
    }

    /// `self * other` element-wise with broadcasting (PyTorch's `torch.mul`).
    pub fn mul(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
        self.zip_map(other, "mul", |a, b| a * b)
    }

    /// `self / other` element-wise with broadcasting (PyTorch's `torch.div`).
    pub fn div(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
        self.zip_map(other, "div", |a, b| a / b)
    }

    /// The element-wise larger of two tensors, with broadcasting (PyTorch's `torch.maximum`;
    /// NaN propagates).
    pub fn maximum(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
        self.zip_map(other, "maximum", |a, b| {
            if a.is_nan() || b.is_nan() {
                T::nan()
            } else {
                a.max(b)
            }
        })
    }

    /// The element-wise smaller of two tensors, with broadcasting (PyTorch's `torch.minimum`;
    /// NaN propagates).
    pub fn minimum(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
        self.zip_map(other, "minimum", |a, b| {
            if a.is_nan() || b.is_nan() {
                T::nan()
            } else {
                a.min(b)
            }
        })
    }

    /// A mask of `1.0` where `self > other` and `0.0` elsewhere, with broadcasting
    /// (PyTorch's `torch.gt`, as floats).
    pub fn gt(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
        self.zip_map(other, "gt", |a, b| mask(a > b))
    }

    /// A mask of `1.0` where `self >= other` (PyTorch's `torch.ge`, as floats).
    pub fn ge(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
        self.zip_map(other, "ge", |a, b| mask(a >= b))
    }

    /// A mask of `1.0` where `self < other` (PyTorch's `torch.lt`, as floats).
    pub fn lt(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
        self.zip_map(other, "lt", |a, b| mask(a < b))
    }

    /// A mask of `1.0` where `self <= other` (PyTorch's `torch.le`, as floats).
    pub fn le(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
        self.zip_map(other, "le", |a, b| mask(a <= b))
    }

    /// A mask of `1.0` where `self == other` (PyTorch's `torch.eq`, as floats).
    pub fn eq_mask(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
        self.zip_map(other, "eq", |a, b| mask(a == b))
    }

    /// A mask of `1.0` where an element is greater than `value` (PyTorch's `t > value`).
    pub fn gt_scalar(&self, value: T) -> Tensor<T> {
        self.map(|a| mask(a > value))
    }

    /// A mask of `1.0` where an element is less than `value` (PyTorch's `t < value`).
    pub fn lt_scalar(&self, value: T) -> Tensor<T> {
        self.map(|a| mask(a < value))
    }

    /// Adds a scalar to every element.
    pub fn add_scalar(&self, value: T) -> Tensor<T> {
        self.map(|a| a + value)
    }

    /// Multiplies every element by a scalar.
    pub fn mul_scalar(&self, value: T) -> Tensor<T> {
        self.map(|a| a * value)
    }

    /// `-x` (PyTorch's `torch.neg`).
    pub fn neg(&self) -> Tensor<T> {
        self.map(|a| -a)
    }

    /// `e^x` (PyTorch's `torch.exp`).
    pub fn exp(&self) -> Tensor<T> {
        self.map(T::exp)
    }

    /// The natural logarithm (PyTorch's `torch.log`).
    pub fn ln(&self) -> Tensor<T> {
        self.map(T::ln)
    }

    /// The square root (PyTorch's `torch.sqrt`).
    pub fn sqrt(&self) -> Tensor<T> {
        self.map(T::sqrt)
    }

    /// `x^p` for a scalar exponent (PyTorch's `torch.pow` with a float exponent).
    pub fn powf(&self, p: T) -> Tensor<T> {
        self.map(|a| a.powf(p))
    }

    /// `|x|` (PyTorch's `torch.abs`).
    pub fn abs(&self) -> Tensor<T> {
        self.map(T::abs)
    }

    /// The logistic function `1 / (1 + e^-x)`, computed without overflow for large `|x|`
    /// (PyTorch's `torch.sigmoid`).
    pub fn sigmoid(&self) -> Tensor<T> {
        self.map(sigmoid)
    }

    /// The hyperbolic tangent (PyTorch's `torch.tanh`).
    pub fn tanh(&self) -> Tensor<T> {
        self.map(T::tanh)
    }

    /// `max(x, 0)` (PyTorch's `torch.relu`).
    pub fn relu(&self) -> Tensor<T> {
        self.map(|a| if a > T::zero() { a } else { T::zero() })
    }

    /// Clamps each element to `[min, max]` (PyTorch's `torch.clamp`).
    pub fn clamp(&self, min: T, max: T) -> Tensor<T> {
        self.map(|a| a.max(min).min(max))
    }

    /// `self += other` in place, where `other` broadcasts to `self`'s shape.
    ///
    /// Errors when `other` does not broadcast to `self`'s shape (the result may not grow).
    pub fn add_assign(&mut self, other: &Tensor<T>) -> Result<()> {
        self.scaled_add(T::one(), other)
    }

    /// `self += alpha * other` in place (BLAS's axpy), where `other` broadcasts to `self`'s shape.
    pub fn scaled_add(&mut self, alpha: T, other: &Tensor<T>) -> Result<()> {
        let b = other.data.broadcast(self.data.raw_dim()).ok_or_else(|| {
            TensorError::ShapeMismatch {
                op: "scaled_add",
                lhs: self.shape().to_vec(),
                rhs: other.shape().to_vec(),
                reason: "do not fit: rhs must broadcast to lhs's shape in an in-place op".into(),
            }
        })?;
        if alpha == T::one() {
            Zip::from(&mut self.data).and(&b).for_each(|a, &b| *a += b);
        } else {
            Zip::from(&mut self.data)
                .and(&b)
                .for_each(|a, &b| *a += alpha * b);
        }
        Ok(())
    }

    /// Multiplies every element by `alpha` in place.
    pub fn scale_inplace(&mut self, alpha: T) {
        self.data.mapv_inplace(|a| a * alpha);
    }

    /// Sets every element to `value`.
    pub fn fill(&mut self, value: T) {
        self.data.fill(value);
    }
}

fn mask<T: Element>(b: bool) -> T {
    if b {
        T::one()
    } else {
        T::zero()
    }
}

/// The logistic function for one value, stable for large `|x|`.
pub fn sigmoid<T: Element>(x: T) -> T {
    if x >= T::zero() {
        T::one() / (T::one() + (-x).exp())
    } else {
        let e = x.exp();
        e / (T::one() + e)
    }
}

macro_rules! binary_operator {
    ($trait:ident, $method:ident, $named:ident) => {
        /// # Panics
        /// When the shapes do not broadcast; the message names both shapes. Use the named
        /// method for a `Result`.
        impl<T: Element> $trait<&Tensor<T>> for &Tensor<T> {
            type Output = Tensor<T>;
            #[track_caller]
            fn $method(self, rhs: &Tensor<T>) -> Tensor<T> {
                match Tensor::$named(self, rhs) {
                    Ok(t) => t,
                    Err(e) => panic!("{e}"),
                }
            }
        }

        /// Applies the scalar to every element.
        impl<T: Element> $trait<T> for &Tensor<T> {
            type Output = Tensor<T>;
            fn $method(self, rhs: T) -> Tensor<T> {
                self.map(|a| a.$method(rhs))
            }
        }
    };
}

binary_operator!(Add, add, add);
binary_operator!(Sub, sub, sub);
binary_operator!(Mul, mul, mul);
binary_operator!(Div, div, div);

impl<T: Element> Neg for &Tensor<T> {
    type Output = Tensor<T>;
    fn neg(self) -> Tensor<T> {
        Tensor::neg(self)
    }
}
