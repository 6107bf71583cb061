//! [`Var`]: a tensor that remembers the operation that made it, and the grad-mode switch.

use crate::{AutogradError, Result};
use std::cell::{Cell, Ref, RefCell, RefMut};
use std::fmt;
use std::panic::Location;
use std::rc::Rc;
use tensor::{Element, Tensor};

thread_local! {
    static NEXT_ID: Cell<u64> = const { Cell::new(0) };
    static LIVE_NODES: Cell<usize> = const { Cell::new(0) };
    static GRAD_ENABLED: Cell<bool> = const { Cell::new(true) };
    static ANOMALY_ENABLED: Cell<bool> = const { Cell::new(false) };
}

/// The number of graph nodes ([`Var`]s, leaves included) alive on this thread.
///
/// After a training step, once the loss and the batch are dropped, it falls back to the number
/// of parameters: the graph holds no reference cycles. Tests use it to prove there are no
/// leaks.
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

/// Runs `f` without recording the graph (PyTorch's `with torch.no_grad():`): evaluation and
/// parameter updates run without building nodes. Grad mode is restored afterwards, also when
/// `f` returns early or panics.
///
/// ```
/// use autograd::{no_grad, Var};
/// use tensor::Tensor;
/// let w = Var::parameter(Tensor::<f32>::ones(&[2]));
/// let y = no_grad(|| &w * 3.0);
/// assert!(!y.requires_grad());
/// assert!((&w * 3.0).requires_grad()); // recording again
/// ```
pub fn no_grad<R>(f: impl FnOnce() -> R) -> R {
    let _guard = no_grad_guard();
    f()
}

/// The guard form of [`no_grad`]: stops recording the graph on this thread until the guard is
/// dropped. Bind it to a name (`let _guard = no_grad_guard();`): `let _ = ...` drops it at once.
///
/// ```
/// use autograd::{no_grad_guard, Var};
/// use tensor::Tensor;
/// let w = Var::parameter(Tensor::<f32>::ones(&[2]));
/// let y = {
///     let _guard = no_grad_guard();
///     &w * 3.0
/// };
/// assert!(!y.requires_grad());
/// ```
pub fn no_grad_guard() -> GradModeGuard {
    set_grad_enabled(false)
}

/// Sets grad mode on this thread until the guard is dropped (PyTorch's
/// `torch.set_grad_enabled`).
pub fn set_grad_enabled(enabled: bool) -> GradModeGuard {
    let previous = GRAD_ENABLED.with(|g| g.replace(enabled));
    GradModeGuard { previous }
}

/// Whether anomaly mode is on on this thread (see [`detect_anomaly`]).
pub fn is_anomaly_enabled() -> bool {
    ANOMALY_ENABLED.with(Cell::get)
}

/// Restores the previous anomaly mode when dropped; made by [`detect_anomaly_guard`] and
/// [`set_detect_anomaly`].
#[must_use = "anomaly mode is restored when the guard is dropped"]
pub struct AnomalyModeGuard {
    previous: bool,
}

impl Drop for AnomalyModeGuard {
    fn drop(&mut self) {
        ANOMALY_ENABLED.with(|a| a.set(self.previous));
    }
}

/// Runs `f` in anomaly mode (PyTorch's `with torch.autograd.detect_anomaly():`) and returns
/// what it returns. While it runs, every op records the file, line and column of the code that
/// called it ([`Var::created_at`]), and every backward pass checks each gradient it computes
/// (as [`BackwardOptions::check_finite`](crate::BackwardOptions::check_finite) does): the
/// first op whose backward gives a NaN or an infinity fails the pass with an
/// [`AutogradError::NonFiniteGradient`] naming that op and where it was created. Anomaly mode
/// is restored afterwards, also when `f` returns early or panics.
///
/// Both halves need the mode: run the forward pass inside it to record where ops were made,
/// and the backward pass inside it to check. Off (the default), an op records no location and
/// a backward pass checks nothing.
///
/// The location is that of the nearest caller outside this crate: for an op called by a
/// layer of `nn` (`Linear::forward`), the line in that layer.
///
/// ```
/// use autograd::{detect_anomaly, Var};
/// use tensor::Tensor;
/// let x = Var::parameter(Tensor::from_vec(&[2], vec![0.0f64, 4.0])?);
/// // d sqrt(x)/dx = 1 / (2 sqrt x): infinite at 0
/// let (result, line) = detect_anomaly(|| (x.sqrt().sum_all().backward(), line!()));
/// let message = result.unwrap_err().to_string();
/// // "backward: `sqrt` (node #1, created at src/main.rs:6:44) produced a non-finite ..."
/// assert!(message.contains("`sqrt`"));
/// assert!(message.contains(&format!("created at {}:{line}:", file!())));
/// # Ok::<(), autograd::AutogradError>(())
/// ```
pub fn detect_anomaly<R>(f: impl FnOnce() -> R) -> R {
    let _guard = detect_anomaly_guard();
    f()
}

