//! Property tests: for every differentiable op, on random shapes (broadcasting cases and size-1
//! axes included) and random values, `backward()` agrees with central finite differences.
//!
//! Values are kept away from kinks (relu and abs at 0, ties in max/min/maximum) and from the
//! edges of domains (ln, sqrt, division near 0), where finite differences are not the derivative.

// Inputs are cloned into fresh arrays per check on purpose: each check owns its inputs.
#![allow(clippy::cloned_ref_to_slice_refs)]

mod common;

use autograd::{Reduction, Var};
use common::check;
use proptest::prelude::*;
use tensor::Tensor;

const CASES: u32 = 256;

fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// A shape of rank `lo..=hi` with lengths 1 to 4.
fn shape(lo: usize, hi: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1usize..=4, lo..=hi)
}

/// A tensor of the given shape with values in `[lo, hi)`.
fn tensor_of(shape: Vec<usize>, lo: f64, hi: f64) -> impl Strategy<Value = Tensor<f64>> {
    prop::collection::vec(lo..hi, numel(&shape))
        .prop_map(move |v| Tensor::from_vec(&shape, v).unwrap())
}

/// A tensor with values in `[-2, 2)` whose magnitudes are at least 0.05 (away from 0).
fn tensor_away_from_zero(shape: Vec<usize>) -> impl Strategy<Value = Tensor<f64>> {
    prop::collection::vec((0.05f64..2.0, any::<bool>()), numel(&shape)).prop_map(move |v| {
        let v = v.into_iter().map(|(m, s)| if s { m } else { -m }).collect();
        Tensor::from_vec(&shape, v).unwrap()
    })
}

/// Two shapes that broadcast together: the second drops some leading axes of the first
/// and/or replaces some lengths by 1; the pair is returned in random order.
fn broadcast_pair() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    shape(0, 3)
        .prop_flat_map(|s| {
            let n = s.len();
            (
                Just(s),
                0..=n,
                prop::collection::vec(any::<bool>(), n),
                any::<bool>(),
            )
        })
        .prop_map(|(s, drop, ones, swap)| {
            let other: Vec<usize> = s
                .iter()
                .zip(&ones)
                .skip(drop)
                .map(|(&d, &one)| if one { 1 } else { d })
                .collect();
            if swap {
                (other, s)
            } else {
                (s, other)
            }
        })
}

fn pair(lo: f64, hi: f64) -> impl Strategy<Value = (Tensor<f64>, Tensor<f64>)> {
    broadcast_pair().prop_flat_map(move |(a, b)| (tensor_of(a, lo, hi), tensor_of(b, lo, hi)))
}

fn any_tensor(lo: f64, hi: f64) -> impl Strategy<Value = Tensor<f64>> {
    shape(0, 3).prop_flat_map(move |s| tensor_of(s, lo, hi))
}

/// A non-scalar tensor and a valid axis of it (as a negative index half the time).
fn tensor_and_axis() -> impl Strategy<Value = (Tensor<f64>, isize)> {
    shape(1, 3).prop_flat_map(|s| {
        let n = s.len();
        (tensor_of(s, -2.0, 2.0), 0..n, any::<bool>()).prop_map(move |(t, a, neg)| {
            (
                t,
                if neg {
                    a as isize - n as isize
                } else {
                    a as isize
                },
            )
        })
    })
}

