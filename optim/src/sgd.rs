//! Stochastic gradient descent.

use crate::group::{config_setters, GroupConfig, Groups};
use crate::state::{OptimizerState, Setting};
use crate::{OptimError, Optimizer, ParamGroup, Result};
use autograd::{Element, Tensor, Var};

/// The hyper-parameters of [`SGD`], with PyTorch's names and defaults (`lr` has none in
/// PyTorch; here it defaults to 0.01).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgdConfig {
    /// The learning rate (≥ 0).
    pub lr: f64,
    /// The momentum factor μ (≥ 0; 0 turns momentum off).
    pub momentum: f64,
    /// Dampening τ of the gradient in the momentum buffer (0 ≤ τ ≤ 1).
    pub dampening: f64,
    /// L2 penalty λ added to the gradient as `λ·p` (≥ 0).
    pub weight_decay: f64,
    /// Nesterov momentum (needs momentum > 0 and dampening = 0, as in PyTorch).
    pub nesterov: bool,
}

config_setters!(SgdConfig {
    momentum: f64,
    dampening: f64,
    weight_decay: f64,
    nesterov: bool,
});

impl Default for SgdConfig {
    fn default() -> Self {
        SgdConfig {
            lr: 0.01,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
        }
    }
}

/// The name of SGD's per-parameter state tensor (PyTorch's).
const MOMENTUM_BUFFER: &str = "momentum_buffer";

/// SGD as `torch.optim.SGD` computes it, for each parameter `p` with gradient `g`:
///
/// ```text
/// g ← g + λ p                         (weight decay)
/// b ← g                 on the first step,
/// b ← μ b + (1 - τ) g   after it      (momentum buffer)
/// g ← g + μ b if nesterov, else b
/// p ← p - lr · g
/// ```
///
/// The update runs in place, in one pass over each parameter, its gradient and its buffer:
/// no array is allocated per step (the buffer is allocated once, on the first step).
pub struct SGD<T: Element = f32> {
    groups: Groups<T, SgdConfig>,
    buffers: Vec<Option<Tensor<T>>>,
    steps: u64,
}

impl SgdConfig {
    /// Checks the hyper-parameters: rates finite and `>= 0`, dampening in `[0, 1]`, Nesterov only
    /// with momentum and without dampening (PyTorch's rules).
    pub fn validate(&self) -> Result<()> {
        check_rate("lr", self.lr)?;
        check_rate("momentum", self.momentum)?;
        check_rate("weight_decay", self.weight_decay)?;
        if !(0.0..=1.0).contains(&self.dampening) {
            return Err(OptimError::Hyperparameter {
                optimizer: "SGD",
                name: "dampening",
                expected: "in [0, 1]",
                found: self.dampening,
            });
        }
        if self.nesterov && (self.momentum <= 0.0 || self.dampening != 0.0) {
            return Err(OptimError::Invalid {
                message: format!(
                    "SGD: Nesterov momentum requires momentum > 0 and dampening = 0, found momentum {} and dampening {}",
                    self.momentum, self.dampening
                ),
            });
        }
        Ok(())
    }
}

impl GroupConfig for SgdConfig {
    fn lr(&self) -> f64 {
        self.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
    fn validate(&self) -> Result<()> {
        SgdConfig::validate(self)
    }
    fn check_lr(&self, lr: f64) -> Result<()> {
        check_rate("lr", lr)
    }
}

fn check_rate(name: &'static str, v: f64) -> Result<()> {
    if !(v.is_finite() && v >= 0.0) {
        return Err(OptimError::Hyperparameter {
            optimizer: "SGD",
            name,
            expected: "finite and >= 0",
            found: v,
        });
    }
    Ok(())
}

impl<T: Element> SGD<T> {
    /// An optimizer over `params`.
    ///
    /// Errors when `params` is empty (PyTorch: "optimizer got an empty parameter list"), a
    /// hyper-parameter is negative or not finite, dampening is above 1, or Nesterov is asked
    /// for without momentum or with dampening (PyTorch's rules).
    pub fn new(params: Vec<Var<T>>, config: SgdConfig) -> Result<Self> {
        Self::with_groups(vec![ParamGroup::new(params, config)])
    }

