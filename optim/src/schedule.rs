//! Learning-rate schedules with PyTorch's formulas.
//!
//! Most are pure functions of the base rate and the step count ([`LrSchedule`]), applied to an
//! optimizer with [`Optimizer::schedule`], which scales each parameter group's initial rate:
//! [`StepLR`], [`ExponentialLR`], [`CosineAnnealingLR`], [`LinearLR`] (warm-up),
//! [`OneCycleLR`], and [`Sequential`], which runs one schedule after another (warm-up, then
//! cosine). [`ReduceLROnPlateau`] depends on the metrics it has seen, so it is a stateful
//! object that reduces the optimizer's current rates instead.
//!
//! PyTorch's schedulers are mostly *chainable*: each step multiplies the previous rate by a
//! ratio. Here each rate is computed from the base rate in closed form, which agrees with
//! PyTorch's stepped values up to the rounding their recursion accumulates (the tests hold
//! LinearLR, OneCycleLR, Sequential and ReduceLROnPlateau to 1e-12 relative), cannot drift,
//! and lets a step be skipped or repeated.

use crate::{OptimError, Optimizer, Result};
use autograd::Element;
use std::f64::consts::PI;
use std::fmt;

/// A learning-rate schedule: the rate for a step (epoch or batch), given the base rate. Apply
/// it at the start of each step with [`Optimizer::schedule`]
/// (`opt.schedule(&schedule, step)?`), which gives each parameter group the rate computed
/// from its own initial rate, or for one group with `opt.set_lr(schedule.lr(base, step))`.
pub trait LrSchedule {
    /// The learning rate in step `epoch` (counted from 0).
    fn lr(&self, base_lr: f64, epoch: usize) -> f64;

    /// Checks the schedule's parameters as PyTorch's constructor does (for example
    /// [`LinearLR`]'s factors); errors name the parameter, its range and the value found. The
    /// schedules are plain structs, so this is the place where a bad one is caught; the
    /// default accepts everything. [`Sequential::new`] checks the schedules it is given.
    fn validate(&self) -> Result<()> {
        Ok(())
    }

    /// This schedule for the first `milestone` steps, then `next` counted from 0 (PyTorch's
    /// `SequentialLR` with two schedulers): the usual warm-up, then decay. Chained calls
    /// count every milestone from the first step, as PyTorch's `milestones` are:
    /// `a.then(5, b).then(20, c)` runs `b` in steps 5 to 19 and `c` from step 20.
    ///
    /// ```
    /// use optim::{CosineAnnealingLR, LinearLR, LrSchedule};
    /// let warm_up = LinearLR { start_factor: 0.1, end_factor: 1.0, total_iters: 5 };
    /// let schedule = warm_up.then(5, CosineAnnealingLR { t_max: 20, eta_min: 0.0 });
    /// assert!((schedule.lr(1.0, 0) - 0.1).abs() < 1e-15);
    /// assert_eq!(schedule.lr(1.0, 5), 1.0); // the cosine starts from the base rate
    /// assert!(schedule.lr(1.0, 25) < 1e-15);
    /// ```
    fn then<S: LrSchedule + 'static>(self, milestone: usize, next: S) -> Sequential
    where
        Self: Sized + 'static,
    {
        Sequential {
            schedules: vec![Box::new(self), Box::new(next)],
            milestones: vec![milestone],
        }
    }
}

/// Multiplies the rate by `gamma` every `step_size` epochs (PyTorch's `StepLR`):
/// `lr = base · gamma^⌊epoch / step_size⌋`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepLR {
    /// Epochs between decays (≥ 1; 0 is treated as 1).
    pub step_size: usize,
    /// The decay factor.
    pub gamma: f64,
}

impl LrSchedule for StepLR {
    fn lr(&self, base_lr: f64, epoch: usize) -> f64 {
        base_lr * self.gamma.powi((epoch / self.step_size.max(1)) as i32)
    }
}

