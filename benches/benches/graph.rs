//! Graph overhead: a chain of 1,000 tiny ops (`x ← x·0.999 + 0.001` on a 4-element value),
//! recorded and then differentiated, where the arithmetic is nothing and the bookkeeping
//! (node creation, the backward walk, gradient accumulation) is everything. Throughput: ops.

mod common;

use autograd::{no_grad_guard, Tensor, Var};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

const OPS: usize = 1000;

fn chain(x: &Var<f32>) -> Var<f32> {
    let mut y = x.clone();
    for _ in 0..OPS / 2 {
        y = y.mul_scalar(0.999).add_scalar(0.001);
    }
    y.sum_all()
}

fn graph(c: &mut Criterion) {
    let mut g = c.benchmark_group("graph_overhead/chain of 1000 ops on [4]");
    g.throughput(Throughput::Elements(OPS as u64));
    let x = Var::parameter(Tensor::from_vec(&[4], vec![1.0f32, 2.0, 3.0, 4.0]).unwrap());
    g.bench_function("forward, no_grad", |it| {
        it.iter(|| {
            let _g = no_grad_guard();
            chain(&x)
        })
    });
    g.bench_function("forward, recorded", |it| it.iter(|| chain(&x)));
    g.bench_function("backward", |it| {
        it.iter_batched(
            || {
                x.zero_grad();
                chain(&x)
            },
            |y| y.backward().unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group! { name = benches; config = common::criterion(); targets = graph }
criterion_main!(benches);