    /// An optimizer over several groups of parameters, each with its own hyper-parameters
    /// (PyTorch's `SGD([{'params': ..., 'lr': ...}, ...])`, with every setting spelled out:
    /// `SgdConfig { lr: 0.01, ..base }`).
    ///
    /// Errors as [`new`](SGD::new) does for any group, and when a group is empty or a
    /// parameter is in more than one group.
    pub fn with_groups(groups: Vec<ParamGroup<T, SgdConfig>>) -> Result<Self> {
        let groups = Groups::new("SGD", groups)?;
        let buffers = vec![None; groups.params.len()];
        Ok(SGD {
            groups,
            buffers,
            steps: 0,
        })
    }

    /// The hyper-parameters (of the first group, when there are several).
    pub fn config(&self) -> SgdConfig {
        self.groups.first()
    }

    /// The hyper-parameters of each group, in order.
    pub fn group_configs(&self) -> Vec<SgdConfig> {
        self.groups.iter().map(|(c, _)| c).collect()
    }

    /// The momentum buffers, one per parameter (`None` before its first step or without
    /// momentum).
    pub fn momentum_buffers(&self) -> &[Option<Tensor<T>>] {
        &self.buffers
    }

    /// How many times [`step`](Optimizer::step) has run (restored with the optimizer's state).
    pub fn steps(&self) -> u64 {
        self.steps
    }
}

impl<T: Element> std::fmt::Debug for SGD<T> {
    /// What PyTorch prints for an optimizer: its name and its group's hyper-parameters.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.groups.fmt("SGD", f, |c| {
            vec![
                ("dampening", c.dampening.to_string()),
                ("lr", c.lr.to_string()),
                ("momentum", c.momentum.to_string()),
                ("nesterov", if c.nesterov { "True" } else { "False" }.into()),
                ("weight_decay", c.weight_decay.to_string()),
            ]
        })
    }
}

impl<T: Element> Optimizer<T> for SGD<T> {
    /// One update of every parameter that has a gradient, group by group.
    fn step(&mut self) -> Result<()> {
        self.steps += 1;
        let mut buffers = self.buffers.iter_mut();
        for (c, params) in self.groups.iter() {
            let group_buffers = buffers.by_ref().take(params.len());
            step_group(c, params, group_buffers)?;
        }
        Ok(())
    }
    fn params(&self) -> &[Var<T>] {
        &self.groups.params
    }

    fn num_groups(&self) -> usize {
        self.groups.groups.len()
    }

    fn lrs(&self) -> Vec<f64> {
        self.groups.lrs()
    }

    fn set_group_lr(&mut self, group: usize, lr: f64) -> Result<()> {
        self.groups.set_group_lr("SGD", group, lr)
    }

    fn initial_lrs(&self) -> Vec<f64> {
        self.groups.initial_lrs()
    }

    fn group_params(&self, group: usize) -> Option<&[Var<T>]> {
        self.groups.group_params(group)
    }

    /// Settings `lr`, `momentum`, `dampening`, `weight_decay`, `nesterov` (for groups after
    /// the first, `param_groups.<g>.lr`, ..., with `param_groups`, their number) and `step`;
    /// per parameter that has a buffer, `momentum_buffer`.
    fn state_dict(&self) -> OptimizerState<T> {
        let mut state = OptimizerState::new("SGD");
        self.groups.write_settings(&mut state, |c| {
            vec![
                ("lr", Setting::Float(c.lr)),
                ("momentum", Setting::Float(c.momentum)),
                ("dampening", Setting::Float(c.dampening)),
                ("weight_decay", Setting::Float(c.weight_decay)),
                ("nesterov", Setting::Bool(c.nesterov)),
            ]
        });
        state
            .settings
            .insert("step".into(), Setting::Int(self.steps));
        for (i, b) in self.buffers.iter().enumerate() {
            if let Some(b) = b {
                state.tensors.insert((i, MOMENTUM_BUFFER.into()), b.clone());
            }
        }
        state
    }

