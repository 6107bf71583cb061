//! What the two donut labs (`three-donuts-mlp`, `six-donuts-mlp`) share: their options, their
//! rings of points, and their report (figures and the `RESULT` line). The model, the loss, the
//! optimizer and the loop are in each lab's `main`.

use super::figures::{plot_loss_curve, plot_regions};
use super::points::accuracy;
use crate::cli::{at_least_one, learning_rate, momentum, widths, Widths};
use crate::common::{out_dir, result_line, LabError};
use crate::train::{History, TrainOptions};
use datasets::synthetic::{donuts, Classification};
use nn::{Activation, Module};

/// The command line of a donut lab; [`DonutsArgs::parse`] gives it the lab's name and default
/// epochs (the number of rings is fixed by the binary).
#[derive(clap::Parser, Debug)]
#[command(version)]
pub struct DonutsArgs {
    /// Passes over the training points [default: 150 for three rings, 300 for six].
    #[arg(long, value_name = "N", value_parser = at_least_one, allow_negative_numbers = true)]
    pub epochs: Option<usize>,
    /// Points per SGD step.
    #[arg(long, value_name = "N", default_value = "32", value_parser = at_least_one, allow_negative_numbers = true)]
    pub batch_size: usize,
    /// Base learning rate (annealed by a cosine to lr/100 unless --constant-lr).
    #[arg(long, default_value = "0.05", value_parser = learning_rate, allow_negative_numbers = true)]
    pub lr: f64,
    /// Keep the learning rate constant.
    #[arg(long)]
    pub constant_lr: bool,
    /// SGD momentum, in [0, 1).
    #[arg(long, default_value = "0.9", value_parser = momentum, allow_negative_numbers = true)]
    pub momentum: f64,
    /// Hidden layer widths, comma-separated.
    #[arg(long, default_value = "16,16", value_parser = widths, allow_hyphen_values = true)]
    pub hidden: Widths,
    /// Hidden activation: sigmoid, tanh or relu.
    #[arg(long, default_value = "tanh")]
    pub activation: Activation,
    /// Training points per ring (the test set has as many).
    #[arg(long, value_name = "N", default_value = "200", value_parser = at_least_one, allow_negative_numbers = true)]
    pub points_per_ring: usize,
    /// Seed of the training points, the initial weights and the batch order (the test points
    /// use another seed derived from it).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Where figures go [default: out/LAB, the lab's name].
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
}

impl DonutsArgs {
    /// Parses the command line of the lab `lab` (its name in `--help` and in errors), whose
    /// rings number `rings` and whose epochs default to `default_epochs`.
    pub fn parse(lab: &'static str, rings: usize, default_epochs: usize) -> Result<Self, LabError> {
        use clap::CommandFactory;
        let command = DonutsArgs::command().name(lab).about(format!(
            "Separate {rings} concentric rings of points with a multilayer perceptron."
        ));
        let mut args: DonutsArgs = crate::cli::parse_command(command)?;
        args.epochs.get_or_insert(default_epochs);
        Ok(args)
    }

    /// How the lab trains: a table row every tenth of the run.
    pub fn train_options(&self) -> TrainOptions {
        let epochs = self.epochs.unwrap_or(1);
        TrainOptions {
            epochs,
            batch_size: self.batch_size,
            lr: self.lr,
            anneal: !self.constant_lr,
            seed: self.seed,
            verbose: true,
            log_every: (epochs / 10).max(1),
            check_divergence: true,
        }
    }

    /// The training rings and the held-out rings (drawn with [`test_seed`]).
    pub fn rings(
        &self,
        rings: usize,
    ) -> Result<(Classification<f64>, Classification<f64>), LabError> {
        Ok((
            donuts::<f64>(rings, self.points_per_ring, self.seed)?,
            donuts::<f64>(rings, self.points_per_ring, test_seed(self.seed))?,
        ))
    }
}

/// The seed of a donut lab's test set: a fixed offset from the training seed, so the two sets
/// never coincide.
pub fn test_seed(seed: u64) -> u64 {
    seed ^ 0x7E57_5EED
}

/// The end of a donut lab: prints the accuracies, writes the decision regions over the test
/// points and the loss curve into the output folder, prints their paths, and returns the
/// `RESULT` line.
pub fn report(
    lab: &str,
    args: &DonutsArgs,
    model: &dyn Module<f64>,
    (train, test): (&Classification<f64>, &Classification<f64>),
    history: &History,
) -> Result<String, LabError> {
    let out = out_dir(args.out.as_deref(), lab)?;
    let (train_accuracy, test_accuracy) = (accuracy(model, train)?, accuracy(model, test)?);
    println!(
        "{lab}: train accuracy {train_accuracy:.4}, test accuracy {test_accuracy:.4} ({} held-out points, seed {})",
        test.len(),
        test_seed(args.seed)
    );
    let rings = test.labels.iter().max().map_or(0, |&m| m + 1);
    let names: Vec<String> = (0..rings).map(|k| format!("ring {}", k + 1)).collect();
    let regions = out.join("decision_regions.png");
    plot_regions(
        &regions,
        &format!("{lab}: test points, {:.1}% right", 100.0 * test_accuracy),
        model,
        test,
        &names,
        Vec::new(),
    )?;
    let curve = out.join("loss_curve.png");
    plot_loss_curve(
        &curve,
        &format!("{lab}: training loss"),
        "NLL loss",
        &history.losses(),
    )?;
    for f in [&regions, &curve] {
        println!("figure: {}", f.display());
    }
    Ok(result_line(
        lab,
        &[
            ("epochs", history.epochs.len().to_string()),
            ("train_accuracy", format!("{train_accuracy:.4}")),
            ("accuracy", format!("{test_accuracy:.4}")),
            ("final_loss", format!("{:.5}", history.final_loss())),
            ("train_seconds", format!("{:.2}", history.train_seconds())),
        ],
    ))
}
