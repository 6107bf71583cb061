//! Lab: a single-layer perceptron (`nn::Linear(2, 1)` + `Sigmoid`, trained with `nn::BCELoss`
//! by SGD) separating two Gaussian blobs; the decision boundary, and the weights search over
//! its two weights with the path SGD took.

use clap::Parser;
use datasets::synthetic::two_blobs;
use labs::common::{out_dir, result_line, run_main};
use labs::figures::Line;
use labs::playground::{
    perceptron_loss, plot_regions, plot_weights_search, train_classifier, Classifier, SgdOptions,
};
use nn::Module;
use std::path::PathBuf;
use std::process::ExitCode;

/// Separate two Gaussian blobs with a single-layer perceptron.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Passes over the points.
    #[arg(long, default_value_t = 40)]
    epochs: usize,
    /// Points per SGD step.
    #[arg(long, default_value_t = 10)]
    batch_size: usize,
    /// Learning rate (constant).
    #[arg(long, default_value_t = 0.2)]
    lr: f64,
    /// Points per blob.
    #[arg(long, default_value_t = 100)]
    count: usize,
    /// Distance of each blob's centre from the origin (along the diagonal (1, 0.5)).
    #[arg(long, default_value_t = 2.0)]
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

fn main() -> ExitCode {
    run_main(|| {
        let args = Args::parse();
        let lab = "classification-sgd";
        let opts = SgdOptions {
            epochs: args.epochs,
            batch_size: args.batch_size,
            lr: args.lr,
            momentum: 0.0,
            anneal: false,
            seed: args.seed,
            verbose: true,
            log_every: (args.epochs / 10).max(1),
        };
        opts.check()?;
        let d = args.separation;
        let (cx, cy) = (d / 1.25f64.sqrt(), 0.5 * d / 1.25f64.sqrt());
        let data = two_blobs::<f64>(args.count, [(-cx, -cy), (cx, cy)], args.std, args.seed)?;
        let out = out_dir(args.out.as_deref(), lab)?;
        let clf = Classifier::perceptron(args.seed)?;
        println!(
            "{lab}: {} ({} parameters) on 2 x {} points (blobs at ±({cx:.2}, {cy:.2}), std {}); batch {}, lr {}, seed {}",
            clf.model.describe(),
            clf.model.num_parameters(),
            args.count,
            args.std,
            opts.batch_size,
            opts.lr,
            opts.seed
        );
        let params = clf.model.parameters();
        let (weight, bias) = (&params[0], &params[1]);
        let weights = |w: &autograd::Var<f64>| {
            let v = w.value().to_vec();
            (v[0], v[1])
        };
        let mut path = vec![weights(weight)];
        train_classifier(&clf, &data, &opts, |_, _| path.push(weights(weight)))?;
        let accuracy = clf.accuracy(&data)?;
        let (w1, w2) = weights(weight);
        let b = bias.value().to_vec()[0];
        let final_loss = perceptron_loss(&data, (w1, w2), b)?;
        let boundary = out.join("decision_boundary.png");
        plot_regions(
            &boundary,
            &format!(
                "{lab}: decision boundary (accuracy {:.1}%)",
                100.0 * accuracy
            ),
            &clf,
            &data,
            &["class 0".to_string(), "class 1".to_string()],
            vec![
                Line::implicit(format!("{w1:.2} x1 {w2:+.2} x2 {b:+.2} = 0"), w1, w2, b)
                    .with_color(labs::figures::class_color(3)),
            ],
        )?;
        let search = out.join("weights_search.png");
        plot_weights_search(
            &search,
            &format!("{lab}: BCE over (w1, w2), bias held at {b:.3}"),
            ("w1", "w2"),
            &path,
            (w1, w2),
            120,
            |a, c| perceptron_loss(&data, (a, c), b),
        )?;
        for f in [&boundary, &search] {
            println!("figure: {}", f.display());
        }
        println!(
            "{}",
            result_line(
                lab,
                &[
                    ("epochs", opts.epochs.to_string()),
                    ("w1", format!("{w1:.4}")),
                    ("w2", format!("{w2:.4}")),
                    ("b", format!("{b:.4}")),
                    ("final_loss", format!("{final_loss:.5}")),
                    ("accuracy", format!("{accuracy:.4}")),
                ]
            )
        );
        Ok(())
    })
}
