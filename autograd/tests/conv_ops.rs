//! The vision ops beyond their gradients: second-order gradients through a small CNN (against
//! finite differences of the first-order gradient), the errors a user can cause, dropout's
//! seeding and evaluation mode, and results that do not depend on the thread count.

use autograd::{grad, Conv2dOptions, Var};
use rand::{rngs::StdRng, SeedableRng};
use tensor::Tensor;

fn uniform(shape: &[usize], seed: u64) -> Tensor<f64> {
    Tensor::rand_uniform(shape, -1.0, 1.0, &mut StdRng::seed_from_u64(seed)).unwrap()
}

/// A small CNN touching every new op with a second derivative: conv2d (groups, stride,
/// padding, dilation) -> batch_norm (training) -> max_pool2d -> tanh -> conv2d -> avg_pool2d
/// -> layer_norm, reduced with fixed weights.
fn cnn(p: &[Var<f64>]) -> Var<f64> {
    let [x, w1, b1, w2, gamma] = p else {
        unreachable!("five inputs")
    };
    let opts = Conv2dOptions {
        stride: [1, 2],
        padding: [1, 1],
        dilation: [2, 1],
        groups: 2,
    };
    let h = x.conv2d(w1, Some(b1), opts).unwrap();
    let h = h
        .batch_norm(None, Some(gamma), None, true, 0.1, 1e-5)
        .unwrap();
    let h = h.max_pool2d([2, 2], [1, 1], [1, 0]).unwrap().tanh();
    let h = h.conv2d(w2, None, Conv2dOptions::default()).unwrap();
    let h = h.avg_pool2d([2, 2], [1, 1], [1, 1]).unwrap();
    let h = h.layer_norm(&h.shape()[2..], None, None, 1e-5).unwrap();
    let r = Var::constant(uniform(&h.shape(), 99));
    h.mul(&r).unwrap().sum_all()
}

fn cnn_inputs() -> Vec<Tensor<f64>> {
    vec![
        uniform(&[2, 4, 6, 7], 1),
        uniform(&[4, 2, 2, 3], 2),
        uniform(&[4], 3),
        uniform(&[3, 4, 2, 2], 4),
        uniform(&[4], 5),
    ]
}

/// `s(p) = Σ v · ∂L/∂x (p)`: the first-order input gradient projected on a fixed direction.
fn projected_input_grad(
    p: &[Tensor<f64>],
    v: &Var<f64>,
    create_graph: bool,
) -> (Vec<Var<f64>>, Var<f64>) {
    let vars: Vec<Var<f64>> = p.iter().map(|t| Var::parameter(t.clone())).collect();
    let loss = cnn(&vars);
    let gx = grad(&loss, &[&vars[0]], create_graph).unwrap().remove(0);
    (vars, gx.mul(v).unwrap().sum_all())
}

