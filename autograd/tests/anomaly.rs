//! Anomaly mode (`detect_anomaly`): the first op whose gradient is not finite, named with the
//! file and line of the code that made it; nothing recorded or checked outside it.

mod common;

use autograd::{
    detect_anomaly, detect_anomaly_guard, grad, is_anomaly_enabled, set_detect_anomaly,
    AutogradError, BackwardOptions, Conv2dOptions, Reduction, Var,
};
use common::t;
use rand::{rngs::StdRng, SeedableRng};
use std::collections::HashSet;

#[test]
fn anomaly_mode_names_the_op_and_the_line_that_made_it() {
    let x = Var::parameter(t(&[2], &[0.0, 1.0]));
    // d sqrt(x)/dx = 1 / (2 sqrt x): infinite at 0. A plain backward(), no options.
    let (err, line) = detect_anomaly(|| {
        let (y, line) = (x.sqrt(), line!());
        (y.sum_all().backward().unwrap_err(), line)
    });
    let message = err.to_string();
    assert!(message.contains("`sqrt`"), "{message}");
    let at = format!("created at {}:{line}:", file!());
    assert!(message.contains(&at), "{at} in {message}");
    match err {
        AutogradError::NonFiniteGradient {
            op: "sqrt",
            input: 0,
            location: Some(location),
            ..
        } => {
            assert_eq!((location.file(), location.line()), (file!(), line));
            // file:line:column, the column being that of the call.
            assert!(message.contains(&location.to_string()), "{message}");
            assert!(location.column() > 1);
        }
        other => panic!("expected a NonFiniteGradient with a location, found {other:?}"),
    }
}

#[test]
fn the_first_op_with_a_non_finite_gradient_is_named_not_a_later_one() {
    // ln(0) * 0: the product's gradient to ln's output is 0 (finite); ln's to x is 0 / 0.
    let x = Var::parameter(t(&[2], &[0.0, 1.0]));
    let zero = Var::constant(t(&[2], &[0.0, 0.0]));
    let _anomaly = detect_anomaly_guard();
    let (log_x, line) = (x.ln(), line!());
    let y = log_x.mul(&zero).unwrap();
    let err = y.sum_all().backward().unwrap_err();
    let message = err.to_string();
    assert!(message.contains("`ln`"), "{message}");
    assert!(
        message.contains(&format!("{}:{line}:", file!())),
        "line {line} in {message}"
    );
    assert!(x.grad().is_none(), "a failed pass leaves no gradient");
}

#[test]
fn anomaly_mode_checks_grad_and_the_gradients_kept_as_products() {
    let x = Var::parameter(t(&[1, 2], &[0.0, 1.0]));
    detect_anomaly(|| {
        let (y, line) = (x.sqrt(), line!());
        let err = grad(&y.sum_all(), &[&x], false).unwrap_err();
        assert!(
            err.to_string().contains(&format!("{}:{line}:", file!())),
            "{err}"
        );
        // A linear layer's weight gradient is kept as a product until read: checked too.
        let w = Var::parameter(t(&[1, 2], &[1.0, 1.0]));
        let inf = Var::constant(t(&[1, 2], &[f64::INFINITY, 1.0]));
        let (out, line) = (inf.linear(&w, None).unwrap(), line!());
        let err = out.sum_all().backward().unwrap_err();
        assert!(err.to_string().contains("`linear`"), "{err}");
        assert!(
            err.to_string().contains(&format!("{}:{line}:", file!())),
            "{err}"
        );
    });
}

