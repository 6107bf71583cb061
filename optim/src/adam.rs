//! Adam and AdamW: adaptive moment estimation, with the weight decay added to the gradient
//! (`torch.optim.Adam`) or decoupled from it (`torch.optim.AdamW`).

use crate::group::{config_setters, GroupConfig, Groups};
use crate::state::{OptimizerState, Setting};
use crate::{OptimError, Optimizer, ParamGroup, Result};
use autograd::{Element, Tensor, Var};
use std::collections::BTreeMap;

/// The hyper-parameters of [`Adam`], with PyTorch's names and defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamConfig {
    /// The learning rate (≥ 0).
    pub lr: f64,
    /// The decay rates `(β₁, β₂)` of the running averages of the gradient and of its square
    /// (each in `[0, 1)`).
    pub betas: (f64, f64),
    /// Added to the denominator for numerical stability (≥ 0), after the bias correction.
    pub eps: f64,
    /// L2 penalty λ added to the gradient as `λ·p` before the moments (≥ 0).
    pub weight_decay: f64,
    /// Normalise by the running maximum of the second moment (AMSGrad).
    pub amsgrad: bool,
}

config_setters!(AdamConfig {
    betas: (f64, f64),
    eps: f64,
    weight_decay: f64,
    amsgrad: bool,
});

impl Default for AdamConfig {
    /// PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay.
    fn default() -> Self {
        AdamConfig {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
        }
    }
}

/// The hyper-parameters of [`AdamW`], with PyTorch's names and defaults (the weight decay
/// defaults to 0.01, not 0 as for Adam).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamWConfig {
    /// The learning rate (≥ 0).
    pub lr: f64,
    /// The decay rates `(β₁, β₂)` of the running averages of the gradient and of its square
    /// (each in `[0, 1)`).
    pub betas: (f64, f64),
    /// Added to the denominator for numerical stability (≥ 0), after the bias correction.
    pub eps: f64,
    /// Decoupled weight decay λ: each step first multiplies the parameter by `1 - lr·λ` (≥ 0).
    pub weight_decay: f64,
    /// Normalise by the running maximum of the second moment (AMSGrad).
    pub amsgrad: bool,
}

config_setters!(AdamWConfig {
    betas: (f64, f64),
    eps: f64,
    weight_decay: f64,
    amsgrad: bool,
});

impl Default for AdamWConfig {
    /// PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0.01.
    fn default() -> Self {
        AdamWConfig {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 1e-2,
            amsgrad: false,
        }
    }
}

impl AdamConfig {
    /// Checks the hyper-parameters as PyTorch does: lr, eps and weight decay finite and
    /// `>= 0`, each beta in `[0, 1)`.
    pub fn validate(&self) -> Result<()> {
        self.hyper().validate()
    }

    fn hyper(&self) -> Hyper {
        Hyper {
            optimizer: "Adam",
            lr: self.lr,
            betas: self.betas,
            eps: self.eps,
            weight_decay: self.weight_decay,
            amsgrad: self.amsgrad,
        }
    }
}

impl AdamWConfig {
    /// Checks the hyper-parameters as PyTorch does: lr, eps and weight decay finite and
    /// `>= 0`, each beta in `[0, 1)`.
    pub fn validate(&self) -> Result<()> {
        self.hyper().validate()
    }

    fn hyper(&self) -> Hyper {
        Hyper {
            optimizer: "AdamW",
            lr: self.lr,
            betas: self.betas,
            eps: self.eps,
            weight_decay: self.weight_decay,
            amsgrad: self.amsgrad,
        }
    }
}

/// The hyper-parameters both optimizers share; what differs is where the decay goes.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Hyper {
    /// `"Adam"` or `"AdamW"`, for messages.
    optimizer: &'static str,
    lr: f64,
    betas: (f64, f64),
    eps: f64,
    weight_decay: f64,
    amsgrad: bool,
}

/// The names of the settings in an [`OptimizerState`] (the parts of PyTorch's `betas` tuple
/// named as the error messages name them).
const LR: &str = "lr";
const BETA1: &str = "betas[0]";
const BETA2: &str = "betas[1]";
const EPS: &str = "eps";
const WEIGHT_DECAY: &str = "weight_decay";
const AMSGRAD: &str = "amsgrad";

