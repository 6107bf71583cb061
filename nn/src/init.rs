//! Weight initialisation schemes (PyTorch's `nn.init`).

use autograd::{Element, Tensor};
use rand::Rng;

use crate::{NnError, Result};

/// How a layer's weight is drawn. For a [`Linear`](crate::Linear) weight `[out, in]`,
/// `fan_in = in` and `fan_out = out`; for a [`Conv2d`](crate::Conv2d) weight
/// `[out, in / groups, kh, kw]`, `fan_in = in / groups · kh · kw` and `fan_out = out · kh · kw`
/// (PyTorch's `_calculate_fan_in_and_fan_out`, which reads the weight's own dimensions).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Init {
    /// PyTorch's `nn.Linear` default: `U(-1/√fan_in, 1/√fan_in)` (which is
    /// `kaiming_uniform_(a=√5)`); the bias is drawn from the same range.
    #[default]
    PyTorchDefault,
    /// Glorot/Xavier uniform: `U(-a, a)`, `a = gain · √(6 / (fan_in + fan_out))`.
    XavierUniform {
        /// The gain (1 for linear and sigmoid layers, 5/3 for tanh).
        gain: f64,
    },
    /// Glorot/Xavier normal: `N(0, σ²)`, `σ = gain · √(2 / (fan_in + fan_out))`.
    XavierNormal {
        /// The gain.
        gain: f64,
    },
    /// Kaiming/He uniform for ReLU layers: `U(-b, b)`, `b = √(6 / fan_in)`.
    KaimingUniform,
    /// Kaiming/He normal for ReLU layers: `N(0, 2 / fan_in)`.
    KaimingNormal,
}

impl Init {
    /// Draws a `[fan_out, fan_in]` weight.
    ///
    /// Errors when a gain is negative or not finite (the bound or standard deviation it gives
    /// would not be a valid distribution).
    pub fn weight<T: Element, R: Rng + ?Sized>(
        self,
        fan_in: usize,
        fan_out: usize,
        rng: &mut R,
    ) -> Result<Tensor<T>> {
        self.weight_of_shape(&[fan_out, fan_in], fan_in, fan_out, rng)
    }

    /// Draws a weight of any `shape` with the given fans (a convolution's
    /// `[out, in / groups, kh, kw]` with `fan_in = in / groups · kh · kw`,
    /// `fan_out = out · kh · kw`).
    ///
    /// Errors when a gain is negative or not finite.
    pub fn weight_of_shape<T: Element, R: Rng + ?Sized>(
        self,
        shape: &[usize],
        fan_in: usize,
        fan_out: usize,
        rng: &mut R,
    ) -> Result<Tensor<T>> {
        if let Init::XavierUniform { gain } | Init::XavierNormal { gain } = self {
            if !gain.is_finite() || gain < 0.0 {
                return Err(NnError::Config {
                    module: "Init",
                    message: format!("expected a finite gain >= 0, found {gain}"),
                });
            }
        }
        let (fi, fo) = (fan_in as f64, fan_out as f64);
        let uniform = |bound: f64, rng: &mut R| {
            Tensor::rand_uniform(
                shape,
                T::from_f64_lossy(-bound),
                T::from_f64_lossy(bound),
                rng,
            )
            .map_err(NnError::from)
        };
        let normal = |std: f64, rng: &mut R| {
            Tensor::rand_normal(shape, T::zero(), T::from_f64_lossy(std), rng)
                .map_err(NnError::from)
        };
        match self {
            Init::PyTorchDefault => uniform(1.0 / fi.sqrt(), rng),
            Init::XavierUniform { gain } => uniform(gain * (6.0 / (fi + fo)).sqrt(), rng),
            Init::XavierNormal { gain } => normal(gain * (2.0 / (fi + fo)).sqrt(), rng),
            Init::KaimingUniform => uniform((6.0 / fi).sqrt(), rng),
            Init::KaimingNormal => normal((2.0 / fi).sqrt(), rng),
        }
    }

    /// Draws a `[fan_out]` bias: PyTorch's `U(-1/√fan_in, 1/√fan_in)` for the default scheme,
    /// zeros for the others (the usual choice with Xavier and Kaiming).
    pub fn bias<T: Element, R: Rng + ?Sized>(
        self,
        fan_in: usize,
        fan_out: usize,
        rng: &mut R,
    ) -> Result<Tensor<T>> {
        match self {
            Init::PyTorchDefault => {
                let b = 1.0 / (fan_in as f64).sqrt();
                Ok(Tensor::rand_uniform(
                    &[fan_out],
                    T::from_f64_lossy(-b),
                    T::from_f64_lossy(b),
                    rng,
                )?)
            }
            _ => Ok(Tensor::zeros(&[fan_out])),
        }
    }
}
