//! Matrix products at the MNIST MLP's shapes (784-128-10), batch 1, 64 and 256: the forward
//! products and the backward ones, with transposes as flags (strides), as the autograd rules
//! call them. Throughput: one "element" is one floating-point operation (2·m·k·n per product).

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

/// (name, lhs shape as stored, transpose lhs, rhs shape as stored, transpose rhs).
type Product = (&'static str, [usize; 2], bool, [usize; 2], bool);

fn shapes(b: usize) -> Vec<Product> {
    vec![
        ("h=x·W1ᵀ", [b, 784], false, [128, 784], true),
        ("z=h·W2ᵀ", [b, 128], false, [10, 128], true),
        ("dW2=Gᵀ·h", [b, 10], true, [b, 128], false),
        ("dH=G·W2", [b, 10], false, [10, 128], false),
        ("dW1=dHᵀ·x", [b, 128], true, [b, 784], false),
    ]
}

fn matmul(c: &mut Criterion) {
    for threads in [1, 2] {
        tensor::set_num_threads(threads);
        let mut g = c.benchmark_group(format!("matmul/{threads}-thread (elements = FLOP)"));
        for b in [1, 64, 256] {
            for (name, sa, ta, sb, tb) in shapes(b) {
                let (a, bm) = (common::uniform(&sa, 1), common::uniform(&sb, 2));
                let (m, k) = if ta { (sa[1], sa[0]) } else { (sa[0], sa[1]) };
                let n = if tb { sb[0] } else { sb[1] };
                g.throughput(Throughput::Elements((2 * m * k * n) as u64));
                let id = BenchmarkId::new(name, format!("batch {b}: [{m},{k}]x[{k},{n}]"));
                g.bench_function(id, |it| {
                    it.iter(|| black_box(&a).matmul_t(ta, black_box(&bm), tb).unwrap())
                });
            }
        }
        g.finish();
    }
    tensor::set_num_threads(1);
}

criterion_group! { name = benches; config = common::criterion(); targets = matmul }
criterion_main!(benches);
