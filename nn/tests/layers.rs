//! The image, normalisation, dropout and embedding layers: names, buffers, initialisation,
//! training and evaluation behaviour, files, and errors.

use autograd::{gradcheck, no_grad, Conv2dOptions, Tensor, Var};
use nn::state_dict::state_dict;
use nn::{
    load_safetensors, save_safetensors, AvgPool2d, BatchNorm1d, BatchNorm2d, BatchNormOptions,
    Conv2d, Dropout, Embedding, Flatten, LayerNorm, Linear, MaxPool2d, Module, NnError, ReLU,
    SafetensorsFile, Sequential,
};
use rand::{rngs::StdRng, SeedableRng};

fn rng() -> StdRng {
    StdRng::seed_from_u64(5)
}

const SAME: Conv2dOptions = Conv2dOptions {
    stride: [1, 1],
    padding: [1, 1],
    dilation: [1, 1],
    groups: 1,
};

/// The lab's network shape, small: conv-bn-relu-pool twice, flatten, linear.
fn small_cnn(r: &mut StdRng) -> Sequential<f64> {
    Sequential::new()
        .add(Conv2d::new(1, 4, [3, 3], SAME, r).unwrap())
        .add(BatchNorm2d::new(4).unwrap())
        .add(ReLU)
        .add(MaxPool2d::new([2, 2], None, [0, 0]).unwrap())
        .add(Conv2d::new(4, 6, [3, 3], SAME, r).unwrap())
        .add(BatchNorm2d::new(6).unwrap())
        .add(ReLU)
        .add(AvgPool2d::new([2, 2], None, [0, 0]).unwrap())
        .add(Flatten::default())
        .add(Dropout::new(0.25, r).unwrap())
        .add(Linear::new(6 * 2 * 2, 3, r).unwrap())
}

#[test]
fn a_cnn_names_parameters_and_buffers_as_pytorch_and_prints_its_tree() {
    let net = small_cnn(&mut rng());
    let params: Vec<String> = net.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        params,
        [
            "0.weight",
            "0.bias",
            "1.weight",
            "1.bias",
            "4.weight",
            "4.bias",
            "5.weight",
            "5.bias",
            "10.weight",
            "10.bias"
        ]
    );
    let buffers: Vec<String> = net.named_buffers().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        buffers,
        [
            "1.running_mean",
            "1.running_var",
            "1.num_batches_tracked",
            "5.running_mean",
            "5.running_var",
            "5.num_batches_tracked"
        ]
    );
    assert_eq!(
        net.integer_buffer_names(),
        ["1.num_batches_tracked", "5.num_batches_tracked"]
    );
    assert!(net.named_buffers().iter().all(|(_, b)| !b.requires_grad()));
    assert_eq!(
        net.num_parameters(),
        4 * 9 + 4 + 4 + 4 + 6 * 4 * 9 + 6 + 6 + 6 + 24 * 3 + 3
    );
    // torch.nn's printout of the same network.
    assert_eq!(
        format!("{net:?}"),
        "Sequential(
  (0): Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (1): BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
  (2): ReLU()
  (3): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  (4): Conv2d(4, 6, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
  (5): BatchNorm2d(6, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
  (6): ReLU()
  (7): AvgPool2d(kernel_size=2, stride=2, padding=0)
  (8): Flatten(start_dim=1, end_dim=-1)
  (9): Dropout(p=0.25, inplace=False)
  (10): Linear(in_features=24, out_features=3, bias=True)
)"
    );
}

#[test]
fn conv2d_is_initialised_in_pytorchs_range_and_describes_its_options() {
    let mut r = rng();
    let opts = Conv2dOptions {
        stride: [2, 1],
        padding: [0, 0],
        dilation: [1, 2],
        groups: 2,
    };
    let conv =
        Conv2d::<f64>::with_init(4, 6, [3, 5], opts, false, nn::Init::default(), &mut r).unwrap();
    assert_eq!(conv.weight.shape(), [6, 2, 3, 5]);
    let bound = 1.0 / ((2 * 3 * 5) as f64).sqrt();
    let w = conv.weight.to_tensor().to_vec();
    assert!(w.iter().all(|v| v.abs() <= bound));
    assert!(
        w.iter().any(|v| v.abs() > 0.8 * bound),
        "spread over the range"
    );
    assert_eq!(
        format!("{conv:?}"),
        "Conv2d(4, 6, kernel_size=(3, 5), stride=(2, 1), dilation=(1, 2), groups=2, bias=False)"
    );
    assert_eq!(conv.in_channels(), 4);
    let y = conv
        .forward(&Var::constant(Tensor::zeros(&[1, 4, 9, 12])))
        .unwrap();
    assert_eq!(y.shape(), [1, 6, 4, 4]);
}

