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
use crate::train::{EpochStats, History, TrainOptions};
use nn::state_dict::{write_safetensors, Expected, Metadata};
use nn::{Module, SafetensorsFile};
use optim::{Optimizer, OptimizerState};
use std::path::{Path, PathBuf};

/// What a lab with `--checkpoint DIR [--resume]` needs: [`resume`](Checkpoints::resume) before
/// its loop and [`save`](Checkpoints::save) after every epoch. Without a folder both do nothing,
/// so the lab calls them the same way whether or not the user asked for checkpoints.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoints {
    dir: Option<PathBuf>,
    resume: bool,
    options: Metadata,
}

impl Checkpoints {
    /// Checkpoints in `dir` (none when `None`) of a run shaped by `options` ([`run_options`]);
    /// with `resume`, [`resume`](Checkpoints::resume) starts from the latest one there.
    pub fn new(dir: Option<PathBuf>, resume: bool, options: Metadata) -> Self {
        Checkpoints {
            dir,
            resume,
            options,
        }
    }

    /// When resuming and the folder holds a checkpoint: loads it into `model` and `optimizer`
    /// (after checking it was saved by a run with the same options) and returns its history, for
    /// [`Loop::resume`](crate::train::Loop::resume). Otherwise an empty history. Says on stdout
    /// where it resumed from.
    pub fn resume(
        &self,
        model: &dyn Module<f32>,
        optimizer: &mut dyn Optimizer<f32>,
    ) -> Result<History, LabError> {
        let Some(dir) = self.dir.as_deref().filter(|_| self.resume) else {
            return Ok(History::default());
        };
        match latest(dir)? {
            Some(found) => {
                found.restore(model, optimizer, &self.options)?;
                println!(
                    "resuming from {} ({} epoch{} done)",
                    found.path.display(),
                    found.epochs_done,
                    if found.epochs_done == 1 { "" } else { "s" }
                );
                Ok(found.history)
            }
            None => {
                println!(
                    "no checkpoint in {} yet: starting from epoch 1",
                    dir.display()
                );
                Ok(History::default())
            }
        }
    }

    /// Saves the state after `history.epochs.len()` epochs (see [`save`]); nothing without a
    /// folder.
    pub fn save(
        &self,
        model: &dyn Module<f32>,
        optimizer: &dyn Optimizer<f32>,
        history: &History,
    ) -> Result<(), LabError> {
        if let Some(dir) = &self.dir {
            save(dir, model, optimizer, &self.options, history)?;
        }
        Ok(())
    }
}

/// The options that shape a run, as a checkpoint records them (`run.model`, `run.epochs`,
/// `run.batch_size`, `run.lr`, `run.anneal`, `run.seed`, and `run.<key>` for each of `extra`,
/// e.g. the momentum): a resume with any of them different would be another run.
pub fn run_options(
    model: &dyn Module<f32>,
    options: &TrainOptions,
    extra: &[(&str, String)],
) -> Metadata {
    let mut meta: Metadata = [
        ("model", one_line_tree(model)),
        ("epochs", options.epochs.to_string()),
        ("batch_size", options.batch_size.to_string()),
        ("lr", format!("{:?}", options.lr)),
        ("anneal", options.anneal.to_string()),
        ("seed", options.seed.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (format!("run.{k}"), v))
    .collect();
    meta.extend(extra.iter().map(|(k, v)| (format!("run.{k}"), v.clone())));
    meta
}

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
const METRICS: &str = "checkpoint.metrics";
const START_LOSS: &str = "checkpoint.start_loss";

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
    /// The run's history up to it.
    pub history: History,
    /// The options of the run that saved it (the model file's metadata, less the checkpoint's
    /// own keys).
    pub options: Metadata,
}

