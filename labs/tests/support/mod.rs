//! What the tests that run the lab binaries share: a small dataset in MNIST's format, so that the
//! MNIST labs run end to end without the real data, and running a binary.

#![allow(dead_code)] // each test binary uses part of it

use datasets::idx::{IMAGES_MAGIC, LABELS_MAGIC};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::path::Path;
use std::process::{Command, Output};

/// Writes `n_train` and `n_test` 28x28 images in MNIST's four files (plain IDX) into `dir`: each
/// image a bright bar whose position is its label (0-9), on noise, so there is something to learn.
pub fn write_fake_mnist(dir: &Path, n_train: u32, n_test: u32) {
    let mut rng = StdRng::seed_from_u64(1);
    let mut split = |n: u32| {
        let mut images = IMAGES_MAGIC.to_be_bytes().to_vec();
        for d in [n, 28, 28] {
            images.extend_from_slice(&d.to_be_bytes());
        }
        let mut labels = LABELS_MAGIC.to_be_bytes().to_vec();
        labels.extend_from_slice(&n.to_be_bytes());
        for i in 0..n {
            let label = (i % 10) as usize;
            for row in 0..28 {
                for col in 0..28 {
                    let bar =
                        (2 + 2 * label..4 + 2 * label).contains(&col) && (4..24).contains(&row);
                    images.push(if bar { 255 } else { rng.random_range(0..60) });
                }
            }
            labels.push(label as u8);
        }
        (images, labels)
    };
    std::fs::create_dir_all(dir).unwrap();
    let (images, labels) = split(n_train);
    std::fs::write(dir.join("train-images-idx3-ubyte"), images).unwrap();
    std::fs::write(dir.join("train-labels-idx1-ubyte"), labels).unwrap();
    let (images, labels) = split(n_test);
    std::fs::write(dir.join("t10k-images-idx3-ubyte"), images).unwrap();
    std::fs::write(dir.join("t10k-labels-idx1-ubyte"), labels).unwrap();
}

/// Runs a lab binary with `args`, with `MNIST_DIR` cleared so only `--data-dir` counts.
pub fn run(exe: &str, args: &[&str]) -> Output {
    Command::new(exe)
        .args(args)
        .env("MNIST_DIR", "")
        .output()
        .expect("the lab binary runs")
}

/// The `key=value` fields of the `RESULT` line of `stdout`.
pub fn result_field(stdout: &str, key: &str) -> Option<String> {
    let line = stdout.lines().find(|l| l.starts_with("RESULT "))?;
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")).map(str::to_string))
}
