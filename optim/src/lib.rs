//! # optim
//!
//! Optimizers that update `autograd` parameters in place from their gradients, following
//! PyTorch's update rules exactly, and learning-rate schedules with PyTorch's formulas.
//!
//! - [`SGD`]: momentum, dampening, Nesterov momentum, weight decay (`torch.optim.SGD`).
//! - [`StepLR`], [`CosineAnnealingLR`], [`ExponentialLR`]: schedules as pure functions of the
//!   epoch ([`LrSchedule`]).
//! - [`SGD::save_safetensors`], [`SGD::load_safetensors`]: the optimizer's state (momentum
//!   buffers, hyper-parameters, step count) as safetensors, for resuming ([`state`]).
//!
//! ## Quick start
//! ```
//! use autograd::{Tensor, Var};
//! use optim::{CosineAnnealingLR, LrSchedule, Optimizer, SGD, SgdConfig};
//!
//! let w = Var::parameter(Tensor::from_vec(&[2], vec![1.0f64, -1.0])?);
//! let mut opt = SGD::new(vec![w.clone()], SgdConfig { lr: 0.1, momentum: 0.9, ..Default::default() })?;
//! let schedule = CosineAnnealingLR { t_max: 50, eta_min: 0.0 };
//! for epoch in 0..50 {
//!     opt.set_lr(schedule.lr(0.1, epoch))?;
//!     opt.zero_grad();
//!     w.mul(&w)?.sum_all().backward()?;   // minimise ‖w‖²
//!     opt.step()?;
//! }
//! assert!(w.value().sum_squares() < 1e-3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod error;
mod schedule;
mod sgd;
pub mod state;

pub use error::{OptimError, Result};
pub use schedule::{CosineAnnealingLR, ExponentialLR, LrSchedule, StepLR};
pub use sgd::{SgdConfig, SGD};

use autograd::Element;

/// Something that updates parameters from their gradients (PyTorch's `torch.optim.Optimizer`).
pub trait Optimizer<T: Element> {
    /// Applies one update to every parameter that has a gradient; parameters without one are
    /// left alone.
    fn step(&mut self) -> Result<()>;
    /// Forgets the gradients of all parameters.
    fn zero_grad(&self);
    /// The current learning rate.
    fn lr(&self) -> f64;
    /// Sets the learning rate; errors when it is negative or not finite.
    fn set_lr(&mut self, lr: f64) -> Result<()>;
}