/// The names of the per-parameter state tensors (PyTorch's).
const EXP_AVG: &str = "exp_avg";
const EXP_AVG_SQ: &str = "exp_avg_sq";
const MAX_EXP_AVG_SQ: &str = "max_exp_avg_sq";
const STEP: &str = "step";

impl GroupConfig for Hyper {
    fn lr(&self) -> f64 {
        self.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
    fn validate(&self) -> Result<()> {
        Hyper::validate(self)
    }
    fn check_lr(&self, lr: f64) -> Result<()> {
        check_rate(self.optimizer, LR, lr)
    }
}

impl Hyper {
    fn validate(&self) -> Result<()> {
        let optimizer = self.optimizer;
        check_rate(optimizer, LR, self.lr)?;
        for (name, beta) in [(BETA1, self.betas.0), (BETA2, self.betas.1)] {
            if !(0.0..1.0).contains(&beta) {
                return Err(OptimError::Hyperparameter {
                    optimizer,
                    name,
                    expected: "in [0, 1)",
                    found: beta,
                });
            }
        }
        check_rate(optimizer, EPS, self.eps)?;
        check_rate(optimizer, WEIGHT_DECAY, self.weight_decay)
    }
}

fn check_rate(optimizer: &'static str, name: &'static str, v: f64) -> Result<()> {
    if !(v.is_finite() && v >= 0.0) {
        return Err(OptimError::Hyperparameter {
            optimizer,
            name,
            expected: "finite and >= 0",
            found: v,
        });
    }
    Ok(())
}

/// One parameter's state, made on its first step (PyTorch's lazy `state[p]`).
#[derive(Debug, Clone)]
struct ParamState<T: Element> {
    /// Steps this parameter has taken (PyTorch's per-parameter `step`): the exponent of the
    /// bias corrections.
    step: u64,
    exp_avg: Tensor<T>,
    exp_avg_sq: Tensor<T>,
    /// Present exactly when AMSGrad is on.
    max_exp_avg_sq: Option<Tensor<T>>,
}

/// Each parameter's state, in the optimizer's order.
type ParamStates<T> = Vec<Option<ParamState<T>>>;

/// What [`Adam`] and [`AdamW`] share: the parameters, their state, and the update.
struct Core<T: Element> {
    /// `"Adam"` or `"AdamW"`: in messages, in the state, in `Debug`.
    name: &'static str,
    /// AdamW's decay (`p ← p (1 - lr λ)`) rather than Adam's (`g ← g + λ p`).
    decoupled: bool,
    groups: Groups<T, Hyper>,
    state: Vec<Option<ParamState<T>>>,
}

/// The per-element update, its scalars computed once per parameter and step, in `f64` and
/// rounded to `T` as PyTorch rounds its Python-float scalars to the tensor's type.
#[derive(Clone, Copy)]
struct Update<T> {
    /// `λ` for Adam's `g + λ p`, `None` without it.
    l2: Option<T>,
    /// `1 - lr λ` for AdamW, `None` without it.
    decay: Option<T>,
    /// The lerp weight `1 - β₁` and `1 - (1 - β₁)`.
    w1: T,
    one_minus_w1: T,
    beta2: T,
    one_minus_beta2: T,
    /// `√(1 - β₂ᵗ)`.
    bias_correction2_sqrt: T,
    eps: T,
    /// `-lr / (1 - β₁ᵗ)`.
    neg_step_size: T,
}

impl<T: Element> Update<T> {
    fn new(h: &Hyper, decoupled: bool, step: u64) -> Self {
        let t = T::from_f64_lossy;
        let (beta1, beta2) = h.betas;
        // The powers as Python's `beta ** step` computes them (libm's pow, not repeated
        // multiplication), so the bias corrections agree with PyTorch's to the last bit.
        let bias_correction1 = 1.0 - beta1.powf(step as f64);
        let bias_correction2 = 1.0 - beta2.powf(step as f64);
        let w1 = t(1.0 - beta1);
        let wd = h.weight_decay;
        Update {
            l2: (wd != 0.0 && !decoupled).then(|| t(wd)),
            decay: (wd != 0.0 && decoupled).then(|| t(1.0 - h.lr * wd)),
            w1,
            one_minus_w1: T::one() - w1,
            beta2: t(beta2),
            one_minus_beta2: t(1.0 - beta2),
            bias_correction2_sqrt: t(bias_correction2.sqrt()),
            eps: t(h.eps),
            neg_step_size: t(-(h.lr / bias_correction1)),
        }
    }

