//! Module behaviour: parameter names and order, initialisation ranges, errors, losses.

use autograd::{Reduction, Tensor, Var};
use nn::{
    BCELoss, CrossEntropyLoss, Init, Linear, LogSoftmax, MSELoss, Module, NLLLoss, NnError, ReLU,
    Sequential, Sigmoid, Softmax, Tanh,
};
use rand::{rngs::StdRng, SeedableRng};

fn rng() -> StdRng {
    StdRng::seed_from_u64(11)
}

#[test]
fn sequential_names_parameters_by_position_like_pytorch() {
    let mut r = rng();
    let net = Sequential::<f64>::new()
        .add(Linear::new(4, 3, &mut r).unwrap())
        .add(Tanh)
        .add(Linear::with_init(3, 2, false, Init::XavierUniform { gain: 1.0 }, &mut r).unwrap())
        .add(Softmax::new(1));
    let names: Vec<String> = net.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["0.weight", "0.bias", "2.weight"]);
    assert_eq!(net.num_parameters(), 4 * 3 + 3 + 3 * 2);
    assert_eq!(
        format!("{net:?}"),
        "Sequential(\n  (0): Linear(in_features=4, out_features=3, bias=True)\n  (1): Tanh()\n  (2): Linear(in_features=3, out_features=2, bias=False)\n  (3): Softmax(dim=1)\n)"
    );
    // Frozen parameters are not trainable scalars.
    net.named_parameters()[1]
        .1
        .set_requires_grad(false)
        .unwrap();
    assert_eq!(net.num_parameters(), 4 * 3 + 3 * 2);
    net.named_parameters()[1].1.set_requires_grad(true).unwrap();
    // Nested containers print nested, named by position, as PyTorch prints them.
    let outer = Sequential::<f64>::new()
        .add(
            Sequential::new()
                .add(Linear::new(2, 2, &mut r).unwrap())
                .add(ReLU),
        )
        .add(Sigmoid);
    assert_eq!(
        format!("{outer:?}"),
        "Sequential(\n  (0): Sequential(\n    (0): Linear(in_features=2, out_features=2, bias=True)\n    (1): ReLU()\n  )\n  (1): Sigmoid()\n)"
    );
    let names: Vec<String> = outer
        .named_parameters()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, ["0.0.weight", "0.0.bias"]);
    let boxed: Box<dyn Module<f64>> = Box::new(outer);
    assert!(format!("{boxed:?}").starts_with("Sequential(\n  (0): Sequential("));
    let y = net.forward(&Var::constant(Tensor::ones(&[5, 4]))).unwrap();
    assert_eq!(y.shape(), vec![5, 2]);
    let rows = y.to_tensor().sum_axis(1, false).unwrap();
    assert!(rows.to_vec().iter().all(|s| (s - 1.0).abs() < 1e-12));
}

#[test]
fn nested_sequentials_prefix_names_and_pass_the_training_switch() {
    let mut r = rng();
    let inner = Sequential::<f32>::new()
        .add(Linear::new(2, 2, &mut r).unwrap())
        .add(ReLU);
    let mut net = Sequential::new()
        .add(inner)
        .add(Linear::new(2, 1, &mut r).unwrap())
        .add(Sigmoid);
    let names: Vec<String> = net.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["0.0.weight", "0.0.bias", "1.weight", "1.bias"]);
    assert!(net.is_training());
    net.set_training(false);
    assert!(!net.is_training());
}

#[test]
fn initialisation_ranges_follow_pytorch() {
    let mut r = rng();
    let l = Linear::<f64>::new(100, 50, &mut r).unwrap();
    let bound = 0.1; // 1/sqrt(100)
    for t in [l.weight.to_tensor(), l.bias.as_ref().unwrap().to_tensor()] {
        assert!(t.max_all().unwrap() < bound && t.min_all().unwrap() >= -bound);
        assert!(
            t.max_all().unwrap() > 0.8 * bound,
            "the range is used, not a narrower one"
        );
    }
    let k = Linear::<f64>::with_init(200, 300, true, Init::KaimingNormal, &mut r).unwrap();
    let w = k.weight.to_tensor();
    let std = (w.sum_squares() / w.numel() as f64).sqrt();
    assert!(
        (std - (2.0f64 / 200.0).sqrt()).abs() < 0.005,
        "kaiming normal std {std}"
    );
    assert_eq!(k.bias.as_ref().unwrap().to_tensor().sum_squares(), 0.0);
    let x =
        Linear::<f64>::with_init(30, 20, true, Init::XavierUniform { gain: 1.0 }, &mut r).unwrap();
    let a = (6.0f64 / 50.0).sqrt();
    assert!(x.weight.to_tensor().abs().max_all().unwrap() <= a);
}

