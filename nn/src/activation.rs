//! Parameter-free layers: activations and (log-)softmax.

use crate::{Module, Result};
use autograd::{Element, Var};

macro_rules! activation {
    ($(#[$doc:meta])* $name:ident, $method:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Default, PartialEq, Eq)]
        pub struct $name;

        impl std::fmt::Debug for $name {
            /// PyTorch's form: `Sigmoid()`.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "()"))
            }
        }

        impl<T: Element> Module<T> for $name {
            fn forward(&self, input: &Var<T>) -> Result<Var<T>> {
                Ok(input.$method())
            }
            fn describe(&self) -> String {
                stringify!($name).to_string() + "()"
            }
        }
    };
}

activation!(
    /// The logistic function, element-wise (PyTorch's `nn.Sigmoid`).
    Sigmoid,
    sigmoid
);
activation!(
    /// The hyperbolic tangent, element-wise (PyTorch's `nn.Tanh`).
    Tanh,
    tanh
);
activation!(
    /// `max(x, 0)`, element-wise (PyTorch's `nn.ReLU`).
    ReLU,
    relu
);

/// Softmax along an axis (PyTorch's `nn.Softmax(dim)`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Softmax {
    /// The axis the probabilities sum to one along (negative counts from the end).
    pub axis: isize,
}

impl Softmax {
    /// Softmax along `axis`.
    pub fn new(axis: isize) -> Self {
        Softmax { axis }
    }
}

impl<T: Element> Module<T> for Softmax {
    fn forward(&self, input: &Var<T>) -> Result<Var<T>> {
        Ok(input.softmax(self.axis)?)
    }
    fn describe(&self) -> String {
        format!("Softmax(dim={})", self.axis)
    }
}

impl std::fmt::Debug for Softmax {
    /// PyTorch's form: `Softmax(dim=1)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Softmax(dim={})", self.axis)
    }
}

/// Log-softmax along an axis (PyTorch's `nn.LogSoftmax(dim)`); pair it with
/// [`NLLLoss`](crate::NLLLoss).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct LogSoftmax {
    /// The axis to normalise along (negative counts from the end).
    pub axis: isize,
}

impl LogSoftmax {
    /// Log-softmax along `axis`.
    pub fn new(axis: isize) -> Self {
        LogSoftmax { axis }
    }
}

impl<T: Element> Module<T> for LogSoftmax {
    fn forward(&self, input: &Var<T>) -> Result<Var<T>> {
        Ok(input.log_softmax(self.axis)?)
    }
    fn describe(&self) -> String {
        format!("LogSoftmax(dim={})", self.axis)
    }
}

impl std::fmt::Debug for LogSoftmax {
    /// PyTorch's form: `LogSoftmax(dim=1)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LogSoftmax(dim={})", self.axis)
    }
}
