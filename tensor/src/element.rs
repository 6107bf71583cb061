//! The element types a [`Tensor`](crate::Tensor) can hold.

use ndarray::{LinalgScalar, ScalarOperand};
use num_traits::{Float, FromPrimitive, NumAssign};
use std::fmt::{Debug, Display};
use std::iter::Sum;

/// A floating-point element type: `f32` or `f64`.
///
/// Everything in the workspace is generic over this trait; it bundles `num_traits::Float` with
/// what `ndarray` needs for arithmetic and matrix products.
pub trait Element:
    Float
    + FromPrimitive
    + NumAssign
    + ScalarOperand
    + LinalgScalar
    + Sum
    + Debug
    + Display
    + Default
    + Send
    + Sync
    + 'static
{
    /// Converts an `f64` literal to this type (rounding for `f32`).
    fn from_f64_lossy(v: f64) -> Self;
    /// The name PyTorch and safetensors use for this type (`"F32"` / `"F64"`).
    const DTYPE: &'static str;
}

impl Element for f32 {
    fn from_f64_lossy(v: f64) -> Self {
        v as f32
    }
    const DTYPE: &'static str = "F32";
}

impl Element for f64 {
    fn from_f64_lossy(v: f64) -> Self {
        v
    }
    const DTYPE: &'static str = "F64";
}