#[test]
fn layers_that_do_not_fit_report_the_layer_and_both_shapes() {
    let mut r = rng();
    let net = Sequential::<f32>::new()
        .add(Linear::new(4, 8, &mut r).unwrap())
        .add(Sigmoid)
        .add(Linear::new(6, 2, &mut r).unwrap());
    let err = net
        .forward(&Var::constant(Tensor::ones(&[3, 4])))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer 2 (Linear(in_features=6, out_features=2, bias=True)): linear: expected input [n, in] and weight [out, in] with the same in, found input [3, 8] and weight [2, 6]"
    );
    assert!(matches!(err, NnError::Layer { index: 2, .. }));
    assert!(matches!(
        Linear::<f32>::new(0, 3, &mut r),
        Err(NnError::Config { .. })
    ));
}

#[test]
fn an_initialisation_with_a_bad_gain_is_an_error() {
    let mut r = rng();
    for gain in [-1.0, f64::NAN, f64::INFINITY] {
        for init in [Init::XavierUniform { gain }, Init::XavierNormal { gain }] {
            let Err(err) = Linear::<f32>::with_init(4, 3, true, init, &mut r) else {
                panic!("gain {gain} was accepted");
            };
            assert!(
                matches!(err, NnError::Config { module: "Init", .. }),
                "{err}"
            );
            assert!(err.to_string().contains(&format!("found {gain}")), "{err}");
        }
    }
    assert!(
        Linear::<f32>::with_init(4, 3, false, Init::XavierNormal { gain: 0.0 }, &mut r).is_ok()
    );
}

#[test]
fn losses_match_their_functional_forms_and_validate_targets() {
    let logits =
        Var::parameter(Tensor::from_vec(&[2, 3], vec![1.0f64, 2.0, 0.5, -1.0, 0.0, 3.0]).unwrap());
    let targets = [1usize, 2];
    let ce = CrossEntropyLoss::default()
        .forward(&logits, &targets)
        .unwrap()
        .item()
        .unwrap();
    let logp = LogSoftmax::new(1).forward(&logits).unwrap();
    let nll = NLLLoss::default()
        .forward(&logp, &targets)
        .unwrap()
        .item()
        .unwrap();
    assert!((ce - nll).abs() < 1e-12);
    let sum = CrossEntropyLoss::new(Reduction::Sum)
        .forward(&logits, &targets)
        .unwrap()
        .item()
        .unwrap();
    assert!((sum - 2.0 * ce).abs() < 1e-12);
    let err = CrossEntropyLoss::default()
        .forward(&logits, &[1, 3])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cross_entropy: target 3 of row 1 is out of range: expected a class index < 3"
    );
    let err = NLLLoss::default().forward(&logp, &[1]).unwrap_err();
    assert!(
        err.to_string().contains("found input [2, 3] and 1 targets"),
        "{err}"
    );

    let p = Var::constant(Tensor::from_vec(&[2], vec![0.8f64, 0.3]).unwrap());
    let y = Var::constant(Tensor::from_vec(&[2], vec![1.0f64, 0.0]).unwrap());
    let bce = BCELoss::default().forward(&p, &y).unwrap().item().unwrap();
    let expected = -(0.8f64.ln() + 0.7f64.ln()) / 2.0;
    assert!((bce - expected).abs() < 1e-12);
    let mse = MSELoss::default().forward(&p, &y).unwrap().item().unwrap();
    assert!((mse - (0.04 + 0.09) / 2.0).abs() < 1e-12);
    let err = MSELoss::default()
        .forward(&p, &Var::constant(Tensor::zeros(&[3])))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("expected target of the input's shape [2], found [3]"),
        "{err}"
    );
}

#[test]
fn zero_grad_clears_every_parameter() {
    let mut r = rng();
    let net = Sequential::<f64>::new()
        .add(Linear::new(2, 2, &mut r).unwrap())
        .add(Sigmoid);
    net.forward(&Var::constant(Tensor::ones(&[1, 2])))
        .unwrap()
        .sum_all()
        .backward()
        .unwrap();
    assert!(net.parameters().iter().all(|p| p.grad().is_some()));
    net.zero_grad();
    assert!(net.parameters().iter().all(|p| p.grad().is_none()));
}

/// The reproduction of issue 12: a micro-batch buffer refilled between two backward passes, and
/// between backward and the optimizer step, as PyTorch allows.
#[test]
fn refilling_the_input_buffer_between_backward_passes_gives_the_right_gradient() {
    let layer = Linear::<f32>::new(3, 2, &mut rand::rngs::StdRng::seed_from_u64(0)).unwrap();
    let buf = Var::constant(Tensor::ones(&[4, 3]));
    layer.forward(&buf).unwrap().sum_all().backward().unwrap();
    *buf.value_mut() = Tensor::zeros(&[4, 3]); // the next micro-batch, into the same buffer
    layer.forward(&buf).unwrap().sum_all().backward().unwrap();
    // d/dW of sum(x Wᵀ + b) is the column sums of x: 4 from the ones, 0 from the zeros.
    assert_eq!(layer.weight.grad().unwrap().to_vec(), vec![4.0; 6]);
    assert_eq!(
        layer.bias.as_ref().unwrap().grad().unwrap().to_vec(),
        vec![8.0; 2]
    );
}