/// The guard form of [`detect_anomaly`]: anomaly mode on this thread until the guard is
/// dropped. Bind it to a name (`let _anomaly = detect_anomaly_guard();`): `let _ = ...` drops
/// it at once.
///
/// ```
/// use autograd::{detect_anomaly_guard, is_anomaly_enabled, Var};
/// use tensor::Tensor;
/// let x = Var::parameter(Tensor::from_vec(&[1], vec![0.0f64])?);
/// let err = {
///     let _anomaly = detect_anomaly_guard();
///     let y = x.sqrt();
///     assert!(y.created_at().is_some());
///     y.sum_all().backward().unwrap_err()
/// };
/// assert!(err.to_string().contains("`sqrt`"));
/// assert!(!is_anomaly_enabled());
/// assert!(x.sqrt().created_at().is_none()); // off again: nothing recorded
/// # Ok::<(), autograd::AutogradError>(())
/// ```
pub fn detect_anomaly_guard() -> AnomalyModeGuard {
    set_detect_anomaly(true)
}

/// Sets anomaly mode on this thread until the guard is dropped (PyTorch's
/// `torch.autograd.set_detect_anomaly`); see [`detect_anomaly`].
pub fn set_detect_anomaly(enabled: bool) -> AnomalyModeGuard {
    let previous = ANOMALY_ENABLED.with(|a| a.replace(enabled));
    AnomalyModeGuard { previous }
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
    /// `backward()` into `.grad`, not recorded, nothing captured).
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
    /// Nothing about the result differs from `a.matmul_t(ta, b, tb)`; what may differ is when
    /// the product is multiplied out. When input `i` is a leaf with exactly that shape (a
    /// weight) and the pass writes into `.grad` without recording, the leaf keeps the two
    /// factors (snapshots of their values: storage is shared and copied on write, so changing
    /// `a` or `b` afterwards cannot change them) and multiplies them out when the gradient is
    /// first read, or straight into an optimizer's update ([`Var::grad_into`]). A batch-1 step
    /// then neither writes nor re-reads a weight-sized gradient.
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
        if self.may_defer && input.is_leaf() {
            if let Some(p) = ProductGrad::new(a, ta, b, tb, input.value().shape()) {
                self.deferred.borrow_mut().push((i, p));
                return Ok(None);
            }
        }
        a.matmul_t(ta, b, tb).map(Some)
    }
}

