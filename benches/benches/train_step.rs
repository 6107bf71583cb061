//! One full training step of the issue-5 MLP (784-128-10, sigmoid, log-softmax + NLL, SGD
//! lr 0.1): forward, backward and update, on a fixed synthetic batch. Throughput: samples.

mod common;

use benches::{Activation, Mlp};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn train_step(c: &mut Criterion) {
    let mut g = c.benchmark_group("train_step");
    for threads in [1, 2] {
        tensor::set_num_threads(threads);
        for batch in [1, 64, 256] {
            let mut mlp = Mlp::new(784, 128, 10, Activation::Sigmoid, 0.1, 0).unwrap();
            let x = common::pixels(&[batch, 784], 1);
            let y = common::labels(batch);
            g.throughput(Throughput::Elements(batch as u64));
            let id = BenchmarkId::new(format!("{threads}-thread"), format!("batch {batch}"));
            g.bench_function(id, |it| it.iter(|| mlp.step(x.clone(), &y).unwrap()));
        }
    }
    tensor::set_num_threads(1);
    g.finish();
}

criterion_group! { name = benches; config = common::criterion(); targets = train_step }
criterion_main!(benches);
