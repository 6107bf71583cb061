//! [`Var`]: a tensor that remembers the operation that made it, and the grad-mode switch.

use crate::{AutogradError, Result};
use std::cell::{Cell, Ref, RefCell, RefMut};
use std::fmt;
use std::rc::Rc;
use tensor::{Element, Tensor};

thread_local! {
    static NEXT_ID: Cell<u64> = const { Cell::new(0) };
    static LIVE_NODES: Cell<usize> = const { Cell::new(0) };
    static GRAD_ENABLED: Cell<bool> = const { Cell::new(true) };
}

/// The number of graph nodes ([`Var`]s, leaves included) alive on this thread.
///
/// After a training step and `zero_grad`, once the loss and the batch are dropped, it falls back
/// to the number of parameters: the graph holds no reference cycles. (Until `zero_grad`, a
/// weight gradient kept as a product holds its two factors, the layer's input and output
/// gradient; see [`BackwardCtx::product_grad`].) Tests use it to prove there are no leaks.
pub fn live_nodes() -> usize {
    LIVE_NODES.with(Cell::get)
}

/// Whether operations are being recorded on this thread (see [`no_grad`]).
pub fn is_grad_enabled() -> bool {
    GRAD_ENABLED.with(Cell::get)
}

/// Restores the previous grad mode when dropped; made by [`no_grad`] and [`set_grad_enabled`].
#[must_use = "grad mode is restored when the guard is dropped"]
pub struct GradModeGuard {
    previous: bool,
}

impl Drop for GradModeGuard {
    fn drop(&mut self) {
        GRAD_ENABLED.with(|g| g.set(self.previous));
    }
}

/// Stops recording the graph on this thread until the guard is dropped (PyTorch's
/// `torch.no_grad()`): evaluation and parameter updates run without building nodes.
///
/// ```
/// use autograd::{no_grad, Var};
/// use tensor::Tensor;
/// let w = Var::parameter(Tensor::<f32>::ones(&[2]));
/// let y = {
///     let _guard = no_grad();
///     &w * 3.0
/// };
/// assert!(!y.requires_grad());
/// ```
pub fn no_grad() -> GradModeGuard {
    set_grad_enabled(false)
}

/// Sets grad mode on this thread until the guard is dropped (PyTorch's
/// `torch.set_grad_enabled`).
pub fn set_grad_enabled(enabled: bool) -> GradModeGuard {
    let previous = GRAD_ENABLED.with(|g| g.replace(enabled));
    GradModeGuard { previous }
}

/// What a backward rule is given: the gradient of the output, the op's inputs and its output.
///
/// Rules are written with [`Var`] operations, so that the same rule, run with recording on,
/// builds the graph of the gradient itself (`create_graph`), and run with it off costs only
/// the tensor arithmetic.
pub struct BackwardCtx<'a, T: Element> {
    /// The gradient of the loss with respect to this op's output (the output's shape).
    pub grad: &'a Var<T>,
    /// The op's inputs, in the order the op was called with.
    pub inputs: &'a [Var<T>],
    /// The op's output: rules for exp, sigmoid, tanh, softmax use it rather than recompute.
    pub output: &'a Var<T>,
    /// Whether gradients of leaves may be handed over as unmultiplied products (a plain
    /// `backward()` into `.grad`, not recorded, not checked, nothing captured).
    pub(crate) may_defer: bool,
    /// Products handed over by [`product_grad`](BackwardCtx::product_grad): input index and
    /// factors.
    pub(crate) deferred: RefCell<Vec<(usize, ProductGrad<T>)>>,
}

