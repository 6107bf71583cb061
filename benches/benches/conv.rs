//! Convolution, pooling and batch norm at the MNIST CNN's shapes (batch 64): conv 1->32 3x3
//! padding 1 on 28x28, max pooling 2x2 to 14x14, conv 32->64 3x3 padding 1 on 14x14, pooling to
//! 7x7, each at 1 and 2 threads.
//!
//! Throughput: for `conv2d`, one "element" is one floating-point operation of the matrix
//! products (2·N·OH·OW·O·C·kh·kw per product; the forward has one, the backward two when the
//! input needs a gradient, one for the first layer, whose input is the images); `matmul floor`
//! is the forward's product alone, on columns made beforehand. For `im2col`/`col2im`, pooling
//! and batch norm, one element is one element of the larger of input and output.

mod common;

use autograd::{Conv2dOptions, Tensor, Var};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

/// mimalloc, as `train-bench` uses: these activations (1.6 M floats) are far above glibc's mmap
/// threshold, so with glibc every op's output came from fresh kernel pages and page faults
/// were most of the time measured, not the kernels.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// (name, input [N, C, H, W], output channels).
const LAYERS: [(&str, [usize; 4], usize); 2] = [
    ("conv1 1->32 28x28", [64, 1, 28, 28], 32),
    ("conv2 32->64 14x14", [64, 32, 14, 14], 64),
];

fn same() -> Conv2dOptions {
    Conv2dOptions {
        padding: [1, 1],
        ..Conv2dOptions::default()
    }
}

fn conv(c: &mut Criterion) {
    common::keep_freed_memory();
    for threads in [1, 2] {
        tensor::set_num_threads(threads);
        let mut g = c.benchmark_group(format!("conv2d/{threads}-thread (elements = FLOP)"));
        for (layer, xs, out) in LAYERS {
            let [n, ch, h, w] = xs;
            let flop = 2 * n * h * w * out * ch * 9;
            // The first layer's input is the images (no gradient); the second's is an activation.
            let input_grad = ch > 1;
            let x = Var::new(common::uniform(&xs, 1), input_grad);
            let wt = Var::parameter(common::uniform(&[out, ch, 3, 3], 2));
            let b = Var::parameter(common::uniform(&[out], 3));

            let window = same().window([3, 3]);
            let cols = x.value().im2col(&window).unwrap();
            let w2 = wt.value().reshape(&[out, ch * 9]).unwrap();
            g.throughput(Throughput::Elements(flop as u64));
            g.bench_function(BenchmarkId::new("matmul floor", layer), |it| {
                it.iter(|| black_box(&w2).matmul(black_box(&cols)).unwrap())
            });
            g.bench_function(BenchmarkId::new("forward", layer), |it| {
                it.iter(|| black_box(&x).conv2d(&wt, Some(&b), same()).unwrap())
            });
            let products = if input_grad { 2 } else { 1 };
            g.throughput(Throughput::Elements((products * flop) as u64));
            g.bench_function(BenchmarkId::new("backward", layer), |it| {
                it.iter_batched(
                    || {
                        wt.zero_grad();
                        b.zero_grad();
                        x.zero_grad();
                        x.conv2d(&wt, Some(&b), same()).unwrap()
                    },
                    |y| y.backward_with(Tensor::ones(&[n, out, h, w])).unwrap(),
                    BatchSize::LargeInput,
                )
            });
        }
        g.finish();

        let mut g = c.benchmark_group(format!(
            "unfold/{threads}-thread (elements = column elements)"
        ));
        for (layer, xs, _) in LAYERS {
            let window = same().window([3, 3]);
            let x = common::uniform(&xs, 4);
            let cols = x.im2col(&window).unwrap();
            g.throughput(Throughput::Elements(cols.numel() as u64));
            g.bench_function(BenchmarkId::new("im2col", layer), |it| {
                it.iter(|| black_box(&x).im2col(&window).unwrap())
            });
            g.bench_function(BenchmarkId::new("col2im", layer), |it| {
                it.iter(|| black_box(&cols).col2im(xs, &window).unwrap())
            });
        }
        g.finish();
    }
    tensor::set_num_threads(1);
}

fn pool_and_norm(c: &mut Criterion) {
    common::keep_freed_memory();
    let mut g = c.benchmark_group("pool, batch norm (elements = input elements)");
    // The two pooled activations, and the two batch-normalised conv outputs.
    for xs in [[64, 32, 28, 28], [64, 64, 14, 14]] {
        let x = Var::parameter(common::uniform(&xs, 5));
        let numel: usize = xs.iter().product();
        let shape = format!("{xs:?}");
        g.throughput(Throughput::Elements(numel as u64));
        type Op = fn(&Var<f32>) -> Var<f32>;
        let ops: [(&str, Op); 3] = [
            ("max_pool2d 2x2", |x| {
                x.max_pool2d([2, 2], [2, 2], [0, 0]).unwrap()
            }),
            ("avg_pool2d 2x2", |x| {
                x.avg_pool2d([2, 2], [2, 2], [0, 0]).unwrap()
            }),
            ("batch_norm train", |x| {
                x.batch_norm(None, None, None, true, 0.1, 1e-5).unwrap()
            }),
        ];
        for (name, op) in ops {
            g.bench_function(BenchmarkId::new(format!("{name} forward"), &shape), |it| {
                it.iter(|| op(black_box(&x)))
            });
            g.bench_function(BenchmarkId::new(format!("{name} backward"), &shape), |it| {
                it.iter_batched(
                    || {
                        x.zero_grad();
                        op(&x)
                    },
                    |y| {
                        let g = Tensor::ones(&y.shape());
                        y.backward_with(g).unwrap()
                    },
                    BatchSize::LargeInput,
                )
            });
        }
    }
    g.finish();
}

criterion_group! { name = benches; config = common::criterion(); targets = conv, pool_and_norm }
criterion_main!(benches);
