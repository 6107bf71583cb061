//! What the MNIST labs (`mnist-linear`, `mnist-mlp`, `mnist-predict`) share, by job. The models,
//! losses, optimizers and the loop are in the lab binaries themselves; the MLP is
//! [`nn::Mlp`], the loop [`crate::train::Loop`].
//!
//! - [`manual`]: the linear classifier by hand with the `tensor` crate alone
//!   ([`ManualLinear`], `mnist-linear --manual`).
//! - [`cnn`]: the `mnist-cnn` lab's network ([`Cnn`]), a `#[derive(Module)]` struct.
//! - [`eval`]: scores, accuracy and the most probable classes of a trained model.
//! - [`model_file`]: the saved model: parameters under PyTorch's names, the [`Architecture`] in
//!   the metadata; and the predictions file.
//! - [`figures`]: the learning curves, and the digits the model was most and least sure of.

pub mod cnn;
pub mod eval;
pub mod figures;
pub mod manual;
pub mod model_file;

pub use cnn::{Cnn, CnnShape};
pub use eval::{accuracy, evaluate_module, module_scores, top_k, TEST_ACCURACY};
pub use manual::ManualLinear;
pub use model_file::{load_model, save_manual_linear, save_model, write_predictions, Architecture};