/// `create_graph` through the whole CNN: the gradient of `s = Σ v · ∂L/∂x` with respect to
/// every input (a Hessian-vector product for x, mixed second derivatives for the others) equals
/// central differences of `s`, itself computed from first-order gradients.
#[test]
fn second_order_gradients_through_a_cnn_match_finite_differences_of_the_gradient() {
    let inputs = cnn_inputs();
    let v = Var::constant(uniform(inputs[0].shape(), 77));
    let (vars, s) = projected_input_grad(&inputs, &v, true);
    let refs: Vec<&Var<f64>> = vars.iter().collect();
    let second = grad(&s, &refs, false).unwrap();
    let h = 1e-5;
    let mut checked = 0;
    for (k, x) in inputs.iter().enumerate() {
        let analytic = second[k].to_tensor().to_vec();
        assert_eq!(second[k].shape(), x.shape());
        // Every element of the small inputs, a spread of the input image's.
        let step = if k == 0 { 7 } else { 1 };
        for j in (0..x.numel()).step_by(step) {
            let at = |delta: f64| {
                let mut shifted = inputs.clone();
                shifted[k].as_slice_mut().unwrap()[j] += delta;
                projected_input_grad(&shifted, &v, false).1.item().unwrap()
            };
            let numeric = (at(h) - at(-h)) / (2.0 * h);
            let err = (analytic[j] - numeric).abs();
            assert!(
                err <= 1e-6 + 1e-5 * numeric.abs(),
                "input {k}, element {j}: analytic {} vs numeric {numeric}",
                analytic[j]
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} elements checked");
}

/// The plain backward of the CNN and its recorded (`create_graph`) backward agree.
#[test]
fn recorded_and_plain_backward_agree() {
    let inputs = cnn_inputs();
    let run = |create_graph: bool| {
        let vars: Vec<Var<f64>> = inputs.iter().map(|t| Var::parameter(t.clone())).collect();
        let refs: Vec<&Var<f64>> = vars.iter().collect();
        grad(&cnn(&vars), &refs, create_graph)
            .unwrap()
            .iter()
            .map(|g| g.to_tensor())
            .collect::<Vec<_>>()
    };
    let (plain, recorded) = (run(false), run(true));
    for (a, b) in plain.iter().zip(&recorded) {
        tensor::testing::assert_close(a, &b.to_vec(), 1e-12, 1e-14);
    }
}

fn err<T: std::fmt::Debug>(r: autograd::Result<T>) -> String {
    r.expect_err("expected an error").to_string()
}

#[test]
fn shape_and_argument_errors_name_the_op_what_was_expected_and_what_was_found() {
    let x = Var::constant(Tensor::<f32>::zeros(&[2, 4, 5, 5]));
    let w = Var::constant(Tensor::<f32>::zeros(&[6, 2, 3, 3]));
    let opts = Conv2dOptions::default();
    assert_eq!(
        err(Var::constant(Tensor::<f32>::zeros(&[4, 5, 5])).conv2d(&w, None, opts)),
        "conv2d: expected an input [N, C, H, W], found shape [4, 5, 5]"
    );
    let e = err(x.conv2d(&w, None, opts));
    assert!(
        e.starts_with("conv2d: expected groups >= 1 dividing"),
        "{e}"
    );
    assert!(
        e.contains("found groups 1 and weight [6, 2, 3, 3] for input [2, 4, 5, 5]"),
        "{e}"
    );
    let grouped = Conv2dOptions { groups: 2, ..opts };
    let bias = Var::constant(Tensor::<f32>::zeros(&[4]));
    assert_eq!(
        err(x.conv2d(&w, Some(&bias), grouped)),
        "conv2d: expected a bias of shape [6] for weight [6, 2, 3, 3], found [4]"
    );
    let big = Var::constant(Tensor::<f32>::zeros(&[6, 2, 7, 3]));
    let e = err(x.conv2d(&big, None, grouped));
    assert!(e.starts_with("conv2d: the dilated kernel [7, 3]"), "{e}");
    let e = err(x.conv2d(
        &w,
        None,
        Conv2dOptions {
            stride: [0, 1],
            ..grouped
        },
    ));
    assert_eq!(
        e,
        "conv2d: expected a stride of at least 1 on both axes, found [0, 1]"
    );

    assert_eq!(
        err(x.max_pool2d([2, 2], [2, 2], [2, 0])),
        "max_pool2d: expected padding at most half the kernel size [2, 2], found [2, 0]"
    );
    let e = err(x.avg_pool2d([6, 1], [1, 1], [0, 0]));
    assert!(
        e.starts_with("avg_pool2d: the dilated kernel [6, 1]"),
        "{e}"
    );

    let rm = Var::constant(Tensor::<f32>::zeros(&[3]));
    assert_eq!(
        err(x.batch_norm(Some((&rm, &rm)), None, None, true, 0.1, 1e-5)),
        "batch_norm: expected a running mean of shape [4], found [3]"
    );
    assert_eq!(
        err(x.batch_norm(None, None, None, false, 0.1, 1e-5)),
        "batch_norm: expected a running mean and variance in evaluation (training == false), found none"
    );
    let one = Var::constant(Tensor::<f32>::zeros(&[1, 3]));
    assert_eq!(
        err(one.batch_norm(None, None, None, true, 0.1, 1e-5)),
        "batch_norm: expected more than 1 value per channel when training, found input shape [1, 3]"
    );
    assert_eq!(
        err(x.layer_norm(&[4, 5], None, None, 1e-5)),
        "layer_norm: expected a non-empty normalized_shape that ends the input's shape [2, 4, 5, 5], found [4, 5]"
    );
    let lw = Var::constant(Tensor::<f32>::zeros(&[5]));
    assert_eq!(
        err(x.layer_norm(&[5, 5], Some(&lw), None, 1e-5)),
        "layer_norm: expected a weight of shape [5, 5], found [5]"
    );
    let mut rng = StdRng::seed_from_u64(0);
    assert_eq!(
        err(x.dropout(1.0, true, &mut rng)),
        "dropout: expected a drop probability p in [0, 1), found 1"
    );
    assert_eq!(
        err(x.flatten(2, 1)),
        "flatten: expected start_dim <= end_dim, found 2 (axis 2) and 1 (axis 1) for shape [2, 4, 5, 5]"
    );
    let e = err(x.flatten(0, 4));
    assert!(e.starts_with("flatten: axis 4 is out of range"), "{e}");
    let table = Var::constant(Tensor::<f32>::zeros(&[10, 3]));
    assert_eq!(
        err(Var::embedding(&[1, 9, 10, 2], &table)),
        "embedding: expected ids below num_embeddings 10 (weight [10, 3]), found id 10 at position 2"
    );
    assert_eq!(
        err(Var::embedding(&[0], &x)),
        "embedding: expected a weight [num_embeddings, dim], found shape [2, 4, 5, 5]"
    );
}

#[test]
fn dropout_is_seeded_scaled_and_the_identity_in_evaluation() {
    let x = Var::parameter(uniform(&[8, 50], 3));
    let a = x.dropout(0.3, true, &mut StdRng::seed_from_u64(5)).unwrap();
    let b = x.dropout(0.3, true, &mut StdRng::seed_from_u64(5)).unwrap();
    assert_eq!(a.to_tensor(), b.to_tensor(), "same seed, same mask");
    let (xs, ys) = (x.to_tensor().to_vec(), a.to_tensor().to_vec());
    let dropped = ys.iter().filter(|&&y| y == 0.0).count();
    assert!(
        (80..160).contains(&dropped),
        "{dropped} of 400 dropped at p = 0.3"
    );
    for (x, y) in xs.iter().zip(&ys) {
        assert!(*y == 0.0 || (y - x / 0.7).abs() < 1e-15);
    }
    let e = x
        .dropout(0.3, false, &mut StdRng::seed_from_u64(5))
        .unwrap();
    assert!(e.same_node(&x), "evaluation returns the input itself");
}

#[test]
fn flatten_merges_the_named_axes() {
    let x = Var::constant(Tensor::<f32>::zeros(&[2, 3, 4, 5]));
    assert_eq!(x.flatten(1, -1).unwrap().shape(), [2, 60]);
    assert_eq!(x.flatten(-3, 2).unwrap().shape(), [2, 12, 5]);
    assert_eq!(x.flatten(0, -1).unwrap().shape(), [120]);
    assert_eq!(x.flatten(2, 2).unwrap().shape(), [2, 3, 4, 5]);
    let s = Var::constant(Tensor::scalar(1.0f32));
    assert_eq!(s.flatten(0, -1).unwrap().shape(), [1]);
}

/// A conv layer's forward and backward at the MNIST CNN's second layer (batch 8 here), in f32:
/// bit for bit the same on 1 and 2 threads.
#[test]
fn conv_forward_and_backward_do_not_depend_on_the_thread_count() {
    let mut rng = StdRng::seed_from_u64(9);
    let x = Tensor::<f32>::rand_uniform(&[8, 32, 14, 14], -1.0, 1.0, &mut rng).unwrap();
    let w = Tensor::<f32>::rand_uniform(&[64, 32, 3, 3], -0.1, 0.1, &mut rng).unwrap();
    let b = Tensor::<f32>::rand_uniform(&[64], -0.1, 0.1, &mut rng).unwrap();
    let run = |threads: usize| {
        tensor::set_num_threads(threads);
        let (x, w, b) = (
            Var::parameter(x.clone()),
            Var::parameter(w.clone()),
            Var::parameter(b.clone()),
        );
        let opts = Conv2dOptions {
            padding: [1, 1],
            ..Conv2dOptions::default()
        };
        let y = x
            .conv2d(&w, Some(&b), opts)
            .unwrap()
            .max_pool2d([2, 2], [2, 2], [0, 0])
            .unwrap();
        y.mul(&y).unwrap().sum_all().backward().unwrap();
        tensor::set_num_threads(1);
        [
            y.to_tensor(),
            x.grad().unwrap(),
            w.grad().unwrap(),
            b.grad().unwrap(),
        ]
    };
    let one = run(1);
    let two = run(2);
    for (i, (a, b)) in one.iter().zip(&two).enumerate() {
        assert!(a == b, "result {i} differs between 1 and 2 threads");
    }
}

/// `batch_norm` (per-channel kernels) against the same formula written with broadcasting
/// arithmetic and reductions, values and gradients, on the ranks it takes.
#[test]
fn batch_norm_matches_its_broadcasting_composition() {
    for (k, shape) in [vec![6, 3], vec![4, 3, 5], vec![3, 2, 4, 5]]
        .into_iter()
        .enumerate()
    {
        let c = shape[1];
        let mut bshape = vec![1; shape.len()];
        bshape[1] = c;
        let count = (shape.iter().product::<usize>() / c) as f64;
        let inputs = [
            uniform(&shape, 10 + k as u64),
            uniform(&[c], 20),
            uniform(&[c], 30),
        ];
        let run = |fused: bool| {
            let v: Vec<Var<f64>> = inputs.iter().map(|t| Var::parameter(t.clone())).collect();
            let y = if fused {
                v[0].batch_norm(None, Some(&v[1]), Some(&v[2]), true, 0.1, 1e-5)
                    .unwrap()
            } else {
                let per_channel = |x: &Var<f64>| {
                    let mut s = x.clone();
                    for axis in (0..shape.len()).rev().filter(|&a| a != 1) {
                        s = s.sum_axis(axis as isize, true).unwrap();
                    }
                    s.mul_scalar(1.0 / count)
                };
                let centered = v[0].sub(&per_channel(&v[0])).unwrap();
                let var = per_channel(&centered.mul(&centered).unwrap());
                let xhat = centered.mul(&var.add_scalar(1e-5).powf(-0.5)).unwrap();
                xhat.mul(&v[1].reshape(&bshape).unwrap())
                    .unwrap()
                    .add(&v[2].reshape(&bshape).unwrap())
                    .unwrap()
            };
            let r = Var::constant(uniform(&shape, 40));
            y.mul(&r).unwrap().sum_all().backward().unwrap();
            let mut out = vec![y.to_tensor()];
            out.extend(v.iter().map(|p| p.grad().unwrap()));
            out
        };
        for (a, b) in run(true).iter().zip(run(false)) {
            tensor::testing::assert_close(a, &b.to_vec(), 1e-11, 1e-12);
        }
    }
}
