//! Shape and layout changes: reshape, transpose/permute, broadcast, slicing, concatenation,
//! and selecting rows by index.

use crate::shape::normalize_axis;
use crate::{Element, Result, Tensor, TensorError};
use ndarray::{Axis, IxDyn, Slice};

impl<T: Element> Tensor<T> {
    /// The same elements in row-major order under a new shape (PyTorch's `reshape`).
    ///
    /// Errors when the element counts differ.
    pub fn reshape(&self, shape: &[usize]) -> Result<Tensor<T>> {
        if shape.iter().product::<usize>() != self.numel() {
            return Err(TensorError::Reshape {
                from: self.shape().to_vec(),
                to: shape.to_vec(),
            });
        }
        let data = if self.data.is_standard_layout() {
            self.data.clone()
        } else {
            self.data.as_standard_layout().into_owned()
        };
        Ok(Tensor {
            data: data
                .into_shape_with_order(IxDyn(shape))
                .expect("element count was checked"),
        })
    }

    /// Flattens all axes after the first (`[n, ...] -> [n, rest]`), as fed to a `Linear` layer.
    pub fn flatten_rows(&self) -> Result<Tensor<T>> {
        if self.ndim() == 0 {
            return Err(TensorError::Invalid {
                op: "flatten_rows",
                message: "expected at least one axis, found a scalar".into(),
            });
        }
        let n = self.shape()[0];
        let rest = self.shape()[1..].iter().product();
        self.reshape(&[n, rest])
    }

    /// Swaps two axes (PyTorch's `transpose(dim0, dim1)`); the result is laid out in row-major
    /// order.
    pub fn transpose(&self, axis0: isize, axis1: isize) -> Result<Tensor<T>> {
        let a = normalize_axis("transpose", axis0, self.shape())?;
        let b = normalize_axis("transpose", axis1, self.shape())?;
        let mut v = self.data.view();
        v.swap_axes(a, b);
        Ok(Tensor {
            data: v.as_standard_layout().into_owned(),
        })
    }

    /// The transpose of a 2-D tensor (PyTorch's `t()`); errors for other ranks.
    pub fn t(&self) -> Result<Tensor<T>> {
        if self.ndim() != 2 {
            return Err(TensorError::Invalid {
                op: "t",
                message: format!("expected a 2-D tensor, found shape {:?}", self.shape()),
            });
        }
        self.transpose(0, 1)
    }

    /// Reorders the axes: axis `i` of the result is axis `axes[i]` of `self` (PyTorch's
    /// `permute`). Errors unless `axes` is a permutation of `0..ndim`.
    pub fn permute(&self, axes: &[usize]) -> Result<Tensor<T>> {
        let mut seen = vec![false; self.ndim()];
        let valid = axes.len() == self.ndim()
            && axes
                .iter()
                .all(|&a| a < seen.len() && !std::mem::replace(&mut seen[a], true));
        if !valid {
            return Err(TensorError::Invalid {
                op: "permute",
                message: format!(
                    "expected a permutation of 0..{} for shape {:?}, found {axes:?}",
                    self.ndim(),
                    self.shape()
                ),
            });
        }
        Ok(Tensor {
            data: self
                .data
                .view()
                .permuted_axes(IxDyn(axes))
                .as_standard_layout()
                .into_owned(),
        })
    }

    /// Repeats the tensor along broadcast axes to `shape` (PyTorch's `expand`, materialised).
    ///
    /// Errors when `self`'s shape does not broadcast to `shape`.
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Tensor<T>> {
        let v = self
            .data
            .broadcast(IxDyn(shape))
            .ok_or_else(|| TensorError::ShapeMismatch {
                op: "broadcast_to",
                lhs: self.shape().to_vec(),
                rhs: shape.to_vec(),
                reason: "do not fit: lhs does not broadcast to the target rhs".into(),
            })?;
        Ok(Tensor { data: v.to_owned() })
    }