/// A vector-Jacobian product: from the output's gradient, one gradient per input (`None` for an
/// input that needs none). The engine reduces each to its input's shape (undoing broadcasting)
/// and accumulates.
pub type BackwardFn<T> = Box<dyn Fn(&BackwardCtx<'_, T>) -> Result<Vec<Option<Var<T>>>>>;

/// Where an op was called from: recorded in anomaly mode only.
pub(crate) type Caller = Option<&'static Location<'static>>;

pub(crate) struct OpRecord<T: Element> {
    pub(crate) name: &'static str,
    pub(crate) inputs: Vec<Var<T>>,
    pub(crate) backward: BackwardFn<T>,
    /// The user's code that made the op, in anomaly mode; `None` otherwise.
    pub(crate) location: Caller,
}

pub(crate) enum Origin<T: Element> {
    /// Made by the user (a parameter, an input, a constant).
    Leaf,
    /// Made by an op whose inputs and backward rule are still held (inline: a box here was one
    /// more allocation per recorded op).
    Op(OpRecord<T>),
    /// Made by an op whose graph a backward pass has freed: its name and, in anomaly mode,
    /// where it was made.
    Freed(&'static str, Caller),
}

/// A weight gradient kept as the product `op(a) x op(b)` that makes it (for a linear layer,
/// `Gᵀ x`), not yet multiplied out. The factors are snapshots of values (shared storage, copied
/// when the value is next changed), so the product always stands for the gradient the backward
/// pass computed. See [`BackwardCtx::product_grad`].
pub(crate) struct ProductGrad<T: Element> {
    a: Rc<Tensor<T>>,
    ta: bool,
    b: Rc<Tensor<T>>,
    tb: bool,
}

impl<T: Element> ProductGrad<T> {
    /// The product of two 2-D factors, when it has exactly `shape`.
    fn new(a: &Var<T>, ta: bool, b: &Var<T>, tb: bool, shape: &[usize]) -> Option<Self> {
        let (a, b) = (a.snapshot(), b.snapshot());
        let (sa, sb) = (a.shape(), b.shape());
        let fits = sa.len() == 2
            && sb.len() == 2
            && sa[usize::from(!ta)] == sb[usize::from(tb)]
            && shape == [sa[usize::from(ta)], sb[usize::from(!tb)]];
        fits.then_some(ProductGrad { a, ta, b, tb })
    }

    /// `dst = beta·dst + alpha·op(a) x op(b)`; `dst` has the product's shape (checked when the
    /// product was kept, and by the callers against the leaf's gradient shape).
    fn gemm_into(&self, alpha: T, beta: T, dst: &mut Tensor<T>) {
        dst.gemm_t(alpha, &self.a, self.ta, &self.b, self.tb, beta)
            .expect("a kept product has its leaf's shape");
    }

    /// The product's shape, from the factors' (without borrowing the leaf's value).
    fn shape(&self) -> Vec<usize> {
        vec![
            self.a.shape()[usize::from(self.ta)],
            self.b.shape()[usize::from(!self.tb)],
        ]
    }

    fn multiply_out(&self) -> Tensor<T> {
        self.a
            .matmul_t(self.ta, &self.b, self.tb)
            .expect("a kept product's factors fit")
    }
}

/// A leaf's accumulated gradient: a dense tensor, plus at most one product not yet multiplied
/// out (the gradient is their sum). One slot per node.
pub(crate) struct GradSlot<T: Element> {
    dense: Option<Tensor<T>>,
    product: Option<ProductGrad<T>>,
}

impl<T: Element> GradSlot<T> {
    const EMPTY: Self = GradSlot {
        dense: None,
        product: None,
    };

    /// Multiplies out a kept product into the dense part.
    pub(crate) fn settle(&mut self) -> &mut Option<Tensor<T>> {
        if let Some(p) = self.product.take() {
            match self.dense.as_mut() {
                Some(g) => p.gemm_into(T::one(), T::one(), g),
                None => self.dense = Some(p.multiply_out()),
            }
        }
        &mut self.dense
    }

    /// Adds a dense gradient.
    pub(crate) fn add_dense(&mut self, g: Tensor<T>) -> Result<()> {
        match self.dense.as_mut() {
            Some(acc) => acc.add_assign(&g)?,
            None => self.dense = Some(g),
        }
        Ok(())
    }

    /// Adds a gradient kept as a product (at most one is kept; an earlier one is multiplied
    /// out first).
    pub(crate) fn add_product(&mut self, p: ProductGrad<T>) {
        self.settle();
        self.product = Some(p);
    }
}

pub(crate) struct Node<T: Element> {
    pub(crate) id: u64,
    /// Shared with snapshots (kept gradient factors, detached copies) until changed: copy on
    /// write.
    pub(crate) value: RefCell<Rc<Tensor<T>>>,
    pub(crate) grad: RefCell<GradSlot<T>>,
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
    /// What PyTorch prints: `tensor([1., 2.], requires_grad=True)` for a parameter,
    /// `tensor(3., grad_fn=<MulBackward>)` for the output of an op.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let suffix = match self.op_name() {
            Some(op) => format!("grad_fn=<{}Backward>", camel_case(op)),
            None if self.requires_grad() => "requires_grad=True".to_string(),
            None => String::new(),
        };
        f.write_str(&self.value().torch_repr(&suffix))
    }
}