    /// Decays `p` and updates the moments `m`, `v` from the gradient `g`.
    #[inline(always)]
    fn moments(&self, p: &mut T, g: T, m: &mut T, v: &mut T) {
        let g = match self.l2 {
            Some(wd) => g + wd * *p,
            None => g,
        };
        if let Some(decay) = self.decay {
            *p *= decay;
        }
        // `torch.lerp(m, g, w)`, with its two forms for small and large weights.
        *m = if self.w1.abs() < T::from_f64_lossy(0.5) {
            *m + self.w1 * (g - *m)
        } else {
            g - (g - *m) * self.one_minus_w1
        };
        *v = *v * self.beta2 + self.one_minus_beta2 * g * g;
    }

    /// `p - lr / (1 - β₁ᵗ) · m / (√v / √(1 - β₂ᵗ) + ε)`: eps is added after the bias
    /// correction, as in PyTorch.
    #[inline(always)]
    fn apply(&self, p: &mut T, m: T, v: T) {
        let denom = v.sqrt() / self.bias_correction2_sqrt + self.eps;
        *p += self.neg_step_size * m / denom;
    }
}

/// `torch.maximum`: the larger, and NaN when either is NaN.
#[inline(always)]
fn maximum<T: Element>(a: T, b: T) -> T {
    if a.is_nan() || b > a {
        b
    } else {
        a
    }
}

impl<T: Element> Core<T> {
    fn new(name: &'static str, decoupled: bool, groups: Vec<ParamGroup<T, Hyper>>) -> Result<Self> {
        let groups = Groups::new(name, groups)?;
        let state = vec![None; groups.params.len()];
        Ok(Core {
            name,
            decoupled,
            groups,
            state,
        })
    }

    fn step(&mut self) -> Result<()> {
        let mut slots = self.state.iter_mut();
        for (h, params) in self.groups.iter() {
            let group_slots = slots.by_ref().take(params.len());
            step_group(self.name, self.decoupled, &h, params, group_slots)?;
        }
        Ok(())
    }

    fn state_dict(&self) -> OptimizerState<T> {
        let mut state = OptimizerState::new(self.name);
        self.groups.write_settings(&mut state, |h| {
            vec![
                (LR, Setting::Float(h.lr)),
                (BETA1, Setting::Float(h.betas.0)),
                (BETA2, Setting::Float(h.betas.1)),
                (EPS, Setting::Float(h.eps)),
                (WEIGHT_DECAY, Setting::Float(h.weight_decay)),
                (AMSGRAD, Setting::Bool(h.amsgrad)),
            ]
        });
        for (i, st) in self.state.iter().enumerate() {
            let Some(st) = st else { continue };
            let mut put = |name: &str, t: Tensor<T>| state.tensors.insert((i, name.into()), t);
            // A 0-d tensor, as PyTorch's `step`: exact up to 2^24 steps in f32, 2^53 in f64.
            put(STEP, Tensor::scalar(T::from_f64_lossy(st.step as f64)));
            put(EXP_AVG, st.exp_avg.clone());
            put(EXP_AVG_SQ, st.exp_avg_sq.clone());
            if let Some(max) = &st.max_exp_avg_sq {
                put(MAX_EXP_AVG_SQ, max.clone());
            }
        }
        state
    }

