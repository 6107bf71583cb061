//! Property tests for the convolution, pooling, normalisation, dropout, flatten and embedding
//! ops: on random shapes, strides, paddings, dilations and groups, `backward()` agrees with
//! central finite differences (in f64), and every gradient has its input's shape.
//!
//! Max pooling is checked on values that are a shuffled grid (no two within 4/numel of each
//! other), so no perturbation moves an arg-max; the normalisations on slices whose variance is
//! not tiny, where the finite differences of `1/sqrt(var)` are accurate.

// Inputs are cloned into fresh arrays per check on purpose: each check owns its inputs.
#![allow(clippy::cloned_ref_to_slice_refs)]

mod common;

use autograd::{Conv2dOptions, Var, Window2d};
use common::check;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use rand::{rngs::StdRng, seq::SliceRandom, SeedableRng};
use tensor::Tensor;

/// Cases per property (each case runs one gradient check, a few hundred forward passes).
const CASES: u32 = 256;

fn uniform(shape: &[usize], rng: &mut StdRng) -> Tensor<f64> {
    Tensor::rand_uniform(shape, -2.0, 2.0, rng).unwrap()
}

/// A convolution's geometry: `(input [N, C, H, W], weight [O, C/g, kh, kw], options)`, always
/// one whose window fits the padded input.
fn conv_case() -> impl Strategy<Value = ([usize; 4], [usize; 4], Conv2dOptions)> {
    (
        (1usize..3, 1usize..4, 1usize..3, 1usize..3),
        (
            [1usize..4, 1..4],
            [1usize..3, 1..3],
            [0usize..3, 0..3],
            [1usize..3, 1..3],
        ),
        [0usize..5, 0..5],
    )
        .prop_map(
            |((n, groups, cg, og), (kernel, stride, padding, dilation), extra)| {
                let opts = Conv2dOptions {
                    stride,
                    padding,
                    dilation,
                    groups,
                };
                // The smallest input the dilated kernel fits, plus a little.
                let size = |a: usize| {
                    (dilation[a] * (kernel[a] - 1) + 1)
                        .saturating_sub(2 * padding[a])
                        .max(1)
                        + extra[a]
                };
                (
                    [n, groups * cg, size(0), size(1)],
                    [groups * og, cg, kernel[0], kernel[1]],
                    opts,
                )
            },
        )
}

/// A pooling geometry `(input, kernel, stride, padding)` with padding at most half the kernel.
fn pool_case() -> impl Strategy<Value = ([usize; 4], [usize; 2], [usize; 2], [usize; 2])> {
    (
        [1usize..4, 1..4],
        [1usize..4, 1..4],
        [0usize..2, 0..2],
        1usize..3,
        1usize..3,
        [0usize..4, 0..4],
    )
        .prop_map(|(kernel, stride, pad, n, c, extra)| {
            let padding = [pad[0].min(kernel[0] / 2), pad[1].min(kernel[1] / 2)];
            let size = |a: usize| kernel[a].saturating_sub(2 * padding[a]).max(1) + extra[a];
            ([n, c, size(0), size(1)], kernel, stride, padding)
        })
}

/// Distinct values: `-2 + 4·k/numel` for a random order of `k`.
fn shuffled_grid(shape: &[usize], rng: &mut StdRng) -> Tensor<f64> {
    let n: usize = shape.iter().product();
    let mut v: Vec<f64> = (0..n).map(|k| -2.0 + 4.0 * k as f64 / n as f64).collect();
    v.shuffle(rng);
    Tensor::from_vec(shape, v).unwrap()
}

