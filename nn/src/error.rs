//! The one error type of the `nn` crate.

use crate::state_dict::Mismatch;
use autograd::AutogradError;
use std::fmt;
use std::path::PathBuf;

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
    /// A safetensors file that cannot be read or written, or is truncated, corrupt or not
    /// safetensors.
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A safetensors file whose tensors do not fit the module (or optimizer) loading it: every
    /// missing, unexpected, misshapen or mistyped tensor, not just the first.
    StateDict {
        /// The file.
        path: PathBuf,
        /// Every mismatch found.
        mismatches: Vec<Mismatch>,
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
            NnError::File { path, message } => write!(f, "{}: {message}", path.display()),
            NnError::StateDict { path, mismatches } => {
                write!(
                    f,
                    "{}: the state dict does not fit ({} mismatch{}):",
                    path.display(),
                    mismatches.len(),
                    if mismatches.len() == 1 { "" } else { "es" }
                )?;
                for m in mismatches {
                    write!(f, "\n  {m}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for NnError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            NnError::Autograd(e) => Some(e),
            NnError::Layer { source, .. } => Some(source.as_ref()),
            NnError::Config { .. } | NnError::File { .. } | NnError::StateDict { .. } => None,
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
