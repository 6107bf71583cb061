//! SGD's rules, validation and state; the comparison with PyTorch is in `pytorch_reference.rs`.

use autograd::{Tensor, Var};
use optim::{
    CosineAnnealingLR, ExponentialLR, LrSchedule, OptimError, Optimizer, SgdConfig, StepLR, SGD,
};

fn param(v: &[f64]) -> Var<f64> {
    Var::parameter(Tensor::from_vec(&[v.len()], v.to_vec()).unwrap())
}

fn set_grad(p: &Var<f64>, g: &[f64]) {
    *p.grad_mut() = Some(Tensor::from_vec(&[g.len()], g.to_vec()).unwrap());
}

#[test]
fn plain_sgd_steps_against_the_gradient() {
    let p = param(&[1.0, 2.0]);
    let mut opt = SGD::new(
        vec![p.clone()],
        SgdConfig {
            lr: 0.5,
            ..Default::default()
        },
    )
    .unwrap();
    set_grad(&p, &[2.0, -4.0]);
    opt.step().unwrap();
    assert_eq!(p.to_tensor().to_vec(), vec![0.0, 4.0]);
}

#[test]
fn momentum_by_hand() {
    // b1 = g1; p1 = p0 - lr b1; b2 = μ b1 + (1-τ) g2; p2 = p1 - lr b2
    let p = param(&[0.0]);
    let cfg = SgdConfig {
        lr: 0.1,
        momentum: 0.9,
        dampening: 0.5,
        ..Default::default()
    };
    let mut opt = SGD::new(vec![p.clone()], cfg).unwrap();
    set_grad(&p, &[1.0]);
    opt.step().unwrap();
    set_grad(&p, &[2.0]);
    opt.step().unwrap();
    let b2 = 0.9 * 1.0 + 0.5 * 2.0;
    let expected = -0.1 * 1.0 - 0.1 * b2;
    assert!((p.item().unwrap() - expected).abs() < 1e-15);
    assert_eq!(
        opt.momentum_buffers()[0].as_ref().unwrap().to_vec(),
        vec![b2]
    );
}

#[test]
fn parameters_without_gradients_are_left_alone() {
    let (a, b) = (param(&[1.0]), param(&[5.0]));
    let mut opt = SGD::new(
        vec![a.clone(), b.clone()],
        SgdConfig {
            lr: 1.0,
            momentum: 0.5,
            ..Default::default()
        },
    )
    .unwrap();
    set_grad(&a, &[1.0]);
    opt.step().unwrap();
    assert_eq!((a.item().unwrap(), b.item().unwrap()), (0.0, 5.0));
    assert!(opt.momentum_buffers()[1].is_none());
}

#[test]
fn the_update_is_in_place() {
    let p = param(&[1.0, 2.0, 3.0]);
    let before = p.value().as_slice().unwrap().as_ptr();
    let mut opt = SGD::new(
        vec![p.clone()],
        SgdConfig {
            lr: 0.1,
            momentum: 0.9,
            nesterov: true,
            weight_decay: 0.1,
            ..Default::default()
        },
    )
    .unwrap();
    for _ in 0..3 {
        set_grad(&p, &[1.0, 1.0, 1.0]);
        opt.step().unwrap();
    }
    assert_eq!(
        p.value().as_slice().unwrap().as_ptr(),
        before,
        "the parameter's array was replaced"
    );
}

#[test]
fn bad_hyperparameters_are_errors_naming_the_value() {
    let p = || vec![param(&[1.0])];
    let err = |cfg| SGD::<f64>::new(p(), cfg).err().unwrap().to_string();
    assert_eq!(
        err(SgdConfig {
            lr: f64::NAN,
            ..Default::default()
        }),
        "SGD: lr must be finite and >= 0, found NaN"
    );
    assert_eq!(
        err(SgdConfig {
            lr: -0.1,
            ..Default::default()
        }),
        "SGD: lr must be finite and >= 0, found -0.1"
    );
    assert_eq!(
        err(SgdConfig {
            momentum: -1.0,
            ..Default::default()
        }),
        "SGD: momentum must be finite and >= 0, found -1"
    );
    assert_eq!(
        err(SgdConfig {
            dampening: 1.5,
            ..Default::default()
        }),
        "SGD: dampening must be in [0, 1], found 1.5"
    );
    assert!(err(SgdConfig {
        nesterov: true,
        ..Default::default()
    })
    .contains("Nesterov momentum requires momentum > 0"));
    let mut opt = SGD::new(p(), SgdConfig::default()).unwrap();
    assert!(matches!(
        opt.set_lr(f64::INFINITY),
        Err(OptimError::Hyperparameter { name: "lr", .. })
    ));
    assert_eq!(opt.lr(), 0.01);
}