/// The smallest variance over the slices `x` is normalised over: slices are
/// `x.reshape([outer, len, inner])[o, :, i]` pooled over `outer` too when `across_outer`.
fn min_variance(
    x: &Tensor<f64>,
    outer: usize,
    len: usize,
    inner: usize,
    across_outer: bool,
) -> f64 {
    let v = x.to_vec();
    let groups: Vec<Vec<f64>> = if across_outer {
        (0..len)
            .map(|c| {
                (0..outer)
                    .flat_map(|o| (0..inner).map(move |i| (o, i)))
                    .map(|(o, i)| v[(o * len + c) * inner + i])
                    .collect()
            })
            .collect()
    } else {
        (0..outer)
            .map(|o| v[o * len * inner..(o + 1) * len * inner].to_vec())
            .collect()
    };
    groups
        .iter()
        .map(|g| {
            let m = g.iter().sum::<f64>() / g.len() as f64;
            g.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / g.len() as f64
        })
        .fold(f64::INFINITY, f64::min)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn conv2d((xs, ws, opts) in conv_case(), bias: bool, seed in any::<u64>()) {
        let mut rng = StdRng::seed_from_u64(seed);
        let (x, w, b) = (uniform(&xs, &mut rng), uniform(&ws, &mut rng), uniform(&[ws[0]], &mut rng));
        if bias {
            check(|v| v[0].conv2d(&v[1], Some(&v[2]), opts), &[x, w, b]);
        } else {
            check(|v| v[0].conv2d(&v[1], None, opts), &[x, w]);
        }
    }

    #[test]
    fn im2col_and_col2im((xs, ws, opts) in conv_case(), seed in any::<u64>()) {
        let mut rng = StdRng::seed_from_u64(seed);
        let window = opts.window([ws[2], ws[3]]);
        let x = uniform(&xs, &mut rng);
        let cols = uniform(x.im2col(&window).unwrap().shape(), &mut rng);
        check(|v| v[0].im2col(&window), &[x]);
        check(|v| v[0].col2im(xs, &window), &[cols]);
    }

    #[test]
    fn max_pool2d((xs, kernel, stride, padding) in pool_case(), seed in any::<u64>()) {
        let x = shuffled_grid(&xs, &mut StdRng::seed_from_u64(seed));
        check(|v| v[0].max_pool2d(kernel, stride, padding), &[x]);
    }

    #[test]
    fn avg_pool2d((xs, kernel, stride, padding) in pool_case(), seed in any::<u64>()) {
        let x = uniform(&xs, &mut StdRng::seed_from_u64(seed));
        check(|v| v[0].avg_pool2d(kernel, stride, padding), &[x]);
    }

    #[test]
    fn take_and_put_add(n in 1usize..20, picks in prop::collection::vec(any::<prop::sample::Index>(), 0..20), seed in any::<u64>()) {
        let mut rng = StdRng::seed_from_u64(seed);
        let idx: Vec<usize> = picks.iter().map(|p| p.index(n)).collect();
        let x = uniform(&[n], &mut rng);
        let y = uniform(&[idx.len()], &mut rng);
        check(|v| v[0].take(&idx, &[idx.len()]), &[x]);
        check(|v| v[0].put_add(&idx, &[n]), &[y]);
    }

    #[test]
    fn batch_norm_training(n in 1usize..5, c in 1usize..4, spatial in prop::collection::vec(1usize..4, 0..=2), affine: bool, running: bool, seed in any::<u64>()) {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut shape = vec![n, c];
        shape.extend(&spatial);
        let per_channel: usize = n * spatial.iter().product::<usize>();
        prop_assume!(per_channel >= 2);
        let x = uniform(&shape, &mut rng);
        prop_assume!(min_variance(&x, n, c, spatial.iter().product(), true) > 0.05);
        let (w, b) = (uniform(&[c], &mut rng), uniform(&[c], &mut rng));
        // Fresh running statistics per call: the update must not change the output.
        let stats = || (Var::constant(Tensor::zeros(&[c])), Var::constant(Tensor::ones(&[c])));
        let f = |v: &[Var<f64>]| {
            let (rm, rv) = stats();
            let run = running.then_some((&rm, &rv));
            if affine {
                v[0].batch_norm(run, Some(&v[1]), Some(&v[2]), true, 0.1, 1e-5)
            } else {
                v[0].batch_norm(run, None, None, true, 0.1, 1e-5)
            }
        };
        if affine { check(f, &[x, w, b]); } else { check(f, &[x]); }
    }

    #[test]
    fn batch_norm_evaluation(n in 1usize..4, c in 1usize..4, spatial in prop::collection::vec(1usize..4, 0..=2), seed in any::<u64>()) {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut shape = vec![n, c];
        shape.extend(&spatial);
        let x = uniform(&shape, &mut rng);
        let (w, b) = (uniform(&[c], &mut rng), uniform(&[c], &mut rng));
        let rm = uniform(&[c], &mut rng);
        let rv = Tensor::rand_uniform(&[c], 0.5, 2.0, &mut rng).unwrap();
        // The running statistics are inputs too: the output is differentiable in them.
        check(|v| v[0].batch_norm(Some((&v[3], &v[4])), Some(&v[1]), Some(&v[2]), false, 0.1, 1e-5), &[x, w, b, rm, rv]);
    }

    #[test]
    fn layer_norm(shape in prop::collection::vec(1usize..4, 1..=4), trailing in 1usize..=3, affine: bool, seed in any::<u64>()) {
        let mut rng = StdRng::seed_from_u64(seed);
        let k = trailing.min(shape.len());
        let norm_shape = shape[shape.len() - k..].to_vec();
        let d: usize = norm_shape.iter().product();
        prop_assume!(d >= 2);
        let x = uniform(&shape, &mut rng);
        prop_assume!(min_variance(&x, x.numel() / d, d, 1, false) > 0.05);
        let (w, b) = (uniform(&norm_shape, &mut rng), uniform(&norm_shape, &mut rng));
        if affine {
            check(|v| v[0].layer_norm(&norm_shape, Some(&v[1]), Some(&v[2]), 1e-5), &[x, w, b]);
        } else {
            check(|v| v[0].layer_norm(&norm_shape, None, None, 1e-5), &[x]);
        }
    }

    #[test]
    fn dropout(shape in prop::collection::vec(1usize..5, 0..=3), p in 0.0f64..0.9, training: bool, seed in any::<u64>()) {
        let x = uniform(&shape, &mut StdRng::seed_from_u64(seed));
        // The same seed per call, so every evaluation draws the same mask.
        check(|v| v[0].dropout(p, training, &mut StdRng::seed_from_u64(seed)), &[x]);
    }

    #[test]
    fn flatten(shape in prop::collection::vec(1usize..4, 1..=4), a in 0usize..4, b in 0usize..4, negative: bool, seed in any::<u64>()) {
        let r = shape.len();
        let (start, end) = ((a % r).min(b % r), (a % r).max(b % r));
        let (start, end) = if negative { (start as isize - r as isize, end as isize - r as isize) } else { (start as isize, end as isize) };
        let x = uniform(&shape, &mut StdRng::seed_from_u64(seed));
        check(|v| v[0].flatten(start, end), &[x]);
    }

    #[test]
    fn embedding(num in 1usize..6, dim in 1usize..4, picks in prop::collection::vec(any::<prop::sample::Index>(), 0..8), seed in any::<u64>()) {
        let ids: Vec<usize> = picks.iter().map(|p| p.index(num)).collect();
        let w = uniform(&[num, dim], &mut StdRng::seed_from_u64(seed));
        check(|v| Var::embedding(&ids, &v[0]), &[w]);
    }
}

