//! Lab: a multilayer perceptron on MNIST (Linear, activation, ..., LogSoftmax + NLLLoss),
//! trained by SGD with momentum, and the four figures a person wants to see of a digit
//! classifier: the digits it was most and least certain of, right and wrong.
//!
//! `--save FILE` writes the trained model as safetensors (PyTorch's names and layouts, the
//! architecture in the metadata) for `mnist-predict`, PyTorch or `scripts/check_safetensors.py`;
//! `--save-predictions FILE` writes its test-set predictions, one digit per line.

use clap::Parser;
use datasets::Mnist;
use labs::checkpoint::Checkpointing;
use labs::common::{check_lr, out_dir, result_line, run_main};
use labs::mnist::{
    build_mlp, module_scores, plot_digit_figures, plot_learning_curves, save_model, train_mlp,
    write_predictions, Activation, Architecture, TrainConfig,
};
use nn::Module;
use std::path::PathBuf;
use std::process::ExitCode;

/// Train a multilayer perceptron on MNIST.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Passes over the 60,000 training images.
    #[arg(long, default_value_t = 15)]
    epochs: usize,
    /// Images per SGD step.
    #[arg(long, default_value_t = 64)]
    batch_size: usize,
    /// Base learning rate (annealed by a cosine to lr/100 unless --constant-lr).
    #[arg(long, default_value_t = 0.25)]
    lr: f64,
    /// Keep the learning rate constant.
    #[arg(long)]
    constant_lr: bool,
    /// SGD momentum.
    #[arg(long, default_value_t = 0.9)]
    momentum: f64,
    /// Hidden layer widths, comma-separated (e.g. 256 or 512,128).
    #[arg(long, value_delimiter = ',', default_value = "256")]
    hidden: Vec<usize>,
    /// Hidden activation: sigmoid, tanh or relu.
    #[arg(long, default_value = "sigmoid")]
    activation: Activation,
    /// Seed of the initial weights and the shuffles.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Folder with the four MNIST files (else $MNIST_DIR, else the cache data/mnist, fetched if empty).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Where figures go [default: out/mnist-mlp].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Save the trained model here (safetensors, PyTorch's names; the architecture in the metadata).
    #[arg(long, value_name = "FILE")]
    save: Option<PathBuf>,
    /// Write the model's predictions for the 10,000 test images here, one digit per line.
    #[arg(long, value_name = "FILE")]
    save_predictions: Option<PathBuf>,
    /// Save a checkpoint (parameters and optimizer state) here after every epoch.
    #[arg(long, value_name = "DIR")]
    checkpoint: Option<PathBuf>,
    /// Continue from the latest checkpoint in --checkpoint DIR (same options required); the
    /// final weights are those of a run that never stopped.
    #[arg(long, requires = "checkpoint")]
    resume: bool,
    /// Carry on when the loss becomes NaN or infinite instead of stopping with an error.
    #[arg(long)]
    no_divergence_check: bool,
    /// Threads for the matrix products (results are the same, bit for bit, at any count).
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

fn main() -> ExitCode {
    run_main(|| {
        let args = Args::parse();
        if args.threads == 0 {
            return Err("--threads must be at least 1".into());
        }
        tensor::set_num_threads(args.threads);
        let lab = "mnist-mlp";
        if args.epochs == 0 || args.batch_size == 0 || args.hidden.contains(&0) {
            return Err(
                "--epochs, --batch-size and every --hidden width must be at least 1".into(),
            );
        }
        let cfg = TrainConfig {
            epochs: args.epochs,
            batch_size: args.batch_size,
            lr: check_lr(args.lr)?,
            anneal: !args.constant_lr,
            seed: args.seed,
            verbose: true,
            check_divergence: !args.no_divergence_check,
            checkpoint: args.checkpoint.map(|dir| Checkpointing {
                dir,
                resume: args.resume,
            }),
        };
        let out = out_dir(args.out.as_deref(), lab)?;
        let mnist = Mnist::load_verbose(args.data_dir.as_deref())?;
        let model = build_mlp(
            mnist.train.image_size(),
            &args.hidden,
            10,
            args.activation,
            args.seed,
        )?;
        println!(
            "{lab}: {} ({} parameters); {} epochs, batch {}, lr {} ({}), momentum {}, seed {}",
            model.describe(),
            model.num_parameters(),
            cfg.epochs,
            cfg.batch_size,
            cfg.lr,
            if cfg.anneal {
                "cosine-annealed"
            } else {
                "constant"
            },
            args.momentum,
            cfg.seed
        );
        let run = train_mlp(&model, &mnist.train, &mnist.test, &cfg, args.momentum)?;
        let curves = out.join("learning_curves.png");
        plot_learning_curves(&curves, lab, &run.stats)?;
        println!("figure: {}", curves.display());
        let scores = module_scores(&model, &mnist.test)?;
        let probs = scores.exp(); // the model ends in LogSoftmax
        let accuracy = run.final_accuracy();
        if let Some(path) = &args.save {
            let arch = Architecture::Mlp {
                inputs: mnist.train.image_size(),
                hidden: args.hidden.clone(),
                activation: args.activation,
                classes: 10,
            };
            let extra = [
                ("lab", lab.to_string()),
                ("epochs", cfg.epochs.to_string()),
                ("seed", cfg.seed.to_string()),
                ("test_accuracy", format!("{accuracy:.4}")),
            ];
            save_model(&model, &arch, &extra, path)?;
            println!("model: {}", path.display());
        }
        if let Some(path) = &args.save_predictions {
            write_predictions(path, &scores.argmax_rows()?)?;
            println!("predictions: {}", path.display());
        }
        for path in plot_digit_figures(&out, &mnist.test, &probs, 8)? {
            println!("figure: {}", path.display());
        }
        println!(
            "{}",
            result_line(
                lab,
                &[
                    ("epochs", cfg.epochs.to_string()),
                    ("test_accuracy", format!("{accuracy:.4}")),
                    ("train_seconds", format!("{:.2}", run.train_seconds)),
                ]
            )
        );
        Ok(())
    })
}