/// Multiplies the rate by `gamma` every epoch (PyTorch's `ExponentialLR`):
/// `lr = base · gamma^epoch`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExponentialLR {
    /// The decay factor.
    pub gamma: f64,
}

impl LrSchedule for ExponentialLR {
    fn lr(&self, base_lr: f64, epoch: usize) -> f64 {
        base_lr * self.gamma.powi(epoch as i32)
    }
}

/// Cosine annealing from the base rate down to `eta_min` over `t_max` epochs (PyTorch's
/// `CosineAnnealingLR`, closed form):
/// `lr = eta_min + (base - eta_min) · (1 + cos(π · epoch / t_max)) / 2`.
/// Past `t_max` the cosine carries on (the rate rises again), as PyTorch's does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CosineAnnealingLR {
    /// The epochs of one half-period (≥ 1; 0 is treated as 1).
    pub t_max: usize,
    /// The lowest rate.
    pub eta_min: f64,
}

impl LrSchedule for CosineAnnealingLR {
    fn lr(&self, base_lr: f64, epoch: usize) -> f64 {
        let t = epoch as f64 / self.t_max.max(1) as f64;
        self.eta_min + (base_lr - self.eta_min) * (1.0 + (std::f64::consts::PI * t).cos()) / 2.0
    }
}

/// A linear change of the rate's factor from `start_factor` to `end_factor` over
/// `total_iters` steps, then `end_factor` from there on (PyTorch's `LinearLR`, whose defaults
/// [`Default`] gives: 1/3, 1 and 5); the usual warm-up:
/// `lr = base · (start + (end - start) · min(epoch, total_iters) / total_iters)`.
///
/// With `total_iters` 0 the factor stays `start_factor`, as PyTorch's stepped scheduler
/// leaves it.
///
/// ```
/// use optim::{LinearLR, LrSchedule};
/// let warm_up = LinearLR { start_factor: 0.25, end_factor: 1.0, total_iters: 3 };
/// for (step, want) in [0.025, 0.05, 0.075, 0.1, 0.1].into_iter().enumerate() {
///     assert!((warm_up.lr(0.1, step) - want).abs() < 1e-15);
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearLR {
    /// The factor of step 0 (PyTorch requires 0 < start_factor ≤ 1; see
    /// [`validate`](LrSchedule::validate)).
    pub start_factor: f64,
    /// The factor from step `total_iters` on (0 ≤ end_factor ≤ 1).
    pub end_factor: f64,
    /// The steps the change takes.
    pub total_iters: usize,
}

impl Default for LinearLR {
    fn default() -> Self {
        LinearLR {
            start_factor: 1.0 / 3.0,
            end_factor: 1.0,
            total_iters: 5,
        }
    }
}

impl LrSchedule for LinearLR {
    fn lr(&self, base_lr: f64, epoch: usize) -> f64 {
        if self.total_iters == 0 {
            return base_lr * self.start_factor;
        }
        let done = epoch.min(self.total_iters) as f64;
        base_lr
            * (self.start_factor
                + (self.end_factor - self.start_factor) * done / self.total_iters as f64)
    }

    /// Errors, as PyTorch does, unless 0 < `start_factor` ≤ 1 and 0 ≤ `end_factor` ≤ 1.
    fn validate(&self) -> Result<()> {
        if !(self.start_factor > 0.0 && self.start_factor <= 1.0) {
            return Err(hyperparameter(
                "LinearLR",
                "start_factor",
                "in (0, 1]",
                self.start_factor,
            ));
        }
        if !(0.0..=1.0).contains(&self.end_factor) {
            return Err(hyperparameter(
                "LinearLR",
                "end_factor",
                "in [0, 1]",
                self.end_factor,
            ));
        }
        Ok(())
    }
}

/// How [`OneCycleLR`] moves between two rates (PyTorch's `anneal_strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AnnealStrategy {
    /// Half a cosine: `end + (start - end) / 2 · (1 + cos(π · pct))` (PyTorch's `"cos"`, the
    /// default).
    #[default]
    Cos,
    /// A straight line: `start + (end - start) · pct` (PyTorch's `"linear"`).
    Linear,
}

