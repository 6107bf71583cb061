//! End to end, without MNIST: draw digits, preprocess them as MNIST was made, train a small MLP
//! on them, save it, and read new drawings (PNG and JPEG, odd sizes, either polarity) with the
//! `mnist-predict` binary.

use autograd::{Tensor, Var};
use datasets::Split;
use image::{DynamicImage, GrayImage, Luma};
use labs::mnist::{evaluate_module, top_k, TEST_ACCURACY};
use labs::train::{Loop, TrainOptions};
use nn::{Activation, LogSoftmax, Mlp, Module, NLLLoss};
use optim::{Optimizer, SgdConfig, SGD};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::path::Path;
use std::process::Command;
use vision::digit::{preprocess, preprocess_file, SIDE};
use vision::{load_model, save_model, Architecture};

mod support;
use support::{result_field, run, write_fake_mnist};

/// The strokes of a digit in `[0, 1]²` coordinates (x right, y down), jittered by `rng`.
fn strokes(class: u8, rng: &mut StdRng) -> Vec<((f64, f64), (f64, f64))> {
    let mut j = |v: f64| v + rng.random_range(-0.04..0.04);
    match class {
        0 => {
            let (cx, cy, rx, ry) = (j(0.5), j(0.5), j(0.22), j(0.36));
            let point = |k: usize| {
                let a = k as f64 * std::f64::consts::TAU / 24.0;
                (cx + rx * a.cos(), cy + ry * a.sin())
            };
            (0..24).map(|k| (point(k), point(k + 1))).collect()
        }
        1 => vec![((j(0.52), j(0.12)), (j(0.48), j(0.88)))],
        7 => vec![
            ((j(0.25), j(0.15)), (j(0.75), j(0.15))),
            ((j(0.75), j(0.15)), (j(0.42), j(0.88))),
        ],
        _ => unreachable!("only 0, 1 and 7 are drawn"),
    }
}

/// A `width × height` drawing of `class`: strokes of ink on paper.
fn draw(class: u8, width: u32, height: u32, ink: u8, paper: u8, rng: &mut StdRng) -> GrayImage {
    let segs = strokes(class, rng);
    let thick = rng.random_range(0.05..0.08);
    let side = f64::from(width.min(height));
    // Keep the drawing's aspect: a square of the shorter side, in the middle.
    let (ox, oy) = (
        (f64::from(width) - side) / 2.0,
        (f64::from(height) - side) / 2.0,
    );
    GrayImage::from_fn(width, height, |x, y| {
        let p = ((f64::from(x) - ox) / side, (f64::from(y) - oy) / side);
        let near = segs.iter().any(|&(a, b)| {
            let (dx, dy) = (b.0 - a.0, b.1 - a.1);
            let t = (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
            let (qx, qy) = (a.0 + t * dx - p.0, a.1 + t * dy - p.1);
            (qx * qx + qy * qy).sqrt() < thick
        });
        Luma([if near { ink } else { paper }])
    })
}

fn dataset(n: usize, seed: u64) -> Split {
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut pixels, mut labels) = (Vec::new(), Vec::new());
    for i in 0..n {
        let class = [0u8, 1, 7][i % 3];
        let (w, h) = (rng.random_range(40..90), rng.random_range(40..90));
        let img = draw(class, w, h, 0, 255, &mut rng);
        pixels.extend(preprocess(&DynamicImage::ImageLuma8(img)).unwrap().pixels);
        labels.push(class);
    }
    Split {
        images: Tensor::from_vec(&[n, SIDE * SIDE], pixels).unwrap(),
        labels,
        rows: SIDE,
        cols: SIDE,
    }
}

