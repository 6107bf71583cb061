//! The one error type of the `tensor` crate.

use std::fmt;

/// What went wrong in a tensor operation a caller can get wrong: every variant names the
/// operation and the shapes (or values) that did not fit, so the message alone says what to fix.
///
/// ```
/// use tensor::Tensor;
/// let a = Tensor::<f32>::zeros(&[2, 3]);
/// let b = Tensor::<f32>::zeros(&[4, 5]);
/// let err = a.matmul(&b).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "matmul: lhs [2, 3] and rhs [4, 5] have mismatched inner dims (3 vs 4)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TensorError {
    /// Two shapes that do not broadcast together (NumPy/PyTorch rules).
    Broadcast {
        /// The operation that was attempted.
        op: &'static str,
        /// Shape of the left operand.
        lhs: Vec<usize>,
        /// Shape of the right operand.
        rhs: Vec<usize>,
    },
    /// Two shapes that fit in number of elements or rank but not in the way the operation needs
    /// (matmul inner dimensions, concat along an axis, a broadcast target, ...).
    ShapeMismatch {
        /// The operation that was attempted.
        op: &'static str,
        /// Shape of the left (or first) operand.
        lhs: Vec<usize>,
        /// Shape of the right (or second) operand, or the requested target shape.
        rhs: Vec<usize>,
        /// What exactly did not fit.
        reason: String,
    },
    /// A reshape to a shape with a different number of elements.
    Reshape {
        /// Shape of the tensor.
        from: Vec<usize>,
        /// The requested shape.
        to: Vec<usize>,
    },
    /// An axis that the tensor does not have.
    Axis {
        /// The operation that was attempted.
        op: &'static str,
        /// The axis as the caller gave it (negative counts from the end).
        axis: isize,
        /// The shape of the tensor.
        shape: Vec<usize>,
    },
    /// An index (a row, a class label, a slice bound) outside the valid range.
    Index {
        /// The operation that was attempted.
        op: &'static str,
        /// The offending index.
        index: usize,
        /// The exclusive upper bound the index had to stay below.
        bound: usize,
    },
    /// Any other invalid argument; the message says what was expected and what was found.
    Invalid {
        /// The operation that was attempted.
        op: &'static str,
        /// What was expected and what was found.
        message: String,
    },
}

impl fmt::Display for TensorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TensorError::Broadcast { op, lhs, rhs } => {
                write!(
                    f,
                    "{op}: shapes {lhs:?} and {rhs:?} do not broadcast together"
                )
            }
            TensorError::ShapeMismatch {
                op,
                lhs,
                rhs,
                reason,
            } => write!(f, "{op}: lhs {lhs:?} and rhs {rhs:?} {reason}"),
            TensorError::Reshape { from, to } => write!(
                f,
                "reshape: cannot reshape {from:?} ({} elements) to {to:?} ({} elements)",
                from.iter().product::<usize>(),
                to.iter().product::<usize>()
            ),
            TensorError::Axis { op, axis, shape } => write!(
                f,
                "{op}: axis {axis} is out of range for shape {shape:?} (rank {})",
                shape.len()
            ),
            TensorError::Index { op, index, bound } => {
                write!(
                    f,
                    "{op}: index {index} is out of range (expected < {bound})"
                )
            }
            TensorError::Invalid { op, message } => write!(f, "{op}: {message}"),
        }
    }
}

impl std::error::Error for TensorError {}

/// `Result` with [`TensorError`].
pub type Result<T, E = TensorError> = std::result::Result<T, E>;
