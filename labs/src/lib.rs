//! Shared code of the lab binaries.
//!
//! The lab programs (added as binaries of this crate) train small models with
//! the workspace's `tensor`/`autograd`/`nn`/`optim` crates and write figures.
//! This library holds what they have in common.
//!
//! - [`figures`]: PNG figures (learning curves, class scatters with decision
//!   regions, loss-surface heat maps with contour lines, image grids); it takes
//!   plain Rust data and depends on no other workspace crate.
//! - [`checkpoint`]: saving a run after each epoch and resuming it to the same final weights.
//! - [`common`]: output folders, progress bars, the epoch table, the `RESULT`
//!   line, and errors as one line on stderr.
//! - [`mnist`]: training and evaluation of the two MNIST labs, and their saved models
//!   ([`mnist::Architecture`], [`mnist::save_model`], [`mnist::load_model`]).
//! - [`digit`]: reading a digit from a PNG or JPEG the way MNIST's digits were made, for
//!   `mnist-predict`.
//! - [`playground`]: the training loop, models and figures of the six gradient-descent
//!   playground labs (a line through two points up to six concentric rings).
//!
//! ## Quick start: train, save, read a digit
//! ```sh
//! cargo run --release -p labs --bin mnist-mlp -- --epochs 1 --save m.safetensors
//! cargo run --release -p labs --bin mnist-predict -- --model m.safetensors my-digit.png
//! ```
//! The saved file holds the parameters under PyTorch's names (`0.weight` `[256, 784]`,
//! `0.bias`, `2.weight`, `2.bias`) and the architecture in its metadata, so `mnist-predict`
//! rebuilds the model from the file alone, and PyTorch loads it with
//! `model.load_state_dict(safetensors.torch.load_file("m.safetensors"))`.

#![warn(missing_docs)]

pub mod checkpoint;
pub mod common;
pub mod digit;
pub mod figures;
pub mod mnist;
pub mod playground;