/// The 1cycle policy (PyTorch's `OneCycleLR`): the rate rises from `max_lr / div_factor` to
/// `max_lr` over the first `pct_start` of `total_steps`, then falls to
/// `max_lr / (div_factor · final_div_factor)`; with `three_phase` it falls back to the
/// starting rate over as many steps as it rose, then to the minimum.
///
/// The base rate given to [`lr`](LrSchedule::lr) is the peak, `max_lr`: with
/// `opt.schedule(&one_cycle, step)` each parameter group peaks at the rate it was made with,
/// as PyTorch's `max_lr` given per group would. Steps are batches, counted from 0; PyTorch's
/// `epochs` and `steps_per_epoch` are `total_steps = epochs · steps_per_epoch` here.
///
/// Not followed from PyTorch:
/// - momentum cycling (`cycle_momentum`, on by default in PyTorch, cycling SGD's momentum or
///   Adam's β₁ between 0.85 and 0.95) is not modelled: this is `cycle_momentum=False`;
/// - from step `total_steps - 1` on the rate stays at the minimum; PyTorch extrapolates the
///   last phase for step `total_steps` (a rate below the minimum, negative for the linear
///   strategy) and errors after it;
/// - a first phase of no length (`pct_start · total_steps = 1`) gives `max_lr` at step 0,
///   where PyTorch divides by zero.
///
/// ```
/// use optim::{LrSchedule, OneCycleLR};
/// let one_cycle = OneCycleLR::new(100);
/// assert!((one_cycle.lr(0.1, 0) - 0.1 / 25.0).abs() < 1e-15);
/// assert!((one_cycle.lr(0.1, 29) - 0.1).abs() < 1e-15); // the peak, at 30% of the steps
/// assert!((one_cycle.lr(0.1, 99) - 0.1 / 25.0 / 1e4).abs() < 1e-15);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OneCycleLR {
    /// The steps of the cycle (≥ 1; no default in PyTorch).
    pub total_steps: usize,
    /// The fraction of the steps spent raising the rate (in [0, 1]; default 0.3).
    pub pct_start: f64,
    /// How the rate moves within each phase (default [`AnnealStrategy::Cos`]).
    pub anneal_strategy: AnnealStrategy,
    /// The starting rate is `max_lr / div_factor` (> 0; default 25).
    pub div_factor: f64,
    /// The final rate is the starting rate `/ final_div_factor` (> 0; default 1e4).
    pub final_div_factor: f64,
    /// Fall back to the starting rate before falling to the minimum (default false).
    pub three_phase: bool,
}

impl OneCycleLR {
    /// A cycle of `total_steps` steps with PyTorch's defaults for everything else.
    pub fn new(total_steps: usize) -> Self {
        OneCycleLR {
            total_steps,
            pct_start: 0.3,
            anneal_strategy: AnnealStrategy::Cos,
            div_factor: 25.0,
            final_div_factor: 1e4,
            three_phase: false,
        }
    }

    fn anneal(&self, start: f64, end: f64, pct: f64) -> f64 {
        // The operations in PyTorch's order, so the rates agree to the last bit or two.
        match self.anneal_strategy {
            AnnealStrategy::Cos => end + (start - end) / 2.0 * ((PI * pct).cos() + 1.0),
            AnnealStrategy::Linear => (end - start) * pct + start,
        }
    }
}

