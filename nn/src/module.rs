//! The [`Module`] trait.

use crate::Result;
use autograd::{Element, Var};

/// A piece of a network: a function of its input with (possibly) trainable parameters
/// (PyTorch's `nn.Module`).
pub trait Module<T: Element = f32> {
    /// Runs the module on `input` (recording the graph when grad mode is on).
    fn forward(&self, input: &Var<T>) -> Result<Var<T>>;

    /// All trainable parameters with their PyTorch-style names (`weight`, `0.bias`, ...), in a
    /// stable order: the order of the layers, and within a layer `weight` before `bias`.
    fn named_parameters(&self) -> Vec<(String, Var<T>)> {
        Vec::new()
    }

    /// The trainable parameters in the order of [`named_parameters`](Module::named_parameters).
    fn parameters(&self) -> Vec<Var<T>> {
        self.named_parameters()
            .into_iter()
            .map(|(_, p)| p)
            .collect()
    }

    /// Forgets the accumulated gradients of all parameters.
    fn zero_grad(&self) {
        for p in self.parameters() {
            p.zero_grad();
        }
    }

    /// Switches between training and evaluation behaviour (PyTorch's `train()`/`eval()`).
    /// Layers whose behaviour does not differ ignore it; containers pass it on.
    fn set_training(&mut self, _training: bool) {}

    /// Whether the module is in training mode.
    fn is_training(&self) -> bool {
        true
    }

    /// A one-line description, e.g. `Linear(in=784, out=10, bias=true)`.
    fn describe(&self) -> String;

    /// The number of trainable scalars.
    fn num_parameters(&self) -> usize {
        self.parameters().iter().map(|p| p.numel()).sum()
    }
}
