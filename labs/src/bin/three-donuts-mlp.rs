//! Lab: 3 concentric rings of points ("donuts"), one class per ring, so neighbouring rings always
//! differ, separated by an MLP trained by SGD with momentum on the negative log-likelihood; the
//! accuracy that counts is on held-out rings drawn with another seed. The training and the
//! figures live in [`labs::playground::run_donuts_lab`], shared with the other donut lab.

use clap::Parser;
use labs::common::{out_dir, run_main};
use labs::mnist::Activation;
use labs::playground::{run_donuts_lab, DonutsConfig, SgdOptions};
use std::path::PathBuf;
use std::process::ExitCode;

/// Separate 3 concentric rings of points with a multilayer perceptron.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Passes over the training points.
    #[arg(long, default_value_t = EPOCHS)]
    epochs: usize,
    /// Points per SGD step.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Base learning rate (annealed by a cosine to lr/100 unless --constant-lr).
    #[arg(long, default_value_t = 0.05)]
    lr: f64,
    /// Keep the learning rate constant.
    #[arg(long)]
    constant_lr: bool,
    /// SGD momentum.
    #[arg(long, default_value_t = 0.9)]
    momentum: f64,
    /// Hidden layer widths, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = HIDDEN)]
    hidden: Vec<usize>,
    /// Hidden activation: sigmoid, tanh or relu.
    #[arg(long, default_value = "tanh")]
    activation: Activation,
    /// Training points per ring (the test set has as many).
    #[arg(long, default_value_t = 200)]
    points_per_ring: usize,
    /// Seed of the training points, the initial weights and the batch order (the test points
    /// use another seed derived from it).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Where figures go [default: out/three-donuts-mlp].
    #[arg(long)]
    out: Option<PathBuf>,
}

const RINGS: usize = 3;
const EPOCHS: usize = 150;
const HIDDEN: &str = "16,16";

fn main() -> ExitCode {
    run_main(|| {
        let args = Args::parse();
        let lab = "three-donuts-mlp";
        let cfg = DonutsConfig {
            lab: lab.to_string(),
            rings: RINGS,
            points_per_ring: args.points_per_ring,
            hidden: args.hidden,
            activation: args.activation,
            sgd: SgdOptions {
                epochs: args.epochs,
                batch_size: args.batch_size,
                lr: args.lr,
                momentum: args.momentum,
                anneal: !args.constant_lr,
                seed: args.seed,
                verbose: true,
                log_every: (args.epochs / 10).max(1),
            },
        };
        cfg.sgd.check()?;
        let out = out_dir(args.out.as_deref(), lab)?;
        println!("{}", run_donuts_lab(&cfg, &out)?);
        Ok(())
    })
}
