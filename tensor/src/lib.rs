//! # tensor
//!
//! n-dimensional arrays of `f32` or `f64` for the workspace's deep-learning library: NumPy/PyTorch
//! broadcasting arithmetic, matrix products, reductions along axes, reshape/transpose, a stable
//! softmax, and shape errors reported as values.
//!
//! It stands on its own, with no graph and no gradients: the first MNIST lab trains a linear
//! classifier with it alone, writing the backward pass by hand. The `autograd` crate builds the
//! automatic version on top of it.
//!
//! ## Quick start
//! ```
//! use tensor::Tensor;
//! use rand::{SeedableRng, rngs::StdRng};
//!
//! let mut rng = StdRng::seed_from_u64(0);
//! let x = Tensor::<f32>::rand_normal(&[4, 3], 0.0, 1.0, &mut rng)?;
//! let w = Tensor::<f32>::rand_uniform(&[3, 2], -0.5, 0.5, &mut rng)?;
//! let logits = x.matmul(&w)?;            // [4, 2]
//! let p = logits.softmax(-1)?;           // rows sum to one
//! assert!((p.sum_axis(1, false)?.sum_all() - 4.0).abs() < 1e-5);
//! // Shape errors are values that name the operation and both shapes:
//! let err = x.matmul(&x).unwrap_err();
//! assert_eq!(err.to_string(), "matmul: lhs [4, 3] and rhs [4, 3] have mismatched inner dims (3 vs 4)");
//! # Ok::<(), tensor::TensorError>(())
//! ```
//!
//! ## Coming from PyTorch
//! | PyTorch | here |
//! | --- | --- |
//! | `torch.tensor(data).reshape(shape)` | [`Tensor::from_vec`] |
//! | `a + b`, `torch.add(a, b)` | `&a + &b` (panics on bad shapes), [`Tensor::add`] (`Result`) |
//! | `a @ b` | [`Tensor::matmul`]; [`Tensor::matmul_t`] with transposes as flags |
//! | `t.sum(dim, keepdim)` / `t.sum()` | [`Tensor::sum_axis`] / [`Tensor::sum_all`] |
//! | `t.amax(dim)`, `t.argmax(dim)` | [`Tensor::max_axis`], [`Tensor::argmax_axis`] |
//! | `torch.softmax(t, dim)` | [`Tensor::softmax`], [`Tensor::log_softmax`] |
//! | `t.view(shape)`, `t.permute(...)` | [`Tensor::reshape`], [`Tensor::permute`] |
//! | `torch.cat`, `torch.stack` | [`Tensor::concat`], [`Tensor::stack`] |
//! | `t[idx]` with an index list | [`Tensor::index_select`], [`Tensor::select_rows`] |
//! | `F.one_hot` | [`Tensor::one_hot`] |
//!
//! Axes are `isize` and may be negative, counting from the end, as in PyTorch.

#![warn(missing_docs)]

mod channel;
mod conv;
mod convolution;
mod cpu;
mod element;
mod elementwise;
mod error;
mod format;
mod kernel;
mod layout;
mod linalg;
mod parallel;
mod pool;
mod reduce;
mod rows;
mod shape;
#[allow(clippy::module_inception)]
mod tensor;
pub mod testing;

pub use conv::Window2d;
pub use cpu::simd_level;
pub use element::Element;
pub use elementwise::sigmoid;
pub use error::{Result, TensorError};
pub use parallel::{num_threads, set_num_threads};
pub use shape::{broadcast_shapes, normalize_axis};
pub use tensor::Tensor;
