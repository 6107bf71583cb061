//! # nn
//!
//! Layers and losses over `autograd`, named and laid out as in `torch.nn`: a [`Module`] trait
//! with named parameters, [`Linear`] (weight `[out, in]`, PyTorch's default initialisation or
//! Xavier/Kaiming via [`Init`]), the activations [`Sigmoid`], [`Tanh`], [`ReLU`], [`Softmax`],
//! [`LogSoftmax`], the image layers [`Conv2d`], [`MaxPool2d`], [`AvgPool2d`], [`Flatten`], the
//! normalisations [`BatchNorm1d`], [`BatchNorm2d`] (with their running statistics as
//! buffers) and [`LayerNorm`], [`Dropout`], [`Embedding`], the container [`Sequential`], the
//! multilayer-perceptron builder [`Mlp`] (with its hidden [`Activation`]), and the losses
//! [`NLLLoss`],
//! [`CrossEntropyLoss`], [`MSELoss`], [`BCELoss`]; and [`save_safetensors`] /
//! [`load_safetensors`], which move parameters to and from PyTorch as safetensors files, checking
//! every name, shape and dtype on the way in ([`state_dict`] has the details and an example).
//!
//! ## Quick start: an MLP and one gradient step
//! ```
//! use nn::{Linear, LogSoftmax, Module, NLLLoss, Sequential, Sigmoid};
//! use autograd::{no_grad, Tensor, Var};
//! use rand::{rngs::StdRng, SeedableRng};
//!
//! let mut rng = StdRng::seed_from_u64(0);
//! let model = Sequential::new()
//!     .add(Linear::<f32>::new(784, 128, &mut rng)?)
//!     .add(Sigmoid)
//!     .add(Linear::new(128, 10, &mut rng)?)
//!     .add(LogSoftmax::new(1));
//! let names: Vec<String> = model.named_parameters().into_iter().map(|(n, _)| n).collect();
//! assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias"]);
//!
//! let x = Var::constant(Tensor::rand_uniform(&[32, 784], 0.0, 1.0, &mut rng)?);
//! let labels: Vec<usize> = (0..32).map(|i| i % 10).collect();
//! let loss = NLLLoss::default().forward(&model.forward(&x)?, &labels)?;
//! loss.backward()?;
//! no_grad(|| {
//!     for p in model.parameters() {
//!         let g = p.grad().expect("every parameter got a gradient");
//!         p.value_mut().scaled_add(-0.1, &g)?;
//!     }
//!     Ok::<(), autograd::TensorError>(())
//! })?;
//! model.zero_grad();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Your own model: `#[derive(Module)]`
//! A model is a struct of layers and a `forward`, as in PyTorch; the derive
//! ([`Module`](macro@Module), from the `nn-derive` crate) writes the rest: named parameters and
//! buffers (`fc1.weight`, `blocks.0.fc.bias`: PyTorch's names), children, the training switch,
//! and `Debug`/`Display` as PyTorch's module tree.
//! ```
//! use nn::{Linear, Module};
//! use autograd::{Tensor, Var};
//! use rand::{rngs::StdRng, SeedableRng};
//!
//! #[derive(Module)]
//! struct Net {
//!     fc1: Linear,
//!     fc2: Linear,
//!     #[module(skip)]
//!     slope: f32, // not part of the module: a setting
//! }
//!
//! impl Net {
//!     fn forward(&self, x: &Var) -> nn::Result<Var> {
//!         let h = self.fc1.forward(x)?;
//!         self.fc2.forward(&h.relu().add(&(&h * self.slope))?)
//!     }
//! }
//!
//! let mut rng = StdRng::seed_from_u64(0);
//! let net = Net { fc1: Linear::new(2, 8, &mut rng)?, fc2: Linear::new(8, 1, &mut rng)?, slope: 0.01 };
//! let names: Vec<String> = net.named_parameters().into_iter().map(|(n, _)| n).collect();
//! assert_eq!(names, ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
//! assert_eq!(net.forward(&Var::constant(Tensor::ones(&[3, 2])))?.shape(), [3, 1]);
//! assert_eq!(
//!     net.to_string(),
//!     "Net(
//!   (fc1): Linear(in_features=2, out_features=8, bias=True)
//!   (fc2): Linear(in_features=8, out_features=1, bias=True)
//! )"
//! );
//! # Ok::<(), nn::NnError>(())
//! ```
//! `examples/custom_model.rs` trains one on two moons.

#![warn(missing_docs)]

// The code `#[derive(Module)]` writes names `::nn::...`; this makes those paths work inside
// this crate too.
extern crate self as nn;

#[doc(hidden)]
#[path = "derive.rs"]
pub mod __derive;
mod activation;
mod conv;
mod dropout;
mod embedding;
mod error;
mod init;
mod linear;
mod loss;
mod mlp;
mod module;
mod module_list;
mod norm;
mod sequential;
pub mod state_dict;

pub use activation::{LogSoftmax, ReLU, Sigmoid, Softmax, Tanh};
pub use autograd::Conv2dOptions;
pub use autograd::Reduction;
pub use conv::{AvgPool2d, Conv2d, Flatten, MaxPool2d};
pub use dropout::Dropout;
pub use embedding::Embedding;
pub use error::{NnError, Result};
pub use init::Init;
pub use linear::Linear;
pub use loss::{BCELoss, CrossEntropyLoss, MSELoss, NLLLoss};
pub use mlp::{Activation, Mlp};
pub use module::{module_tree, Module};
pub use nn_derive::Module;
pub use norm::{BatchNorm1d, BatchNorm2d, BatchNormOptions, LayerNorm};
pub use sequential::Sequential;
pub use state_dict::{
    load_safetensors, save_safetensors, save_safetensors_with_metadata, Mismatch, SafetensorsFile,
};
