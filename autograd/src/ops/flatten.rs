//! `flatten`: a reshape that merges a run of axes.

use crate::{AutogradError, Result, Var};
use tensor::{normalize_axis, Element};

impl<T: Element> Var<T> {
    /// Merges the axes `start_dim..=end_dim` into one (PyTorch's `torch.flatten(x, start_dim,
    /// end_dim)`; negative axes count from the end). `flatten(1, -1)` turns a conv layer's
    /// `[N, C, H, W]` into the `[N, C·H·W]` a linear layer takes; a 0-d value becomes `[1]`.
    /// It is a [`reshape`](Var::reshape), and so is its backward.
    ///
    /// ```
    /// use autograd::Var;
    /// use tensor::Tensor;
    /// let x = Var::constant(Tensor::<f32>::zeros(&[2, 3, 4, 5]));
    /// assert_eq!(x.flatten(1, -1)?.shape(), vec![2, 60]);
    /// assert_eq!(x.flatten(0, 1)?.shape(), vec![6, 4, 5]);
    /// # Ok::<(), autograd::AutogradError>(())
    /// ```
    ///
    /// Errors when an axis is out of range or `start_dim` comes after `end_dim`.
    #[track_caller]
    pub fn flatten(&self, start_dim: isize, end_dim: isize) -> Result<Var<T>> {
        let shape = self.shape();
        if shape.is_empty() {
            // PyTorch treats a 0-d tensor as having one axis here.
            normalize_axis("flatten", start_dim, &[1])?;
            normalize_axis("flatten", end_dim, &[1])?;
            return self.reshape(&[1]);
        }
        let start = normalize_axis("flatten", start_dim, &shape)?;
        let end = normalize_axis("flatten", end_dim, &shape)?;
        if start > end {
            return Err(AutogradError::Invalid {
                op: "flatten",
                message: format!(
                    "expected start_dim <= end_dim, found {start_dim} (axis {start}) and {end_dim} (axis {end}) for shape {shape:?}"
                ),
            });
        }
        let mut out = shape[..start].to_vec();
        out.push(shape[start..=end].iter().product());
        out.extend_from_slice(&shape[end + 1..]);
        self.reshape(&out)
    }
}
