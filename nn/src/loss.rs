//! Loss modules: thin, named wrappers over the `autograd` loss functions, as in `torch.nn`.

use crate::Result;
use autograd::{Element, Reduction, Var};

/// Negative log-likelihood of log-probabilities `[n, classes]` against class indices
/// (PyTorch's `nn.NLLLoss`); pair it with [`LogSoftmax`](crate::LogSoftmax).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NLLLoss {
    /// How per-sample losses are combined.
    pub reduction: Reduction,
}

/// Cross-entropy of logits `[n, classes]` against class indices: log-softmax and NLL in one
/// node (PyTorch's `nn.CrossEntropyLoss`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CrossEntropyLoss {
    /// How per-sample losses are combined.
    pub reduction: Reduction,
}

/// Mean squared error against a target of the input's shape (PyTorch's `nn.MSELoss`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MSELoss {
    /// How per-element losses are combined.
    pub reduction: Reduction,
}

/// Binary cross-entropy of probabilities against targets in `[0, 1]` of the same shape
/// (PyTorch's `nn.BCELoss`); pair it with [`Sigmoid`](crate::Sigmoid).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BCELoss {
    /// How per-element losses are combined.
    pub reduction: Reduction,
}

impl NLLLoss {
    /// The loss with the given reduction.
    pub fn new(reduction: Reduction) -> Self {
        NLLLoss { reduction }
    }
    /// The loss of `log_probs` `[n, classes]` against `targets` (one class index per row).
    pub fn forward<T: Element>(&self, log_probs: &Var<T>, targets: &[usize]) -> Result<Var<T>> {
        Ok(log_probs.nll_loss(targets, self.reduction)?)
    }
}

impl CrossEntropyLoss {
    /// The loss with the given reduction.
    pub fn new(reduction: Reduction) -> Self {
        CrossEntropyLoss { reduction }
    }
    /// The loss of `logits` `[n, classes]` against `targets` (one class index per row).
    pub fn forward<T: Element>(&self, logits: &Var<T>, targets: &[usize]) -> Result<Var<T>> {
        Ok(logits.cross_entropy(targets, self.reduction)?)
    }
}

impl MSELoss {
    /// The loss with the given reduction.
    pub fn new(reduction: Reduction) -> Self {
        MSELoss { reduction }
    }
    /// The loss of `input` against `target` (same shape).
    pub fn forward<T: Element>(&self, input: &Var<T>, target: &Var<T>) -> Result<Var<T>> {
        Ok(input.mse_loss(target, self.reduction)?)
    }
}

impl BCELoss {
    /// The loss with the given reduction.
    pub fn new(reduction: Reduction) -> Self {
        BCELoss { reduction }
    }
    /// The loss of probabilities `input` against `target` (same shape).
    pub fn forward<T: Element>(&self, input: &Var<T>, target: &Var<T>) -> Result<Var<T>> {
        Ok(input.binary_cross_entropy(target, self.reduction)?)
    }
}
