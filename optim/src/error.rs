//! The one error type of the `optim` crate.

use std::fmt;

/// What went wrong configuring or running an optimizer.
#[derive(Debug, Clone, PartialEq)]
pub enum OptimError {
    /// A hyper-parameter out of its valid range; names it, the range and the value found.
    Hyperparameter {
        /// The optimizer (`"SGD"`).
        optimizer: &'static str,
        /// The hyper-parameter's name.
        name: &'static str,
        /// The valid range, in words.
        expected: &'static str,
        /// The value given.
        found: f64,
    },
    /// A gradient or state whose shape does not match its parameter's.
    Shape {
        /// What was being matched.
        what: String,
        /// The parameter's shape.
        expected: Vec<usize>,
        /// The shape found.
        found: Vec<usize>,
    },
    /// Any other invalid argument; says what was expected and found.
    Invalid {
        /// What was expected and what was found.
        message: String,
    },
    /// A tensor operation of the update failed (a gradient whose shape does not broadcast).
    Tensor(autograd::TensorError),
}

impl fmt::Display for OptimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptimError::Hyperparameter {
                optimizer,
                name,
                expected,
                found,
            } => {
                write!(f, "{optimizer}: {name} must be {expected}, found {found}")
            }
            OptimError::Shape {
                what,
                expected,
                found,
            } => {
                write!(f, "{what}: expected shape {expected:?}, found {found:?}")
            }
            OptimError::Invalid { message } => write!(f, "{message}"),
            OptimError::Tensor(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for OptimError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OptimError::Tensor(e) => Some(e),
            _ => None,
        }
    }
}

impl From<autograd::TensorError> for OptimError {
    fn from(e: autograd::TensorError) -> Self {
        OptimError::Tensor(e)
    }
}

/// `Result` with [`OptimError`].
pub type Result<T, E = OptimError> = std::result::Result<T, E>;
