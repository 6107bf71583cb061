//! Parameter groups: one optimizer, several sets of parameters each with its own
//! hyper-parameters (PyTorch's `param_groups`).
//!

use crate::state::{OptimizerState, Setting};
use crate::{OptimError, Result};
use autograd::{Element, Var};
use std::ops::Range;

/// One group of parameters and the hyper-parameters they are trained with (an entry of
/// PyTorch's `param_groups`). `C` is the optimizer's configuration ([`SgdConfig`](crate::SgdConfig),
/// [`AdamConfig`](crate::AdamConfig), [`AdamWConfig`](crate::AdamWConfig)), and `with_groups`
/// makes the optimizer:
///
/// ```
/// use autograd::{Tensor, Var};
/// use optim::{Optimizer, ParamGroup, SgdConfig, SGD};
///
/// let body = Var::parameter(Tensor::from_vec(&[2], vec![1.0f64, -1.0])?);
/// let head = Var::parameter(Tensor::from_vec(&[1], vec![2.0f64])?);
/// let base = SgdConfig { lr: 0.1, momentum: 0.9, ..Default::default() };
/// let mut opt = SGD::with_groups(vec![
///     ParamGroup::new(vec![body.clone()], SgdConfig { lr: 0.01, ..base }),
///     ParamGroup::new(vec![head.clone()], base),
/// ])?;
/// assert_eq!(opt.lrs(), [0.01, 0.1]);
/// opt.set_group_lr(1, 0.05)?;
/// assert_eq!(opt.lrs(), [0.01, 0.05]);
/// assert_eq!(opt.initial_lrs(), [0.01, 0.1]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct ParamGroup<T: Element, C> {
    /// The group's parameters.
    pub params: Vec<Var<T>>,
    /// Their hyper-parameters.
    pub config: C,
}

impl<T: Element, C> ParamGroup<T, C> {
    /// A group of `params` trained with `config`.
    pub fn new(params: Vec<Var<T>>, config: C) -> Self {
        ParamGroup { params, config }
    }
}

/// What the groups need of a configuration.
pub(crate) trait GroupConfig: Copy {
    /// The learning rate.
    fn lr(&self) -> f64;
    /// Sets the learning rate (checked by the caller with [`GroupConfig::check_lr`]).
    fn set_lr(&mut self, lr: f64);
    /// Checks every hyper-parameter.
    fn validate(&self) -> Result<()>;
    /// Checks a learning rate.
    fn check_lr(&self, lr: f64) -> Result<()>;
}

/// A group as an optimizer keeps it: where its parameters are in the flat list, its current
/// configuration and the learning rate it was made with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Group<C> {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) config: C,
    pub(crate) initial_lr: f64,
}