    fn load_state_dict(&mut self, state: &OptimizerState<T>) -> Result<()> {
        state.check_optimizer("SGD")?;
        let configs = self.groups.read_configs(state, |state, key| {
            Ok(SgdConfig {
                lr: state.float(&key("lr"))?,
                momentum: state.float(&key("momentum"))?,
                dampening: state.float(&key("dampening"))?,
                weight_decay: state.float(&key("weight_decay"))?,
                nesterov: state.bool(&key("nesterov"))?,
            })
        })?;
        let steps = state.int("step")?;
        let shapes: Vec<Vec<usize>> = self.groups.params.iter().map(Var::shape).collect();
        let buffers = state.per_parameter(MOMENTUM_BUFFER, &shapes)?;
        self.groups.set_configs(configs);
        self.buffers = buffers;
        self.steps = steps;
        Ok(())
    }

    fn zero_grad(&self) {
        for p in &self.groups.params {
            p.zero_grad();
        }
    }

    fn lr(&self) -> f64 {
        self.groups.first().lr
    }

    fn set_lr(&mut self, lr: f64) -> Result<()> {
        self.groups.set_lr(lr)
    }
}

/// One update of one group's parameters that have a gradient, read once with
/// [`Var::grad_into`] straight into the momentum buffer or the parameter, never copied.
fn step_group<'a, T: Element>(
    c: SgdConfig,
    params: &[Var<T>],
    buffers: impl Iterator<Item = &'a mut Option<Tensor<T>>>,
) -> Result<()> {
    let (lr, mu, wd) = (
        T::from_f64_lossy(c.lr),
        T::from_f64_lossy(c.momentum),
        T::from_f64_lossy(c.weight_decay),
    );
    let keep = T::from_f64_lossy(1.0 - c.dampening);
    for (p, buf) in params.iter().zip(buffers) {
        if !p.requires_grad() {
            continue;
        }
        let Some(shape) = p.grad_shape() else {
            continue;
        };
        if shape != p.value().shape() {
            return Err(OptimError::Shape {
                what: "SGD: gradient".into(),
                expected: p.shape(),
                found: shape,
            });
        }
        let grad_into = |alpha: T, beta: T, dst: &mut Tensor<T>| {
            p.grad_into(alpha, beta, dst)
                .map_err(|e| OptimError::Invalid {
                    message: format!("SGD: {e}"),
                })
        };
        let mut value = p.value_mut();
        if c.momentum == 0.0 {
            // p ← p - lr (g + λ p) = (1 - lr λ) p - lr g
            grad_into(-lr, T::one() - lr * wd, &mut value)?;
            continue;
        }
        // b ← μ b + (1 - τ)(g + λ p), or g + λ p on the first step.
        let b = match buf {
            Some(b) => {
                grad_into(keep, mu, b)?;
                if c.weight_decay != 0.0 {
                    b.scaled_add(keep * wd, &value)?;
                }
                b
            }
            None => {
                let mut b = Tensor::zeros(&shape);
                grad_into(T::one(), T::zero(), &mut b)?;
                if c.weight_decay != 0.0 {
                    b.scaled_add(wd, &value)?;
                }
                buf.insert(b)
            }
        };
        if c.nesterov {
            // p ← p - lr (g + λ p + μ b) = (1 - lr λ) p - lr g - lr μ b
            grad_into(-lr, T::one() - lr * wd, &mut value)?;
            value.scaled_add(-lr * mu, b)?;
        } else {
            value.scaled_add(-lr, b)?;
        }
    }
    Ok(())
}