#[test]
fn momentum_state_round_trips_and_is_checked() {
    let p = param(&[1.0, 2.0]);
    let mut opt = SGD::new(
        vec![p.clone()],
        SgdConfig {
            lr: 0.1,
            momentum: 0.9,
            ..Default::default()
        },
    )
    .unwrap();
    set_grad(&p, &[1.0, 1.0]);
    opt.step().unwrap();
    let state = opt.state_dict();
    let mut other = SGD::new(vec![param(&[1.0, 2.0])], SgdConfig::default()).unwrap();
    other.load_state_dict(&state).unwrap();
    assert_eq!(other.momentum_buffers(), opt.momentum_buffers());
    assert_eq!(other.config(), opt.config());
    let mut bad = state.clone();
    bad.tensors
        .insert((0, "momentum_buffer".into()), Tensor::zeros(&[3]));
    bad.tensors
        .insert((1, "momentum_buffer".into()), Tensor::zeros(&[2]));
    let err = other.load_state_dict(&bad).unwrap_err();
    assert_eq!(
        err.to_string(),
        "SGD state does not fit the parameters: `momentum_buffer` of parameter 0: expected shape [2], found [3]; `momentum_buffer` of parameter 1: the optimizer has 1 parameters"
    );
}

#[test]
fn schedules_follow_their_formulas() {
    let step = StepLR {
        step_size: 3,
        gamma: 0.5,
    };
    let lrs: Vec<f64> = (0..7).map(|e| step.lr(0.1, e)).collect();
    assert_eq!(lrs, vec![0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]);
    let cos = CosineAnnealingLR {
        t_max: 10,
        eta_min: 0.001,
    };
    assert_eq!(cos.lr(0.1, 0), 0.1);
    assert!((cos.lr(0.1, 5) - (0.001 + 0.099 / 2.0)).abs() < 1e-15);
    assert!((cos.lr(0.1, 10) - 0.001).abs() < 1e-15);
    assert!((ExponentialLR { gamma: 0.9 }.lr(0.1, 2) - 0.081).abs() < 1e-15);
}

/// SGD as a user would write it outside this crate: through the `Optimizer` trait and
/// `grad()`, PyTorch's formula read off its documentation.
struct UserSgd {
    params: Vec<Var<f64>>,
    cfg: SgdConfig,
    buffers: Vec<Option<Tensor<f64>>>,
    initial_lr: f64,
}

impl Optimizer<f64> for UserSgd {
    fn step(&mut self) -> optim::Result<()> {
        let c = self.cfg;
        for (p, buf) in self.params.iter().zip(&mut self.buffers) {
            let Some(g) = p.grad() else { continue };
            let mut d = g.add(&p.value().mul_scalar(c.weight_decay))?;
            if c.momentum != 0.0 {
                let b = match buf.take() {
                    None => d.clone(),
                    Some(b) => b
                        .mul_scalar(c.momentum)
                        .add(&d.mul_scalar(1.0 - c.dampening))?,
                };
                d = if c.nesterov {
                    d.add(&b.mul_scalar(c.momentum))?
                } else {
                    b.clone()
                };
                *buf = Some(b);
            }
            p.value_mut().scaled_add(-c.lr, &d)?;
        }
        Ok(())
    }
    fn zero_grad(&self) {
        self.params.iter().for_each(Var::zero_grad);
    }
    fn lr(&self) -> f64 {
        self.cfg.lr
    }
    fn set_lr(&mut self, lr: f64) -> optim::Result<()> {
        self.cfg.lr = lr;
        Ok(())
    }
    fn initial_lrs(&self) -> Vec<f64> {
        vec![self.initial_lr]
    }
    fn params(&self) -> &[Var<f64>] {
        &self.params
    }
    fn state_dict(&self) -> optim::OptimizerState<f64> {
        optim::OptimizerState::new("UserSgd")
    }
    fn load_state_dict(&mut self, _: &optim::OptimizerState<f64>) -> optim::Result<()> {
        Ok(())
    }
}