#[test]
fn outside_anomaly_mode_no_location_is_recorded_and_nothing_is_checked() {
    assert!(!is_anomaly_enabled());
    let x = Var::parameter(t(&[2], &[0.0, 1.0]));
    let y = x.sqrt();
    assert!(y.created_at().is_none());
    // Unchecked: the infinite gradient goes into .grad, as in PyTorch.
    y.sum_all().backward().unwrap();
    assert_eq!(x.grad().unwrap().to_vec()[0], f64::INFINITY);
    // Checked by the option: the op is named, without a location, and the message says how
    // to get one.
    x.zero_grad();
    let check = BackwardOptions {
        check_finite: true,
        ..Default::default()
    };
    let err = x.sqrt().sum_all().backward_opts(None, check).unwrap_err();
    assert!(
        matches!(
            err,
            AutogradError::NonFiniteGradient {
                op: "sqrt",
                location: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("detect_anomaly"), "{err}");
    assert!(!err.to_string().contains("created at"), "{err}");
}

#[test]
fn a_graph_made_in_anomaly_mode_keeps_its_locations_after_backward() {
    let x = Var::parameter(t(&[2], &[1.0, 4.0]));
    let (y, line) = detect_anomaly(|| (x.sqrt().sum_all(), line!()));
    // Made in anomaly mode, differentiated outside it: recorded, not checked.
    y.backward().unwrap();
    let at = y.created_at().expect("kept after the graph is freed");
    assert_eq!((at.file(), at.line()), (file!(), line));
    assert!(y.inputs().is_empty(), "the graph itself is freed");
}

#[test]
fn the_mode_is_restored_by_the_guard_nested_and_on_panic() {
    {
        let _on = detect_anomaly_guard();
        assert!(is_anomaly_enabled());
        {
            let _off = set_detect_anomaly(false);
            assert!(!is_anomaly_enabled());
        }
        assert!(is_anomaly_enabled());
    }
    assert!(!is_anomaly_enabled());
    let panicked = std::panic::catch_unwind(|| detect_anomaly(|| panic!("inside"))).is_err();
    assert!(panicked);
    assert!(!is_anomaly_enabled());
    assert_eq!(detect_anomaly(|| 7), 7);
}

/// Every op node reachable from `root`, by an explicit stack.
fn ops_of(root: &Var<f64>) -> Vec<Var<f64>> {
    let (mut seen, mut stack, mut ops) = (HashSet::new(), vec![root.clone()], vec![]);
    while let Some(v) = stack.pop() {
        if seen.insert(v.id()) {
            stack.extend(v.inputs());
            if v.op_name().is_some() {
                ops.push(v);
            }
        }
    }
    ops
}

/// Each public op, composite or not, operator or method, reports the line of the code that
/// called it: a method that calls another without `#[track_caller]` would report a line of
/// `autograd/src/ops/`.
#[test]
fn every_op_reports_its_callers_file_not_the_library() {
    let x = Var::parameter(t(&[2, 3], &[0.5, 1.0, 1.5, 2.0, 2.5, 3.0]));
    let img = Var::parameter(t(
        &[1, 1, 4, 4],
        &(1..=16).map(f64::from).collect::<Vec<_>>(),
    ));
    let k = Var::parameter(t(
        &[2, 1, 2, 2],
        &[0.1, 0.2, 0.3, 0.4, -0.1, 0.2, -0.3, 0.4],
    ));
    let w = Var::parameter(t(&[2, 3], &[0.1, 0.2, 0.3, 0.4, 0.5, 0.6]));
    let b = Var::parameter(t(&[2], &[0.1, -0.1]));
    let y = Var::constant(t(&[2, 3], &[0.0, 1.0, 0.0, 1.0, 0.0, 1.0]));
    let mut rng = StdRng::seed_from_u64(0);
    let (root, names) = detect_anomaly(|| {
        let s = |v: Var<f64>| v.sum_all();
        let outs = vec![
            s(&(&(&(&x + &x) - &x) * &x) / &x),
            s(-&(&(&(&(&x + 1.0) - 1.0) * 2.0) / 2.0)),
            s(x.add(&x).unwrap().sub(&x).unwrap().mul(&x).unwrap()),
            s(x.div(&x).unwrap().neg().add_scalar(1.0).mul_scalar(2.0)),
            s(x.exp().ln().sqrt().powf(2.0).abs()),
            s(x.sigmoid().tanh().relu()),
            s(x.maximum(&y).unwrap().minimum(&x).unwrap()),
            x.mean_all(),
            s(x.sum_axis(0, true).unwrap()),
            s(x.mean_axis(1, false).unwrap()),
            s(x.max_axis(1, false).unwrap()),
            s(x.min_axis(0, true).unwrap()),
            x.max_all().unwrap(),
            x.min_all().unwrap(),
            s(x.reshape(&[3, 2]).unwrap().transpose(0, 1).unwrap()),
            s(x.permute(&[1, 0]).unwrap()),
            s(b.broadcast_to(&[3, 2])
                .unwrap()
                .sum_to_shape(&[1, 2])
                .unwrap()),
            s(x.narrow(1, 1, 2).unwrap().pad_axis(0, 1, 1).unwrap()),
            s(x.slice_rows(0..1).unwrap()),
            s(x.index_select(1, &[2, 0])
                .unwrap()
                .index_add(1, &[0, 0], 3)
                .unwrap()),
            s(Var::concat(&[&x, &y], 0).unwrap()),
            s(Var::stack(&[&x, &y], 0).unwrap()),
            s(x.softmax(1).unwrap().log_softmax(0).unwrap()),
            s(x.logsumexp(1, false).unwrap()),
            s(x.matmul(&w.transpose(0, 1).unwrap()).unwrap()),
            s(x.matmul_t(false, &w, true).unwrap()),
            s(x.linear(&w, Some(&b)).unwrap()),
            x.cross_entropy(&[0, 2], Reduction::Mean).unwrap(),
            x.log_softmax(1)
                .unwrap()
                .nll_loss(&[1, 0], Reduction::Sum)
                .unwrap(),
            x.mse_loss(&y, Reduction::Mean).unwrap(),
            x.sigmoid()
                .binary_cross_entropy(&y, Reduction::Mean)
                .unwrap(),
            s(img.conv2d(&k, Some(&b), Conv2dOptions::default()).unwrap()),
            // Two groups: a batched product, then the move to NCHW.
            s(img
                .reshape(&[1, 2, 2, 4])
                .unwrap()
                .conv2d(
                    &k.reshape(&[2, 1, 2, 2]).unwrap(),
                    None,
                    Conv2dOptions {
                        groups: 2,
                        ..Conv2dOptions::default()
                    },
                )
                .unwrap()),
            s(img
                .im2col(&Conv2dOptions::default().window([2, 2]))
                .unwrap()
                .col2im([1, 1, 4, 4], &Conv2dOptions::default().window([2, 2]))
                .unwrap()),
            s(img.max_pool2d([2, 2], [2, 2], [0, 0]).unwrap()),
            s(img.avg_pool2d([2, 2], [2, 2], [0, 0]).unwrap()),
            s(img
                .take(&[0, 5], &[2])
                .unwrap()
                .put_add(&[1, 1], &[3])
                .unwrap()),
            s(img.batch_norm(None, None, None, true, 0.1, 1e-5).unwrap()),
            s(img
                .batch_norm(
                    Some((
                        &b.narrow(0, 0, 1).unwrap(),
                        &b.narrow(0, 1, 1).unwrap().abs(),
                    )),
                    None,
                    None,
                    false,
                    0.1,
                    1e-5,
                )
                .unwrap()),
            s(
                x.layer_norm(&[3], Some(&b.pad_axis(0, 0, 1).unwrap()), None, 1e-5)
                    .unwrap(),
            ),
            s(x.dropout(0.5, true, &mut rng).unwrap()),
            s(Var::embedding(&[1, 0, 1], &w).unwrap()),
            s(img.flatten(1, -1).unwrap()),
        ];
        let refs: Vec<&Var<f64>> = outs.iter().collect();
        let root = Var::stack(&refs, 0).unwrap().sum_all();
        let names: HashSet<&str> = ops_of(&root).iter().filter_map(Var::op_name).collect();
        (root, names)
    });
    for op in ops_of(&root) {
        let at = op
            .created_at()
            .unwrap_or_else(|| panic!("`{}` has no location", op.op_name().unwrap()));
        assert_eq!(
            at.file(),
            file!(),
            "`{}` reports {at}, a line of the library, not of its caller",
            op.op_name().unwrap()
        );
    }
    // The expression above reaches every kind of node the crate records.
    for op in [
        "add",
        "sub",
        "mul",
        "div",
        "neg",
        "add_scalar",
        "mul_scalar",
        "exp",
        "ln",
        "sqrt",
        "powf",
        "abs",
        "sigmoid",
        "tanh",
        "relu",
        "maximum",
        "minimum",
        "sum",
        "sum_axis",
        "max_axis",
        "min_axis",
        "reshape",
        "transpose",
        "permute",
        "broadcast_to",
        "sum_to_shape",
        "narrow",
        "pad_axis",
        "index_select",
        "index_add",
        "concat",
        "stack",
        "softmax",
        "log_softmax",
        "logsumexp",
        "matmul",
        "linear",
        "cross_entropy",
        "nll_loss",
        "im2col",
        "col2im",
        "rows_to_nchw",
        "conv2d",
        "take",
        "put_add",
        "batch_norm",
        "channel_affine",
        "max_pool2d",
    ] {
        assert!(names.contains(op), "`{op}` not reached");
    }
}
