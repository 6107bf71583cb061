//! Reductions: sums, means, maxima and minima, over everything or along an axis.

use crate::{Result, Var};
use tensor::{normalize_axis, Element, Tensor};

/// The shape `shape` would have after reducing `axis` with `keepdim`.
fn kept_shape(shape: &[usize], axis: usize) -> Vec<usize> {
    let mut s = shape.to_vec();
    s[axis] = 1;
    s
}

impl<T: Element> Var<T> {
    /// The sum of all elements, as a 0-d value (PyTorch's `t.sum()`).
    /// Backward: `g` broadcast to the input's shape.
    #[track_caller]
    pub fn sum_all(&self) -> Var<T> {
        let value = Tensor::scalar(self.value().sum_all());
        Var::from_op("sum", value, &[self], |c| {
            Ok(vec![Some(c.grad.broadcast_to(&c.inputs[0].shape())?)])
        })
    }

    /// The mean of all elements (PyTorch's `t.mean()`). Backward: `g / n` broadcast.
    #[track_caller]
    pub fn mean_all(&self) -> Var<T> {
        let n = T::from_usize(self.numel()).expect("count fits the float type");
        self.sum_all().mul_scalar(T::one() / n)
    }

    /// Sums along `axis`, keeping it with length 1 if `keepdim` (PyTorch's `t.sum(dim, keepdim)`).
    /// Backward: `g` (with the axis restored) broadcast to the input's shape.
    #[track_caller]
    pub fn sum_axis(&self, axis: isize, keepdim: bool) -> Result<Var<T>> {
        let value = self.value().sum_axis(axis, keepdim)?;
        let ax = normalize_axis("sum", axis, &self.shape())?;
        Ok(Var::from_op("sum_axis", value, &[self], move |c| {
            let shape = c.inputs[0].shape();
            let g = if keepdim {
                c.grad.clone()
            } else {
                c.grad.reshape(&kept_shape(&shape, ax))?
            };
            Ok(vec![Some(g.broadcast_to(&shape)?)])
        }))
    }

    /// Averages along `axis` (PyTorch's `t.mean(dim, keepdim)`).
    #[track_caller]
    pub fn mean_axis(&self, axis: isize, keepdim: bool) -> Result<Var<T>> {
        let ax = normalize_axis("mean", axis, &self.shape())?;
        let n = T::from_usize(self.shape()[ax]).expect("count fits the float type");
        Ok(self.sum_axis(axis, keepdim)?.mul_scalar(T::one() / n))
    }

    /// The largest value along `axis` (PyTorch's `t.amax(dim, keepdim)`). Backward: `g` goes to
    /// the positions that hold the maximum, shared evenly among ties (as `amax` does).
    #[track_caller]
    pub fn max_axis(&self, axis: isize, keepdim: bool) -> Result<Var<T>> {
        let value = self.value().max_axis(axis, keepdim)?;
        self.extremum_op("max_axis", value, axis, keepdim)
    }

    /// The smallest value along `axis` (PyTorch's `t.amin(dim, keepdim)`). Backward like
    /// [`max_axis`](Var::max_axis).
    #[track_caller]
    pub fn min_axis(&self, axis: isize, keepdim: bool) -> Result<Var<T>> {
        let value = self.value().min_axis(axis, keepdim)?;
        self.extremum_op("min_axis", value, axis, keepdim)
    }

    /// The largest element, as a 0-d value (PyTorch's `t.max()`); errors on an empty value.
    #[track_caller]
    pub fn max_all(&self) -> Result<Var<T>> {
        let flat = self.reshape(&[self.numel()])?;
        flat.max_axis(0, false)
    }

    /// The smallest element, as a 0-d value (PyTorch's `t.min()`); errors on an empty value.
    #[track_caller]
    pub fn min_all(&self) -> Result<Var<T>> {
        let flat = self.reshape(&[self.numel()])?;
        flat.min_axis(0, false)
    }

    #[track_caller]
    fn extremum_op(
        &self,
        name: &'static str,
        value: Tensor<T>,
        axis: isize,
        keepdim: bool,
    ) -> Result<Var<T>> {
        let ax = normalize_axis(name, axis, &self.shape())?;
        Ok(Var::from_op(name, value, &[self], move |c| {
            let shape = c.inputs[0].shape();
            let kept = kept_shape(&shape, ax);
            let (g, out) = if keepdim {
                (c.grad.clone(), c.output.to_tensor())
            } else {
                (c.grad.reshape(&kept)?, c.output.value().reshape(&kept)?)
            };
            let hits = c.inputs[0].value().eq_mask(&out)?;
            let counts = hits.sum_axis(axis, true)?;
            let weights = hits.div(&counts)?;
            Ok(vec![Some(g.mul(&Var::constant(weights))?)])
        }))
    }
}
