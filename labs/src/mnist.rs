//! Training and evaluation for the two MNIST labs: the linear softmax classifier (by hand with
//! `tensor` alone, or through `autograd` and `nn`) and the multilayer perceptron.

use crate::checkpoint::{self, Checkpointing};
use crate::common::{EpochProgress, LabError, Table};
use crate::figures;
use autograd::{no_grad_guard, Reduction, Tensor, Var};
use datasets::{BatchSampler, Split};
use nn::state_dict::{write_safetensors, Metadata};
use nn::{
    Init, Linear, LogSoftmax, Module, NLLLoss, ReLU, SafetensorsFile, Sequential, Sigmoid, Tanh,
};
use optim::{Optimizer, SgdConfig, SGD};
use rand::{rngs::StdRng, SeedableRng};
use std::path::Path;
use std::time::Instant;

/// How a run trains: the options the labs share.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// Passes over the training set.
    pub epochs: usize,
    /// Samples per step.
    pub batch_size: usize,
    /// The base learning rate; annealed by a cosine over the run down to `lr / 100` when
    /// `anneal` is set.
    pub lr: f64,
    /// Cosine annealing of the learning rate over the epochs.
    pub anneal: bool,
    /// Seeds the initial weights and the per-epoch shuffles.
    pub seed: u64,
    /// Print a progress bar and a row per epoch.
    pub verbose: bool,
    /// Stop with an error at the first loss that is NaN or infinite (on by default).
    pub check_divergence: bool,
    /// Save a checkpoint after each epoch (and resume from the last one), for the runs that
    /// support it ([`train_mlp`]).
    pub checkpoint: Option<Checkpointing>,
}

impl Default for TrainConfig {
    /// One epoch of batch 64 at lr 0.1, cosine-annealed, seed 0, quiet, divergence checked,
    /// no checkpoints.
    fn default() -> Self {
        TrainConfig {
            epochs: 1,
            batch_size: 64,
            lr: 0.1,
            anneal: true,
            seed: 0,
            verbose: false,
            check_divergence: true,
            checkpoint: None,
        }
    }
}

/// What one epoch gave.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochStats {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches.
    pub train_loss: f64,
    /// Accuracy on the test set after the epoch.
    pub test_accuracy: f64,
    /// The learning rate used in the epoch.
    pub lr: f64,
    /// Seconds spent training in the epoch (evaluation excluded).
    pub seconds: f64,
}

impl TrainConfig {
    /// The learning rate of epoch `epoch` (0-based).
    pub fn lr_at(&self, epoch: usize) -> f64 {
        crate::common::lr_at(self.lr, self.anneal, self.epochs, epoch)
    }
}

/// The shared loop: for each epoch, set the rate, run `step` on every shuffled batch (it
/// returns the batch's loss), then `evaluate` the test accuracy, then hand the statistics so
/// far to `end_of_epoch` (which may save a checkpoint). Prints progress and a table row per
/// epoch when verbose. Unless `cfg.check_divergence` is off, stops with an error at the first
/// non-finite loss, naming the step and suggesting a smaller rate.
///
/// `history` holds the epochs already done (by the run a checkpoint resumes); training starts
/// at the next one. The batch order and the rate depend only on the seed and the epoch number,
/// so a resumed run takes the same steps as one that never stopped.
pub fn train_loop(
    train: &Split,
    cfg: &TrainConfig,
    history: Vec<EpochStats>,
    mut step: impl FnMut(&Tensor<f32>, &[usize], f64) -> Result<f64, LabError>,
    mut evaluate: impl FnMut() -> Result<f64, LabError>,
    mut end_of_epoch: impl FnMut(&[EpochStats]) -> Result<(), LabError>,
) -> Result<Vec<EpochStats>, LabError> {
    let sampler = BatchSampler::new(train.len(), cfg.batch_size, true, cfg.seed, false)?;
    let table = cfg
        .verbose
        .then(|| Table::new(&["epoch", "lr", "train loss", "test acc", "seconds"]));
    let mut stats = history;
    stats.reserve(cfg.epochs.saturating_sub(stats.len()));
    if let Some(t) = &table {
        for s in &stats {
            print_epoch_row(t, s);
        }
    }
    let mut global_step = stats.len() * sampler.num_batches();
    for epoch in stats.len()..cfg.epochs {
        let lr = cfg.lr_at(epoch);
        let mut progress = cfg
            .verbose
            .then(|| EpochProgress::new(epoch + 1, cfg.epochs, sampler.num_batches()));
        let start = Instant::now();
        let (mut loss_sum, mut batches) = (0.0, 0usize);
        for batch in sampler.epoch(epoch as u64) {
            let (x, y) = train.batch(&batch)?;
            let loss = step(&x, &y, lr)?;
            global_step += 1;
            if cfg.check_divergence && !loss.is_finite() {
                return Err(format!(
                    "training diverged: the loss became {loss} at step {global_step} (epoch {}); try a smaller --lr (now {lr}), or --no-divergence-check to carry on",
                    epoch + 1
                )
                .into());
            }
            loss_sum += loss;
            batches += 1;
            if let Some(p) = progress.as_mut() {
                p.step(batch.len(), loss_sum / batches as f64);
            }
        }
        let seconds = progress
            .map(|p| p.finish())
            .unwrap_or_else(|| start.elapsed().as_secs_f64());
        let test_accuracy = evaluate()?;
        let s = EpochStats {
            epoch: epoch + 1,
            train_loss: loss_sum / batches.max(1) as f64,
            test_accuracy,
            lr,
            seconds,
        };
        if let Some(t) = &table {
            print_epoch_row(t, &s);
        }
        stats.push(s);
        end_of_epoch(&stats)?;
    }
    Ok(stats)
}

