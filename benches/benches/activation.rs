//! Element-wise activations on the MLP's hidden layer `[batch, 128]`: forward (recorded) and
//! backward (from the saved output for sigmoid and tanh). Throughput: elements.

mod common;

use autograd::{Tensor, Var};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

type Activation = fn(&Var<f32>) -> Var<f32>;

fn activations(c: &mut Criterion) {
    let mut g = c.benchmark_group("activation");
    let ops: [(&str, Activation); 3] = [
        ("sigmoid", Var::sigmoid),
        ("tanh", Var::tanh),
        ("relu", Var::relu),
    ];
    for batch in [1, 64, 256] {
        let shape = [batch, 128];
        g.throughput(Throughput::Elements((batch * 128) as u64));
        for (name, op) in ops {
            let x = Var::parameter(common::uniform(&shape, 1));
            let id = format!("[{batch}, 128]");
            g.bench_function(BenchmarkId::new(format!("{name}/forward"), &id), |it| {
                it.iter(|| op(black_box(&x)))
            });
            g.bench_function(BenchmarkId::new(format!("{name}/backward"), &id), |it| {
                it.iter_batched(
                    || {
                        x.zero_grad();
                        op(&x)
                    },
                    |y| y.backward_with(Tensor::ones(&shape)).unwrap(),
                    BatchSize::SmallInput,
                )
            });
        }
    }
    g.finish();
}

criterion_group! { name = benches; config = common::criterion(); targets = activations }
criterion_main!(benches);
