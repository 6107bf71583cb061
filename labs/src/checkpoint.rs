//! Checkpoints of a training run, so that an interrupted run loses nothing: after each epoch the
//! model's parameters and the optimizer's state are saved, and `--resume` continues from the
//! last one to the same final weights, bit for bit, as an uninterrupted run with the same seed.
//!
//! That holds because everything else a run depends on is a function of its options and the
//! epoch number: the batch order ([`datasets::BatchSampler`] shuffles from `(seed, epoch)`), the
//! learning rate (a schedule of the epoch). So a checkpoint holds the parameters, the optimizer
//! state, the epochs done with their statistics, and the options that shaped the run, which a
//! resume checks against its own before it changes anything.
//!
//! Layout: `DIR/epoch-0007/model.safetensors` and `DIR/epoch-0007/optimizer.safetensors`. Each
//! checkpoint is written into `DIR/.epoch-0007.partial/` and then renamed into place, so a run
//! killed mid-write leaves the previous checkpoint whole; older checkpoints are removed once a
//! newer one is in place.

use crate::common::LabError;
use crate::mnist::EpochStats;
use nn::state_dict::{write_safetensors, Expected, Metadata};
use nn::{Module, SafetensorsFile};
use optim::{Optimizer, OptimizerState};
use std::path::{Path, PathBuf};

/// Where a run saves its checkpoints, and whether it starts from the last one there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpointing {
    /// The folder of the checkpoints (created when missing).
    pub dir: PathBuf,
    /// Continue from the latest checkpoint in `dir`, if there is one.
    pub resume: bool,
}

const MODEL_FILE: &str = "model.safetensors";
const OPTIMIZER_FILE: &str = "optimizer.safetensors";
/// Metadata keys of the model file that are the checkpoint's own, not the run's options.
const EPOCHS_DONE: &str = "checkpoint.epochs_done";
const HISTORY: &str = "checkpoint.history";

fn epoch_dir(dir: &Path, epochs_done: usize) -> PathBuf {
    dir.join(format!("epoch-{epochs_done:04}"))
}

/// One saved checkpoint, found by [`latest`].
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// Its folder (`DIR/epoch-NNNN`).
    pub path: PathBuf,
    /// The epochs it had completed.
    pub epochs_done: usize,
    /// Their statistics, in order.
    pub history: Vec<EpochStats>,
    /// The options of the run that saved it (the model file's metadata, less the checkpoint's
    /// own keys).
    pub options: Metadata,
}

/// Saves the state after `history.len()` epochs: the module's parameters with `options` and
/// the history in the metadata, and the optimizer's state; then removes older checkpoints.
pub fn save(
    dir: &Path,
    model: &dyn Module<f32>,
    optimizer: &dyn Optimizer<f32>,
    options: &Metadata,
    history: &[EpochStats],
) -> Result<PathBuf, LabError> {
    let done = history.len();
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the checkpoint folder {}: {e}", dir.display()))?;
    let partial = dir.join(format!(".epoch-{done:04}.partial"));
    if partial.exists() {
        std::fs::remove_dir_all(&partial)
            .map_err(|e| format!("cannot clear {}: {e}", partial.display()))?;
    }
    std::fs::create_dir(&partial)
        .map_err(|e| format!("cannot create {}: {e}", partial.display()))?;
    let mut meta = options.clone();
    meta.insert(EPOCHS_DONE.into(), done.to_string());
    meta.insert(HISTORY.into(), encode_history(history));
    nn::save_safetensors_with_metadata(model, partial.join(MODEL_FILE), &meta)?;
    save_optimizer(model, optimizer, &partial.join(OPTIMIZER_FILE))?;
    let target = epoch_dir(dir, done);
    if target.exists() {
        std::fs::remove_dir_all(&target)
            .map_err(|e| format!("cannot replace {}: {e}", target.display()))?;
    }
    std::fs::rename(&partial, &target).map_err(|e| {
        format!(
            "cannot move {} to {}: {e}",
            partial.display(),
            target.display()
        )
    })?;
    for (older, _) in list(dir)?.into_iter().filter(|(_, n)| *n < done) {
        std::fs::remove_dir_all(&older)
            .map_err(|e| format!("cannot remove the old checkpoint {}: {e}", older.display()))?;
    }
    Ok(target)
}