fn trained_model(path: &Path) -> f64 {
    let (train, test) = (dataset(240, 1), dataset(60, 2));
    let model = Mlp::new(SIDE * SIDE, &[32], 10, Activation::Sigmoid)
        .build(&mut StdRng::seed_from_u64(0))
        .unwrap()
        .add(LogSoftmax::new(1));
    let nll = NLLLoss::default();
    let config = SgdConfig {
        momentum: 0.9,
        ..Default::default()
    };
    let mut sgd = SGD::new(model.parameters(), config).unwrap();
    let options = TrainOptions {
        epochs: 8,
        batch_size: 16,
        lr: 0.2,
        anneal: true,
        ..Default::default()
    };
    let history = Loop::new(&options, train.len())
        .metric(TEST_ACCURACY, |_| evaluate_module(&model, &test))
        .run(&mut sgd, |sgd, batch, lr| {
            let (x, y) = train.batch(batch)?;
            let loss = nll.forward(&model.forward(&Var::constant(x))?, &y)?;
            sgd.set_lr(lr)?;
            sgd.zero_grad();
            loss.backward()?;
            sgd.step()?;
            Ok(f64::from(loss.item()?))
        })
        .unwrap();
    let arch = Architecture::Mlp {
        inputs: SIDE * SIDE,
        hidden: vec![32],
        activation: Activation::Sigmoid,
        classes: 10,
    };
    save_model(&model, &arch, &[], path).unwrap();
    history.metric(TEST_ACCURACY).unwrap()
}

#[test]
fn a_saved_model_reads_new_drawings_of_any_size_format_and_polarity() {
    let dir = tempfile::tempdir().unwrap();
    let model_path = dir.path().join("drawn.safetensors");
    let accuracy = trained_model(&model_path);
    assert!(
        accuracy > 0.95,
        "the small model learned the drawings: {accuracy}"
    );

    // The architecture comes back from the file alone.
    let (model, arch) = load_model(&model_path, None).unwrap();
    assert!(matches!(&arch, Architecture::Mlp { hidden, .. } if hidden == &[32]));

    // New drawings (another seed), big and at odd sizes, both polarities, PNG and JPEG.
    let mut rng = StdRng::seed_from_u64(99);
    let cases = [
        (0u8, 301, 257, 255, 0, "zero.png"),
        (1, 97, 333, 10, 230, "one.jpg"),
        (7, 640, 481, 20, 250, "seven.png"),
        (7, 123, 151, 240, 30, "seven-light-on-dark.jpg"),
    ];
    let mut paths = Vec::new();
    for &(class, w, h, ink, paper, name) in &cases {
        let path = dir.path().join(name);
        draw(class, w, h, ink, paper, &mut rng).save(&path).unwrap();
        let digit = preprocess_file(&path).unwrap();
        assert_eq!(digit.inverted, paper > ink, "{name}");
        let x = Tensor::from_vec(&[1, SIDE * SIDE], digit.pixels).unwrap();
        let top = &top_k(model.as_ref(), &x, 3).unwrap()[0];
        assert_eq!(top[0].0, class as usize, "{name}: {top:?}");
        assert!(top[0].1 >= top[1].1 && top[1].1 >= top[2].1);
        paths.push(path);
    }

    // The binary, as a user runs it.
    let out = Command::new(env!("CARGO_BIN_EXE_mnist-predict"))
        .arg("--model")
        .arg(&model_path)
        .args(&paths)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for &(class, .., name) in &cases {
        let line = stdout
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no line for {name} in:\n{stdout}"));
        assert!(
            line.contains(&format!("{name}: {class}  (top 3: {class} ")),
            "{line}"
        );
    }
    assert!(
        stdout.contains("RESULT lab=mnist-predict images=4"),
        "{stdout}"
    );

    // A file without the architecture needs --hidden/--activation, and says so.
    let bare = dir.path().join("bare.safetensors");
    nn::save_safetensors(model.as_ref(), &bare).unwrap();
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_mnist-predict"))
            .arg("--model")
            .arg(&bare)
            .args(extra)
            .arg(&paths[0])
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("give --hidden and --activation"));
    let out = run(&["--hidden", "32", "--activation", "sigmoid"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("zero.png: 0"));
    // The wrong architecture: the mismatches, not a panic.
    let out = run(&["--hidden", "64"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("`0.weight`: expected F32 [64, 784], found F32 [32, 784]"),
        "{stderr}"
    );
}

#[test]
fn an_unreadable_image_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not-an-image.png");
    std::fs::write(&path, b"hello").unwrap();
    let err = preprocess_file(&path).unwrap_err().to_string();
    assert!(err.contains("not-an-image.png"), "{err}");
}