    /// Reads and checks a state; changes nothing, so the caller can apply all of it or none.
    /// Reads a state back: each group's hyper-parameters and each parameter's state, after
    /// checking all of it (every misfit listed in one error).
    fn read_state(&self, state: &OptimizerState<T>) -> Result<(Vec<Hyper>, ParamStates<T>)> {
        state.check_optimizer(self.name)?;
        let optimizer = self.name;
        let hypers = self.groups.read_configs(state, |state, key| {
            Ok(Hyper {
                optimizer,
                lr: state.float(&key(LR))?,
                betas: (state.float(&key(BETA1))?, state.float(&key(BETA2))?),
                eps: state.float(&key(EPS))?,
                weight_decay: state.float(&key(WEIGHT_DECAY))?,
                amsgrad: state.bool(&key(AMSGRAD))?,
            })
        })?;
        // Whether each parameter's group uses AMSGrad, which decides its state's names.
        let amsgrad: Vec<bool> = self
            .groups
            .groups
            .iter()
            .zip(&hypers)
            .flat_map(|(g, h)| std::iter::repeat_n(h.amsgrad, g.range().len()))
            .collect();
        let names_of = |amsgrad: bool| -> &'static [&'static str] {
            if amsgrad {
                &[STEP, EXP_AVG, EXP_AVG_SQ, MAX_EXP_AVG_SQ]
            } else {
                &[STEP, EXP_AVG, EXP_AVG_SQ]
            }
        };
        let params = &self.groups.params;
        let mut misfits = Vec::new();
        let mut found: Vec<BTreeMap<&str, &Tensor<T>>> = vec![BTreeMap::new(); params.len()];
        for ((i, key), t) in &state.tensors {
            let Some(p) = params.get(*i) else {
                misfits.push(format!(
                    "`{key}` of parameter {i}: the optimizer has {} parameters",
                    params.len()
                ));
                continue;
            };
            let names = names_of(amsgrad[*i]);
            let Some(&name) = names.iter().find(|n| *n == key) else {
                misfits.push(format!(
                    "`{key}` of parameter {i}: expected one of {names:?} (amsgrad {})",
                    amsgrad[*i]
                ));
                continue;
            };
            let expected = if name == STEP { vec![] } else { p.shape() };
            if t.shape() != expected.as_slice() {
                misfits.push(format!(
                    "`{key}` of parameter {i}: expected shape {expected:?}, found {:?}",
                    t.shape()
                ));
                continue;
            }
            found[*i].insert(name, t);
        }
        let mut out = vec![None; params.len()];
        for (i, tensors) in found.iter().enumerate() {
            if tensors.is_empty() {
                continue; // No step yet: no state, as in PyTorch.
            }
            let names = names_of(amsgrad[i]);
            let missing: Vec<&str> = names
                .iter()
                .copied()
                .filter(|n| !tensors.contains_key(n))
                .collect();
            if !missing.is_empty() {
                misfits.push(format!(
                    "parameter {i} has {:?} but not {missing:?}",
                    tensors.keys().collect::<Vec<_>>()
                ));
                continue;
            }
            let step = tensors[STEP]
                .item()
                .ok()
                .and_then(|s| s.to_f64())
                .filter(|s| *s >= 0.0 && s.fract() == 0.0 && *s <= (1u64 << 53) as f64);
            let Some(step) = step else {
                misfits.push(format!(
                    "`step` of parameter {i}: expected a whole number >= 0, found {:?}",
                    tensors[STEP].to_vec()
                ));
                continue;
            };
            // Copies in the standard layout, which the update relies on.
            let copy = |name: &str| tensors[name].reshape(tensors[name].shape());
            out[i] = Some(ParamState {
                step: step as u64,
                exp_avg: copy(EXP_AVG)?,
                exp_avg_sq: copy(EXP_AVG_SQ)?,
                max_exp_avg_sq: amsgrad[i].then(|| copy(MAX_EXP_AVG_SQ)).transpose()?,
            });
        }
        if !misfits.is_empty() {
            return Err(OptimError::Invalid {
                message: format!(
                    "{} state does not fit the parameters: {}",
                    self.name,
                    misfits.join("; ")
                ),
            });
        }
        Ok((hypers, out))
    }

