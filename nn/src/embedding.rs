//! A lookup table of learnt vectors.

use crate::{Module, NnError, Result};
use autograd::{Element, Tensor, Var};
use rand::Rng;

/// A table of `num_embeddings` learnt vectors of length `embedding_dim` (PyTorch's
/// `nn.Embedding`): parameter `weight` `[num_embeddings, embedding_dim]`, drawn from `N(0, 1)`
/// as PyTorch draws it. [`Embedding::lookup`] takes the ids as integers; as a [`Module`] it
/// takes a tensor of whole numbers of any shape `S` and gives `S + [embedding_dim]`.
///
/// ```
/// use nn::{Embedding, Module};
/// use autograd::{Tensor, Var};
/// use rand::{rngs::StdRng, SeedableRng};
/// let emb = Embedding::<f32>::new(10, 3, &mut StdRng::seed_from_u64(0))?;
/// assert_eq!(emb.lookup(&[4, 4, 9])?.shape(), [3, 3]);
/// let ids = Var::constant(Tensor::from_vec(&[2, 2], vec![0.0, 1.0, 2.0, 9.0])?);
/// assert_eq!(emb.forward(&ids)?.shape(), [2, 2, 3]);
/// assert!(emb.forward(&Var::constant(Tensor::from_vec(&[1], vec![10.0])?)).is_err());
/// assert_eq!(format!("{emb:?}"), "Embedding(10, 3)");
/// # Ok::<(), nn::NnError>(())
/// ```
pub struct Embedding<T: Element = f32> {
    /// The vectors, `[num_embeddings, embedding_dim]`.
    pub weight: Var<T>,
}

impl<T: Element> Embedding<T> {
    /// A table drawn from `N(0, 1)`.
    ///
    /// Errors when either size is zero.
    pub fn new<R: Rng + ?Sized>(
        num_embeddings: usize,
        embedding_dim: usize,
        rng: &mut R,
    ) -> Result<Self> {
        if num_embeddings == 0 || embedding_dim == 0 {
            return Err(NnError::Config {
                module: "Embedding",
                message: format!(
                    "expected positive sizes, found num_embeddings={num_embeddings}, embedding_dim={embedding_dim}"
                ),
            });
        }
        let w = Tensor::rand_normal(&[num_embeddings, embedding_dim], T::zero(), T::one(), rng)?;
        Ok(Embedding {
            weight: Var::parameter(w),
        })
    }

    /// The rows at `ids`, `[ids.len(), embedding_dim]`; the gradient of a row named twice is
    /// the sum of both.
    ///
    /// Errors when an id is not below `num_embeddings`.
    pub fn lookup(&self, ids: &[usize]) -> Result<Var<T>> {
        Ok(Var::embedding(ids, &self.weight)?)
    }

    /// The number of vectors.
    pub fn num_embeddings(&self) -> usize {
        self.weight.shape()[0]
    }

    /// The length of each vector.
    pub fn embedding_dim(&self) -> usize {
        self.weight.shape()[1]
    }
}

impl<T: Element> Module<T> for Embedding<T> {
    /// The rows at the ids `input` holds (whole numbers `>= 0`), shaped `input`'s shape plus
    /// `[embedding_dim]`.
    fn forward(&self, input: &Var<T>) -> Result<Var<T>> {
        let values = input.to_tensor().to_vec();
        let mut ids = Vec::with_capacity(values.len());
        for (pos, v) in values.iter().enumerate() {
            let f = v.to_f64().expect("a float");
            if !(f >= 0.0 && f.fract() == 0.0) || f >= usize::MAX as f64 {
                return Err(NnError::Config {
                    module: "Embedding",
                    message: format!(
                        "expected ids that are whole numbers >= 0, found {f} at position {pos}"
                    ),
                });
            }
            ids.push(f as usize);
        }
        let mut shape = input.shape();
        shape.push(self.embedding_dim());
        Ok(self.lookup(&ids)?.reshape(&shape)?)
    }

    fn named_parameters(&self) -> Vec<(String, Var<T>)> {
        vec![("weight".to_string(), self.weight.clone())]
    }

    fn describe(&self) -> String {
        format!(
            "Embedding({}, {})",
            self.num_embeddings(),
            self.embedding_dim()
        )
    }
}

crate::module::debug_as_module_tree!(Embedding);
