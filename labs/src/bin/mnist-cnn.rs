//! Lab: a convolutional network on MNIST (two conv → batch norm → ReLU → max-pool blocks, then
//! Linear → ReLU → dropout → Linear), trained by AdamW with a learning rate that follows a
//! cosine at every step, on digits shifted by up to two pixels; the four certainty figures and
//! the learning curves of the other MNIST labs, and two of a CNN: the first layer's filters and
//! one test digit's feature maps through each convolution.
//!
//! `--save FILE` writes the trained model as safetensors (PyTorch's names, the batch norms'
//! buffers beside the parameters, the architecture in the metadata) for `mnist-predict` and
//! `scripts/cnn_load_state_dict.py`.

use autograd::Var;
use clap::Parser;
use datasets::Mnist;
use labs::checkpoint::{run_options, Checkpoints};
use labs::cli::{at_least_one, learning_rate, momentum, non_negative};
use labs::common::{out_dir, run_main};
use labs::mnist::{evaluate_module, TEST_ACCURACY};
use labs::train::{Loop, TrainOptions};
use nn::{CrossEntropyLoss, Module};
use optim::{AdamW, AdamWConfig, Optimizer};
use rand::{rngs::StdRng, SeedableRng};
use std::cell::RefCell;
use std::path::PathBuf;
use std::process::ExitCode;
use vision::{Cnn, CnnShape};

const LAB: &str = "mnist-cnn";

fn main() -> ExitCode {
    run_main(|| {
        let args: Args = labs::cli::parse()?;
        tensor::set_num_threads(args.threads);
        let out = out_dir(args.out.as_deref(), LAB)?;
        let mnist = Mnist::load_verbose(args.data_dir.as_deref())?;
        let options = args.train_options();
        let side = mnist.train.rows;
        if mnist.train.cols != side {
            return Err(format!(
                "expected square images, found {}x{}",
                side, mnist.train.cols
            )
            .into());
        }

        // The model: 28x28 digits -> two convolution blocks -> 128 -> 10 logits. Training and
        // evaluation differ (batch statistics and dropout), so the loop switches it: a RefCell.
        let shape = CnnShape {
            side,
            ..CnnShape::default()
        };
        let model = RefCell::new(Cnn::new(shape, args.dropout, args.seed)?);
        // The loss: cross-entropy of the logits.
        let loss_fn = CrossEntropyLoss::default();
        // The optimizer: AdamW.
        let config = AdamWConfig {
            lr: args.lr,
            weight_decay: args.weight_decay,
            ..Default::default()
        };
        let mut adamw = AdamW::new(model.borrow().parameters(), config)?;
        report::header(&args, &model.borrow());

        // The loop: every epoch, every shuffled batch of shifted digits; the test accuracy
        // (in evaluation mode) after each epoch.
        let checkpoints = args.checkpoints(&model.borrow(), &options);
        let resumed = checkpoints.resume(&*model.borrow(), &mut adamw)?;
        let history = Loop::new(&options, mnist.train.len())
            .anneal_per_step()
            .resume(resumed)
            .metric(TEST_ACCURACY, |_| {
                model.borrow_mut().set_training(false);
                let accuracy = evaluate_module(&*model.borrow(), &mnist.test);
                model.borrow_mut().set_training(true);
                accuracy
            })
            .after_epoch(|adamw, history| checkpoints.save(&*model.borrow(), adamw, history))
            .run(&mut adamw, |adamw, batch, lr| {
                // The shifts and the dropout mask come from the batch itself, so a resumed
                // run draws what an unbroken one would.
                let seed = batch_seed(args.seed, batch);
                let mut rng = StdRng::seed_from_u64(seed);
                let (images, labels) =
                    mnist.train.shifted_batch(batch, args.max_shift, &mut rng)?;
                let model = model.borrow();
                model.dropout.reseed(seed ^ 0x9e37_79b9_7f4a_7c15);
                let loss = loss_fn.forward(&model.forward(&Var::constant(images))?, &labels)?;
                adamw.set_lr(lr)?;
                adamw.zero_grad();
                loss.backward()?;
                adamw.step()?;
                Ok(f64::from(loss.item()?))
            })?;

        let mut model = model.into_inner();
        model.set_training(false);
        println!("{}", report::finish(&args, &out, &model, &mnist, &history)?);
        Ok(())
    })
}

