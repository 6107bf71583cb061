//! Lab: a multilayer perceptron on MNIST (Linear, activation, ..., LogSoftmax + NLLLoss),
//! trained by SGD with momentum, and the four figures a person wants to see of a digit
//! classifier: the digits it was most and least certain of, right and wrong.
//!
//! `--save FILE` writes the trained model as safetensors (PyTorch's names and layouts, the
//! architecture in the metadata) for `mnist-predict`, PyTorch or `scripts/check_safetensors.py`;
//! `--save-predictions FILE` writes its test-set predictions, one digit per line.

use autograd::Var;
use clap::Parser;
use datasets::Mnist;
use labs::checkpoint::{run_options, Checkpoints};
use labs::cli::{at_least_one, learning_rate, momentum, widths, Widths};
use labs::common::{out_dir, run_main};
use labs::graph::write_step_graph;
use labs::mnist::{evaluate_module, TEST_ACCURACY};
use labs::train::{Loop, TrainOptions};
use nn::{Activation, LogSoftmax, Mlp, Module, NLLLoss, Sequential};
use optim::{Optimizer, SgdConfig, SGD};
use rand::{rngs::StdRng, SeedableRng};
use std::path::PathBuf;
use std::process::ExitCode;

const LAB: &str = "mnist-mlp";

fn main() -> ExitCode {
    run_main(|| {
        let args: Args = labs::cli::parse()?;
        tensor::set_num_threads(args.threads);
        let out = out_dir(args.out.as_deref(), LAB)?;
        let mnist = Mnist::load_verbose(args.data_dir.as_deref())?;
        let (options, pixels) = (args.train_options(), mnist.train.image_size());

        // The model: 784 pixels -> hidden layers -> 10 log-probabilities, one per digit.
        let model = Mlp::new(pixels, &args.hidden.0, 10, args.activation)
            .build(&mut StdRng::seed_from_u64(args.seed))?
            .add(LogSoftmax::new(1));
        // The loss: the negative log-likelihood of the right digit.
        let nll = NLLLoss::default();
        // The optimizer: SGD with momentum.
        let config = SgdConfig {
            lr: args.lr,
            momentum: args.momentum,
            ..Default::default()
        };
        let mut sgd = SGD::new(model.parameters(), config)?;
        report::header(&args, &model);

        // --graph FILE: the graph of a step on the first batch (forward, loss, backward).
        if let Some(path) = &args.graph {
            let first: Vec<usize> = (0..options.batch_size.min(mnist.train.len())).collect();
            let (images, labels) = mnist.train.batch(&first)?;
            let loss = nll.forward(&model.forward(&Var::constant(images))?, &labels)?;
            write_step_graph(path, &loss, &model)?;
        }

        // The loop: every epoch, every shuffled batch; the test accuracy after each epoch.
        let checkpoints = args.checkpoints(&model, &options);
        let history = Loop::new(&options, mnist.train.len())
            .resume(checkpoints.resume(&model, &mut sgd)?)
            .metric(TEST_ACCURACY, |_| evaluate_module(&model, &mnist.test))
            .after_epoch(|sgd, history| checkpoints.save(&model, sgd, history))
            .run(&mut sgd, |sgd, batch, lr| {
                let (images, labels) = mnist.train.batch(batch)?;
                let loss = nll.forward(&model.forward(&Var::constant(images))?, &labels)?;
                sgd.set_lr(lr)?;
                sgd.zero_grad();
                loss.backward()?;
                sgd.step()?;
                Ok(f64::from(loss.item()?))
            })?;

        println!("{}", report::finish(&args, &out, &model, &mnist, &history)?);
        Ok(())
    })
}

