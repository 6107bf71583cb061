//! The backward pass: reverse creation order over the reachable graph, without recursion.

use crate::var::{is_anomaly_enabled, set_grad_enabled, BackwardCtx, Origin};
use crate::{AutogradError, Result, Var};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use tensor::{Element, Tensor};

/// Hashes node ids, which are distinct sequential integers: one multiplication spreads them
/// (Fibonacci hashing). The default SipHash, built to resist adversarial keys, cost more than
/// the arithmetic of a small op's backward.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u64(&mut self, id: u64) {
        self.0 = id.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type IdBuild = BuildHasherDefault<IdHasher>;

/// How a backward pass runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BackwardOptions {
    /// Keep the graph after the pass so that it can be differentiated through again
    /// (PyTorch's `retain_graph`). Implied by `create_graph`.
    pub retain_graph: bool,
    /// Record the backward pass itself, so that the gradients it returns can be differentiated
    /// again: Hessian-vector products, gradient penalties (PyTorch's `create_graph`).
    pub create_graph: bool,
    /// Check every gradient a backward rule produces, and fail with the name of the first op
    /// whose gradient is NaN or infinite. Always on in anomaly mode
    /// ([`detect_anomaly`](crate::detect_anomaly)), which also names where the op was made.
    pub check_finite: bool,
}

impl<T: Element> Var<T> {
    /// Computes the gradient of this one-element value with respect to every leaf that requires
    /// one, and adds it to their [`grad`](Var::grad) (PyTorch's `loss.backward()`). The graph's
    /// intermediate nodes are freed afterwards.
    ///
    /// Errors when the value has more than one element, does not require a gradient (a
    /// constant, or computed under [`no_grad`](crate::no_grad) or from constants only: there
    /// is nothing to differentiate, as PyTorch says), or its graph was already freed.
    pub fn backward(&self) -> Result<()> {
        self.backward_opts(None, BackwardOptions::default())
    }

    /// [`backward`](Var::backward) for a non-scalar value, given the gradient of the loss with
    /// respect to it (PyTorch's `y.backward(grad)`).
    pub fn backward_with(&self, grad: Tensor<T>) -> Result<()> {
        self.backward_opts(Some(grad), BackwardOptions::default())
    }

    /// The general backward: an optional output gradient (ones for a scalar when `None`), and
    /// [`BackwardOptions`].
    pub fn backward_opts(&self, grad: Option<Tensor<T>>, opts: BackwardOptions) -> Result<()> {
        check_differentiable(self)?;
        let seed = seed_gradient(self, grad)?;
        run(&[(self.clone(), seed)], &[], opts, true)?;
        Ok(())
    }
}

/// The gradients of a scalar `output` with respect to `inputs` (leaves or intermediate values),
/// returned rather than accumulated into the leaves (PyTorch's `torch.autograd.grad`). With
/// `create_graph`, the returned gradients are themselves recorded and can be differentiated
/// again. An input the output does not depend on gets a zero gradient.
///
/// ```
/// use autograd::{grad, Var};
/// use tensor::Tensor;
/// // f(x) = x³: f'(x) = 3x², f''(x) = 6x
/// let x = Var::parameter(Tensor::scalar(2.0f64));
/// let y = &(&x * &x) * &x;
/// let dy = grad(&y, &[&x], true)?.remove(0);
/// assert_eq!(dy.item()?, 12.0);
/// let d2y = grad(&dy, &[&x], false)?.remove(0);
/// assert_eq!(d2y.item()?, 12.0);
/// # Ok::<(), autograd::AutogradError>(())
/// ```
pub fn grad<T: Element>(
    output: &Var<T>,
    inputs: &[&Var<T>],
    create_graph: bool,
) -> Result<Vec<Var<T>>> {
    check_differentiable(output)?;
    let seed = seed_gradient(output, None)?;
    let opts = BackwardOptions {
        create_graph,
        retain_graph: create_graph,
        check_finite: false,
    };
    grad_with(&[(output.clone(), seed)], inputs, opts)
}