    /// PyTorch's print of an optimizer: its name and each group's hyper-parameters, sorted.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.groups.fmt(self.name, f, |h| {
            vec![
                ("amsgrad", if h.amsgrad { "True" } else { "False" }.into()),
                ("betas", format!("({}, {})", h.betas.0, h.betas.1)),
                ("eps", h.eps.to_string()),
                ("lr", h.lr.to_string()),
                ("weight_decay", h.weight_decay.to_string()),
            ]
        })
    }

    fn zero_grad(&self) {
        for p in &self.groups.params {
            p.zero_grad();
        }
    }
}

/// One update of one group's parameters that have a gradient.
fn step_group<'a, T: Element>(
    name: &str,
    decoupled: bool,
    h: &Hyper,
    params: &[Var<T>],
    slots: impl Iterator<Item = &'a mut Option<ParamState<T>>>,
) -> Result<()> {
    for (p, slot) in params.iter().zip(slots) {
        if !p.requires_grad() {
            continue;
        }
        let Some(shape) = p.grad_shape() else {
            continue;
        };
        if shape != p.value().shape() {
            return Err(OptimError::Shape {
                what: format!("{name}: gradient"),
                expected: p.shape(),
                found: shape,
            });
        }
        // Borrowed, not copied; a weight gradient kept as a product is multiplied out here
        // once, since the second moment needs its elements.
        let grad = p.grad_ref();
        let g = grad.as_ref().expect("a gradient is there (grad_shape)");
        let contiguous;
        let g = match g.as_slice() {
            Some(_) => g,
            None => {
                contiguous = g.reshape(&shape)?;
                &contiguous
            }
        };
        let gs = g.as_slice().expect("reshape gives the standard layout");
        let st = slot.get_or_insert_with(|| ParamState {
            step: 0,
            exp_avg: Tensor::zeros(&shape),
            exp_avg_sq: Tensor::zeros(&shape),
            max_exp_avg_sq: h.amsgrad.then(|| Tensor::zeros(&shape)),
        });
        st.step += 1;
        let u = Update::new(h, decoupled, st.step);
        let mut value = p.value_mut();
        if value.as_slice().is_none() {
            // Only a parameter made from a strided array lands here; from now on it is
            // contiguous.
            *value = value.reshape(&shape)?;
        }
        let ps = value.as_slice_mut().expect("made contiguous above");
        let ms = st.exp_avg.as_slice_mut().expect("state is contiguous");
        let vs = st.exp_avg_sq.as_slice_mut().expect("state is contiguous");
        let elements = ps.iter_mut().zip(gs).zip(ms).zip(vs);
        match st.max_exp_avg_sq.as_mut() {
            None => elements.for_each(|(((p, &g), m), v)| {
                u.moments(p, g, m, v);
                u.apply(p, *m, *v);
            }),
            Some(max) => {
                let maxs = max.as_slice_mut().expect("state is contiguous");
                elements.zip(maxs).for_each(|((((p, &g), m), v), max)| {
                    u.moments(p, g, m, v);
                    *max = maximum(*max, *v);
                    u.apply(p, *m, *max);
                })
            }
        }
    }
    Ok(())
}

/// Adam as `torch.optim.Adam` computes it, for each parameter `p` with gradient `g`, its own
/// step count `t` (counted from 1; a parameter without a gradient does not step) and
/// `λ = weight_decay`:
///
/// ```text
/// g ← g + λ p                                      (weight decay, L2)
/// m ← β₁ m + (1 - β₁) g                            (first moment; as torch.lerp)
/// v ← β₂ v + (1 - β₂) g²                           (second moment)
/// v ← v_max ← max(v_max, v)                        (amsgrad only)
/// p ← p - lr / (1 - β₁ᵗ) · m / (√v / √(1 - β₂ᵗ) + ε)
/// ```
///
/// ε is added after the bias correction of `√v`, as in PyTorch. The state per parameter is
/// PyTorch's: `step`, `exp_avg` (m), `exp_avg_sq` (v) and `max_exp_avg_sq` (v_max), made on
/// the parameter's first step. The update runs in place, in one pass over each parameter, its
/// gradient (borrowed, not copied) and its state.
///
/// ```
/// use autograd::{Tensor, Var};
/// use optim::{Adam, AdamConfig, Optimizer};
///
/// let w = Var::parameter(Tensor::from_vec(&[2], vec![1.0f64, -1.0])?);
/// let mut opt = Adam::new(vec![w.clone()], AdamConfig { lr: 0.05, ..Default::default() })?;
/// for _ in 0..200 {
///     opt.zero_grad();
///     w.mul(&w)?.sum_all().backward()?; // minimise ‖w‖²
///     opt.step()?;
/// }
/// assert!(w.value().sum_squares() < 1e-3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Adam<T: Element = f32> {
    core: Core<T>,
}

