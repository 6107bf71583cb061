//! Shared code of the lab binaries.
//!
//! The lab programs (added as binaries of this crate) train small models with
//! the workspace's `tensor`/`autograd`/`nn`/`optim` crates and write figures.
//! This library holds what they have in common.
//!
//! Each lab binary (`src/bin/*.rs`) shows, in its `main`, the model, the loss, the optimizer and
//! the training loop the course talks about; the plumbing lives here:
//!
//! - [`train`]: the one training loop of every lab ([`train::Loop`]): epochs of shuffled
//!   batches, the learning-rate schedule, the divergence check, progress and the epoch table,
//!   hooks to measure and to save.
//! - [`cli`]: command lines parsed by `clap`, each mistake one line naming the option and value.
//! - [`common`]: output folders, the progress bar, the epoch table, the `RESULT` line, and
//!   errors as one line on stderr.
//! - [`checkpoint`]: saving a run after each epoch and resuming it to the same final weights.
//! - [`figures`]: PNG figures (learning curves, class scatters with decision
//!   regions, loss-surface heat maps with contour lines, image grids); it takes
//!   plain Rust data and depends on no other workspace crate.
//! - [`graph`]: `--graph FILE`, one training step's autograd graph as Graphviz DOT (and PNG).
//! - [`mnist`]: what the MNIST labs share: the linear model by hand, evaluation and the
//!   figures. The models themselves, their saved file ([`vision::Architecture`],
//!   [`vision::save_model`], [`vision::load_model`]) and the reading of a digit from a PNG or
//!   JPEG the way MNIST's digits were made ([`vision::digit`]) are in the `vision` crate, which
//!   the web page shares.
//! - [`playground`]: what the six gradient-descent playground labs share (a line through two
//!   points up to six concentric rings): lines, classifiers of points, figures.
//!
//! ## Quick start: train, save, read a digit
//! ```sh
//! cargo run --release -p labs --bin mnist-mlp -- --epochs 1 --save m.safetensors
//! cargo run --release -p labs --bin mnist-predict -- --model m.safetensors my-digit.png
//! ```
//! The saved file holds the parameters under PyTorch's names (`0.weight` `[256, 784]`,
//! `0.bias`, `2.weight`, `2.bias`) and the architecture in its metadata, so `mnist-predict`
//! rebuilds the model from the file alone, and PyTorch loads it with
//! `model.load_state_dict(safetensors.torch.load_file("m.safetensors"))`.

#![warn(missing_docs)]

pub mod checkpoint;
pub mod cli;
pub mod common;
pub mod figures;
pub mod graph;
pub mod mnist;
pub mod playground;
pub mod train;

/// mimalloc rather than glibc's malloc for every lab binary (a global allocator set in a
/// library applies to the programs that link it): a convolution's column buffers (megabytes
/// each) are above glibc's mmap threshold, so glibc gave each one back to the kernel when it was
/// freed and took fresh, zeroed pages the next step. On `mnist-cnn` that was 16 million page
/// faults and a third of the run's time in the kernel. PyTorch keeps a caching allocator for the
/// same reason.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Tells mimalloc to keep the memory a program frees for its own next allocations instead of
/// giving it back to the kernel 10 ms later (its default purge delay), which took fresh zeroed
/// pages every step: 11% of a CNN training step was the kernel clearing pages. Peak memory is
/// unchanged, since a training step allocates the same buffers each time. Called first by
/// [`common::run_main`].
pub fn keep_freed_memory() {
    // SAFETY: mi_option_set only stores the option; `mi_option_purge_delay` is option 15 in
    // mimalloc 2 and 3 (libmimalloc-sys names no constant for it), -1 meaning "never purge".
    unsafe { libmimalloc_sys::mi_option_set(15, -1) }
}