/// Train a multilayer perceptron on MNIST.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Passes over the 60,000 training images.
    #[arg(long, value_name = "N", default_value = "15", value_parser = at_least_one, allow_negative_numbers = true)]
    epochs: usize,
    /// Images per SGD step.
    #[arg(long, value_name = "N", default_value = "64", value_parser = at_least_one, allow_negative_numbers = true)]
    batch_size: usize,
    /// Base learning rate (annealed by a cosine to lr/100 unless --constant-lr).
    #[arg(long, default_value = "0.25", value_parser = learning_rate, allow_negative_numbers = true)]
    lr: f64,
    /// Keep the learning rate constant.
    #[arg(long)]
    constant_lr: bool,
    /// SGD momentum, in [0, 1).
    #[arg(long, default_value = "0.9", value_parser = momentum, allow_negative_numbers = true)]
    momentum: f64,
    /// Hidden layer widths, comma-separated (e.g. 256 or 512,128; empty for none).
    #[arg(long, default_value = "256", value_parser = widths, allow_hyphen_values = true)]
    hidden: Widths,
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
    /// Carry on when the loss diverges (NaN, infinite, or a hundredfold above where it started)
    /// instead of stopping with an error.
    #[arg(long)]
    no_divergence_check: bool,
    /// Write the autograd graph of one training step here as Graphviz DOT, with the parameters'
    /// names and gradient norms (and FILE.png beside it when Graphviz's `dot` is installed).
    #[arg(long, value_name = "FILE")]
    graph: Option<PathBuf>,
    /// Threads for the matrix products (results are the same, bit for bit, at any count).
    #[arg(long, value_name = "N", default_value = "1", value_parser = at_least_one, allow_negative_numbers = true)]
    threads: usize,
}

impl Args {
    fn train_options(&self) -> TrainOptions {
        TrainOptions {
            epochs: self.epochs,
            batch_size: self.batch_size,
            lr: self.lr,
            anneal: !self.constant_lr,
            seed: self.seed,
            verbose: true,
            log_every: 1,
            check_divergence: !self.no_divergence_check,
        }
    }

    /// `--checkpoint DIR` and `--resume`, for a run of `model` with `options`.
    fn checkpoints(&self, model: &Sequential<f32>, options: &TrainOptions) -> Checkpoints {
        let momentum = [("momentum", format!("{:?}", self.momentum))];
        let run = run_options(model, options, &momentum);
        Checkpoints::new(self.checkpoint.clone(), self.resume, run)
    }
}

/// What the lab prints and writes around its training.
mod report {
    use super::{Args, LAB};
    use datasets::Mnist;
    use labs::common::{result_line, LabError};
    use labs::mnist::figures::{plot_digit_figures, plot_learning_curves};
    use labs::mnist::{module_scores, write_predictions, TEST_ACCURACY};
    use labs::train::History;
    use nn::{Module, Sequential};
    use std::path::Path;
    use vision::{save_model, Architecture};

    /// The line that says what is trained, and how.
    pub fn header(args: &Args, model: &Sequential<f32>) {
        let schedule = if args.constant_lr {
            "constant"
        } else {
            "cosine-annealed"
        };
        println!(
            "{LAB}: {} parameters; {} epoch{}, batch {}, lr {} ({schedule}), momentum {}, seed {}\n{model:?}",
            model.num_parameters(),
            args.epochs,
            if args.epochs == 1 { "" } else { "s" },
            args.batch_size,
            args.lr,
            args.momentum,
            args.seed
        );
    }

    /// Saves what was asked for, draws the figures, and returns the `RESULT` line.
    pub fn finish(
        args: &Args,
        out: &Path,
        model: &Sequential<f32>,
        mnist: &Mnist,
        history: &History,
    ) -> Result<String, LabError> {
        let curves = out.join("learning_curves.png");
        plot_learning_curves(&curves, LAB, history)?;
        println!("figure: {}", curves.display());
        let scores = module_scores(model, &mnist.test)?;
        let probs = scores.exp(); // the model ends in LogSoftmax
        let accuracy = history.metric(TEST_ACCURACY).unwrap_or(f64::NAN);
        if let Some(path) = &args.save {
            let arch = Architecture::Mlp {
                inputs: mnist.train.image_size(),
                hidden: args.hidden.0.clone(),
                activation: args.activation,
                classes: 10,
            };
            let extra = [
                ("lab", LAB.to_string()),
                ("epochs", args.epochs.to_string()),
                ("seed", args.seed.to_string()),
                ("test_accuracy", format!("{accuracy:.4}")),
            ];
            save_model(model, &arch, &extra, path)?;
            println!("model: {}", path.display());
        }
        if let Some(path) = &args.save_predictions {
            write_predictions(path, &scores.argmax_rows()?)?;
            println!("predictions: {}", path.display());
        }
        for path in plot_digit_figures(out, &mnist.test, &probs, 8)? {
            println!("figure: {}", path.display());
        }
        Ok(result_line(
            LAB,
            &[
                ("epochs", args.epochs.to_string()),
                ("test_accuracy", format!("{accuracy:.4}")),
                ("train_seconds", format!("{:.2}", history.train_seconds())),
            ],
        ))
    }
}