/// The composition inside `conv2d` is checked against the definition, element by element,
/// on random geometries (groups, stride, padding, dilation).
#[test]
fn conv2d_matches_the_definition() {
    let mut rng = StdRng::seed_from_u64(1);
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for _ in 0..CASES {
        let (xs, ws, o) = conv_case().new_tree(&mut runner).unwrap().current();
        let (x, w, b) = (
            uniform(&xs, &mut rng),
            uniform(&ws, &mut rng),
            uniform(&[ws[0]], &mut rng),
        );
        let y = Var::constant(x.clone())
            .conv2d(
                &Var::constant(w.clone()),
                Some(&Var::constant(b.clone())),
                o,
            )
            .unwrap()
            .to_tensor();
        let win = Window2d {
            kernel: [ws[2], ws[3]],
            stride: o.stride,
            padding: o.padding,
            dilation: o.dilation,
        };
        let [oh, ow] = win.output_size("t", [xs[2], xs[3]]).unwrap();
        assert_eq!(y.shape(), [xs[0], ws[0], oh, ow]);
        let (xv, wv, yv) = (x.array(), w.array(), y.array());
        let og = ws[0] / o.groups;
        for (idx, &got) in yv.indexed_iter() {
            let (n, oc, i, j) = (idx[0], idx[1], idx[2], idx[3]);
            let mut want = b.to_vec()[oc];
            for c in 0..ws[1] {
                for ki in 0..ws[2] {
                    for kj in 0..ws[3] {
                        let r =
                            (i * o.stride[0] + ki * o.dilation[0]) as isize - o.padding[0] as isize;
                        let s =
                            (j * o.stride[1] + kj * o.dilation[1]) as isize - o.padding[1] as isize;
                        if r < 0 || s < 0 || r as usize >= xs[2] || s as usize >= xs[3] {
                            continue;
                        }
                        let ic = (oc / og) * ws[1] + c;
                        want += wv[[oc, c, ki, kj]] * xv[[n, ic, r as usize, s as usize]];
                    }
                }
            }
            assert!(
                (got - want).abs() < 1e-12,
                "{xs:?} {ws:?} {o:?} at {idx:?}: {got} vs {want}"
            );
        }
    }
}