/// The complete checkpoints in `dir` (`epoch-NNNN` folders), with their epoch counts.
fn list(dir: &Path) -> Result<Vec<(PathBuf, usize)>, LabError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(format!("cannot read the checkpoint folder {}: {e}", dir.display()).into())
        }
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let name = entry.file_name();
        let Some(n) = name
            .to_str()
            .and_then(|s| s.strip_prefix("epoch-"))
            .and_then(|s| s.parse::<usize>().ok())
        else {
            continue;
        };
        found.push((entry.path(), n));
    }
    found.sort_by_key(|&(_, n)| n);
    Ok(found)
}

/// The latest complete checkpoint in `dir`, or `None` when there is none (or no folder).
///
/// Errors when its model file cannot be read or its metadata is not a checkpoint's.
pub fn latest(dir: &Path) -> Result<Option<Checkpoint>, LabError> {
    let Some((path, _)) = list(dir)?.pop() else {
        return Ok(None);
    };
    let file = SafetensorsFile::read(path.join(MODEL_FILE))?;
    let mut options = file.metadata().clone();
    let bad = |what: &str| format!("{}: {what}", path.join(MODEL_FILE).display());
    let epochs_done = options
        .remove(EPOCHS_DONE)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("expected metadata checkpoint.epochs_done, a number"))?;
    let history = decode_history(&options.remove(HISTORY).unwrap_or_default())
        .ok_or_else(|| bad("metadata checkpoint.history is malformed"))?;
    if history.len() != epochs_done {
        return Err(bad(&format!(
            "expected {epochs_done} epochs of history, found {}",
            history.len()
        ))
        .into());
    }
    Ok(Some(Checkpoint {
        path,
        epochs_done,
        history,
        options,
    }))
}

impl Checkpoint {
    /// Loads the checkpoint into `model` and `optimizer`, after checking that it was saved by a
    /// run with the same `options` (every key that differs is named in one error): resuming
    /// another run's checkpoint would silently give a run that is neither.
    pub fn restore(
        &self,
        model: &dyn Module<f32>,
        optimizer: &mut dyn Optimizer<f32>,
        options: &Metadata,
    ) -> Result<(), LabError> {
        let keys: std::collections::BTreeSet<&String> =
            options.keys().chain(self.options.keys()).collect();
        let differ: Vec<String> = keys
            .into_iter()
            .filter(|k| options.get(*k) != self.options.get(*k))
            .map(|k| {
                format!(
                    "{k}: this run has {}, the checkpoint {}",
                    options.get(k).map_or("nothing", String::as_str),
                    self.options.get(k).map_or("nothing", String::as_str)
                )
            })
            .collect();
        if !differ.is_empty() {
            return Err(format!(
                "cannot resume from {}: it was saved by a run with other options ({}); use the \
                 same options, or another --checkpoint folder",
                self.path.display(),
                differ.join("; ")
            )
            .into());
        }
        nn::load_safetensors(model, self.path.join(MODEL_FILE))?;
        load_optimizer(model, optimizer, &self.path.join(OPTIMIZER_FILE))?;
        Ok(())
    }
}

/// The names `model` gives the optimizer's parameters, in the optimizer's order.
///
/// Errors when a parameter of the optimizer is not one of the model's.
fn parameter_names(
    model: &dyn Module<f32>,
    optimizer: &dyn Optimizer<f32>,
) -> Result<Vec<String>, LabError> {
    let named = model.named_parameters();
    let mut names = Vec::new();
    for (i, p) in optimizer.params().iter().enumerate() {
        match named.iter().find(|(_, q)| q.same_node(p)) {
            Some((name, _)) => names.push(name.clone()),
            None => {
                return Err(format!(
                    "the optimizer's parameter {i} is not a parameter of {}, so its state has no name to be saved under",
                    model.describe()
                )
                .into())
            }
        }
    }
    Ok(names)
}

