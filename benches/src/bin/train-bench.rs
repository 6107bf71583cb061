//! Times MNIST training of the issue-5 model (784-hidden-10 MLP, log-softmax + NLL, plain SGD)
//! or, with `--model cnn`, of the `mnist-cnn` lab's network (Adam), and, in the same run, the
//! same step's matrix products alone (the "gemm floor"; for the CNN, its convolutions as im2col
//! products and its linear layers).
//!
//! Epochs and floor epochs alternate, so that a machine shared with other work slows both
//! alike; the last line reports medians:
//! `RESULT bench=train model=.. epoch_seconds=.. step_us=.. gemm_floor_seconds=.. threads=..
//! batch=..` followed by `steps=..` (steps per epoch), the test accuracy after training, the CPU
//! seconds of an epoch and of the floor (all threads), which a busy machine disturbs less, and
//! `simd=` the vector instructions the kernels chose at run time (`avx512`, `avx2`, ...).

use autograd::Tensor;
use benches::{
    median, process_cpu_seconds, Activation, BenchError, Cnn, CnnGemmFloor, GemmFloor, Mlp,
};
use clap::Parser;
use datasets::{BatchSampler, Mnist};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// mimalloc rather than glibc's malloc: a batch of 64 MNIST images (200 KB) is above glibc's
/// mmap and trim thresholds, so every step's batch came from fresh pages of the kernel (page
/// faults, zeroing), 7% of a batch-64 step. PyTorch keeps a caching allocator for the same
/// reason.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Keeps freed memory for the next step instead of mimalloc's purge after 10 ms, as the labs do
/// (`labs::keep_freed_memory`, where the measurement is): without it, the kernel clearing fresh
/// pages was 11% of a CNN step.
fn keep_freed_memory() {
    // SAFETY: only stores the option; 15 is `mi_option_purge_delay` in mimalloc 2 and 3, -1 = never.
    unsafe { libmimalloc_sys::mi_option_set(15, -1) }
}

/// Which network `train-bench` trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Model {
    /// The MLP of issue 5: Linear 784 → hidden → activation → Linear 10, plain SGD.
    Mlp,
    /// The `mnist-cnn` lab's network with Adam (lr 1e-3 unless --lr).
    Cnn,
}

/// Train an MNIST network and time it against its matrix-product floor.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// The network: the MLP, or the CNN of the mnist-cnn lab.
    #[arg(long, value_enum, default_value = "mlp")]
    model: Model,
    /// Passes over the training set (each followed by a pass of the floor).
    #[arg(long, default_value_t = 3, value_parser = at_least_one, allow_negative_numbers = true)]
    epochs: usize,
    /// Images per SGD step.
    #[arg(long, default_value_t = 64, value_parser = at_least_one, allow_negative_numbers = true)]
    batch_size: usize,
    /// Hidden layer width.
    #[arg(long, default_value_t = 128, value_parser = at_least_one, allow_negative_numbers = true)]
    hidden: usize,
    /// Hidden activation: sigmoid, tanh or relu.
    #[arg(long, default_value = "sigmoid")]
    activation: Activation,
    /// Threads the matrix products use (results are bit-identical for any count).
    #[arg(long, default_value_t = 1, value_parser = at_least_one, allow_negative_numbers = true)]
    threads: usize,
    /// Learning rate (plain SGD's for the MLP, default 0.1; Adam's for the CNN, default 0.001).
    #[arg(long, value_parser = learning_rate, allow_negative_numbers = true)]
    lr: Option<f64>,
    /// Steps per epoch, if fewer than a full pass (to time batch 1 without 60,000 steps).
    #[arg(long, value_parser = at_least_one, allow_negative_numbers = true)]
    steps: Option<usize>,
    /// Seed of the weights and the shuffles.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Folder with the four MNIST files (else $MNIST_DIR, else the default cache).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

/// A count of at least 1: `--epochs 0` and `--epochs -1` are refused with the option's name and
/// the value found.
fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("expected a whole number >= 1, found {s}")),
    }
}

/// A learning rate: a finite number above 0.
fn learning_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(lr) if lr.is_finite() && lr > 0.0 => Ok(lr),
        _ => Err(format!("expected a finite number > 0, found {s}")),
    }
}

