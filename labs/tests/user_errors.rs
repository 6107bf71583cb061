//! Bad input is an error, not a panic: one test per kind of mistake a user can make, across the
//! crates, each checking that the message names what was expected and what was found.

use autograd::{Reduction, Tensor, Var};
use datasets::{BatchSampler, Mnist};
use nn::{Linear, Module, NLLLoss, ReLU, Sequential};
use optim::{Optimizer, SgdConfig, SGD};
use rand::{rngs::StdRng, SeedableRng};

mod support;
use support::{run, write_fake_mnist};

fn zeros(shape: &[usize]) -> Tensor<f32> {
    Tensor::zeros(shape)
}

/// Asserts that `result` is an error whose message contains every one of `parts`.
#[track_caller]
fn assert_err<T, E: std::fmt::Display>(result: Result<T, E>, parts: &[&str]) {
    let Err(e) = result else {
        panic!("expected an error mentioning {parts:?}, got Ok");
    };
    let msg = e.to_string();
    for p in parts {
        assert!(msg.contains(p), "error {msg:?} does not mention {p:?}");
    }
}

#[test]
fn shapes_that_do_not_broadcast() {
    assert_err(
        zeros(&[2, 3]).add(&zeros(&[4, 3])),
        &["add", "[2, 3]", "[4, 3]"],
    );
    let (a, b) = (
        Var::parameter(zeros(&[2, 3])),
        Var::constant(zeros(&[4, 3])),
    );
    assert_err(a.mul(&b), &["mul", "[2, 3]", "[4, 3]"]);
}

#[test]
fn matmul_inner_dimensions_that_differ() {
    assert_err(
        zeros(&[2, 3]).matmul(&zeros(&[4, 5])),
        &["matmul", "[2, 3]", "[4, 5]", "3 vs 4"],
    );
    let a = Var::parameter(zeros(&[2, 3]));
    assert_err(
        a.matmul(&Var::constant(zeros(&[2, 3]))),
        &["matmul", "[2, 3]"],
    );
}

#[test]
fn a_reshape_to_another_element_count() {
    assert_err(zeros(&[2, 3]).reshape(&[4]), &["[2, 3]", "[4]"]);
}

#[test]
fn axes_out_of_range() {
    assert_err(zeros(&[2, 3]).softmax(5), &["softmax", "5", "[2, 3]"]);
    assert_err(zeros(&[2, 3]).sum_axis(-3, false), &["-3", "[2, 3]"]);
    assert_err(
        Var::parameter(zeros(&[2, 3])).log_softmax(2),
        &["log_softmax", "[2, 3]"],
    );
}

#[test]
fn indices_out_of_range() {
    assert_err(zeros(&[2, 3]).select_rows(&[5]), &["5", "2"]);
    assert_err(zeros(&[2, 3]).slice_rows(1..5), &["1..5", "[2, 3]"]);
    assert_err(Tensor::<f32>::one_hot(&[0, 7], 3), &["7", "3"]);
}

#[test]
fn class_labels_beyond_the_number_of_classes() {
    let logits = Var::parameter(zeros(&[2, 10]));
    assert_err(
        logits.cross_entropy(&[3, 10], Reduction::Mean),
        &["cross_entropy", "target 10", "< 10"],
    );
    assert_err(
        NLLLoss::default().forward(&logits, &[11, 0]),
        &["nll_loss", "target 11"],
    );
    assert_err(
        logits.cross_entropy(&[1], Reduction::Mean),
        &["one target per row", "[2, 10]", "1 targets"],
    );
}

#[test]
fn empty_tensors() {
    assert_err(zeros(&[0]).max_all(), &["max", "[0]"]);
    assert_err(
        zeros(&[0, 10]).argmax_axis(0, false),
        &["argmax", "[0, 10]"],
    );
    // Reducing a non-empty axis of an empty tensor is fine, as in PyTorch: no rows, no maxima.
    assert_eq!(zeros(&[0, 10]).argmax_axis(1, false).unwrap().len(), 0);
    let empty = Var::parameter(zeros(&[0, 10]));
    assert_err(
        empty.cross_entropy(&[], Reduction::Mean),
        &["n >= 1", "[0, 10]"],
    );
}

#[test]
fn zero_batch_size_and_empty_datasets() {
    assert_err(BatchSampler::new(10, 0, true, 0, false), &["batch"]);
    assert_err(BatchSampler::new(0, 8, true, 0, false), &["empty"]);
}

