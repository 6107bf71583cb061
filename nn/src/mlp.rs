//! Multilayer perceptrons: a builder for the stack `Linear, activation, ..., Linear` that the
//! labs, the benchmarks and a user's own programs all need, and the choice of hidden
//! [`Activation`].

use crate::{Init, Linear, Module, NnError, ReLU, Result, Sequential, Sigmoid, Tanh};
use autograd::Element;
use rand::Rng;

/// The activation between the layers of an [`Mlp`].
///
/// On a command line it is written `sigmoid`, `tanh` or `relu` ([`FromStr`](std::str::FromStr)
/// and [`Display`](std::fmt::Display) agree), so it can be a `clap` option as it is:
/// ```
/// use nn::Activation;
/// let a: Activation = "relu".parse()?;
/// assert_eq!(a, Activation::Relu);
/// assert_eq!(a.to_string(), "relu");
/// assert_eq!(
///     "swish".parse::<Activation>().unwrap_err().to_string(),
///     "Activation: expected sigmoid, tanh or relu, found \"swish\""
/// );
/// # Ok::<(), nn::NnError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// The logistic function, [`Sigmoid`].
    Sigmoid,
    /// The hyperbolic tangent, [`Tanh`].
    Tanh,
    /// The rectifier, [`ReLU`].
    Relu,
}

impl Activation {
    /// The parameter-free module that applies it.
    pub fn module<T: Element>(self) -> Box<dyn Module<T>> {
        match self {
            Activation::Sigmoid => Box::new(Sigmoid),
            Activation::Tanh => Box::new(Tanh),
            Activation::Relu => Box::new(ReLU),
        }
    }

    /// The initialisation that suits a layer it follows: [`Init::KaimingUniform`] for ReLU
    /// (He et al. keep the variance of a rectified signal from layer to layer), PyTorch's
    /// default ([`Init::PyTorchDefault`]) for the saturating ones.
    pub fn init(self) -> Init {
        match self {
            Activation::Relu => Init::KaimingUniform,
            Activation::Sigmoid | Activation::Tanh => Init::PyTorchDefault,
        }
    }
}

impl std::fmt::Display for Activation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
        })
    }
}

impl std::str::FromStr for Activation {
    type Err = NnError;

    /// `sigmoid`, `tanh` or `relu`; anything else is an error naming what was found.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "sigmoid" => Ok(Activation::Sigmoid),
            "tanh" => Ok(Activation::Tanh),
            "relu" => Ok(Activation::Relu),
            _ => Err(NnError::Config {
                module: "Activation",
                message: format!("expected sigmoid, tanh or relu, found {s:?}"),
            }),
        }
    }
}

/// The shape of a multilayer perceptron `Linear(inputs, h₁), act, Linear(h₁, h₂), act, ...,
/// Linear(hₖ, outputs)`, and [`build`](Mlp::build) to draw one. The output layer has no
/// activation: add the head the loss wants (`LogSoftmax` before [`NLLLoss`](crate::NLLLoss),
/// `Sigmoid` before [`BCELoss`](crate::BCELoss), nothing before
/// [`CrossEntropyLoss`](crate::CrossEntropyLoss)).
///
/// The hidden layers are drawn with [`init`](Mlp::init) (by default the one that suits the
/// activation, [`Activation::init`]) and the output layer with PyTorch's default, weight then
/// bias, layer by layer, from one random generator. With sigmoid or tanh and the default init
/// this is PyTorch's `nn.Sequential(nn.Linear(784, 256), nn.Sigmoid(), nn.Linear(256, 10))`,
/// parameter names included:
/// ```
/// use nn::{Activation, LogSoftmax, Mlp, Module};
/// use rand::{rngs::StdRng, SeedableRng};
///
/// let model = Mlp::new(784, &[256], 10, Activation::Sigmoid)
///     .build::<f32, _>(&mut StdRng::seed_from_u64(0))?
///     .add(LogSoftmax::new(1));
/// let names: Vec<String> = model.named_parameters().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias"]);
/// assert_eq!(model.num_parameters(), 784 * 256 + 256 + 256 * 10 + 10);
/// # Ok::<(), nn::NnError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Mlp {
    /// Input features.
    pub inputs: usize,
    /// The widths of the hidden layers, in order (empty: a single linear layer).
    pub hidden: Vec<usize>,
    /// Output features.
    pub outputs: usize,
    /// The activation after each hidden layer.
    pub activation: Activation,
    /// How the hidden layers' weights are drawn.
    pub init: Init,
}

impl Mlp {
    /// An MLP whose hidden layers are initialised as suits `activation`
    /// ([`Activation::init`]).
    pub fn new(inputs: usize, hidden: &[usize], outputs: usize, activation: Activation) -> Self {
        Mlp {
            inputs,
            hidden: hidden.to_vec(),
            outputs,
            activation,
            init: activation.init(),
        }
    }

    /// The same MLP with its hidden layers drawn by `init` instead (e.g.
    /// [`Init::PyTorchDefault`] for every layer, as `nn.Linear` does whatever follows it).
    pub fn with_init(self, init: Init) -> Self {
        Mlp { init, ..self }
    }