    /// Inserts an axis of length 1 at `axis` (PyTorch's `unsqueeze`); `axis` may equal `ndim`.
    pub fn unsqueeze(&self, axis: usize) -> Result<Tensor<T>> {
        if axis > self.ndim() {
            return Err(TensorError::Axis {
                op: "unsqueeze",
                axis: axis as isize,
                shape: self.shape().to_vec(),
            });
        }
        Ok(Tensor {
            data: self.data.clone().insert_axis(Axis(axis)),
        })
    }

    /// `len` entries of `axis` starting at `start` (PyTorch's `narrow`).
    ///
    /// Errors when the axis does not exist or `start + len` passes its end.
    pub fn narrow(&self, axis: isize, start: usize, len: usize) -> Result<Tensor<T>> {
        let ax = normalize_axis("narrow", axis, self.shape())?;
        let n = self.shape()[ax];
        if start.checked_add(len).is_none_or(|end| end > n) {
            return Err(TensorError::Invalid {
                op: "narrow",
                message: format!(
                    "range {start}..{} is out of bounds for axis {axis} of length {n} (shape {:?})",
                    start.saturating_add(len),
                    self.shape()
                ),
            });
        }
        Ok(Tensor {
            data: self
                .data
                .slice_axis(Axis(ax), Slice::from(start..start + len))
                .to_owned(),
        })
    }

    /// Rows `range` of the first axis (PyTorch's `t[start:end]`).
    pub fn slice_rows(&self, range: std::ops::Range<usize>) -> Result<Tensor<T>> {
        if range.start > range.end {
            return Err(TensorError::Invalid {
                op: "slice_rows",
                message: format!(
                    "expected start <= end, found {}..{}",
                    range.start, range.end
                ),
            });
        }
        self.narrow(0, range.start, range.end - range.start)
    }

    /// Picks entries of `axis` by index, in the order given, repeats allowed (PyTorch's
    /// `index_select`).
    ///
    /// Errors when an index is out of range.
    pub fn index_select(&self, axis: isize, indices: &[usize]) -> Result<Tensor<T>> {
        let ax = normalize_axis("index_select", axis, self.shape())?;
        let bound = self.shape()[ax];
        if let Some(&bad) = indices.iter().find(|&&i| i >= bound) {
            return Err(TensorError::Index {
                op: "index_select",
                index: bad,
                bound,
            });
        }
        if ax == 0 {
            if let Some(src) = self.data.as_slice() {
                // Whole rows of a row-major array are contiguous: copy them as slices (ndarray's
                // `select` appends them one view at a time, 3x slower on MNIST batches).
                let row = self.data.len() / bound.max(1);
                let mut data = Vec::with_capacity(row * indices.len());
                for &i in indices {
                    data.extend_from_slice(&src[i * row..(i + 1) * row]);
                }
                let mut shape = self.shape().to_vec();
                shape[0] = indices.len();
                return Tensor::from_vec(&shape, data);
            }
        }
        Ok(Tensor {
            data: self.data.select(Axis(ax), indices),
        })
    }

    /// Picks rows (entries of the first axis) by index: how a batch is gathered from a dataset.
    pub fn select_rows(&self, indices: &[usize]) -> Result<Tensor<T>> {
        self.index_select(0, indices)
    }

    /// Zeros added before and after the entries of `axis` (PyTorch's `F.pad` with zeros, on one
    /// axis): the inverse of [`narrow`](Tensor::narrow), and its gradient.
    pub fn pad_axis(&self, axis: isize, before: usize, after: usize) -> Result<Tensor<T>> {
        let ax = normalize_axis("pad_axis", axis, self.shape())?;
        let mut shape = self.shape().to_vec();
        shape[ax] += before + after;
        let mut out = ndarray::ArrayD::zeros(IxDyn(&shape));
        out.slice_axis_mut(Axis(ax), Slice::from(before..before + self.shape()[ax]))
            .assign(&self.data);
        Ok(Tensor { data: out })
    }

