//! The gradient-descent playground: what the six small 2-D labs share.
//!
//! - [`train_sgd`]: the one training loop (seeded mini-batches, `optim::SGD`, optional cosine
//!   annealing, a progress bar over the run, a table row every so many epochs).
//! - Lines `y = w x + b` ([`fit_line`], [`least_squares`], [`line_loss`]) for `two-points-sgd`
//!   and `regression-sgd`.
//! - Classifiers of 2-D points ([`Classifier`]: a one-layer perceptron or an MLP, with a sigmoid
//!   head for two classes or a log-softmax head for more) for `classification-sgd`, `xor-mlp`,
//!   `three-donuts-mlp` and `six-donuts-mlp` ([`run_donuts_lab`] is the whole of the last two).
//! - The figures: fitted lines at a few moments ([`plot_line_fits`]), the "weights search" (a
//!   loss surface over two weights with the path SGD took, [`plot_weights_search`]), decision
//!   regions ([`plot_regions`]) and the loss curve ([`plot_loss_curve`]).
//!
//! Everything runs in `f64`: the lines must end within 1e-3 of exact answers, and these models
//! are too small for `f32` to be any faster.

use crate::common::{check_lr, result_line, EpochProgress, LabError, Table};
use crate::figures;
use crate::mnist::{mlp_layers, Activation};
use autograd::{no_grad_guard, Reduction, Tensor, Var};
use datasets::synthetic::{donuts, Classification};
use datasets::BatchSampler;
use nn::{BCELoss, Linear, LogSoftmax, MSELoss, Module, NLLLoss, Sequential, Sigmoid};
use optim::{Optimizer, SgdConfig, SGD};
use std::path::Path;
use std::time::Instant;

/// How a playground run trains.
#[derive(Debug, Clone, PartialEq)]
pub struct SgdOptions {
    /// Passes over the data.
    pub epochs: usize,
    /// Samples per step; a batch size above the data size means full-batch gradient descent.
    pub batch_size: usize,
    /// The base learning rate.
    pub lr: f64,
    /// SGD momentum (0 for plain SGD).
    pub momentum: f64,
    /// Anneal the learning rate by a cosine over the epochs down to `lr / 100`.
    pub anneal: bool,
    /// Seeds the order of the samples (and, in the labs, the initial weights).
    pub seed: u64,
    /// Draw a progress bar and print the table.
    pub verbose: bool,
    /// Print a table row every this many epochs (and after the last); 0 for none.
    pub log_every: usize,
}

impl SgdOptions {
    /// Checks the options a user gives on the command line: at least one epoch and one sample
    /// per batch, a finite positive learning rate, a momentum in `[0, 1)`.
    pub fn check(&self) -> Result<(), LabError> {
        if self.epochs == 0 {
            return Err("--epochs must be at least 1".into());
        }
        if self.batch_size == 0 {
            return Err("--batch-size must be at least 1".into());
        }
        check_lr(self.lr)?;
        if !(self.momentum.is_finite() && (0.0..1.0).contains(&self.momentum)) {
            return Err(format!("--momentum must be in [0, 1), found {}", self.momentum).into());
        }
        Ok(())
    }

    /// The learning rate of epoch `epoch` (0-based).
    pub fn lr_at(&self, epoch: usize) -> f64 {
        crate::common::lr_at(self.lr, self.anneal, self.epochs, epoch)
    }
}

