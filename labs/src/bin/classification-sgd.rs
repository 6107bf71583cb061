//! Lab: a single-layer perceptron (`nn::Linear(2, 1)` + `Sigmoid`, trained with `nn::BCELoss`
//! by SGD) separating two Gaussian blobs; the decision boundary, and the weights search over
//! its two weights with the path SGD took.

use autograd::Var;
use clap::Parser;
use datasets::synthetic::{two_blobs, Classification};
use labs::cli::{at_least_one, learning_rate};
use labs::common::{out_dir, result_line, run_main, LabError};
use labs::playground::points::{accuracy, perceptron_loss};
use labs::train::{Loop, TrainOptions};
use nn::{BCELoss, Linear, Module, Sequential, Sigmoid};
use optim::{Optimizer, SgdConfig, SGD};
use rand::{rngs::StdRng, SeedableRng};
use std::path::PathBuf;
use std::process::ExitCode;

const LAB: &str = "classification-sgd";

fn main() -> ExitCode {
    run_main(|| {
        let args: Args = labs::cli::parse()?;
        let d = args.separation;
        let (cx, cy) = (d / 1.25f64.sqrt(), 0.5 * d / 1.25f64.sqrt());
        let data = two_blobs::<f64>(args.count, [(-cx, -cy), (cx, cy)], args.std, args.seed)?;
        let out = out_dir(args.out.as_deref(), LAB)?;

        // The model: the probability of class 1, Sigmoid(w1 x1 + w2 x2 + b).
        let perceptron = Linear::<f64>::new(2, 1, &mut StdRng::seed_from_u64(args.seed))?;
        let weight = perceptron.weight.clone();
        let model = Sequential::new().add(perceptron).add(Sigmoid);
        // The loss: the binary cross-entropy.
        let bce = BCELoss::default();
        // The optimizer: plain SGD.
        let config = SgdConfig {
            lr: args.lr,
            ..Default::default()
        };
        let mut sgd = SGD::new(model.parameters(), config)?;
        args.print_header(&model, (cx, cy));
        // The loop: mini-batches of points; the two weights recorded after each step.
        let weights = |w: &Var<f64>| {
            let v = w.value().to_vec();
            (v[0], v[1])
        };
        let mut path = vec![weights(&weight)];
        let history = Loop::new(&args.train_options(), data.len())
            .metric("train acc", |_| accuracy(&model, &data))
            .run(&mut sgd, |sgd, batch, lr| {
                let x = Var::constant(data.x.select_rows(batch)?);
                let y = Var::constant(data.y.select_rows(batch)?);
                let loss = bce.forward(&model.forward(&x)?, &y)?;
                sgd.set_lr(lr)?;
                sgd.zero_grad();
                loss.backward()?;
                sgd.step()?;
                path.push(weights(&weight));
                Ok(loss.item()?)
            })?;

        println!(
            "{}",
            report(&out, &model, &data, &path, history.epochs.len())?
        );
        Ok(())
    })
}

/// Separate two Gaussian blobs with a single-layer perceptron.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Passes over the points.
    #[arg(long, value_name = "N", default_value = "40", value_parser = at_least_one, allow_negative_numbers = true)]
    epochs: usize,
    /// Points per SGD step.
    #[arg(long, value_name = "N", default_value = "10", value_parser = at_least_one, allow_negative_numbers = true)]
    batch_size: usize,
    /// Learning rate (constant).
    #[arg(long, default_value = "0.2", value_parser = learning_rate, allow_negative_numbers = true)]
    lr: f64,
    /// Points per blob.
    #[arg(long, value_name = "N", default_value = "100", value_parser = at_least_one, allow_negative_numbers = true)]
    count: usize,
    /// Distance of each blob's centre from the origin (along the diagonal (1, 0.5)).
    #[arg(long, default_value_t = 2.0, allow_hyphen_values = true)]
    separation: f64,
    /// Standard deviation of each blob.
    #[arg(long, default_value_t = 0.6)]
    std: f64,
    /// Seed of the points, the initial weights and the batch order.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Where figures go [default: out/classification-sgd].
    #[arg(long)]
    out: Option<PathBuf>,
}

impl Args {
    /// A constant rate, a table row every tenth of the run.
    fn train_options(&self) -> TrainOptions {
        TrainOptions {
            epochs: self.epochs,
            batch_size: self.batch_size,
            lr: self.lr,
            anneal: false,
            seed: self.seed,
            verbose: true,
            log_every: (self.epochs / 10).max(1),
            check_divergence: true,
        }
    }

    fn print_header(&self, model: &Sequential<f64>, (cx, cy): (f64, f64)) {
        println!(
            "{LAB}: {} parameters, on 2 x {} points (blobs at ±({cx:.2}, {cy:.2}), std {}); batch {}, lr {}, seed {}\n{model:?}",
            model.num_parameters(),
            self.count,
            self.std,
            self.batch_size,
            self.lr,
            self.seed
        );
    }
}

/// Draws the decision boundary and the weights search, and returns the `RESULT` line.
fn report(
    out: &std::path::Path,
    model: &Sequential<f64>,
    data: &Classification<f64>,
    path: &[(f64, f64)],
    epochs: usize,
) -> Result<String, LabError> {
    use labs::figures::{class_color, Line};
    use labs::playground::figures::{plot_regions, plot_weights_search};
    let params = model.parameters();
    let (w1, w2) = *path.last().expect("the path has its start");
    let b = params[1].value().to_vec()[0];
    let accuracy = accuracy(model, data)?;
    let final_loss = perceptron_loss(data, (w1, w2), b)?;
    let boundary = out.join("decision_boundary.png");
    plot_regions(
        &boundary,
        &format!(
            "{LAB}: decision boundary (accuracy {:.1}%)",
            100.0 * accuracy
        ),
        model,
        data,
        &["class 0".to_string(), "class 1".to_string()],
        vec![
            Line::implicit(format!("{w1:.2} x1 {w2:+.2} x2 {b:+.2} = 0"), w1, w2, b)
                .with_color(class_color(3)),
        ],
    )?;
    let search = out.join("weights_search.png");
    plot_weights_search(
        &search,
        &format!("{LAB}: BCE over (w1, w2), bias held at {b:.3}"),
        ("w1", "w2"),
        path,
        (w1, w2),
        120,
        |a, c| perceptron_loss(data, (a, c), b),
    )?;
    for f in [&boundary, &search] {
        println!("figure: {}", f.display());
    }
    Ok(result_line(
        LAB,
        &[
            ("epochs", epochs.to_string()),
            ("w1", format!("{w1:.4}")),
            ("w2", format!("{w2:.4}")),
            ("b", format!("{b:.4}")),
            ("final_loss", format!("{final_loss:.5}")),
            ("accuracy", format!("{accuracy:.4}")),
        ],
    ))
}
