//! The gradient-descent playground: what the six small 2-D labs share. Their models, losses,
//! optimizers and loops are in the lab binaries; the loop itself is [`crate::train::Loop`].
//!
//! - [`lines`]: lines `y = w x + b` (`two-points-sgd`, `regression-sgd`): the loss of a line over
//!   all the data, the least-squares line, the points of SGD's path.
//! - [`points`]: classifiers of 2-D points (`classification-sgd`, `xor-mlp`, the donut labs):
//!   predictions, accuracy, the perceptron's loss surface.
//! - [`figures`]: fitted lines at a few moments, the "weights search" (a loss surface over two
//!   weights with the path SGD took), decision regions and the loss curve.
//! - [`donuts`]: the options, data and report of `three-donuts-mlp` and `six-donuts-mlp`.
//!
//! Everything runs in `f64`: the lines must end within 1e-3 of exact answers, and these models
//! are too small for `f32` to be any faster.

pub mod donuts;
pub mod figures;
pub mod lines;
pub mod points;
