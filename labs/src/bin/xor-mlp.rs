//! Lab: XOR, which no single-layer perceptron solves (no line separates its two classes),
//! separated by a small MLP `2 → hidden → 1` (tanh, sigmoid output, `nn::BCELoss`) trained by
//! full-batch gradient descent with momentum. The lab trains `--seed` for its figure, then
//! seeds `seed..seed+9` and counts how many reach 100% accuracy.

use autograd::Var;
use clap::Parser;
use datasets::synthetic::{xor, Classification};
use labs::cli::{at_least_one, learning_rate, momentum};
use labs::common::{out_dir, result_line, run_main, LabError};
use labs::graph::write_step_graph;
use labs::playground::points::accuracy;
use labs::train::{History, Loop, TrainOptions};
use nn::{Activation, BCELoss, Mlp, Module, Sequential, Sigmoid};
use optim::{Optimizer, SgdConfig, SGD};
use rand::{rngs::StdRng, SeedableRng};
use std::path::PathBuf;
use std::process::ExitCode;

const LAB: &str = "xor-mlp";
const SEEDS_TRIED: u64 = 10;

/// Trains the MLP of `seed` on `data`; quietly unless `verbose`.
fn train(
    args: &Args,
    data: &Classification<f64>,
    seed: u64,
    verbose: bool,
) -> Result<(Sequential<f64>, History), LabError> {
    // The model: 2 -> hidden -> 1, the probability that the signs differ.
    let model = Mlp::new(2, &[args.hidden], 1, args.activation)
        .build(&mut StdRng::seed_from_u64(seed))?
        .add(Sigmoid);
    // The loss: the binary cross-entropy.
    let bce = BCELoss::default();
    // The optimizer: SGD with momentum.
    let config = SgdConfig {
        lr: args.lr,
        momentum: args.momentum,
        ..Default::default()
    };
    let mut sgd = SGD::new(model.parameters(), config)?;
    // --graph FILE: the graph of a step on the first batch (forward, loss, backward).
    if let (true, Some(path)) = (verbose, &args.graph) {
        let first: Vec<usize> = (0..args.batch_size.min(data.len())).collect();
        let x = Var::constant(data.x.select_rows(&first)?);
        let y = Var::constant(data.y.select_rows(&first)?);
        write_step_graph(path, &bce.forward(&model.forward(&x)?, &y)?, &model)?;
    }
    // The loop: with the defaults, one step on all four points per epoch.
    let history = Loop::new(&args.train_options(seed, verbose), data.len())
        .metric("train acc", |_| accuracy(&model, data))
        .run(&mut sgd, |sgd, batch, lr| {
            let x = Var::constant(data.x.select_rows(batch)?);
            let y = Var::constant(data.y.select_rows(batch)?);
            let loss = bce.forward(&model.forward(&x)?, &y)?;
            sgd.set_lr(lr)?;
            sgd.zero_grad();
            loss.backward()?;
            sgd.step()?;
            Ok(loss.item()?)
        })?;
    Ok((model, history))
}

fn main() -> ExitCode {
    run_main(|| {
        let args: Args = labs::cli::parse()?;
        let data = xor::<f64>(args.per_corner, args.noise, args.seed)?;
        let out = out_dir(args.out.as_deref(), LAB)?;
        println!(
            "{LAB}: 2 -> {} -> 1 MLP ({}, sigmoid output) on {} points; lr {}, momentum {}, {} epoch{}, seed {}",
            args.hidden,
            args.activation,
            data.len(),
            args.lr,
            args.momentum,
            args.epochs,
            if args.epochs == 1 { "" } else { "s" },
            args.seed
        );
        let (model, history) = train(&args, &data, args.seed, true)?;
        let figure_accuracy = accuracy(&model, &data)?;
        figures(&args, &out, &model, &data, &history, figure_accuracy)?;
        let mut solved = 0;
        for seed in args.seed..args.seed + SEEDS_TRIED {
            let data = xor::<f64>(args.per_corner, args.noise, seed)?;
            let (model, history) = train(&args, &data, seed, false)?;
            let acc = accuracy(&model, &data)?;
            solved += usize::from(acc == 1.0);
            println!(
                "seed {seed}: accuracy {acc:.4}, final loss {:.5}",
                history.final_loss()
            );
        }
        println!("{solved} of {SEEDS_TRIED} seeds reach 100% accuracy");
        let result = result_line(
            LAB,
            &[
                ("epochs", args.epochs.to_string()),
                ("final_loss", format!("{:.5}", history.final_loss())),
                ("accuracy", format!("{figure_accuracy:.4}")),
                ("seeds_solved", solved.to_string()),
                ("seeds_tried", SEEDS_TRIED.to_string()),
            ],
        );
        println!("{result}");
        Ok(())
    })
}