/// `cross_entropy` -> `CrossEntropy`.
fn camel_case(name: &str) -> String {
    name.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|first| first.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

impl<T: Element> Var<T> {
    fn make(value: Tensor<T>, requires_grad: bool, origin: Origin<T>) -> Self {
        Self::make_shared(Rc::new(value), requires_grad, origin)
    }

    fn make_shared(value: Rc<Tensor<T>>, requires_grad: bool, origin: Origin<T>) -> Self {
        LIVE_NODES.with(|c| c.set(c.get() + 1));
        let id = NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id + 1);
            id
        });
        Var(Rc::new(Node {
            id,
            value: RefCell::new(value),
            grad: RefCell::new(GradSlot::EMPTY),
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
    ///
    /// In anomaly mode ([`detect_anomaly`]) the node also records where it was called from
    /// ([`Var::created_at`]); an op of your own built on `from_op` reports its own caller's line
    /// when it is marked `#[track_caller]` too.
    #[track_caller]
    pub fn from_op(
        name: &'static str,
        value: Tensor<T>,
        inputs: &[&Var<T>],
        backward: impl Fn(&BackwardCtx<'_, T>) -> Result<Vec<Option<Var<T>>>> + 'static,
    ) -> Self {
        if is_grad_enabled() && inputs.iter().any(|v| v.requires_grad()) {
            // Not `.then(Location::caller)`: called through a function pointer, it would give
            // the location inside `bool::then`.
            let location = if is_anomaly_enabled() {
                Some(Location::caller())
            } else {
                None
            };
            Self::make(
                value,
                true,
                Origin::Op(OpRecord {
                    name,
                    inputs: inputs.iter().map(|&v| v.clone()).collect(),
                    backward: Box::new(backward),
                    location,
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
        Ref::map(self.0.value.borrow(), |v| &**v)
    }

    /// The value, mutably borrowed: for in-place updates (parameter updates under [`no_grad`],
    /// as an optimizer does; refilling an input buffer between steps).
    ///
    /// Changing a value never changes a gradient already computed from it: where a backward
    /// pass kept a snapshot of this value, the value is copied first (copy on write). Changing
    /// a value that a recorded, not yet differentiated graph still uses changes what that
    /// graph's backward pass computes, as in PyTorch.
    ///
    /// # Panics
    /// If the value is borrowed elsewhere at the same time (a bug in the caller).
    pub fn value_mut(&self) -> RefMut<'_, Tensor<T>> {
        RefMut::map(self.0.value.borrow_mut(), Rc::make_mut)
    }

    /// The value's storage, shared: a snapshot that later changes to this `Var` do not reach.
    pub(crate) fn snapshot(&self) -> Rc<Tensor<T>> {
        Rc::clone(&self.0.value.borrow())
    }

    /// A copy of the value.
    pub fn to_tensor(&self) -> Tensor<T> {
        (**self.0.value.borrow()).clone()
    }

    /// The value of a one-element `Var` (PyTorch's `item()`).
    pub fn item(&self) -> Result<T> {
        Ok(self.value().item()?)
    }

    /// The shape of the value.
    pub fn shape(&self) -> Vec<usize> {
        self.value().shape().to_vec()
    }

    /// The number of elements.
    pub fn numel(&self) -> usize {
        self.value().numel()
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
            Origin::Freed(name, _) => Some(name),
        }
    }

    /// The values the op that made this one was called with, in the order it took them
    /// (PyTorch's `grad_fn.next_functions`, as values rather than functions): inputs that do
    /// not require a gradient (a batch, a target) included. Empty for a leaf, and for a value
    /// whose graph a backward pass has freed: pass
    /// [`retain_graph`](crate::BackwardOptions::retain_graph) to
    /// [`backward_opts`](Var::backward_opts) to walk a graph after differentiating it.
    ///
    /// ```
    /// use autograd::Var;
    /// use tensor::Tensor;
    /// let w = Var::parameter(Tensor::<f32>::ones(&[2]));
    /// let x = Var::constant(Tensor::ones(&[2]));
    /// let y = (&w * &x).sum_all();
    /// let mul = &y.inputs()[0];
    /// assert_eq!(mul.op_name(), Some("mul"));
    /// assert!(mul.inputs()[0].same_node(&w) && mul.inputs()[1].same_node(&x));
    /// assert!(w.inputs().is_empty());
    /// ```
    pub fn inputs(&self) -> Vec<Var<T>> {
        match &*self.0.origin.borrow() {
            Origin::Op(op) => op.inputs.clone(),
            Origin::Leaf | Origin::Freed(..) => Vec::new(),
        }
    }

    /// Where the op that made this value was called from (file, line, column), when it was
    /// made in anomaly mode ([`detect_anomaly`]); kept after a backward pass frees the graph.
    /// `None` for a leaf and for an op made outside anomaly mode.
    pub fn created_at(&self) -> Option<&'static Location<'static>> {
        match &*self.0.origin.borrow() {
            Origin::Op(op) => op.location,
            Origin::Freed(_, location) => *location,
            Origin::Leaf => None,
        }
    }

    /// A copy of the accumulated gradient, if a backward pass has reached this leaf (PyTorch's
    /// `x.grad`).
    pub fn grad(&self) -> Option<Tensor<T>> {
        self.grad_ref().clone()
    }

    /// The accumulated gradient, borrowed (no copy).
    pub fn grad_ref(&self) -> Ref<'_, Option<Tensor<T>>> {
        self.0.grad.borrow_mut().settle();
        Ref::map(self.0.grad.borrow(), |s| &s.dense)
    }

    /// The accumulated gradient, mutably borrowed: for clipping or scaling in place, or for
    /// setting a gradient by hand (PyTorch's `x.grad = ...`).
    pub fn grad_mut(&self) -> RefMut<'_, Option<Tensor<T>>> {
        RefMut::map(self.0.grad.borrow_mut(), GradSlot::settle)
    }

    /// Whether a backward pass has left a gradient here since the last
    /// [`zero_grad`](Var::zero_grad).
    pub fn has_grad(&self) -> bool {
        let slot = self.0.grad.borrow();
        slot.dense.is_some() || slot.product.is_some()
    }

    /// `dst = beta·dst + alpha·grad`, and `false` (with `dst` untouched) when there is no
    /// gradient: an optimizer's update in one pass, without a copy of the gradient. It gives
    /// what `dst.scaled_add(alpha, &grad().unwrap())` after scaling by `beta` gives, up to
    /// rounding.
    ///
    /// Errors when `dst` does not have the gradient's shape.
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
        let slot = self.0.grad.borrow();
        let mut beta = beta;
        if let Some(g) = slot.dense.as_ref() {
            if beta != T::one() {
                dst.map_inplace(|d| beta * d);
            }
            dst.scaled_add(alpha, g)?;
            beta = T::one();
        }
        if let Some(p) = slot.product.as_ref() {
            p.gemm_into(alpha, beta, dst);
        }
        Ok(true)
    }

    /// The gradient's shape (without forming it), `None` when there is no gradient. It does
    /// not borrow the value, so it may be called while the value is borrowed mutably.
    pub fn grad_shape(&self) -> Option<Vec<usize>> {
        let slot = self.0.grad.borrow();
        match (&slot.dense, &slot.product) {
            (Some(g), _) => Some(g.shape().to_vec()),
            (None, Some(p)) => Some(p.shape()),
            (None, None) => None,
        }
    }

    /// The gradient slot, for the engine to add to at the end of a backward pass.
    pub(crate) fn grad_slot(&self) -> RefMut<'_, GradSlot<T>> {
        self.0.grad.borrow_mut()
    }

    /// Forgets the accumulated gradient (PyTorch's `zero_grad(set_to_none=True)`): the next
    /// backward stores its gradient instead of adding to it.
    pub fn zero_grad(&self) {
        *self.0.grad.borrow_mut() = GradSlot::EMPTY;
    }

    /// A new leaf with this value that does not require a gradient and has no history
    /// (PyTorch's `detach`). The storage is shared until either side changes it, then copied:
    /// unlike PyTorch, an in-place change to one is not seen by the other.
    pub fn detach(&self) -> Var<T> {
        Self::make_shared(self.snapshot(), false, Origin::Leaf)
    }

    /// Whether two `Var`s are the same node.
    pub fn same_node(&self, other: &Var<T>) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    pub(crate) fn is_sole_owner(&self) -> bool {
        Rc::strong_count(&self.0) == 1
    }

    /// Takes the value out of a node nothing else holds (a pending gradient at the end of a
    /// pass), else copies it.
    pub(crate) fn into_tensor(self) -> Tensor<T> {
        match Rc::try_unwrap(self.0) {
            Ok(node) => {
                let value = node.value.replace(Rc::new(Tensor::zeros(&[])));
                Rc::try_unwrap(value).unwrap_or_else(|shared| (*shared).clone())
            }
            Err(shared) => (**shared.value.borrow()).clone(),
        }
    }
}
