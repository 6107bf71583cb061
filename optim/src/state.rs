//! Saving and resuming an optimizer's state as safetensors, next to the model's parameters.
//!
//! The state is named after the parameters it belongs to, as the module names them:
//! `0.weight.momentum_buffer`, `0.bias.momentum_buffer`, ... (the `momentum_buffer` of PyTorch's
//! `SGD` state), and the hyper-parameters and step count go in the file's metadata
//! (`optimizer`, `step`, `lr`, `momentum`, `dampening`, `weight_decay`, `nesterov`). The file
//! format, and the checking that reports every misfit at once, are `nn`'s
//! ([`nn::state_dict`]): one mechanism for parameters and optimizer state.
//!
//! ```
//! use autograd::{Tensor, Var};
//! use nn::{Linear, Module};
//! use optim::{Optimizer, SgdConfig, SGD};
//! use rand::{rngs::StdRng, SeedableRng};
//!
//! let dir = std::env::temp_dir().join(format!("optim-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let model = Linear::<f32>::new(3, 1, &mut StdRng::seed_from_u64(0))?;
//! let config = SgdConfig { lr: 0.1, momentum: 0.9, ..Default::default() };
//! let mut opt = SGD::new(model.parameters(), config)?;
//! let x = Var::constant(Tensor::ones(&[4, 3]));
//! model.forward(&x)?.sum_all().backward()?;
//! opt.step()?;
//! opt.save_safetensors(&model, dir.join("opt.safetensors"))?;
//!
//! // Resume: a new optimizer over the same parameters gets the buffers, lr and step count.
//! let mut resumed = SGD::new(model.parameters(), SgdConfig::default())?;
//! resumed.load_safetensors(&model, dir.join("opt.safetensors"))?;
//! assert_eq!((resumed.steps(), resumed.lr()), (1, 0.1));
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::{OptimError, Result, SgdConfig, SGD};
use autograd::{Element, Tensor};
use nn::state_dict::{write_safetensors, Expected, Metadata};
use nn::{Module, SafetensorsFile};
use std::path::Path;

/// The suffix of a momentum buffer's name: `<parameter>.momentum_buffer`.
pub const MOMENTUM_BUFFER: &str = "momentum_buffer";

impl<T: Element> SGD<T> {
    /// The names `module` gives this optimizer's parameters, in the optimizer's order.
    ///
    /// Errors when a parameter is not one of the module's.
    fn parameter_names<M: Module<T> + ?Sized>(&self, module: &M) -> Result<Vec<String>> {
        let named = module.named_parameters();
        let mut names = Vec::with_capacity(self.params().len());
        let mut strangers = Vec::new();
        for (i, p) in self.params().iter().enumerate() {
            match named.iter().find(|(_, q)| q.same_node(p)) {
                Some((name, _)) => names.push(name.clone()),
                None => strangers.push(i),
            }
        }
        if !strangers.is_empty() {
            return Err(OptimError::Invalid {
                message: format!(
                    "SGD state: the optimizer's parameters {strangers:?} are not parameters of {}, so they have no names to save or load under",
                    module.describe()
                ),
            });
        }
        Ok(names)
    }

    /// Saves the momentum buffers (named `<parameter>.momentum_buffer` after `module`'s names for
    /// the parameters) and, in the metadata, the hyper-parameters and step count. Parameters
    /// without a buffer yet (no step, or no momentum) are left out, as in PyTorch.
    ///
    /// Errors when a parameter of the optimizer is not one of `module`'s, or the file cannot be
    /// written.
    pub fn save_safetensors<M: Module<T> + ?Sized>(
        &self,
        module: &M,
        path: impl AsRef<Path>,
    ) -> Result<()> {
        let names = self.parameter_names(module)?;
        let tensors: Vec<(String, Tensor<T>)> = names
            .iter()
            .zip(self.momentum_buffers())
            .filter_map(|(n, b)| Some((format!("{n}.{MOMENTUM_BUFFER}"), b.clone()?)))
            .collect();
        let c = self.config();
        let metadata: Metadata = [
            ("optimizer", "SGD".to_string()),
            ("step", self.steps().to_string()),
            ("lr", c.lr.to_string()),
            ("momentum", c.momentum.to_string()),
            ("dampening", c.dampening.to_string()),
            ("weight_decay", c.weight_decay.to_string()),
            ("nesterov", c.nesterov.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        write_safetensors(path, &tensors, &metadata)?;
        Ok(())
    }

    /// Restores what [`save_safetensors`](SGD::save_safetensors) wrote: the momentum buffers,
    /// the hyper-parameters (the learning rate included, as PyTorch's `load_state_dict` does)
    /// and the step count. Nothing changes unless all of it fits.
    ///
    /// Errors when the file cannot be read, is not an SGD state, has a hyper-parameter missing
    /// or out of range, or has buffers that do not fit the parameters (every misfit listed, in
    /// [`OptimError::State`]).
    pub fn load_safetensors<M: Module<T> + ?Sized>(
        &mut self,
        module: &M,
        path: impl AsRef<Path>,
    ) -> Result<()> {
        let names = self.parameter_names(module)?;
        let file = SafetensorsFile::read(path)?;
        let meta = file.metadata();
        let invalid = |message: String| OptimError::Invalid {
            message: format!("SGD state in {}: {message}", file.path().display()),
        };
        if meta.get("optimizer").map(String::as_str) != Some("SGD") {
            return Err(invalid(format!(
                "expected metadata optimizer=SGD, found {:?}",
                meta.get("optimizer")
            )));
        }
        fn field<V: std::str::FromStr>(
            meta: &Metadata,
            key: &str,
        ) -> std::result::Result<V, String> {
            let text = meta
                .get(key)
                .ok_or_else(|| format!("the metadata has no `{key}`"))?;
            text.parse()
                .map_err(|_| format!("cannot parse metadata `{key}` = {text:?}"))
        }
        let parsed = (|| -> std::result::Result<(SgdConfig, u64), String> {
            let config = SgdConfig {
                lr: field(meta, "lr")?,
                momentum: field(meta, "momentum")?,
                dampening: field(meta, "dampening")?,
                weight_decay: field(meta, "weight_decay")?,
                nesterov: field(meta, "nesterov")?,
            };
            Ok((config, field(meta, "step")?))
        })();
        let (config, steps) = parsed.map_err(invalid)?;
        config.validate()?;
        let expected: Vec<Expected> = names
            .iter()
            .zip(self.params())
            .map(|(n, p)| Expected {
                name: format!("{n}.{MOMENTUM_BUFFER}"),
                shape: p.shape(),
                // A parameter that never had a gradient has no buffer.
                required: false,
            })
            .collect();
        let buffers = file.take::<T>(&expected)?;
        self.restore(config, buffers, steps);
        Ok(())
    }
}
