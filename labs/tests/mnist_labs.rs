//! The MNIST lab binaries end to end on a small dataset in MNIST's format: the same seed gives
//! the same model bit for bit at one thread or two, another seed another model, and
//! `mnist-linear` learns the same weights by hand and through autograd.

mod support;
use std::path::Path;
use support::{result_field, run, write_fake_mnist};
use vision::load_model;

/// Trains `lab` on the data in `data` with `args`, saving the model into `model`; returns the
/// RESULT line's test accuracy.
fn train(lab: &str, data: &Path, model: &Path, args: &[&str]) -> f64 {
    let out = model.with_extension("out");
    let mut all = vec![
        "--data-dir",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--save",
        model.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let run = run(lab, &all);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{lab} {all:?}: {stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    result_field(&stdout, "test_accuracy")
        .unwrap()
        .parse()
        .unwrap()
}

/// Every parameter of a saved model, by name, as the bits of its values.
fn tensors(path: &Path) -> Vec<(String, Vec<u32>)> {
    let (model, _) = load_model(path, None).unwrap();
    model
        .named_parameters()
        .into_iter()
        .map(|(name, p)| {
            (
                name,
                p.to_tensor().to_vec().iter().map(|v| v.to_bits()).collect(),
            )
        })
        .collect()
}

#[test]
fn mnist_mlp_is_the_same_bit_for_bit_at_one_or_two_threads_and_learns() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("mnist");
    write_fake_mnist(&data, 512, 100);
    let mlp = env!("CARGO_BIN_EXE_mnist-mlp");
    let common = ["--epochs", "6", "--hidden", "128", "--batch-size", "128"];
    let model = |name: &str| dir.path().join(name);
    let with = |extra: &[&'static str]| {
        let mut a = common.to_vec();
        a.extend_from_slice(extra);
        a
    };
    let one = train(
        mlp,
        &data,
        &model("one.safetensors"),
        &with(&["--threads", "1"]),
    );
    let two = train(
        mlp,
        &data,
        &model("two.safetensors"),
        &with(&["--threads", "2"]),
    );
    let seed = train(
        mlp,
        &data,
        &model("seed.safetensors"),
        &with(&["--seed", "1"]),
    );
    assert_eq!(one, two);
    assert_eq!(
        tensors(&model("one.safetensors")),
        tensors(&model("two.safetensors"))
    );
    assert_ne!(
        tensors(&model("one.safetensors")),
        tensors(&model("seed.safetensors"))
    );
    // The bars are easy to tell apart: it learned them.
    assert!(one > 0.9 && seed > 0.9, "{one} {seed}");
}

#[test]
fn mnist_linear_learns_the_same_weights_by_hand_and_through_autograd() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("mnist");
    write_fake_mnist(&data, 512, 100);
    let linear = env!("CARGO_BIN_EXE_mnist-linear");
    let (manual, auto) = (
        dir.path().join("manual.safetensors"),
        dir.path().join("auto.safetensors"),
    );
    let args = ["--epochs", "1", "--lr", "0.5"];
    let a = train(linear, &data, &auto, &args);
    let mut by_hand = args.to_vec();
    by_hand.push("--manual");
    let m = train(linear, &data, &manual, &by_hand);
    assert_eq!(a, m);
    for ((name, a), (other, m)) in tensors(&auto).into_iter().zip(tensors(&manual)) {
        assert_eq!(name, other);
        let gap = a
            .iter()
            .zip(&m)
            .map(|(&x, &y)| (f32::from_bits(x) - f32::from_bits(y)).abs())
            .fold(0.0f32, f32::max);
        assert!(gap < 1e-4, "{name} differs by {gap}");
    }
}

#[test]
fn mnist_mlp_checkpoints_every_epoch_and_resumes_from_the_last() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("mnist");
    write_fake_mnist(&data, 256, 50);
    let checkpoints = dir.path().join("checkpoints");
    let mlp = env!("CARGO_BIN_EXE_mnist-mlp");
    let args = [
        "--epochs",
        "2",
        "--hidden",
        "16",
        "--checkpoint",
        checkpoints.to_str().unwrap(),
    ];
    let first = train(mlp, &data, &dir.path().join("first.safetensors"), &args);
    let kept: Vec<String> = std::fs::read_dir(&checkpoints)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(kept, ["epoch-0002"]);
    // Resumed after its last epoch, the run has nothing left to do and ends where it was.
    let mut resume = args.to_vec();
    resume.push("--resume");
    let again = train(mlp, &data, &dir.path().join("again.safetensors"), &resume);
    assert_eq!(first, again);
    assert_eq!(
        tensors(&dir.path().join("first.safetensors")),
        tensors(&dir.path().join("again.safetensors"))
    );
    // With other options it refuses, naming the difference.
    let mut other = resume.clone();
    other.extend(["--seed", "5"]);
    let out = run(
        mlp,
        &[
            &other[..],
            &[
                "--data-dir",
                data.to_str().unwrap(),
                "--out",
                dir.path().to_str().unwrap(),
            ],
        ]
        .concat(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("run.seed: this run has 5, the checkpoint 0"),
        "{stderr}"
    );
}
