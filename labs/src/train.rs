//! The one training loop of every lab: epochs of seeded, shuffled mini-batches, the learning rate
//! of each epoch (constant, or cosine-annealed), a stop when the loss diverges, a progress bar and
//! a table of the epochs, and hooks for what a lab measures after an epoch and what it saves.
//!
//! The loop knows nothing of the model, the loss or the optimizer: the lab's `step` closure takes
//! one step on a batch (forward, loss, `zero_grad`, `backward`, `step`) and returns the batch's
//! loss, so that the lab's own code shows what the course is about. The optimizer (or whatever
//! holds the trained state) is handed to the loop, which lends it to `step`, and read-only to the
//! hooks that measure and save between epochs:
//! ```
//! use autograd::{Tensor, Var};
//! use labs::train::{Loop, TrainOptions};
//! use nn::{MSELoss, Module};
//! use optim::{Optimizer, SgdConfig, SGD};
//!
//! // y = 3x, to be learned by w.
//! let x = Tensor::from_vec(&[8, 1], (0..8).map(|i| i as f64 / 8.0).collect())?;
//! let y = x.map(|v| 3.0 * v);
//! let w = Var::parameter(Tensor::zeros(&[1]));
//! let mse = MSELoss::default();
//! let mut sgd = SGD::new(vec![w.clone()], SgdConfig::default())?;
//! let options = TrainOptions { epochs: 200, batch_size: 4, lr: 0.5, ..Default::default() };
//! let history = Loop::new(&options, 8)
//!     .metric("w", |_| Ok(w.value().to_vec()[0]))
//!     .run(&mut sgd, |sgd, batch, lr| {
//!         let pred = Var::constant(x.select_rows(batch)?).mul(&w)?;
//!         let loss = mse.forward(&pred, &Var::constant(y.select_rows(batch)?))?;
//!         sgd.set_lr(lr)?;
//!         sgd.zero_grad();
//!         loss.backward()?;
//!         sgd.step()?;
//!         Ok(loss.item()?)
//!     })?;
//! assert!((history.metric("w").unwrap() - 3.0).abs() < 1e-3);
//! assert_eq!(history.epochs.len(), 200);
//! # Ok::<(), labs::common::LabError>(())
//! ```

use crate::common::{LabError, RunProgress, Table};
use datasets::BatchSampler;
use std::time::Instant;

/// How a run trains: the options every lab shares.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    /// Passes over the data.
    pub epochs: usize,
    /// Samples per step; a batch size above the number of samples means full-batch descent.
    pub batch_size: usize,
    /// The base learning rate.
    pub lr: f64,
    /// Anneal the rate by a cosine over the epochs down to `lr / 100` ([`TrainOptions::lr_at`]).
    pub anneal: bool,
    /// Seeds the order of the samples in each epoch.
    pub seed: u64,
    /// Draw a progress bar and print the table of epochs.
    pub verbose: bool,
    /// Measure (and, when verbose, print a table row) every this many epochs; the last epoch is
    /// always measured. 1 measures every epoch.
    pub log_every: usize,
    /// Stop with an error when the loss diverges: a batch loss that is NaN or infinite, or an
    /// epoch's mean loss more than [`DIVERGENCE_FACTOR`] times the loss the run started at.
    pub check_divergence: bool,
}

impl Default for TrainOptions {
    /// One epoch of batch 64 at lr 0.1, constant, seed 0, quiet, every epoch measured,
    /// divergence checked.
    fn default() -> Self {
        TrainOptions {
            epochs: 1,
            batch_size: 64,
            lr: 0.1,
            anneal: false,
            seed: 0,
            verbose: false,
            log_every: 1,
            check_divergence: true,
        }
    }
}

impl TrainOptions {
    /// Checks what a user could have mistyped: at least one epoch and one sample per batch, a
    /// finite learning rate above 0.
    pub fn check(&self) -> Result<(), LabError> {
        if self.epochs == 0 {
            return Err("--epochs must be at least 1, found 0".into());
        }
        if self.batch_size == 0 {
            return Err("--batch-size must be at least 1, found 0".into());
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(format!("--lr must be a finite number > 0, found {}", self.lr).into());
        }
        Ok(())
    }

