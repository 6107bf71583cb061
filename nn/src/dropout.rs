//! Dropout as a layer.

use crate::norm::py_float;
use crate::{Module, NnError, Result};
use autograd::{Element, Var};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::cell::RefCell;

/// Dropout (PyTorch's `nn.Dropout(p)`): in training, zeroes each element with probability `p`
/// and scales the others by `1 / (1 - p)`; in evaluation, the identity.
///
/// The layer draws its masks from its own generator, seeded from the `rng` it is made with, so a
/// seeded model gives the same masks on every run.
///
/// ```
/// use nn::{Dropout, Module};
/// use autograd::{Tensor, Var};
/// use rand::{rngs::StdRng, SeedableRng};
/// let mut drop = Dropout::new(0.25, &mut StdRng::seed_from_u64(0))?;
/// let x = Var::constant(Tensor::<f32>::ones(&[4, 100]));
/// let zeros = drop.forward(&x)?.to_tensor().to_vec().iter().filter(|&&v| v == 0.0).count();
/// assert!((50..150).contains(&zeros));
/// drop.set_training(false);
/// assert_eq!(drop.forward(&x)?.to_tensor(), x.to_tensor());
/// assert_eq!(format!("{drop:?}"), "Dropout(p=0.25, inplace=False)");
/// # Ok::<(), nn::NnError>(())
/// ```
pub struct Dropout {
    p: f64,
    training: bool,
    rng: RefCell<StdRng>,
}

impl Dropout {
    /// Dropout with probability `p`, its generator seeded from `rng`.
    ///
    /// Errors when `p` is not in `[0, 1)`.
    pub fn new<R: Rng + ?Sized>(p: f64, rng: &mut R) -> Result<Self> {
        if !(0.0..1.0).contains(&p) {
            return Err(NnError::Config {
                module: "Dropout",
                message: format!("expected a drop probability p in [0, 1), found {p}"),
            });
        }
        Ok(Dropout {
            p,
            training: true,
            rng: RefCell::new(StdRng::seed_from_u64(rng.random())),
        })
    }

    /// The drop probability.
    pub fn p(&self) -> f64 {
        self.p
    }

    /// Restarts the layer's generator from `seed`: a training loop that reseeds it from what
    /// it knows at each step (the step, the batch) draws the same masks when resumed from a
    /// checkpoint as a run that never stopped.
    pub fn reseed(&self, seed: u64) {
        *self.rng.borrow_mut() = StdRng::seed_from_u64(seed);
    }

    /// Switches between training (masks drawn) and evaluation (the identity); the same as
    /// [`Module::set_training`], callable without naming the element type.
    pub fn set_training(&mut self, training: bool) {
        self.training = training;
    }

    /// Whether the layer is in training mode.
    pub fn is_training(&self) -> bool {
        self.training
    }
}

impl<T: Element> Module<T> for Dropout {
    fn forward(&self, input: &Var<T>) -> Result<Var<T>> {
        Ok(input.dropout(self.p, self.training, &mut *self.rng.borrow_mut())?)
    }

    fn set_training(&mut self, training: bool) {
        Dropout::set_training(self, training);
    }

    fn is_training(&self) -> bool {
        Dropout::is_training(self)
    }

    fn describe(&self) -> String {
        format!("Dropout(p={}, inplace=False)", py_float(self.p))
    }
}

impl std::fmt::Debug for Dropout {
    /// PyTorch's form: `Dropout(p=0.25, inplace=False)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&<Self as Module<f32>>::describe(self))
    }
}