/// Separate XOR with a small multilayer perceptron.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Passes over the points (one full-batch step each with the defaults).
    #[arg(long, value_name = "N", default_value = "500", value_parser = at_least_one, allow_negative_numbers = true)]
    epochs: usize,
    /// Learning rate (constant).
    #[arg(long, default_value = "0.5", value_parser = learning_rate, allow_negative_numbers = true)]
    lr: f64,
    /// SGD momentum, in [0, 1).
    #[arg(long, default_value = "0.9", value_parser = momentum, allow_negative_numbers = true)]
    momentum: f64,
    /// Width of the hidden layer.
    #[arg(long, value_name = "N", default_value = "4", value_parser = at_least_one, allow_negative_numbers = true)]
    hidden: usize,
    /// Hidden activation: sigmoid, tanh or relu.
    #[arg(long, default_value = "tanh")]
    activation: Activation,
    /// Points per corner: 1 is the four-row XOR table; more adds noisy copies around each corner.
    #[arg(long, value_name = "N", default_value = "1", value_parser = at_least_one, allow_negative_numbers = true)]
    per_corner: usize,
    /// Standard deviation of the noisy copies (with --per-corner above 1).
    #[arg(long, default_value_t = 0.2)]
    noise: f64,
    /// Points per step; 4 (or more) is the whole XOR table: full-batch gradient descent.
    #[arg(long, value_name = "N", default_value = "4", value_parser = at_least_one, allow_negative_numbers = true)]
    batch_size: usize,
    /// Seed of the initial weights (and the noisy points); seeds seed..seed+9 are tried.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Where figures go [default: out/xor-mlp].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write the autograd graph of one training step of --seed's model here as Graphviz DOT,
    /// with the parameters' names and gradient norms (and FILE.png beside it when Graphviz's
    /// `dot` is installed).
    #[arg(long, value_name = "FILE")]
    graph: Option<PathBuf>,
}

impl Args {
    /// A constant rate, a table row every tenth of the run.
    fn train_options(&self, seed: u64, verbose: bool) -> TrainOptions {
        TrainOptions {
            epochs: self.epochs,
            batch_size: self.batch_size,
            lr: self.lr,
            anneal: false,
            seed,
            verbose,
            log_every: (self.epochs / 10).max(1),
            check_divergence: true,
        }
    }
}

/// Draws the decision regions and the loss curve of the model of `--seed`.
fn figures(
    args: &Args,
    out: &std::path::Path,
    model: &Sequential<f64>,
    data: &Classification<f64>,
    history: &History,
    accuracy: f64,
) -> Result<(), LabError> {
    use labs::playground::figures::{plot_loss_curve, plot_regions};
    let regions = out.join("decision_regions.png");
    plot_regions(
        &regions,
        &format!(
            "{LAB}: {} hidden {} units, seed {} (accuracy {:.0}%)",
            args.hidden,
            args.activation,
            args.seed,
            100.0 * accuracy
        ),
        model,
        data,
        &["0 (same signs)".to_string(), "1 (signs differ)".to_string()],
        Vec::new(),
    )?;
    let curve = out.join("loss_curve.png");
    plot_loss_curve(
        &curve,
        &format!("{LAB}: training loss"),
        "BCE loss",
        &history.losses(),
    )?;
    for f in [&regions, &curve] {
        println!("figure: {}", f.display());
    }
    Ok(())
}