    /// The learning rate of epoch `epoch` (0-based): `lr`, or with `anneal` a cosine from `lr`
    /// down to `lr / 100` (PyTorch's `CosineAnnealingLR` with `T_max = epochs`).
    pub fn lr_at(&self, epoch: usize) -> f64 {
        use optim::{CosineAnnealingLR, LrSchedule};
        if self.anneal {
            CosineAnnealingLR {
                t_max: self.epochs,
                eta_min: self.lr / 100.0,
            }
            .lr(self.lr, epoch)
        } else {
            self.lr
        }
    }
}

/// How far above the loss a run started at an epoch's mean loss may rise before the run counts
/// as diverged. Training that works lowers the loss; one that climbs a hundredfold has left the
/// region where the rate is small enough.
pub const DIVERGENCE_FACTOR: f64 = 100.0;

/// The loss a run "started at" is the mean loss of its first steps, over at least this many
/// samples (or the whole data, if smaller): one sample can happen to sit on the model already.
const START_SAMPLES: usize = 64;

/// What one epoch gave.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochStats {
    /// 1-based epoch number.
    pub epoch: usize,
    /// The learning rate used in the epoch.
    pub lr: f64,
    /// Mean loss over the epoch's batches.
    pub train_loss: f64,
    /// Seconds spent in the epoch's steps (measuring excluded).
    pub seconds: f64,
    /// The values of the loop's metrics after the epoch, in the order of
    /// [`History::metric_names`]; empty for an epoch that was not measured.
    pub metrics: Vec<f64>,
}

/// Everything a run has done so far: what [`Loop::run`] returns, what a checkpoint saves and a
/// resumed run continues.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    /// The names of the metrics, in the order of [`EpochStats::metrics`].
    pub metric_names: Vec<String>,
    /// One entry per epoch done.
    pub epochs: Vec<EpochStats>,
    /// The loss the run started at (the divergence check's yardstick), once known.
    pub start_loss: Option<f64>,
}

impl History {
    /// The mean training loss of each epoch.
    pub fn losses(&self) -> Vec<f64> {
        self.epochs.iter().map(|e| e.train_loss).collect()
    }

    /// The mean training loss of the last epoch (NaN before the first).
    pub fn final_loss(&self) -> f64 {
        self.epochs.last().map_or(f64::NAN, |e| e.train_loss)
    }

    /// The value of metric `name` after the last measured epoch.
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.metric_series(name).last().map(|&(_, v)| v)
    }

    /// The value of metric `name` after each measured epoch, as `(epoch, value)`.
    pub fn metric_series(&self, name: &str) -> Vec<(usize, f64)> {
        let Some(i) = self.metric_names.iter().position(|n| n == name) else {
            return Vec::new();
        };
        self.epochs
            .iter()
            .filter_map(|e| e.metrics.get(i).map(|&v| (e.epoch, v)))
            .collect()
    }

    /// Seconds spent in training steps over all epochs.
    pub fn train_seconds(&self) -> f64 {
        self.epochs.iter().map(|e| e.seconds).sum()
    }
}

/// What the loop measures after an epoch: a name and a function of the trained state.
type Metric<'a, S> = (String, Box<dyn FnMut(&S) -> Result<f64, LabError> + 'a>);
/// What the loop calls after every epoch, with the history so far (e.g. to save a checkpoint).
type AfterEpoch<'a, S> = Box<dyn FnMut(&S, &History) -> Result<(), LabError> + 'a>;

/// The training loop over `samples` samples, built with its hooks and then [run](Loop::run) with
/// the state to train (an optimizer, or a model that updates itself).
pub struct Loop<'a, S> {
    options: &'a TrainOptions,
    samples: usize,
    resumed: History,
    metrics: Vec<Metric<'a, S>>,
    after_epoch: Option<AfterEpoch<'a, S>>,
    per_step: bool,
}

