//! Reads digits: loads a model saved by `mnist-mlp --save` or `mnist-linear --save` (or a
//! PyTorch state dict of the same architecture), preprocesses each image the way MNIST's digits
//! were made ([`labs::digit`]), and prints the predicted digit and the three most probable
//! classes.
//!
//! ```sh
//! mnist-predict --model m.safetensors seven.png three.jpg
//! mnist-predict --model torch.safetensors --hidden 256 --activation sigmoid seven.png
//! mnist-predict --model m.safetensors --mnist-test 20    # the first 20 MNIST test images
//! ```

use clap::Parser;
use datasets::Mnist;
use labs::common::{result_line, run_main};
use labs::digit::{preprocess_file, SIDE};
use labs::mnist::{load_model, top_k, Activation, Architecture};
use std::path::PathBuf;
use std::process::ExitCode;

/// Predict the digit in each image with a saved MNIST model.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The saved model (safetensors).
    #[arg(long, value_name = "FILE")]
    model: PathBuf,
    /// Hidden widths, for a file that does not say its architecture (e.g. one PyTorch saved);
    /// an empty value means the linear model.
    #[arg(long, value_delimiter = ',')]
    hidden: Option<Vec<usize>>,
    /// Hidden activation (sigmoid, tanh, relu), for a file that does not say its architecture.
    #[arg(long)]
    activation: Option<Activation>,
    /// Also (or instead) predict the first N images of the MNIST test set.
    #[arg(long, value_name = "N")]
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

fn main() -> ExitCode {
    run_main(|| {
        let args = Args::parse();
        if args.images.is_empty() && args.mnist_test.is_none() {
            return Err("give one or more image files, or --mnist-test N".into());
        }
        let fallback = match (&args.hidden, args.activation) {
            (None, None) => None,
            (Some(h), _) if h.is_empty() => Some(Architecture::Linear {
                inputs: SIDE * SIDE,
                classes: 10,
            }),
            (hidden, activation) => Some(Architecture::Mlp {
                inputs: SIDE * SIDE,
                hidden: hidden.clone().unwrap_or_else(|| vec![256]),
                activation: activation.unwrap_or(Activation::Sigmoid),
                classes: 10,
            }),
        };
        let (model, arch) = load_model(&args.model, fallback.clone())?;
        if let Some(f) = fallback.filter(|f| *f != arch) {
            return Err(format!(
                "{}: the file says it is {arch:?}, but --hidden/--activation say {f:?}",
                args.model.display()
            )
            .into());
        }
        println!("model: {} ({})", args.model.display(), model.describe());
        if let Some(dir) = &args.save_preprocessed {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let mut count = 0;
        for path in &args.images {
            let digit = preprocess_file(path)?;
            let x = autograd::Tensor::from_vec(&[1, SIDE * SIDE], digit.pixels.clone())?;
            let top = &top_k(model.as_ref(), &x, 3)?[0];
            let note = if digit.inverted {
                " [dark on light: inverted]"
            } else {
                ""
            };
            println!("{}: {}{note}", path.display(), format_top(top));
            if let Some(dir) = &args.save_preprocessed {
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
            }
            count += 1;
        }
        if let Some(n) = args.mnist_test {
            let test = Mnist::load_verbose(args.data_dir.as_deref())?.test;
            let n = n.min(test.len());
            let images = test.images.slice_rows(0..n)?;
            for (i, top) in top_k(model.as_ref(), &images, 3)?.iter().enumerate() {
                println!("test[{i}] (label {}): {}", test.labels[i], format_top(top));
            }
            count += n;
        }
        println!(
            "{}",
            result_line("mnist-predict", &[("images", count.to_string())])
        );
        Ok(())
    })
}