impl LrSchedule for OneCycleLR {
    fn lr(&self, max_lr: f64, epoch: usize) -> f64 {
        let total = self.total_steps.max(1);
        let initial = max_lr / self.div_factor;
        let min = initial / self.final_div_factor;
        let rise_end = self.pct_start * total as f64 - 1.0;
        let last = (total - 1) as f64;
        // (end step, start rate, end rate) of each phase, as PyTorch lists them.
        let two = [(rise_end, initial, max_lr), (last, max_lr, min)];
        let three = [
            (rise_end, initial, max_lr),
            (2.0 * self.pct_start * total as f64 - 2.0, max_lr, initial),
            (last, initial, min),
        ];
        let phases: &[(f64, f64, f64)] = if self.three_phase { &three } else { &two };
        let step = epoch.min(total - 1) as f64;
        // The first phase whose end the step has not passed, else the last one.
        let i = phases
            .iter()
            .position(|&(end_step, _, _)| step <= end_step)
            .unwrap_or(phases.len() - 1);
        let start_step = if i == 0 { 0.0 } else { phases[i - 1].0 };
        let (end_step, start_lr, end_lr) = phases[i];
        let pct = if end_step == start_step {
            1.0
        } else {
            (step - start_step) / (end_step - start_step)
        };
        self.anneal(start_lr, end_lr, pct)
    }

    /// Errors unless `total_steps` ≥ 1 and 0 ≤ `pct_start` ≤ 1 (PyTorch's checks), and
    /// `div_factor` and `final_div_factor` are finite and > 0 (which PyTorch does not check).
    fn validate(&self) -> Result<()> {
        if self.total_steps == 0 {
            return Err(hyperparameter("OneCycleLR", "total_steps", ">= 1", 0.0));
        }
        if !(0.0..=1.0).contains(&self.pct_start) {
            return Err(hyperparameter(
                "OneCycleLR",
                "pct_start",
                "in [0, 1]",
                self.pct_start,
            ));
        }
        for (name, v) in [
            ("div_factor", self.div_factor),
            ("final_div_factor", self.final_div_factor),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(hyperparameter("OneCycleLR", name, "finite and > 0", v));
            }
        }
        Ok(())
    }
}

/// Schedules run one after another (PyTorch's `SequentialLR`): `schedules[0]` until step
/// `milestones[0]`, then `schedules[1]` counted from 0 again, and so on. Each schedule starts
/// from the base rate, not from where the previous one stopped, as in PyTorch.
/// [`then`](LrSchedule::then) builds the two-schedule case.
///
/// A linear warm-up over 5 steps, then a cosine down to 1e-4 over 25, for every parameter
/// group of an optimizer:
///
/// ```
/// use autograd::{Tensor, Var};
/// use optim::{CosineAnnealingLR, LinearLR, LrSchedule, Optimizer, Sequential, SgdConfig, SGD};
///
/// let w = Var::parameter(Tensor::from_vec(&[2], vec![1.0f64, -1.0])?);
/// let mut opt = SGD::new(vec![w.clone()], SgdConfig { lr: 0.1, ..Default::default() })?;
/// let schedule = Sequential::new(
///     vec![
///         Box::new(LinearLR { start_factor: 0.1, end_factor: 1.0, total_iters: 5 }),
///         Box::new(CosineAnnealingLR { t_max: 25, eta_min: 1e-4 }),
///     ],
///     vec![5],
/// )?;
/// for step in 0..30 {
///     opt.schedule(&schedule, step)?;
///     if step == 0 {
///         assert!((opt.lr() - 0.01).abs() < 1e-15);
///     }
///     opt.zero_grad();
///     w.mul(&w)?.sum_all().backward()?;
///     opt.step()?;
/// }
/// assert!((opt.lr() - CosineAnnealingLR { t_max: 25, eta_min: 1e-4 }.lr(0.1, 24)).abs() < 1e-15);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Sequential {
    schedules: Vec<Box<dyn LrSchedule>>,
    milestones: Vec<usize>,
}