    /// Scatter-add: a tensor whose `axis` has length `len`, where entry `indices[i]` is the sum
    /// of the entries `i` of `self` that name it (PyTorch's `index_add` into zeros): the gradient
    /// of [`index_select`](Tensor::index_select).
    ///
    /// Errors when `indices` does not have one entry per entry of `axis`, or one is `>= len`.
    pub fn index_add(&self, axis: isize, indices: &[usize], len: usize) -> Result<Tensor<T>> {
        let ax = normalize_axis("index_add", axis, self.shape())?;
        if indices.len() != self.shape()[ax] {
            return Err(TensorError::Invalid {
                op: "index_add",
                message: format!(
                    "expected one index per entry of axis {axis} ({}), found {}",
                    self.shape()[ax],
                    indices.len()
                ),
            });
        }
        if let Some(&bad) = indices.iter().find(|&&i| i >= len) {
            return Err(TensorError::Index {
                op: "index_add",
                index: bad,
                bound: len,
            });
        }
        let mut shape = self.shape().to_vec();
        shape[ax] = len;
        let mut out = ndarray::ArrayD::<T>::zeros(IxDyn(&shape));
        for (src, &dst) in self.data.axis_iter(Axis(ax)).zip(indices) {
            let mut row = out.index_axis_mut(Axis(ax), dst);
            row += &src;
        }
        Ok(Tensor { data: out })
    }

    /// Joins tensors along an existing axis (PyTorch's `torch.cat`).
    ///
    /// Errors when the list is empty, or the shapes differ other than along `axis`.
    pub fn concat(tensors: &[&Tensor<T>], axis: isize) -> Result<Tensor<T>> {
        let first = first_of("concat", tensors)?;
        let ax = normalize_axis("concat", axis, first.shape())?;
        for t in &tensors[1..] {
            let fits = t.ndim() == first.ndim()
                && t.shape()
                    .iter()
                    .zip(first.shape())
                    .enumerate()
                    .all(|(i, (a, b))| i == ax || a == b);
            if !fits {
                return Err(TensorError::ShapeMismatch {
                    op: "concat",
                    lhs: first.shape().to_vec(),
                    rhs: t.shape().to_vec(),
                    reason: format!("differ on an axis other than the concatenation axis {axis}"),
                });
            }
        }
        let views: Vec<_> = tensors.iter().map(|t| t.data.view()).collect();
        Ok(Tensor {
            data: ndarray::concatenate(Axis(ax), &views).expect("shapes were checked"),
        })
    }

    /// Joins same-shaped tensors along a new axis (PyTorch's `torch.stack`).
    ///
    /// Errors when the list is empty or the shapes differ.
    pub fn stack(tensors: &[&Tensor<T>], axis: usize) -> Result<Tensor<T>> {
        let first = first_of("stack", tensors)?;
        if axis > first.ndim() {
            return Err(TensorError::Axis {
                op: "stack",
                axis: axis as isize,
                shape: first.shape().to_vec(),
            });
        }
        if let Some(t) = tensors.iter().find(|t| t.shape() != first.shape()) {
            return Err(TensorError::ShapeMismatch {
                op: "stack",
                lhs: first.shape().to_vec(),
                rhs: t.shape().to_vec(),
                reason: "differ: stack needs tensors of one shape".into(),
            });
        }
        let views: Vec<_> = tensors.iter().map(|t| t.data.view()).collect();
        Ok(Tensor {
            data: ndarray::stack(Axis(axis), &views).expect("shapes were checked"),
        })
    }
}

fn first_of<'a, T: Element>(op: &'static str, tensors: &[&'a Tensor<T>]) -> Result<&'a Tensor<T>> {
    tensors
        .first()
        .copied()
        .ok_or_else(|| TensorError::Invalid {
            op,
            message: "expected at least one tensor, found none".into(),
        })
}
