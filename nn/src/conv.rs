//! Layers for images: the 2-D convolution, max and average pooling, and flatten.

use crate::{Init, Module, NnError, Result};
use autograd::{Conv2dOptions, Element, Var};
use rand::Rng;

/// A 2-D convolution over NCHW batches (PyTorch's `nn.Conv2d`): weight
/// `[out_channels, in_channels / groups, kh, kw]`, bias `[out_channels]`, the same names,
/// layout and default initialisation (`U(-1/√fan_in, 1/√fan_in)` for both, with
/// `fan_in = in_channels / groups · kh · kw`).
///
/// ```
/// use nn::{Conv2d, Module};
/// use autograd::{Conv2dOptions, Tensor, Var};
/// use rand::{rngs::StdRng, SeedableRng};
/// let mut rng = StdRng::seed_from_u64(0);
/// let same = Conv2dOptions { padding: [1, 1], ..Default::default() };
/// let conv = Conv2d::<f32>::new(1, 32, [3, 3], same, &mut rng)?;
/// let y = conv.forward(&Var::constant(Tensor::zeros(&[8, 1, 28, 28])))?;
/// assert_eq!(y.shape(), [8, 32, 28, 28]);
/// assert_eq!(format!("{conv:?}"), "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))");
/// # Ok::<(), nn::NnError>(())
/// ```
pub struct Conv2d<T: Element = f32> {
    /// The kernels, `[out_channels, in_channels / groups, kh, kw]`.
    pub weight: Var<T>,
    /// The bias, `[out_channels]`, if the layer has one.
    pub bias: Option<Var<T>>,
    /// Stride, padding, dilation and groups.
    pub options: Conv2dOptions,
}

impl<T: Element> Conv2d<T> {
    /// A convolution with a bias and PyTorch's default initialisation.
    ///
    /// Errors when a size, stride, dilation or `groups` is zero, or a channel count is not
    /// divisible by `groups`.
    pub fn new<R: Rng + ?Sized>(
        in_channels: usize,
        out_channels: usize,
        kernel_size: [usize; 2],
        options: Conv2dOptions,
        rng: &mut R,
    ) -> Result<Self> {
        Self::with_init(
            in_channels,
            out_channels,
            kernel_size,
            options,
            true,
            Init::PyTorchDefault,
            rng,
        )
    }

    /// A convolution with or without a bias and the given initialisation of its weight (the
    /// bias follows [`Init::bias`]: PyTorch's range for the default scheme, zeros otherwise).
    ///
    /// Errors as [`Conv2d::new`], and when the initialisation's gain is negative or not finite.
    pub fn with_init<R: Rng + ?Sized>(
        in_channels: usize,
        out_channels: usize,
        kernel_size: [usize; 2],
        options: Conv2dOptions,
        bias: bool,
        init: Init,
        rng: &mut R,
    ) -> Result<Self> {
        let g = options.groups;
        let config = |message: String| NnError::Config {
            module: "Conv2d",
            message,
        };
        let sizes = [in_channels, out_channels, kernel_size[0], kernel_size[1]];
        if sizes.contains(&0) {
            return Err(config(format!(
                "expected positive channel counts and kernel size, found in_channels={in_channels}, out_channels={out_channels}, kernel_size={kernel_size:?}"
            )));
        }
        let steps = [options.stride, options.dilation].concat();
        if steps.contains(&0) || g == 0 {
            return Err(config(format!(
                "expected positive stride, dilation and groups, found stride={:?}, dilation={:?}, groups={g}",
                options.stride, options.dilation
            )));
        }
        if in_channels % g != 0 || out_channels % g != 0 {
            return Err(config(format!(
                "expected in_channels and out_channels divisible by groups={g}, found {in_channels} and {out_channels}"
            )));
        }
        let taps = kernel_size[0] * kernel_size[1];
        let fan_in = in_channels / g * taps;
        let shape = [
            out_channels,
            in_channels / g,
            kernel_size[0],
            kernel_size[1],
        ];
        let weight = init.weight_of_shape(&shape, fan_in, out_channels * taps, rng)?;
        let bias = match bias {
            true => Some(Var::parameter(init.bias(fan_in, out_channels, rng)?)),
            false => None,
        };
        Ok(Conv2d {
            weight: Var::parameter(weight),
            bias,
            options,
        })
    }

