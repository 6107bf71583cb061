//! Loads MNIST the way the labs do and prints where from and how long it took.
//!
//! `cargo run --release -p datasets --example load_mnist -- [DATA_DIR]`
//! (without DATA_DIR: `MNIST_DIR`, then the cache, fetched into when empty).

use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let dir = std::env::args_os().nth(1).map(PathBuf::from);
    let start = Instant::now();
    match datasets::Mnist::load(dir.as_deref()) {
        Ok(mnist) => {
            println!(
                "loaded {} train and {} test images of {}x{} from {} in {:.3} s",
                mnist.train.len(),
                mnist.test.len(),
                mnist.train.rows,
                mnist.train.cols,
                mnist.dir.display(),
                start.elapsed().as_secs_f64()
            );
            println!("train class counts: {:?}", mnist.train.class_counts());
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