impl Sequential {
    /// `schedules` switched at `milestones` (steps counted from the first, one fewer than the
    /// schedules, non-decreasing).
    ///
    /// Errors when there is no schedule, when the numbers of schedules and milestones do not
    /// fit (PyTorch's checks), when a milestone is below the one before it, or when a schedule
    /// fails its own [`validate`](LrSchedule::validate).
    pub fn new(schedules: Vec<Box<dyn LrSchedule>>, milestones: Vec<usize>) -> Result<Self> {
        if schedules.is_empty() {
            return Err(invalid(
                "Sequential: expected at least one schedule, found none".to_string(),
            ));
        }
        if milestones.len() + 1 != schedules.len() {
            return Err(invalid(format!(
                "Sequential: expected one milestone fewer than schedules ({} for {} schedules), \
                 found {}",
                schedules.len() - 1,
                schedules.len(),
                milestones.len()
            )));
        }
        if let Some(i) = (1..milestones.len()).find(|&i| milestones[i] < milestones[i - 1]) {
            return Err(invalid(format!(
                "Sequential: expected non-decreasing milestones, found {} after {} (milestones \
                 {milestones:?})",
                milestones[i],
                milestones[i - 1]
            )));
        }
        for s in &schedules {
            s.validate()?;
        }
        Ok(Sequential {
            schedules,
            milestones,
        })
    }

    /// The steps at which the next schedule takes over.
    pub fn milestones(&self) -> &[usize] {
        &self.milestones
    }
}

impl fmt::Debug for Sequential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sequential")
            .field("schedules", &self.schedules.len())
            .field("milestones", &self.milestones)
            .finish()
    }
}

impl LrSchedule for Sequential {
    fn lr(&self, base_lr: f64, epoch: usize) -> f64 {
        // PyTorch's bisect_right: the number of milestones reached.
        let i = self.milestones.partition_point(|&m| m <= epoch);
        let start = if i == 0 { 0 } else { self.milestones[i - 1] };
        self.schedules[i].lr(base_lr, epoch - start)
    }

    fn validate(&self) -> Result<()> {
        self.schedules.iter().try_for_each(|s| s.validate())
    }
}

/// Which way [`ReduceLROnPlateau`]'s metric should go (PyTorch's `mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlateauMode {
    /// A lower metric is better, such as a loss (PyTorch's `"min"`, the default).
    #[default]
    Min,
    /// A higher metric is better, such as an accuracy (PyTorch's `"max"`).
    Max,
}

/// How [`ReduceLROnPlateau`]'s `threshold` measures an improvement (PyTorch's
/// `threshold_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThresholdMode {
    /// Relative: better than `best · (1 - threshold)` in min mode, `best · (1 + threshold)`
    /// in max mode (PyTorch's `"rel"`, the default).
    #[default]
    Rel,
    /// Absolute: better than `best - threshold` in min mode, `best + threshold` in max mode
    /// (PyTorch's `"abs"`).
    Abs,
}

/// The lowest rate [`ReduceLROnPlateau`] reduces to (PyTorch's `min_lr`, a number or a list).
#[derive(Debug, Clone, PartialEq)]
pub enum MinLr {
    /// The same bound for every parameter group.
    All(f64),
    /// One bound per parameter group, in the optimizer's group order.
    PerGroup(Vec<f64>),
}

impl Default for MinLr {
    fn default() -> Self {
        MinLr::All(0.0)
    }
}

/// The settings of [`ReduceLROnPlateau`], with PyTorch's names and defaults ([`Default`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PlateauConfig {
    /// Whether the metric should fall or rise (default [`PlateauMode::Min`]).
    pub mode: PlateauMode,
    /// Each reduction multiplies the rate by this (0 ≤ factor < 1; default 0.1).
    pub factor: f64,
    /// Bad steps tolerated: the rate is reduced on the `patience + 1`-th bad step in a row
    /// (default 10).
    pub patience: usize,
    /// How much better than the best a metric must be to count as an improvement (finite,
    /// ≥ 0; default 1e-4).
    pub threshold: f64,
    /// Whether `threshold` is relative or absolute (default [`ThresholdMode::Rel`]).
    pub threshold_mode: ThresholdMode,
    /// Steps after a reduction during which bad steps are not counted (default 0).
    pub cooldown: usize,
    /// The lowest rate (finite, ≥ 0; default 0 for every group).
    pub min_lr: MinLr,
    /// A reduction smaller than this is not made (finite, ≥ 0; default 1e-8).
    pub eps: f64,
}

