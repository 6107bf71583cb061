//! `embedding`: rows of a weight picked by integer ids.

use crate::{AutogradError, Result, Var};
use tensor::Element;

impl<T: Element> Var<T> {
    /// The rows of `weight` (`[num_embeddings, dim]`) at `ids`, as `[ids.len(), dim]`
    /// (PyTorch's `F.embedding(ids, weight)` for a 1-D `ids`; reshape the result for more
    /// axes). It is [`index_select`](Var::index_select) on the rows, so the backward is `g`
    /// scatter-added into the rows the ids name (`index_add`): a row named twice gets both
    /// gradients.
    ///
    /// ```
    /// use autograd::Var;
    /// use tensor::Tensor;
    /// let w = Var::parameter(Tensor::from_vec(&[3, 2], vec![0.0f64, 1.0, 10.0, 11.0, 20.0, 21.0])?);
    /// let e = Var::embedding(&[2, 0, 2], &w)?;
    /// assert_eq!(e.to_tensor().to_vec(), vec![20.0, 21.0, 0.0, 1.0, 20.0, 21.0]);
    /// e.sum_all().backward()?;
    /// assert_eq!(w.grad().unwrap().to_vec(), vec![1.0, 1.0, 0.0, 0.0, 2.0, 2.0]);
    /// # Ok::<(), autograd::AutogradError>(())
    /// ```
    ///
    /// Errors when `weight` is not 2-D or an id is not below `num_embeddings` (the message
    /// names the id and its position).
    #[track_caller]
    pub fn embedding(ids: &[usize], weight: &Var<T>) -> Result<Var<T>> {
        let shape = weight.shape();
        let &[num, _] = shape.as_slice() else {
            return Err(AutogradError::Invalid {
                op: "embedding",
                message: format!("expected a weight [num_embeddings, dim], found shape {shape:?}"),
            });
        };
        if let Some((pos, id)) = ids.iter().enumerate().find(|(_, &id)| id >= num) {
            return Err(AutogradError::Invalid {
                op: "embedding",
                message: format!(
                    "expected ids below num_embeddings {num} (weight {shape:?}), found id {id} at position {pos}"
                ),
            });
        }
        weight.index_select(0, ids)
    }
}