fn print_epoch_row(table: &Table, s: &EpochStats) {
    table.print_row(&[
        format!("{}", s.epoch),
        format!("{:.4}", s.lr),
        format!("{:.4}", s.train_loss),
        format!("{:.4}", s.test_accuracy),
        format!("{:.2}", s.seconds),
    ]);
}

/// The fraction of rows whose largest score is at the label.
pub fn accuracy(scores: &Tensor<f32>, labels: &[u8]) -> Result<f64, LabError> {
    let pred = scores.argmax_rows()?;
    let right = pred
        .iter()
        .zip(labels)
        .filter(|(p, &l)| **p == l as usize)
        .count();
    Ok(right as f64 / labels.len().max(1) as f64)
}

/// Scores of every row of `split`, computed in chunks of 1,000 rows by `f`.
pub fn scores_in_chunks(
    split: &Split,
    mut f: impl FnMut(&Tensor<f32>) -> Result<Tensor<f32>, LabError>,
) -> Result<Tensor<f32>, LabError> {
    let mut parts = Vec::new();
    let n = split.len();
    for start in (0..n).step_by(1000) {
        let rows = split.images.slice_rows(start..(start + 1000).min(n))?;
        parts.push(f(&rows)?);
    }
    let refs: Vec<&Tensor<f32>> = parts.iter().collect();
    Ok(Tensor::concat(&refs, 0)?)
}

/// The linear classifier `softmax(x Wᵀ + b)` trained with the `tensor` crate alone: the
/// forward pass, the gradient of the mean negative log-likelihood and the SGD update written
/// out by hand.
///
/// With logits `z = x Wᵀ + b`, probabilities `p = softmax(z)` and one-hot labels `Y`, the
/// loss `L = -(1/n) Σᵢ log p[i, yᵢ]` has `∂L/∂z = (p - Y) / n`, so `∂L/∂W = (∂L/∂z)ᵀ x` and
/// `∂L/∂b = Σᵢ ∂L/∂z[i]`.
pub struct ManualLinear {
    /// The weight, `[classes, features]` (PyTorch's `nn.Linear` layout).
    pub w: Tensor<f32>,
    /// The bias, `[classes]`.
    pub b: Tensor<f32>,
}

impl ManualLinear {
    /// PyTorch's `nn.Linear` initialisation, drawn in the same order as [`nn::Linear::new`]
    /// (weight, then bias), so the same seed gives the same starting weights as the
    /// `autograd` version.
    ///
    /// Errors when `features` is zero (the bound `1/√features` is then not finite).
    pub fn new(features: usize, classes: usize, seed: u64) -> Result<Self, LabError> {
        let mut rng = StdRng::seed_from_u64(seed);
        let bound = 1.0 / (features as f64).sqrt();
        let (lo, hi) = (-bound as f32, bound as f32);
        let w = Tensor::rand_uniform(&[classes, features], lo, hi, &mut rng)?;
        let b = Tensor::rand_uniform(&[classes], lo, hi, &mut rng)?;
        Ok(ManualLinear { w, b })
    }

    /// The logits `x Wᵀ + b`.
    pub fn logits(&self, x: &Tensor<f32>) -> Result<Tensor<f32>, LabError> {
        let mut z = x.matmul_t(false, &self.w, true)?;
        z.add_assign(&self.b)?;
        Ok(z)
    }

    /// One SGD step on a batch; returns the batch's mean loss (before the update).
    pub fn step(&mut self, x: &Tensor<f32>, y: &[usize], lr: f32) -> Result<f64, LabError> {
        let n = y.len();
        let logp = self.logits(x)?.log_softmax(1)?;
        let mut d = logp.exp(); // p
        let mut loss = 0.0f64;
        {
            let mut dv = d.view_mut();
            for (i, &c) in y.iter().enumerate() {
                loss -= f64::from(logp.array()[[i, c]]);
                dv[[i, c]] -= 1.0;
            }
        }
        d.scale_inplace(1.0 / n as f32); // ∂L/∂z
        self.w.addmm_t(-lr, &d, true, x, false)?; // W -= lr (∂L/∂z)ᵀ x
        self.b.scaled_add(-lr, &d.sum_axis(0, false)?)?;
        Ok(loss / n as f64)
    }
}

/// The result of a training run.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// One entry per epoch.
    pub stats: Vec<EpochStats>,
    /// Seconds spent in training steps (evaluation excluded).
    pub train_seconds: f64,
}

impl Run {
    fn from_stats(stats: Vec<EpochStats>) -> Self {
        let train_seconds = stats.iter().map(|s| s.seconds).sum();
        Run {
            stats,
            train_seconds,
        }
    }

    /// The test accuracy after the last epoch.
    pub fn final_accuracy(&self) -> f64 {
        self.stats.last().map_or(0.0, |s| s.test_accuracy)
    }
}

