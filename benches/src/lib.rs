//! What the benches and `train-bench` share: the MNIST multilayer perceptron of issue 5 and its
//! training step, built from the public `nn`/`optim` API exactly as a user would, and the
//! "matrix-product floor": the same step's matrix products alone, on preallocated outputs.

use autograd::{no_grad_guard, Tensor, Var};
use nn::{Linear, LogSoftmax, Module, NLLLoss, ReLU, Sequential, Sigmoid, Tanh};
use optim::{Optimizer, SgdConfig, SGD};
use rand::{rngs::StdRng, SeedableRng};
use std::error::Error;

/// Errors of the benchmark code: any of the workspace's errors, boxed.
pub type BenchError = Box<dyn Error + Send + Sync>;

/// The hidden activation (the labs' own: `sigmoid`, `tanh` or `relu` on the command line).
pub use labs::mnist::Activation;

/// `Linear(inputs, hidden), activation, Linear(hidden, classes), LogSoftmax` trained on the
/// negative log-likelihood by plain SGD: PyTorch's `nn.Sequential` + `F.nll_loss` +
/// `optim.SGD(lr)`, step for step.
pub struct Mlp {
    /// The network, ending in `LogSoftmax`.
    pub model: Sequential<f32>,
    opt: SGD<f32>,
    loss: NLLLoss,
}

impl Mlp {
    /// A network with PyTorch's default initialisation, drawn from `seed`.
    pub fn new(
        inputs: usize,
        hidden: usize,
        classes: usize,
        activation: Activation,
        lr: f64,
        seed: u64,
    ) -> Result<Self, BenchError> {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut model = Sequential::new();
        model.push(Box::new(Linear::<f32>::new(inputs, hidden, &mut rng)?));
        match activation {
            Activation::Sigmoid => model.push(Box::new(Sigmoid)),
            Activation::Tanh => model.push(Box::new(Tanh)),
            Activation::Relu => model.push(Box::new(ReLU)),
        }
        model.push(Box::new(Linear::<f32>::new(hidden, classes, &mut rng)?));
        model.push(Box::new(LogSoftmax::new(1)));
        let opt = SGD::new(
            model.parameters(),
            SgdConfig {
                lr,
                ..Default::default()
            },
        )?;
        Ok(Mlp {
            model,
            opt,
            loss: NLLLoss::default(),
        })
    }

    /// One training step on a batch (`x` `[n, inputs]`, one class per row): forward, backward,
    /// SGD update. Returns the batch's mean loss before the update.
    pub fn step(&mut self, x: Tensor<f32>, y: &[usize]) -> Result<f32, BenchError> {
        let out = self.model.forward(&Var::constant(x))?;
        let loss = self.loss.forward(&out, y)?;
        self.opt.zero_grad();
        loss.backward()?;
        self.opt.step()?;
        Ok(loss.item()?)
    }

    /// The fraction of rows of `images` whose largest output is at the label.
    pub fn accuracy(&self, images: &Tensor<f32>, labels: &[u8]) -> Result<f64, BenchError> {
        let _g = no_grad_guard();
        let mut right = 0usize;
        for start in (0..labels.len()).step_by(1000) {
            let end = (start + 1000).min(labels.len());
            let x = Var::constant(images.slice_rows(start..end)?);
            let pred = self.model.forward(&x)?.value().argmax_rows()?;
            right += pred
                .iter()
                .zip(&labels[start..end])
                .filter(|(p, &l)| **p == usize::from(l))
                .count();
        }
        Ok(right as f64 / labels.len().max(1) as f64)
    }

    /// The parameters' values, in order (`0.weight`, `0.bias`, `2.weight`, `2.bias`).
    pub fn weights(&self) -> Vec<Tensor<f32>> {
        self.model
            .parameters()
            .iter()
            .map(|p| p.to_tensor())
            .collect()
    }
}

/// The matrix products of one training step of [`Mlp`] and nothing else, on outputs allocated
/// once: `h = x W1ᵀ`, `z = h W2ᵀ` (forward), `dW2 = Gᵀ h`, `dH = G W2`, `dW1 = dHᵀ x`
/// (backward; the input needs no gradient). Its time per epoch is the floor a training step
/// can approach.
pub struct GemmFloor {
    w1: Tensor<f32>,
    w2: Tensor<f32>,
    h: Tensor<f32>,
    z: Tensor<f32>,
    dw1: Tensor<f32>,
    dw2: Tensor<f32>,
    dh: Tensor<f32>,
}

impl GemmFloor {
    /// Buffers for batches of `batch` rows (a smaller last batch is handled by
    /// [`GemmFloor::step`]).
    pub fn new(batch: usize, inputs: usize, hidden: usize, classes: usize) -> Self {
        let small = |shape: &[usize]| Tensor::full(shape, 1e-3f32);
        GemmFloor {
            w1: small(&[hidden, inputs]),
            w2: small(&[classes, hidden]),
            h: Tensor::zeros(&[batch, hidden]),
            z: Tensor::zeros(&[batch, classes]),
            dw1: Tensor::zeros(&[hidden, inputs]),
            dw2: Tensor::zeros(&[classes, hidden]),
            dh: Tensor::zeros(&[batch, hidden]),
        }
    }

    /// The five products for the batch `x` (`[n, inputs]`, `n` at most the batch size given
    /// to [`GemmFloor::new`]); `z` stands in for the output gradient.
    pub fn step(&mut self, x: &Tensor<f32>) -> Result<(), BenchError> {
        let n = x.shape()[0];
        if n != self.h.shape()[0] {
            let (hidden, classes) = (self.h.shape()[1], self.z.shape()[1]);
            self.h = Tensor::zeros(&[n, hidden]);
            self.z = Tensor::zeros(&[n, classes]);
            self.dh = Tensor::zeros(&[n, hidden]);
        }
        self.h.matmul_t_into(x, false, &self.w1, true)?;
        self.z.matmul_t_into(&self.h, false, &self.w2, true)?;
        self.dw2.matmul_t_into(&self.z, true, &self.h, false)?;
        self.dh.matmul_t_into(&self.z, false, &self.w2, false)?;
        self.dw1.matmul_t_into(&self.dh, true, x, false)?;
        Ok(())
    }
}

/// CPU time this process has used, in seconds (user and system, all threads). On a machine
/// shared with other work it moves less than wall time, so the bench reports both.
#[cfg(target_os = "linux")]
pub fn process_cpu_seconds() -> f64 {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    }
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id exists on Linux.
    let rc = unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return f64::NAN;
    }
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// CPU time is not measured off Linux.
#[cfg(not(target_os = "linux"))]
pub fn process_cpu_seconds() -> f64 {
    f64::NAN
}

/// The median of `v` (the mean of the middle two for an even length); NaN when empty.
pub fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    if s.len() % 2 == 1 {
        s[m]
    } else {
        0.5 * (s[m - 1] + s[m])
    }
}
