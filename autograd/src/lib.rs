//! # autograd
//!
//! A PyTorch-like dynamic graph over the `tensor` crate. A [`Var`] holds a value, whether it
//! requires a gradient, its accumulated gradient, and the op that made it. Ops on `Var`s are
//! recorded as they run; [`Var::backward`] walks the recorded graph in reverse creation order
//! (no recursion) and accumulates gradients into the leaves.
//!
//! - Every op's backward rule is written with `Var` ops: run unrecorded it costs only the
//!   arithmetic; run recorded (`create_graph`) it gives gradients that can be differentiated
//!   again ([`grad`] with `create_graph`, Hessian-vector products). Eight ops (sigmoid, tanh,
//!   relu, softmax, log_softmax, nll_loss, cross_entropy, batch_norm) also have a fused form
//!   of the same rule for unrecorded passes; [`gradcheck`] runs both paths of every op and requires them to
//!   agree, so a wrong rule on one path cannot hide behind the other.
//! - Values are shared and copied on write: a snapshot (a weight gradient kept as the product
//!   of its layer's input and output gradient until it is read, a [`Var::detach`]ed copy)
//!   never changes when the original is changed in place.
//! - The engine sums each gradient back to its input's shape when the op broadcast, in one
//!   place, so rules never deal with broadcasting.
//! - The graph holds no `Rc` cycles; [`live_nodes`] counts nodes so tests can prove it.
//! - [`gradcheck`] compares any function's gradients with finite differences, on both
//!   backward paths.
//! - The graph can be looked at: [`Var::inputs`] walks it, [`to_dot`] and [`to_mermaid`] draw
//!   it, and anomaly mode ([`detect_anomaly`]) names the first op whose gradient is not
//!   finite and the line of your code that made it.
//!
//! ## Quick start: one step of gradient descent on a linear model
//! ```
//! use autograd::{no_grad, Reduction, Var};
//! use tensor::Tensor;
//!
//! let x = Var::constant(Tensor::from_vec(&[4, 1], vec![0.0f64, 1.0, 2.0, 3.0])?);
//! let y = Var::constant(Tensor::from_vec(&[4, 1], vec![1.0f64, 3.0, 5.0, 7.0])?);
//! let w = Var::parameter(Tensor::zeros(&[1, 1]));   // Linear layout: [out, in]
//! let b = Var::parameter(Tensor::zeros(&[1]));
//!
//! let loss = x.linear(&w, Some(&b))?.mse_loss(&y, Reduction::Mean)?;
//! loss.backward()?;
//! no_grad(|| {
//!     for p in [&w, &b] {
//!         let g = p.grad().unwrap();
//!         p.value_mut().scaled_add(-0.1, &g)?;
//!         p.zero_grad();
//!     }
//!     Ok::<(), autograd::TensorError>(())
//! })?;
//! assert!(w.item()? > 0.0 && b.item()? > 0.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Coming from PyTorch
//! | PyTorch | here |
//! | --- | --- |
//! | `torch.tensor(v, requires_grad=True)` / `nn.Parameter` | [`Var::parameter`] |
//! | `torch.tensor(v)` | [`Var::constant`] |
//! | `loss.backward()` / `y.backward(g)` | [`Var::backward`] / [`Var::backward_with`] |
//! | `backward(retain_graph=..., create_graph=...)` | [`Var::backward_opts`] |
//! | `torch.autograd.grad(y, xs, create_graph=True)` | [`grad`], [`grad_with`] |
//! | `x.grad`, `x.grad = None` | [`Var::grad`], [`Var::zero_grad`] |
//! | `with torch.no_grad():` | `no_grad(\|\| ...)` ([`no_grad`]), or `let _g = no_grad_guard();` |
//! | `print(x)`: `tensor([...], grad_fn=<...>)` | `println!("{x:?}")`, the same form |
//! | `x.detach()` | [`Var::detach`] (copies the value) |
//! | `torch.autograd.gradcheck` | [`gradcheck`] (returns a report) |
//! | `y.grad_fn.name()`, `y.grad_fn.next_functions` | [`Var::op_name`], [`Var::inputs`] (the input values; empty once a backward pass freed the graph, unless `retain_graph`) |
//! | torchviz's `make_dot(loss, params=dict(model.named_parameters()))` | [`to_dot`]`(&loss, &model.named_parameters())` (Graphviz DOT), [`to_mermaid`] (a Mermaid flowchart) |
//! | `with torch.autograd.detect_anomaly():`, `torch.autograd.set_detect_anomaly(True)` | `detect_anomaly(\|\| ...)` ([`detect_anomaly`]), `let _a = detect_anomaly_guard();`, [`set_detect_anomaly`]: the first op whose gradient is NaN or infinite, and the `file:line:column` that made it ([`Var::created_at`]) |
//! | `F.linear`, `F.cross_entropy`, `F.nll_loss`, `F.mse_loss`, `F.binary_cross_entropy` | [`Var::linear`], [`Var::cross_entropy`], [`Var::nll_loss`], [`Var::mse_loss`], [`Var::binary_cross_entropy`] |

#![warn(missing_docs)]

mod engine;
mod error;
mod gradcheck;
mod graph;
mod ops;
mod var;

pub use engine::{grad, grad_with, BackwardOptions};
pub use error::{AutogradError, Result};
pub use gradcheck::{gradcheck, GradCheckReport, InputCheck};
pub use graph::{to_dot, to_mermaid};
pub use ops::{Conv2dOptions, Reduction};
pub use tensor::{Element, Tensor, TensorError, Window2d};
pub use var::{
    detect_anomaly, detect_anomaly_guard, is_anomaly_enabled, is_grad_enabled, live_nodes, no_grad,
    no_grad_guard, set_detect_anomaly, set_grad_enabled, AnomalyModeGuard, BackwardCtx, BackwardFn,
    GradModeGuard, Var,
};
