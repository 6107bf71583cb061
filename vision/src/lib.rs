//! What the lab path's MNIST programs share with any front end (the lab binaries, the web
//! page): torchvision's part for this project.
//!
//! - [`model`]: the saved MNIST model: parameters and buffers under PyTorch's names, the
//!   [`Architecture`] (linear, MLP or CNN) in the safetensors metadata, so a reader rebuilds the
//!   model from the file alone ([`load_model`] from a path, [`load_model_bytes`] from memory).
//! - [`cnn`]: the `mnist-cnn` lab's network ([`Cnn`]), a `#[derive(Module)]` struct.
//! - [`digit`]: a picture of a digit, of any size and either polarity, made into a 28x28 image
//!   the way MNIST's digits were made.
//!
//! ```
//! use vision::{load_model_bytes, save_model, Architecture};
//! let arch = Architecture::Mlp {
//!     inputs: 784,
//!     hidden: vec![32],
//!     activation: nn::Activation::Relu,
//!     classes: 10,
//! };
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("m.safetensors");
//! save_model(arch.build(0)?.as_ref(), &arch, &[], &path)?;
//! let (model, found) = load_model_bytes(&std::fs::read(&path)?)?;
//! assert_eq!(found, arch);
//! assert_eq!(model.named_parameters().len(), 4);
//! # Ok::<(), vision::Error>(())
//! ```

#![warn(missing_docs)]

pub mod cnn;
pub mod digit;
pub mod model;

pub use cnn::{Cnn, CnnShape};
pub use model::{load_model, load_model_bytes, save_model, Architecture};

/// The error of this crate: a message naming what was expected and what was found (the same
/// type as the labs' `LabError`, so `?` carries it through).
pub type Error = Box<dyn std::error::Error>;
