//! Shape and layout ops. Each pair is the other's gradient: reshape/reshape,
//! broadcast_to/sum_to_shape, narrow/pad_axis, index_select/index_add.

use crate::{Result, Var};
use tensor::{normalize_axis, Element, Tensor};

impl<T: Element> Var<T> {
    /// The same elements under a new shape (PyTorch's `reshape`). Backward: `g` reshaped back.
    #[track_caller]
    pub fn reshape(&self, shape: &[usize]) -> Result<Var<T>> {
        let value = self.value().reshape(shape)?;
        Ok(Var::from_op("reshape", value, &[self], |c| {
            Ok(vec![Some(c.grad.reshape(&c.inputs[0].shape())?)])
        }))
    }

    /// Swaps two axes (PyTorch's `transpose`). Backward: `g` with the same axes swapped.
    #[track_caller]
    pub fn transpose(&self, axis0: isize, axis1: isize) -> Result<Var<T>> {
        let value = self.value().transpose(axis0, axis1)?;
        Ok(Var::from_op("transpose", value, &[self], move |c| {
            Ok(vec![Some(c.grad.transpose(axis0, axis1)?)])
        }))
    }

    /// Reorders axes (PyTorch's `permute`). Backward: `g` permuted by the inverse permutation.
    #[track_caller]
    pub fn permute(&self, axes: &[usize]) -> Result<Var<T>> {
        let value = self.value().permute(axes)?;
        let mut inverse = vec![0; axes.len()];
        for (i, &a) in axes.iter().enumerate() {
            inverse[a] = i;
        }
        Ok(Var::from_op("permute", value, &[self], move |c| {
            Ok(vec![Some(c.grad.permute(&inverse)?)])
        }))
    }

    /// Repeats along broadcast axes to `shape` (PyTorch's `expand`, materialised).
    /// Backward: `g` summed back to the input's shape.
    #[track_caller]
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Var<T>> {
        let value = self.value().broadcast_to(shape)?;
        Ok(Var::from_op("broadcast_to", value, &[self], |c| {
            Ok(vec![Some(c.grad.sum_to_shape(&c.inputs[0].shape())?)])
        }))
    }

    /// Sums down to `shape`, a shape that broadcasts to this one (see
    /// [`Tensor::sum_to_shape`]); the engine uses it to return gradients to broadcast inputs.
    /// Backward: `g` broadcast back.
    #[track_caller]
    pub fn sum_to_shape(&self, shape: &[usize]) -> Result<Var<T>> {
        let value = self.value().sum_to_shape(shape)?;
        Ok(Var::from_op("sum_to_shape", value, &[self], |c| {
            Ok(vec![Some(c.grad.broadcast_to(&c.inputs[0].shape())?)])
        }))
    }

    /// `len` entries of `axis` from `start` (PyTorch's `narrow`). Backward: `g` padded with
    /// zeros back to the input's length.
    #[track_caller]
    pub fn narrow(&self, axis: isize, start: usize, len: usize) -> Result<Var<T>> {
        let value = self.value().narrow(axis, start, len)?;
        let full = self.shape()[normalize_axis("narrow", axis, &self.shape())?];
        Ok(Var::from_op("narrow", value, &[self], move |c| {
            Ok(vec![Some(c.grad.pad_axis(
                axis,
                start,
                full - start - len,
            )?)])
        }))
    }

    /// Rows `range` of the first axis (PyTorch's `t[a:b]`).
    #[track_caller]
    pub fn slice_rows(&self, range: std::ops::Range<usize>) -> Result<Var<T>> {
        let len =
            range
                .end
                .checked_sub(range.start)
                .ok_or_else(|| crate::AutogradError::Invalid {
                    op: "slice_rows",
                    message: format!(
                        "expected start <= end, found {}..{}",
                        range.start, range.end
                    ),
                })?;
        self.narrow(0, range.start, len)
    }

    /// Zeros before and after the entries of `axis`. Backward: the middle of `g` (`narrow`).
    #[track_caller]
    pub fn pad_axis(&self, axis: isize, before: usize, after: usize) -> Result<Var<T>> {
        let value = self.value().pad_axis(axis, before, after)?;
        let len = self.shape()[normalize_axis("pad_axis", axis, &self.shape())?];
        Ok(Var::from_op("pad_axis", value, &[self], move |c| {
            Ok(vec![Some(c.grad.narrow(axis, before, len)?)])
        }))
    }

    /// Picks entries of `axis` by index (PyTorch's `index_select`). Backward: `g` scatter-added
    /// into zeros of the input's shape (`index_add`).
    #[track_caller]
    pub fn index_select(&self, axis: isize, indices: &[usize]) -> Result<Var<T>> {
        let value = self.value().index_select(axis, indices)?;
        let len = self.shape()[normalize_axis("index_select", axis, &self.shape())?];
        let idx = indices.to_vec();
        Ok(Var::from_op("index_select", value, &[self], move |c| {
            Ok(vec![Some(c.grad.index_add(axis, &idx, len)?)])
        }))
    }

    /// Sums entries of `axis` into `len` slots by index (PyTorch's `index_add` into zeros).
    /// Backward: `g` gathered back (`index_select`).
    #[track_caller]
    pub fn index_add(&self, axis: isize, indices: &[usize], len: usize) -> Result<Var<T>> {
        let value = self.value().index_add(axis, indices, len)?;
        let idx = indices.to_vec();
        Ok(Var::from_op("index_add", value, &[self], move |c| {
            Ok(vec![Some(c.grad.index_select(axis, &idx)?)])
        }))
    }

    /// Joins values along an existing axis (PyTorch's `torch.cat`). Backward: each input gets
    /// its own stretch of `g` (`narrow`).
    #[track_caller]
    pub fn concat(vars: &[&Var<T>], axis: isize) -> Result<Var<T>> {
        let values: Vec<_> = vars.iter().map(|v| v.value()).collect();
        let refs: Vec<&Tensor<T>> = values.iter().map(|v| &**v).collect();
        let value = Tensor::concat(&refs, axis)?;
        drop(values);
        Ok(Var::from_op("concat", value, vars, move |c| {
            let ax = normalize_axis("concat", axis, &c.grad.shape())?;
            let mut start = 0;
            c.inputs
                .iter()
                .map(|x| {
                    let len = x.shape()[ax];
                    let g = c.grad.narrow(axis, start, len)?;
                    start += len;
                    Ok(Some(g))
                })
                .collect()
        }))
    }

    /// Joins same-shaped values along a new axis (PyTorch's `torch.stack`). Backward: entry `i`
    /// of `g` along that axis goes to input `i`.
    #[track_caller]
    pub fn stack(vars: &[&Var<T>], axis: usize) -> Result<Var<T>> {
        let values: Vec<_> = vars.iter().map(|v| v.value()).collect();
        let refs: Vec<&Tensor<T>> = values.iter().map(|v| &**v).collect();
        let value = Tensor::stack(&refs, axis)?;
        drop(values);
        Ok(Var::from_op("stack", value, vars, move |c| {
            c.inputs
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    Ok(Some(
                        c.grad.narrow(axis as isize, i, 1)?.reshape(&x.shape())?,
                    ))
                })
                .collect()
        }))
    }
}
