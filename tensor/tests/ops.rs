//! Values and errors of the tensor operations.

use tensor::testing::assert_close;
use tensor::{broadcast_shapes, Tensor, TensorError};

fn t(shape: &[usize], v: &[f64]) -> Tensor<f64> {
    Tensor::from_vec(shape, v.to_vec()).unwrap()
}

#[test]
fn constructors() {
    assert_eq!(Tensor::<f32>::zeros(&[2, 3]).to_vec(), vec![0.0; 6]);
    assert_eq!(Tensor::<f32>::full(&[2], 7.0).to_vec(), vec![7.0, 7.0]);
    assert_eq!(Tensor::<f64>::scalar(3.0).shape(), &[] as &[usize]);
    assert_eq!(
        Tensor::<f64>::arange(0.0, 1.0, 0.25).unwrap().to_vec(),
        vec![0.0, 0.25, 0.5, 0.75]
    );
    assert_eq!(
        Tensor::<f64>::arange(3.0, 0.0, -1.0).unwrap().to_vec(),
        vec![3.0, 2.0, 1.0]
    );
    assert!(Tensor::<f64>::arange(0.0, 1.0, 0.0).is_err());
    assert_eq!(
        Tensor::<f64>::linspace(-1.0, 1.0, 5).to_vec(),
        vec![-1.0, -0.5, 0.0, 0.5, 1.0]
    );
    assert_eq!(
        Tensor::<f32>::one_hot(&[2, 0], 3).unwrap().to_vec(),
        vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0]
    );
    let err = Tensor::<f32>::one_hot(&[1, 3], 3).unwrap_err();
    assert_eq!(
        err.to_string(),
        "one_hot: index 3 is out of range (expected < 3)"
    );
    let err = Tensor::<f32>::from_vec(&[2, 2], vec![1.0; 3]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "from_vec: shape [2, 2] needs 4 elements, found 3"
    );
}

#[test]
fn random_tensors_reject_invalid_distribution_parameters() {
    use rand::{rngs::StdRng, SeedableRng};
    let mut rng = StdRng::seed_from_u64(0);
    let err = Tensor::<f32>::rand_uniform(&[3], 1.0, -1.0, &mut rng).unwrap_err();
    assert_eq!(
        err.to_string(),
        "rand_uniform: expected finite bounds with low <= high, found low 1, high -1"
    );
    assert!(Tensor::<f32>::rand_uniform(&[3], 0.0, f32::NAN, &mut rng).is_err());
    assert!(Tensor::<f64>::rand_uniform(&[3], f64::NEG_INFINITY, 0.0, &mut rng).is_err());
    let err = Tensor::<f64>::rand_normal(&[3], 0.0, -1.0, &mut rng).unwrap_err();
    assert_eq!(
        err.to_string(),
        "rand_normal: expected a finite mean and a finite standard deviation >= 0, found mean 0, std -1"
    );
    assert!(Tensor::<f32>::rand_normal(&[3], 0.0, f32::NAN, &mut rng).is_err());
    assert!(Tensor::<f32>::rand_normal(&[3], f32::INFINITY, 1.0, &mut rng).is_err());
    // Degenerate but valid: a point distribution.
    assert_eq!(
        Tensor::<f32>::rand_uniform(&[2], 0.5, 0.5, &mut rng)
            .unwrap()
            .to_vec(),
        [0.5, 0.5]
    );
    assert_eq!(
        Tensor::<f32>::rand_normal(&[2], 2.0, 0.0, &mut rng)
            .unwrap()
            .to_vec(),
        [2.0, 2.0]
    );
}

#[test]
fn seeded_random_tensors_are_reproducible_and_in_range() {
    use rand::{rngs::StdRng, SeedableRng};
    let a = Tensor::<f32>::rand_uniform(&[1000], -0.5, 0.5, &mut StdRng::seed_from_u64(1)).unwrap();
    let b = Tensor::<f32>::rand_uniform(&[1000], -0.5, 0.5, &mut StdRng::seed_from_u64(1)).unwrap();
    assert_eq!(a, b);
    assert!(a.min_all().unwrap() >= -0.5 && a.max_all().unwrap() < 0.5);
    let n = Tensor::<f64>::rand_normal(&[20000], 1.0, 2.0, &mut StdRng::seed_from_u64(2)).unwrap();
    let mean = n.mean_all();
    let var = n.add_scalar(-mean).sum_squares() / 20000.0;
    assert!(
        (mean - 1.0).abs() < 0.05 && (var.sqrt() - 2.0).abs() < 0.05,
        "{mean} {var}"
    );
}

