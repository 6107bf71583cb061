//! Lab: the linear softmax classifier o = softmax(W x + b) on MNIST, trained by SGD on the
//! negative log-likelihood. `--manual` writes forward and backward by hand with the `tensor`
//! crate alone; without it the same model runs through `autograd`, `nn` and `optim`.
//! `--save FILE` writes the trained weights as safetensors under `nn::Linear`'s names (`weight`
//! `[10, 784]`, `bias` `[10]`), in both modes.

use autograd::{Reduction, Var};
use clap::Parser;
use datasets::Mnist;
use labs::cli::{at_least_one, learning_rate};
use labs::common::{out_dir, run_main};
use labs::mnist::eval::scores_in_chunks;
use labs::mnist::{accuracy, evaluate_module, ManualLinear, TEST_ACCURACY};
use labs::train::{Loop, TrainOptions};
use nn::{Linear, Module};
use optim::{Optimizer, SgdConfig, SGD};
use rand::{rngs::StdRng, SeedableRng};
use std::path::PathBuf;
use std::process::ExitCode;

const LAB: &str = "mnist-linear";

fn main() -> ExitCode {
    run_main(|| {
        let args: Args = labs::cli::parse()?;
        tensor::set_num_threads(args.threads);
        let out = out_dir(args.out.as_deref(), LAB)?;
        let mnist = Mnist::load_verbose(args.data_dir.as_deref())?;
        let (options, inputs, test) = (args.train_options(), mnist.train.image_size(), &mnist.test);
        report::header(&args);
        let history = if args.manual {
            // The model, the gradient of its loss and the SGD update, by hand: see
            // `ManualLinear::step`.
            let mut model = ManualLinear::new(inputs, 10, args.seed)?;
            let history = Loop::new(&options, mnist.train.len())
                .metric(TEST_ACCURACY, |m: &ManualLinear| {
                    accuracy(&scores_in_chunks(test, |x| m.logits(x))?, &test.labels)
                })
                .run(&mut model, |model, batch, lr| {
                    let (images, labels) = mnist.train.batch(batch)?;
                    model.step(&images, &labels, lr as f32)
                })?;
            report::save_manual(&args, &model, &history)?;
            history
        } else {
            // The model: the logits W x + b (the softmax is inside the loss).
            let model = Linear::<f32>::new(inputs, 10, &mut StdRng::seed_from_u64(args.seed))?;
            // The optimizer: plain SGD.
            let config = SgdConfig {
                lr: args.lr,
                ..Default::default()
            };
            let mut sgd = SGD::new(model.parameters(), config)?;
            let history = Loop::new(&options, mnist.train.len())
                .metric(TEST_ACCURACY, |_| evaluate_module(&model, test))
                .run(&mut sgd, |sgd, batch, lr| {
                    let (images, labels) = mnist.train.batch(batch)?;
                    let logits = model.forward(&Var::constant(images))?;
                    // The loss: cross-entropy, i.e. log-softmax and negative log-likelihood.
                    let loss = logits.cross_entropy(&labels, Reduction::Mean)?;
                    sgd.set_lr(lr)?;
                    sgd.zero_grad();
                    loss.backward()?;
                    sgd.step()?;
                    Ok(f64::from(loss.item()?))
                })?;
            report::save_autograd(&args, &model, &history)?;
            history
        };
        println!("{}", report::finish(&args, &out, &history)?);
        Ok(())
    })
}

/// Train a linear softmax classifier on MNIST.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Passes over the 60,000 training images.
    #[arg(long, value_name = "N", default_value = "10", value_parser = at_least_one, allow_negative_numbers = true)]
    epochs: usize,
    /// Images per SGD step.
    #[arg(long, value_name = "N", default_value = "64", value_parser = at_least_one, allow_negative_numbers = true)]
    batch_size: usize,
    /// Base learning rate (annealed by a cosine to lr/100 unless --constant-lr).
    #[arg(long, default_value = "1.0", value_parser = learning_rate, allow_negative_numbers = true)]
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
    /// Carry on when the loss diverges (NaN, infinite, or a hundredfold above where it started)
    /// instead of stopping with an error.
    #[arg(long)]
    no_divergence_check: bool,
    /// Threads for the matrix products (results are the same, bit for bit, at any count).
    #[arg(long, value_name = "N", default_value = "1", value_parser = at_least_one, allow_negative_numbers = true)]
    threads: usize,
    /// Save the trained weights here (safetensors: `weight` 10x784, `bias` 10).
    #[arg(long, value_name = "FILE")]
    save: Option<PathBuf>,
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

    fn mode(&self) -> &'static str {
        if self.manual {
            "manual"
        } else {
            "autograd"
        }
    }
}

/// What the lab prints and writes around its training.
mod report {
    use super::{Args, LAB};
    use labs::common::{result_line, LabError};
    use labs::mnist::figures::plot_learning_curves;
    use labs::mnist::{save_manual_linear, ManualLinear, TEST_ACCURACY};
    use labs::train::History;
    use nn::Linear;
    use std::path::Path;
    use vision::{save_model, Architecture};

    /// The line that says what is trained, and how.
    pub fn header(args: &Args) {
        let mode = if args.manual {
            "manual (tensor only)"
        } else {
            "autograd + nn + optim"
        };
        let schedule = if args.constant_lr {
            "constant"
        } else {
            "cosine-annealed"
        };
        println!(
            "{LAB}: softmax(W x + b), 784 -> 10, {mode}; {} epoch{}, batch {}, lr {} ({schedule}), seed {}",
            args.epochs,
            if args.epochs == 1 { "" } else { "s" },
            args.batch_size,
            args.lr,
            args.seed
        );
    }

    fn metadata(args: &Args, history: &History) -> [(&'static str, String); 5] {
        [
            ("lab", LAB.to_string()),
            ("mode", args.mode().to_string()),
            ("epochs", args.epochs.to_string()),
            ("seed", args.seed.to_string()),
            ("test_accuracy", format!("{:.4}", accuracy(history))),
        ]
    }

    fn accuracy(history: &History) -> f64 {
        history.metric(TEST_ACCURACY).unwrap_or(f64::NAN)
    }

    /// `--save` of the manual model.
    pub fn save_manual(
        args: &Args,
        model: &ManualLinear,
        history: &History,
    ) -> Result<(), LabError> {
        if let Some(path) = &args.save {
            save_manual_linear(model, &metadata(args, history), path)?;
            println!("model: {}", path.display());
        }
        Ok(())
    }

    /// `--save` of the `nn::Linear` model.
    pub fn save_autograd(
        args: &Args,
        model: &Linear<f32>,
        history: &History,
    ) -> Result<(), LabError> {
        if let Some(path) = &args.save {
            let arch = Architecture::Linear {
                inputs: model.in_features(),
                classes: model.out_features(),
            };
            save_model(model, &arch, &metadata(args, history), path)?;
            println!("model: {}", path.display());
        }
        Ok(())
    }

    /// Draws the learning curves and returns the `RESULT` line.
    pub fn finish(args: &Args, out: &Path, history: &History) -> Result<String, LabError> {
        let curves = out.join("learning_curves.png");
        plot_learning_curves(&curves, LAB, history)?;
        println!("figure: {}", curves.display());
        Ok(result_line(
            LAB,
            &[
                ("mode", args.mode().into()),
                ("epochs", args.epochs.to_string()),
                ("test_accuracy", format!("{:.4}", accuracy(history))),
                ("train_seconds", format!("{:.2}", history.train_seconds())),
            ],
        ))
    }
}
