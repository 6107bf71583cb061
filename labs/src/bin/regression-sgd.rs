//! Lab: linear regression on a noisy line by mini-batch SGD through autograd, compared with the
//! least-squares line in closed form; and the "weights search": the loss surface over `(w, b)`
//! with the path SGD took across it.

use clap::Parser;
use datasets::synthetic::noisy_line;
use labs::common::{out_dir, result_line, run_main};
use labs::playground::{
    fit_line, least_squares, line_loss, plot_line_fits, plot_weights_search, SgdOptions,
};
use std::path::PathBuf;
use std::process::ExitCode;

/// Fit a line to noisy points by stochastic gradient descent.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Passes over the points.
    #[arg(long, default_value_t = 60)]
    epochs: usize,
    /// Points per SGD step.
    #[arg(long, default_value_t = 10)]
    batch_size: usize,
    /// Base learning rate (annealed by a cosine to lr/100 unless --constant-lr).
    #[arg(long, default_value_t = 0.1)]
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
    #[arg(long, default_value_t = 100)]
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

fn main() -> ExitCode {
    run_main(|| {
        let args = Args::parse();
        let lab = "regression-sgd";
        let opts = SgdOptions {
            epochs: args.epochs,
            batch_size: args.batch_size,
            lr: args.lr,
            momentum: 0.0,
            anneal: !args.constant_lr,
            seed: args.seed,
            verbose: true,
            log_every: (args.epochs / 12).max(1),
        };
        opts.check()?;
        if args.start.len() != 2 {
            return Err(
                format!("--start takes 2 numbers (w,b), found {}", args.start.len()).into(),
            );
        }
        let data = noisy_line::<f64>(
            args.count,
            args.slope,
            args.intercept,
            args.noise,
            (-1.0, 3.0),
            args.seed,
        )?;
        let out = out_dir(args.out.as_deref(), lab)?;
        let (ls_w, ls_b) = least_squares(&data.x, &data.y)?;
        println!(
            "{lab}: {} points near y = {} x {:+} (noise {}); least squares y = {ls_w:.6} x {ls_b:+.6}; batch {}, lr {} ({}), seed {}",
            args.count,
            args.slope,
            args.intercept,
            args.noise,
            opts.batch_size,
            opts.lr,
            if opts.anneal { "cosine-annealed" } else { "constant" },
            opts.seed
        );
        let start = (args.start[0], args.start[1]);
        let fit = fit_line(&data.x, &data.y, start, &opts)?;
        let ls_distance = (fit.w - ls_w).hypot(fit.b - ls_b);
        let fits = out.join("fitted_line.png");
        plot_line_fits(
            &fits,
            &format!("{lab}: the data and the fitted line"),
            &data.x,
            &data.y,
            &fit,
            3,
            Some(("least squares", ls_w, ls_b)),
        )?;
        let search = out.join("weights_search.png");
        let path: Vec<(f64, f64)> = fit.path.iter().map(|p| (p.w, p.b)).collect();
        plot_weights_search(
            &search,
            &format!("{lab}: weights search, MSE over (w, b)"),
            ("w (slope)", "b (intercept)"),
            &path,
            (ls_w, ls_b),
            160,
            |w, b| line_loss(&data.x, &data.y, w, b),
        )?;
        for f in [&fits, &search] {
            println!("figure: {}", f.display());
        }
        println!(
            "{}",
            result_line(
                lab,
                &[
                    ("steps", (fit.path.len() - 1).to_string()),
                    ("w", format!("{:.6}", fit.w)),
                    ("b", format!("{:.6}", fit.b)),
                    ("ls_w", format!("{ls_w:.6}")),
                    ("ls_b", format!("{ls_b:.6}")),
                    ("ls_distance", format!("{ls_distance:.2e}")),
                    (
                        "final_loss",
                        format!("{:.5}", fit.path.last().map_or(f64::NAN, |p| p.loss))
                    ),
                ]
            )
        );
        Ok(())
    })
}