/// Trains a linear layer for three steps with the built-in SGD or the user's one, refilling the
/// input buffer with the next batch between `backward()` and `step()`, and returns the final
/// weight and bias.
fn linear_trajectory(cfg: SgdConfig, user: bool) -> Vec<f64> {
    let value = |i: usize| ((i * 37 % 23) as f64 - 11.0) / 7.0;
    let batch = |k: usize| Tensor::from_vec(&[5, 4], (0..20).map(|i| value(i + k)).collect());
    let x = Var::constant(batch(0).unwrap());
    let w = Var::parameter(Tensor::from_vec(&[3, 4], (20..32).map(value).collect()).unwrap());
    let b = param(&[0.1, 0.0, -0.1]);
    let params = vec![w.clone(), b.clone()];
    let mut opt: Box<dyn Optimizer<f64>> = if user {
        Box::new(UserSgd {
            params: params.clone(),
            cfg,
            buffers: vec![None, None],
            initial_lr: cfg.lr,
        })
    } else {
        Box::new(SGD::new(params, cfg).unwrap())
    };
    for k in 0..3 {
        opt.zero_grad();
        let loss = x.linear(&w, Some(&b)).unwrap().tanh().sum_all();
        loss.backward().unwrap();
        *x.value_mut() = batch(k + 1).unwrap();
        opt.step().unwrap();
    }
    let mut out = w.to_tensor().to_vec();
    out.extend(b.to_tensor().to_vec());
    out
}

#[test]
fn the_built_in_sgd_steps_like_one_written_with_grad() {
    for (momentum, dampening, weight_decay, nesterov) in [
        (0.0, 0.0, 0.0, false),
        (0.9, 0.0, 0.0, false),
        (0.9, 0.3, 0.0, false),
        (0.9, 0.0, 0.01, true),
        (0.0, 0.0, 0.01, false),
        (0.9, 0.1, 0.01, false),
    ] {
        let cfg = SgdConfig {
            lr: 0.1,
            momentum,
            dampening,
            weight_decay,
            nesterov,
        };
        let (built_in, user) = (linear_trajectory(cfg, false), linear_trajectory(cfg, true));
        for (k, f) in built_in.iter().zip(&user) {
            assert!(
                (k - f).abs() <= 1e-12 * (1.0 + f.abs()),
                "{cfg:?}: {built_in:?} vs {user:?}"
            );
        }
    }
}

#[test]
fn an_empty_parameter_list_is_an_error() {
    let err = SGD::<f32>::new(Vec::new(), SgdConfig::default()).unwrap_err();
    assert!(err.to_string().contains("empty parameter list"), "{err}");
}

#[test]
fn configurations_read_as_pytorchs_keyword_arguments() {
    let sgd = optim::SgdConfig::new(0.1)
        .momentum(0.9)
        .nesterov(true)
        .weight_decay(1e-4);
    let spelled_out = SgdConfig {
        lr: 0.1,
        momentum: 0.9,
        nesterov: true,
        weight_decay: 1e-4,
        ..Default::default()
    };
    assert_eq!(sgd, spelled_out);
    let adamw = optim::AdamWConfig::new(3e-4)
        .betas((0.9, 0.95))
        .amsgrad(true);
    assert_eq!(
        (adamw.lr, adamw.betas, adamw.weight_decay),
        (3e-4, (0.9, 0.95), 0.01)
    );
    assert!(adamw.amsgrad);
    assert_eq!(optim::AdamConfig::new(1e-3), optim::AdamConfig::default());
    // Checked when the optimizer is made, as a literal is.
    let w = Var::parameter(Tensor::from_vec(&[1], vec![1.0f64]).unwrap());
    assert!(SGD::new(vec![w], SgdConfig::new(-1.0)).is_err());
}
