//! The linear layer `x Wᵀ + b` at the MLP's two layers, forward (recorded) and backward (the
//! input needs no gradient, as for the first layer; W and b do). Throughput: elements of the
//! output.

mod common;

use autograd::{Tensor, Var};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

fn linear(c: &mut Criterion) {
    let mut g = c.benchmark_group("linear");
    for (layer, inp, out) in [("784->128", 784, 128), ("128->10", 128, 10)] {
        let w = Var::parameter(common::uniform(&[out, inp], 1));
        let b = Var::parameter(common::uniform(&[out], 2));
        for batch in [1, 64, 256] {
            let x = Var::constant(common::pixels(&[batch, inp], 3));
            g.throughput(Throughput::Elements((batch * out) as u64));
            let shape = format!("{layer}, batch {batch}");
            g.bench_function(BenchmarkId::new("forward", &shape), |it| {
                it.iter(|| black_box(&x).linear(&w, Some(&b)).unwrap())
            });
            g.bench_function(BenchmarkId::new("backward", &shape), |it| {
                it.iter_batched(
                    || {
                        w.zero_grad();
                        b.zero_grad();
                        x.linear(&w, Some(&b)).unwrap()
                    },
                    |y| {
                        y.backward_with(Tensor::ones(&[batch, out])).unwrap();
                    },
                    BatchSize::SmallInput,
                )
            });
        }
    }
    g.finish();
}

criterion_group! { name = benches; config = common::criterion(); targets = linear }
criterion_main!(benches);
