//! Saving and resuming SGD's state: a resumed run continues exactly as the uninterrupted one.

use autograd::{Tensor, Var};
use nn::{load_safetensors, save_safetensors, Linear, Module, NnError, Sequential, Sigmoid};
use optim::{OptimError, Optimizer, SgdConfig, SGD};
use rand::{rngs::StdRng, SeedableRng};

fn model(seed: u64) -> Sequential<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    Sequential::new()
        .add(Linear::<f64>::new(4, 6, &mut rng).unwrap())
        .add(Sigmoid)
        .add(Linear::new(6, 2, &mut rng).unwrap())
}

const CONFIG: SgdConfig = SgdConfig {
    lr: 0.3,
    momentum: 0.9,
    dampening: 0.1,
    weight_decay: 0.01,
    nesterov: false,
};

fn train(m: &Sequential<f64>, opt: &mut SGD<f64>, steps: std::ops::Range<u64>) {
    for s in steps {
        let x = Tensor::rand_uniform(&[8, 4], -1.0, 1.0, &mut StdRng::seed_from_u64(s)).unwrap();
        opt.zero_grad();
        let y = m.forward(&Var::constant(x)).unwrap();
        y.mul(&y).unwrap().sum_all().backward().unwrap();
        opt.step().unwrap();
    }
}

fn values(m: &Sequential<f64>) -> Vec<Vec<f64>> {
    m.parameters()
        .iter()
        .map(|p| p.to_tensor().to_vec())
        .collect()
}

#[test]
fn a_resumed_run_matches_the_uninterrupted_one_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let (model_path, opt_path) = (
        dir.path().join("m.safetensors"),
        dir.path().join("o.safetensors"),
    );

    let straight = model(0);
    let mut opt = SGD::new(straight.parameters(), CONFIG).unwrap();
    train(&straight, &mut opt, 0..3);
    save_safetensors(&straight, &model_path).unwrap();
    opt.save_safetensors(&straight, &opt_path).unwrap();
    train(&straight, &mut opt, 3..6);

    // A fresh process: other weights, other hyper-parameters, no buffers.
    let resumed = model(1);
    let mut opt2 = SGD::new(resumed.parameters(), SgdConfig::default()).unwrap();
    load_safetensors(&resumed, &model_path).unwrap();
    opt2.load_safetensors(&resumed, &opt_path).unwrap();
    assert_eq!(opt2.config(), CONFIG);
    assert_eq!(opt2.steps(), 3);
    train(&resumed, &mut opt2, 3..6);
    assert_eq!(values(&resumed), values(&straight));
    assert_eq!(opt2.steps(), 6);

    // Without the optimizer's state the continuation differs: the test can tell.
    let cold = model(1);
    load_safetensors(&cold, &model_path).unwrap();
    let mut opt3 = SGD::new(cold.parameters(), CONFIG).unwrap();
    train(&cold, &mut opt3, 3..6);
    assert_ne!(values(&cold), values(&straight));
}

#[test]
fn buffers_are_named_after_the_parameters_as_in_pytorch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("o.safetensors");
    let m = model(0);
    let mut opt = SGD::new(m.parameters(), CONFIG).unwrap();
    train(&m, &mut opt, 0..1);
    opt.save_safetensors(&m, &path).unwrap();
    let file = nn::SafetensorsFile::read(&path).unwrap();
    assert_eq!(
        file.names(),
        [
            "0.bias.momentum_buffer",
            "0.weight.momentum_buffer",
            "2.bias.momentum_buffer",
            "2.weight.momentum_buffer"
        ]
    );
    assert_eq!(
        file.shape("0.weight.momentum_buffer"),
        Some(&[6usize, 4][..])
    );
    let meta = file.metadata();
    assert_eq!(meta["optimizer"], "SGD");
    assert_eq!(meta["step"], "1");
    assert_eq!(meta["lr"], "0.3");
    assert_eq!(meta["nesterov"], "false");
}

#[test]
fn state_that_does_not_fit_is_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("o.safetensors");
    let m = model(0);
    let mut opt = SGD::new(m.parameters(), CONFIG).unwrap();
    train(&m, &mut opt, 0..2);
    opt.save_safetensors(&m, &path).unwrap();

    // Another architecture: every buffer that does not fit is listed.
    let mut rng = StdRng::seed_from_u64(0);
    let other = Sequential::new()
        .add(Linear::<f64>::new(4, 5, &mut rng).unwrap())
        .add(Sigmoid)
        .add(Linear::new(5, 2, &mut rng).unwrap());
    let mut opt2 = SGD::new(other.parameters(), SgdConfig::default()).unwrap();
    let err = opt2.load_safetensors(&other, &path).unwrap_err();
    match &err {
        OptimError::State(NnError::StateDict { mismatches, .. }) => {
            assert_eq!(mismatches.len(), 3, "{err}")
        }
        e => panic!("expected a state-dict mismatch, found {e}"),
    }
    assert_eq!(opt2.steps(), 0);
    assert!(opt2.momentum_buffers().iter().all(Option::is_none));

    // A model file is not an optimizer state.
    let model_path = dir.path().join("m.safetensors");
    save_safetensors(&m, &model_path).unwrap();
    let err = opt.load_safetensors(&m, &model_path).unwrap_err();
    assert!(err.to_string().contains("optimizer=SGD"), "{err}");

    // Parameters the module does not have cannot be named.
    let stranger = Var::parameter(Tensor::<f64>::zeros(&[3]));
    let opt3 = SGD::new(vec![stranger], CONFIG).unwrap();
    let err = opt3.save_safetensors(&m, &path).unwrap_err();
    assert!(
        err.to_string().contains("[0] are not parameters of"),
        "{err}"
    );

    // A truncated file.
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 5]).unwrap();
    assert!(matches!(
        opt.load_safetensors(&m, &path),
        Err(OptimError::State(NnError::File { .. }))
    ));
}
