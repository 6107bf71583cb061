//! Dropout: a product with a random mask.

use crate::{AutogradError, Result, Var};
use rand::Rng;
use tensor::{Element, Tensor};

impl<T: Element> Var<T> {
    /// Dropout (PyTorch's `F.dropout(x, p, training)`): in training, each element is zeroed
    /// with probability `p` and the others are scaled by `1 / (1 - p)`, so the expected value
    /// is unchanged; in evaluation (`training == false`), the input itself. The mask is drawn
    /// from `rng`, one uniform number per element in row-major order, so a seeded generator
    /// gives the same mask every run.
    ///
    /// It is `x · mask` with a constant mask, so the backward is `g · mask`.
    ///
    /// ```
    /// use autograd::Var;
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use tensor::Tensor;
    /// let x = Var::constant(Tensor::<f64>::ones(&[1000]));
    /// let y = x.dropout(0.25, true, &mut StdRng::seed_from_u64(0))?;
    /// let kept = y.to_tensor().to_vec().iter().filter(|&&v| v != 0.0).count();
    /// assert!((700..800).contains(&kept));
    /// assert!(y.to_tensor().to_vec().iter().all(|&v| v == 0.0 || v == 1.0 / 0.75));
    /// # Ok::<(), autograd::AutogradError>(())
    /// ```
    ///
    /// Errors when `p` is not in `[0, 1)`.
    #[track_caller]
    pub fn dropout<R: Rng + ?Sized>(&self, p: f64, training: bool, rng: &mut R) -> Result<Var<T>> {
        if !(0.0..1.0).contains(&p) {
            return Err(AutogradError::Invalid {
                op: "dropout",
                message: format!("expected a drop probability p in [0, 1), found {p}"),
            });
        }
        if !training {
            return Ok(self.clone());
        }
        let scale = T::from_f64_lossy(1.0 / (1.0 - p));
        let mask: Vec<T> = (0..self.numel())
            .map(|_| {
                if rng.random::<f64>() < p {
                    T::zero()
                } else {
                    scale
                }
            })
            .collect();
        let mask = Tensor::from_vec(&self.shape(), mask)?;
        self.mul(&Var::constant(mask))
    }
}