impl<'a, S> Loop<'a, S> {
    /// A loop over samples `0..samples`, visited in a shuffled order drawn from
    /// `(options.seed, epoch)` only.
    pub fn new(options: &'a TrainOptions, samples: usize) -> Self {
        Loop {
            options,
            samples,
            resumed: History::default(),
            metrics: Vec::new(),
            after_epoch: None,
            per_step: false,
        }
    }

    /// With [`TrainOptions::anneal`], moves the learning rate along its cosine at every step
    /// rather than every epoch (PyTorch's `CosineAnnealingLR` stepped after each batch, with
    /// `T_max` the run's number of steps), from `lr` down to `lr / 100`. The table shows each
    /// epoch's first rate.
    pub fn anneal_per_step(mut self) -> Self {
        self.per_step = true;
        self
    }

    /// Measures `f` after each measured epoch (see [`TrainOptions::log_every`]) under `name`:
    /// a column of the table and an entry of [`EpochStats::metrics`].
    pub fn metric(mut self, name: &str, f: impl FnMut(&S) -> Result<f64, LabError> + 'a) -> Self {
        self.metrics.push((name.to_string(), Box::new(f)));
        self
    }

    /// Calls `f` after every epoch with the history so far, after the epoch was measured.
    pub fn after_epoch(mut self, f: impl FnMut(&S, &History) -> Result<(), LabError> + 'a) -> Self {
        self.after_epoch = Some(Box::new(f));
        self
    }

    /// Continues a run that stopped after `history.epochs.len()` epochs (from a checkpoint):
    /// training starts at the next epoch. The batch order and the rate depend only on the seed
    /// and the epoch number, so the resumed run takes the same steps as one that never stopped.
    pub fn resume(mut self, history: History) -> Self {
        self.resumed = history;
        self
    }

    /// Runs the remaining epochs: for each, the rate of the epoch, then `step(state, batch,
    /// lr)` on every batch of sample indices (returning the batch's loss), then the metrics, a
    /// table row, and the `after_epoch` hook. Returns the history of the whole run.
    ///
    /// Errors when the options are invalid, the resumed history was measured with other
    /// metrics, a hook fails, or (unless `check_divergence` is off) the loss diverges; the
    /// divergence error names the step or epoch, the loss, and the `--lr` given.
    pub fn run(
        mut self,
        state: &mut S,
        mut step: impl FnMut(&mut S, &[usize], f64) -> Result<f64, LabError>,
    ) -> Result<History, LabError> {
        let o = self.options;
        o.check()?;
        let names: Vec<String> = self.metrics.iter().map(|(n, _)| n.clone()).collect();
        let mut history = std::mem::take(&mut self.resumed);
        if !history.epochs.is_empty() && history.metric_names != names {
            return Err(format!(
                "cannot resume: the run measured {:?}, this one measures {names:?}",
                history.metric_names
            )
            .into());
        }
        history.metric_names = names;
        let sampler = BatchSampler::new(
            self.samples,
            o.batch_size.min(self.samples),
            true,
            o.seed,
            false,
        )?;
        let done = history.epochs.len();
        let mut progress = o
            .verbose
            .then(|| RunProgress::new(o.epochs, sampler.num_batches(), done));
        let table = progress.as_ref().map(|p| {
            let mut headers = vec!["epoch", "lr", "train loss"];
            headers.extend(history.metric_names.iter().map(String::as_str));
            headers.push("seconds");
            p.suspend(|| {
                let t = Table::new(&headers);
                for e in &history.epochs {
                    print_row(&t, e);
                }
                t
            })
        });
        let mut start = StartLoss::new(self.samples.min(START_SAMPLES), history.start_loss);
        let mut global_step = done * sampler.num_batches();
        for epoch in done..o.epochs {
            let steps = o.epochs * sampler.num_batches();
            let per_step = self.per_step && o.anneal;
            let lr = match per_step {
                true => per_step_lr(o, global_step, steps),
                false => o.lr_at(epoch),
            };
            let clock = Instant::now();
            let (mut sum, mut batches) = (0.0, 0usize);
            for batch in sampler.epoch(epoch as u64) {
                let step_lr = match per_step {
                    true => per_step_lr(o, global_step, steps),
                    false => lr,
                };
                let loss = step(state, &batch, step_lr)?;
                global_step += 1;
                if o.check_divergence && !loss.is_finite() {
                    return Err(format!(
                        "training diverged: the loss became {loss} at step {global_step} (epoch {}); try a smaller --lr (you gave {})",
                        epoch + 1,
                        o.lr
                    )
                    .into());
                }
                start.observe(loss, batch.len());
                sum += loss;
                batches += 1;
                if let Some(p) = progress.as_mut() {
                    p.step(epoch + 1, batch.len(), sum / batches as f64);
                }
            }
            let seconds = clock.elapsed().as_secs_f64();
            let train_loss = sum / batches.max(1) as f64;
            history.start_loss = start.value();
            if let Some(s) = history
                .start_loss
                .filter(|&s| o.check_divergence && s > 0.0)
            {
                if train_loss > DIVERGENCE_FACTOR * s {
                    return Err(format!(
                        "training diverged: the mean loss of epoch {} was {train_loss:.4e}, over {DIVERGENCE_FACTOR} times the {s:.4e} it started at; try a smaller --lr (you gave {})",
                        epoch + 1,
                        o.lr
                    )
                    .into());
                }
            }
            let measured = epoch + 1 == o.epochs || (epoch + 1) % o.log_every.max(1) == 0;
            let metrics = if measured {
                let state = &*state;
                self.metrics
                    .iter_mut()
                    .map(|(_, f)| f(state))
                    .collect::<Result<Vec<f64>, LabError>>()?
            } else {
                Vec::new()
            };
            let stats = EpochStats {
                epoch: epoch + 1,
                lr,
                train_loss,
                seconds,
                metrics,
            };
            if let (Some(t), Some(p), true) = (&table, &progress, measured) {
                p.suspend(|| print_row(t, &stats));
            }
            history.epochs.push(stats);
            if let Some(f) = self.after_epoch.as_mut() {
                f(state, &history)?;
            }
        }
        if let Some(p) = progress {
            p.finish();
        }
        Ok(history)
    }
}

