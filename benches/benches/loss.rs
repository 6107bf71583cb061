//! The classifier's loss on logits `[batch, 10]`: log_softmax + nll_loss (the MLP's pair, two
//! nodes) and cross_entropy (one fused node), forward and backward. Throughput: logits.

mod common;

use autograd::{Reduction, Var};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

fn losses(c: &mut Criterion) {
    let mut g = c.benchmark_group("loss");
    for batch in [1, 64, 256] {
        let z = Var::parameter(common::uniform(&[batch, 10], 1));
        let y = common::labels(batch);
        g.throughput(Throughput::Elements((batch * 10) as u64));
        let id = format!("[{batch}, 10]");
        let pair = |z: &Var<f32>| {
            z.log_softmax(1)
                .unwrap()
                .nll_loss(&y, Reduction::Mean)
                .unwrap()
        };
        let fused = |z: &Var<f32>| z.cross_entropy(&y, Reduction::Mean).unwrap();
        g.bench_function(BenchmarkId::new("log_softmax+nll/forward", &id), |it| {
            it.iter(|| pair(black_box(&z)))
        });
        g.bench_function(BenchmarkId::new("log_softmax+nll/backward", &id), |it| {
            it.iter_batched(
                || {
                    z.zero_grad();
                    pair(&z)
                },
                |l| l.backward().unwrap(),
                BatchSize::SmallInput,
            )
        });
        g.bench_function(BenchmarkId::new("cross_entropy/forward", &id), |it| {
            it.iter(|| fused(black_box(&z)))
        });
        g.bench_function(BenchmarkId::new("cross_entropy/backward", &id), |it| {
            it.iter_batched(
                || {
                    z.zero_grad();
                    fused(&z)
                },
                |l| l.backward().unwrap(),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

criterion_group! { name = benches; config = common::criterion(); targets = losses }
criterion_main!(benches);