impl<T: Element> Adam<T> {
    /// An optimizer over `params`.
    ///
    /// Errors when `params` is empty (PyTorch: "optimizer got an empty parameter list"), the
    /// learning rate, eps or weight decay is negative or not finite, or a beta is outside
    /// `[0, 1)` (PyTorch's rules).
    pub fn new(params: Vec<Var<T>>, config: AdamConfig) -> Result<Self> {
        Self::with_groups(vec![ParamGroup::new(params, config)])
    }

    /// An optimizer over several groups of parameters, each with its own hyper-parameters
    /// (PyTorch's `Adam([{'params': ..., 'lr': ...}, ...])`, with every setting spelled out:
    /// `AdamConfig { lr: 1e-4, ..base }`).
    ///
    /// Errors as [`new`](Adam::new) does for any group, and when a group is empty or a
    /// parameter is in more than one group.
    pub fn with_groups(groups: Vec<ParamGroup<T, AdamConfig>>) -> Result<Self> {
        let groups = groups
            .into_iter()
            .map(|g| ParamGroup::new(g.params, g.config.hyper()))
            .collect();
        Ok(Adam {
            core: Core::new("Adam", false, groups)?,
        })
    }

    /// The hyper-parameters (of the first group, when there are several).
    pub fn config(&self) -> AdamConfig {
        self.core.groups.first().into()
    }

    /// The hyper-parameters of each group, in order.
    pub fn group_configs(&self) -> Vec<AdamConfig> {
        self.core.groups.iter().map(|(h, _)| h.into()).collect()
    }
}

/// AdamW as `torch.optim.AdamW` computes it: [`Adam`]'s update, with the weight decay
/// decoupled from the gradient (Loshchilov & Hutter): each step first shrinks the parameter,
///
/// ```text
/// p ← p (1 - lr λ)
/// ```
///
/// and then takes Adam's step on the plain gradient `g`, so the decay is not rescaled by the
/// second moment. Everything else (moments, bias correction, where ε goes, AMSGrad, the state)
/// is Adam's.
///
/// ```
/// use autograd::{Tensor, Var};
/// use optim::{AdamW, AdamWConfig, Optimizer};
///
/// let w = Var::parameter(Tensor::from_vec(&[2], vec![1.0f64, -1.0])?);
/// let mut opt = AdamW::new(vec![w.clone()], AdamWConfig { lr: 0.1, ..Default::default() })?;
/// w.sum_all().backward()?; // a gradient of 1 everywhere
/// opt.step()?;
/// // p (1 - lr λ) - lr · m̂ / (√v̂ + ε), with m̂ = √v̂ = 1 on the first step
/// let expected = 1.0 * (1.0 - 0.1 * 0.01) - 0.1 / (1.0 + 1e-8);
/// assert!((w.value().to_vec()[0] - expected).abs() < 1e-15);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct AdamW<T: Element = f32> {
    core: Core<T>,
}

impl<T: Element> AdamW<T> {
    /// An optimizer over `params`.
    ///
    /// Errors when `params` is empty (PyTorch: "optimizer got an empty parameter list"), the
    /// learning rate, eps or weight decay is negative or not finite, or a beta is outside
    /// `[0, 1)` (PyTorch's rules).
    pub fn new(params: Vec<Var<T>>, config: AdamWConfig) -> Result<Self> {
        Self::with_groups(vec![ParamGroup::new(params, config)])
    }

