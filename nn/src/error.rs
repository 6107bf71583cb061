//! The one error type of the `nn` crate.

use autograd::AutogradError;
use std::fmt;

/// What went wrong building or running a module.
#[derive(Debug, Clone, PartialEq)]
pub enum NnError {
    /// An error from a graph operation (shapes, axes, class labels, ...).
    Autograd(AutogradError),
    /// A layer of a [`Sequential`](crate::Sequential) failed: which one, and why. This is how a
    /// stack of layers that do not fit together reports the first misfit.
    Layer {
        /// The layer's position in the `Sequential`.
        index: usize,
        /// The layer's description, e.g. `Linear(in=128, out=10, bias=true)`.
        layer: String,
        /// What went wrong inside it.
        source: Box<NnError>,
    },
    /// An invalid configuration; says what was expected and found.
    Config {
        /// The module being configured.
        module: &'static str,
        /// What was expected and what was found.
        message: String,
    },
}

impl fmt::Display for NnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NnError::Autograd(e) => write!(f, "{e}"),
            NnError::Layer {
                index,
                layer,
                source,
            } => write!(f, "layer {index} ({layer}): {source}"),
            NnError::Config { module, message } => write!(f, "{module}: {message}"),
        }
    }
}

impl std::error::Error for NnError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            NnError::Autograd(e) => Some(e),
            NnError::Layer { source, .. } => Some(source.as_ref()),
            NnError::Config { .. } => None,
        }
    }
}

impl From<AutogradError> for NnError {
    fn from(e: AutogradError) -> Self {
        NnError::Autograd(e)
    }
}

impl From<autograd::TensorError> for NnError {
    fn from(e: autograd::TensorError) -> Self {
        NnError::Autograd(e.into())
    }
}

/// `Result` with [`NnError`].
pub type Result<T, E = NnError> = std::result::Result<T, E>;