#[test]
fn broadcasting_arithmetic() {
    let a = t(&[2, 1, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let b = t(&[2, 1], &[10.0, 20.0]);
    let s = (&a + &b).to_vec();
    assert_eq!(
        s,
        vec![11.0, 12.0, 13.0, 21.0, 22.0, 23.0, 14.0, 15.0, 16.0, 24.0, 25.0, 26.0]
    );
    assert_eq!((&a * 2.0).to_vec(), vec![2.0, 4.0, 6.0, 8.0, 10.0, 12.0]);
    assert_eq!(broadcast_shapes("x", &[], &[3]).unwrap(), vec![3]);
    assert_eq!(
        a.maximum(&t(&[], &[3.5])).unwrap().to_vec(),
        vec![3.5, 3.5, 3.5, 4.0, 5.0, 6.0]
    );
    assert_eq!(
        a.gt(&t(&[3], &[2.0, 2.0, 5.0])).unwrap().to_vec(),
        vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    );
}

#[test]
fn shape_errors_name_the_op_and_both_shapes() {
    let a = t(&[2, 3], &[0.0; 6]);
    let b = t(&[4, 5], &[0.0; 20]);
    let cases: Vec<(TensorError, &str)> = vec![
        (a.add(&b).unwrap_err(), "add: shapes [2, 3] and [4, 5] do not broadcast together"),
        (a.mul(&t(&[2], &[0.0; 2])).unwrap_err(), "mul: shapes [2, 3] and [2] do not broadcast together"),
        (a.matmul(&b).unwrap_err(), "matmul: lhs [2, 3] and rhs [4, 5] have mismatched inner dims (3 vs 4)"),
        (a.reshape(&[4]).unwrap_err(), "reshape: cannot reshape [2, 3] (6 elements) to [4] (4 elements)"),
        (a.sum_axis(2, false).unwrap_err(), "sum: axis 2 is out of range for shape [2, 3] (rank 2)"),
        (a.softmax(-3).unwrap_err(), "softmax: axis -3 is out of range for shape [2, 3] (rank 2)"),
        (a.broadcast_to(&[3, 3]).unwrap_err(), "broadcast_to: lhs [2, 3] and rhs [3, 3] do not fit: lhs does not broadcast to the target rhs"),
        (a.select_rows(&[0, 2]).unwrap_err(), "index_select: index 2 is out of range (expected < 2)"),
        (Tensor::concat(&[&a, &b], 0).unwrap_err(), "concat: lhs [2, 3] and rhs [4, 5] differ on an axis other than the concatenation axis 0"),
        (Tensor::stack(&[&a, &b], 0).unwrap_err(), "stack: lhs [2, 3] and rhs [4, 5] differ: stack needs tensors of one shape"),
        (b.sum_to_shape(&[2, 5]).unwrap_err(), "sum_to_shape: shapes [2, 5] and [4, 5] do not broadcast together"),
        (t(&[2, 3, 4], &[0.0; 24]).matmul(&t(&[3, 4, 2], &[0.0; 24])).unwrap_err(), "matmul: lhs [2, 3, 4] and rhs [3, 4, 2] have different batch sizes (2 vs 3)"),
        (t(&[4], &[0.0; 4]).matmul(&a).unwrap_err(), "matmul: lhs [4] and rhs [2, 3] have ranks matmul does not take (expected [n, k] x [k, m], [b, n, k] x [b, k, m] or [b, n, k] x [k, m])"),
        (a.narrow(1, 2, 2).unwrap_err(), "narrow: range 2..4 is out of bounds for axis 1 of length 3 (shape [2, 3])"),
        (a.permute(&[0, 0]).unwrap_err(), "permute: expected a permutation of 0..2 for shape [2, 3], found [0, 0]"),
    ];
    for (err, msg) in cases {
        assert_eq!(err.to_string(), msg);
    }
    let mut c = t(&[3], &[0.0; 3]);
    assert!(
        c.add_assign(&a).is_err(),
        "an in-place op may not grow its target"
    );
}

#[test]
#[should_panic(expected = "add: shapes [2] and [3] do not broadcast together")]
fn operators_panic_with_the_same_message() {
    let _ = &t(&[2], &[0.0; 2]) + &t(&[3], &[0.0; 3]);
}

#[test]
fn matmul_values_and_transposes() {
    let a = t(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let b = t(&[3, 2], &[7.0, 8.0, 9.0, 10.0, 11.0, 12.0]);
    let ab = a.matmul(&b).unwrap();
    assert_eq!(ab.to_vec(), vec![58.0, 64.0, 139.0, 154.0]);
    let bt = b.t().unwrap();
    assert_eq!(a.matmul_t(false, &bt, true).unwrap(), ab);
    let at = a.t().unwrap();
    assert_eq!(at.matmul_t(true, &bt, true).unwrap(), ab);
    // batched, and a shared right operand
    let batch = Tensor::stack(&[&a, &a.mul_scalar(2.0)], 0).unwrap();
    let out = batch.matmul(&b).unwrap();
    assert_eq!(out.shape(), &[2, 2, 2]);
    assert_eq!(out.to_vec()[4..].to_vec(), vec![116.0, 128.0, 278.0, 308.0]);
    let mut acc = Tensor::<f64>::ones(&[2, 2]);
    acc.addmm_t(0.5, &a, false, &b, false).unwrap();
    assert_eq!(acc.to_vec(), vec![30.0, 33.0, 70.5, 78.0]);
}

#[test]
fn reductions_along_axes() {
    let a = t(&[2, 3], &[1.0, 5.0, 3.0, 4.0, 2.0, 6.0]);
    assert_eq!(a.sum_all(), 21.0);
    assert_eq!(a.sum_axis(0, false).unwrap().to_vec(), vec![5.0, 7.0, 9.0]);
    assert_eq!(a.sum_axis(-1, true).unwrap().shape(), &[2, 1]);
    assert_eq!(a.mean_axis(1, false).unwrap().to_vec(), vec![3.0, 4.0]);
    assert_eq!(a.max_axis(1, false).unwrap().to_vec(), vec![5.0, 6.0]);
    assert_eq!(a.min_axis(0, false).unwrap().to_vec(), vec![1.0, 2.0, 3.0]);
    assert_eq!(a.argmax_rows().unwrap(), vec![1, 2]);
    assert_eq!(a.argmax_all().unwrap(), 5);
    assert!(Tensor::<f64>::zeros(&[0]).max_all().is_err());
    assert!(Tensor::<f64>::zeros(&[2, 0]).argmax_axis(1, false).is_err());
}

#[test]
fn softmax_is_stable_at_extreme_logits() {
    for big in [1e4f64, -1e4, 1e30] {
        let x = t(&[2, 3], &[big, big, big - 1.0, 0.0, big, -big]);
        let p = x.softmax(1).unwrap();
        let lp = x.log_softmax(1).unwrap();
        assert!(p.all_finite() && lp.all_finite(), "{big}: {p:?} {lp:?}");
        let rows = p.sum_axis(1, false).unwrap();
        assert_close(&rows, &[1.0, 1.0], 1e-12, 0.0);
    }
    let x = Tensor::<f32>::from_vec(&[1, 2], vec![1e4, 0.0]).unwrap();
    assert_eq!(x.log_softmax(-1).unwrap().to_vec(), vec![0.0, -1e4]);
    assert_eq!(x.logsumexp(1, false).unwrap().to_vec(), vec![1e4]);
}

#[test]
fn sum_to_shape_undoes_broadcasting() {
    let g = Tensor::<f64>::ones(&[2, 3, 4]);
    assert_eq!(
        g.sum_to_shape(&[3, 1]).unwrap().to_vec(),
        vec![8.0, 8.0, 8.0]
    );
    assert_eq!(g.sum_to_shape(&[]).unwrap().to_vec(), vec![24.0]);
    assert_eq!(g.sum_to_shape(&[2, 1, 4]).unwrap().shape(), &[2, 1, 4]);
}

#[test]
fn layout_ops() {
    let a = t(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    assert_eq!(a.t().unwrap().to_vec(), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    assert_eq!(
        a.t().unwrap().reshape(&[6]).unwrap().to_vec(),
        vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]
    );
    assert_eq!(
        a.narrow(1, 1, 2).unwrap().to_vec(),
        vec![2.0, 3.0, 5.0, 6.0]
    );
    assert_eq!(a.pad_axis(0, 1, 0).unwrap().shape(), &[3, 3]);
    assert_eq!(
        a.select_rows(&[1, 1, 0]).unwrap().to_vec()[..3].to_vec(),
        vec![4.0, 5.0, 6.0]
    );
    assert_eq!(
        a.index_add(0, &[1, 1], 3).unwrap().to_vec(),
        vec![0.0, 0.0, 0.0, 5.0, 7.0, 9.0, 0.0, 0.0, 0.0]
    );
    assert_eq!(Tensor::concat(&[&a, &a], 1).unwrap().shape(), &[2, 6]);
    assert_eq!(Tensor::stack(&[&a, &a], 2).unwrap().shape(), &[2, 3, 2]);
    assert_eq!(a.permute(&[1, 0]).unwrap(), a.t().unwrap());
    assert_eq!(a.unsqueeze(1).unwrap().shape(), &[2, 1, 3]);
    assert_eq!(a.slice_rows(1..2).unwrap().to_vec(), vec![4.0, 5.0, 6.0]);
}

/// `index_select` on axis 0 copies whole rows of a row-major tensor as slices; a transposed
/// (not row-major) tensor takes ndarray's general path. Both must give the same rows.
#[test]
fn index_select_rows_fast_path_matches_the_general_path() {
    let v: Vec<f64> = (0..24).map(f64::from).collect();
    let a = t(&[4, 2, 3], &v);
    let idx = [3, 0, 3, 1];
    let fast = a.index_select(0, &idx).unwrap();
    let expected: Vec<f64> = idx
        .iter()
        .flat_map(|&i| v[i * 6..(i + 1) * 6].to_vec())
        .collect();
    assert_eq!(fast.shape(), &[4, 2, 3]);
    assert_eq!(fast.to_vec(), expected);
    // The same rows from a column-major copy (ndarray's `select`, the general path).
    use ndarray::ShapeBuilder;
    let mut col_major = ndarray::ArrayD::zeros(ndarray::IxDyn(&[4, 2, 3]).f());
    col_major.assign(a.array());
    let col_major = Tensor::from_array(col_major);
    assert!(col_major.as_slice().is_none());
    assert_eq!(col_major.index_select(0, &idx).unwrap().to_vec(), expected);
    assert_eq!(a.select_rows(&[]).unwrap().shape(), &[0, 2, 3]);
}

#[test]
fn scaled_add_broadcasts_rows_scalars_and_strided_views() {
    let mut a = Tensor::<f64>::from_vec(&[2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    a.scaled_add(2.0, &Tensor::from_vec(&[3], vec![1.0, 0.0, -1.0]).unwrap())
        .unwrap();
    assert_eq!(a.to_vec(), vec![3.0, 2.0, 1.0, 6.0, 5.0, 4.0]);
    a.scaled_add(0.5, &Tensor::scalar(2.0)).unwrap();
    assert_eq!(a.to_vec(), vec![4.0, 3.0, 2.0, 7.0, 6.0, 5.0]);
    // A column [2, 1] is not a trailing shape: ndarray's broadcasting path.
    a.add_assign(&Tensor::from_vec(&[2, 1], vec![10.0, 20.0]).unwrap())
        .unwrap();
    assert_eq!(a.to_vec(), vec![14.0, 13.0, 12.0, 27.0, 26.0, 25.0]);
    // A transposed (non-contiguous) operand.
    let t = Tensor::<f64>::from_vec(&[3, 2], vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0])
        .unwrap()
        .transpose(0, 1)
        .unwrap();
    a.scaled_add(-1.0, &t).unwrap();
    assert_eq!(a.to_vec(), vec![13.0, 11.0, 9.0, 23.0, 21.0, 19.0]);
    assert!(a.add_assign(&Tensor::zeros(&[2])).is_err());
}