impl<T: Element> BackwardCtx<'_, T> {
    /// Whether input `i` needs a gradient; a rule may skip work for the others.
    pub fn needs(&self, i: usize) -> bool {
        self.inputs[i].requires_grad()
    }

    /// The gradient `op(a) x op(b)` for input `i` (`op` transposes when its flag is set), or
    /// `None` when input `i` needs none.
    ///
    /// When input `i` is a leaf with exactly that shape (a weight) and the pass writes into
    /// `.grad` without recording, the product is not multiplied out here: the leaf keeps its
    /// two factors, and an optimizer multiplies them straight into its update with
    /// [`Var::grad_into`] (reading the gradient multiplies it out once). A batch-1 step
    /// then neither writes nor re-reads a weight-sized gradient. The rule returns `None` for
    /// that input in that case.
    pub fn product_grad(
        &self,
        i: usize,
        a: &Var<T>,
        ta: bool,
        b: &Var<T>,
        tb: bool,
    ) -> Result<Option<Var<T>>> {
        let input = &self.inputs[i];
        if !input.requires_grad() {
            return Ok(None);
        }
        let shape = product_shape(a.value().shape(), ta, b.value().shape(), tb);
        let fits = shape.is_some_and(|s| input.value().shape() == s);
        // The factors must not be leaves an optimizer may change before it reads this
        // gradient.
        let stable = |v: &Var<T>| !(v.is_leaf() && v.requires_grad());
        if self.may_defer && input.is_leaf() && fits && stable(a) && stable(b) {
            self.deferred
                .borrow_mut()
                .push((i, ProductGrad::new(a, ta, b, tb)));
            return Ok(None);
        }
        a.matmul_t(ta, b, tb).map(Some)
    }
}

/// A vector-Jacobian product: from the output's gradient, one gradient per input (`None` for an
/// input that needs none). The engine reduces each to its input's shape (undoing broadcasting)
/// and accumulates.
pub type BackwardFn<T> = Box<dyn Fn(&BackwardCtx<'_, T>) -> Result<Vec<Option<Var<T>>>>>;

pub(crate) struct OpRecord<T: Element> {
    pub(crate) name: &'static str,
    pub(crate) inputs: Vec<Var<T>>,
    pub(crate) backward: BackwardFn<T>,
}

pub(crate) enum Origin<T: Element> {
    /// Made by the user (a parameter, an input, a constant).
    Leaf,
    /// Made by an op whose inputs and backward rule are still held (inline: a box here was one
    /// more allocation per recorded op).
    Op(OpRecord<T>),
    /// Made by an op whose graph a backward pass has freed.
    Freed(&'static str),
}

/// The shape of `op(a) x op(b)` for 2-D `a` and `b` (`op` transposes when its flag is set),
/// `None` when they are not 2-D or their inner sizes differ.
fn product_shape(a: &[usize], ta: bool, b: &[usize], tb: bool) -> Option<[usize; 2]> {
    (a.len() == 2 && b.len() == 2 && a[usize::from(!ta)] == b[usize::from(tb)])
        .then(|| [a[usize::from(ta)], b[usize::from(!tb)]])
}

/// A weight gradient kept as the product `op(a) x op(b)` that makes it (for a linear layer,
/// `Gᵀ x`), not yet multiplied out. See [`BackwardCtx::product_grad`].
pub(crate) struct ProductGrad<T: Element> {
    pub(crate) a: Var<T>,
    pub(crate) ta: bool,
    pub(crate) b: Var<T>,
    pub(crate) tb: bool,
    /// The factors' [`Var::version`]s when the product was kept.
    pub(crate) versions: (u64, u64),
}

impl<T: Element> ProductGrad<T> {
    pub(crate) fn new(a: &Var<T>, ta: bool, b: &Var<T>, tb: bool) -> Self {
        ProductGrad {
            a: a.clone(),
            ta,
            b: b.clone(),
            tb,
            versions: (a.version(), b.version()),
        }
    }

    /// Errors when a factor was changed in place (`value_mut`) after the backward pass: the
    /// product would no longer be the gradient that pass computed.
    fn check_unchanged(&self) -> Result<()> {
        if (self.a.version(), self.b.version()) != self.versions {
            return Err(AutogradError::Invalid {
                op: "grad",
                message: "a weight's gradient is kept as the product of its layer's input and \
                    output gradient, and one of them was changed in place (value_mut) after \
                    backward; read the gradient (grad, grad_into) before changing them"
                    .into(),
            });
        }
        Ok(())
    }

    /// `dst = beta·dst + alpha·op(a) x op(b)`.
    fn gemm_into(&self, alpha: T, beta: T, dst: &mut Tensor<T>) -> Result<()> {
        self.check_unchanged()?;
        Ok(dst.gemm_t(
            alpha,
            &self.a.value(),
            self.ta,
            &self.b.value(),
            self.tb,
            beta,
        )?)
    }
}

pub(crate) struct Node<T: Element> {
    pub(crate) id: u64,
    pub(crate) value: RefCell<Tensor<T>>,
    /// Bumped by every `value_mut`.
    pub(crate) version: Cell<u64>,
    /// The gradient is `grad + product` (either part may be absent).
    pub(crate) grad: RefCell<Option<Tensor<T>>>,
    pub(crate) grad_product: RefCell<Option<ProductGrad<T>>>,
    pub(crate) requires_grad: Cell<bool>,
    pub(crate) origin: RefCell<Origin<T>>,
}

impl<T: Element> Drop for Node<T> {
    /// Frees the graph behind this node without recursion: a chain of 100,000 ops would
    /// otherwise overflow the stack as each node's drop drops its inputs.
    fn drop(&mut self) {
        LIVE_NODES.with(|c| c.set(c.get() - 1));
        let mut stack = match self.origin.replace(Origin::Leaf) {
            Origin::Op(op) => op.inputs,
            _ => return,
        };
        while let Some(var) = stack.pop() {
            if let Ok(node) = Rc::try_unwrap(var.0) {
                if let Origin::Op(op) = node.origin.replace(Origin::Leaf) {
                    stack.extend(op.inputs);
                }
            }
        }
    }
}

/// A value in the graph: a [`Tensor`], whether it requires a gradient, its accumulated
/// gradient, and the operation that made it. Cloning a `Var` is cheap and shares the node.
///
/// Operations on `Var`s are recorded when grad mode is on and an input requires a gradient;
/// [`Var::backward`] then fills in the gradients of the leaves, like PyTorch's `Tensor`.
///
/// ```
/// use autograd::Var;
/// use tensor::Tensor;
/// // y = sum(w * x + b)
/// let w = Var::parameter(Tensor::from_vec(&[2], vec![2.0f64, -1.0])?);
/// let b = Var::parameter(Tensor::scalar(0.5f64));
/// let x = Var::constant(Tensor::from_vec(&[2], vec![3.0, 4.0])?);
/// let y = (&(&w * &x) + &b).sum_all();
/// assert_eq!(y.item()?, 3.0);
/// y.backward()?;
/// assert_eq!(w.grad().unwrap().to_vec(), vec![3.0, 4.0]);
/// assert_eq!(b.grad().unwrap().to_vec(), vec![2.0]); // b was broadcast over two elements
/// # Ok::<(), autograd::AutogradError>(())
/// ```
pub struct Var<T: Element = f32>(pub(crate) Rc<Node<T>>);

impl<T: Element> Clone for Var<T> {
    fn clone(&self) -> Self {
        Var(Rc::clone(&self.0))
    }
}

impl<T: Element> fmt::Debug for Var<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Var#{}({}, requires_grad={}) {:?}",
            self.id(),
            self.op_name().unwrap_or("leaf"),
            self.requires_grad(),
            self.0.value.borrow()
        )
    }
}