/// Saves an optimizer's state as safetensors: each tensor named after its parameter as the
/// model names it (`0.weight.momentum_buffer`, PyTorch's state names), and the optimizer's
/// name, hyper-parameters and step count in the metadata.
pub fn save_optimizer(
    model: &dyn Module<f32>,
    optimizer: &dyn Optimizer<f32>,
    path: &Path,
) -> Result<(), LabError> {
    let names = parameter_names(model, optimizer)?;
    let state = optimizer.state_dict();
    let tensors: Vec<(String, tensor::Tensor<f32>)> = state
        .tensors
        .into_iter()
        .map(|((i, key), t)| (format!("{}.{key}", names[i]), t))
        .collect();
    let mut metadata: Metadata = state
        .settings
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    metadata.insert("optimizer".into(), state.optimizer);
    write_safetensors(path, &tensors, &metadata)?;
    Ok(())
}

/// Restores what [`save_optimizer`] wrote into `optimizer`. Nothing changes unless all of it
/// fits: the optimizer's kind, every setting it has, and every tensor's parameter and shape.
pub fn load_optimizer(
    model: &dyn Module<f32>,
    optimizer: &mut dyn Optimizer<f32>,
    path: &Path,
) -> Result<(), LabError> {
    let names = parameter_names(model, optimizer)?;
    let file = SafetensorsFile::read(path)?;
    let bad = |what: String| -> LabError { format!("{}: {what}", path.display()).into() };
    let meta = file.metadata();
    let template = optimizer.state_dict();
    let mut state = OptimizerState::new(meta.get("optimizer").map_or("", String::as_str));
    for (key, kind) in &template.settings {
        let text = meta.get(key).ok_or_else(|| {
            bad(format!(
                "expected the setting `{key}` in the metadata, found none"
            ))
        })?;
        let value = kind
            .parse_like(text)
            .ok_or_else(|| bad(format!("cannot read the setting `{key}` = {text:?}")))?;
        state.settings.insert(key.clone(), value);
    }
    // Each tensor belongs to the parameter whose name prefixes it (the longest, so that
    // `0.weight` is not taken for `0.weight_scale`).
    let mut expected = Vec::new();
    let mut owners = Vec::new();
    for name in file.names() {
        let owner = names
            .iter()
            .enumerate()
            .filter(|(_, p)| name.starts_with(&format!("{p}.")))
            .max_by_key(|(_, p)| p.len())
            .ok_or_else(|| {
                bad(format!(
                    "the tensor `{name}` belongs to no parameter of the model"
                ))
            })?;
        owners.push((owner.0, name[owner.1.len() + 1..].to_string()));
        expected.push(Expected {
            name: name.to_string(),
            shape: file.shape(name).unwrap_or_default().to_vec(),
            required: true,
        });
    }
    for ((i, key), t) in owners.into_iter().zip(file.take::<f32>(&expected)?) {
        state
            .tensors
            .insert((i, key), t.expect("required tensors are present"));
    }
    optimizer.load_state_dict(&state)?;
    Ok(())
}

/// `epoch,lr,loss,accuracy,seconds;...` with every float in full (`{:?}` round-trips).
fn encode_history(history: &[EpochStats]) -> String {
    history
        .iter()
        .map(|s| {
            format!(
                "{},{:?},{:?},{:?},{:?}",
                s.epoch, s.lr, s.train_loss, s.test_accuracy, s.seconds
            )
        })
        .collect::<Vec<_>>()
        .join(";")
}

fn decode_history(text: &str) -> Option<Vec<EpochStats>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split(';')
        .map(|row| {
            let f: Vec<&str> = row.split(',').collect();
            let [epoch, lr, loss, acc, secs] = f.as_slice() else {
                return None;
            };
            Some(EpochStats {
                epoch: epoch.parse().ok()?,
                lr: lr.parse().ok()?,
                train_loss: loss.parse().ok()?,
                test_accuracy: acc.parse().ok()?,
                seconds: secs.parse().ok()?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_round_trips_exactly() {
        let h = vec![
            EpochStats {
                epoch: 1,
                train_loss: 0.1 + 0.2,
                test_accuracy: 0.9549,
                lr: 0.25,
                seconds: 1.0 / 3.0,
            },
            EpochStats {
                epoch: 2,
                train_loss: f64::MIN_POSITIVE,
                test_accuracy: 1.0,
                lr: 1e-300,
                seconds: 0.0,
            },
        ];
        assert_eq!(decode_history(&encode_history(&h)).unwrap(), h);
        assert_eq!(decode_history("").unwrap(), vec![]);
        assert!(decode_history("1,2,3").is_none());
    }
}