/// The cosine of [`TrainOptions::lr_at`], over `steps` steps instead of the epochs.
fn per_step_lr(o: &TrainOptions, step: usize, steps: usize) -> f64 {
    use optim::{CosineAnnealingLR, LrSchedule};
    CosineAnnealingLR {
        t_max: steps,
        eta_min: o.lr / 100.0,
    }
    .lr(o.lr, step)
}

/// The mean loss of a run's first steps, over at least `samples` samples.
struct StartLoss {
    samples: usize,
    seen: usize,
    sum: f64,
    known: Option<f64>,
}

impl StartLoss {
    fn new(samples: usize, known: Option<f64>) -> Self {
        StartLoss {
            samples,
            seen: 0,
            sum: 0.0,
            known,
        }
    }

    fn observe(&mut self, loss: f64, batch: usize) {
        if self.known.is_none() {
            self.sum += loss * batch as f64;
            self.seen += batch;
            if self.seen >= self.samples {
                self.known = Some(self.sum / self.seen as f64);
            }
        }
    }

    fn value(&self) -> Option<f64> {
        self.known
    }
}

/// A metric or loss for the table: four decimals, or scientific notation when that would hide it.
fn format_value(v: f64) -> String {
    if v == 0.0 || (1e-3..1e5).contains(&v.abs()) {
        format!("{v:.4}")
    } else {
        format!("{v:.3e}")
    }
}

fn print_row(table: &Table, e: &EpochStats) {
    let mut cells = vec![
        e.epoch.to_string(),
        format!("{:.4}", e.lr),
        format_value(e.train_loss),
    ];
    cells.extend(e.metrics.iter().map(|&v| format_value(v)));
    cells.push(format!("{:.2}", e.seconds));
    table.print_row(&cells);
}

#[cfg(test)]
mod tests {
    use super::*;
    use autograd::{Tensor, Var};
    use nn::MSELoss;
    use optim::{Optimizer, SgdConfig, SGD};