    /// An optimizer over several groups of parameters, each with its own hyper-parameters
    /// (PyTorch's `AdamW([{'params': ..., 'weight_decay': 0.0}, ...])`, with every setting
    /// spelled out: `AdamWConfig { weight_decay: 0.0, ..base }`, the usual way to keep biases
    /// and norms out of the decay).
    ///
    /// Errors as [`new`](AdamW::new) does for any group, and when a group is empty or a
    /// parameter is in more than one group.
    pub fn with_groups(groups: Vec<ParamGroup<T, AdamWConfig>>) -> Result<Self> {
        let groups = groups
            .into_iter()
            .map(|g| ParamGroup::new(g.params, g.config.hyper()))
            .collect();
        Ok(AdamW {
            core: Core::new("AdamW", true, groups)?,
        })
    }

    /// The hyper-parameters (of the first group, when there are several).
    pub fn config(&self) -> AdamWConfig {
        self.core.groups.first().into()
    }

    /// The hyper-parameters of each group, in order.
    pub fn group_configs(&self) -> Vec<AdamWConfig> {
        self.core.groups.iter().map(|(h, _)| h.into()).collect()
    }
}

impl From<Hyper> for AdamConfig {
    fn from(h: Hyper) -> Self {
        AdamConfig {
            lr: h.lr,
            betas: h.betas,
            eps: h.eps,
            weight_decay: h.weight_decay,
            amsgrad: h.amsgrad,
        }
    }
}

impl From<Hyper> for AdamWConfig {
    fn from(h: Hyper) -> Self {
        AdamWConfig {
            lr: h.lr,
            betas: h.betas,
            eps: h.eps,
            weight_decay: h.weight_decay,
            amsgrad: h.amsgrad,
        }
    }
}

/// The `Debug` and [`Optimizer`] implementations of [`Adam`] and [`AdamW`], which differ only in
/// their [`Core`]'s name and decay.
macro_rules! adam_optimizer {
    ($ty:ident) => {
        impl<T: Element> std::fmt::Debug for $ty<T> {
            /// What PyTorch prints for an optimizer: its name and each group's
            /// hyper-parameters.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.core.fmt(f)
            }
        }

        impl<T: Element> Optimizer<T> for $ty<T> {
            fn step(&mut self) -> Result<()> {
                self.core.step()
            }

            fn zero_grad(&self) {
                self.core.zero_grad();
            }

            fn lr(&self) -> f64 {
                self.core.groups.first().lr
            }

            fn set_lr(&mut self, lr: f64) -> Result<()> {
                self.core.groups.set_lr(lr)
            }

            fn num_groups(&self) -> usize {
                self.core.groups.groups.len()
            }

            fn lrs(&self) -> Vec<f64> {
                self.core.groups.lrs()
            }

            fn set_group_lr(&mut self, group: usize, lr: f64) -> Result<()> {
                self.core.groups.set_group_lr(self.core.name, group, lr)
            }

            fn initial_lrs(&self) -> Vec<f64> {
                self.core.groups.initial_lrs()
            }

            fn group_params(&self, group: usize) -> Option<&[Var<T>]> {
                self.core.groups.group_params(group)
            }

            fn params(&self) -> &[Var<T>] {
                &self.core.groups.params
            }

            /// Settings `lr`, `betas[0]`, `betas[1]`, `eps`, `weight_decay`, `amsgrad` (for
            /// groups after the first, `param_groups.<g>.lr`, ..., with `param_groups`, their
            /// number); per parameter that has stepped, `step` (0-d), `exp_avg`, `exp_avg_sq`
            /// and, with AMSGrad, `max_exp_avg_sq`. The optimizer's name is the type's.
            fn state_dict(&self) -> OptimizerState<T> {
                self.core.state_dict()
            }

            fn load_state_dict(&mut self, state: &OptimizerState<T>) -> Result<()> {
                let (hypers, params) = self.core.read_state(state)?;
                self.core.groups.set_configs(hypers);
                self.core.state = params;
                Ok(())
            }
        }
    };
}

adam_optimizer!(Adam);
adam_optimizer!(AdamW);
