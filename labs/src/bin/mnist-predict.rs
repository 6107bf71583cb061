//! Reads digits: loads a model saved by `mnist-mlp --save`, `mnist-linear --save` or
//! `mnist-cnn --save` (or a PyTorch state dict of the same architecture), preprocesses each image the way MNIST's digits
//! were made ([`vision::digit`]), and prints the predicted digit and the three most probable
//! classes. An image that cannot be read is reported on stderr and the others are still read;
//! the exit status is then 1.
//!
//! ```sh
//! mnist-predict --model m.safetensors seven.png three.jpg
//! mnist-predict --model torch.safetensors --hidden 256 --activation sigmoid seven.png
//! mnist-predict --model torch-cnn.safetensors --cnn seven.png
//! mnist-predict --model m.safetensors --mnist-test 20    # the first 20 MNIST test images
//! ```

use clap::Parser;
use datasets::Mnist;
use labs::cli::{at_least_one, widths, Widths};
use labs::common::{result_line, run_main, LabError};
use labs::mnist::top_k;
use nn::{Activation, Module};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vision::digit::{preprocess_file, Digit, SIDE};
use vision::{load_model, Architecture};

/// Predict the digit in each image with a saved MNIST model.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The saved model (safetensors).
    #[arg(long, value_name = "FILE")]
    model: PathBuf,
    /// Hidden widths, for a file that does not say its architecture (e.g. one PyTorch saved);
    /// an empty value means the linear model.
    #[arg(long, value_parser = widths, allow_hyphen_values = true)]
    hidden: Option<Widths>,
    /// Hidden activation (sigmoid, tanh, relu), for a file that does not say its architecture.
    #[arg(long)]
    activation: Option<Activation>,
    /// For a file that does not say its architecture: the `mnist-cnn` lab's network with its
    /// default sizes (conv 32, conv 64, 128 hidden).
    #[arg(long, conflicts_with_all = ["hidden", "activation"])]
    cnn: bool,
    /// Also (or instead) predict the first N images of the MNIST test set, and print the
    /// accuracy on them.
    #[arg(long, value_name = "N", value_parser = at_least_one, allow_negative_numbers = true)]
    mnist_test: Option<usize>,
    /// Folder with the four MNIST files, for --mnist-test (else $MNIST_DIR, else the cache).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Write each preprocessed 28x28 image here as PNG, to see what the model saw.
    #[arg(long, value_name = "DIR")]
    save_preprocessed: Option<PathBuf>,
    /// Images of one digit each (PNG or JPEG, any size, dark-on-light or light-on-dark).
    images: Vec<PathBuf>,
}

fn format_top(top: &[(usize, f32)]) -> String {
    let parts: Vec<String> = top.iter().map(|(c, p)| format!("{c} {p:.6}")).collect();
    format!("{}  (top 3: {})", top[0].0, parts.join(", "))
}

/// The architecture `--hidden`/`--activation` or `--cnn` describe, if one is given.
fn fallback(args: &Args) -> Option<Architecture> {
    if args.cnn {
        return Some(Architecture::Cnn {
            shape: vision::CnnShape::default(),
            dropout: 0.25,
        });
    }
    match (&args.hidden, args.activation) {
        (None, None) => None,
        (Some(h), _) if h.0.is_empty() => Some(Architecture::Linear {
            inputs: SIDE * SIDE,
            classes: 10,
        }),
        (hidden, activation) => Some(Architecture::Mlp {
            inputs: SIDE * SIDE,
            hidden: hidden.clone().map_or_else(|| vec![256], |h| h.0),
            activation: activation.unwrap_or(Activation::Sigmoid),
            classes: 10,
        }),
    }
}

/// Predicts one image file and prints the line for it.
fn predict_file(model: &dyn Module<f32>, path: &Path, args: &Args) -> Result<(), LabError> {
    let digit = preprocess_file(path)?;
    let x = autograd::Tensor::from_vec(&[1, SIDE * SIDE], digit.pixels.clone())?;
    let top = &top_k(model, &x, 3)?[0];
    let note = if digit.inverted {
        " [dark on light: inverted]"
    } else {
        ""
    };
    println!("{}: {}{note}", path.display(), format_top(top));
    if let Some(dir) = &args.save_preprocessed {
        save_preprocessed(&digit, path, dir)?;
    }
    Ok(())
}

/// Writes what the model saw of `path` as `DIR/<stem>-28x28.png`.
fn save_preprocessed(digit: &Digit, path: &Path, dir: &Path) -> Result<(), LabError> {
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let out = dir.join(format!("{stem}-28x28.png"));
    let bytes: Vec<u8> = digit
        .pixels
        .iter()
        .map(|v| (v * 255.0).round() as u8)
        .collect();
    image::GrayImage::from_raw(SIDE as u32, SIDE as u32, bytes)
        .expect("28 x 28 pixels")
        .save(&out)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    Ok(())
}

fn main() -> ExitCode {
    run_main(|| {
        let args: Args = labs::cli::parse()?;
        if args.images.is_empty() && args.mnist_test.is_none() {
            return Err("give one or more image files, or --mnist-test N".into());
        }
        let fallback = fallback(&args);
        let (model, arch) = load_model(&args.model, fallback.clone())?;
        if let Some(f) = fallback.filter(|f| f.to_string() != arch.to_string()) {
            return Err(format!(
                "{}: the file says it is {arch}, but --hidden/--activation/--cnn say {f}",
                args.model.display()
            )
            .into());
        }
        println!("model: {} ({arch})\n{model:?}", args.model.display());
        if let Some(dir) = &args.save_preprocessed {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let mut fields = vec![("images", args.images.len().to_string())];
        let mut failed = 0;
        for path in &args.images {
            if let Err(e) = predict_file(model.as_ref(), path, &args) {
                eprintln!("error: {e}");
                failed += 1;
            }
        }
        if let Some(n) = args.mnist_test {
            let test = Mnist::load_verbose(args.data_dir.as_deref())?.test;
            if n > test.len() {
                return Err(format!(
                    "--mnist-test {n}: the test set has only {} images",
                    test.len()
                )
                .into());
            }
            let images = test.images.slice_rows(0..n)?;
            let tops = top_k(model.as_ref(), &images, 3)?;
            for (i, top) in tops.iter().enumerate() {
                println!("test[{i}] (label {}): {}", test.labels[i], format_top(top));
            }
            let right = tops
                .iter()
                .zip(&test.labels)
                .filter(|(top, &label)| top[0].0 == usize::from(label))
                .count();
            let acc = right as f64 / n as f64;
            println!("accuracy on the first {n} test images: {acc:.4}");
            fields.push(("mnist_test", n.to_string()));
            fields.push(("mnist_test_accuracy", format!("{acc:.4}")));
        }
        fields.push(("unreadable", failed.to_string()));
        println!("{}", result_line("mnist-predict", &fields));
        if failed > 0 {
            return Err(format!(
                "{failed} of {} image{} could not be read (each reported above)",
                args.images.len(),
                if args.images.len() == 1 { "" } else { "s" }
            )
            .into());
        }
        Ok(())
    })
}