    /// y = 2x + 1 on eight points, fitted by a line through autograd.
    struct Line {
        x: Tensor<f64>,
        y: Tensor<f64>,
        w: Var<f64>,
        b: Var<f64>,
    }

    impl Line {
        fn new() -> Self {
            let x =
                Tensor::from_vec(&[8, 1], (0..8).map(|i| i as f64 / 4.0 - 1.0).collect()).unwrap();
            let y = x.map(|v| 2.0 * v + 1.0);
            Line {
                x,
                y,
                w: Var::parameter(Tensor::zeros(&[1])),
                b: Var::parameter(Tensor::zeros(&[1])),
            }
        }

        fn sgd(&self) -> SGD<f64> {
            SGD::new(vec![self.w.clone(), self.b.clone()], SgdConfig::default()).unwrap()
        }

        fn step(&self, sgd: &mut SGD<f64>, batch: &[usize], lr: f64) -> Result<f64, LabError> {
            let x = Var::constant(self.x.select_rows(batch)?);
            let pred = x.mul(&self.w)?.add(&self.b)?;
            let loss =
                MSELoss::default().forward(&pred, &Var::constant(self.y.select_rows(batch)?))?;
            sgd.set_lr(lr)?;
            sgd.zero_grad();
            loss.backward()?;
            sgd.step()?;
            Ok(loss.item()?)
        }
    }

    fn options(epochs: usize, lr: f64) -> TrainOptions {
        TrainOptions {
            epochs,
            batch_size: 2,
            lr,
            seed: 3,
            ..Default::default()
        }
    }

    #[test]
    fn the_loop_takes_every_batch_of_every_epoch_at_the_scheduled_rate() {
        let line = Line::new();
        let mut sgd = line.sgd();
        let mut seen = Vec::new();
        let opts = TrainOptions {
            anneal: true,
            log_every: 2,
            ..options(5, 0.1)
        };
        let history = Loop::new(&opts, 8)
            .metric("w", |_| Ok(line.w.value().to_vec()[0]))
            .run(&mut sgd, |sgd, batch, lr| {
                seen.push((batch.to_vec(), lr));
                line.step(sgd, batch, lr)
            })
            .unwrap();
        assert_eq!(seen.len(), 5 * 4);
        for epoch in 0..5 {
            let mut all: Vec<usize> = seen[4 * epoch..4 * epoch + 4]
                .iter()
                .flat_map(|(b, _)| b.clone())
                .collect();
            all.sort();
            assert_eq!(all, (0..8).collect::<Vec<_>>(), "epoch {epoch}");
            assert!(seen[4 * epoch..4 * epoch + 4]
                .iter()
                .all(|(_, lr)| *lr == opts.lr_at(epoch)));
        }
        assert_eq!(opts.lr_at(0), 0.1);
        assert!(
            (opts.lr_at(4)
                - 0.1 * (0.01 + 0.99 * (1.0 + (0.8 * std::f64::consts::PI).cos()) / 2.0))
                .abs()
                < 1e-12
        );
        // Measured at epochs 2 and 4 (every second), and 5 (the last).
        let measured: Vec<usize> = history.metric_series("w").iter().map(|&(e, _)| e).collect();
        assert_eq!(measured, [2, 4, 5]);
        assert_eq!(history.metric("w"), Some(line.w.value().to_vec()[0]));
        assert_eq!(history.metric("b"), None);
        assert!(history.losses()[4] < history.losses()[0]);
    }

