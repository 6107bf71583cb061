//! # optim
//!
//! Optimizers that update `autograd` parameters in place from their gradients, following
//! PyTorch's update rules exactly, and learning-rate schedules with PyTorch's formulas.
//!
//! - [`SGD`]: momentum, dampening, Nesterov momentum, weight decay (`torch.optim.SGD`).
//! - [`Adam`] and [`AdamW`]: bias-corrected adaptive moments, AMSGrad, weight decay added to
//!   the gradient (`torch.optim.Adam`) or decoupled from it (`torch.optim.AdamW`).
//! - [`StepLR`], [`CosineAnnealingLR`], [`ExponentialLR`]: schedules as pure functions of the
//!   epoch ([`LrSchedule`]).
//! - [`Optimizer::state_dict`], [`Optimizer::load_state_dict`]: the optimizer's state
//!   (momentum buffers or moments, hyper-parameters, step counts) as plain data keyed by
//!   parameter index, for resuming ([`state`]).
//!
//! Optimizers see parameters (`Var`s), never modules, as in PyTorch: `optim` does not depend
//! on `nn`.
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

mod adam;
mod error;
mod schedule;
mod sgd;
pub mod state;

pub use adam::{Adam, AdamConfig, AdamW, AdamWConfig};
pub use error::{OptimError, Result};
pub use schedule::{CosineAnnealingLR, ExponentialLR, LrSchedule, StepLR};
pub use sgd::{SgdConfig, SGD};
pub use state::{OptimizerState, Setting};

use autograd::{Element, Var};

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
    /// The parameters, in the order given (the indices of [`OptimizerState::tensors`]).
    fn params(&self) -> &[Var<T>];
    /// The state needed to resume exactly: hyper-parameters, counters and per-parameter
    /// tensors (PyTorch's `optimizer.state_dict()`).
    fn state_dict(&self) -> OptimizerState<T>;
    /// Restores a [`state_dict`](Optimizer::state_dict), hyper-parameters included (as
    /// PyTorch's `load_state_dict` does). Nothing changes unless all of it fits.
    ///
    /// Errors when the state is another optimizer's, a setting is missing or out of range, or a
    /// tensor does not fit its parameter (every misfit listed).
    fn load_state_dict(&mut self, state: &OptimizerState<T>) -> Result<()>;
}

/// Errors when an optimizer is given no parameters (PyTorch: "optimizer got an empty parameter
/// list"): it would silently train nothing.
pub(crate) fn check_params<T: Element>(optimizer: &str, params: &[Var<T>]) -> Result<()> {
    if params.is_empty() {
        return Err(OptimError::Invalid {
            message: format!(
                "{optimizer}: expected at least one parameter, found an empty parameter list \
                 (did the model register its parameters in named_parameters?)"
            ),
        });
    }
    Ok(())
}
