//! Resuming SGD from its state: a resumed run continues exactly as the uninterrupted one.

use autograd::{Tensor, Var};
use optim::{Optimizer, OptimizerState, Setting, SgdConfig, SGD};
use rand::{rngs::StdRng, SeedableRng};

/// A two-layer network's parameters: `W1 [6, 4]`, `b1 [6]`, `W2 [2, 6]`, `b2 [2]`.
fn params(seed: u64) -> Vec<Var<f64>> {
    let mut rng = StdRng::seed_from_u64(seed);
    [&[6, 4][..], &[6], &[2, 6], &[2]]
        .iter()
        .map(|s| Var::parameter(Tensor::rand_uniform(s, -0.5, 0.5, &mut rng).unwrap()))
        .collect()
}

const CONFIG: SgdConfig = SgdConfig {
    lr: 0.3,
    momentum: 0.9,
    dampening: 0.1,
    weight_decay: 0.01,
    nesterov: false,
};

fn train(p: &[Var<f64>], opt: &mut SGD<f64>, steps: std::ops::Range<u64>) {
    for s in steps {
        let x = Tensor::rand_uniform(&[8, 4], -1.0, 1.0, &mut StdRng::seed_from_u64(s)).unwrap();
        opt.zero_grad();
        let h = Var::constant(x)
            .linear(&p[0], Some(&p[1]))
            .unwrap()
            .sigmoid();
        let y = h.linear(&p[2], Some(&p[3])).unwrap();
        y.mul(&y).unwrap().sum_all().backward().unwrap();
        opt.step().unwrap();
    }
}

fn values(p: &[Var<f64>]) -> Vec<Vec<f64>> {
    p.iter().map(|p| p.to_tensor().to_vec()).collect()
}

fn copy(from: &[Var<f64>], to: &[Var<f64>]) {
    for (f, t) in from.iter().zip(to) {
        *t.value_mut() = f.to_tensor();
    }
}

#[test]
fn a_resumed_run_matches_the_uninterrupted_one_bit_for_bit() {
    let straight = params(0);
    let mut opt = SGD::new(straight.clone(), CONFIG).unwrap();
    train(&straight, &mut opt, 0..3);
    let saved_params: Vec<Tensor<f64>> = straight.iter().map(Var::to_tensor).collect();
    let state = opt.state_dict();
    train(&straight, &mut opt, 3..6);

    // A fresh start: other weights, other hyper-parameters, no buffers.
    let resumed = params(1);
    for (p, t) in resumed.iter().zip(&saved_params) {
        *p.value_mut() = t.clone();
    }
    let mut opt2 = SGD::new(resumed.clone(), SgdConfig::default()).unwrap();
    opt2.load_state_dict(&state).unwrap();
    assert_eq!(opt2.config(), CONFIG);
    assert_eq!(opt2.steps(), 3);
    train(&resumed, &mut opt2, 3..6);
    assert_eq!(values(&resumed), values(&straight));
    assert_eq!(opt2.steps(), 6);

    // Without the optimizer's state the continuation differs: the test can tell.
    let cold = params(1);
    for (p, t) in cold.iter().zip(&saved_params) {
        *p.value_mut() = t.clone();
    }
    let mut opt3 = SGD::new(cold.clone(), CONFIG).unwrap();
    train(&cold, &mut opt3, 3..6);
    assert_ne!(values(&cold), values(&straight));
    copy(&straight, &cold);
}

#[test]
fn the_state_holds_pytorch_names_keyed_by_parameter_index() {
    let p = params(0);
    let mut opt = SGD::new(p.clone(), CONFIG).unwrap();
    train(&p, &mut opt, 0..1);
    let state = opt.state_dict();
    assert_eq!(state.optimizer, "SGD");
    let keys: Vec<(usize, &str)> = state
        .tensors
        .keys()
        .map(|(i, k)| (*i, k.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            (0, "momentum_buffer"),
            (1, "momentum_buffer"),
            (2, "momentum_buffer"),
            (3, "momentum_buffer")
        ]
    );
    assert_eq!(
        state.tensors[&(0, "momentum_buffer".into())].shape(),
        [6, 4]
    );
    assert_eq!(state.settings["step"], Setting::Int(1));
    assert_eq!(state.settings["lr"], Setting::Float(0.3));
    assert_eq!(state.settings["nesterov"], Setting::Bool(false));
    // Settings print in full and read back exactly.
    for v in state.settings.values() {
        assert_eq!(v.parse_like(&v.to_string()), Some(*v));
    }
}

#[test]
fn state_that_does_not_fit_is_refused_whole() {
    let p = params(0);
    let mut opt = SGD::new(p.clone(), CONFIG).unwrap();
    train(&p, &mut opt, 0..2);
    let state = opt.state_dict();

    // Other parameters: every buffer that does not fit is listed, and nothing changes.
    let other: Vec<Var<f64>> = [&[5, 4][..], &[5], &[2, 5], &[2]]
        .iter()
        .map(|s| Var::parameter(Tensor::zeros(s)))
        .collect();
    let mut opt2 = SGD::new(other, SgdConfig::default()).unwrap();
    let err = opt2.load_state_dict(&state).unwrap_err();
    assert_eq!(
        err.to_string().matches("expected shape").count(),
        3,
        "{err}"
    );
    assert_eq!(opt2.steps(), 0);
    assert_eq!(opt2.config(), SgdConfig::default());
    assert!(opt2.momentum_buffers().iter().all(Option::is_none));

    // Another optimizer's state, or one with a setting missing or of the wrong kind.
    let mut foreign = state.clone();
    foreign.optimizer = "Adam".into();
    let err = opt.load_state_dict(&foreign).unwrap_err();
    assert!(err.to_string().contains("written by Adam"), "{err}");
    let mut missing = state.clone();
    missing.settings.remove("momentum");
    let err = opt.load_state_dict(&missing).unwrap_err();
    assert!(err.to_string().contains("`momentum`"), "{err}");
    let mut wrong = state.clone();
    wrong.settings.insert("step".into(), Setting::Float(1.5));
    assert!(opt.load_state_dict(&wrong).is_err());
    let mut out_of_range = state;
    out_of_range
        .settings
        .insert("lr".into(), Setting::Float(-1.0));
    let err = opt.load_state_dict(&out_of_range).unwrap_err();
    assert!(err.to_string().contains("lr must be"), "{err}");
    let _ = OptimizerState::<f64>::new("SGD");
}
