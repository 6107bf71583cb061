//! Shape arithmetic: broadcasting, axis normalisation, and the reduction of a broadcast gradient
//! back to an input's shape.

use crate::{Element, Result, Tensor, TensorError};
use ndarray::{Axis, IxDyn};

/// The shape two operands broadcast to under NumPy/PyTorch rules: shapes are aligned at their
/// last axis, and each pair of lengths must be equal or contain a 1.
///
/// `op` names the operation in the error.
///
/// ```
/// use tensor::broadcast_shapes;
/// assert_eq!(broadcast_shapes("add", &[4, 1, 3], &[5, 1]).unwrap(), vec![4, 5, 3]);
/// assert!(broadcast_shapes("add", &[2, 3], &[4]).is_err());
/// ```
pub fn broadcast_shapes(op: &'static str, lhs: &[usize], rhs: &[usize]) -> Result<Vec<usize>> {
    let n = lhs.len().max(rhs.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let a = if i < n - lhs.len() {
            1
        } else {
            lhs[i - (n - lhs.len())]
        };
        let b = if i < n - rhs.len() {
            1
        } else {
            rhs[i - (n - rhs.len())]
        };
        out[i] = if a == b || b == 1 {
            a
        } else if a == 1 {
            b
        } else {
            return Err(TensorError::Broadcast {
                op,
                lhs: lhs.to_vec(),
                rhs: rhs.to_vec(),
            });
        };
    }
    Ok(out)
}

/// Turns an axis given PyTorch-style (negative counts from the end) into an index below `ndim`.
pub fn normalize_axis(op: &'static str, axis: isize, shape: &[usize]) -> Result<usize> {
    let ndim = shape.len() as isize;
    let a = if axis < 0 { axis + ndim } else { axis };
    if a < 0 || a >= ndim {
        return Err(TensorError::Axis {
            op,
            axis,
            shape: shape.to_vec(),
        });
    }
    Ok(a as usize)
}

impl<T: Element> Tensor<T> {
    /// Sums a tensor down to `shape`, the shape of an input that was broadcast to `self`'s shape:
    /// leading axes that broadcasting added are summed away, axes where the input had length 1
    /// are summed with the length kept. This is how every gradient flows back through a
    /// broadcast, and the one place that does it.
    ///
    /// Errors when `shape` does not broadcast to `self`'s shape.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let g = Tensor::<f32>::ones(&[4, 2, 3]);
    /// assert_eq!(g.sum_to_shape(&[2, 1]).unwrap().to_vec(), vec![12.0, 12.0]);
    /// ```
    pub fn sum_to_shape(&self, shape: &[usize]) -> Result<Tensor<T>> {
        if self.shape() == shape {
            return Ok(self.clone());
        }
        let target = broadcast_shapes("sum_to_shape", shape, self.shape())?;
        if target != self.shape() {
            return Err(TensorError::ShapeMismatch {
                op: "sum_to_shape",
                lhs: self.shape().to_vec(),
                rhs: shape.to_vec(),
                reason: "cannot be reduced: the target does not broadcast to the source".into(),
            });
        }
        let lead = self.ndim() - shape.len();
        let mut acc = self.data.clone();
        for _ in 0..lead {
            acc = acc.sum_axis(Axis(0));
        }
        for (i, &len) in shape.iter().enumerate() {
            if len == 1 && acc.shape()[i] != 1 {
                acc = acc.sum_axis(Axis(i)).insert_axis(Axis(i));
            }
        }
        Ok(Tensor {
            data: acc
                .into_shape_with_order(IxDyn(shape))
                .expect("reduced to the target shape"),
        })
    }
}