/// Trains [`ManualLinear`] (the `tensor`-only path of `mnist-linear --manual`).
pub fn train_linear_manual(
    train: &Split,
    test: &Split,
    cfg: &TrainConfig,
) -> Result<(ManualLinear, Run), LabError> {
    let model = std::cell::RefCell::new(ManualLinear::new(train.image_size(), 10, cfg.seed)?);
    let stats = train_loop(
        train,
        cfg,
        Vec::new(),
        |x, y, lr| model.borrow_mut().step(x, y, lr as f32),
        || {
            let m = model.borrow();
            accuracy(&scores_in_chunks(test, |x| m.logits(x))?, &test.labels)
        },
        |_| Ok(()),
    )?;
    Ok((model.into_inner(), Run::from_stats(stats)))
}

/// Trains the same classifier as `nn::Linear` + cross-entropy + `optim::SGD` (the default path
/// of `mnist-linear`).
pub fn train_linear_autograd(
    train: &Split,
    test: &Split,
    cfg: &TrainConfig,
) -> Result<(Linear<f32>, Run), LabError> {
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let model = Linear::<f32>::new(train.image_size(), 10, &mut rng)?;
    let opt = std::cell::RefCell::new(SGD::new(
        model.parameters(),
        SgdConfig {
            lr: cfg.lr,
            ..Default::default()
        },
    )?);
    let stats = train_loop(
        train,
        cfg,
        Vec::new(),
        |x, y, lr| {
            let mut opt = opt.borrow_mut();
            opt.set_lr(lr)?;
            let logits = model.forward(&Var::constant(x.clone()))?;
            let loss = logits.cross_entropy(y, Reduction::Mean)?;
            opt.zero_grad();
            loss.backward()?;
            opt.step()?;
            Ok(f64::from(loss.item()?))
        },
        || evaluate_module(&model, test),
        |_| Ok(()),
    )?;
    Ok((model, Run::from_stats(stats)))
}

/// Test accuracy of a module whose output's largest entry per row is the prediction.
pub fn evaluate_module(model: &dyn Module<f32>, test: &Split) -> Result<f64, LabError> {
    accuracy(&module_scores(model, test)?, &test.labels)
}

/// A module's outputs for every row of `split`, without recording a graph.
pub fn module_scores(model: &dyn Module<f32>, split: &Split) -> Result<Tensor<f32>, LabError> {
    let _g = no_grad_guard();
    scores_in_chunks(split, |x| {
        Ok(model.forward(&Var::constant(x.clone()))?.to_tensor())
    })
}

/// The hidden-layer activation of the MLP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// The logistic function (the lab path's classic choice).
    Sigmoid,
    /// The hyperbolic tangent.
    Tanh,
    /// The rectifier.
    Relu,
}

impl std::fmt::Display for Activation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
        })
    }
}

impl std::str::FromStr for Activation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "sigmoid" => Ok(Activation::Sigmoid),
            "tanh" => Ok(Activation::Tanh),
            "relu" => Ok(Activation::Relu),
            _ => Err(format!("expected sigmoid, tanh or relu, found {s:?}")),
        }
    }
}

/// `Linear(784, h₁), act, ..., Linear(hₖ, 10), LogSoftmax`, PyTorch's default initialisation
/// (Kaiming uniform for ReLU layers).
pub fn build_mlp(
    inputs: usize,
    hidden: &[usize],
    classes: usize,
    activation: Activation,
    seed: u64,
) -> Result<Sequential<f32>, LabError> {
    let mut model = mlp_layers(inputs, hidden, classes, activation, seed)?;
    model.push(Box::new(LogSoftmax::new(1)));
    Ok(model)
}

/// The layers of [`build_mlp`] without its output activation: `Linear(inputs, h₁), act, ...,
/// Linear(hₖ, outputs)`, the weights drawn from `seed` in layer order. The caller adds the head
/// (`LogSoftmax` for classes, `Sigmoid` for one probability).
pub fn mlp_layers<T: autograd::Element>(
    inputs: usize,
    hidden: &[usize],
    outputs: usize,
    activation: Activation,
    seed: u64,
) -> Result<Sequential<T>, LabError> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut model = Sequential::new();
    let mut width = inputs;
    for &h in hidden {
        let init = match activation {
            Activation::Relu => Init::KaimingUniform,
            _ => Init::PyTorchDefault,
        };
        model.push(Box::new(Linear::with_init(width, h, true, init, &mut rng)?));
        match activation {
            Activation::Sigmoid => model.push(Box::new(Sigmoid)),
            Activation::Tanh => model.push(Box::new(Tanh)),
            Activation::Relu => model.push(Box::new(ReLU)),
        }
        width = h;
    }
    model.push(Box::new(Linear::new(width, outputs, &mut rng)?));
    Ok(model)
}

