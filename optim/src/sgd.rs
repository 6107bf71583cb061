//! Stochastic gradient descent.

use crate::state::{OptimizerState, Setting};
use crate::{OptimError, Optimizer, Result};
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
    params: Vec<Var<T>>,
    config: SgdConfig,
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
        crate::check_params("SGD", &params)?;
        config.validate()?;
        let buffers = vec![None; params.len()];
        Ok(SGD {
            params,
            config,
            buffers,
            steps: 0,
        })
    }

    /// The hyper-parameters.
    pub fn config(&self) -> SgdConfig {
        self.config
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
        let c = self.config;
        write!(
            f,
            "SGD (\nParameter Group 0\n    dampening: {}\n    lr: {}\n    momentum: {}\n    nesterov: {}\n    params: {}\n    weight_decay: {}\n)",
            c.dampening,
            c.lr,
            c.momentum,
            if c.nesterov { "True" } else { "False" },
            self.params.len(),
            c.weight_decay
        )
    }
}

impl<T: Element> Optimizer<T> for SGD<T> {
    /// One update of every parameter that has a gradient, read once with
    /// [`Var::grad_into`] straight into the momentum buffer or the parameter, never copied.
    fn step(&mut self) -> Result<()> {
        let c = self.config;
        let (lr, mu, wd) = (
            T::from_f64_lossy(c.lr),
            T::from_f64_lossy(c.momentum),
            T::from_f64_lossy(c.weight_decay),
        );
        let keep = T::from_f64_lossy(1.0 - c.dampening);
        self.steps += 1;
        for (p, buf) in self.params.iter().zip(&mut self.buffers) {
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

    fn params(&self) -> &[Var<T>] {
        &self.params
    }

    fn state_dict(&self) -> OptimizerState<T> {
        let c = self.config;
        let mut state = OptimizerState::new("SGD");
        for (name, v) in [
            ("lr", c.lr),
            ("momentum", c.momentum),
            ("dampening", c.dampening),
            ("weight_decay", c.weight_decay),
        ] {
            state.settings.insert(name.into(), Setting::Float(v));
        }
        state
            .settings
            .insert("nesterov".into(), Setting::Bool(c.nesterov));
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
        let config = SgdConfig {
            lr: state.float("lr")?,
            momentum: state.float("momentum")?,
            dampening: state.float("dampening")?,
            weight_decay: state.float("weight_decay")?,
            nesterov: state.bool("nesterov")?,
        };
        config.validate()?;
        let steps = state.int("step")?;
        let shapes: Vec<Vec<usize>> = self.params.iter().map(Var::shape).collect();
        let buffers = state.per_parameter(MOMENTUM_BUFFER, &shapes)?;
        self.config = config;
        self.buffers = buffers;
        self.steps = steps;
        Ok(())
    }

    fn zero_grad(&self) {
        for p in &self.params {
            p.zero_grad();
        }
    }

    fn lr(&self) -> f64 {
        self.config.lr
    }

    fn set_lr(&mut self, lr: f64) -> Result<()> {
        check_rate("lr", lr)?;
        self.config.lr = lr;
        Ok(())
    }
}