#[test]
fn learning_rates_that_are_nan_or_negative() {
    let p = vec![Var::parameter(zeros(&[2]))];
    for lr in [f64::NAN, -0.1, f64::INFINITY] {
        let cfg = SgdConfig {
            lr,
            ..Default::default()
        };
        assert_err(SGD::new(p.clone(), cfg), &["lr", "finite and >= 0"]);
    }
    let mut opt = SGD::new(p, SgdConfig::default()).unwrap();
    assert_err(opt.set_lr(f64::NAN), &["lr", "NaN"]);
    assert_err(opt.set_lr(-1.0), &["lr", "-1"]);
}

#[test]
fn a_sequential_whose_layers_do_not_fit() {
    let mut rng = StdRng::seed_from_u64(0);
    let mut model = Sequential::<f32>::new();
    model.push(Box::new(Linear::new(4, 3, &mut rng).unwrap()));
    model.push(Box::new(ReLU));
    model.push(Box::new(Linear::new(5, 2, &mut rng).unwrap()));
    let err = model.forward(&Var::constant(zeros(&[1, 4])));
    assert_err(err, &["2", "[1, 3]", "[2, 5]"]);
    // And an input of the wrong width for the first layer.
    let mut rng = StdRng::seed_from_u64(0);
    let first = Linear::<f32>::new(4, 3, &mut rng).unwrap();
    assert_err(
        first.forward(&Var::constant(zeros(&[1, 7]))),
        &["[1, 7]", "[3, 4]"],
    );
}

#[test]
fn a_folder_without_mnist_is_an_error_that_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let err = Mnist::load(Some(dir.path()));
    assert_err(err, &[dir.path().to_str().unwrap()]);
}

/// Runs a lab binary that must fail: exit status 1, stderr one `error: ...` line (no
/// backtrace), containing every one of `parts`.
#[track_caller]
fn assert_lab_fails(exe: &str, args: &[&str], parts: &[&str]) {
    let out = run(exe, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{exe} {args:?}: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        lines.len(),
        1,
        "{exe} {args:?}: expected one line, found {stderr}"
    );
    assert!(lines[0].starts_with("error: "), "{stderr}");
    for p in parts {
        assert!(lines[0].contains(p), "{stderr:?} does not mention {p:?}");
    }
}

#[test]
fn lab_binaries_report_bad_arguments_in_one_line() {
    let mlp = env!("CARGO_BIN_EXE_mnist-mlp");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    assert_lab_fails(mlp, &["--lr=nan", "--out", out], &["--lr", "NaN"]);
    assert_lab_fails(mlp, &["--lr=-0.5", "--out", out], &["--lr", "-0.5"]);
    assert_lab_fails(mlp, &["--batch-size", "0", "--out", out], &["--batch-size"]);
    assert_lab_fails(mlp, &["--threads", "0", "--out", out], &["--threads"]);
    assert_lab_fails(
        mlp,
        &[
            "--data-dir",
            dir.path().join("nowhere").to_str().unwrap(),
            "--out",
            out,
        ],
        &["nowhere"],
    );
    let donuts = env!("CARGO_BIN_EXE_six-donuts-mlp");
    assert_lab_fails(donuts, &["--epochs", "0", "--out", out], &["--epochs"]);
    let xor = env!("CARGO_BIN_EXE_xor-mlp");
    assert_lab_fails(xor, &["--lr=inf", "--out", out], &["--lr"]);
}

#[test]
fn negative_numbers_reach_the_labs_own_checks() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let mlp = env!("CARGO_BIN_EXE_mnist-mlp");
    assert_lab_fails(
        mlp,
        &["--lr", "-1", "--out", out],
        &["'--lr <LR>'", "expected a finite number > 0, found -1"],
    );
    assert_lab_fails(
        mlp,
        &["--epochs", "-1", "--out", out],
        &["'--epochs <N>'", "expected a whole number >= 1, found -1"],
    );
    assert_lab_fails(
        mlp,
        &["--momentum", "-0.5", "--out", out],
        &["'--momentum <MOMENTUM>'", "found -0.5"],
    );
    for lab in [
        env!("CARGO_BIN_EXE_mnist-linear"),
        env!("CARGO_BIN_EXE_two-points-sgd"),
        env!("CARGO_BIN_EXE_regression-sgd"),
        env!("CARGO_BIN_EXE_classification-sgd"),
        env!("CARGO_BIN_EXE_xor-mlp"),
        env!("CARGO_BIN_EXE_three-donuts-mlp"),
    ] {
        assert_lab_fails(lab, &["--lr", "-1", "--out", out], &["--lr", "found -1"]);
    }
}

