//! # optim
//!
//! Optimizers that update `autograd` parameters in place from their gradients, following
//! PyTorch's update rules exactly, and learning-rate schedules with PyTorch's formulas.
//!
//! - [`SGD`]: momentum, dampening, Nesterov momentum, weight decay (`torch.optim.SGD`).
//! - [`Adam`] and [`AdamW`]: bias-corrected adaptive moments, AMSGrad, weight decay added to
//!   the gradient (`torch.optim.Adam`) or decoupled from it (`torch.optim.AdamW`).
//! - [`StepLR`], [`CosineAnnealingLR`], [`ExponentialLR`], [`LinearLR`] (warm-up),
//!   [`OneCycleLR`]: schedules as pure functions of the step ([`LrSchedule`]), composed one
//!   after another by [`Sequential`] or [`LrSchedule::then`] (PyTorch's `SequentialLR`).
//! - [`ReduceLROnPlateau`]: lowers every group's rate when a metric stops improving.
//! - [`clip_grad_norm`], [`clip_grad_value`]: gradient clipping before a step
//!   (`torch.nn.utils.clip_grad_norm_`, `clip_grad_value_`).
//! - [`ParamGroup`]: several groups of parameters in one optimizer, each with its own
//!   hyper-parameters (`SGD::with_groups`, ...: PyTorch's `param_groups`); schedules act on every
//!   group from its own initial rate ([`Optimizer::schedule`]).
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
mod clip;
mod error;
mod group;
mod schedule;
mod sgd;
pub mod state;

pub use adam::{Adam, AdamConfig, AdamW, AdamWConfig};
pub use clip::{clip_grad_norm, clip_grad_norm_if_finite, clip_grad_value};
pub use error::{OptimError, Result};
pub use group::ParamGroup;
pub use schedule::{
    AnnealStrategy, CosineAnnealingLR, ExponentialLR, LinearLR, LrSchedule, MinLr, OneCycleLR,
    PlateauConfig, PlateauMode, ReduceLROnPlateau, Sequential, StepLR, ThresholdMode,
};
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
    /// The learning rate of the first parameter group (of the only one, for an optimizer made
    /// with `new`).
    fn lr(&self) -> f64;
    /// Sets the learning rate of every parameter group to `lr`; errors when it is negative or
    /// not finite. To keep groups' rates apart, use [`set_group_lr`](Optimizer::set_group_lr)
    /// or [`schedule`](Optimizer::schedule).
    fn set_lr(&mut self, lr: f64) -> Result<()>;
    /// The number of parameter groups (PyTorch's `len(optimizer.param_groups)`): 1 for an
    /// optimizer made with `new`, and by default.
    fn num_groups(&self) -> usize {
        1
    }
    /// The learning rate of each parameter group, in order (by default, of the one group).
    fn lrs(&self) -> Vec<f64> {
        vec![self.lr()]
    }
    /// Sets the learning rate of one parameter group; errors when there is no such group or
    /// the rate is negative or not finite. By default, for one group: `set_lr` for group 0.
    fn set_group_lr(&mut self, group: usize, lr: f64) -> Result<()> {
        if group >= self.num_groups() {
            return Err(OptimError::Invalid {
                message: format!(
                    "expected a parameter group index below {}, found {group}",
                    self.num_groups()
                ),
            });
        }
        self.set_lr(lr)
    }
    /// The learning rate each group was given when the optimizer was made: the base rate its
    /// schedule scales (PyTorch's `initial_lr`). [`load_state_dict`](Optimizer::load_state_dict)
    /// does not change it, so a resumed run made with the same configuration schedules the same.
    fn initial_lrs(&self) -> Vec<f64>;
    /// The parameters of one group (`None` when there is no such group): a slice of
    /// [`params`](Optimizer::params), since groups hold consecutive parameters. By default,
    /// for one group: all of them.
    fn group_params(&self, group: usize) -> Option<&[Var<T>]> {
        (group == 0).then(|| self.params())
    }
    /// The parameters of all groups, group after group (the indices of
    /// [`OptimizerState::tensors`]).
    fn params(&self) -> &[Var<T>];
    /// Sets every group's learning rate to `schedule`'s rate at `step`, from the group's
    /// [`initial_lr`](Optimizer::initial_lrs): what PyTorch's `scheduler.step()` does to each
    /// of `param_groups`. `step` counts what the schedule counts (epochs or batches).
    ///
    /// Errors when the schedule's settings are invalid ([`LrSchedule::validate`]) or it gives a
    /// negative or non-finite rate.
    fn schedule(&mut self, schedule: &dyn LrSchedule, step: usize) -> Result<()> {
        schedule.validate()?;
        for (group, base) in self.initial_lrs().into_iter().enumerate() {
            self.set_group_lr(group, schedule.lr(base, step))?;
        }
        Ok(())
    }
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