fn run() -> Result<(), BenchError> {
    let args = Args::parse();
    tensor::set_num_threads(args.threads);
    let mnist = Mnist::load(args.data_dir.as_deref())?;
    let train = &mnist.train;
    let (inputs, classes) = (train.image_size(), 10);
    let mut net = match args.model {
        Model::Mlp => Net::Mlp(
            Box::new(Mlp::new(
                inputs,
                args.hidden,
                classes,
                args.activation,
                args.lr.unwrap_or(0.1),
                args.seed,
            )?),
            Box::new(GemmFloor::new(
                args.batch_size,
                inputs,
                args.hidden,
                classes,
            )),
        ),
        Model::Cnn => Net::Cnn(
            Box::new(Cnn::new(
                train.rows,
                classes,
                args.lr.unwrap_or(1e-3),
                args.seed,
            )?),
            CnnGemmFloor::new(args.batch_size, train.rows, classes),
        ),
    };
    let sampler = BatchSampler::new(train.len(), args.batch_size, true, args.seed, false)?;
    let steps = args.steps.unwrap_or(usize::MAX).min(sampler.num_batches());

    let (mut epoch_s, mut floor_s, mut step_us) = (vec![], vec![], vec![]);
    let (mut epoch_cpu, mut floor_cpu) = (vec![], vec![]);
    for epoch in 0..args.epochs {
        let batches: Vec<Vec<usize>> = sampler.epoch(epoch as u64).take(steps).collect();
        let (mut loss_sum, start, cpu) = (0.0f64, Instant::now(), process_cpu_seconds());
        for b in &batches {
            let t = Instant::now();
            let (x, y) = train.batch(b)?;
            loss_sum += f64::from(net.step(x, &y)?);
            step_us.push(t.elapsed().as_secs_f64() * 1e6);
        }
        epoch_s.push(start.elapsed().as_secs_f64());
        epoch_cpu.push(process_cpu_seconds() - cpu);
        // The floor gets the same batches, gathered outside its timing.
        let xs = batches
            .iter()
            .map(|b| Ok(train.batch(b)?.0))
            .collect::<Result<Vec<_>, BenchError>>()?;
        let (start, cpu) = (Instant::now(), process_cpu_seconds());
        for x in &xs {
            net.floor_step(x)?;
        }
        floor_s.push(start.elapsed().as_secs_f64());
        floor_cpu.push(process_cpu_seconds() - cpu);
        println!(
            "epoch {}: {:.3} s, cpu {:.3} s ({} steps, mean loss {:.4}); gemm floor {:.3} s, cpu {:.3} s",
            epoch + 1,
            epoch_s[epoch],
            epoch_cpu[epoch],
            batches.len(),
            loss_sum / batches.len() as f64,
            floor_s[epoch],
            floor_cpu[epoch]
        );
    }
    let acc = net.accuracy(&mnist.test.images, &mnist.test.labels)?;
    println!(
        "RESULT bench=train model={} epoch_seconds={:.4} step_us={:.2} gemm_floor_seconds={:.4} threads={} batch={} steps={} test_accuracy={:.4} epoch_cpu_seconds={:.4} gemm_floor_cpu_seconds={:.4} simd={}",
        match args.model {
            Model::Mlp => "mlp",
            Model::Cnn => "cnn",
        },
        median(&epoch_s),
        median(&step_us),
        median(&floor_s),
        args.threads,
        args.batch_size,
        steps,
        acc,
        median(&epoch_cpu),
        median(&floor_cpu),
        tensor::simd_level()
    );
    Ok(())
}

/// The network being timed, with its floor.
enum Net {
    Mlp(Box<Mlp>, Box<GemmFloor>),
    Cnn(Box<Cnn>, CnnGemmFloor),
}

impl Net {
    fn step(&mut self, x: Tensor<f32>, y: &[usize]) -> Result<f32, BenchError> {
        match self {
            Net::Mlp(m, _) => m.step(x, y),
            Net::Cnn(m, _) => m.step(x, y),
        }
    }

    /// The floor's products for one step on the batch `x`.
    fn floor_step(&mut self, x: &Tensor<f32>) -> Result<(), BenchError> {
        match self {
            Net::Mlp(_, f) => f.step(x),
            Net::Cnn(_, f) => f.step(),
        }
    }

    fn accuracy(&mut self, images: &Tensor<f32>, labels: &[u8]) -> Result<f64, BenchError> {
        match self {
            Net::Mlp(m, _) => m.accuracy(images, labels),
            Net::Cnn(m, _) => m.accuracy(images, labels),
        }
    }
}

fn main() -> ExitCode {
    keep_freed_memory();
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("train-bench: error: {e}");
            ExitCode::FAILURE
        }
    }
}
