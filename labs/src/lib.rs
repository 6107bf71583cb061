//! Shared code of the lab binaries.
//!
//! The lab programs (added as binaries of this crate) train small models with
//! the workspace's `tensor`/`autograd`/`nn`/`optim` crates and write figures.
//! This library holds what they have in common.
//!
//! - [`plot`]: PNG figures (learning curves, class scatters with decision
//!   regions, loss-surface heat maps with contour lines, image grids); it takes
//!   plain Rust data and depends on no other workspace crate.
//! - [`common`]: output folders, progress bars, the epoch table, the `RESULT`
//!   line, and errors as one line on stderr.
//! - [`mnist`]: training and evaluation of the two MNIST labs.
//! - [`playground`]: the training loop, models and figures of the six gradient-descent
//!   playground labs (a line through two points up to six concentric rings).

pub mod common;
pub mod mnist;
pub mod playground;
pub mod plot;