    /// The number of input channels.
    pub fn in_channels(&self) -> usize {
        self.weight.shape()[1] * self.options.groups
    }

    /// The number of output channels.
    pub fn out_channels(&self) -> usize {
        self.weight.shape()[0]
    }

    /// The kernel's `[height, width]`.
    pub fn kernel_size(&self) -> [usize; 2] {
        let s = self.weight.shape();
        [s[2], s[3]]
    }
}

impl<T: Element> Module<T> for Conv2d<T> {
    fn forward(&self, input: &Var<T>) -> Result<Var<T>> {
        Ok(input.conv2d(&self.weight, self.bias.as_ref(), self.options)?)
    }

    fn named_parameters(&self) -> Vec<(String, Var<T>)> {
        let mut p = vec![("weight".to_string(), self.weight.clone())];
        if let Some(b) = &self.bias {
            p.push(("bias".to_string(), b.clone()));
        }
        p
    }

    /// PyTorch's form: padding, dilation and groups only when not the default, `bias=False`
    /// only without one.
    fn describe(&self) -> String {
        let o = &self.options;
        let pair = |p: [usize; 2]| format!("({}, {})", p[0], p[1]);
        let mut s = format!(
            "Conv2d({}, {}, kernel_size={}, stride={}",
            self.in_channels(),
            self.out_channels(),
            pair(self.kernel_size()),
            pair(o.stride)
        );
        if o.padding != [0, 0] {
            s += &format!(", padding={}", pair(o.padding));
        }
        if o.dilation != [1, 1] {
            s += &format!(", dilation={}", pair(o.dilation));
        }
        if o.groups != 1 {
            s += &format!(", groups={}", o.groups);
        }
        if self.bias.is_none() {
            s += ", bias=False";
        }
        s + ")"
    }
}

/// A pooling window's settings, checked once when the layer is made.
fn pool_settings(
    module: &'static str,
    kernel_size: [usize; 2],
    stride: Option<[usize; 2]>,
    padding: [usize; 2],
) -> Result<[usize; 2]> {
    let stride = stride.unwrap_or(kernel_size);
    if kernel_size.contains(&0) || stride.contains(&0) {
        return Err(NnError::Config {
            module,
            message: format!(
                "expected a positive kernel size and stride, found kernel_size={kernel_size:?}, stride={stride:?}"
            ),
        });
    }
    if padding[0] * 2 > kernel_size[0] || padding[1] * 2 > kernel_size[1] {
        return Err(NnError::Config {
            module,
            message: format!(
                "expected padding at most half the kernel size, found padding={padding:?} for kernel_size={kernel_size:?}"
            ),
        });
    }
    Ok(stride)
}

/// PyTorch's scalar form of a square setting (`2`), or the pair (`(2, 3)`).
fn scalar_or_pair(p: [usize; 2]) -> String {
    match p[0] == p[1] {
        true => p[0].to_string(),
        false => format!("({}, {})", p[0], p[1]),
    }
}

macro_rules! pool_layer {
    ($(#[$doc:meta])* $name:ident, $method:ident, $torch:literal, $extra:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq)]
        pub struct $name {
            /// The window's `[height, width]`.
            pub kernel_size: [usize; 2],
            /// The step between windows.
            pub stride: [usize; 2],
            /// Implicit padding on both sides of each spatial axis.
            pub padding: [usize; 2],
        }

        impl $name {
            /// Pooling over `kernel_size` windows with stride `stride` (PyTorch's default,
            /// `None`, is the kernel size) and `padding`.
            ///
            /// Errors when a kernel size or stride is zero or the padding is over half the
            /// kernel (PyTorch's limits).
            pub fn new(
                kernel_size: [usize; 2],
                stride: Option<[usize; 2]>,
                padding: [usize; 2],
            ) -> Result<Self> {
                let stride = pool_settings(stringify!($name), kernel_size, stride, padding)?;
                Ok($name { kernel_size, stride, padding })
            }
        }

        impl<T: Element> Module<T> for $name {
            fn forward(&self, input: &Var<T>) -> Result<Var<T>> {
                Ok(input.$method(self.kernel_size, self.stride, self.padding)?)
            }

            fn describe(&self) -> String {
                format!(
                    concat!($torch, "(kernel_size={}, stride={}, padding={}", $extra, ")"),
                    scalar_or_pair(self.kernel_size),
                    scalar_or_pair(self.stride),
                    scalar_or_pair(self.padding)
                )
            }
        }

        impl std::fmt::Debug for $name {
            /// PyTorch's form, as [`Module::describe`].
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&<Self as Module<f32>>::describe(self))
            }
        }
    };
}