/// Trains an MLP built by [`build_mlp`] with SGD (momentum `momentum`) on the negative
/// log-likelihood.
///
/// With `cfg.checkpoint`, saves the parameters and the optimizer's state after every epoch
/// ([`checkpoint::save`]), and when asked to resume, starts from the
/// latest checkpoint there, after checking it was made by a run with the same options; the
/// final weights are then those of a run that never stopped.
pub fn train_mlp(
    model: &Sequential<f32>,
    train: &Split,
    test: &Split,
    cfg: &TrainConfig,
    momentum: f64,
) -> Result<Run, LabError> {
    let opt = std::cell::RefCell::new(SGD::new(
        model.parameters(),
        SgdConfig {
            lr: cfg.lr,
            momentum,
            ..Default::default()
        },
    )?);
    let options = run_options(model, cfg, momentum);
    let mut history = Vec::new();
    if let Some(ck) = cfg.checkpoint.as_ref().filter(|c| c.resume) {
        match checkpoint::latest(&ck.dir)? {
            Some(found) => {
                found.restore(model, &mut *opt.borrow_mut(), &options)?;
                if cfg.verbose {
                    println!(
                        "resuming from {} ({} of {} epochs done)",
                        found.path.display(),
                        found.epochs_done,
                        cfg.epochs
                    );
                }
                history = found.history;
            }
            None if cfg.verbose => println!(
                "no checkpoint in {} yet: starting from epoch 1",
                ck.dir.display()
            ),
            None => {}
        }
    }
    let nll = NLLLoss::default();
    let stats = train_loop(
        train,
        cfg,
        history,
        |x, y, lr| {
            let mut opt = opt.borrow_mut();
            opt.set_lr(lr)?;
            let out = model.forward(&Var::constant(x.clone()))?;
            let loss = nll.forward(&out, y)?;
            opt.zero_grad();
            loss.backward()?;
            opt.step()?;
            Ok(f64::from(loss.item()?))
        },
        || evaluate_module(model, test),
        |stats| {
            if let Some(ck) = &cfg.checkpoint {
                checkpoint::save(&ck.dir, model, &*opt.borrow(), &options, stats)?;
            }
            Ok(())
        },
    )?;
    Ok(Run::from_stats(stats))
}

