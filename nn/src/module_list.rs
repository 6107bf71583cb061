//! Containers of modules that are modules: `Vec<M>` (PyTorch's `nn.ModuleList`) and `Box<M>`.

use crate::{Module, NnError, Result};
use autograd::{Element, Var};

/// A list of modules, as PyTorch's `nn.ModuleList`: its children are its elements, named by
/// position (`0`, `1`, ...), so a `#[derive(Module)]` field `layers: Vec<Linear>` names its
/// parameters `layers.0.weight`, `layers.1.weight`, ... and prints as PyTorch prints a
/// `ModuleList`. `set_training` reaches every element; `is_training` is true unless an element
/// reports false.
///
/// Like `ModuleList`, it has no `forward` of its own (that is an error): a model calls its
/// layers in its own `forward`, or uses [`Sequential`](crate::Sequential).
///
/// ```
/// use nn::{Linear, Module};
/// use rand::{rngs::StdRng, SeedableRng};
/// let mut rng = StdRng::seed_from_u64(0);
/// let layers = vec![Linear::<f32>::new(2, 3, &mut rng)?, Linear::new(3, 1, &mut rng)?];
/// let names: Vec<String> = layers.named_parameters().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["0.weight", "0.bias", "1.weight", "1.bias"]);
/// # Ok::<(), nn::NnError>(())
/// ```
impl<T: Element, M: Module<T>> Module<T> for Vec<M> {
    fn forward(&self, _input: &Var<T>) -> Result<Var<T>> {
        Err(NnError::Config {
            module: "ModuleList",
            message: format!(
                "expected a forward written by its owner, found a bare list of {} modules: call them one by one (`for layer in &self.layers {{ x = layer.forward(&x)?; }}`), or use Sequential",
                self.len()
            ),
        })
    }

    fn named_children(&self) -> Vec<(String, &dyn Module<T>)> {
        self.iter()
            .enumerate()
            .map(|(i, m)| (i.to_string(), m as &dyn Module<T>))
            .collect()
    }

    fn set_training(&mut self, training: bool) {
        for m in self {
            m.set_training(training);
        }
    }

    fn is_training(&self) -> bool {
        self.iter().all(|m| m.is_training())
    }

    fn describe(&self) -> String {
        match self.is_empty() {
            true => "ModuleList()".into(),
            false => "ModuleList".into(),
        }
    }
}

/// A boxed module is the module it holds (so `Box<dyn Module<T>>` can be a field of a
/// `#[derive(Module)]` struct or an element of a `Vec`).
impl<T: Element, M: Module<T> + ?Sized> Module<T> for Box<M> {
    fn forward(&self, input: &Var<T>) -> Result<Var<T>> {
        (**self).forward(input)
    }

    fn named_parameters(&self) -> Vec<(String, Var<T>)> {
        (**self).named_parameters()
    }

    fn named_buffers(&self) -> Vec<(String, Var<T>)> {
        (**self).named_buffers()
    }

    fn named_children(&self) -> Vec<(String, &dyn Module<T>)> {
        (**self).named_children()
    }

    fn parameters(&self) -> Vec<Var<T>> {
        (**self).parameters()
    }

    fn zero_grad(&self) {
        (**self).zero_grad()
    }

    fn set_training(&mut self, training: bool) {
        (**self).set_training(training)
    }

    fn is_training(&self) -> bool {
        (**self).is_training()
    }

    fn describe(&self) -> String {
        (**self).describe()
    }

    fn num_parameters(&self) -> usize {
        (**self).num_parameters()
    }
}
