//! Stochastic gradient descent.

use crate::{OptimError, Optimizer, Result};
use autograd::{Element, Tensor, Var};
use ndarray::Zip;

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
    /// Errors when a hyper-parameter is negative or not finite, dampening is above 1, or
    /// Nesterov is asked for without momentum or with dampening (PyTorch's rules).
    pub fn new(params: Vec<Var<T>>, config: SgdConfig) -> Result<Self> {
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

    /// The parameters, in the order given.
    pub fn params(&self) -> &[Var<T>] {
        &self.params
    }

    /// The momentum buffers, one per parameter (`None` before its first step or without
    /// momentum): the optimizer's state, for checkpoints.
    pub fn momentum_buffers(&self) -> &[Option<Tensor<T>>] {
        &self.buffers
    }

    /// How many times [`step`](Optimizer::step) has run (restored with the optimizer's state).
    pub fn steps(&self) -> u64 {
        self.steps
    }

    pub(crate) fn restore(
        &mut self,
        config: SgdConfig,
        buffers: Vec<Option<Tensor<T>>>,
        steps: u64,
    ) {
        self.config = config;
        self.buffers = buffers;
        self.steps = steps;
    }

    /// Restores momentum buffers saved from [`momentum_buffers`](SGD::momentum_buffers).
    ///
    /// Errors when the count or a shape does not match the parameters.
    pub fn load_momentum_buffers(&mut self, buffers: Vec<Option<Tensor<T>>>) -> Result<()> {
        if buffers.len() != self.params.len() {
            return Err(OptimError::Invalid {
                message: format!(
                    "SGD state: expected {} momentum buffers, found {}",
                    self.params.len(),
                    buffers.len()
                ),
            });
        }
        for (i, (b, p)) in buffers.iter().zip(&self.params).enumerate() {
            if let Some(b) = b {
                if b.shape() != p.shape().as_slice() {
                    return Err(OptimError::Shape {
                        what: format!("SGD state: momentum buffer {i}"),
                        expected: p.shape(),
                        found: b.shape().to_vec(),
                    });
                }
            }
        }
        self.buffers = buffers;
        Ok(())
    }
}

impl<T: Element> Optimizer<T> for SGD<T> {
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
            // Without weight decay or Nesterov, the gradient goes into the update through
            // `grad_into`: a linear layer's weight gradient `Gᵀ x`, kept as its factors, is
            // then one matrix product into the parameter (plain SGD) or the momentum buffer,
            // never written out and read back.
            if c.weight_decay == 0.0 && !c.nesterov {
                let mut value = p.value_mut();
                if c.momentum == 0.0 {
                    grad_into(-lr, T::one(), &mut value)?;
                    continue;
                }
                let b = match buf {
                    Some(b) => {
                        grad_into(keep, mu, b)?;
                        b
                    }
                    None => {
                        // First step: the buffer is the gradient itself, undampened.
                        let mut b = Tensor::zeros(&shape);
                        grad_into(T::one(), T::zero(), &mut b)?;
                        buf.insert(b)
                    }
                };
                value
                    .scaled_add(-lr, b)
                    .expect("the buffer has the parameter's shape");
                continue;
            }
            let grad = p.grad_ref();
            let g = grad.as_ref().expect("a gradient is there (grad_shape)");
            let mut value = p.value_mut();
            if c.momentum == 0.0 {
                let update = |p: &mut T, g: T| *p -= lr * (g + wd * *p);
                match (value.as_slice_mut(), g.as_slice()) {
                    // Plain slices vectorise; ndarray's n-d Zip here did not (it was a third of
                    // a batch-1 step).
                    (Some(ps), Some(gs)) => ps.iter_mut().zip(gs).for_each(|(p, &g)| update(p, g)),
                    _ => Zip::from(value.view_mut())
                        .and(g.view())
                        .for_each(|p, &g| update(p, g)),
                }
                continue;
            }
            let (pv, gv) = (value.view_mut(), g.view());
            match buf {
                None => {
                    // First step: the buffer is the (decayed) gradient itself, undampened.
                    let mut b = Tensor::zeros(g.shape());
                    Zip::from(pv)
                        .and(gv)
                        .and(b.view_mut())
                        .for_each(|p, &g, b| {
                            let d = g + wd * *p;
                            *b = d;
                            *p -= lr * if c.nesterov { d + mu * d } else { d };
                        });
                    *buf = Some(b);
                }
                Some(b) => {
                    Zip::from(pv)
                        .and(gv)
                        .and(b.view_mut())
                        .for_each(|p, &g, b| {
                            let d = g + wd * *p;
                            *b = mu * *b + keep * d;
                            *p -= lr * if c.nesterov { d + mu * *b } else { *b };
                        });
                }
            }
        }
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