#[test]
fn settings_a_user_can_get_wrong_are_errors_that_name_them() {
    let mut r = rng();
    let bad_conv = Conv2d::<f32>::new(3, 4, [3, 3], Conv2dOptions { groups: 2, ..SAME }, &mut r);
    assert!(
        matches!(&bad_conv, Err(NnError::Config { module: "Conv2d", message }) if message.contains("divisible by groups=2"))
    );
    assert!(Conv2d::<f32>::new(1, 4, [0, 3], SAME, &mut r).is_err());
    assert!(Conv2d::<f32>::new(
        1,
        4,
        [3, 3],
        Conv2dOptions {
            stride: [0, 1],
            ..SAME
        },
        &mut r
    )
    .is_err());
    assert!(MaxPool2d::new([2, 2], Some([0, 2]), [0, 0]).is_err());
    assert!(AvgPool2d::new([2, 2], None, [2, 0]).is_err());
    assert!(BatchNorm2d::<f32>::new(0).is_err());
    let bad_momentum = BatchNormOptions {
        momentum: Some(1.5),
        ..Default::default()
    };
    assert!(BatchNorm1d::<f32>::with_options(3, bad_momentum).is_err());
    assert!(LayerNorm::<f32>::new(&[]).is_err());
    assert!(Dropout::new(1.0, &mut r).is_err());
    assert!(Embedding::<f32>::new(0, 3, &mut r).is_err());

    // Inputs that do not fit: errors naming what was expected and found, never panics.
    let bn2 = BatchNorm2d::<f32>::new(3).unwrap();
    let err = bn2
        .forward(&Var::constant(Tensor::zeros(&[4, 3])))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("4-D [N, C, H, W]") && err.contains("[4, 3]"),
        "{err}"
    );
    let err = bn2
        .forward(&Var::constant(Tensor::zeros(&[4, 2, 5, 5])))
        .unwrap_err()
        .to_string();
    assert!(err.contains("expected 3 channels"), "{err}");
    let bn1 = BatchNorm1d::<f32>::new(3).unwrap();
    assert!(bn1
        .forward(&Var::constant(Tensor::zeros(&[4, 3, 2, 2])))
        .is_err());
    let conv = Conv2d::<f32>::new(3, 4, [3, 3], SAME, &mut r).unwrap();
    assert!(conv
        .forward(&Var::constant(Tensor::zeros(&[1, 2, 8, 8])))
        .is_err());
    let pool = MaxPool2d::new([2, 2], None, [0, 0]).unwrap();
    assert!(Module::<f32>::forward(&pool, &Var::constant(Tensor::zeros(&[2, 8]))).is_err());
    let emb = Embedding::<f32>::new(4, 2, &mut r).unwrap();
    for bad in [4.0, -1.0, 1.5, f32::NAN] {
        let ids = Var::constant(Tensor::from_vec(&[1], vec![bad]).unwrap());
        assert!(emb.forward(&ids).is_err(), "id {bad}");
    }
    assert!(emb.lookup(&[0, 4]).is_err());
}

/// PyTorch's running statistics, written out: biased batch variance to normalise, unbiased
/// into the running variance.
#[test]
fn batch_norm_updates_running_statistics_as_pytorch_and_uses_them_in_eval() {
    let x1 = Tensor::from_vec(&[3, 2], vec![1.0, -2.0, 4.0, 0.0, 7.0, 5.0]).unwrap();
    let x2 = Tensor::from_vec(&[3, 2], vec![0.0, 1.0, 3.0, 1.0, 3.0, 4.0]).unwrap();
    let stats = |x: &Tensor<f64>, c: usize| {
        let col: Vec<f64> = (0..3).map(|i| x.to_vec()[i * 2 + c]).collect();
        let mean = col.iter().sum::<f64>() / 3.0;
        let ss: f64 = col.iter().map(|v| (v - mean) * (v - mean)).sum();
        (mean, ss / 2.0)
    };
    for momentum in [Some(0.1), Some(0.3), None] {
        let mut bn = BatchNorm1d::<f64>::with_options(
            2,
            BatchNormOptions {
                momentum,
                ..Default::default()
            },
        )
        .unwrap();
        let (mut rm, mut rv) = ([0.0, 0.0], [1.0, 1.0]);
        for (step, x) in [&x1, &x2].into_iter().enumerate() {
            let y = bn.forward(&Var::constant(x.clone())).unwrap().to_tensor();
            let m = momentum.unwrap_or(1.0 / (step + 1) as f64);
            for c in 0..2 {
                let (mean, unbiased) = stats(x, c);
                rm[c] = (1.0 - m) * rm[c] + m * mean;
                rv[c] = (1.0 - m) * rv[c] + m * unbiased;
                let biased = unbiased * 2.0 / 3.0;
                let expect = (x.to_vec()[c] - mean) / (biased + 1e-5).sqrt();
                assert!((y.to_vec()[c] - expect).abs() < 1e-12);
            }
        }
        let got_rm = bn.running_mean.as_ref().unwrap().to_tensor().to_vec();
        let got_rv = bn.running_var.as_ref().unwrap().to_tensor().to_vec();
        for c in 0..2 {
            assert!((got_rm[c] - rm[c]).abs() < 1e-12, "{momentum:?}");
            assert!((got_rv[c] - rv[c]).abs() < 1e-12, "{momentum:?}");
        }
        assert_eq!(
            bn.num_batches_tracked.as_ref().unwrap().item().unwrap(),
            2.0
        );

        // Evaluation: the running statistics, and nothing moves.
        bn.set_training(false);
        let y = bn.forward(&Var::constant(x1.clone())).unwrap().to_tensor();
        let expect = (x1.to_vec()[1] - rm[1]) / (rv[1] + 1e-5).sqrt();
        assert!((y.to_vec()[1] - expect).abs() < 1e-12);
        assert_eq!(
            bn.num_batches_tracked.as_ref().unwrap().item().unwrap(),
            2.0
        );
        assert_eq!(
            bn.running_mean.as_ref().unwrap().to_tensor().to_vec(),
            got_rm
        );
    }
}