impl Default for PlateauConfig {
    fn default() -> Self {
        PlateauConfig {
            mode: PlateauMode::Min,
            factor: 0.1,
            patience: 10,
            threshold: 1e-4,
            threshold_mode: ThresholdMode::Rel,
            cooldown: 0,
            min_lr: MinLr::All(0.0),
            eps: 1e-8,
        }
    }
}

/// Reduces the learning rates when a metric stops improving (PyTorch's `ReduceLROnPlateau`).
///
/// Call [`step`](ReduceLROnPlateau::step) once per epoch with the metric (a validation loss,
/// say). A metric better than the best so far by more than the threshold resets the count of
/// bad epochs; any other adds one, and when the count exceeds `patience` every group's rate
/// becomes `max(lr · factor, min_lr)` (unless that changes it by no more than `eps`), the
/// count restarts, and the next `cooldown` epochs are not counted. It acts on the optimizer's
/// *current* rates, so use it instead of, not together with, [`Optimizer::schedule`].
///
/// A NaN metric is never better than the best (every comparison with NaN is false), so it
/// counts as a bad epoch and leaves the best as it was, as in PyTorch.
///
/// ```
/// use autograd::{Tensor, Var};
/// use optim::{Optimizer, PlateauConfig, ReduceLROnPlateau, SgdConfig, SGD};
///
/// let w = Var::parameter(Tensor::from_vec(&[1], vec![1.0f64])?);
/// let mut opt = SGD::new(vec![w], SgdConfig { lr: 0.1, ..Default::default() })?;
/// let mut plateau = ReduceLROnPlateau::new(PlateauConfig { patience: 2, ..Default::default() })?;
/// for val_loss in [1.0, 0.5, 0.5, 0.5] {
///     assert!(!plateau.step(val_loss, &mut opt)?);
/// }
/// assert_eq!(plateau.num_bad_epochs(), 2);
/// assert!(plateau.step(0.6, &mut opt)?); // the third bad epoch in a row
/// assert!((opt.lr() - 0.01).abs() < 1e-15);
/// assert_eq!(plateau.best(), 0.5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ReduceLROnPlateau {
    config: PlateauConfig,
    best: f64,
    num_bad_epochs: usize,
    cooldown_counter: usize,
    last_epoch: usize,
}