/// Trains `params` by SGD over `n` samples: each epoch visits them in a seeded shuffled order,
/// `batch_loss` gives the loss of a batch of sample indices, then come `zero_grad`, `backward`
/// and the update, then `after_step(step, loss)` (steps counted from 1).
///
/// After each epoch `on_epoch(epoch, mean_loss)` (epochs counted from 1) may return a row for
/// the table whose `headers` are given; rows are printed when verbose, every
/// `opts.log_every` epochs and after the last. Returns the mean loss of each epoch.
///
/// Errors at the first non-finite loss (suggesting a smaller `--lr`) or when `opts` is invalid.
pub fn train_sgd(
    params: Vec<Var<f64>>,
    n: usize,
    opts: &SgdOptions,
    headers: &[&str],
    mut batch_loss: impl FnMut(&[usize]) -> Result<Var<f64>, LabError>,
    mut after_step: impl FnMut(usize, f64),
    mut on_epoch: impl FnMut(usize, f64) -> Result<Vec<String>, LabError>,
) -> Result<Vec<f64>, LabError> {
    opts.check()?;
    let sampler = BatchSampler::new(n, opts.batch_size.min(n), true, opts.seed, false)?;
    let mut opt = SGD::new(
        params,
        SgdConfig {
            lr: opts.lr,
            momentum: opts.momentum,
            ..Default::default()
        },
    )?;
    let progress = opts.verbose.then(|| EpochProgress::whole_run(opts.epochs));
    let table = match &progress {
        Some(p) if opts.log_every > 0 => Some(p.suspend(|| Table::new(headers))),
        _ => None,
    };
    let mut progress = progress;
    let mut losses = Vec::with_capacity(opts.epochs);
    let mut step = 0usize;
    for epoch in 0..opts.epochs {
        let lr = opts.lr_at(epoch);
        opt.set_lr(lr)?;
        let mut sum = 0.0;
        let mut batches = 0usize;
        for batch in sampler.epoch(epoch as u64) {
            let loss = batch_loss(&batch)?;
            opt.zero_grad();
            loss.backward()?;
            opt.step()?;
            let loss = loss.item()?;
            step += 1;
            if !loss.is_finite() {
                return Err(format!(
                    "training diverged: the loss became {loss} at step {step} (epoch {}); try a smaller --lr (now {lr})",
                    epoch + 1
                )
                .into());
            }
            after_step(step, loss);
            sum += loss;
            batches += 1;
        }
        let mean = sum / batches as f64;
        losses.push(mean);
        let last = epoch + 1 == opts.epochs;
        if let Some(p) = progress.as_mut() {
            p.step(n, mean);
        }
        if let (Some(t), Some(p)) = (&table, &progress) {
            if (epoch + 1) % opts.log_every == 0 || last {
                let row = on_epoch(epoch + 1, mean)?;
                p.suspend(|| t.print_row(&row));
            }
        }
    }
    if let Some(p) = progress {
        p.finish();
    }
    Ok(losses)
}

// ---------------------------------------------------------------------------------------------
// Lines: y = w x + b
// ---------------------------------------------------------------------------------------------

/// One point of an SGD path over a line's two parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinePoint {
    /// Steps taken so far (0 is the start).
    pub step: usize,
    /// The slope after that step.
    pub w: f64,
    /// The intercept after that step.
    pub b: f64,
    /// The mean squared error over the whole data at `(w, b)`.
    pub loss: f64,
}

/// A line fitted by [`fit_line`].
#[derive(Debug, Clone, PartialEq)]
pub struct LineFit {
    /// The fitted slope.
    pub w: f64,
    /// The fitted intercept.
    pub b: f64,
    /// The start and every step after it.
    pub path: Vec<LinePoint>,
    /// The mean batch loss of each epoch.
    pub epoch_losses: Vec<f64>,
}

/// `x w + b` for inputs `x` `[n, 1]` and parameters `w`, `b` of shape `[1]`.
fn line_forward(x: &Var<f64>, w: &Var<f64>, b: &Var<f64>) -> Result<Var<f64>, LabError> {
    Ok(x.mul(w)?.add(b)?)
}

/// The mean squared error of the line `y = w x + b` on `x`, `y` (`[n, 1]` each), computed with
/// the same `nn::MSELoss` the training uses.
pub fn line_loss(x: &Tensor<f64>, y: &Tensor<f64>, w: f64, b: f64) -> Result<f64, LabError> {
    let _g = no_grad_guard();
    let pred = line_forward(
        &Var::constant(x.clone()),
        &Var::constant(Tensor::from_vec(&[1], vec![w])?),
        &Var::constant(Tensor::from_vec(&[1], vec![b])?),
    )?;
    Ok(MSELoss::default()
        .forward(&pred, &Var::constant(y.clone()))?
        .item()?)
}

/// The least-squares line through `x`, `y` in closed form: `w = cov(x, y) / var(x)`,
/// `b = ȳ - w x̄`. Errors when all `x` are equal (no unique line).
pub fn least_squares(x: &Tensor<f64>, y: &Tensor<f64>) -> Result<(f64, f64), LabError> {
    let (xs, ys) = (x.to_vec(), y.to_vec());
    let n = xs.len() as f64;
    let mx = xs.iter().sum::<f64>() / n;
    let my = ys.iter().sum::<f64>() / n;
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    if sxx <= 0.0 {
        return Err("least squares: all x are equal, no unique line".into());
    }
    let w = sxy / sxx;
    Ok((w, my - w * mx))
}

