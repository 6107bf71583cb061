//! Lab: XOR, which no single-layer perceptron solves (no line separates its two classes),
//! separated by a small MLP `2 → hidden → 1` (tanh, sigmoid output, `nn::BCELoss`) trained by
//! full-batch gradient descent with momentum. The lab trains `--seed` for its figure, then
//! seeds `seed..seed+9` and counts how many reach 100% accuracy.

use clap::Parser;
use datasets::synthetic::xor;
use labs::common::{out_dir, result_line, run_main};
use labs::mnist::Activation;
use labs::playground::{plot_loss_curve, plot_regions, train_classifier, Classifier, SgdOptions};
use nn::Module;
use std::path::PathBuf;
use std::process::ExitCode;

/// Separate XOR with a small multilayer perceptron.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Passes over the points (one full-batch step each with the defaults).
    #[arg(long, default_value_t = 500)]
    epochs: usize,
    /// Learning rate (constant).
    #[arg(long, default_value_t = 0.5)]
    lr: f64,
    /// SGD momentum.
    #[arg(long, default_value_t = 0.9)]
    momentum: f64,
    /// Width of the hidden layer.
    #[arg(long, default_value_t = 4)]
    hidden: usize,
    /// Hidden activation: sigmoid, tanh or relu.
    #[arg(long, default_value = "tanh")]
    activation: Activation,
    /// Points per corner: 1 is the four-row XOR table; more adds noisy copies around each corner.
    #[arg(long, default_value_t = 1)]
    per_corner: usize,
    /// Standard deviation of the noisy copies (with --per-corner above 1).
    #[arg(long, default_value_t = 0.2)]
    noise: f64,
    /// Points per step; 4 (or more) is the whole XOR table: full-batch gradient descent.
    #[arg(long, default_value_t = 4)]
    batch_size: usize,
    /// Seed of the initial weights (and the noisy points); seeds seed..seed+9 are tried.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Where figures go [default: out/xor-mlp].
    #[arg(long)]
    out: Option<PathBuf>,
}

const SEEDS_TRIED: u64 = 10;

fn main() -> ExitCode {
    run_main(|| {
        let args = Args::parse();
        let lab = "xor-mlp";
        if args.hidden == 0 {
            return Err("--hidden must be at least 1".into());
        }
        let opts = |seed, verbose| SgdOptions {
            epochs: args.epochs,
            batch_size: args.batch_size,
            lr: args.lr,
            momentum: args.momentum,
            anneal: false,
            seed,
            verbose,
            log_every: (args.epochs / 10).max(1),
        };
        opts(args.seed, true).check()?;
        let data = xor::<f64>(args.per_corner, args.noise, args.seed)?;
        let out = out_dir(args.out.as_deref(), lab)?;
        let clf = Classifier::mlp(&[args.hidden], 2, args.activation, args.seed)?;
        println!(
            "{lab}: {} ({} parameters) on {} points; lr {}, momentum {}, {} epochs, seed {}",
            clf.model.describe(),
            clf.model.num_parameters(),
            data.len(),
            args.lr,
            args.momentum,
            args.epochs,
            args.seed
        );
        let losses = train_classifier(&clf, &data, &opts(args.seed, true), |_, _| {})?;
        let accuracy = clf.accuracy(&data)?;
        let regions = out.join("decision_regions.png");
        plot_regions(
            &regions,
            &format!(
                "{lab}: {} hidden {} units, seed {} (accuracy {:.0}%)",
                args.hidden,
                format!("{:?}", args.activation).to_lowercase(),
                args.seed,
                100.0 * accuracy
            ),
            &clf,
            &data,
            &["0 (same signs)".to_string(), "1 (signs differ)".to_string()],
            Vec::new(),
        )?;
        let curve = out.join("loss_curve.png");
        plot_loss_curve(
            &curve,
            &format!("{lab}: training loss"),
            "BCE loss",
            &losses,
        )?;
        for f in [&regions, &curve] {
            println!("figure: {}", f.display());
        }
        let mut solved = 0;
        for seed in args.seed..args.seed + SEEDS_TRIED {
            let data = xor::<f64>(args.per_corner, args.noise, seed)?;
            let clf = Classifier::mlp(&[args.hidden], 2, args.activation, seed)?;
            let losses = train_classifier(&clf, &data, &opts(seed, false), |_, _| {})?;
            let acc = clf.accuracy(&data)?;
            solved += usize::from(acc == 1.0);
            println!(
                "seed {seed}: accuracy {acc:.4}, final loss {:.5}",
                losses.last().unwrap_or(&f64::NAN)
            );
        }
        println!("{solved} of {SEEDS_TRIED} seeds reach 100% accuracy");
        println!(
            "{}",
            result_line(
                lab,
                &[
                    ("epochs", args.epochs.to_string()),
                    (
                        "final_loss",
                        format!("{:.5}", losses.last().unwrap_or(&f64::NAN))
                    ),
                    ("accuracy", format!("{accuracy:.4}")),
                    ("seeds_solved", solved.to_string()),
                    ("seeds_tried", SEEDS_TRIED.to_string()),
                ]
            )
        );
        Ok(())
    })
}