#[test]
fn zero_counts_name_their_option_and_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let mlp = env!("CARGO_BIN_EXE_mnist-mlp");
    let linear = env!("CARGO_BIN_EXE_mnist-linear");
    let donuts = env!("CARGO_BIN_EXE_six-donuts-mlp");
    let xor = env!("CARGO_BIN_EXE_xor-mlp");
    for (lab, option, value) in [
        (mlp, "--epochs", "0"),
        (mlp, "--batch-size", "0"),
        (mlp, "--hidden", "0"),
        (mlp, "--hidden", "256,0"),
        (mlp, "--threads", "0"),
        (linear, "--epochs", "0"),
        (linear, "--batch-size", "0"),
        (donuts, "--epochs", "0"),
        (donuts, "--hidden", "16,0"),
        (donuts, "--points-per-ring", "0"),
        (xor, "--hidden", "0"),
        (env!("CARGO_BIN_EXE_regression-sgd"), "--count", "0"),
    ] {
        assert_lab_fails(
            lab,
            &[option, value, "--out", out],
            &[
                &format!("invalid value '{value}' for '{option} "),
                "expected a whole number >= 1, found 0",
            ],
        );
    }
}

/// Runs a lab that must fail after it started (so stderr may hold progress notes first): exit
/// status 1, one `error: ...` line, the last, containing every one of `parts`; no panic.
#[track_caller]
fn assert_run_fails(exe: &str, args: &[&str], parts: &[&str]) -> String {
    let out = run(exe, args);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{exe} {args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert_eq!(Some(errors[0]), stderr.lines().last(), "{stderr}");
    for p in parts {
        assert!(errors[0].contains(p), "{stderr:?} does not mention {p:?}");
    }
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn divergence_names_the_rate_the_user_gave() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    // The cosine schedule had moved the rate below 100 by the time the loss overflowed; the
    // message names the --lr given.
    let stdout = assert_run_fails(
        env!("CARGO_BIN_EXE_regression-sgd"),
        &["--lr=100", "--out", out],
        &["training diverged", "try a smaller --lr (you gave 100)"],
    );
    assert!(!stdout.contains("RESULT"), "{stdout}");
}

#[test]
fn a_loss_that_climbs_far_above_its_start_is_divergence_too() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("mnist");
    write_fake_mnist(&data, 640, 100);
    let out = dir.path().join("out");
    let mlp = env!("CARGO_BIN_EXE_mnist-mlp");
    let args = |extra: &'static [&'static str]| {
        let mut a = vec![
            "--data-dir",
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--epochs",
            "3",
            "--lr",
            "1000",
        ];
        a.extend_from_slice(extra);
        a
    };
    let stdout = assert_run_fails(
        mlp,
        &args(&[]),
        &[
            "training diverged: the mean loss of epoch 1 was",
            "over 100 times the",
            "try a smaller --lr (you gave 1000)",
        ],
    );
    assert!(!stdout.contains("RESULT"), "{stdout}");
    // Switched off, the run goes on to its end and says how it ended.
    let carried_on = run(mlp, &args(&["--no-divergence-check"]));
    assert!(carried_on.status.success(), "{carried_on:?}");
    assert!(String::from_utf8_lossy(&carried_on.stdout).contains("RESULT lab=mnist-mlp epochs=3"));
}

#[test]
fn a_data_dir_that_is_a_file_says_it_is_not_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("train-images-idx3-ubyte.gz");
    std::fs::write(&file, b"not a folder").unwrap();
    let out = dir.path().join("out");
    for lab in [
        env!("CARGO_BIN_EXE_mnist-mlp"),
        env!("CARGO_BIN_EXE_mnist-linear"),
    ] {
        assert_run_fails(
            lab,
            &[
                "--data-dir",
                file.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            &[
                file.to_str().unwrap(),
                "expected a folder holding the four MNIST files, found a file",
            ],
        );
    }
}

#[test]
fn one_epoch_is_one_epoch_and_saved_models_are_as_readable_as_other_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("mnist");
    write_fake_mnist(&data, 200, 50);
    let model = dir.path().join("m.safetensors");
    let predictions = dir.path().join("pred.txt");
    let out = run(
        env!("CARGO_BIN_EXE_mnist-mlp"),
        &[
            "--data-dir",
            data.to_str().unwrap(),
            "--out",
            dir.path().join("out").to_str().unwrap(),
            "--epochs",
            "1",
            "--hidden",
            "16",
            "--save",
            model.to_str().unwrap(),
            "--save-predictions",
            predictions.to_str().unwrap(),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("; 1 epoch, batch 64"), "{stdout}");
    assert!(!stdout.contains("1 epochs"), "{stdout}");
    // The model file gets the mode every other file written here gets (0644 under the usual
    // umask), not a temporary file's 0600.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&model), mode(&predictions));
}