/// The options that shape an MLP run, as a checkpoint records them: a resume with any of them
/// different would be another run.
fn run_options(model: &Sequential<f32>, cfg: &TrainConfig, momentum: f64) -> Metadata {
    [
        ("run.model", model.describe()),
        ("run.epochs", cfg.epochs.to_string()),
        ("run.batch_size", cfg.batch_size.to_string()),
        ("run.lr", format!("{:?}", cfg.lr)),
        ("run.anneal", cfg.anneal.to_string()),
        ("run.seed", cfg.seed.to_string()),
        ("run.momentum", format!("{momentum:?}")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// What a saved MNIST model is, written into its safetensors metadata so that a reader (the
/// `mnist-predict` binary, `scripts/check_safetensors.py`) can rebuild it from the file alone.
///
/// Metadata keys: `architecture` (`linear` or `mlp`), `inputs`, `classes`, and for the MLP
/// `hidden` (comma-separated widths) and `activation` (`sigmoid`, `tanh`, `relu`); `output` says
/// what the model returns (`logits` for the linear model, `log_softmax` for the MLP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Architecture {
    /// `Linear(inputs, classes)`, parameters `weight`, `bias`; it returns logits.
    Linear {
        /// Input features (784 for MNIST).
        inputs: usize,
        /// Classes (10).
        classes: usize,
    },
    /// [`build_mlp`]'s `Sequential`, parameters `0.weight`, `0.bias`, `2.weight`, ...; it returns
    /// log-probabilities.
    Mlp {
        /// Input features.
        inputs: usize,
        /// Hidden layer widths.
        hidden: Vec<usize>,
        /// The hidden activation.
        activation: Activation,
        /// Classes.
        classes: usize,
    },
}

impl Architecture {
    /// The metadata that describes it.
    pub fn to_metadata(&self) -> Metadata {
        let mut m = Metadata::new();
        // safetensors.torch and the Hugging Face loaders read `format` to know the layout.
        m.insert("format".into(), "pt".into());
        match self {
            Architecture::Linear { inputs, classes } => {
                m.insert("architecture".into(), "linear".into());
                m.insert("inputs".into(), inputs.to_string());
                m.insert("classes".into(), classes.to_string());
                m.insert("output".into(), "logits".into());
            }
            Architecture::Mlp {
                inputs,
                hidden,
                activation,
                classes,
            } => {
                m.insert("architecture".into(), "mlp".into());
                m.insert("inputs".into(), inputs.to_string());
                let hidden: Vec<String> = hidden.iter().map(usize::to_string).collect();
                m.insert("hidden".into(), hidden.join(","));
                m.insert("activation".into(), activation.to_string());
                m.insert("classes".into(), classes.to_string());
                m.insert("output".into(), "log_softmax".into());
            }
        }
        m
    }

    /// The architecture a file's metadata describes; `None` when the metadata has no
    /// `architecture` (e.g. a file PyTorch saved). Errors when it has one but it is incomplete
    /// or not understood.
    pub fn from_metadata(meta: &Metadata) -> Result<Option<Self>, LabError> {
        let Some(kind) = meta.get("architecture") else {
            return Ok(None);
        };
        let get = |key: &str| {
            meta.get(key).ok_or_else(|| {
                format!("the model's metadata says architecture={kind} but has no `{key}`")
            })
        };
        let number = |key: &str| -> Result<usize, LabError> {
            let v = get(key)?;
            v.parse().map_err(|_| {
                format!("metadata `{key}`: expected a whole number, found {v:?}").into()
            })
        };
        match kind.as_str() {
            "linear" => Ok(Some(Architecture::Linear {
                inputs: number("inputs")?,
                classes: number("classes")?,
            })),
            "mlp" => {
                let hidden = get("hidden")?;
                let hidden = hidden
                    .split(',')
                    .filter(|w| !w.is_empty())
                    .map(|w| {
                        w.parse().map_err(|_| {
                            format!(
                                "metadata `hidden`: expected widths like 256,128, found {hidden:?}"
                            )
                        })
                    })
                    .collect::<Result<Vec<usize>, String>>()?;
                Ok(Some(Architecture::Mlp {
                    inputs: number("inputs")?,
                    hidden,
                    activation: get("activation")?.parse()?,
                    classes: number("classes")?,
                }))
            }
            other => Err(format!(
                "metadata `architecture`: expected linear or mlp, found {other:?}"
            )
            .into()),
        }
    }

    /// A model of this architecture (initial weights from `seed`, to be overwritten by a load).
    pub fn build(&self, seed: u64) -> Result<Box<dyn Module<f32>>, LabError> {
        Ok(match self {
            Architecture::Linear { inputs, classes } => Box::new(Linear::<f32>::new(
                *inputs,
                *classes,
                &mut StdRng::seed_from_u64(seed),
            )?),
            Architecture::Mlp {
                inputs,
                hidden,
                activation,
                classes,
            } => Box::new(build_mlp(*inputs, hidden, *classes, *activation, seed)?),
        })
    }
}

/// Saves a model's parameters (PyTorch names and layouts) with `arch` and `extra` (e.g. the
/// test accuracy) in the metadata.
pub fn save_model(
    model: &dyn Module<f32>,
    arch: &Architecture,
    extra: &[(&str, String)],
    path: &Path,
) -> Result<(), LabError> {
    let tensors: Vec<(String, Tensor<f32>)> = model
        .named_parameters()
        .into_iter()
        .map(|(n, p)| (n, p.to_tensor()))
        .collect();
    save_tensors(&tensors, arch, extra, path)
}

/// Saves [`ManualLinear`]'s weights under the names `nn::Linear` uses (`weight`, `bias`), so the
/// file is the same as the `autograd` path's.
pub fn save_manual_linear(
    model: &ManualLinear,
    extra: &[(&str, String)],
    path: &Path,
) -> Result<(), LabError> {
    let arch = Architecture::Linear {
        inputs: model.w.shape()[1],
        classes: model.w.shape()[0],
    };
    let tensors = [
        ("weight".to_string(), model.w.clone()),
        ("bias".to_string(), model.b.clone()),
    ];
    save_tensors(&tensors, &arch, extra, path)
}

fn save_tensors(
    tensors: &[(String, Tensor<f32>)],
    arch: &Architecture,
    extra: &[(&str, String)],
    path: &Path,
) -> Result<(), LabError> {
    let mut meta = arch.to_metadata();
    meta.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
    write_safetensors(path, tensors, &meta)?;
    Ok(())
}

/// Loads a model saved by [`save_model`] (or by PyTorch): the architecture comes from the file's
/// metadata, else from `fallback` (needed for files without it, such as PyTorch's). Returns the
/// model and its architecture.
///
/// Errors when neither says the architecture, or the file does not fit it (every mismatch
/// listed).
pub fn load_model(
    path: &Path,
    fallback: Option<Architecture>,
) -> Result<(Box<dyn Module<f32>>, Architecture), LabError> {
    let file = SafetensorsFile::read(path)?;
    let arch = match Architecture::from_metadata(file.metadata())? {
        Some(a) => a,
        None => fallback.ok_or_else(|| {
            format!(
                "{}: the file does not say its architecture (no `architecture` metadata); give --hidden and --activation",
                path.display()
            )
        })?,
    };
    let model = arch.build(0)?;
    file.load_into(model.as_ref())?;
    Ok((model, arch))
}

/// The `k` most probable classes of each row of `images` (`[n, features]`), most probable first,
/// with their probabilities: the softmax of the model's outputs, which gives the probabilities
/// whether the model returns logits or log-probabilities.
pub fn top_k(
    model: &dyn Module<f32>,
    images: &Tensor<f32>,
    k: usize,
) -> Result<Vec<Vec<(usize, f32)>>, LabError> {
    let _g = no_grad_guard();
    let probs = model
        .forward(&Var::constant(images.clone()))?
        .to_tensor()
        .softmax(1)?;
    let p = probs.array();
    Ok((0..probs.shape()[0])
        .map(|i| {
            let mut classes: Vec<(usize, f32)> =
                (0..probs.shape()[1]).map(|c| (c, p[[i, c]])).collect();
            classes.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            classes.truncate(k);
            classes
        })
        .collect())
}

/// Writes one predicted class per line.
pub fn write_predictions(path: &Path, predictions: &[usize]) -> Result<(), LabError> {
    let mut text = String::with_capacity(2 * predictions.len());
    for p in predictions {
        text.push_str(&p.to_string());
        text.push('\n');
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(())
}

/// Writes the learning curves (train loss; test accuracy) of a run as one PNG.
pub fn plot_learning_curves(
    path: &Path,
    title: &str,
    stats: &[EpochStats],
) -> Result<(), LabError> {
    let loss: Vec<(f64, f64)> = stats
        .iter()
        .map(|s| (s.epoch as f64, s.train_loss))
        .collect();
    let acc: Vec<(f64, f64)> = stats
        .iter()
        .map(|s| (s.epoch as f64, 100.0 * s.test_accuracy))
        .collect();
    figures::line_charts(
        path,
        &[
            figures::Panel::new(format!("{title}: training loss"), "epoch", "mean NLL loss")
                .with_series(figures::Series::new("train loss", loss)),
            figures::Panel::new(format!("{title}: test accuracy"), "epoch", "accuracy (%)")
                .with_series(figures::Series::new("test accuracy", acc)),
        ],
    )?;
    Ok(())
}

/// Which predictions a digit figure shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Correct predictions with the highest probability.
    CorrectMostCertain,
    /// Correct predictions with the lowest probability.
    CorrectLeastCertain,
    /// Wrong predictions with the highest probability for the wrong class.
    WrongMostCertain,
    /// Wrong predictions with the lowest probability for the wrong class.
    WrongLeastCertain,
}

impl Pick {
    /// All four, in the order of the figures.
    pub const ALL: [Pick; 4] = [
        Pick::CorrectMostCertain,
        Pick::CorrectLeastCertain,
        Pick::WrongMostCertain,
        Pick::WrongLeastCertain,
    ];

    /// The figure's file stem.
    pub fn file_stem(self) -> &'static str {
        match self {
            Pick::CorrectMostCertain => "correct_most_certain",
            Pick::CorrectLeastCertain => "correct_least_certain",
            Pick::WrongMostCertain => "incorrect_most_certain",
            Pick::WrongLeastCertain => "incorrect_least_certain",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Pick::CorrectMostCertain => "Correct predictions the model was most certain of",
            Pick::CorrectLeastCertain => "Correct predictions the model was least certain of",
            Pick::WrongMostCertain => "Wrong predictions the model was most certain of",
            Pick::WrongLeastCertain => "Wrong predictions the model was least certain of",
        }
    }
}

/// For each true class (one row of the grid per class), the `per_class` test digits that
/// `pick` selects, by the probability of the predicted class. `probs` is `[n, 10]`.
pub fn pick_digits(
    probs: &Tensor<f32>,
    labels: &[u8],
    pick: Pick,
    per_class: usize,
) -> Vec<Vec<usize>> {
    let pred = probs.argmax_rows().expect("probabilities are [n, classes]");
    let p = probs.array();
    (0..10)
        .map(|class| {
            let want_correct = matches!(pick, Pick::CorrectMostCertain | Pick::CorrectLeastCertain);
            let mut idx: Vec<usize> = (0..labels.len())
                .filter(|&i| labels[i] as usize == class && (pred[i] == class) == want_correct)
                .collect();
            let conf = |i: usize| p[[i, pred[i]]];
            idx.sort_by(|&a, &b| conf(b).total_cmp(&conf(a)).then(a.cmp(&b)));
            if matches!(pick, Pick::CorrectLeastCertain | Pick::WrongLeastCertain) {
                idx.reverse();
            }
            idx.truncate(per_class);
            idx
        })
        .collect()
}

/// Writes the four digit figures of a classifier into `dir`; returns their paths.
pub fn plot_digit_figures(
    dir: &Path,
    test: &Split,
    probs: &Tensor<f32>,
    per_class: usize,
) -> Result<Vec<std::path::PathBuf>, LabError> {
    let pred = probs.argmax_rows()?;
    let mut paths = Vec::new();
    for pick in Pick::ALL {
        let rows = pick_digits(probs, &test.labels, pick, per_class);
        let mut grid = figures::ImageGrid::new(
            format!("{} (one row per true class)", pick.title()),
            test.cols,
            test.rows,
            per_class,
        );
        for (class, row) in rows.iter().enumerate() {
            for slot in 0..per_class {
                match row.get(slot) {
                    Some(&i) => {
                        let image = test.images.slice_rows(i..i + 1)?.to_vec();
                        let caption = format!(
                            "true {} / pred {}\np={:.3}",
                            test.labels[i],
                            pred[i],
                            probs.array()[[i, pred[i]]]
                        );
                        grid.push(&image, caption, pred[i] != class);
                    }
                    None => grid.push(
                        &vec![0.0f32; test.rows * test.cols],
                        format!("true {class}\n(none)"),
                        false,
                    ),
                }
            }
        }
        let path = dir.join(format!("{}.png", pick.file_stem()));
        figures::image_grid(&path, &grid)?;
        paths.push(path);
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random_split(n: usize, seed: u64) -> Split {
        let mut rng = StdRng::seed_from_u64(seed);
        let images = Tensor::<f32>::rand_uniform(&[n, 16], 0.0, 1.0, &mut rng).unwrap();
        // Labels that depend on the pixels, so there is something to learn.
        let labels = (0..n)
            .map(|i| {
                let row = images.slice_rows(i..i + 1).unwrap().to_vec();
                (row.iter()
                    .take(10)
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .unwrap()
                    .0) as u8
            })
            .collect();
        Split {
            images,
            labels,
            rows: 4,
            cols: 4,
        }
    }

    fn cfg(epochs: usize) -> TrainConfig {
        TrainConfig {
            epochs,
            batch_size: 32,
            lr: 0.5,
            anneal: true,
            seed: 3,
            verbose: false,
            ..Default::default()
        }
    }

    #[test]
    fn manual_and_autograd_linear_agree_after_one_epoch() {
        let (train, test) = (random_split(512, 1), random_split(128, 2));
        let (manual, _) = train_linear_manual(&train, &test, &cfg(1)).unwrap();
        let (auto, _) = train_linear_autograd(&train, &test, &cfg(1)).unwrap();
        let dw = manual
            .w
            .sub(&auto.weight.to_tensor())
            .unwrap()
            .abs()
            .max_all()
            .unwrap();
        let db = manual
            .b
            .sub(&auto.bias.as_ref().unwrap().to_tensor())
            .unwrap()
            .abs()
            .max_all()
            .unwrap();
        assert!(
            dw < 1e-4 && db < 1e-4,
            "weights differ by {dw}, biases by {db}"
        );
        // And training moved them: they are not equal merely because nothing happened.
        let init = ManualLinear::new(16, 10, 3).unwrap();
        assert!(manual.w.sub(&init.w).unwrap().abs().max_all().unwrap() > 1e-2);
    }

    #[test]
    fn the_same_seed_gives_the_same_mlp_bit_for_bit() {
        let (train, test) = (random_split(256, 4), random_split(64, 5));
        let run = |seed| {
            let model = build_mlp(16, &[8], 10, Activation::Sigmoid, seed).unwrap();
            train_mlp(&model, &train, &test, &cfg(2), 0.9).unwrap();
            model
                .parameters()
                .iter()
                .flat_map(|p| p.to_tensor().to_vec())
                .collect::<Vec<f32>>()
        };
        assert_eq!(run(9), run(9));
        assert_ne!(run(9), run(10));
    }

    fn weights(model: &Sequential<f32>) -> Vec<f32> {
        model
            .parameters()
            .iter()
            .flat_map(|p| p.to_tensor().to_vec())
            .collect()
    }

    #[test]
    fn an_interrupted_run_resumes_to_the_same_weights_bit_for_bit() {
        let (train, test) = (random_split(256, 4), random_split(64, 5));
        let epochs = 4;
        let straight = build_mlp(16, &[8], 10, Activation::Sigmoid, 9).unwrap();
        let full = train_mlp(&straight, &train, &test, &cfg(epochs), 0.9).unwrap();

        let dir = tempfile::tempdir().unwrap();
        let with_checkpoints = |resume| TrainConfig {
            checkpoint: Some(Checkpointing {
                dir: dir.path().to_path_buf(),
                resume,
            }),
            ..cfg(epochs)
        };
        // The first run is "killed" after two epochs.
        let first = build_mlp(16, &[8], 10, Activation::Sigmoid, 9).unwrap();
        let sampler_len = BatchSampler::new(train.len(), 32, true, 3, false)
            .unwrap()
            .num_batches();
        // Two epochs of the four-epoch schedule, then the hook fails as a kill would.
        let opts = run_options(&first, &with_checkpoints(false), 0.9);
        let opt = std::cell::RefCell::new(
            SGD::new(
                first.parameters(),
                SgdConfig {
                    lr: 0.5,
                    momentum: 0.9,
                    ..Default::default()
                },
            )
            .unwrap(),
        );
        let nll = NLLLoss::default();
        let stopped = train_loop(
            &train,
            &with_checkpoints(false),
            Vec::new(),
            |x, y, lr| {
                let mut opt = opt.borrow_mut();
                opt.set_lr(lr)?;
                let loss = nll.forward(&first.forward(&Var::constant(x.clone()))?, y)?;
                opt.zero_grad();
                loss.backward()?;
                opt.step()?;
                Ok(f64::from(loss.item()?))
            },
            || evaluate_module(&first, &test),
            |stats| {
                crate::checkpoint::save(dir.path(), &first, &*opt.borrow(), &opts, stats)?;
                if stats.len() == 2 {
                    return Err("killed".into());
                }
                Ok(())
            },
        );
        assert_eq!(stopped.unwrap_err().to_string(), "killed");
        assert_eq!(opt.borrow().steps(), (2 * sampler_len) as u64);

        // A new process: fresh model and optimizer, resumed from the checkpoint.
        let resumed = build_mlp(16, &[8], 10, Activation::Sigmoid, 9).unwrap();
        let rest = train_mlp(&resumed, &train, &test, &with_checkpoints(true), 0.9).unwrap();
        assert_eq!(weights(&resumed), weights(&straight));
        assert_eq!(rest.stats.len(), epochs);
        let accuracies = |r: &Run| r.stats.iter().map(|s| s.test_accuracy).collect::<Vec<_>>();
        assert_eq!(accuracies(&rest), accuracies(&full));
        // Only the latest checkpoint is kept.
        let kept: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(kept, vec!["epoch-0004".to_string()]);

        // A resume with other options is refused, naming what differs.
        let other = build_mlp(16, &[8], 10, Activation::Sigmoid, 9).unwrap();
        let err = train_mlp(
            &other,
            &train,
            &test,
            &TrainConfig {
                seed: 4,
                ..with_checkpoints(true)
            },
            0.9,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("run.seed: this run has 4, the checkpoint 3"),
            "{err}"
        );
    }

    #[test]
    fn two_threads_train_the_same_mlp_bit_for_bit() {
        // MNIST's shapes, so that the first layer's products are split over threads.
        let mut rng = StdRng::seed_from_u64(6);
        let split = |n: usize, rng: &mut StdRng| Split {
            images: Tensor::<f32>::rand_uniform(&[n, 784], 0.0, 1.0, rng).unwrap(),
            labels: (0..n).map(|i| (i % 10) as u8).collect(),
            rows: 28,
            cols: 28,
        };
        let (train, test) = (split(256, &mut rng), split(64, &mut rng));
        let run = |threads| {
            tensor::set_num_threads(threads);
            let model = build_mlp(784, &[128], 10, Activation::Sigmoid, 2).unwrap();
            let cfg = TrainConfig {
                batch_size: 128,
                ..cfg(2)
            };
            let run = train_mlp(&model, &train, &test, &cfg, 0.9).unwrap();
            tensor::set_num_threads(1);
            let bits: Vec<u32> = weights(&model).iter().map(|w| w.to_bits()).collect();
            (
                bits,
                run.stats.iter().map(|s| s.train_loss).collect::<Vec<_>>(),
            )
        };
        let one = run(1);
        assert_eq!(one, run(2));
        let fresh = build_mlp(784, &[128], 10, Activation::Sigmoid, 2).unwrap();
        assert_ne!(
            weights(&fresh),
            one.0.iter().map(|&b| f32::from_bits(b)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn divergence_is_caught_at_its_step_unless_switched_off() {
        let (train, test) = (random_split(64, 4), random_split(16, 5));
        let model = build_mlp(16, &[8], 10, Activation::Relu, 1).unwrap();
        let huge = TrainConfig { lr: 1e30, ..cfg(1) };
        let err = train_mlp(&model, &train, &test, &huge, 0.0)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("training diverged: the loss became"),
            "{err}"
        );
        assert!(err.contains("try a smaller --lr"), "{err}");
        let model = build_mlp(16, &[8], 10, Activation::Relu, 1).unwrap();
        let unchecked = TrainConfig {
            check_divergence: false,
            ..huge
        };
        let run = train_mlp(&model, &train, &test, &unchecked, 0.0).unwrap();
        assert!(!run.stats[0].train_loss.is_finite());
    }

    #[test]
    fn both_linear_paths_save_the_same_names_and_load_back() {
        let dir = tempfile::tempdir().unwrap();
        let (train, test) = (random_split(128, 1), random_split(32, 2));
        let (manual, _) = train_linear_manual(&train, &test, &cfg(1)).unwrap();
        let (auto, _) = train_linear_autograd(&train, &test, &cfg(1)).unwrap();
        let (pm, pa) = (
            dir.path().join("m.safetensors"),
            dir.path().join("a.safetensors"),
        );
        save_manual_linear(&manual, &[("mode", "manual".into())], &pm).unwrap();
        let arch = Architecture::Linear {
            inputs: 16,
            classes: 10,
        };
        save_model(&auto, &arch, &[], &pa).unwrap();
        for (path, w) in [(&pm, &manual.w), (&pa, &auto.weight.to_tensor())] {
            let file = SafetensorsFile::read(path).unwrap();
            assert_eq!(file.names(), ["bias", "weight"]);
            assert_eq!(file.shape("weight"), Some(&[10usize, 16][..]));
            let (model, found) = load_model(path, None).unwrap();
            assert_eq!(found, arch);
            assert_eq!(&model.named_parameters()[0].1.to_tensor(), w);
        }
    }

    #[test]
    fn architectures_round_trip_through_metadata_and_bad_ones_are_errors() {
        let arch = Architecture::Mlp {
            inputs: 784,
            hidden: vec![512, 128],
            activation: Activation::Relu,
            classes: 10,
        };
        let meta = arch.to_metadata();
        assert_eq!(meta["hidden"], "512,128");
        assert_eq!(Architecture::from_metadata(&meta).unwrap(), Some(arch));
        assert_eq!(Architecture::from_metadata(&Metadata::new()).unwrap(), None);
        let mut bad = meta.clone();
        bad.insert("activation".into(), "swish".into());
        assert!(Architecture::from_metadata(&bad).is_err());
        let mut bad = meta;
        bad.remove("inputs");
        let err = Architecture::from_metadata(&bad).unwrap_err().to_string();
        assert!(err.contains("`inputs`"), "{err}");
    }

    #[test]
    fn digit_picks_follow_confidence() {
        let probs = Tensor::from_vec(
            &[4, 10],
            [
                [0.9f32, 0.1, 0., 0., 0., 0., 0., 0., 0., 0.],
                [0.6, 0.4, 0., 0., 0., 0., 0., 0., 0., 0.],
                [0.3, 0.7, 0., 0., 0., 0., 0., 0., 0., 0.],
                [0.2, 0.8, 0., 0., 0., 0., 0., 0., 0., 0.],
            ]
            .concat(),
        )
        .unwrap();
        let labels = [0u8, 0, 0, 1];
        assert_eq!(
            pick_digits(&probs, &labels, Pick::CorrectMostCertain, 5)[0],
            vec![0, 1]
        );
        assert_eq!(
            pick_digits(&probs, &labels, Pick::CorrectLeastCertain, 1)[0],
            vec![1]
        );
        assert_eq!(
            pick_digits(&probs, &labels, Pick::WrongMostCertain, 5)[0],
            vec![2]
        );
        assert_eq!(
            pick_digits(&probs, &labels, Pick::CorrectMostCertain, 5)[1],
            vec![3]
        );
    }
}