impl<C> Group<C> {
    pub(crate) fn range(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// The parameters of all groups, flat and in order (so that state is indexed as PyTorch's is,
/// across groups), and the groups over them.
pub(crate) struct Groups<T: Element, C> {
    pub(crate) params: Vec<Var<T>>,
    pub(crate) groups: Vec<Group<C>>,
}

/// The name a group's setting has in an [`OptimizerState`]: the first group's settings keep
/// their plain names (`lr`), so a one-group state reads as it always has; later groups' are
/// `param_groups.1.lr`, ...
pub(crate) fn setting_key(group: usize, name: &str) -> String {
    if group == 0 {
        name.to_string()
    } else {
        format!("param_groups.{group}.{name}")
    }
}

/// The setting that holds the number of groups, present when there is more than one.
const NUM_GROUPS: &str = "param_groups";

impl<T: Element, C: GroupConfig> Groups<T, C> {
    /// Checks the groups as PyTorch does: at least one parameter in all, and no parameter in
    /// two groups (or twice in one); and here also no empty group, which would silently train
    /// nothing, and every configuration valid.
    pub(crate) fn new(optimizer: &str, groups: Vec<ParamGroup<T, C>>) -> Result<Self> {
        let all: Vec<Var<T>> = groups.iter().flat_map(|g| g.params.clone()).collect();
        crate::check_params(optimizer, &all)?;
        if let Some(i) = groups.iter().position(|g| g.params.is_empty()) {
            return Err(OptimError::Invalid {
                message: format!(
                    "{optimizer}: expected every parameter group to hold a parameter, found group {i} empty"
                ),
            });
        }
        let mut seen = std::collections::HashMap::new();
        let mut start = 0;
        let mut out = Vec::with_capacity(groups.len());
        for (g, group) in groups.iter().enumerate() {
            group.config.validate()?;
            for p in &group.params {
                if let Some(first) = seen.insert(p.id(), g) {
                    return Err(OptimError::Invalid {
                        message: format!(
                            "{optimizer}: expected each parameter in one group, found a parameter \
                             of shape {:?} in group {first} and again in group {g}",
                            p.shape()
                        ),
                    });
                }
            }
            let end = start + group.params.len();
            out.push(Group {
                start,
                end,
                config: group.config,
                initial_lr: group.config.lr(),
            });
            start = end;
        }
        Ok(Groups {
            params: all,
            groups: out,
        })
    }

    /// Each group's parameters with the group's configuration.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (C, &[Var<T>])> + '_ {
        self.groups
            .iter()
            .map(|g| (g.config, &self.params[g.range()]))
    }

    /// The first group's configuration.
    pub(crate) fn first(&self) -> C {
        self.groups[0].config
    }

    pub(crate) fn lrs(&self) -> Vec<f64> {
        self.groups.iter().map(|g| g.config.lr()).collect()
    }

    pub(crate) fn initial_lrs(&self) -> Vec<f64> {
        self.groups.iter().map(|g| g.initial_lr).collect()
    }

    pub(crate) fn set_lr(&mut self, lr: f64) -> Result<()> {
        self.first().check_lr(lr)?;
        for g in &mut self.groups {
            g.config.set_lr(lr);
        }
        Ok(())
    }

    pub(crate) fn set_group_lr(&mut self, optimizer: &str, group: usize, lr: f64) -> Result<()> {
        self.first().check_lr(lr)?;
        let n = self.groups.len();
        let g = self
            .groups
            .get_mut(group)
            .ok_or_else(|| OptimError::Invalid {
                message: format!(
                    "{optimizer}: expected a parameter group index below {n}, found {group}"
                ),
            })?;
        g.config.set_lr(lr);
        Ok(())
    }

    pub(crate) fn group_params(&self, group: usize) -> Option<&[Var<T>]> {
        self.groups.get(group).map(|g| &self.params[g.range()])
    }

    /// Writes each group's settings (`settings(config)` gives them by plain name) under its
    /// [`setting_key`], and the number of groups when there is more than one.
    pub(crate) fn write_settings(
        &self,
        state: &mut OptimizerState<T>,
        settings: impl Fn(&C) -> Vec<(&'static str, Setting)>,
    ) {
        for (i, g) in self.groups.iter().enumerate() {
            for (name, value) in settings(&g.config) {
                state.settings.insert(setting_key(i, name), value);
            }
        }
        if self.groups.len() > 1 {
            state
                .settings
                .insert(NUM_GROUPS.into(), Setting::Int(self.groups.len() as u64));
        }
    }

    /// Reads every group's configuration back (`read(state, key)` reads one, `key` giving a
    /// setting's name in that group), after checking that the state has as many groups as
    /// this optimizer. Each is validated.
    pub(crate) fn read_configs(
        &self,
        state: &OptimizerState<T>,
        read: impl Fn(&OptimizerState<T>, &dyn Fn(&str) -> String) -> Result<C>,
    ) -> Result<Vec<C>> {
        let found = match state.settings.get(NUM_GROUPS) {
            Some(_) => state.int(NUM_GROUPS)? as usize,
            None => 1,
        };
        if found != self.groups.len() {
            return Err(OptimError::Invalid {
                message: format!(
                    "{} state: expected {} parameter groups, found {found}",
                    state.optimizer,
                    self.groups.len()
                ),
            });
        }
        (0..found)
            .map(|g| {
                let c = read(state, &|name| setting_key(g, name))?;
                c.validate()?;
                Ok(c)
            })
            .collect()
    }

    /// Puts configurations read by [`read_configs`](Groups::read_configs) in place.
    pub(crate) fn set_configs(&mut self, configs: Vec<C>) {
        for (g, c) in self.groups.iter_mut().zip(configs) {
            g.config = c;
        }
    }

    /// PyTorch's `repr` of an optimizer: its name, then each group's settings.
    pub(crate) fn fmt(
        &self,
        optimizer: &str,
        f: &mut std::fmt::Formatter<'_>,
        settings: impl Fn(&C) -> Vec<(&'static str, String)>,
    ) -> std::fmt::Result {
        write!(f, "{optimizer} (")?;
        for (i, g) in self.groups.iter().enumerate() {
            let mut lines = settings(&g.config);
            lines.push(("params", g.range().len().to_string()));
            lines.sort_by_key(|(name, _)| *name);
            write!(f, "\nParameter Group {i}\n")?;
            for (name, value) in lines {
                writeln!(f, "    {name}: {value}")?;
            }
        }
        write!(f, ")")
    }
}

/// Writes a configuration's constructor from its learning rate (PyTorch's one argument an
/// optimizer needs) and one chainable setter per other field, so a configuration reads as
/// PyTorch's keyword arguments: `SgdConfig::new(0.1).momentum(0.9).nesterov(true)`.
macro_rules! config_setters {
    ($config:ident { $($field:ident: $ty:ty),* $(,)? }) => {
        impl $config {
            /// The defaults with learning rate `lr` (checked when the optimizer is made).
            pub fn new(lr: f64) -> Self {
                $config { lr, ..Default::default() }
            }
            $(
                #[doc = concat!("This configuration with `", stringify!($field), "` set (see the field).")]
                #[must_use]
                pub fn $field(mut self, $field: $ty) -> Self {
                    self.$field = $field;
                    self
                }
            )*
        }
    };
}
pub(crate) use config_setters;
