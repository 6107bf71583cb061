//! Learning-rate schedules, as pure functions of the epoch (PyTorch's closed forms).

/// A learning-rate schedule: the rate for an epoch, given the base rate. Set it on the
/// optimizer at the start of each epoch (`opt.set_lr(schedule.lr(base, epoch))`).
pub trait LrSchedule {
    /// The learning rate in epoch `epoch` (counted from 0).
    fn lr(&self, base_lr: f64, epoch: usize) -> f64;
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