/// Fits `y = w x + b` to `x`, `y` (`[n, 1]` each) by SGD on the mean squared error, through
/// autograd: `w` and `b` are `Var` parameters starting at `start`, the loss is `nn::MSELoss`,
/// the update `optim::SGD`. Records `(w, b, loss over all data)` after every step. The table
/// (when verbose) shows epoch, step, w, b and that loss.
pub fn fit_line(
    x: &Tensor<f64>,
    y: &Tensor<f64>,
    start: (f64, f64),
    opts: &SgdOptions,
) -> Result<LineFit, LabError> {
    let w = Var::parameter(Tensor::from_vec(&[1], vec![start.0])?);
    let b = Var::parameter(Tensor::from_vec(&[1], vec![start.1])?);
    // Shared by the step hook (which appends) and the epoch hook (which reads the last point).
    let path = std::cell::RefCell::new(vec![LinePoint {
        step: 0,
        w: start.0,
        b: start.1,
        loss: line_loss(x, y, start.0, start.1)?,
    }]);
    let mse = MSELoss::new(Reduction::Mean);
    let n = x.shape()[0];
    let mut failure = None;
    let epoch_losses = train_sgd(
        vec![w.clone(), b.clone()],
        n,
        opts,
        &["epoch", "step", "w", "b", "loss (all data)"],
        |idx| {
            let xb = Var::constant(x.select_rows(idx)?);
            let yb = Var::constant(y.select_rows(idx)?);
            Ok(mse.forward(&line_forward(&xb, &w, &b)?, &yb)?)
        },
        |step, _| {
            let (wv, bv) = (w.value().to_vec()[0], b.value().to_vec()[0]);
            match line_loss(x, y, wv, bv) {
                Ok(loss) => path.borrow_mut().push(LinePoint {
                    step,
                    w: wv,
                    b: bv,
                    loss,
                }),
                Err(e) => failure = Some(e),
            }
        },
        |epoch, _| {
            let p = *path.borrow().last().expect("the path has its start");
            Ok(vec![
                epoch.to_string(),
                p.step.to_string(),
                fmt_param(p.w),
                fmt_param(p.b),
                format!("{:.3e}", p.loss),
            ])
        },
    )?;
    if let Some(e) = failure {
        return Err(e);
    }
    let path = path.into_inner();
    let last = *path.last().expect("the path has its start");
    Ok(LineFit {
        w: last.w,
        b: last.b,
        path,
        epoch_losses,
    })
}

/// A parameter for the table: six decimals, or scientific notation once SGD has diverged far.
fn fmt_param(v: f64) -> String {
    if v.abs() < 1e6 {
        format!("{v:.6}")
    } else {
        format!("{v:.3e}")
    }
}

/// Up to `k` steps to show of a run of `total` steps: 0, then geometrically spaced up to
/// `total` (training moves fast early and slowly late), without repeats.
pub fn snapshot_steps(total: usize, k: usize) -> Vec<usize> {
    let mut steps = vec![0];
    for i in 1..k.max(2) {
        let s = (total as f64)
            .powf(i as f64 / (k.max(2) - 1) as f64)
            .round() as usize;
        let s = s.min(total);
        if steps.last() != Some(&s) {
            steps.push(s);
        }
    }
    steps
}

/// The data with the line at a few moments of training (`moments` snapshots, grey to black)
/// and, when given, a reference line (e.g. the exact or least-squares line) in colour.
pub fn plot_line_fits(
    file: &Path,
    title: &str,
    x: &Tensor<f64>,
    y: &Tensor<f64>,
    fit: &LineFit,
    moments: usize,
    reference: Option<(&str, f64, f64)>,
) -> Result<(), LabError> {
    let points: Vec<(f64, f64)> = x.to_vec().into_iter().zip(y.to_vec()).collect();
    let classes = vec![0; points.len()];
    // Room around the data, so the early lines show where they were.
    let (xr, yr) = search_ranges(&points, 0.25);
    let mut fig = figures::Scatter::new(title, "x", "y", points, classes)
        .with_class_names(["data"])
        .with_view(xr, yr);
    let total = fit.path.len() - 1;
    for s in snapshot_steps(total, moments) {
        let p = fit.path[s];
        fig = fig.with_line(figures::Line::slope(
            format!("step {}: y = {:.3} x {:+.3}", p.step, p.w, p.b),
            p.w,
            p.b,
        ));
    }
    if let Some((name, w, b)) = reference {
        fig = fig.with_line(
            figures::Line::slope(format!("{name}: y = {w:.3} x {b:+.3}"), w, b)
                .with_color(figures::class_color(3)),
        );
    }
    figures::scatter(file, &fig)?;
    Ok(())
}

/// The rectangle a weights-search figure covers: the bounding box of `points` (the path and
/// the minimum), widened by `pad` of its size on each side (at least 0.5 in each direction, so
/// a short path still shows its surroundings).
pub fn search_ranges(points: &[(f64, f64)], pad: f64) -> ((f64, f64), (f64, f64)) {
    let fin = points.iter().filter(|p| p.0.is_finite() && p.1.is_finite());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for p in fin {
        x0 = x0.min(p.0);
        x1 = x1.max(p.0);
        y0 = y0.min(p.1);
        y1 = y1.max(p.1);
    }
    if x0 > x1 {
        return ((-1.0, 1.0), (-1.0, 1.0));
    }
    let widen = |lo: f64, hi: f64| {
        let d = ((hi - lo) * pad).max(0.5);
        (lo - d, hi + d)
    };
    (widen(x0, x1), widen(y0, y1))
}

