//! The engine's contract: accumulation, zero_grad, no_grad, detach, freeing, errors, deep graphs
//! and the absence of reference cycles.

mod common;

use autograd::{
    grad, live_nodes, no_grad, no_grad_guard, AutogradError, BackwardOptions, Reduction, Var,
};
use common::t;
use tensor::Tensor;

#[test]
fn gradients_accumulate_across_backward_calls_until_zero_grad() {
    let x = Var::parameter(t(&[2], &[1.0, 2.0]));
    for _ in 0..3 {
        x.mul(&x).unwrap().sum_all().backward().unwrap();
    }
    assert_eq!(x.grad().unwrap().to_vec(), vec![6.0, 12.0]);
    x.zero_grad();
    assert!(x.grad().is_none());
    x.mul_scalar(5.0).sum_all().backward().unwrap();
    assert_eq!(x.grad().unwrap().to_vec(), vec![5.0, 5.0]);
}

#[test]
fn a_value_used_twice_gets_both_contributions() {
    // y = x·x + x: dy/dx = 2x + 1
    let x = Var::parameter(Tensor::scalar(3.0f64));
    let y = &(&x * &x) + &x;
    y.backward().unwrap();
    assert_eq!(x.grad().unwrap().item().unwrap(), 7.0);
}

#[test]
fn no_grad_records_nothing_and_restores_the_mode() {
    let w = Var::parameter(t(&[2], &[1.0, 2.0]));
    {
        let _g = no_grad_guard();
        let y = w.mul_scalar(2.0);
        assert!(!y.requires_grad() && y.is_leaf());
        assert!(y.sum_all().backward().is_err());
        assert!(w.grad().is_none());
    }
    assert!(autograd::is_grad_enabled());
    assert!(w.mul_scalar(2.0).requires_grad());
    // The closure form, also restoring the mode when the closure returns early with an error.
    let y = no_grad(|| w.mul_scalar(2.0));
    assert!(!y.requires_grad());
    let failed: Result<Var<f64>, AutogradError> = no_grad(|| {
        assert!(!autograd::is_grad_enabled());
        w.reshape(&[3])
    });
    assert!(failed.is_err());
    assert!(autograd::is_grad_enabled());
}

#[test]
fn detach_cuts_the_graph() {
    let x = Var::parameter(t(&[2], &[1.0, 2.0]));
    let y = x.mul_scalar(3.0);
    let d = y.detach();
    assert!(d.is_leaf() && !d.requires_grad());
    let z = d.mul(&x).unwrap().sum_all();
    z.backward().unwrap();
    assert_eq!(x.grad().unwrap().to_vec(), vec![3.0, 6.0]); // only through the second factor
}

#[test]
fn requires_grad_is_settable_on_leaves_only() {
    let x = Var::constant(t(&[1], &[1.0]));
    x.set_requires_grad(true).unwrap();
    let y = x.mul_scalar(2.0);
    assert!(y.requires_grad());
    let err = y.set_requires_grad(false).unwrap_err();
    assert!(matches!(err, AutogradError::NotLeaf { op: "mul_scalar" }));
}

#[test]
fn constants_get_no_gradient() {
    let x = Var::parameter(t(&[2], &[1.0, 2.0]));
    let c = Var::constant(t(&[2], &[5.0, 7.0]));
    x.mul(&c).unwrap().sum_all().backward().unwrap();
    assert!(c.grad().is_none());
    assert_eq!(x.grad().unwrap().to_vec(), vec![5.0, 7.0]);
}

#[test]
fn backward_needs_a_scalar_or_a_gradient_of_the_right_shape() {
    let x = Var::parameter(t(&[2, 2], &[1.0, 2.0, 3.0, 4.0]));
    let y = x.mul_scalar(2.0);
    let err = y.backward().unwrap_err();
    assert_eq!(
        err.to_string(),
        "backward: expected a scalar output (one element) when no gradient is given, found shape [2, 2]; use backward_with(grad)"
    );
    let err = y.backward_with(Tensor::ones(&[4])).unwrap_err();
    assert!(matches!(err, AutogradError::GradShape { .. }), "{err}");
    y.backward_with(t(&[2, 2], &[1.0, 0.0, 0.0, 1.0])).unwrap();
    assert_eq!(x.grad().unwrap().to_vec(), vec![2.0, 0.0, 0.0, 2.0]);
}