/// Writes an untrained model of the lab's architecture (784-32-10 sigmoid) with its metadata.
fn untrained_model(path: &Path) {
    let arch = Architecture::Mlp {
        inputs: SIDE * SIDE,
        hidden: vec![32],
        activation: Activation::Sigmoid,
        classes: 10,
    };
    save_model(arch.build(0).unwrap().as_ref(), &arch, &[], path).unwrap();
}

#[test]
fn every_unreadable_image_is_reported_and_the_others_are_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.safetensors");
    untrained_model(&model);
    let mut rng = StdRng::seed_from_u64(3);
    let good = [dir.path().join("one.png"), dir.path().join("seven.png")];
    draw(1, 60, 80, 0, 255, &mut rng).save(&good[0]).unwrap();
    draw(7, 90, 70, 0, 255, &mut rng).save(&good[1]).unwrap();
    let (text, missing) = (dir.path().join("text.png"), dir.path().join("missing.png"));
    std::fs::write(&text, b"not an image").unwrap();
    let files = [&text, &good[0], &missing, &good[1]];
    let mut args = vec!["--model", model.to_str().unwrap()];
    args.extend(files.iter().map(|p| p.to_str().unwrap()));
    let out = run(env!("CARGO_BIN_EXE_mnist-predict"), &args);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    for g in &good {
        assert!(stdout.contains(&format!("{}: ", g.display())), "{stdout}");
    }
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 3, "{stderr}");
    assert!(errors[0].contains("text.png"), "{stderr}");
    assert!(errors[1].contains("missing.png"), "{stderr}");
    assert!(
        errors[2].contains("2 of 4 images could not be read"),
        "{stderr}"
    );
    assert_eq!(result_field(&stdout, "images").as_deref(), Some("4"));
    assert_eq!(result_field(&stdout, "unreadable").as_deref(), Some("2"));
}

#[test]
fn an_architecture_mismatch_is_described_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.safetensors");
    untrained_model(&model);
    let out = run(
        env!("CARGO_BIN_EXE_mnist-predict"),
        &[
            "--model",
            model.to_str().unwrap(),
            "--hidden",
            "64",
            "x.png",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "the file says it is mlp 784 -> 32 -> 10 (sigmoid), but --hidden/--activation/--cnn say mlp 784 -> 64 -> 10 (sigmoid)"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("Mlp {"), "{stderr}");
}

#[test]
fn mnist_test_prints_the_accuracy_and_refuses_counts_it_cannot_give() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.safetensors");
    untrained_model(&model);
    let data = dir.path().join("mnist");
    write_fake_mnist(&data, 10, 20);
    let predict = |n: &str| {
        run(
            env!("CARGO_BIN_EXE_mnist-predict"),
            &[
                "--model",
                model.to_str().unwrap(),
                "--data-dir",
                data.to_str().unwrap(),
                "--mnist-test",
                n,
            ],
        )
    };
    let out = predict("5");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.lines().filter(|l| l.starts_with("test[")).count(), 5);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("accuracy on the first 5 test images: "))
        .unwrap_or_else(|| panic!("no accuracy line in {stdout}"));
    let accuracy: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!((0.0..=1.0).contains(&accuracy), "{line}");
    assert_eq!(result_field(&stdout, "mnist_test").as_deref(), Some("5"));
    assert_eq!(
        result_field(&stdout, "mnist_test_accuracy"),
        Some(format!("{accuracy:.4}"))
    );

    let out = predict("0");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "invalid value '0' for '--mnist-test <N>': expected a whole number >= 1, found 0"
        ),
        "{stderr}"
    );
    let out = predict("30");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("--mnist-test 30: the test set has only 20 images"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout)
        .lines()
        .all(|l| !l.starts_with("test[")));
}