/// The "weights search": `loss(a, b)` over a grid of `cells` × `cells` covering the path and
/// `minimum`, as a heat map (log colours) with contour lines, and the path SGD took from its
/// start (circle) to its end (cross).
#[allow(clippy::too_many_arguments)]
pub fn plot_weights_search(
    file: &Path,
    title: &str,
    axis_labels: (&str, &str),
    path: &[(f64, f64)],
    minimum: (f64, f64),
    cells: usize,
    mut loss: impl FnMut(f64, f64) -> Result<f64, LabError>,
) -> Result<(), LabError> {
    let mut all = path.to_vec();
    all.push(minimum);
    let (xr, yr) = search_ranges(&all, 0.15);
    let values = figures::grid_cell_centers(xr, yr, cells, cells)
        .into_iter()
        .map(|(a, b)| loss(a, b))
        .collect::<Result<Vec<f64>, LabError>>()?;
    let map = figures::HeatMap::new(
        title,
        axis_labels.0,
        axis_labels.1,
        xr,
        yr,
        cells,
        cells,
        values,
    )
    .with_log_color()
    .with_contours(12)
    .with_value_label("loss")
    .with_path(
        format!("SGD path ({} steps)", path.len() - 1),
        path.to_vec(),
    );
    figures::heat_map(file, &map)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Classifiers of 2-D points
// ---------------------------------------------------------------------------------------------

/// The output of a [`Classifier`] and the loss that goes with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Head {
    /// One output squashed by `Sigmoid`: the probability of class 1, trained with
    /// `nn::BCELoss` (two classes).
    Sigmoid,
    /// One output per class through `LogSoftmax`, trained with `nn::NLLLoss`.
    LogSoftmax,
}

/// A classifier of 2-D points: a `Sequential` ending in its [`Head`].
pub struct Classifier {
    /// The network, head included.
    pub model: Sequential<f64>,
    /// Which head it ends in.
    pub head: Head,
}

impl Classifier {
    /// The single-layer perceptron `Sigmoid(Linear(2, 1))` (PyTorch's default initialisation
    /// from `seed`).
    pub fn perceptron(seed: u64) -> Result<Self, LabError> {
        Self::mlp(&[], 2, Activation::Sigmoid, seed)
    }

    /// An MLP `2 → hidden... → outputs` with `activation` between layers: one sigmoid output
    /// for two classes, else `classes` log-softmax outputs. With no hidden layer it is a
    /// perceptron (or softmax regression).
    pub fn mlp(
        hidden: &[usize],
        classes: usize,
        activation: Activation,
        seed: u64,
    ) -> Result<Self, LabError> {
        if classes < 2 || hidden.contains(&0) {
            return Err(format!(
                "a classifier needs at least 2 classes and non-empty layers, found {classes} classes and hidden {hidden:?}"
            )
            .into());
        }
        let (outputs, head) = if classes == 2 {
            (1, Head::Sigmoid)
        } else {
            (classes, Head::LogSoftmax)
        };
        let mut model = mlp_layers::<f64>(2, hidden, outputs, activation, seed)?;
        match head {
            Head::Sigmoid => model.push(Box::new(Sigmoid)),
            Head::LogSoftmax => model.push(Box::new(LogSoftmax::new(1))),
        }
        Ok(Classifier { model, head })
    }

    /// The loss of the rows `idx` of `data` (recording the graph).
    pub fn loss(&self, data: &Classification<f64>, idx: &[usize]) -> Result<Var<f64>, LabError> {
        let out = self
            .model
            .forward(&Var::constant(data.x.select_rows(idx)?))?;
        Ok(match self.head {
            Head::Sigmoid => {
                BCELoss::default().forward(&out, &Var::constant(data.y.select_rows(idx)?))?
            }
            Head::LogSoftmax => {
                let labels: Vec<usize> = idx.iter().map(|&i| data.labels[i]).collect();
                NLLLoss::default().forward(&out, &labels)?
            }
        })
    }

    /// The network's output for points `[n, 2]`, without recording a graph: `[n, 1]`
    /// probabilities of class 1, or `[n, classes]` log-probabilities.
    pub fn outputs(&self, x: &Tensor<f64>) -> Result<Tensor<f64>, LabError> {
        let _g = no_grad_guard();
        Ok(self.model.forward(&Var::constant(x.clone()))?.to_tensor())
    }