    /// Draws the layers from `rng`.
    ///
    /// Errors when a width (inputs, a hidden layer, outputs) is zero, naming it.
    pub fn build<T: Element, R: Rng + ?Sized>(&self, rng: &mut R) -> Result<Sequential<T>> {
        if self.inputs == 0 || self.outputs == 0 || self.hidden.contains(&0) {
            return Err(NnError::Config {
                module: "Mlp",
                message: format!(
                    "expected every width >= 1, found inputs {}, hidden {:?}, outputs {}",
                    self.inputs, self.hidden, self.outputs
                ),
            });
        }
        let mut model = Sequential::new();
        let mut width = self.inputs;
        for &h in &self.hidden {
            model.push(Box::new(Linear::with_init(width, h, true, self.init, rng)?));
            model.push(self.activation.module());
            width = h;
        }
        model.push(Box::new(Linear::new(width, self.outputs, rng)?));
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use autograd::{Tensor, Var};
    use rand::{rngs::StdRng, SeedableRng};

    fn values(model: &Sequential<f32>) -> Vec<Vec<f32>> {
        model
            .parameters()
            .iter()
            .map(|p| p.to_tensor().to_vec())
            .collect()
    }

    #[test]
    fn the_builder_draws_what_a_hand_built_stack_draws() {
        let built = Mlp::new(5, &[4, 3], 2, Activation::Tanh)
            .build::<f32, _>(&mut StdRng::seed_from_u64(7))
            .unwrap();
        let mut rng = StdRng::seed_from_u64(7);
        let by_hand = Sequential::new()
            .add(Linear::<f32>::new(5, 4, &mut rng).unwrap())
            .add(Tanh)
            .add(Linear::new(4, 3, &mut rng).unwrap())
            .add(Tanh)
            .add(Linear::new(3, 2, &mut rng).unwrap());
        assert_eq!(values(&built), values(&by_hand));
        assert_eq!(built.len(), by_hand.len());
        let x = Var::constant(Tensor::ones(&[2, 5]));
        assert_eq!(
            built.forward(&x).unwrap().to_tensor(),
            by_hand.forward(&x).unwrap().to_tensor()
        );
    }

    #[test]
    fn relu_layers_are_kaiming_uniform_unless_told_otherwise() {
        let fan_in = 100;
        let first_weight = |mlp: Mlp| {
            let model = mlp.build::<f64, _>(&mut StdRng::seed_from_u64(1)).unwrap();
            model.parameters()[0].to_tensor().to_vec()
        };
        let largest = |w: Vec<f64>| w.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let kaiming = first_weight(Mlp::new(fan_in, &[50], 10, Activation::Relu));
        let default = first_weight(
            Mlp::new(fan_in, &[50], 10, Activation::Relu).with_init(Init::PyTorchDefault),
        );
        // U(-b, b): b = √(6/100) ≈ 0.245 for Kaiming, 1/√100 = 0.1 for PyTorch's default; with
        // 5,000 draws the largest comes within a few percent of b.
        assert!(
            (0.23..=(6.0f64 / 100.0).sqrt()).contains(&largest(kaiming)),
            "kaiming"
        );
        assert!((0.095..=0.1).contains(&largest(default)), "default");
        // The output layer keeps PyTorch's default either way.
        let model = Mlp::new(fan_in, &[50], 10, Activation::Relu)
            .build::<f64, _>(&mut StdRng::seed_from_u64(1))
            .unwrap();
        let out = model.parameters()[2].to_tensor().to_vec();
        assert!(largest(out) <= 1.0 / 50f64.sqrt());
    }

    #[test]
    fn no_hidden_layer_is_one_linear_layer() {
        let model = Mlp::new(3, &[], 2, Activation::Sigmoid)
            .build::<f32, _>(&mut StdRng::seed_from_u64(0))
            .unwrap();
        assert_eq!(model.len(), 1);
        let shapes: Vec<Vec<usize>> = model.parameters().iter().map(|p| p.shape()).collect();
        assert_eq!(shapes, [vec![2, 3], vec![2]]);
    }

    #[test]
    fn a_zero_width_is_an_error_naming_the_widths() {
        for mlp in [
            Mlp::new(0, &[4], 2, Activation::Relu),
            Mlp::new(3, &[4, 0], 2, Activation::Relu),
            Mlp::new(3, &[4], 0, Activation::Relu),
        ] {
            let err = mlp
                .build::<f32, _>(&mut StdRng::seed_from_u64(0))
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("Mlp: expected every width >= 1"), "{err}");
            assert!(err.contains(&format!("{:?}", mlp.hidden)), "{err}");
        }
    }

    #[test]
    fn activations_parse_what_they_print() {
        let x = Var::constant(Tensor::from_vec(&[3], vec![-2.0f64, 0.5, 3.0]).unwrap());
        let applied = |a: Activation| a.module().forward(&x).unwrap().to_tensor();
        for (a, direct) in [
            (Activation::Sigmoid, x.sigmoid()),
            (Activation::Tanh, x.tanh()),
            (Activation::Relu, x.relu()),
        ] {
            assert_eq!(a.to_string().parse::<Activation>().unwrap(), a);
            assert_eq!(applied(a), direct.to_tensor(), "{a}");
        }
        let err = "Sigmoid".parse::<Activation>().unwrap_err().to_string();
        assert!(err.contains("found \"Sigmoid\""), "{err}");
    }
}
