//! Lab: the linear softmax classifier o = softmax(W x + b) on MNIST, trained by SGD on the
//! negative log-likelihood. `--manual` writes forward and backward by hand with the `tensor`
//! crate alone; without it the same model runs through `autograd`, `nn` and `optim`.
//! `--save FILE` writes the trained weights as safetensors under `nn::Linear`'s names (`weight`
//! `[10, 784]`, `bias` `[10]`), in both modes.

use clap::Parser;
use datasets::Mnist;
use labs::common::{check_lr, out_dir, result_line, run_main};
use labs::mnist::{
    plot_learning_curves, save_manual_linear, save_model, train_linear_autograd,
    train_linear_manual, Architecture, TrainConfig,
};
use std::path::PathBuf;
use std::process::ExitCode;

/// Train a linear softmax classifier on MNIST.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Passes over the 60,000 training images.
    #[arg(long, default_value_t = 10)]
    epochs: usize,
    /// Images per SGD step.
    #[arg(long, default_value_t = 64)]
    batch_size: usize,
    /// Base learning rate (annealed by a cosine to lr/100 unless --constant-lr).
    #[arg(long, default_value_t = 1.0)]
    lr: f64,
    /// Keep the learning rate constant.
    #[arg(long)]
    constant_lr: bool,
    /// Seed of the initial weights and the shuffles.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Folder with the four MNIST files (else $MNIST_DIR, else the cache data/mnist, fetched if empty).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Where figures go [default: out/mnist-linear].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Use the tensor crate alone, with the gradient written by hand.
    #[arg(long)]
    manual: bool,
    /// Carry on when the loss becomes NaN or infinite instead of stopping with an error.
    #[arg(long)]
    no_divergence_check: bool,
    /// Threads for the matrix products (results are the same, bit for bit, at any count).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Save the trained weights here (safetensors: `weight` 10x784, `bias` 10).
    #[arg(long, value_name = "FILE")]
    save: Option<PathBuf>,
}

fn main() -> ExitCode {
    run_main(|| {
        let args = Args::parse();
        if args.threads == 0 {
            return Err("--threads must be at least 1".into());
        }
        tensor::set_num_threads(args.threads);
        let lab = "mnist-linear";
        if args.epochs == 0 || args.batch_size == 0 {
            return Err("--epochs and --batch-size must be at least 1".into());
        }
        let cfg = TrainConfig {
            epochs: args.epochs,
            batch_size: args.batch_size,
            lr: check_lr(args.lr)?,
            anneal: !args.constant_lr,
            seed: args.seed,
            verbose: true,
            check_divergence: !args.no_divergence_check,
            checkpoint: None,
        };
        let out = out_dir(args.out.as_deref(), lab)?;
        let mnist = Mnist::load_verbose(args.data_dir.as_deref())?;
        let mode = if args.manual {
            "manual (tensor only)"
        } else {
            "autograd + nn + optim"
        };
        println!(
            "{lab}: softmax(W x + b), 784 -> 10, {mode}; {} epochs, batch {}, lr {} ({}), seed {}",
            cfg.epochs,
            cfg.batch_size,
            cfg.lr,
            if cfg.anneal {
                "cosine-annealed"
            } else {
                "constant"
            },
            cfg.seed
        );
        let mode_name = if args.manual { "manual" } else { "autograd" };
        let extra = |run: &labs::mnist::Run| {
            [
                ("lab", lab.to_string()),
                ("mode", mode_name.to_string()),
                ("epochs", cfg.epochs.to_string()),
                ("seed", cfg.seed.to_string()),
                ("test_accuracy", format!("{:.4}", run.final_accuracy())),
            ]
        };
        let run = if args.manual {
            let (model, run) = train_linear_manual(&mnist.train, &mnist.test, &cfg)?;
            if let Some(path) = &args.save {
                save_manual_linear(&model, &extra(&run), path)?;
            }
            run
        } else {
            let (model, run) = train_linear_autograd(&mnist.train, &mnist.test, &cfg)?;
            if let Some(path) = &args.save {
                let arch = Architecture::Linear {
                    inputs: model.in_features(),
                    classes: model.out_features(),
                };
                save_model(&model, &arch, &extra(&run), path)?;
            }
            run
        };
        if let Some(path) = &args.save {
            println!("model: {}", path.display());
        }
        let curves = out.join("learning_curves.png");
        plot_learning_curves(&curves, "mnist-linear", &run.stats)?;
        println!("figure: {}", curves.display());
        println!(
            "{}",
            result_line(
                lab,
                &[
                    ("mode", mode_name.into()),
                    ("epochs", cfg.epochs.to_string()),
                    ("test_accuracy", format!("{:.4}", run.final_accuracy())),
                    ("train_seconds", format!("{:.2}", run.train_seconds)),
                ]
            )
        );
        Ok(())
    })
}