/// The general form of [`grad`]: several outputs each with its output gradient (which may
/// itself be a recorded `Var`), any inputs, and [`BackwardOptions`].
pub fn grad_with<T: Element>(
    outputs: &[(Var<T>, Var<T>)],
    inputs: &[&Var<T>],
    opts: BackwardOptions,
) -> Result<Vec<Var<T>>> {
    for (out, g) in outputs {
        if out.shape() != g.shape() {
            return Err(AutogradError::GradShape {
                output: out.shape(),
                grad: g.shape(),
            });
        }
    }
    let captured = run(outputs, inputs, opts, false)?;
    Ok(captured
        .into_iter()
        .zip(inputs)
        .map(|(g, x)| g.unwrap_or_else(|| Var::constant(Tensor::zeros(&x.shape()))))
        .collect())
}

/// PyTorch's "element 0 of tensors does not require grad and does not have a grad_fn".
fn check_differentiable<T: Element>(output: &Var<T>) -> Result<()> {
    if output.requires_grad() {
        return Ok(());
    }
    Err(AutogradError::Invalid {
        op: "backward",
        message: "expected a value that requires a gradient, found one that does not (a \
            constant, or computed under no_grad or from constants only): there is no graph to \
            differentiate"
            .into(),
    })
}

fn seed_gradient<T: Element>(output: &Var<T>, grad: Option<Tensor<T>>) -> Result<Var<T>> {
    let shape = output.shape();
    let g = match grad {
        None if output.numel() == 1 => Tensor::ones(&shape),
        None => return Err(AutogradError::NotScalar { shape }),
        Some(g) if g.shape() == shape.as_slice() => g,
        Some(g) => {
            return Err(AutogradError::GradShape {
                output: shape,
                grad: g.shape().to_vec(),
            })
        }
    };
    Ok(Var::constant(g))
}

/// Adds `g` to the gradient pending for a node. Without `create_graph`, the sum is made in
/// place when nothing else holds the pending gradient.
fn accumulate<T: Element>(slot: &mut Option<Var<T>>, g: Var<T>, recording: bool) -> Result<()> {
    match slot.take() {
        None => *slot = Some(g),
        Some(acc) => {
            if !recording && acc.is_sole_owner() && acc.is_leaf() {
                acc.value_mut().add_assign(&g.value())?;
                *slot = Some(acc);
            } else {
                *slot = Some(acc.add(&g)?);
            }
        }
    }
    Ok(())
}

