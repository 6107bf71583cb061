//! The fully connected layer.

use crate::{Init, Module, NnError, Result};
use autograd::{Element, Var};
use rand::Rng;

/// `y = x Wᵀ + b` with `W` of shape `[out, in]` and `b` of shape `[out]`, as PyTorch's
/// `nn.Linear` (same layout, same default initialisation, same parameter names).
///
/// ```
/// use nn::{Linear, Module};
/// use autograd::{Var, Tensor};
/// use rand::{rngs::StdRng, SeedableRng};
/// let layer = Linear::<f32>::new(3, 2, &mut StdRng::seed_from_u64(0))?;
/// let y = layer.forward(&Var::constant(Tensor::ones(&[5, 3])))?;
/// assert_eq!(y.shape(), vec![5, 2]);
/// assert_eq!(layer.named_parameters().iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["weight", "bias"]);
/// # Ok::<(), nn::NnError>(())
/// ```
pub struct Linear<T: Element = f32> {
    /// The weight, `[out, in]`.
    pub weight: Var<T>,
    /// The bias, `[out]`, if the layer has one.
    pub bias: Option<Var<T>>,
}

impl<T: Element> Linear<T> {
    /// A layer with a bias and PyTorch's default initialisation.
    ///
    /// Errors when either size is zero.
    pub fn new<R: Rng + ?Sized>(
        in_features: usize,
        out_features: usize,
        rng: &mut R,
    ) -> Result<Self> {
        Self::with_init(in_features, out_features, true, Init::PyTorchDefault, rng)
    }

    /// A layer with or without a bias and the given initialisation.
    ///
    /// Errors when either size is zero or the initialisation's gain is negative or not finite.
    pub fn with_init<R: Rng + ?Sized>(
        in_features: usize,
        out_features: usize,
        bias: bool,
        init: Init,
        rng: &mut R,
    ) -> Result<Self> {
        if in_features == 0 || out_features == 0 {
            return Err(NnError::Config {
                module: "Linear",
                message: format!(
                    "expected positive sizes, found in={in_features}, out={out_features}"
                ),
            });
        }
        let weight = Var::parameter(init.weight(in_features, out_features, rng)?);
        let bias = match bias {
            true => Some(Var::parameter(init.bias(in_features, out_features, rng)?)),
            false => None,
        };
        Ok(Linear { weight, bias })
    }

    /// A layer from given parameters (`weight` `[out, in]`, `bias` `[out]`).
    pub fn from_parameters(weight: Var<T>, bias: Option<Var<T>>) -> Result<Self> {
        let ws = weight.shape();
        let fits = ws.len() == 2 && bias.as_ref().is_none_or(|b| b.shape() == [ws[0]]);
        if !fits {
            return Err(NnError::Config {
                module: "Linear",
                message: format!(
                    "expected weight [out, in] and bias [out], found weight {ws:?} and bias {:?}",
                    bias.as_ref().map(|b| b.shape())
                ),
            });
        }
        Ok(Linear { weight, bias })
    }

    /// The number of input features.
    pub fn in_features(&self) -> usize {
        self.weight.shape()[1]
    }

    /// The number of output features.
    pub fn out_features(&self) -> usize {
        self.weight.shape()[0]
    }
}

impl<T: Element> Module<T> for Linear<T> {
    fn forward(&self, input: &Var<T>) -> Result<Var<T>> {
        Ok(input.linear(&self.weight, self.bias.as_ref())?)
    }

    fn named_parameters(&self) -> Vec<(String, Var<T>)> {
        let mut p = vec![("weight".to_string(), self.weight.clone())];
        if let Some(b) = &self.bias {
            p.push(("bias".to_string(), b.clone()));
        }
        p
    }

    fn describe(&self) -> String {
        format!(
            "Linear(in_features={}, out_features={}, bias={})",
            self.in_features(),
            self.out_features(),
            if self.bias.is_some() { "True" } else { "False" }
        )
    }
}

crate::module::debug_as_module_tree!(Linear);