impl<T: Element> Var<T> {
    fn make(value: Tensor<T>, requires_grad: bool, origin: Origin<T>) -> Self {
        LIVE_NODES.with(|c| c.set(c.get() + 1));
        let id = NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id + 1);
            id
        });
        Var(Rc::new(Node {
            id,
            value: RefCell::new(value),
            version: Cell::new(0),
            grad: RefCell::new(None),
            grad_product: RefCell::new(None),
            requires_grad: Cell::new(requires_grad),
            origin: RefCell::new(origin),
        }))
    }

    /// A leaf that does not require a gradient: an input or a constant (PyTorch's
    /// `torch.tensor(...)`).
    pub fn constant(value: Tensor<T>) -> Self {
        Self::make(value, false, Origin::Leaf)
    }

    /// A leaf that requires a gradient: a trainable parameter (PyTorch's `nn.Parameter`).
    pub fn parameter(value: Tensor<T>) -> Self {
        Self::make(value, true, Origin::Leaf)
    }

    /// A leaf with the given `requires_grad` flag.
    pub fn new(value: Tensor<T>, requires_grad: bool) -> Self {
        Self::make(value, requires_grad, Origin::Leaf)
    }

    /// Records an operation's output. This is the one way ops enter the graph: the node is
    /// recorded only when grad mode is on and some input requires a gradient; otherwise the
    /// output is a constant leaf and the inputs are not kept alive.
    ///
    /// `backward` must not capture `Var`s (that would make reference cycles): it receives the
    /// inputs and the output through its [`BackwardCtx`].
    pub fn from_op(
        name: &'static str,
        value: Tensor<T>,
        inputs: &[&Var<T>],
        backward: impl Fn(&BackwardCtx<'_, T>) -> Result<Vec<Option<Var<T>>>> + 'static,
    ) -> Self {
        if is_grad_enabled() && inputs.iter().any(|v| v.requires_grad()) {
            Self::make(
                value,
                true,
                Origin::Op(OpRecord {
                    name,
                    inputs: inputs.iter().map(|&v| v.clone()).collect(),
                    backward: Box::new(backward),
                }),
            )
        } else {
            Self::constant(value)
        }
    }

    /// A unique id, increasing in creation order (inputs always have smaller ids than outputs).
    pub fn id(&self) -> u64 {
        self.0.id
    }

    /// The value, borrowed. Do not hold the borrow across a call that changes the value.
    pub fn value(&self) -> Ref<'_, Tensor<T>> {
        self.0.value.borrow()
    }

    /// The value, mutably borrowed: for in-place parameter updates (under [`no_grad`], as an
    /// optimizer does). Changing a value that a recorded graph still uses changes its gradients.
    ///
    /// # Panics
    /// If the value is borrowed elsewhere at the same time (a bug in the caller).
    pub fn value_mut(&self) -> RefMut<'_, Tensor<T>> {
        let value = self.0.value.borrow_mut();
        self.0.version.set(self.0.version.get() + 1);
        value
    }

    /// How many times the value was borrowed mutably ([`value_mut`](Var::value_mut)): how a
    /// gradient kept as a product notices that a factor changed under it.
    pub fn version(&self) -> u64 {
        self.0.version.get()
    }

    /// A copy of the value.
    pub fn to_tensor(&self) -> Tensor<T> {
        self.0.value.borrow().clone()
    }

    /// The value of a one-element `Var` (PyTorch's `item()`).
    pub fn item(&self) -> Result<T> {
        Ok(self.0.value.borrow().item()?)
    }

    /// The shape of the value.
    pub fn shape(&self) -> Vec<usize> {
        self.0.value.borrow().shape().to_vec()
    }

    /// The number of elements.
    pub fn numel(&self) -> usize {
        self.0.value.borrow().numel()
    }

    /// Whether gradients flow to this value.
    pub fn requires_grad(&self) -> bool {
        self.0.requires_grad.get()
    }

    /// Turns gradient tracking on or off for a leaf (PyTorch's `requires_grad_`).
    ///
    /// Errors on a value made by an operation.
    pub fn set_requires_grad(&self, requires_grad: bool) -> Result<()> {
        if let Some(op) = self.op_name() {
            return Err(AutogradError::NotLeaf { op });
        }
        self.0.requires_grad.set(requires_grad);
        Ok(())
    }

    /// Whether this value was made by the user rather than by a recorded op.
    pub fn is_leaf(&self) -> bool {
        matches!(*self.0.origin.borrow(), Origin::Leaf)
    }

    /// The name of the op that made this value (`None` for a leaf), even after its graph was
    /// freed.
    pub fn op_name(&self) -> Option<&'static str> {
        match &*self.0.origin.borrow() {
            Origin::Leaf => None,
            Origin::Op(op) => Some(op.name),
            Origin::Freed(name) => Some(name),
        }
    }

    /// A copy of the accumulated gradient, if a backward pass has reached this leaf.
    ///
    /// # Panics
    /// If the gradient is kept as a product (see [`grad_into`](Var::grad_into)) and one of its
    /// factors, the layer's input or output gradient, was changed in place since the backward
    /// pass (the gradient it stood for is lost).
    pub fn grad(&self) -> Option<Tensor<T>> {
        self.settle_grad();
        self.0.grad.borrow().clone()
    }

    /// The accumulated gradient, borrowed (no copy).
    ///
    /// # Panics
    /// If the gradient is kept as a product (see [`grad_into`](Var::grad_into)) and one of its
    /// factors, the layer's input or output gradient, was changed in place since the backward
    /// pass (the gradient it stood for is lost).
    pub fn grad_ref(&self) -> Ref<'_, Option<Tensor<T>>> {
        self.settle_grad();
        self.0.grad.borrow()
    }

    /// The accumulated gradient, mutably borrowed: for clipping or scaling in place.
    ///
    /// # Panics
    /// If the gradient is kept as a product (see [`grad_into`](Var::grad_into)) and one of its
    /// factors, the layer's input or output gradient, was changed in place since the backward
    /// pass (the gradient it stood for is lost).
    pub fn grad_mut(&self) -> RefMut<'_, Option<Tensor<T>>> {
        self.settle_grad();
        self.0.grad.borrow_mut()
    }

    /// Whether a backward pass has left a gradient here since the last
    /// [`zero_grad`](Var::zero_grad).
    pub fn has_grad(&self) -> bool {
        self.0.grad.borrow().is_some() || self.0.grad_product.borrow().is_some()
    }

    /// `dst = beta·dst + alpha·grad` without forming the gradient first, and `false` (with
    /// `dst` untouched) when there is no gradient: how optimizers read gradients.
    ///
    /// A linear layer's weight gradient `Gᵀ x` is kept as its two factors until it is read
    /// (see [`BackwardCtx::product_grad`]); here it goes straight into `dst` as one matrix
    /// product, so a plain SGD step `W -= lr·Gᵀ x` neither writes nor reads a weight-sized
    /// gradient. [`grad`](Var::grad), [`grad_ref`](Var::grad_ref) and
    /// [`grad_mut`](Var::grad_mut) multiply it out (once) when called.
    ///
    /// Errors when `dst` does not have the gradient's shape, or when a factor of a gradient kept
    /// as a product was changed in place ([`value_mut`](Var::value_mut)) since the backward
    /// pass.
    pub fn grad_into(&self, alpha: T, beta: T, dst: &mut Tensor<T>) -> Result<bool> {
        let Some(shape) = self.grad_shape() else {
            return Ok(false);
        };
        if dst.shape() != shape.as_slice() {
            return Err(AutogradError::GradShape {
                output: dst.shape().to_vec(),
                grad: shape,
            });
        }
        let mut beta = beta;
        if let Some(g) = self.0.grad.borrow().as_ref() {
            if beta != T::one() {
                dst.map_inplace(|d| beta * d);
            }
            dst.scaled_add(alpha, g)?;
            beta = T::one();
        }
        if let Some(p) = self.0.grad_product.borrow().as_ref() {
            p.gemm_into(alpha, beta, dst)?;
        }
        Ok(true)
    }

    /// The gradient's shape (without forming it), `None` when there is no gradient. It does
    /// not borrow the value, so it may be called while the value is borrowed mutably.
    pub fn grad_shape(&self) -> Option<Vec<usize>> {
        if let Some(g) = self.0.grad.borrow().as_ref() {
            return Some(g.shape().to_vec());
        }
        self.0.grad_product.borrow().as_ref().map(|p| {
            product_shape(p.a.value().shape(), p.ta, p.b.value().shape(), p.tb)
                .expect("a kept product's factors fit (checked when it was kept)")
                .to_vec()
        })
    }

    /// Multiplies out a gradient kept as a product, adding it to the dense part.
    fn settle_grad(&self) {
        let Some(p) = self.0.grad_product.borrow_mut().take() else {
            return;
        };
        let mut slot = self.0.grad.borrow_mut();
        let result = match slot.as_mut() {
            Some(g) => p.gemm_into(T::one(), T::one(), g),
            None => p.check_unchanged().and_then(|()| {
                p.a.value()
                    .matmul_t(p.ta, &p.b.value(), p.tb)
                    .map(|g| *slot = Some(g))
                    .map_err(AutogradError::from)
            }),
        };
        if let Err(e) = result {
            panic!("{e}");
        }
    }

    /// Stores a gradient kept as a product (the end of a backward pass), adding it to what is
    /// there.
    pub(crate) fn add_product_grad(&self, p: ProductGrad<T>) {
        self.settle_grad();
        *self.0.grad_product.borrow_mut() = Some(p);
    }

    /// Forgets the accumulated gradient (PyTorch's `zero_grad(set_to_none=True)`): the next
    /// backward stores its gradient instead of adding to it.
    pub fn zero_grad(&self) {
        *self.0.grad.borrow_mut() = None;
        *self.0.grad_product.borrow_mut() = None;
    }

    /// A new leaf with a copy of this value that does not require a gradient and has no history
    /// (PyTorch's `detach`, except that the value is copied rather than shared).
    pub fn detach(&self) -> Var<T> {
        Var::constant(self.to_tensor())
    }

    /// Whether two `Var`s are the same node.
    pub fn same_node(&self, other: &Var<T>) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    pub(crate) fn is_sole_owner(&self) -> bool {
        Rc::strong_count(&self.0) == 1
    }
}