    #[test]
    fn a_resumed_run_ends_where_an_uninterrupted_one_does() {
        let straight = Line::new();
        let mut sgd = straight.sgd();
        let full = Loop::new(&options(6, 0.2), 8)
            .run(&mut sgd, |sgd, b, lr| straight.step(sgd, b, lr))
            .unwrap();

        // The first process stops after three epochs (a failing hook stands for the kill)...
        let first = Line::new();
        let mut sgd = first.sgd();
        let mut saved = None;
        let err = Loop::new(&options(6, 0.2), 8)
            .after_epoch(|sgd: &SGD<f64>, h| {
                if h.epochs.len() == 3 {
                    saved = Some((
                        h.clone(),
                        first.w.to_tensor(),
                        first.b.to_tensor(),
                        sgd.steps(),
                    ));
                    return Err("killed".into());
                }
                Ok(())
            })
            .run(&mut sgd, |sgd, b, lr| first.step(sgd, b, lr))
            .unwrap_err();
        assert_eq!(err.to_string(), "killed");
        let (history, w, b, steps) = saved.unwrap();
        assert_eq!(steps, 3 * 4);

        // ...and the second continues from what it saved (plain SGD keeps no other state).
        let second = Line::new();
        *second.w.value_mut() = w;
        *second.b.value_mut() = b;
        let mut sgd = second.sgd();
        let rest = Loop::new(&options(6, 0.2), 8)
            .resume(history)
            .run(&mut sgd, |sgd, b, lr| second.step(sgd, b, lr))
            .unwrap();
        assert_eq!(second.w.to_tensor(), straight.w.to_tensor());
        assert_eq!(second.b.to_tensor(), straight.b.to_tensor());
        assert_eq!(rest.losses(), full.losses());
        assert_eq!(rest.start_loss, full.start_loss);
    }

    #[test]
    fn a_loss_that_is_not_finite_or_climbs_far_is_divergence_naming_the_lr() {
        let line = Line::new();
        let mut sgd = line.sgd();
        let err = Loop::new(&options(50, 10.0), 8)
            .run(&mut sgd, |sgd, b, lr| line.step(sgd, b, lr))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("training diverged: the mean loss of epoch "),
            "{err}"
        );
        assert!(err.contains("over 100 times the"), "{err}");
        assert!(err.contains("try a smaller --lr (you gave 10)"), "{err}");

        let mut calls = 0;
        let err = Loop::new(&options(2, 0.1), 8)
            .run(&mut line.sgd(), |_, _, _| {
                calls += 1;
                Ok(if calls == 3 { f64::NAN } else { 1.0 })
            })
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "training diverged: the loss became NaN at step 3 (epoch 1); try a smaller --lr (you gave 0.1)"
        );

        // Switched off, the run carries on to its end.
        let unchecked = TrainOptions {
            check_divergence: false,
            ..options(3, 10.0)
        };
        let line = Line::new();
        let history = Loop::new(&unchecked, 8)
            .run(&mut line.sgd(), |sgd, b, lr| line.step(sgd, b, lr))
            .unwrap();
        assert_eq!(history.epochs.len(), 3);
        assert!(history.final_loss() > DIVERGENCE_FACTOR * history.start_loss.unwrap());
    }

    #[test]
    fn a_start_on_the_model_is_no_yardstick_until_enough_samples_are_seen() {
        // The first batch costs nothing, the next ones do: the start is their mean, not 0.
        let losses = [0.0, 4.0, 4.0, 4.0];
        let mut i = 0;
        let history = Loop::new(&options(3, 0.1), 8)
            .run(&mut (), |_, _, _| {
                let l = losses[i.min(3)];
                i += 1;
                Ok(l)
            })
            .unwrap();
        assert_eq!(history.start_loss, Some(3.0));
    }

    #[test]
    fn options_a_user_could_mistype_are_errors_naming_them() {
        for (bad, says) in [
            (
                TrainOptions {
                    epochs: 0,
                    ..Default::default()
                },
                "--epochs must be at least 1, found 0",
            ),
            (
                TrainOptions {
                    batch_size: 0,
                    ..Default::default()
                },
                "--batch-size must be at least 1, found 0",
            ),
            (
                TrainOptions {
                    lr: -1.0,
                    ..Default::default()
                },
                "--lr must be a finite number > 0, found -1",
            ),
            (
                TrainOptions {
                    lr: f64::NAN,
                    ..Default::default()
                },
                "found NaN",
            ),
        ] {
            let err = Loop::new(&bad, 4)
                .run(&mut (), |_, _, _| Ok(1.0))
                .unwrap_err()
                .to_string();
            assert!(err.contains(says), "{err}");
        }
    }
}
