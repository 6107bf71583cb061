//! An optimizer's state as plain data, for checkpoints (PyTorch's `optimizer.state_dict()`).
//!
//! The state knows parameters only by their index in the optimizer, as PyTorch's does: naming
//! them (`0.weight.momentum_buffer`) and choosing a file format is the job of the code that
//! saves a checkpoint, which knows the model (the labs' `checkpoint` module writes it next to
//! the model's parameters as safetensors).
//!
//! ```
//! use autograd::{Tensor, Var};
//! use optim::{Optimizer, SgdConfig, SGD};
//!
//! let w = Var::parameter(Tensor::from_vec(&[2], vec![1.0f64, -1.0])?);
//! let config = SgdConfig { lr: 0.1, momentum: 0.9, ..Default::default() };
//! let mut opt = SGD::new(vec![w.clone()], config)?;
//! w.mul(&w)?.sum_all().backward()?;
//! opt.step()?;
//! let state = opt.state_dict();
//! assert_eq!(state.tensors.keys().collect::<Vec<_>>(), [&(0, "momentum_buffer".to_string())]);
//!
//! // Resume: a new optimizer over the same parameters gets the buffers, lr and step count.
//! let mut resumed = SGD::new(vec![w.clone()], SgdConfig::default())?;
//! resumed.load_state_dict(&state)?;
//! assert_eq!((resumed.steps(), resumed.lr()), (1, 0.1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use autograd::{Element, Tensor};
use std::collections::BTreeMap;
use std::fmt;

/// One hyper-parameter or counter of an optimizer's state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Setting {
    /// A real-valued hyper-parameter (`lr`, `momentum`, `betas`' parts, ...).
    Float(f64),
    /// A counter (`step`).
    Int(u64),
    /// A switch (`nesterov`, `amsgrad`).
    Bool(bool),
}

impl fmt::Display for Setting {
    /// Text that [`Setting::parse_like`] reads back exactly (floats in full).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Setting::Float(v) => write!(f, "{v:?}"),
            Setting::Int(v) => write!(f, "{v}"),
            Setting::Bool(v) => write!(f, "{v}"),
        }
    }
}

impl Setting {
    /// Reads `text` as a setting of the same kind as `self` (how a checkpoint's text metadata
    /// is read back); `None` when it does not parse.
    pub fn parse_like(&self, text: &str) -> Option<Setting> {
        match self {
            Setting::Float(_) => text.parse().ok().map(Setting::Float),
            Setting::Int(_) => text.parse().ok().map(Setting::Int),
            Setting::Bool(_) => text.parse().ok().map(Setting::Bool),
        }
    }
}

/// What an optimizer needs to continue exactly where it stopped: its hyper-parameters and
/// counters, and its tensors per parameter (PyTorch's `param_groups` and `state`).
#[derive(Debug, Clone, PartialEq)]
pub struct OptimizerState<T: Element> {
    /// Which optimizer wrote it (`"SGD"`); loading into another is an error.
    pub optimizer: String,
    /// Hyper-parameters and counters by name: `lr`, `momentum`, `step`, ...
    pub settings: BTreeMap<String, Setting>,
    /// Tensors by the index of their parameter in the optimizer and their name
    /// (`momentum_buffer`). A parameter that has had no step has none, as in PyTorch.
    pub tensors: BTreeMap<(usize, String), Tensor<T>>,
}

impl<T: Element> OptimizerState<T> {
    /// An empty state of the named optimizer.
    pub fn new(optimizer: &str) -> Self {
        OptimizerState {
            optimizer: optimizer.to_string(),
            settings: BTreeMap::new(),
            tensors: BTreeMap::new(),
        }
    }

    /// The setting `name`, or an error naming it and the optimizer.
    pub(crate) fn setting(&self, name: &str) -> crate::Result<Setting> {
        self.settings
            .get(name)
            .copied()
            .ok_or_else(|| crate::OptimError::Invalid {
                message: format!(
                    "{} state: expected a setting `{name}`, found none (it has {:?})",
                    self.optimizer,
                    self.settings.keys().collect::<Vec<_>>()
                ),
            })
    }

    pub(crate) fn float(&self, name: &str) -> crate::Result<f64> {
        match self.setting(name)? {
            Setting::Float(v) => Ok(v),
            other => Err(self.wrong_kind(name, "a number", other)),
        }
    }

    pub(crate) fn int(&self, name: &str) -> crate::Result<u64> {
        match self.setting(name)? {
            Setting::Int(v) => Ok(v),
            other => Err(self.wrong_kind(name, "a count", other)),
        }
    }

    pub(crate) fn bool(&self, name: &str) -> crate::Result<bool> {
        match self.setting(name)? {
            Setting::Bool(v) => Ok(v),
            other => Err(self.wrong_kind(name, "true or false", other)),
        }
    }

    fn wrong_kind(&self, name: &str, expected: &str, found: Setting) -> crate::OptimError {
        crate::OptimError::Invalid {
            message: format!(
                "{} state: expected `{name}` to be {expected}, found {found}",
                self.optimizer
            ),
        }
    }

    /// Errors unless the state was written by `optimizer`.
    pub(crate) fn check_optimizer(&self, optimizer: &str) -> crate::Result<()> {
        if self.optimizer != optimizer {
            return Err(crate::OptimError::Invalid {
                message: format!(
                    "{optimizer} state: expected a state written by {optimizer}, found one written by {}",
                    self.optimizer
                ),
            });
        }
        Ok(())
    }

    /// The tensors named `name`, one slot per parameter, after checking each against its
    /// parameter's shape and that none belongs to a parameter index past `shapes`. Every
    /// misfit is listed in one error.
    pub(crate) fn per_parameter(
        &self,
        name: &str,
        shapes: &[Vec<usize>],
    ) -> crate::Result<Vec<Option<Tensor<T>>>> {
        let mut out = vec![None; shapes.len()];
        let mut misfits = Vec::new();
        for ((i, key), t) in &self.tensors {
            if key != name {
                continue;
            }
            match shapes.get(*i) {
                None => misfits.push(format!(
                    "`{key}` of parameter {i}: the optimizer has {} parameters",
                    shapes.len()
                )),
                Some(s) if s.as_slice() != t.shape() => misfits.push(format!(
                    "`{key}` of parameter {i}: expected shape {s:?}, found {:?}",
                    t.shape()
                )),
                Some(_) => out[*i] = Some(t.clone()),
            }
        }
        if !misfits.is_empty() {
            return Err(crate::OptimError::Invalid {
                message: format!(
                    "{} state does not fit the parameters: {}",
                    self.optimizer,
                    misfits.join("; ")
                ),
            });
        }
        Ok(out)
    }
}
