//! The differentiable operations, one family per module. Each op's doc comment gives its
//! formula, its derivative and its PyTorch name; its backward rule sits right below its
//! forward, written with `Var` operations so that it can itself be recorded.

mod arith;
mod conv;
mod dropout;
mod embedding;
mod flatten;
mod loss;
mod matmul;
mod norm;
mod pool;
mod reduce;
mod shape;
mod softmax;
mod unary;

pub use conv::Conv2dOptions;
pub use loss::Reduction;

use crate::{Result, Var};
use tensor::Element;

/// `Some(f())` when an input needs a gradient, `None` otherwise: how rules skip work.
pub(crate) fn when<T: Element>(
    needed: bool,
    f: impl FnOnce() -> Result<Var<T>>,
) -> Result<Option<Var<T>>> {
    if needed {
        f().map(Some)
    } else {
        Ok(None)
    }
}