impl ReduceLROnPlateau {
    /// A scheduler with `config`, before its first step.
    ///
    /// Errors when `factor` is not below 1 (PyTorch's check) or is negative or NaN, or when
    /// `threshold`, `eps` or a `min_lr` is negative or not finite (which PyTorch accepts and
    /// then misbehaves on).
    pub fn new(config: PlateauConfig) -> Result<Self> {
        const NAME: &str = "ReduceLROnPlateau";
        if !(config.factor >= 0.0 && config.factor < 1.0) {
            return Err(hyperparameter(NAME, "factor", "in [0, 1)", config.factor));
        }
        for (name, v) in [("threshold", config.threshold), ("eps", config.eps)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(hyperparameter(NAME, name, "finite and >= 0", v));
            }
        }
        let bad_min_lr = |v: f64| !(v.is_finite() && v >= 0.0);
        match &config.min_lr {
            MinLr::All(v) if bad_min_lr(*v) => {
                return Err(hyperparameter(NAME, "min_lr", "finite and >= 0", *v));
            }
            MinLr::PerGroup(vs) => {
                if let Some((i, v)) = vs.iter().enumerate().find(|(_, &v)| bad_min_lr(v)) {
                    return Err(invalid(format!(
                        "{NAME}: min_lr[{i}] must be finite and >= 0, found {v}"
                    )));
                }
            }
            MinLr::All(_) => {}
        }
        let best = match config.mode {
            PlateauMode::Min => f64::INFINITY,
            PlateauMode::Max => f64::NEG_INFINITY,
        };
        Ok(ReduceLROnPlateau {
            config,
            best,
            num_bad_epochs: 0,
            cooldown_counter: 0,
            last_epoch: 0,
        })
    }

    /// Records the epoch's `metric` and reduces every group's rate of `optimizer` if the
    /// metric has not improved for more than `patience` epochs (outside a cooldown). Returns
    /// whether any rate was reduced.
    ///
    /// Errors, changing nothing, when `min_lr` is given per group and their number is not the
    /// optimizer's number of groups (PyTorch checks this when the scheduler is made, and
    /// again when it reduces).
    pub fn step<T: Element>(
        &mut self,
        metric: f64,
        optimizer: &mut dyn Optimizer<T>,
    ) -> Result<bool> {
        let groups = optimizer.num_groups();
        if let MinLr::PerGroup(v) = &self.config.min_lr {
            if v.len() != groups {
                return Err(invalid(format!(
                    "ReduceLROnPlateau: expected {groups} min_lr values (one per parameter \
                     group), found {}",
                    v.len()
                )));
            }
        }
        self.last_epoch += 1;
        if self.is_better(metric) {
            self.best = metric;
            self.num_bad_epochs = 0;
        } else {
            self.num_bad_epochs += 1;
        }
        if self.in_cooldown() {
            self.cooldown_counter -= 1;
            self.num_bad_epochs = 0;
        }
        if self.num_bad_epochs <= self.config.patience {
            return Ok(false);
        }
        let mut reduced = false;
        for (group, old) in optimizer.lrs().into_iter().enumerate() {
            let min_lr = match &self.config.min_lr {
                MinLr::All(v) => *v,
                MinLr::PerGroup(v) => v[group],
            };
            let new = (old * self.config.factor).max(min_lr);
            if old - new > self.config.eps {
                optimizer.set_group_lr(group, new)?;
                reduced = true;
            }
        }
        self.cooldown_counter = self.config.cooldown;
        self.num_bad_epochs = 0;
        Ok(reduced)
    }

    /// Whether `metric` improves on the best by more than the threshold (PyTorch's
    /// `_is_better`, with its operations).
    fn is_better(&self, metric: f64) -> bool {
        let (best, t) = (self.best, self.config.threshold);
        match (self.config.mode, self.config.threshold_mode) {
            (PlateauMode::Min, ThresholdMode::Rel) => metric < best * (1.0 - t),
            (PlateauMode::Min, ThresholdMode::Abs) => metric < best - t,
            (PlateauMode::Max, ThresholdMode::Rel) => metric > best * (t + 1.0),
            (PlateauMode::Max, ThresholdMode::Abs) => metric > best + t,
        }
    }

    /// The best metric so far (infinity in min mode, minus infinity in max mode, before a
    /// step).
    pub fn best(&self) -> f64 {
        self.best
    }

    /// The bad epochs since the last improvement, reduction or cooldown epoch.
    pub fn num_bad_epochs(&self) -> usize {
        self.num_bad_epochs
    }

    /// The cooldown epochs left.
    pub fn cooldown_counter(&self) -> usize {
        self.cooldown_counter
    }

    /// Whether the next step is in a cooldown (its metric will not count as bad).
    pub fn in_cooldown(&self) -> bool {
        self.cooldown_counter > 0
    }

    /// The steps taken (PyTorch's `last_epoch`).
    pub fn last_epoch(&self) -> usize {
        self.last_epoch
    }

    /// The settings.
    pub fn config(&self) -> &PlateauConfig {
        &self.config
    }
}

fn hyperparameter(
    schedule: &'static str,
    name: &'static str,
    expected: &'static str,
    found: f64,
) -> OptimError {
    OptimError::Hyperparameter {
        optimizer: schedule,
        name,
        expected,
        found,
    }
}

fn invalid(message: String) -> OptimError {
    OptimError::Invalid { message }
}