/// The smallest gap between two distinct values along any lane of `axis`.
fn min_gap_along(t: &Tensor<f64>, axis: usize) -> f64 {
    let mut gap = f64::INFINITY;
    for lane in t.array().lanes(ndarray::Axis(axis)) {
        let mut v: Vec<f64> = lane.to_vec();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        for w in v.windows(2) {
            gap = gap.min(w[1] - w[0]);
        }
    }
    gap
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn add((a, b) in pair(-2.0, 2.0)) { check(|v| v[0].add(&v[1]), &[a, b]); }

    #[test]
    fn sub((a, b) in pair(-2.0, 2.0)) { check(|v| v[0].sub(&v[1]), &[a, b]); }

    #[test]
    fn mul((a, b) in pair(-2.0, 2.0)) { check(|v| v[0].mul(&v[1]), &[a, b]); }

    #[test]
    fn div((a, _) in pair(-2.0, 2.0), b in any_tensor(0.5, 2.0)) {
        prop_assume!(tensor::broadcast_shapes("div", a.shape(), b.shape()).is_ok());
        check(|v| v[0].div(&v[1]), &[a, b]);
    }

    #[test]
    fn div_broadcast((a, b) in pair(0.5, 2.0)) { check(|v| v[0].div(&v[1]), &[a, b]); }

    #[test]
    fn neg(a in any_tensor(-2.0, 2.0)) { check(|v| Ok(v[0].neg()), &[a]); }

    #[test]
    fn scalar_ops(a in any_tensor(-2.0, 2.0), s in -3.0f64..3.0) {
        check(|v| Ok(v[0].mul_scalar(s).add_scalar(s)), &[a]);
    }

    #[test]
    fn exp(a in any_tensor(-2.0, 2.0)) { check(|v| Ok(v[0].exp()), &[a]); }

    #[test]
    fn ln(a in any_tensor(0.2, 3.0)) { check(|v| Ok(v[0].ln()), &[a]); }

    #[test]
    fn sqrt(a in any_tensor(0.2, 3.0)) { check(|v| Ok(v[0].sqrt()), &[a]); }

    #[test]
    fn powf(a in any_tensor(0.2, 3.0), p in -2.5f64..3.0) { check(|v| Ok(v[0].powf(p)), &[a]); }

    #[test]
    fn abs(a in shape(0, 3).prop_flat_map(tensor_away_from_zero)) { check(|v| Ok(v[0].abs()), &[a]); }

    #[test]
    fn sigmoid(a in any_tensor(-4.0, 4.0)) { check(|v| Ok(v[0].sigmoid()), &[a]); }

    #[test]
    fn tanh(a in any_tensor(-3.0, 3.0)) { check(|v| Ok(v[0].tanh()), &[a]); }

    #[test]
    fn relu(a in shape(0, 3).prop_flat_map(tensor_away_from_zero)) { check(|v| Ok(v[0].relu()), &[a]); }

    #[test]
    fn maximum_minimum((a, b) in pair(-2.0, 2.0)) {
        let gap = a.sub(&b).unwrap().abs().min_all().unwrap();
        prop_assume!(gap > 1e-3);
        check(|v| v[0].maximum(&v[1]), &[a.clone(), b.clone()]);
        check(|v| v[0].minimum(&v[1]), &[a, b]);
    }

    #[test]
    fn matmul_2d(n in 1usize..5, k in 1usize..5, m in 1usize..5, ta: bool, tb: bool, seed in any::<u64>()) {
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed);
        let a_shape = if ta { [k, n] } else { [n, k] };
        let b_shape = if tb { [m, k] } else { [k, m] };
        let a = Tensor::rand_uniform(&a_shape, -2.0, 2.0, &mut rng).unwrap();
        let b = Tensor::rand_uniform(&b_shape, -2.0, 2.0, &mut rng).unwrap();
        check(|v| v[0].matmul_t(ta, &v[1], tb), &[a, b]);
    }

    #[test]
    fn matmul_batched(bsz in 1usize..4, n in 1usize..4, k in 1usize..4, m in 1usize..4, shared: bool, ta: bool, tb: bool, seed in any::<u64>()) {
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed);
        let a_shape = if ta { [bsz, k, n] } else { [bsz, n, k] };
        let a = Tensor::rand_uniform(&a_shape, -2.0, 2.0, &mut rng).unwrap();
        let b = if shared {
            Tensor::rand_uniform(&if tb { vec![m, k] } else { vec![k, m] }, -2.0, 2.0, &mut rng).unwrap()
        } else {
            Tensor::rand_uniform(&if tb { vec![bsz, m, k] } else { vec![bsz, k, m] }, -2.0, 2.0, &mut rng).unwrap()
        };
        check(|v| v[0].matmul_t(ta, &v[1], tb), &[a, b]);
    }

    #[test]
    fn linear(n in 1usize..5, i in 1usize..5, o in 1usize..5, bias: bool, seed in any::<u64>()) {
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed);
        let x = Tensor::rand_uniform(&[n, i], -2.0, 2.0, &mut rng).unwrap();
        let w = Tensor::rand_uniform(&[o, i], -2.0, 2.0, &mut rng).unwrap();
        let b = Tensor::rand_uniform(&[o], -2.0, 2.0, &mut rng).unwrap();
        if bias {
            check(|v| v[0].linear(&v[1], Some(&v[2])), &[x, w, b]);
        } else {
            check(|v| v[0].linear(&v[1], None), &[x, w]);
        }
    }

    #[test]
    fn transpose((a, ax0) in tensor_and_axis(), ax1 in 0usize..3) {
        let ax1 = (ax1 % a.ndim()) as isize;
        check(|v| v[0].transpose(ax0, ax1), &[a]);
    }

    #[test]
    fn permute(a in shape(1, 3).prop_flat_map(|s| tensor_of(s, -2.0, 2.0)), perm in Just(()).prop_perturb(|_, mut rng| { let mut p = vec![0usize, 1, 2]; for i in (1..3).rev() { p.swap(i, rng.random_range(0..=i)); } p })) {
        let perm: Vec<usize> = perm.into_iter().filter(|&p| p < a.ndim()).collect();
        check(|v| v[0].permute(&perm), &[a]);
    }

    #[test]
    fn reshape(a in any_tensor(-2.0, 2.0)) {
        let n = a.numel();
        check(|v| v[0].reshape(&[1, n, 1]), &[a.clone()]);
        check(|v| v[0].reshape(&[n]), &[a]);
    }

    #[test]
    fn broadcast_to_and_sum_to((small, big) in broadcast_pair()) {
        let full = tensor::broadcast_shapes("t", &small, &big).unwrap();
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(numel(&full) as u64);
        let s = Tensor::rand_uniform(&small, -2.0, 2.0, &mut rng).unwrap();
        let f = Tensor::rand_uniform(&full, -2.0, 2.0, &mut rng).unwrap();
        let full2 = full.clone();
        check(move |v| v[0].broadcast_to(&full2), &[s]);
        check(move |v| v[0].sum_to_shape(&small), &[f]);
    }

    #[test]
    fn narrow_and_pad((a, axis) in tensor_and_axis(), start in 0usize..4, len in 0usize..4, after in 0usize..3) {
        let n = a.shape()[tensor::normalize_axis("t", axis, a.shape()).unwrap()];
        let start = start % n;
        let len = len.min(n - start);
        check(|v| v[0].narrow(axis, start, len), &[a.clone()]);
        check(|v| v[0].pad_axis(axis, start, after), &[a]);
    }

    #[test]
    fn index_select_and_add((a, axis) in tensor_and_axis(), picks in prop::collection::vec(0usize..16, 0..6)) {
        let n = a.shape()[tensor::normalize_axis("t", axis, a.shape()).unwrap()];
        let idx: Vec<usize> = picks.iter().map(|p| p % n).collect();
        check(|v| v[0].index_select(axis, &idx), &[a.clone()]);
        let scatter: Vec<usize> = (0..n).map(|i| picks.get(i).copied().unwrap_or(i) % 3).collect();
        check(|v| v[0].index_add(axis, &scatter, 3), &[a]);
    }

    #[test]
    fn concat_and_stack((a, axis) in tensor_and_axis(), extra in 1usize..3) {
        let ax = tensor::normalize_axis("t", axis, a.shape()).unwrap();
        let mut other_shape = a.shape().to_vec();
        other_shape[ax] = extra;
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(extra as u64);
        let b = Tensor::rand_uniform(&other_shape, -2.0, 2.0, &mut rng).unwrap();
        let c = Tensor::rand_uniform(a.shape(), -2.0, 2.0, &mut rng).unwrap();
        check(|v| Var::concat(&[&v[0], &v[1]], axis), &[a.clone(), b]);
        check(|v| Var::stack(&[&v[0], &v[1]], ax), &[a, c]);
    }

    #[test]
    fn sums_and_means((a, axis) in tensor_and_axis(), keepdim: bool) {
        check(|v| Ok(v[0].sum_all()), &[a.clone()]);
        check(|v| Ok(v[0].mean_all()), &[a.clone()]);
        check(|v| v[0].sum_axis(axis, keepdim), &[a.clone()]);
        check(|v| v[0].mean_axis(axis, keepdim), &[a]);
    }

    #[test]
    fn max_min((a, axis) in tensor_and_axis(), keepdim: bool) {
        let ax = tensor::normalize_axis("t", axis, a.shape()).unwrap();
        prop_assume!(min_gap_along(&a, ax) > 1e-3);
        check(|v| v[0].max_axis(axis, keepdim), &[a.clone()]);
        check(|v| v[0].min_axis(axis, keepdim), &[a.clone()]);
        let flat = a.reshape(&[a.numel()]).unwrap();
        if min_gap_along(&flat, 0) > 1e-3 {
            check(|v| v[0].max_all(), &[a.clone()]);
            check(|v| v[0].min_all(), &[a]);
        }
    }

    #[test]
    fn softmax_family((a, axis) in tensor_and_axis(), keepdim: bool) {
        check(|v| v[0].softmax(axis), &[a.clone()]);
        check(|v| v[0].log_softmax(axis), &[a.clone()]);
        check(|v| v[0].logsumexp(axis, keepdim), &[a]);
    }

    #[test]
    fn cross_entropy_and_nll(n in 1usize..5, c in 1usize..5, seed in any::<u64>(), r in 0usize..3) {
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed);
        let x = Tensor::rand_uniform(&[n, c], -3.0, 3.0, &mut rng).unwrap();
        let targets: Vec<usize> = (0..n).map(|i| (i * 7 + seed as usize) % c).collect();
        let red = [Reduction::Mean, Reduction::Sum, Reduction::None][r];
        check(|v| v[0].cross_entropy(&targets, red), &[x.clone()]);
        check(|v| v[0].nll_loss(&targets, red), &[x.clone()]);
        check(|v| v[0].log_softmax(1)?.nll_loss(&targets, red), &[x]);
    }

    #[test]
    fn mse_and_bce(s in shape(1, 3), seed in any::<u64>(), r in 0usize..3) {
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed);
        let a = Tensor::rand_uniform(&s, -2.0, 2.0, &mut rng).unwrap();
        let b = Tensor::rand_uniform(&s, -2.0, 2.0, &mut rng).unwrap();
        let p = Tensor::rand_uniform(&s, 0.05, 0.95, &mut rng).unwrap();
        let y = Tensor::rand_uniform(&s, 0.0, 1.0, &mut rng).unwrap();
        let red = [Reduction::Mean, Reduction::Sum, Reduction::None][r];
        check(|v| v[0].mse_loss(&v[1], red), &[a, b]);
        check(|v| v[0].binary_cross_entropy(&v[1], red), &[p, y]);
    }
}
