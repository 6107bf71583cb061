//! Lab: fit a line `y = w x + b` through two points by stochastic gradient descent, through
//! autograd (`w` and `b` are `Var` parameters, the loss is `nn::MSELoss`, the update
//! `optim::SGD`), one point per step; then compare with the exact line through them.

use clap::Parser;
use datasets::synthetic::two_points;
use labs::common::{out_dir, result_line, run_main};
use labs::playground::{fit_line, line_loss, plot_line_fits, plot_weights_search, SgdOptions};
use std::path::PathBuf;
use std::process::ExitCode;

/// Fit a line through two points by stochastic gradient descent.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Passes over the two points (two steps each: one point per step, in a seeded order).
    #[arg(long, default_value_t = 500)]
    epochs: usize,
    /// Learning rate (constant).
    #[arg(long, default_value_t = 0.05)]
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

fn main() -> ExitCode {
    run_main(|| {
        let args = Args::parse();
        let lab = "two-points-sgd";
        if args.points.len() != 4 || args.start.len() != 2 {
            return Err(format!(
                "--points takes 4 numbers (x0,y0,x1,y1) and --start 2 (w,b), found {} and {}",
                args.points.len(),
                args.start.len()
            )
            .into());
        }
        let p = &args.points;
        let data = two_points::<f64>(Some([(p[0], p[1]), (p[2], p[3])]))?;
        let opts = SgdOptions {
            epochs: args.epochs,
            batch_size: 1,
            lr: args.lr,
            momentum: 0.0,
            anneal: false,
            seed: args.seed,
            verbose: true,
            log_every: (args.epochs / 20).max(1),
        };
        opts.check()?;
        let out = out_dir(args.out.as_deref(), lab)?;
        let start = (args.start[0], args.start[1]);
        println!(
            "{lab}: y = w x + b through ({}, {}) and ({}, {}); start (w, b) = ({}, {}), lr {}, {} steps of one point, seed {}",
            p[0], p[1], p[2], p[3], start.0, start.1, opts.lr, 2 * opts.epochs, opts.seed
        );
        let fit = fit_line(&data.x, &data.y, start, &opts)?;
        let error = (fit.w - data.slope)
            .abs()
            .max((fit.b - data.intercept).abs());
        let fits = out.join("line_fits.png");
        plot_line_fits(
            &fits,
            &format!("{lab}: the line during SGD"),
            &data.x,
            &data.y,
            &fit,
            5,
            Some(("exact", data.slope, data.intercept)),
        )?;
        let search = out.join("weights_search.png");
        let path: Vec<(f64, f64)> = fit.path.iter().map(|p| (p.w, p.b)).collect();
        plot_weights_search(
            &search,
            &format!("{lab}: loss over (w, b) and the SGD path"),
            ("w (slope)", "b (intercept)"),
            &path,
            (data.slope, data.intercept),
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
                    ("exact_w", format!("{:.6}", data.slope)),
                    ("exact_b", format!("{:.6}", data.intercept)),
                    ("error", format!("{error:.2e}")),
                ]
            )
        );
        Ok(())
    })
}