#[test]
fn batch_norm_without_running_statistics_has_no_buffers_and_normalises_by_the_batch() {
    let mut bn = BatchNorm2d::<f64>::with_options(
        2,
        BatchNormOptions {
            track_running_stats: false,
            affine: false,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(bn.named_buffers().is_empty() && bn.named_parameters().is_empty());
    bn.set_training(false);
    let x = Tensor::rand_normal(&[3, 2, 2, 2], 5.0, 2.0, &mut rng()).unwrap();
    let y = bn.forward(&Var::constant(x)).unwrap().to_tensor();
    let channel0: f64 = (0..3)
        .flat_map(|n| (0..4).map(move |i| n * 8 + i))
        .map(|i| y.to_vec()[i])
        .sum();
    assert!(channel0.abs() < 1e-9, "batch mean removed in eval too");
}

#[test]
fn train_and_eval_reach_every_layer_of_a_container() {
    let mut net = small_cnn(&mut rng());
    let x = Var::constant(Tensor::rand_normal(&[2, 1, 8, 8], 0.0, 1.0, &mut rng()).unwrap());
    net.set_training(false);
    let a = net.forward(&x).unwrap().to_tensor();
    let b = net.forward(&x).unwrap().to_tensor();
    assert_eq!(a, b, "no dropout and no batch statistics in eval");
    assert!(net.named_buffers()[2].1.item().unwrap() == 0.0);
    net.set_training(true);
    let c = net.forward(&x).unwrap().to_tensor();
    assert_ne!(a, c);
    assert_eq!(net.named_buffers()[2].1.item().unwrap(), 1.0);
}

#[test]
fn an_optimizer_steps_parameters_and_never_buffers() {
    use optim::{Optimizer, SgdConfig, SGD};
    let net = small_cnn(&mut rng());
    let config = SgdConfig {
        lr: 0.1,
        ..Default::default()
    };
    let mut sgd = SGD::new(net.parameters(), config).unwrap();
    let x = Var::constant(Tensor::rand_normal(&[4, 1, 8, 8], 0.0, 1.0, &mut rng()).unwrap());
    net.forward(&x).unwrap().sum_all().backward().unwrap();
    let before: Vec<Tensor<f64>> = net
        .named_buffers()
        .iter()
        .map(|(_, b)| b.to_tensor())
        .collect();
    sgd.step().unwrap();
    let after: Vec<Tensor<f64>> = net
        .named_buffers()
        .iter()
        .map(|(_, b)| b.to_tensor())
        .collect();
    assert_eq!(before, after);
    assert!(net.named_buffers().iter().all(|(_, b)| b.grad().is_none()));
}

#[test]
fn buffers_are_saved_with_parameters_and_counts_as_i64() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cnn.safetensors");
    let net = small_cnn(&mut rng());
    let x = Var::constant(Tensor::rand_normal(&[4, 1, 8, 8], 1.0, 2.0, &mut rng()).unwrap());
    for _ in 0..3 {
        net.forward(&x).unwrap();
    }
    save_safetensors(&net, &path).unwrap();

    // The raw header: num_batches_tracked is an I64 scalar, as torch saves it.
    let bytes = std::fs::read(&path).unwrap();
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + header_len]).unwrap();
    assert!(
        header.contains(r#""1.num_batches_tracked":{"dtype":"I64","shape":[]"#),
        "{header}"
    );
    assert!(
        header.contains(r#""1.running_var":{"dtype":"F64","shape":[4]"#),
        "{header}"
    );

    let fresh = small_cnn(&mut StdRng::seed_from_u64(99));
    load_safetensors(&fresh, &path).unwrap();
    for ((n, a), (_, b)) in state_dict(&net).iter().zip(state_dict(&fresh).iter()) {
        assert_eq!(a.to_tensor(), b.to_tensor(), "{n}");
    }
    assert_eq!(fresh.named_buffers()[2].1.item().unwrap(), 3.0);

    // A file without the buffers is refused, naming each.
    let params_only: Vec<(String, Tensor<f64>)> = net
        .named_parameters()
        .into_iter()
        .map(|(n, p)| (n, p.to_tensor()))
        .collect();
    let partial = dir.path().join("params.safetensors");
    nn::state_dict::write_safetensors(&partial, &params_only, &Default::default()).unwrap();
    match load_safetensors(&fresh, &partial).unwrap_err() {
        NnError::StateDict { mismatches, .. } => assert_eq!(mismatches.len(), 6),
        other => panic!("{other}"),
    }
    // A count stored as a float (as an older writer might) is read too.
    let all_float: Vec<(String, Tensor<f64>)> = state_dict(&net)
        .into_iter()
        .map(|(n, p)| (n, p.to_tensor()))
        .collect();
    nn::state_dict::write_safetensors(&partial, &all_float, &Default::default()).unwrap();
    let file = SafetensorsFile::read(&partial).unwrap();
    file.load_into(&fresh).unwrap();
}

#[test]
fn a_cnn_in_training_mode_passes_the_gradient_check_through_every_layer() {
    // Without dropout (its mask is redrawn on each call); batch norm in training mode, whose
    // batch statistics the gradient flows through.
    let mut r = rng();
    let net = Sequential::<f64>::new()
        .add(Conv2d::new(2, 3, [3, 3], SAME, &mut r).unwrap())
        .add(BatchNorm2d::new(3).unwrap())
        .add(MaxPool2d::new([2, 2], None, [0, 0]).unwrap())
        .add(
            Conv2d::new(
                3,
                2,
                [2, 2],
                Conv2dOptions {
                    stride: [2, 2],
                    ..Default::default()
                },
                &mut r,
            )
            .unwrap(),
        )
        .add(Flatten::default())
        .add(LayerNorm::new(&[2]).unwrap())
        .add(Linear::new(2, 2, &mut r).unwrap());
    let x = Tensor::rand_normal(&[3, 2, 4, 4], 0.0, 1.0, &mut r).unwrap();
    let report = gradcheck(
        |v| {
            net.forward(&v[0]).map_err(|e| match e {
                NnError::Autograd(e) => e,
                other => panic!("{other}"),
            })
        },
        &[x],
        1e-6,
    )
    .unwrap();
    assert!(report.passed(1e-6, 1e-4), "{report:?}");
}

#[test]
fn embedding_rows_get_the_sum_of_their_gradients_and_dropout_scales_the_kept() {
    let emb = Embedding::<f64>::new(5, 2, &mut rng()).unwrap();
    let ids = Var::constant(Tensor::from_vec(&[2, 3], vec![1.0, 1.0, 4.0, 0.0, 1.0, 4.0]).unwrap());
    let e = emb.forward(&ids).unwrap();
    assert_eq!(e.shape(), [2, 3, 2]);
    let w = emb.weight.to_tensor().to_vec();
    assert_eq!(e.to_tensor().to_vec()[..2], w[2..4]);
    e.sum_all().backward().unwrap();
    assert_eq!(
        emb.weight.grad().unwrap().to_vec(),
        vec![1.0, 1.0, 3.0, 3.0, 0.0, 0.0, 0.0, 0.0, 2.0, 2.0]
    );

    let drop = Dropout::new(0.5, &mut rng()).unwrap();
    let x = Var::parameter(Tensor::<f64>::ones(&[1000]));
    let y = drop.forward(&x).unwrap();
    let v = y.to_tensor().to_vec();
    assert!(v.iter().all(|&a| a == 0.0 || a == 2.0));
    y.sum_all().backward().unwrap();
    assert_eq!(x.grad().unwrap().to_vec(), v, "the gradient is the mask");
    // Two layers made from one seeded generator draw different masks; the same seed, the same.
    let mut r1 = rng();
    let (d1, d2) = (
        Dropout::new(0.5, &mut r1).unwrap(),
        Dropout::new(0.5, &mut r1).unwrap(),
    );
    let m1 = Module::<f64>::forward(&d1, &x).unwrap().to_tensor();
    assert_ne!(m1, Module::<f64>::forward(&d2, &x).unwrap().to_tensor());
    let again = Dropout::new(0.5, &mut rng()).unwrap();
    assert_eq!(m1, Module::<f64>::forward(&again, &x).unwrap().to_tensor());
    no_grad(|| assert!(drop.is_training()));
}