    /// The predicted class of each point of `x` `[n, 2]`.
    pub fn predict(&self, x: &Tensor<f64>) -> Result<Vec<usize>, LabError> {
        let out = self.outputs(x)?;
        Ok(match self.head {
            Head::Sigmoid => out
                .to_vec()
                .into_iter()
                .map(|p| usize::from(p > 0.5))
                .collect(),
            Head::LogSoftmax => out.argmax_rows()?,
        })
    }

    /// The fraction of `data` classified right.
    pub fn accuracy(&self, data: &Classification<f64>) -> Result<f64, LabError> {
        let pred = self.predict(&data.x)?;
        let right = pred
            .iter()
            .zip(&data.labels)
            .filter(|(p, l)| p == l)
            .count();
        Ok(right as f64 / data.len() as f64)
    }
}

/// The binary cross-entropy over all of `data` of the perceptron `Sigmoid(w · x + b)` with the
/// given weights (the same `nn` modules the training uses, without recording a graph): one
/// point of the weights-search surface of `classification-sgd`.
pub fn perceptron_loss(data: &Classification<f64>, w: (f64, f64), b: f64) -> Result<f64, LabError> {
    let _g = no_grad_guard();
    let layer = Linear::from_parameters(
        Var::constant(Tensor::from_vec(&[1, 2], vec![w.0, w.1])?),
        Some(Var::constant(Tensor::from_vec(&[1], vec![b])?)),
    )?;
    let p = Sigmoid.forward(&layer.forward(&Var::constant(data.x.clone()))?)?;
    Ok(BCELoss::default()
        .forward(&p, &Var::constant(data.y.clone()))?
        .item()?)
}

/// Trains `clf` on `data` with [`train_sgd`]; `after_step` runs after each update (e.g. to
/// record the weights). The table shows the epoch, its learning rate and mean loss, and the
/// training accuracy. Returns the mean loss of each epoch.
pub fn train_classifier(
    clf: &Classifier,
    data: &Classification<f64>,
    opts: &SgdOptions,
    after_step: impl FnMut(usize, f64),
) -> Result<Vec<f64>, LabError> {
    train_sgd(
        clf.model.parameters(),
        data.len(),
        opts,
        &["epoch", "lr", "loss", "train acc"],
        |idx| clf.loss(data, idx),
        after_step,
        |epoch, loss| {
            Ok(vec![
                epoch.to_string(),
                format!("{:.4}", opts.lr_at(epoch - 1)),
                format!("{loss:.5}"),
                format!("{:.4}", clf.accuracy(data)?),
            ])
        },
    )
}

/// The square (in data units) that shows `points` with a margin of `pad` of their extent.
pub fn plane_ranges(points: &Tensor<f64>, pad: f64) -> ((f64, f64), (f64, f64)) {
    let pts = figures::points_from_flat(&points.to_vec());
    let (xr, yr) = search_ranges(&pts, pad);
    // A square view, so rings look round.
    let (cx, cy) = ((xr.0 + xr.1) / 2.0, (yr.0 + yr.1) / 2.0);
    let h = (xr.1 - xr.0).max(yr.1 - yr.0) / 2.0;
    ((cx - h, cx + h), (cy - h, cy + h))
}

/// The points of `data` coloured by class over what `clf` predicts across the plane (the
/// probability of class 1 with the 0.5 boundary dashed, for a sigmoid head; the predicted class
/// otherwise), with `lines` drawn over them.
pub fn plot_regions(
    file: &Path,
    title: &str,
    clf: &Classifier,
    data: &Classification<f64>,
    class_names: &[String],
    lines: Vec<figures::Line>,
) -> Result<(), LabError> {
    let (xr, yr) = plane_ranges(&data.x, 0.12);
    let cells = 200;
    let centres = figures::grid_cell_centers(xr, yr, cells, cells);
    let flat: Vec<f64> = centres.iter().flat_map(|&(a, b)| [a, b]).collect();
    let grid = Tensor::from_vec(&[centres.len(), 2], flat)?;
    let fill = match clf.head {
        Head::Sigmoid => figures::RegionFill::Probability(clf.outputs(&grid)?.to_vec()),
        Head::LogSoftmax => figures::RegionFill::Classes(clf.predict(&grid)?),
    };
    let mut fig = figures::Scatter::new(
        title,
        "x1",
        "x2",
        figures::points_from_flat(&data.x.to_vec()),
        data.labels.clone(),
    )
    .with_class_names(class_names.iter().cloned())
    .with_regions(figures::Regions {
        x_range: xr,
        y_range: yr,
        nx: cells,
        ny: cells,
        fill,
    });
    for line in lines {
        fig = fig.with_line(line);
    }
    figures::scatter(file, &fig)?;
    Ok(())
}