/// Saves the state after `history.epochs.len()` epochs: the module's parameters with `options`
/// and the history in the metadata, and the optimizer's state; then removes older checkpoints.
pub fn save(
    dir: &Path,
    model: &dyn Module<f32>,
    optimizer: &dyn Optimizer<f32>,
    options: &Metadata,
    history: &History,
) -> Result<PathBuf, LabError> {
    let done = history.epochs.len();
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
    meta.insert(HISTORY.into(), encode_epochs(&history.epochs));
    meta.insert(METRICS.into(), history.metric_names.join(","));
    meta.insert(
        START_LOSS.into(),
        history
            .start_loss
            .map_or(String::new(), |s| format!("{s:?}")),
    );
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
    let epochs = decode_epochs(&options.remove(HISTORY).unwrap_or_default())
        .ok_or_else(|| bad("metadata checkpoint.history is malformed"))?;
    if epochs.len() != epochs_done {
        return Err(bad(&format!(
            "expected {epochs_done} epochs of history, found {}",
            epochs.len()
        ))
        .into());
    }
    let metric_names = options
        .remove(METRICS)
        .unwrap_or_default()
        .split(',')
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect();
    let start_loss = match options.remove(START_LOSS).unwrap_or_default().as_str() {
        "" => None,
        s => Some(s.parse().map_err(|_| {
            bad(&format!(
                "metadata {START_LOSS}: expected a number, found {s:?}"
            ))
        })?),
    };
    let history = History {
        metric_names,
        epochs,
        start_loss,
    };
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

/// The module tree (`nn::module_tree`) on one line: `Sequential( (0): Linear(...) (1): ... )`.
fn one_line_tree(model: &dyn Module<f32>) -> String {
    let tree = nn::module_tree(model);
    tree.lines().map(str::trim).collect::<Vec<_>>().join(" ")
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
                    one_line_tree(model)
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
            integer: false,
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

/// `epoch,lr,loss,seconds[,metric...];...` with every float in full (`{:?}` round-trips).
fn encode_epochs(epochs: &[EpochStats]) -> String {
    epochs
        .iter()
        .map(|e| {
            let mut row = format!("{},{:?},{:?},{:?}", e.epoch, e.lr, e.train_loss, e.seconds);
            for m in &e.metrics {
                row.push_str(&format!(",{m:?}"));
            }
            row
        })
        .collect::<Vec<_>>()
        .join(";")
}

fn decode_epochs(text: &str) -> Option<Vec<EpochStats>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split(';')
        .map(|row| {
            let f: Vec<&str> = row.split(',').collect();
            let [epoch, lr, loss, secs, metrics @ ..] = f.as_slice() else {
                return None;
            };
            Some(EpochStats {
                epoch: epoch.parse().ok()?,
                lr: lr.parse().ok()?,
                train_loss: loss.parse().ok()?,
                seconds: secs.parse().ok()?,
                metrics: metrics
                    .iter()
                    .map(|m| m.parse().ok())
                    .collect::<Option<Vec<f64>>>()?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::Loop;
    use autograd::{Tensor, Var};
    use nn::{Activation, LogSoftmax, Mlp, NLLLoss, Sequential};
    use optim::{Optimizer, SgdConfig, SGD};
    use rand::{rngs::StdRng, SeedableRng};

    struct Data {
        x: Tensor<f32>,
        y: Vec<usize>,
    }

    fn data() -> Data {
        let mut rng = StdRng::seed_from_u64(4);
        let x = Tensor::<f32>::rand_uniform(&[256, 16], 0.0, 1.0, &mut rng).unwrap();
        let y = (0..256).map(|i| i % 10).collect();
        Data { x, y }
    }

    fn model() -> Sequential<f32> {
        Mlp::new(16, &[8], 10, Activation::Sigmoid)
            .build(&mut StdRng::seed_from_u64(9))
            .unwrap()
            .add(LogSoftmax::new(1))
    }

    fn sgd(model: &Sequential<f32>) -> SGD<f32> {
        let config = SgdConfig {
            momentum: 0.9,
            ..Default::default()
        };
        SGD::new(model.parameters(), config).unwrap()
    }

    fn options(seed: u64) -> TrainOptions {
        TrainOptions {
            epochs: 4,
            batch_size: 32,
            lr: 0.5,
            anneal: true,
            seed,
            ..Default::default()
        }
    }

    /// Trains `model` with checkpoints in `dir` (resuming when asked); `stop_after` epochs makes
    /// the after-epoch hook fail after saving, as a kill would.
    fn train(
        model: &Sequential<f32>,
        data: &Data,
        options: &TrainOptions,
        checkpoints: &Checkpoints,
        stop_after: Option<usize>,
    ) -> Result<History, LabError> {
        let mut opt = sgd(model);
        let history = checkpoints.resume(model, &mut opt)?;
        let nll = NLLLoss::default();
        Loop::new(options, data.y.len())
            .resume(history)
            .metric("w0", |_| {
                Ok(f64::from(model.parameters()[0].to_tensor().to_vec()[0]))
            })
            .after_epoch(|opt, history| {
                checkpoints.save(model, opt, history)?;
                match stop_after {
                    Some(n) if history.epochs.len() == n => Err("killed".into()),
                    _ => Ok(()),
                }
            })
            .run(&mut opt, |opt, batch, lr| {
                let x = Var::constant(data.x.select_rows(batch)?);
                let y: Vec<usize> = batch.iter().map(|&i| data.y[i]).collect();
                let loss = nll.forward(&model.forward(&x)?, &y)?;
                opt.set_lr(lr)?;
                opt.zero_grad();
                loss.backward()?;
                opt.step()?;
                Ok(f64::from(loss.item()?))
            })
    }

    fn weights(model: &Sequential<f32>) -> Vec<u32> {
        model
            .parameters()
            .iter()
            .flat_map(|p| p.to_tensor().to_vec())
            .map(f32::to_bits)
            .collect()
    }

    #[test]
    fn an_interrupted_run_resumes_to_the_same_weights_bit_for_bit() {
        let data = data();
        let none = Checkpoints::new(None, false, Metadata::new());
        let straight = model();
        let full = train(&straight, &data, &options(3), &none, None).unwrap();

        let dir = tempfile::tempdir().unwrap();
        let checkpoints = |resume, seed| {
            let m = model();
            let meta = run_options(&m, &options(seed), &[("momentum", "0.9".into())]);
            Checkpoints::new(Some(dir.path().to_path_buf()), resume, meta)
        };
        // The first process is killed after two epochs, its checkpoint saved.
        let first = model();
        let err = train(&first, &data, &options(3), &checkpoints(false, 3), Some(2)).unwrap_err();
        assert_eq!(err.to_string(), "killed");

        // A new process: a fresh model and optimizer, resumed from the checkpoint.
        let resumed = model();
        let rest = train(&resumed, &data, &options(3), &checkpoints(true, 3), None).unwrap();
        assert_eq!(weights(&resumed), weights(&straight));
        assert_ne!(weights(&resumed), weights(&model()));
        assert_eq!(rest.losses(), full.losses());
        assert_eq!(rest.metric_series("w0"), full.metric_series("w0"));
        assert_eq!(rest.start_loss, full.start_loss);
        // Only the latest checkpoint is kept.
        let kept: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(kept, vec!["epoch-0004".to_string()]);

        // A resume with other options is refused, naming what differs.
        let err = train(&model(), &data, &options(4), &checkpoints(true, 4), None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("run.seed: this run has 4, the checkpoint 3"),
            "{err}"
        );
    }

    #[test]
    fn the_recorded_model_tells_architectures_apart() {
        let mlp = |hidden: usize| {
            Mlp::new(16, &[hidden], 10, Activation::Sigmoid)
                .build::<f32, _>(&mut StdRng::seed_from_u64(0))
                .unwrap()
        };
        let recorded = |m: &Sequential<f32>| run_options(m, &options(0), &[])["run.model"].clone();
        assert_ne!(recorded(&mlp(8)), recorded(&mlp(9)));
        assert!(!recorded(&mlp(8)).contains('\n'));
        assert!(recorded(&mlp(8)).contains("(0): Linear(in_features=16, out_features=8"));
    }

    #[test]
    fn history_round_trips_exactly() {
        let h = vec![
            EpochStats {
                epoch: 1,
                train_loss: 0.1 + 0.2,
                lr: 0.25,
                seconds: 1.0 / 3.0,
                metrics: vec![0.9549, -1e-310],
            },
            EpochStats {
                epoch: 2,
                train_loss: f64::MIN_POSITIVE,
                lr: 1e-300,
                seconds: 0.0,
                metrics: vec![],
            },
        ];
        assert_eq!(decode_epochs(&encode_epochs(&h)).unwrap(), h);
        assert_eq!(decode_epochs("").unwrap(), vec![]);
        assert!(decode_epochs("1,2,3").is_none());
        assert!(decode_epochs("1,2,3,4,x").is_none());
    }
}