/// Runs the backward pass from `roots` (each with its output gradient). Returns the gradients
/// of `capture` (in order); when `into_leaves`, adds the gradients of leaves that require one
/// to their `.grad`.
fn run<T: Element>(
    roots: &[(Var<T>, Var<T>)],
    capture: &[&Var<T>],
    opts: BackwardOptions,
    into_leaves: bool,
) -> Result<Vec<Option<Var<T>>>> {
    let recording = opts.create_graph;
    let retain = opts.retain_graph || opts.create_graph;
    let check_finite = opts.check_finite || is_anomaly_enabled();
    let _mode = set_grad_enabled(recording);

    // Reachable op nodes, found with an explicit stack; processed by id descending, which is
    // a topological order because ids increase at creation.
    let mut ops: Vec<Var<T>> = Vec::new();
    let mut seen: HashSet<u64, IdBuild> = HashSet::default();
    let mut stack: Vec<Var<T>> = roots
        .iter()
        .filter(|(r, _)| r.requires_grad())
        .map(|(r, _)| r.clone())
        .collect();
    while let Some(v) = stack.pop() {
        if !seen.insert(v.id()) {
            continue;
        }
        match &*v.0.origin.borrow() {
            Origin::Leaf => continue,
            Origin::Freed(op, _) => return Err(AutogradError::GraphFreed { op }),
            Origin::Op(rec) => {
                stack.extend(rec.inputs.iter().filter(|i| i.requires_grad()).cloned())
            }
        }
        ops.push(v);
    }
    ops.sort_unstable_by_key(|v| std::cmp::Reverse(v.id()));

    let mut pending: HashMap<u64, Option<Var<T>>, IdBuild> =
        HashMap::with_capacity_and_hasher(ops.len() + 1, IdBuild::default());
    let mut leaves: Vec<Var<T>> = Vec::new();
    for (r, g) in roots {
        if r.requires_grad() {
            accumulate(pending.entry(r.id()).or_default(), g.clone(), recording)?;
            if r.is_leaf() {
                leaves.push(r.clone());
            }
        }
    }
    let mut captured: Vec<Option<Var<T>>> = vec![None; capture.len()];
    // Leaf gradients handed over unmultiplied (see `BackwardCtx::product_grad`).
    let may_defer = into_leaves && !recording && capture.is_empty();
    let mut products = Vec::new();
    let capture_slot = |id: u64| capture.iter().position(|c| c.id() == id);

    for node in &ops {
        let Some(g) = pending.remove(&node.id()).flatten() else {
            continue;
        };
        if let Some(i) = capture_slot(node.id()) {
            captured[i] = Some(g.clone());
        }
        let origin = if retain {
            None
        } else {
            let freed = match &*node.0.origin.borrow() {
                Origin::Op(rec) => Origin::Freed(rec.name, rec.location),
                _ => unreachable!("only op nodes are collected"),
            };
            Some(node.0.origin.replace(freed))
        };
        let borrowed;
        let rec = match &origin {
            Some(Origin::Op(rec)) => rec,
            _ => {
                borrowed = node.0.origin.borrow();
                match &*borrowed {
                    Origin::Op(rec) => rec,
                    _ => unreachable!("only op nodes are collected"),
                }
            }
        };
        let ctx = BackwardCtx {
            grad: &g,
            inputs: &rec.inputs,
            output: node,
            may_defer,
            deferred: RefCell::new(Vec::new()),
        };
        let grads = (rec.backward)(&ctx)?;
        for (i, p) in ctx.deferred.take() {
            let at = (rec.name, node.id(), i, rec.location);
            products.push((rec.inputs[i].clone(), at, p));
        }
        debug_assert_eq!(
            grads.len(),
            rec.inputs.len(),
            "{}: one gradient per input",
            rec.name
        );
        for (i, (input, gi)) in rec.inputs.iter().zip(grads).enumerate() {
            let Some(gi) = gi else { continue };
            if !input.requires_grad() {
                continue;
            }
            // Compared in place: `Var::shape` copies the shape into a new Vec.
            let same_shape = gi.value().shape() == input.value().shape();
            let gi = if same_shape {
                gi
            } else {
                gi.sum_to_shape(&input.shape())?
            };
            if check_finite && !gi.value().all_finite() {
                return Err(AutogradError::NonFiniteGradient {
                    op: rec.name,
                    node: node.id(),
                    input: i,
                    location: rec.location,
                });
            }
            let slot = pending.entry(input.id()).or_default();
            if slot.is_none() && input.is_leaf() {
                leaves.push(input.clone());
            }
            accumulate(slot, gi, recording)?;
        }
    }

    for leaf in leaves {
        let Some(g) = pending.remove(&leaf.id()).flatten() else {
            continue;
        };
        if let Some(i) = capture_slot(leaf.id()) {
            captured[i] = Some(g.clone());
        }
        if into_leaves {
            leaf.grad_slot().add_dense(g.into_tensor())?;
        }
    }
    for (leaf, (op, node, input, location), p) in products {
        let mut slot = leaf.grad_slot();
        slot.add_product(p);
        // Checked like every other gradient: multiplied out, which gives the same values
        // `grad()` would.
        if check_finite && !slot.settle().as_ref().is_none_or(Tensor::all_finite) {
            return Err(AutogradError::NonFiniteGradient {
                op,
                node,
                input,
                location,
            });
        }
    }
    Ok(captured)
}
