//! The one error type of the `autograd` crate.

use std::fmt;
use std::panic::Location;
use tensor::TensorError;

/// What went wrong building or differentiating a graph.
#[derive(Debug, Clone, PartialEq)]
pub enum AutogradError {
    /// A shape, axis or index error from the underlying tensor operation.
    Tensor(TensorError),
    /// `backward()` without an explicit gradient on an output that is not a single value.
    NotScalar {
        /// The shape of the output.
        shape: Vec<usize>,
    },
    /// The gradient passed to `backward_with` does not have the output's shape.
    GradShape {
        /// The shape of the output.
        output: Vec<usize>,
        /// The shape of the gradient given.
        grad: Vec<usize>,
    },
    /// A backward pass reached a node whose graph was already freed by an earlier backward.
    GraphFreed {
        /// The operation whose saved graph is gone.
        op: &'static str,
    },
    /// `requires_grad` was changed on a value that is not a leaf.
    NotLeaf {
        /// The operation that produced the value.
        op: &'static str,
    },
    /// With finite-gradient checking or anomaly mode on: the first op whose backward produced
    /// NaN or infinity.
    NonFiniteGradient {
        /// The operation whose backward rule produced it.
        op: &'static str,
        /// The creation id of that op's output node.
        node: u64,
        /// Which input of the op received the non-finite gradient.
        input: usize,
        /// Where the op was called from, when it was made in anomaly mode
        /// ([`detect_anomaly`](crate::detect_anomaly)).
        location: Option<&'static Location<'static>>,
    },
    /// An argument that is invalid for a reason other than shape; says what was expected and found.
    Invalid {
        /// The operation that was attempted.
        op: &'static str,
        /// What was expected and what was found.
        message: String,
    },
}

impl fmt::Display for AutogradError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AutogradError::Tensor(e) => write!(f, "{e}"),
            AutogradError::NotScalar { shape } => write!(
                f,
                "backward: expected a scalar output (one element) when no gradient is given, found shape {shape:?}; use backward_with(grad)"
            ),
            AutogradError::GradShape { output, grad } => write!(
                f,
                "backward_with: the gradient must have the output's shape {output:?}, found {grad:?}"
            ),
            AutogradError::GraphFreed { op } => write!(
                f,
                "backward: the graph through `{op}` was already freed by an earlier backward; pass retain_graph to keep it"
            ),
            AutogradError::NotLeaf { op } => write!(
                f,
                "set_requires_grad: only leaves can change requires_grad, found the output of `{op}`; detach() it first"
            ),
            AutogradError::NonFiniteGradient {
                op,
                node,
                input,
                location: Some(at),
            } => write!(
                f,
                "backward: `{op}` (node #{node}, created at {at}) produced a non-finite gradient for its input {input}"
            ),
            AutogradError::NonFiniteGradient {
                op,
                node,
                input,
                location: None,
            } => write!(
                f,
                "backward: `{op}` (node #{node}) produced a non-finite gradient for its input {input}; build the graph under autograd::detect_anomaly to see where the op was created"
            ),
            AutogradError::Invalid { op, message } => write!(f, "{op}: {message}"),
        }
    }
}

impl std::error::Error for AutogradError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AutogradError::Tensor(e) => Some(e),
            _ => None,
        }
    }
}

impl From<TensorError> for AutogradError {
    fn from(e: TensorError) -> Self {
        AutogradError::Tensor(e)
    }
}

/// `Result` with [`AutogradError`].
pub type Result<T, E = AutogradError> = std::result::Result<T, E>;
