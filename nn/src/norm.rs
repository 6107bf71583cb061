//! Normalisation layers: batch norm over `[N, C, ...]` batches and layer norm over trailing axes.

use crate::{Module, NnError, Result};
use autograd::{Element, Tensor, Var};

/// The settings of [`BatchNorm1d`] and [`BatchNorm2d`], with PyTorch's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchNormOptions {
    /// Added to the variance before its square root (default `1e-5`).
    pub eps: f64,
    /// The running statistics' update weight `r ← (1 - m)·r + m·batch` (default `Some(0.1)`);
    /// `None` keeps the cumulative average over all batches (`m = 1 / num_batches_tracked`).
    pub momentum: Option<f64>,
    /// Whether the layer learns a per-channel `weight` (ones at first) and `bias` (zeros).
    pub affine: bool,
    /// Whether the layer keeps running statistics (the buffers `running_mean`,
    /// `running_var`, `num_batches_tracked`) and uses them in evaluation; without them it
    /// normalises with the batch's statistics in both modes.
    pub track_running_stats: bool,
}

impl Default for BatchNormOptions {
    fn default() -> Self {
        BatchNormOptions {
            eps: 1e-5,
            momentum: Some(0.1),
            affine: true,
            track_running_stats: true,
        }
    }
}

/// Python's `repr` of a float, as PyTorch's module descriptions show settings: `0.1`, `1e-05`.
pub(crate) fn py_float(x: f64) -> String {
    let a = x.abs();
    if x != 0.0 && x.is_finite() && !(1e-4..1e16).contains(&a) {
        let s = format!("{x:e}");
        let (mantissa, exp) = s.split_once('e').expect("`{:e}` has an exponent");
        let exp: i32 = exp.parse().expect("an integer exponent");
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else if x.fract() == 0.0 && x.is_finite() {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

/// A layer's check of its own settings, shared by the batch norms.
fn check_options(module: &'static str, num_features: usize, o: &BatchNormOptions) -> Result<()> {
    let momentum_ok = o.momentum.is_none_or(|m| (0.0..=1.0).contains(&m));
    if num_features == 0 || !(o.eps.is_finite() && o.eps >= 0.0) || !momentum_ok {
        return Err(NnError::Config {
            module,
            message: format!(
                "expected num_features > 0, a finite eps >= 0 and momentum in [0, 1] or None, found num_features={num_features}, eps={}, momentum={:?}",
                o.eps, o.momentum
            ),
        });
    }
    Ok(())
}

macro_rules! batch_norm_layer {
    ($(#[$doc:meta])* $name:ident, ranks: $ranks:expr, $expected:literal) => {
        $(#[$doc])*
        pub struct $name<T: Element = f32> {
            /// The per-channel scale `[C]` (with `affine`).
            pub weight: Option<Var<T>>,
            /// The per-channel shift `[C]` (with `affine`).
            pub bias: Option<Var<T>>,
            /// The running mean `[C]`, a buffer (with `track_running_stats`).
            pub running_mean: Option<Var<T>>,
            /// The running (unbiased) variance `[C]`, a buffer (with `track_running_stats`).
            pub running_var: Option<Var<T>>,
            /// The number of training batches seen, a scalar buffer saved as `I64` (with
            /// `track_running_stats`).
            pub num_batches_tracked: Option<Var<T>>,
            /// The settings.
            pub options: BatchNormOptions,
            num_features: usize,
            training: bool,
        }

        impl<T: Element> $name<T> {
            /// A layer over `num_features` channels with PyTorch's defaults (`eps = 1e-5`,
            /// `momentum = 0.1`, affine, tracking running statistics).
            ///
            /// Errors when `num_features` is zero.
            pub fn new(num_features: usize) -> Result<Self> {
                Self::with_options(num_features, BatchNormOptions::default())
            }

            /// A layer with the given settings.
            ///
            /// Errors when `num_features` is zero, `eps` is negative or not finite, or
            /// `momentum` is outside `[0, 1]`.
            pub fn with_options(num_features: usize, options: BatchNormOptions) -> Result<Self> {
                check_options(stringify!($name), num_features, &options)?;
                let c = [num_features];
                let (affine, track) = (options.affine, options.track_running_stats);
                Ok($name {
                    weight: affine.then(|| Var::parameter(Tensor::ones(&c))),
                    bias: affine.then(|| Var::parameter(Tensor::zeros(&c))),
                    running_mean: track.then(|| Var::constant(Tensor::zeros(&c))),
                    running_var: track.then(|| Var::constant(Tensor::ones(&c))),
                    num_batches_tracked: track.then(|| Var::constant(Tensor::scalar(T::zero()))),
                    options,
                    num_features,
                    training: true,
                })
            }

            /// The number of channels.
            pub fn num_features(&self) -> usize {
                self.num_features
            }
        }

        impl<T: Element> Module<T> for $name<T> {
            /// Normalises each channel: in training with the batch's statistics (updating the
            /// running ones), in evaluation with the running ones.
            fn forward(&self, input: &Var<T>) -> Result<Var<T>> {
                let shape = input.shape();
                if !$ranks.contains(&shape.len()) {
                    return Err(NnError::Config {
                        module: stringify!($name),
                        message: format!(concat!("expected ", $expected, " input, found shape {:?}"), shape),
                    });
                }
                if shape[1] != self.num_features {
                    return Err(NnError::Config {
                        module: stringify!($name),
                        message: format!(
                            "expected {} channels (axis 1), found shape {shape:?}",
                            self.num_features
                        ),
                    });
                }
                forward(self.into(), input, self.training)
            }

            fn named_parameters(&self) -> Vec<(String, Var<T>)> {
                named([("weight", &self.weight), ("bias", &self.bias)])
            }

            fn named_buffers(&self) -> Vec<(String, Var<T>)> {
                named([
                    ("running_mean", &self.running_mean),
                    ("running_var", &self.running_var),
                    ("num_batches_tracked", &self.num_batches_tracked),
                ])
            }

            fn integer_buffer_names(&self) -> Vec<String> {
                match self.num_batches_tracked {
                    Some(_) => vec!["num_batches_tracked".into()],
                    None => Vec::new(),
                }
            }

            fn set_training(&mut self, training: bool) {
                self.training = training;
            }

            fn is_training(&self) -> bool {
                self.training
            }

            fn describe(&self) -> String {
                let o = &self.options;
                let py_bool = |b: bool| if b { "True" } else { "False" };
                format!(
                    concat!(stringify!($name), "({}, eps={}, momentum={}, affine={}, track_running_stats={})"),
                    self.num_features,
                    py_float(o.eps),
                    o.momentum.map_or("None".to_string(), py_float),
                    py_bool(o.affine),
                    py_bool(o.track_running_stats)
                )
            }
        }

        impl<'a, T: Element> From<&'a $name<T>> for Parts<'a, T> {
            fn from(l: &'a $name<T>) -> Self {
                Parts {
                    weight: l.weight.as_ref(),
                    bias: l.bias.as_ref(),
                    running_mean: l.running_mean.as_ref(),
                    running_var: l.running_var.as_ref(),
                    num_batches_tracked: l.num_batches_tracked.as_ref(),
                    options: &l.options,
                }
            }
        }

        crate::module::debug_as_module_tree!($name);
    };
}

/// What the batch norms' shared forward reads.
struct Parts<'a, T: Element> {
    weight: Option<&'a Var<T>>,
    bias: Option<&'a Var<T>>,
    running_mean: Option<&'a Var<T>>,
    running_var: Option<&'a Var<T>>,
    num_batches_tracked: Option<&'a Var<T>>,
    options: &'a BatchNormOptions,
}

/// PyTorch's `_BatchNorm.forward`: batch statistics in training or without running ones;
/// in training, `num_batches_tracked` counts the batch and the running statistics move by
/// `momentum` (or by `1 / num_batches_tracked` when it is `None`).
fn forward<T: Element>(p: Parts<'_, T>, input: &Var<T>, training: bool) -> Result<Var<T>> {
    let running = p.running_mean.zip(p.running_var);
    let mut factor = p.options.momentum.unwrap_or(0.0);
    if training {
        if let Some(count) = p.num_batches_tracked {
            let n = count.value().to_vec()[0] + T::one();
            *count.value_mut() = Tensor::scalar(n);
            if p.options.momentum.is_none() {
                factor = 1.0 / n.to_f64().expect("a float");
            }
        }
    }
    let use_batch = training || running.is_none();
    Ok(input.batch_norm(
        running,
        p.weight,
        p.bias,
        use_batch,
        T::from_f64_lossy(factor),
        T::from_f64_lossy(p.options.eps),
    )?)
}

/// The present ones of `items`, named.
fn named<T: Element, const N: usize>(items: [(&str, &Option<Var<T>>); N]) -> Vec<(String, Var<T>)> {
    items
        .into_iter()
        .filter_map(|(n, v)| v.as_ref().map(|v| (n.to_string(), v.clone())))
        .collect()
}

batch_norm_layer!(
    /// Batch normalisation of `[N, C]` or `[N, C, L]` batches per channel (PyTorch's
    /// `nn.BatchNorm1d`): parameters `weight`, `bias` and buffers `running_mean`,
    /// `running_var`, `num_batches_tracked` under PyTorch's names; the running variance is
    /// the unbiased one, as PyTorch keeps it. [`set_training`](Module::set_training)`(false)`
    /// switches to the running statistics.
    ///
    /// ```
    /// use nn::{BatchNorm1d, Module};
    /// use autograd::{Tensor, Var};
    /// let mut bn = BatchNorm1d::<f64>::new(2)?;
    /// let x = Var::constant(Tensor::from_vec(&[2, 2], vec![1.0, 10.0, 3.0, 30.0])?);
    /// let y = bn.forward(&x)?; // each column to mean 0, variance 1
    /// assert!((y.to_tensor().to_vec()[0] + 1.0).abs() < 1e-4);
    /// assert_eq!(bn.running_mean.as_ref().unwrap().to_tensor().to_vec(), vec![0.2, 2.0]);
    /// bn.set_training(false);
    /// let names: Vec<String> = bn.named_buffers().into_iter().map(|(n, _)| n).collect();
    /// assert_eq!(names, ["running_mean", "running_var", "num_batches_tracked"]);
    /// assert_eq!(format!("{bn:?}"), "BatchNorm1d(2, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
    /// # Ok::<(), nn::NnError>(())
    /// ```
    BatchNorm1d,
    ranks: [2, 3],
    "a 2-D [N, C] or 3-D [N, C, L]"
);

batch_norm_layer!(
    /// Batch normalisation of NCHW batches per channel (PyTorch's `nn.BatchNorm2d`), over the
    /// batch and both spatial axes; otherwise as [`BatchNorm1d`].
    ///
    /// ```
    /// use nn::{BatchNorm2d, Module};
    /// use autograd::{Tensor, Var};
    /// let bn = BatchNorm2d::<f32>::new(32)?;
    /// let y = bn.forward(&Var::constant(Tensor::ones(&[4, 32, 7, 7])))?;
    /// assert_eq!(y.shape(), [4, 32, 7, 7]);
    /// assert_eq!(bn.num_batches_tracked.as_ref().unwrap().item()?, 1.0);
    /// # Ok::<(), nn::NnError>(())
    /// ```
    BatchNorm2d,
    ranks: [4],
    "a 4-D [N, C, H, W]"
);

/// Layer normalisation over the trailing axes `normalized_shape` (PyTorch's `nn.LayerNorm`):
/// each slice to mean 0 and (biased) variance 1, then the element-wise `weight` (ones at
/// first) and `bias` (zeros), both of shape `normalized_shape`. The same in training and
/// evaluation.
///
/// ```
/// use nn::{LayerNorm, Module};
/// use autograd::{Tensor, Var};
/// let ln = LayerNorm::<f64>::new(&[2])?;
/// let y = ln.forward(&Var::constant(Tensor::from_vec(&[1, 2], vec![1.0, 3.0])?))?;
/// assert!((y.to_tensor().to_vec()[1] - 1.0).abs() < 1e-4);
/// assert_eq!(format!("{ln:?}"), "LayerNorm((2,), eps=1e-05, elementwise_affine=True)");
/// # Ok::<(), nn::NnError>(())
/// ```
pub struct LayerNorm<T: Element = f32> {
    /// The element-wise scale, of shape `normalized_shape` (with `elementwise_affine`).
    pub weight: Option<Var<T>>,
    /// The element-wise shift, of shape `normalized_shape` (with `elementwise_affine` and
    /// `bias`).
    pub bias: Option<Var<T>>,
    /// Added to the variance before its square root.
    pub eps: f64,
    normalized_shape: Vec<usize>,
}

impl<T: Element> LayerNorm<T> {
    /// Normalises over `normalized_shape` with PyTorch's defaults (`eps = 1e-5`, learnt
    /// weight and bias).
    ///
    /// Errors when `normalized_shape` is empty or has a zero.
    pub fn new(normalized_shape: &[usize]) -> Result<Self> {
        Self::with_options(normalized_shape, 1e-5, true, true)
    }

    /// A layer with the given `eps`, and a learnt weight (and bias, if `bias`) when
    /// `elementwise_affine`.
    ///
    /// Errors when `normalized_shape` is empty or has a zero, or `eps` is negative or not
    /// finite.
    pub fn with_options(
        normalized_shape: &[usize],
        eps: f64,
        elementwise_affine: bool,
        bias: bool,
    ) -> Result<Self> {
        if normalized_shape.is_empty()
            || normalized_shape.contains(&0)
            || !(eps.is_finite() && eps >= 0.0)
        {
            return Err(NnError::Config {
                module: "LayerNorm",
                message: format!(
                    "expected a non-empty normalized_shape of positive sizes and a finite eps >= 0, found {normalized_shape:?} and eps={eps}"
                ),
            });
        }
        Ok(LayerNorm {
            weight: elementwise_affine.then(|| Var::parameter(Tensor::ones(normalized_shape))),
            bias: (elementwise_affine && bias)
                .then(|| Var::parameter(Tensor::zeros(normalized_shape))),
            eps,
            normalized_shape: normalized_shape.to_vec(),
        })
    }

    /// The trailing shape normalised over.
    pub fn normalized_shape(&self) -> &[usize] {
        &self.normalized_shape
    }
}

impl<T: Element> Module<T> for LayerNorm<T> {
    fn forward(&self, input: &Var<T>) -> Result<Var<T>> {
        Ok(input.layer_norm(
            &self.normalized_shape,
            self.weight.as_ref(),
            self.bias.as_ref(),
            T::from_f64_lossy(self.eps),
        )?)
    }

    fn named_parameters(&self) -> Vec<(String, Var<T>)> {
        named([("weight", &self.weight), ("bias", &self.bias)])
    }

    fn describe(&self) -> String {
        let dims: Vec<String> = self.normalized_shape.iter().map(usize::to_string).collect();
        let tuple = match dims.len() {
            1 => format!("({},)", dims[0]),
            _ => format!("({})", dims.join(", ")),
        };
        format!(
            "LayerNorm({tuple}, eps={}, elementwise_affine={})",
            py_float(self.eps),
            if self.weight.is_some() {
                "True"
            } else {
                "False"
            }
        )
    }
}

crate::module::debug_as_module_tree!(LayerNorm);

#[cfg(test)]
mod tests {
    use super::py_float;

    #[test]
    fn floats_print_as_python_repr_does() {
        for (x, repr) in [
            (1e-5, "1e-05"),
            (0.1, "0.1"),
            (1e-3, "0.001"),
            (1e-4, "0.0001"),
            (2.5e-7, "2.5e-07"),
            (1.0, "1.0"),
            (0.0, "0.0"),
            (1e20, "1e+20"),
        ] {
            assert_eq!(py_float(x), repr);
        }
    }
}