#[test]
fn a_second_backward_through_a_freed_graph_is_an_error() {
    let x = Var::parameter(t(&[2], &[1.0, 2.0]));
    let y = x.exp().sum_all();
    y.backward().unwrap();
    let err = y.backward().unwrap_err();
    assert!(
        matches!(err, AutogradError::GraphFreed { op: "sum" }),
        "{err}"
    );
}

#[test]
fn retain_graph_allows_a_second_backward() {
    let x = Var::parameter(t(&[2], &[1.0, 2.0]));
    let y = x.mul(&x).unwrap().sum_all();
    let keep = BackwardOptions {
        retain_graph: true,
        ..Default::default()
    };
    y.backward_opts(None, keep).unwrap();
    y.backward_opts(None, keep).unwrap();
    assert_eq!(x.grad().unwrap().to_vec(), vec![4.0, 8.0]);
}

#[test]
fn check_finite_names_the_op_that_produced_a_non_finite_gradient() {
    let x = Var::parameter(t(&[2], &[0.0, 1.0]));
    let y = x.sqrt().sum_all(); // d sqrt(x)/dx = 1 / (2 sqrt x): infinite at 0
    let err = y
        .backward_opts(
            None,
            BackwardOptions {
                check_finite: true,
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            AutogradError::NonFiniteGradient {
                op: "sqrt",
                input: 0,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn grad_returns_gradients_without_touching_leaves() {
    let x = Var::parameter(t(&[2], &[1.0, 2.0]));
    let unused = Var::parameter(t(&[3], &[1.0, 1.0, 1.0]));
    let h = x.mul_scalar(3.0);
    let y = h.mul(&h).unwrap().sum_all();
    let g = grad(&y, &[&x, &h, &unused], false).unwrap();
    assert_eq!(g[0].to_tensor().to_vec(), vec![18.0, 36.0]);
    assert_eq!(g[1].to_tensor().to_vec(), vec![6.0, 12.0]); // an intermediate value
    assert_eq!(g[2].to_tensor().to_vec(), vec![0.0, 0.0, 0.0]);
    assert!(x.grad().is_none());
}

#[test]
fn a_chain_of_100_000_ops_backpropagates_and_drops_without_recursion() {
    let x = Var::parameter(Tensor::scalar(1.0f64));
    let mut y = x.clone();
    for _ in 0..100_000 {
        y = y.mul_scalar(1.0).add_scalar(0.0);
    }
    y.backward().unwrap();
    assert_eq!(x.grad().unwrap().item().unwrap(), 1.0);
    // And the same graph dropped unfreed (no backward) must not recurse either.
    let before = live_nodes();
    let mut z = x.clone();
    for _ in 0..200_000 {
        z = z.add_scalar(1.0);
    }
    assert_eq!(live_nodes(), before + 200_000);
    drop(z);
    assert_eq!(live_nodes(), before);
}

/// One SGD step of a small MLP; returns the loss.
fn mlp_step(params: &[Var<f64>], x: &Var<f64>, targets: &[usize], opts: BackwardOptions) -> f64 {
    let h = x.linear(&params[0], Some(&params[1])).unwrap().tanh();
    let loss = h
        .linear(&params[2], Some(&params[3]))
        .unwrap()
        .cross_entropy(targets, Reduction::Mean)
        .unwrap();
    loss.backward_opts(None, opts).unwrap();
    let _g = no_grad_guard();
    for p in params {
        let g = p.grad().unwrap();
        p.value_mut().scaled_add(-0.1, &g).unwrap();
        p.zero_grad();
    }
    loss.item().unwrap()
}

fn small_mlp() -> (Vec<Var<f64>>, Var<f64>, Vec<usize>) {
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(7);
    let params = vec![
        Var::parameter(Tensor::rand_uniform(&[8, 4], -0.5, 0.5, &mut rng).unwrap()),
        Var::parameter(Tensor::zeros(&[8])),
        Var::parameter(Tensor::rand_uniform(&[3, 8], -0.5, 0.5, &mut rng).unwrap()),
        Var::parameter(Tensor::zeros(&[3])),
    ];
    let x = Var::constant(Tensor::rand_normal(&[16, 4], 0.0, 1.0, &mut rng).unwrap());
    let targets = (0..16).map(|i| i % 3).collect();
    (params, x, targets)
}

#[test]
fn after_a_training_step_only_the_parameters_stay_alive() {
    let before = live_nodes();
    let (params, x, targets) = small_mlp();
    let first = mlp_step(&params, &x, &targets, BackwardOptions::default());
    let mut last = first;
    for _ in 0..50 {
        last = mlp_step(&params, &x, &targets, BackwardOptions::default());
    }
    assert!(last < first, "training lowers the loss ({first} -> {last})");
    drop(x);
    assert_eq!(live_nodes(), before + params.len());
    // Retaining the graph keeps nothing alive once the loss is dropped, either.
    let (params2, x2, targets2) = small_mlp();
    let keep = BackwardOptions {
        retain_graph: true,
        create_graph: true,
        ..Default::default()
    };
    mlp_step(&params2, &x2, &targets2, keep);
    drop(x2);
    assert_eq!(live_nodes(), before + params.len() + params2.len());
}

#[test]
fn create_graph_leaves_no_cycles() {
    let before = live_nodes();
    let x = Var::parameter(t(&[3], &[0.5, -1.0, 2.0]));
    {
        let y = x.sigmoid().mul(&x.tanh()).unwrap().sum_all();
        let g = grad(&y, &[&x], true).unwrap().remove(0);
        let penalty = g.mul(&g).unwrap().sum_all();
        penalty.backward().unwrap();
        assert!(x.grad().is_some());
    }
    assert_eq!(live_nodes(), before + 1);
}

/// A small linear layer's loss: `sum(sigmoid(x Wᵀ + b))`, plus a second use of `W` when
/// `twice`.
fn linear_loss(x: &Var<f64>, w: &Var<f64>, b: &Var<f64>, twice: bool) -> Var<f64> {
    let y = x.linear(w, Some(b)).unwrap().sigmoid().sum_all();
    if twice {
        let x2 = Var::constant(x.to_tensor().mul_scalar(-0.5));
        &y + &x2.linear(w, None).unwrap().tanh().sum_all()
    } else {
        y
    }
}

/// The gradient formed in the backward pass itself: a captured gradient (`grad`) is never kept
/// as a product.
fn formed_grad(x: &Var<f64>, w: &Var<f64>, b: &Var<f64>, twice: bool) -> Tensor<f64> {
    let loss = linear_loss(x, w, b, twice);
    grad(&loss, &[w], false).unwrap().remove(0).to_tensor()
}

#[test]
fn weight_gradients_kept_as_products_read_as_formed_ones() {
    let value = |i: usize| ((i * 37 % 23) as f64 - 11.0) / 7.0;
    let x = Var::constant(Tensor::from_vec(&[4, 3], (0..12).map(value).collect()).unwrap());
    let w = Var::parameter(Tensor::from_vec(&[2, 3], (12..18).map(value).collect()).unwrap());
    let b = Var::parameter(t(&[2], &[0.1, -0.2]));
    for twice in [false, true] {
        let want = formed_grad(&x, &w, &b, twice);
        let nodes = live_nodes();
        linear_loss(&x, &w, &b, twice).backward().unwrap();
        assert!(w.has_grad());
        assert_eq!(w.grad_shape(), Some(vec![2, 3]));
        // grad_into: dst = beta·dst + alpha·grad, straight from the factors.
        let mut dst = Tensor::full(&[2, 3], 1.0);
        assert!(w.grad_into(0.5, 2.0, &mut dst).unwrap());
        let expected = want.mul_scalar(0.5).add_scalar(2.0);
        assert!(
            dst.all_close(&expected, 1e-12, 1e-12),
            "{dst:?} vs {expected:?}"
        );
        assert!(w.grad_into(1.0, 0.0, &mut Tensor::zeros(&[3, 2])).is_err());
        // Reading multiplies the product out, once.
        assert!(w.grad().unwrap().all_close(&want, 1e-12, 1e-12));
        // A second pass without zero_grad adds to it.
        linear_loss(&x, &w, &b, twice).backward().unwrap();
        assert!(w
            .grad()
            .unwrap()
            .all_close(&want.mul_scalar(2.0), 1e-12, 1e-12));
        w.grad_mut().as_mut().unwrap().scale_inplace(0.5);
        assert!(w.grad().unwrap().all_close(&want, 1e-12, 1e-12));
        // zero_grad releases the factors (the batch and the output gradient).
        w.zero_grad();
        b.zero_grad();
        assert!(!w.has_grad() && w.grad().is_none());
        assert!(!w.grad_into(1.0, 1.0, &mut dst).unwrap());
        assert_eq!(live_nodes(), nodes);
    }
}

#[test]
fn refilling_an_input_buffer_after_backward_keeps_the_gradient_right() {
    // Gradient accumulation over micro-batches that reuse one input buffer (PyTorch allows it).
    let first = t(&[2, 3], &[1.0, 2.0, 3.0, -1.0, 0.5, 0.0]);
    let second = t(&[2, 3], &[0.5, -2.0, 1.0, 4.0, -0.5, 2.0]);
    let w = Var::parameter(t(&[2, 3], &[0.1, 0.2, 0.3, -0.3, -0.2, -0.1]));
    let want_first = {
        let x = Var::constant(first.clone());
        let loss = x.linear(&w, None).unwrap().tanh().sum_all();
        grad(&loss, &[&w], false).unwrap().remove(0).to_tensor()
    };
    let want_second = {
        let x = Var::constant(second.clone());
        let loss = x.linear(&w, None).unwrap().tanh().sum_all();
        grad(&loss, &[&w], false).unwrap().remove(0).to_tensor()
    };

    let buf = Var::constant(first);
    buf.linear(&w, None)
        .unwrap()
        .tanh()
        .sum_all()
        .backward()
        .unwrap();
    *buf.value_mut() = second.clone();
    assert!(w.grad().unwrap().all_close(&want_first, 1e-12, 1e-12));
    w.zero_grad();

    // Refilled between two backward passes: the gradients add up as if two buffers were used.
    *buf.value_mut() = t(&[2, 3], &[1.0, 2.0, 3.0, -1.0, 0.5, 0.0]);
    buf.linear(&w, None)
        .unwrap()
        .tanh()
        .sum_all()
        .backward()
        .unwrap();
    *buf.value_mut() = second;
    buf.linear(&w, None)
        .unwrap()
        .tanh()
        .sum_all()
        .backward()
        .unwrap();
    buf.value_mut().scale_inplace(0.0); // the next batch, before the optimizer reads
    let want = want_first.add(&want_second).unwrap();
    assert!(w.grad().unwrap().all_close(&want, 1e-12, 1e-12));
    let mut dst = Tensor::zeros(&[2, 3]);
    w.zero_grad();
    *buf.value_mut() = t(&[2, 3], &[1.0, 2.0, 3.0, -1.0, 0.5, 0.0]);
    buf.linear(&w, None)
        .unwrap()
        .tanh()
        .sum_all()
        .backward()
        .unwrap();
    buf.value_mut().scale_inplace(0.0);
    assert!(w.grad_into(1.0, 0.0, &mut dst).unwrap());
    assert!(dst.all_close(&want_first, 1e-12, 1e-12));
}

#[test]
fn backward_of_a_value_that_needs_no_gradient_is_an_error() {
    let x = Var::constant(t(&[2], &[1.0, 2.0]));
    let err = x.sum_all().backward().unwrap_err();
    assert!(err.to_string().contains("requires a gradient"), "{err}");
    let w = Var::parameter(t(&[2], &[1.0, 2.0]));
    let y = no_grad(|| w.sum_all());
    assert!(y.backward().is_err());
    assert!(grad(&y, &[&w], false).is_err());
}

#[test]
fn debug_prints_what_pytorch_prints() {
    let w = Var::parameter(t(&[2], &[1.0, 2.5]));
    assert_eq!(
        format!("{w:?}"),
        "tensor([1.0000, 2.5000], requires_grad=True)"
    );
    let y = (&w * 2.0).sum_all();
    assert_eq!(format!("{y:?}"), "tensor(7., grad_fn=<SumBackward>)");
    let c = Var::constant(t(&[2, 2], &[1.0, 2.0, 3.0, 4.0]));
    assert_eq!(format!("{c:?}"), "tensor([[1., 2.],\n        [3., 4.]])");
    let l = c
        .linear(&Var::parameter(t(&[1, 2], &[1.0, 1.0])), None)
        .unwrap();
    assert!(format!("{l:?}").ends_with("grad_fn=<LinearBackward>)"));
}