/// The mean training loss per epoch, on a log scale.
pub fn plot_loss_curve(
    file: &Path,
    title: &str,
    loss_name: &str,
    losses: &[f64],
) -> Result<(), LabError> {
    figures::line_chart(
        file,
        &figures::Panel::new(title, "epoch", format!("mean {loss_name} (log scale)"))
            .with_series(figures::Series::from_values("training loss", losses))
            .with_log_y(),
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The donut labs
// ---------------------------------------------------------------------------------------------

/// What differs between `three-donuts-mlp` and `six-donuts-mlp` (and what a user may change).
#[derive(Debug, Clone, PartialEq)]
pub struct DonutsConfig {
    /// The lab's name (`RESULT lab=...`, figure titles).
    pub lab: String,
    /// Number of rings, one class each.
    pub rings: usize,
    /// Training points per ring; the test set has as many, drawn with another seed.
    pub points_per_ring: usize,
    /// Hidden layer widths.
    pub hidden: Vec<usize>,
    /// Hidden activation.
    pub activation: Activation,
    /// How it trains (the seed draws the training points and the weights).
    pub sgd: SgdOptions,
}

/// The command line of a donut lab; [`donuts_main`] fills in the defaults that differ between
/// the two labs (the number of rings is fixed by the binary, the epochs default to it).
#[derive(clap::Parser, Debug)]
#[command(version)]
pub struct DonutsArgs {
    /// Passes over the training points [default: 150 for three rings, 300 for six].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Points per SGD step.
    #[arg(long, default_value_t = 32)]
    pub batch_size: usize,
    /// Base learning rate (annealed by a cosine to lr/100 unless --constant-lr).
    #[arg(long, default_value_t = 0.05)]
    pub lr: f64,
    /// Keep the learning rate constant.
    #[arg(long)]
    pub constant_lr: bool,
    /// SGD momentum.
    #[arg(long, default_value_t = 0.9)]
    pub momentum: f64,
    /// Hidden layer widths, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "16,16")]
    pub hidden: Vec<usize>,
    /// Hidden activation: sigmoid, tanh or relu.
    #[arg(long, default_value = "tanh")]
    pub activation: Activation,
    /// Training points per ring (the test set has as many).
    #[arg(long, default_value_t = 200)]
    pub points_per_ring: usize,
    /// Seed of the training points, the initial weights and the batch order (the test points
    /// use another seed derived from it).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Where figures go [default: out/LAB, the lab's name].
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
}

/// The whole `main` of a donut lab: parses [`DonutsArgs`] (with `about` naming the rings),
/// trains and draws with [`run_donuts_lab`], prints its `RESULT` line, and turns errors into one
/// line on stderr.
pub fn donuts_main(
    lab: &'static str,
    rings: usize,
    default_epochs: usize,
) -> std::process::ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    crate::common::run_main(|| {
        let command = DonutsArgs::command().name(lab).about(format!(
            "Separate {rings} concentric rings of points with a multilayer perceptron."
        ));
        let args = DonutsArgs::from_arg_matches(&command.get_matches())?;
        let epochs = args.epochs.unwrap_or(default_epochs);
        let cfg = DonutsConfig {
            lab: lab.to_string(),
            rings,
            points_per_ring: args.points_per_ring,
            hidden: args.hidden,
            activation: args.activation,
            sgd: SgdOptions {
                epochs,
                batch_size: args.batch_size,
                lr: args.lr,
                momentum: args.momentum,
                anneal: !args.constant_lr,
                seed: args.seed,
                verbose: true,
                log_every: (epochs / 10).max(1),
            },
        };
        cfg.sgd.check()?;
        let out = crate::common::out_dir(args.out.as_deref(), lab)?;
        println!("{}", run_donuts_lab(&cfg, &out)?);
        Ok(())
    })
}

/// The seed of a donut lab's test set: a fixed offset from the training seed, so the two sets
/// never coincide.
pub fn test_seed(seed: u64) -> u64 {
    seed ^ 0x7E57_5EED
}

/// What a donut lab ends with.
#[derive(Debug, Clone, PartialEq)]
pub struct DonutsOutcome {
    /// Accuracy on the training points.
    pub train_accuracy: f64,
    /// Accuracy on the held-out points.
    pub test_accuracy: f64,
    /// The mean training loss of each epoch.
    pub losses: Vec<f64>,
    /// Seconds spent training.
    pub train_seconds: f64,
}

/// Trains the MLP of a donut lab on its rings and measures it on held-out rings.
pub fn train_donuts(cfg: &DonutsConfig) -> Result<(Classifier, DonutsOutcome), LabError> {
    if cfg.rings < 2 || cfg.points_per_ring == 0 {
        return Err(format!(
            "--rings must be at least 2 and --points-per-ring at least 1, found {} and {}",
            cfg.rings, cfg.points_per_ring
        )
        .into());
    }
    let train = donuts::<f64>(cfg.rings, cfg.points_per_ring, cfg.sgd.seed)?;
    let test = donuts::<f64>(cfg.rings, cfg.points_per_ring, test_seed(cfg.sgd.seed))?;
    let clf = Classifier::mlp(&cfg.hidden, cfg.rings, cfg.activation, cfg.sgd.seed)?;
    let start = Instant::now();
    let losses = train_classifier(&clf, &train, &cfg.sgd, |_, _| {})?;
    let train_seconds = start.elapsed().as_secs_f64();
    let outcome = DonutsOutcome {
        train_accuracy: clf.accuracy(&train)?,
        test_accuracy: clf.accuracy(&test)?,
        losses,
        train_seconds,
    };
    Ok((clf, outcome))
}

/// The whole of a donut lab: trains ([`train_donuts`]), writes the decision regions over the
/// test points and the loss curve into `out`, prints the figures' paths, and returns the
/// `RESULT` line.
pub fn run_donuts_lab(cfg: &DonutsConfig, out: &Path) -> Result<String, LabError> {
    cfg.sgd.check()?;
    let (clf, o) = train_donuts(cfg)?;
    println!(
        "{}: train accuracy {:.4}, test accuracy {:.4} ({} held-out points, seed {})",
        cfg.lab,
        o.train_accuracy,
        o.test_accuracy,
        cfg.rings * cfg.points_per_ring,
        test_seed(cfg.sgd.seed)
    );
    let test = donuts::<f64>(cfg.rings, cfg.points_per_ring, test_seed(cfg.sgd.seed))?;
    let names: Vec<String> = (0..cfg.rings).map(|k| format!("ring {}", k + 1)).collect();
    let regions = out.join("decision_regions.png");
    plot_regions(
        &regions,
        &format!(
            "{}: test points, {:.1}% right",
            cfg.lab,
            100.0 * o.test_accuracy
        ),
        &clf,
        &test,
        &names,
        Vec::new(),
    )?;
    let curve = out.join("loss_curve.png");
    plot_loss_curve(
        &curve,
        &format!("{}: training loss", cfg.lab),
        "NLL loss",
        &o.losses,
    )?;
    for f in [&regions, &curve] {
        println!("figure: {}", f.display());
    }
    Ok(result_line(
        &cfg.lab,
        &[
            ("epochs", cfg.sgd.epochs.to_string()),
            ("train_accuracy", format!("{:.4}", o.train_accuracy)),
            ("accuracy", format!("{:.4}", o.test_accuracy)),
            (
                "final_loss",
                format!("{:.5}", o.losses.last().unwrap_or(&f64::NAN)),
            ),
            ("train_seconds", format!("{:.2}", o.train_seconds)),
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datasets::synthetic::{noisy_line, two_blobs, two_points, xor};

    fn opts(epochs: usize, batch_size: usize, lr: f64, seed: u64) -> SgdOptions {
        SgdOptions {
            epochs,
            batch_size,
            lr,
            momentum: 0.0,
            anneal: false,
            seed,
            verbose: false,
            log_every: 0,
        }
    }

    #[test]
    fn options_reject_what_a_user_could_mistype() {
        let good = opts(10, 4, 0.1, 0);
        assert!(good.check().is_ok());
        for bad in [
            SgdOptions {
                epochs: 0,
                ..good.clone()
            },
            SgdOptions {
                batch_size: 0,
                ..good.clone()
            },
            SgdOptions {
                lr: 0.0,
                ..good.clone()
            },
            SgdOptions {
                lr: f64::NAN,
                ..good.clone()
            },
            SgdOptions {
                lr: -1.0,
                ..good.clone()
            },
            SgdOptions {
                momentum: 1.0,
                ..good.clone()
            },
        ] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn sgd_through_two_points_reaches_the_exact_line() {
        let d = two_points::<f64>(None).unwrap();
        let fit = fit_line(&d.x, &d.y, (0.0, 0.0), &opts(500, 1, 0.05, 1)).unwrap();
        assert!((fit.w - d.slope).abs() < 1e-6, "w = {}", fit.w);
        assert!((fit.b - d.intercept).abs() < 1e-6, "b = {}", fit.b);
        assert_eq!(fit.path.len(), 1 + 1000);
        assert_eq!(fit.path[0].w, 0.0);
        assert!(fit.path.last().unwrap().loss < fit.path[0].loss * 1e-9);
    }

    #[test]
    fn least_squares_matches_a_known_fit_and_sgd_approaches_it() {
        // Points on y = 2x - 1 exactly: the least-squares line is that line.
        let x = Tensor::from_vec(&[3, 1], vec![0.0, 1.0, 2.0]).unwrap();
        let y = Tensor::from_vec(&[3, 1], vec![-1.0, 1.0, 3.0]).unwrap();
        assert_eq!(least_squares(&x, &y).unwrap(), (2.0, -1.0));
        let same = Tensor::from_vec(&[2, 1], vec![1.0, 1.0]).unwrap();
        assert!(least_squares(&same, &same).is_err());
        let d = noisy_line::<f64>(50, 0.5, 1.0, 0.3, (-1.0, 1.0), 2).unwrap();
        let (w, b) = least_squares(&d.x, &d.y).unwrap();
        let fit = fit_line(&d.x, &d.y, (0.0, 0.0), &opts(300, 50, 0.5, 2)).unwrap();
        assert!((fit.w - w).abs() < 1e-4 && (fit.b - b).abs() < 1e-4);
    }

    #[test]
    fn the_same_seed_gives_the_same_run_bit_for_bit() {
        let data = xor::<f64>(5, 0.2, 0).unwrap();
        let run = |seed| {
            let clf = Classifier::mlp(&[4], 2, Activation::Tanh, seed).unwrap();
            let losses = train_classifier(&clf, &data, &opts(5, 4, 0.3, seed), |_, _| {}).unwrap();
            let w: Vec<f64> = clf
                .model
                .parameters()
                .iter()
                .flat_map(|p| p.to_tensor().to_vec())
                .collect();
            (losses, w)
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
    }

    #[test]
    fn a_perceptron_separates_two_blobs_and_an_mlp_solves_xor() {
        let blobs = two_blobs::<f64>(30, [(-2.0, 0.0), (2.0, 0.0)], 0.5, 5).unwrap();
        let clf = Classifier::perceptron(5).unwrap();
        let mut steps = 0;
        let losses =
            train_classifier(&clf, &blobs, &opts(20, 10, 0.5, 5), |_, _| steps += 1).unwrap();
        assert_eq!(steps, 20 * 6);
        assert!(losses[19] < losses[0] / 4.0, "{losses:?}");
        assert_eq!(clf.accuracy(&blobs).unwrap(), 1.0);
        // The surface helper agrees with the trained model's own loss.
        let p = clf.model.parameters();
        let (w, b) = (p[0].value().to_vec(), p[1].value().to_vec());
        let all: Vec<usize> = (0..blobs.len()).collect();
        let direct = clf.loss(&blobs, &all).unwrap().item().unwrap();
        let surface = perceptron_loss(&blobs, (w[0], w[1]), b[0]).unwrap();
        assert!((direct - surface).abs() < 1e-12, "{direct} vs {surface}");
        let corners = xor::<f64>(1, 0.0, 0).unwrap();
        let clf = Classifier::mlp(&[4], 2, Activation::Tanh, 0).unwrap();
        let sgd = SgdOptions {
            momentum: 0.9,
            ..opts(300, 4, 0.5, 0)
        };
        train_classifier(&clf, &corners, &sgd, |_, _| {}).unwrap();
        assert_eq!(clf.accuracy(&corners).unwrap(), 1.0);
        assert_eq!(clf.predict(&corners.x).unwrap(), vec![0, 1, 1, 0]);
    }

    #[test]
    fn divergence_is_an_error_that_names_the_learning_rate() {
        let d = noisy_line::<f64>(20, 3.0, 0.0, 0.1, (10.0, 20.0), 0).unwrap();
        let err = fit_line(&d.x, &d.y, (0.0, 0.0), &opts(200, 20, 10.0, 0)).unwrap_err();
        assert!(err.to_string().contains("smaller --lr"), "{err}");
    }

    #[test]
    fn snapshots_start_at_zero_and_end_at_the_last_step() {
        assert_eq!(snapshot_steps(1000, 4), vec![0, 10, 100, 1000]);
        assert_eq!(snapshot_steps(1, 5), vec![0, 1]);
        assert_eq!(snapshot_steps(0, 3), vec![0]);
    }

    #[test]
    fn a_small_donut_run_learns_and_writes_its_figures() {
        let cfg = DonutsConfig {
            lab: "test-donuts".into(),
            rings: 3,
            points_per_ring: 60,
            hidden: vec![16],
            activation: Activation::Tanh,
            sgd: SgdOptions {
                momentum: 0.9,
                ..opts(150, 16, 0.05, 1)
            },
        };
        let dir = std::env::temp_dir().join(format!("playground-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let line = run_donuts_lab(&cfg, &dir).unwrap();
        assert!(
            line.starts_with("RESULT lab=test-donuts epochs=150 "),
            "{line}"
        );
        let acc: f64 = line
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix("accuracy="))
            .unwrap()
            .parse()
            .unwrap();
        assert!(acc >= 0.9, "{line}");
        for f in ["decision_regions.png", "loss_curve.png"] {
            assert!(dir.join(f).metadata().unwrap().len() > 1000);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
