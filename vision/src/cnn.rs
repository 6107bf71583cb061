//! The `mnist-cnn` lab's network: two convolution blocks and two fully connected layers, written
//! as a PyTorch user writes one, a struct of layers and a `forward`.

use crate::Error;
use autograd::{Tensor, Var};
use nn::{BatchNorm2d, Conv2d, Conv2dOptions, Dropout, Linear, MaxPool2d, Module};
use rand::{rngs::StdRng, SeedableRng};

/// The sizes of a [`Cnn`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CnnShape {
    /// Image height and width (28 for MNIST).
    pub side: usize,
    /// Channels of the first and the second convolution.
    pub channels: [usize; 2],
    /// Width of the hidden fully connected layer.
    pub hidden: usize,
    /// Classes.
    pub classes: usize,
}

impl Default for CnnShape {
    /// The lab's: 28x28 digits, 32 and 64 channels, 128 hidden units, 10 classes.
    fn default() -> Self {
        CnnShape {
            side: 28,
            channels: [32, 64],
            hidden: 128,
            classes: 10,
        }
    }
}

/// `[N, side²]` images → `conv 3x3 (pad 1) → batch norm → ReLU → max-pool 2` twice → flatten →
/// `Linear → ReLU → dropout → Linear` → logits `[N, classes]`. Its parameter names are those of
/// the same module in PyTorch (`conv1.weight`, `bn1.running_mean`, `fc2.bias`, ...);
/// `scripts/cnn_load_state_dict.py` holds that module.
#[derive(nn::Module)]
pub struct Cnn {
    /// The first convolution, 1 → `channels[0]`.
    pub conv1: Conv2d,
    /// Its batch norm.
    pub bn1: BatchNorm2d,
    /// The second convolution, `channels[0]` → `channels[1]`.
    pub conv2: Conv2d,
    /// Its batch norm.
    pub bn2: BatchNorm2d,
    /// The hidden fully connected layer, `channels[1] · (side/4)²` → `hidden`.
    pub fc1: Linear,
    /// Dropout before the last layer.
    pub dropout: Dropout,
    /// The output layer, `hidden` → `classes`.
    pub fc2: Linear,
    /// The 2x2 max-pooling after each block.
    pub pool: MaxPool2d,
    #[module(skip)]
    shape: CnnShape,
}

impl Cnn {
    /// A network of `shape` with dropout probability `dropout`, initialised (PyTorch's default
    /// schemes) from `seed`.
    ///
    /// Errors when the side is not divisible by 4 or a size is zero.
    pub fn new(shape: CnnShape, dropout: f64, seed: u64) -> Result<Self, Error> {
        if shape.side == 0 || shape.side % 4 != 0 {
            return Err(format!(
                "the CNN pools twice by 2: expected an image side divisible by 4, found {}",
                shape.side
            )
            .into());
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let same = Conv2dOptions {
            padding: [1, 1],
            ..Default::default()
        };
        let [c1, c2] = shape.channels;
        let flat = c2 * (shape.side / 4) * (shape.side / 4);
        Ok(Cnn {
            conv1: Conv2d::new(1, c1, [3, 3], same, &mut rng)?,
            bn1: BatchNorm2d::new(c1)?,
            conv2: Conv2d::new(c1, c2, [3, 3], same, &mut rng)?,
            bn2: BatchNorm2d::new(c2)?,
            fc1: Linear::new(flat, shape.hidden, &mut rng)?,
            dropout: Dropout::new(dropout, &mut rng)?,
            fc2: Linear::new(shape.hidden, shape.classes, &mut rng)?,
            pool: MaxPool2d::new([2, 2], None, [0, 0])?,
            shape,
        })
    }

    /// The sizes it was made with.
    pub fn shape(&self) -> CnnShape {
        self.shape
    }

    /// The logits of a batch of flat images `[N, side²]` (or NCHW `[N, 1, side, side]`).
    pub fn forward(&self, x: &Var) -> nn::Result<Var> {
        let side = self.shape.side;
        let x = x.reshape(&[x.shape()[0], 1, side, side])?;
        let x = self
            .pool
            .forward(&self.bn1.forward(&self.conv1.forward(&x)?)?.relu())?;
        let x = self
            .pool
            .forward(&self.bn2.forward(&self.conv2.forward(&x)?)?.relu())?;
        let h = self.fc1.forward(&x.flatten(1, -1)?)?.relu();
        self.fc2.forward(&self.dropout.forward(&h)?)
    }

    /// The feature maps of one image through each convolution (after batch norm and ReLU,
    /// before pooling), `[channels, h, w]` each: what the figure of feature maps draws. Run it
    /// in evaluation mode (the running statistics), without recording a graph.
    pub fn feature_maps(&self, image: &Tensor<f32>) -> Result<[Tensor<f32>; 2], Error> {
        let side = self.shape.side;
        let x = Var::constant(image.reshape(&[1, 1, side, side])?);
        let a = self.bn1.forward(&self.conv1.forward(&x)?)?.relu();
        let b = self
            .bn2
            .forward(&self.conv2.forward(&self.pool.forward(&a)?)?)?
            .relu();
        let squeeze = |v: &Var| -> Result<Tensor<f32>, Error> {
            let s = v.shape();
            Ok(v.to_tensor().reshape(&s[1..])?)
        };
        Ok([squeeze(&a)?, squeeze(&b)?])
    }
}
