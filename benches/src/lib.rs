//! What the benches and `train-bench` share: the MNIST multilayer perceptron of issue 5 and its
//! training step, built from the public `nn`/`optim` API exactly as a user would, and the
//! "matrix-product floor": the same step's matrix products alone, on preallocated outputs.

use autograd::{no_grad_guard, Tensor, Var};
use nn::{Init, LogSoftmax, Module, NLLLoss, Sequential};
use optim::{Optimizer, SgdConfig, SGD};
use rand::{rngs::StdRng, SeedableRng};
use std::error::Error;

/// Errors of the benchmark code: any of the workspace's errors, boxed.
pub type BenchError = Box<dyn Error + Send + Sync>;

/// The hidden activation (`sigmoid`, `tanh` or `relu` on the command line).
pub use nn::Activation;

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
    /// A network with PyTorch's default initialisation for every layer (`nn.Linear`'s, whatever
    /// the activation, as `benches/reference/train_torch.py` builds it), drawn from `seed`.
    pub fn new(
        inputs: usize,
        hidden: usize,
        classes: usize,
        activation: Activation,
        lr: f64,
        seed: u64,
    ) -> Result<Self, BenchError> {
        let model = nn::Mlp::new(inputs, &[hidden], classes, activation)
            .with_init(Init::PyTorchDefault)
            .build(&mut StdRng::seed_from_u64(seed))?
            .add(LogSoftmax::new(1));
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

/// The `mnist-cnn` lab's network ([`vision::Cnn`]: two conv 3x3 → batch norm → ReLU → max-pool 2
/// blocks of 32 and 64 channels, Linear 3136 → 128 → ReLU → dropout 0.25 → Linear 10), with
/// cross-entropy and Adam (PyTorch's defaults, lr 1e-3), as `benches/reference/train_torch.py
/// --model cnn` builds it.
pub struct Cnn {
    /// The network.
    pub model: vision::Cnn,
    opt: optim::Adam<f32>,
    loss: nn::CrossEntropyLoss,
    side: usize,
}

impl Cnn {
    /// The network for `side`x`side` images, initialised from `seed`.
    pub fn new(side: usize, classes: usize, lr: f64, seed: u64) -> Result<Self, BenchError> {
        let shape = vision::CnnShape {
            side,
            classes,
            ..Default::default()
        };
        let model = vision::Cnn::new(shape, 0.25, seed).map_err(|e| e.to_string())?;
        let config = optim::AdamConfig {
            lr,
            ..Default::default()
        };
        let opt = optim::Adam::new(model.parameters(), config)?;
        Ok(Cnn {
            model,
            opt,
            loss: nn::CrossEntropyLoss::default(),
            side,
        })
    }

    /// One training step on flat images `[n, side²]`; returns the loss.
    pub fn step(&mut self, x: Tensor<f32>, y: &[usize]) -> Result<f32, BenchError> {
        let n = x.shape()[0];
        let x = Var::constant(x.reshape(&[n, 1, self.side, self.side])?);
        let loss = self.loss.forward(&self.model.forward(&x)?, y)?;
        self.opt.zero_grad();
        loss.backward()?;
        self.opt.step()?;
        Ok(loss.item()?)
    }

    /// Test accuracy, in evaluation mode (running statistics, no dropout); the model is back in
    /// training mode afterwards.
    pub fn accuracy(&mut self, images: &Tensor<f32>, labels: &[u8]) -> Result<f64, BenchError> {
        let _g = no_grad_guard();
        self.model.set_training(false);
        let mut right = 0usize;
        for start in (0..labels.len()).step_by(500) {
            let end = (start + 500).min(labels.len());
            let x = images.slice_rows(start..end)?;
            let x = Var::constant(x.reshape(&[end - start, 1, self.side, self.side])?);
            let pred = self.model.forward(&x)?.value().argmax_rows()?;
            right += pred
                .iter()
                .zip(&labels[start..end])
                .filter(|(p, &l)| **p == usize::from(l))
                .count();
        }
        self.model.set_training(true);
        Ok(right as f64 / labels.len().max(1) as f64)
    }

    /// The trained parameters, in order (for bit-identity checks across thread counts).
    pub fn weights(&self) -> Vec<Tensor<f32>> {
        self.model
            .parameters()
            .iter()
            .map(|p| p.to_tensor())
            .collect()
    }
}

/// The matrix products of one [`Cnn`] step at batch `n`, on preallocated operands of the same
/// shapes as the step's (the convolutions as im2col products): per convolution the forward
/// `W · cols`, the weight gradient `G · colsᵀ` and (for the second, whose input is not the
/// data) the input gradient `Wᵀ · G`; per linear layer the forward and both gradients.
pub struct CnnGemmFloor {
    products: Vec<Product>,
}

/// `(out, a, ta, b, tb)`: `out = op(a) · op(b)`, `op` transposing when its flag is set.
type Product = (Tensor<f32>, Tensor<f32>, bool, Tensor<f32>, bool);

impl CnnGemmFloor {
    /// The products of a step at batch `n` on `side`x`side` images.
    pub fn new(n: usize, side: usize, classes: usize) -> Self {
        let small = |shape: &[usize]| Tensor::full(shape, 1e-3f32);
        let zeros = |shape: &[usize]| Tensor::<f32>::zeros(shape);
        let (p1, p2) = (n * side * side, n * (side / 2) * (side / 2));
        let flat = 64 * (side / 4) * (side / 4);
        // (rows of op(a), inner, cols of op(b)) products written plainly with their layouts.
        let products = vec![
            // conv1: forward, weight gradient.
            (
                zeros(&[32, p1]),
                small(&[32, 9]),
                false,
                small(&[9, p1]),
                false,
            ),
            (
                zeros(&[32, 9]),
                small(&[32, p1]),
                false,
                small(&[9, p1]),
                true,
            ),
            // conv2: forward, weight gradient, input gradient.
            (
                zeros(&[64, p2]),
                small(&[64, 288]),
                false,
                small(&[288, p2]),
                false,
            ),
            (
                zeros(&[64, 288]),
                small(&[64, p2]),
                false,
                small(&[288, p2]),
                true,
            ),
            (
                zeros(&[288, p2]),
                small(&[64, 288]),
                true,
                small(&[64, p2]),
                false,
            ),
            // fc1: forward x·Wᵀ, weight gradient Gᵀ·x, input gradient G·W.
            (
                zeros(&[n, 128]),
                small(&[n, flat]),
                false,
                small(&[128, flat]),
                true,
            ),
            (
                zeros(&[128, flat]),
                small(&[n, 128]),
                true,
                small(&[n, flat]),
                false,
            ),
            (
                zeros(&[n, flat]),
                small(&[n, 128]),
                false,
                small(&[128, flat]),
                false,
            ),
            // fc2.
            (
                zeros(&[n, classes]),
                small(&[n, 128]),
                false,
                small(&[classes, 128]),
                true,
            ),
            (
                zeros(&[classes, 128]),
                small(&[n, classes]),
                true,
                small(&[n, 128]),
                false,
            ),
            (
                zeros(&[n, 128]),
                small(&[n, classes]),
                false,
                small(&[classes, 128]),
                false,
            ),
        ];
        CnnGemmFloor { products }
    }

    /// Runs every product once.
    pub fn step(&mut self) -> Result<(), BenchError> {
        for (out, a, ta, b, tb) in &mut self.products {
            out.matmul_t_into(a, *ta, b, *tb)?;
        }
        Ok(())
    }
}
