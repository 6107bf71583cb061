//! Shared by the bench files: short criterion settings (the suite is run on a shared 2-core
//! machine; medians over 20 samples are enough to compare) and seeded inputs.

#![allow(dead_code)]

use autograd::Tensor;
use criterion::Criterion;
use rand::{rngs::StdRng, SeedableRng};
use std::time::Duration;

/// Criterion with 20 samples, 0.5 s warm-up and 2 s of measurement per bench.
pub fn criterion() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

/// Keeps freed memory for the next iteration instead of mimalloc's purge after 10 ms, as
/// `train-bench` and the labs do; for the bench files that set mimalloc as their allocator
/// (otherwise the kernel clearing fresh pages is part of every large op measured).
pub fn keep_freed_memory() {
    // SAFETY: only stores the option; 15 is `mi_option_purge_delay` in mimalloc 2 and 3, -1 = never.
    unsafe { libmimalloc_sys::mi_option_set(15, -1) }
}

/// A seeded uniform tensor in `[-1, 1)`.
pub fn uniform(shape: &[usize], seed: u64) -> Tensor<f32> {
    Tensor::rand_uniform(shape, -1.0, 1.0, &mut StdRng::seed_from_u64(seed)).unwrap()
}

/// A seeded tensor in `[0, 1)`, like MNIST pixels.
pub fn pixels(shape: &[usize], seed: u64) -> Tensor<f32> {
    Tensor::rand_uniform(shape, 0.0, 1.0, &mut StdRng::seed_from_u64(seed)).unwrap()
}

/// `n` class labels in `0..10`.
pub fn labels(n: usize) -> Vec<usize> {
    (0..n).map(|i| (i * 7) % 10).collect()
}
