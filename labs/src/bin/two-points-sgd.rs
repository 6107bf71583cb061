//! Lab: fit a line `y = w x + b` through two points by stochastic gradient descent, through
//! autograd (`w` and `b` are `Var` parameters, the loss is `nn::MSELoss`, the update
//! `optim::SGD`), one point per step; then compare with the exact line through them.

use autograd::{Tensor, Var};
use clap::Parser;
use datasets::synthetic::two_points;
use labs::cli::{at_least_one, learning_rate};
use labs::common::{out_dir, result_line, run_main, LabError};
use labs::playground::lines::{scalar, LinePoint};
use labs::train::{Loop, TrainOptions};
use nn::MSELoss;
use optim::{Optimizer, SgdConfig, SGD};
use std::path::PathBuf;
use std::process::ExitCode;

const LAB: &str = "two-points-sgd";

fn main() -> ExitCode {
    run_main(|| {
        let args: Args = labs::cli::parse()?;
        let (p, start) = args.points_and_start()?;
        let data = two_points::<f64>(Some([(p[0], p[1]), (p[2], p[3])]))?;
        let out = out_dir(args.out.as_deref(), LAB)?;
        println!(
            "{LAB}: y = w x + b through ({}, {}) and ({}, {}); start (w, b) = ({}, {}), lr {}, {} steps of one point, seed {}",
            p[0], p[1], p[2], p[3], start.0, start.1, args.lr, 2 * args.epochs, args.seed
        );

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
        // The loop: one point per step; (w, b) recorded after each.
        let mut path = vec![LinePoint::at(0, &w, &b, &data.x, &data.y)?];
        Loop::new(&args.train_options(), data.x.shape()[0])
            .metric("w", |_| Ok(scalar(&w)))
            .metric("b", |_| Ok(scalar(&b)))
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

        let exact = (data.slope, data.intercept);
        println!("{}", report(&out, &data.x, &data.y, exact, &path)?);
        Ok(())
    })
}

/// Fit a line through two points by stochastic gradient descent.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Passes over the two points (two steps each: one point per step, in a seeded order).
    #[arg(long, value_name = "N", default_value = "500", value_parser = at_least_one, allow_negative_numbers = true)]
    epochs: usize,
    /// Learning rate (constant).
    #[arg(long, default_value = "0.05", value_parser = learning_rate, allow_negative_numbers = true)]
    lr: f64,
    /// The two points as x0,y0,x1,y1.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "1,2,3,5",
        allow_hyphen_values = true
    )]
    points: Vec<f64>,
    /// Where SGD starts, as w,b.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "-1,3",
        allow_hyphen_values = true
    )]
    start: Vec<f64>,
    /// Seed of the order in which the points are visited.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Where figures go [default: out/two-points-sgd].
    #[arg(long)]
    out: Option<PathBuf>,
}

impl Args {
    /// The two points and the start, checked for their counts of numbers.
    fn points_and_start(&self) -> Result<([f64; 4], (f64, f64)), LabError> {
        match (self.points.as_slice(), self.start.as_slice()) {
            (&[x0, y0, x1, y1], &[w, b]) => Ok(([x0, y0, x1, y1], (w, b))),
            _ => Err(format!(
                "--points takes 4 numbers (x0,y0,x1,y1) and --start 2 (w,b), found {} and {}",
                self.points.len(),
                self.start.len()
            )
            .into()),
        }
    }

    /// One point per step, a constant rate, a table row every twentieth of the run.
    fn train_options(&self) -> TrainOptions {
        TrainOptions {
            epochs: self.epochs,
            batch_size: 1,
            lr: self.lr,
            anneal: false,
            seed: self.seed,
            verbose: true,
            log_every: (self.epochs / 20).max(1),
            check_divergence: true,
        }
    }
}

/// Draws the line at a few moments and the weights search, and returns the `RESULT` line.
fn report(
    out: &std::path::Path,
    x: &Tensor<f64>,
    y: &Tensor<f64>,
    exact: (f64, f64),
    path: &[LinePoint],
) -> Result<String, LabError> {
    use labs::playground::figures::{plot_line_fits, plot_weights_search};
    use labs::playground::lines::line_loss;
    let last = *path.last().expect("the path has its start");
    let fits = out.join("line_fits.png");
    plot_line_fits(
        &fits,
        &format!("{LAB}: the line during SGD"),
        x,
        y,
        path,
        5,
        Some(("exact", exact.0, exact.1)),
    )?;
    let search = out.join("weights_search.png");
    let wb: Vec<(f64, f64)> = path.iter().map(|p| (p.w, p.b)).collect();
    plot_weights_search(
        &search,
        &format!("{LAB}: loss over (w, b) and the SGD path"),
        ("w (slope)", "b (intercept)"),
        &wb,
        exact,
        160,
        |w, b| line_loss(x, y, w, b),
    )?;
    for f in [&fits, &search] {
        println!("figure: {}", f.display());
    }
    let error = (last.w - exact.0).abs().max((last.b - exact.1).abs());
    Ok(result_line(
        LAB,
        &[
            ("steps", (path.len() - 1).to_string()),
            ("w", format!("{:.6}", last.w)),
            ("b", format!("{:.6}", last.b)),
            ("exact_w", format!("{:.6}", exact.0)),
            ("exact_b", format!("{:.6}", exact.1)),
            ("error", format!("{error:.2e}")),
        ],
    ))
}