/// A seed for one step: the run's seed and the batch's sample indices (FNV-1a), which differ
/// from step to step and epoch to epoch.
fn batch_seed(seed: u64, batch: &[usize]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for &i in batch {
        h = (h ^ i as u64).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Train a convolutional network on MNIST.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Passes over the 60,000 training images.
    #[arg(long, value_name = "N", default_value = "10", value_parser = at_least_one, allow_negative_numbers = true)]
    epochs: usize,
    /// Images per step.
    #[arg(long, value_name = "N", default_value = "64", value_parser = at_least_one, allow_negative_numbers = true)]
    batch_size: usize,
    /// Base learning rate (annealed by a cosine, step by step, to lr/100 unless --constant-lr).
    #[arg(long, default_value = "0.001", value_parser = learning_rate, allow_negative_numbers = true)]
    lr: f64,
    /// Keep the learning rate constant.
    #[arg(long)]
    constant_lr: bool,
    /// AdamW's decoupled weight decay.
    #[arg(long, default_value = "0.01", value_parser = non_negative, allow_negative_numbers = true)]
    weight_decay: f64,
    /// Dropout probability before the last layer, in [0, 1).
    #[arg(long, default_value = "0.25", value_parser = momentum, allow_negative_numbers = true)]
    dropout: f64,
    /// Shift each training digit by up to this many pixels in x and y (0: no shifts).
    #[arg(long, value_name = "PIXELS", default_value = "2")]
    max_shift: usize,
    /// Seed of the initial weights, the shuffles, the shifts and the dropout masks.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Folder with the four MNIST files (else $MNIST_DIR, else the cache data/mnist, fetched if empty).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Where figures go [default: out/mnist-cnn].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Save the trained model here (safetensors, PyTorch's names; the architecture in the metadata).
    #[arg(long, value_name = "FILE")]
    save: Option<PathBuf>,
    /// Write the model's predictions for the 10,000 test images here, one digit per line.
    #[arg(long, value_name = "FILE")]
    save_predictions: Option<PathBuf>,
    /// Save a checkpoint (parameters, buffers and optimizer state) here after every epoch.
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
    fn checkpoints(&self, model: &Cnn, options: &TrainOptions) -> Checkpoints {
        let extra = [
            ("optimizer", "adamw".to_string()),
            ("weight_decay", format!("{:?}", self.weight_decay)),
            ("dropout", format!("{:?}", self.dropout)),
            ("max_shift", self.max_shift.to_string()),
            ("schedule", "cosine per step".to_string()),
        ];
        let run = run_options(model, options, &extra);
        Checkpoints::new(self.checkpoint.clone(), self.resume, run)
    }
}

/// What the lab prints and writes around its training.
mod report {
    use super::{Args, LAB};
    use datasets::Mnist;
    use labs::common::{result_line, LabError};
    use labs::mnist::figures::{
        plot_digit_figures, plot_feature_maps, plot_filters, plot_learning_curves,
    };
    use labs::mnist::TEST_ACCURACY;
    use labs::mnist::{module_scores, write_predictions};
    use labs::train::History;
    use nn::Module;
    use std::path::Path;
    use vision::{save_model, Architecture, Cnn};

    /// The line that says what is trained, and how.
    pub fn header(args: &Args, model: &Cnn) {
        let schedule = match args.constant_lr {
            true => "constant",
            false => "cosine-annealed per step",
        };
        println!(
            "{LAB}: {} parameters; {} epoch{}, batch {}, AdamW lr {} ({schedule}), weight decay {}, dropout {}, shifts up to {} px, seed {}\n{model}",
            model.num_parameters(),
            args.epochs,
            if args.epochs == 1 { "" } else { "s" },
            args.batch_size,
            args.lr,
            args.weight_decay,
            args.dropout,
            args.max_shift,
            args.seed
        );
    }

    /// Saves what was asked for, draws the figures, and returns the `RESULT` line. `model` is
    /// in evaluation mode.
    pub fn finish(
        args: &Args,
        out: &Path,
        model: &Cnn,
        mnist: &Mnist,
        history: &History,
    ) -> Result<String, LabError> {
        let curves = out.join("learning_curves.png");
        plot_learning_curves(&curves, LAB, history)?;
        println!("figure: {}", curves.display());
        let scores = module_scores(model, &mnist.test)?;
        let probs = scores.softmax(1)?; // the model returns logits
        let accuracy = history.metric(TEST_ACCURACY).unwrap_or(f64::NAN);
        if let Some(path) = &args.save {
            let arch = Architecture::Cnn {
                shape: model.shape(),
                dropout: args.dropout,
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
        let mut paths = plot_digit_figures(out, &mnist.test, &probs, 8)?;
        paths.push(plot_filters(out, &model.conv1.weight.to_tensor())?);
        paths.extend(plot_feature_maps(out, model, &mnist.test, 0)?);
        for path in paths {
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
