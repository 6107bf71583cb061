//! What the MNIST labs (`mnist-linear`, `mnist-mlp`, `mnist-cnn`, `mnist-predict`) share, by
//! job. The models, losses, optimizers and the loop are in the lab binaries themselves; the MLP
//! is [`nn::Mlp`], the CNN [`vision::Cnn`], the loop [`crate::train::Loop`], and the saved model
//! file (the [`vision::Architecture`] in its metadata) is [`vision::model`].
//!
//! - [`manual`]: the linear classifier by hand with the `tensor` crate alone
//!   ([`ManualLinear`], `mnist-linear --manual`).
//! - [`eval`]: scores, accuracy and the most probable classes of a trained model.
//! - [`model_file`]: the hand-written linear model saved as `nn::Linear` is, and the
//!   predictions file.
//! - [`figures`]: the learning curves, and the digits the model was most and least sure of.

pub mod eval;
pub mod figures;
pub mod manual;
pub mod model_file;

pub use eval::{accuracy, evaluate_module, module_scores, top_k, TEST_ACCURACY};
pub use manual::ManualLinear;
pub use model_file::{save_manual_linear, write_predictions};
