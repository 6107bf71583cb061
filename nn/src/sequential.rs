//! A chain of modules.

use crate::{Module, NnError, Result};
use autograd::{Element, Var};

/// Modules applied in order, each to the previous one's output (PyTorch's `nn.Sequential`).
/// Parameters are named by position: `0.weight`, `0.bias`, `2.weight`, ...
///
/// A layer that does not fit its input is reported with its position:
/// ```
/// use nn::{Linear, Module, ReLU, Sequential};
/// use autograd::{Var, Tensor};
/// use rand::{rngs::StdRng, SeedableRng};
/// let mut rng = StdRng::seed_from_u64(0);
/// let net = Sequential::new()
///     .add(Linear::<f32>::new(4, 8, &mut rng)?)
///     .add(ReLU)
///     .add(Linear::new(6, 2, &mut rng)?); // expects 6 inputs, gets 8
/// let err = net.forward(&Var::constant(Tensor::ones(&[1, 4]))).unwrap_err();
/// assert!(err.to_string().starts_with("layer 2 (Linear(in_features=6, out_features=2, bias=True)): linear: expected input [n, in]"));
/// // Printed as PyTorch prints it:
/// assert_eq!(format!("{net:?}"), "Sequential(\n  (0): Linear(in_features=4, out_features=8, bias=True)\n  (1): ReLU()\n  (2): Linear(in_features=6, out_features=2, bias=True)\n)");
/// # Ok::<(), nn::NnError>(())
/// ```
pub struct Sequential<T: Element = f32> {
    layers: Vec<Box<dyn Module<T>>>,
    training: bool,
}

impl<T: Element> Default for Sequential<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Element> Sequential<T> {
    /// An empty chain (the identity).
    pub fn new() -> Self {
        Sequential {
            layers: Vec::new(),
            training: true,
        }
    }

    /// Appends a layer (builder style).
    #[allow(clippy::should_implement_trait)]
    pub fn add(mut self, layer: impl Module<T> + 'static) -> Self {
        self.layers.push(Box::new(layer));
        self
    }

    /// Appends a boxed layer.
    pub fn push(&mut self, layer: Box<dyn Module<T>>) {
        self.layers.push(layer);
    }

    /// The layers, in order.
    pub fn layers(&self) -> &[Box<dyn Module<T>>] {
        &self.layers
    }

    /// The number of layers.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// Whether the chain has no layers.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }
}

impl<T: Element> Module<T> for Sequential<T> {
    fn forward(&self, input: &Var<T>) -> Result<Var<T>> {
        let mut x = input.clone();
        for (index, layer) in self.layers.iter().enumerate() {
            x = layer.forward(&x).map_err(|e| NnError::Layer {
                index,
                layer: layer.describe(),
                source: Box::new(e),
            })?;
        }
        Ok(x)
    }

    fn named_children(&self) -> Vec<(String, &dyn Module<T>)> {
        self.layers
            .iter()
            .enumerate()
            .map(|(i, l)| (i.to_string(), l.as_ref()))
            .collect()
    }

    fn set_training(&mut self, training: bool) {
        self.training = training;
        for l in &mut self.layers {
            l.set_training(training);
        }
    }

    fn is_training(&self) -> bool {
        self.training
    }

    fn describe(&self) -> String {
        "Sequential".into()
    }
}

crate::module::debug_as_module_tree!(Sequential);
