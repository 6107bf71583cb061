//! Lab: linear regression on a noisy line by mini-batch SGD through autograd, compared with the
//! least-squares line in closed form; and the "weights search": the loss surface over `(w, b)`
//! with the path SGD took across it.

use autograd::{Tensor, Var};
use clap::Parser;
use datasets::synthetic::noisy_line;
use labs::cli::{at_least_one, learning_rate};
use labs::common::{out_dir, result_line, run_main, LabError};
use labs::playground::lines::{least_squares, line_loss, scalar, LinePoint};
use labs::train::{Loop, TrainOptions};
use nn::MSELoss;
use optim::{Optimizer, SgdConfig, SGD};
use std::path::PathBuf;
use std::process::ExitCode;

const LAB: &str = "regression-sgd";

fn main() -> ExitCode {
    run_main(|| {
        let args: Args = labs::cli::parse()?;
        let start = args.start()?;
        let (slope, intercept) = (args.slope, args.intercept);
        let data = noisy_line::<f64>(
            args.count,
            slope,
            intercept,
            args.noise,
            (-1.0, 3.0),
            args.seed,
        )?;
        let out = out_dir(args.out.as_deref(), LAB)?;
        let least = least_squares(&data.x, &data.y)?;
        args.print_header(least);

        // The model: y = w x + b, with w and b the parameters.
        let w = Var::parameter(Tensor::from_vec(&[1], vec![start.0])?);
        let b = Var::parameter(Tensor::from_vec(&[1], vec![start.1])?);
        // The loss: the mean squared error.
        let mse = MSELoss::default();
        // The optimizer: plain SGD on w and b.
        let config = SgdConfig {
            lr: args.lr,
            ..Default::default()
        };
        let mut sgd = SGD::new(vec![w.clone(), b.clone()], config)?;
        // The loop: mini-batches of points; (w, b) and the loss over all points after each step.
        let mut path = vec![LinePoint::at(0, &w, &b, &data.x, &data.y)?];
        Loop::new(&args.train_options(), args.count)
            .metric("w", |_| Ok(scalar(&w)))
            .metric("b", |_| Ok(scalar(&b)))
            .metric("loss (all data)", |_| {
                line_loss(&data.x, &data.y, scalar(&w), scalar(&b))
            })
            .run(&mut sgd, |sgd, batch, lr| {
                let x = Var::constant(data.x.select_rows(batch)?);
                let y = Var::constant(data.y.select_rows(batch)?);
                let loss = mse.forward(&x.mul(&w)?.add(&b)?, &y)?;
                sgd.set_lr(lr)?;
                sgd.zero_grad();
                loss.backward()?;
                sgd.step()?;
                path.push(LinePoint::at(path.len(), &w, &b, &data.x, &data.y)?);
                Ok(loss.item()?)
            })?;

        println!("{}", report(&out, &data.x, &data.y, least, &path)?);
        Ok(())
    })
}

/// Fit a line to noisy points by stochastic gradient descent.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Passes over the points.
    #[arg(long, value_name = "N", default_value = "60", value_parser = at_least_one, allow_negative_numbers = true)]
    epochs: usize,
    /// Points per SGD step.
    #[arg(long, value_name = "N", default_value = "10", value_parser = at_least_one, allow_negative_numbers = true)]
    batch_size: usize,
    /// Base learning rate (annealed by a cosine to lr/100 unless --constant-lr).
    #[arg(long, default_value = "0.1", value_parser = learning_rate, allow_negative_numbers = true)]
    lr: f64,
    /// Keep the learning rate constant (SGD then ends jittering around the minimum).
    #[arg(long)]
    constant_lr: bool,
    /// Slope of the line the points are drawn from.
    #[arg(long, default_value_t = 2.0, allow_hyphen_values = true)]
    slope: f64,
    /// Intercept of the line the points are drawn from.
    #[arg(long, default_value_t = -1.0, allow_hyphen_values = true)]
    intercept: f64,
    /// Standard deviation of the Gaussian noise added to y.
    #[arg(long, default_value_t = 0.5)]
    noise: f64,
    /// Number of points (x uniform in [-1, 3)).
    #[arg(long, value_name = "N", default_value = "100", value_parser = at_least_one, allow_negative_numbers = true)]
    count: usize,
    /// Where SGD starts, as w,b.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "-1,2",
        allow_hyphen_values = true
    )]
    start: Vec<f64>,
    /// Seed of the points and of the batch order.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Where figures go [default: out/regression-sgd].
    #[arg(long)]
    out: Option<PathBuf>,
}

impl Args {
    fn start(&self) -> Result<(f64, f64), LabError> {
        match self.start.as_slice() {
            &[w, b] => Ok((w, b)),
            other => Err(format!("--start takes 2 numbers (w,b), found {}", other.len()).into()),
        }
    }

    /// A table row every twelfth of the run.
    fn train_options(&self) -> TrainOptions {
        TrainOptions {
            epochs: self.epochs,
            batch_size: self.batch_size,
            lr: self.lr,
            anneal: !self.constant_lr,
            seed: self.seed,
            verbose: true,
            log_every: (self.epochs / 12).max(1),
            check_divergence: true,
        }
    }

    fn print_header(&self, (ls_w, ls_b): (f64, f64)) {
        println!(
            "{LAB}: {} points near y = {} x {:+} (noise {}); least squares y = {ls_w:.6} x {ls_b:+.6}; batch {}, lr {} ({}), seed {}",
            self.count,
            self.slope,
            self.intercept,
            self.noise,
            self.batch_size,
            self.lr,
            if self.constant_lr { "constant" } else { "cosine-annealed" },
            self.seed
        );
    }
}

/// Draws the fitted line and the weights search, and returns the `RESULT` line.
fn report(
    out: &std::path::Path,
    x: &Tensor<f64>,
    y: &Tensor<f64>,
    (ls_w, ls_b): (f64, f64),
    path: &[LinePoint],
) -> Result<String, LabError> {
    use labs::playground::figures::{plot_line_fits, plot_weights_search};
    let last = *path.last().expect("the path has its start");
    let fits = out.join("fitted_line.png");
    plot_line_fits(
        &fits,
        &format!("{LAB}: the data and the fitted line"),
        x,
        y,
        path,
        3,
        Some(("least squares", ls_w, ls_b)),
    )?;
    let search = out.join("weights_search.png");
    let wb: Vec<(f64, f64)> = path.iter().map(|p| (p.w, p.b)).collect();
    plot_weights_search(
        &search,
        &format!("{LAB}: weights search, MSE over (w, b)"),
        ("w (slope)", "b (intercept)"),
        &wb,
        (ls_w, ls_b),
        160,
        |w, b| line_loss(x, y, w, b),
    )?;
    for f in [&fits, &search] {
        println!("figure: {}", f.display());
    }
    let ls_distance = (last.w - ls_w).hypot(last.b - ls_b);
    Ok(result_line(
        LAB,
        &[
            ("steps", (path.len() - 1).to_string()),
            ("w", format!("{:.6}", last.w)),
            ("b", format!("{:.6}", last.b)),
            ("ls_w", format!("{ls_w:.6}")),
            ("ls_b", format!("{ls_b:.6}")),
            ("ls_distance", format!("{ls_distance:.2e}")),
            ("final_loss", format!("{:.5}", last.loss)),
        ],
    ))
}