pool_layer!(
    /// 2-D max pooling of NCHW batches (PyTorch's `nn.MaxPool2d` with `dilation=1`,
    /// `ceil_mode=False`): each output is the largest value of its window, and the gradient goes
    /// to that value (the first one, in row-major order, on ties).
    ///
    /// ```
    /// use nn::{MaxPool2d, Module};
    /// use autograd::{Tensor, Var};
    /// let pool = MaxPool2d::new([2, 2], None, [0, 0])?;
    /// let y = pool.forward(&Var::constant(Tensor::<f32>::zeros(&[8, 32, 28, 28])))?;
    /// assert_eq!(y.shape(), [8, 32, 14, 14]);
    /// assert_eq!(format!("{pool:?}"), "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
    /// # Ok::<(), nn::NnError>(())
    /// ```
    MaxPool2d,
    max_pool2d,
    "MaxPool2d",
    ", dilation=1, ceil_mode=False"
);

pool_layer!(
    /// 2-D average pooling of NCHW batches (PyTorch's `nn.AvgPool2d` with its defaults
    /// `count_include_pad=True`, `ceil_mode=False`): each output is its window's sum, padding
    /// counted as zeros, divided by the window's size.
    ///
    /// ```
    /// use nn::{AvgPool2d, Module};
    /// use autograd::{Tensor, Var};
    /// let pool = AvgPool2d::new([2, 2], None, [0, 0])?;
    /// let y = pool.forward(&Var::constant(Tensor::<f32>::ones(&[1, 1, 4, 4])))?;
    /// assert_eq!(y.to_tensor().to_vec(), vec![1.0; 4]);
    /// assert_eq!(format!("{pool:?}"), "AvgPool2d(kernel_size=2, stride=2, padding=0)");
    /// # Ok::<(), nn::NnError>(())
    /// ```
    AvgPool2d,
    avg_pool2d,
    "AvgPool2d",
    ""
);

/// Flattens a run of axes into one (PyTorch's `nn.Flatten(start_dim=1, end_dim=-1)` by
/// default: `[N, C, H, W]` becomes `[N, C·H·W]`), the bridge from convolutions to
/// [`Linear`](crate::Linear) layers.
///
/// ```
/// use nn::{Flatten, Module};
/// use autograd::{Tensor, Var};
/// let y = Flatten::default().forward(&Var::constant(Tensor::<f32>::zeros(&[8, 64, 7, 7])))?;
/// assert_eq!(y.shape(), [8, 3136]);
/// # Ok::<(), nn::NnError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Flatten {
    /// The first axis flattened (negative counts from the end).
    pub start_dim: isize,
    /// The last axis flattened (negative counts from the end).
    pub end_dim: isize,
}

impl Default for Flatten {
    /// PyTorch's default: every axis but the batch's.
    fn default() -> Self {
        Flatten {
            start_dim: 1,
            end_dim: -1,
        }
    }
}

impl Flatten {
    /// Flattens axes `start_dim..=end_dim` (checked against each input's rank in `forward`).
    pub fn new(start_dim: isize, end_dim: isize) -> Self {
        Flatten { start_dim, end_dim }
    }
}

impl<T: Element> Module<T> for Flatten {
    fn forward(&self, input: &Var<T>) -> Result<Var<T>> {
        Ok(input.flatten(self.start_dim, self.end_dim)?)
    }

    fn describe(&self) -> String {
        format!(
            "Flatten(start_dim={}, end_dim={})",
            self.start_dim, self.end_dim
        )
    }
}

impl std::fmt::Debug for Flatten {
    /// PyTorch's form: `Flatten(start_dim=1, end_dim=-1)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&<Self as Module<f32>>::describe(self))
    }
}

crate::module::debug_as_module_tree!(Conv2d);
