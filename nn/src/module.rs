//! The [`Module`] trait.

use crate::Result;
use autograd::{Element, Var};

/// A piece of a network: a function of its input with (possibly) trainable parameters
/// (PyTorch's `nn.Module`).
///
/// A model of your own implements it with `#[derive(Module)]` (see [the derive](macro@crate::Module)):
/// its fields are its layers and parameters, and you write its `forward`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a module: it does not implement `nn::Module<{T}>`",
    label = "not a `Module<{T}>`",
    note = "a field of a `#[derive(Module)]` struct is a child module unless marked: `#[param]` for a trainable `Var`, `#[buffer]` for a saved `Var`, `#[module(skip)]` for anything else"
)]
pub trait Module<T: Element = f32> {
    /// Runs the module on `input` (recording the graph when grad mode is on).
    fn forward(&self, input: &Var<T>) -> Result<Var<T>>;

    /// All trainable parameters with their PyTorch-style names (`weight`, `0.bias`, ...), in a
    /// stable order: the order of the layers, and within a layer `weight` before `bias`.
    ///
    /// The default gives the children's parameters under their names
    /// ([`named_children`](Module::named_children)); a module that holds parameters itself
    /// lists them here.
    fn named_parameters(&self) -> Vec<(String, Var<T>)> {
        prefixed(self.named_children(), |c| c.named_parameters())
    }

    /// State that is not trained but saved and loaded with the parameters (PyTorch's buffers:
    /// a batch norm's running mean and variance), named like parameters. Buffers do not require
    /// a gradient, and optimizers never see them. The default gives the children's buffers.
    fn named_buffers(&self) -> Vec<(String, Var<T>)> {
        prefixed(self.named_children(), |c| c.named_buffers())
    }

    /// The names (as [`named_buffers`](Module::named_buffers) gives them) of the buffers that
    /// hold whole numbers, such as a batch norm's `num_batches_tracked`: they are kept as `T`
    /// here but saved as `I64` scalars, as PyTorch stores them. The default gives the
    /// children's.
    fn integer_buffer_names(&self) -> Vec<String> {
        self.named_children()
            .into_iter()
            .flat_map(|(name, child)| {
                child
                    .integer_buffer_names()
                    .into_iter()
                    .map(move |n| format!("{name}.{n}"))
            })
            .collect()
    }

    /// The modules this one is made of, with their names (`0`, `fc1`, ...), for the module
    /// tree that `Debug` prints ([`module_tree`]) and for the defaults above. Leaf modules have
    /// none.
    fn named_children(&self) -> Vec<(String, &dyn Module<T>)> {
        Vec::new()
    }

    /// The trainable parameters in the order of [`named_parameters`](Module::named_parameters).
    fn parameters(&self) -> Vec<Var<T>> {
        self.named_parameters()
            .into_iter()
            .map(|(_, p)| p)
            .collect()
    }

    /// Forgets the accumulated gradients of all parameters.
    fn zero_grad(&self) {
        for p in self.parameters() {
            p.zero_grad();
        }
    }

    /// Switches between training and evaluation behaviour (PyTorch's `train()`/`eval()`).
    /// Layers whose behaviour does not differ ignore it; containers pass it on.
    fn set_training(&mut self, _training: bool) {}

    /// Whether the module is in training mode.
    fn is_training(&self) -> bool {
        true
    }

    /// A one-line description as PyTorch prints the module, e.g.
    /// `Linear(in_features=784, out_features=10, bias=True)`; for a module with children, its
    /// name alone (`Sequential`), which [`module_tree`] follows with the children.
    fn describe(&self) -> String;

    /// The number of trainable scalars: the elements of the parameters that require a
    /// gradient (frozen ones are not counted).
    fn num_parameters(&self) -> usize {
        self.parameters()
            .iter()
            .filter(|p| p.requires_grad())
            .map(|p| p.numel())
            .sum()
    }
}

/// The children's named items, each name prefixed by its child's (`0.weight`).
pub(crate) fn prefixed<'a, T: Element>(
    children: Vec<(String, &'a dyn Module<T>)>,
    items: impl Fn(&'a dyn Module<T>) -> Vec<(String, Var<T>)>,
) -> Vec<(String, Var<T>)> {
    children
        .into_iter()
        .flat_map(|(name, child)| {
            items(child)
                .into_iter()
                .map(move |(n, p)| (format!("{name}.{n}"), p))
        })
        .collect()
}

/// The module tree as PyTorch prints a module:
///
/// ```text
/// Sequential(
///   (0): Linear(in_features=784, out_features=256, bias=True)
///   (1): Sigmoid()
/// )
/// ```
///
/// Every module of this crate prints it as its `Debug` form, and so does `dyn Module`. As in
/// PyTorch, a `ModuleList` (a `Vec` of modules) prints a run of equal consecutive children once:
/// `(0-5): 6 x Block(...)`.
pub fn module_tree<T: Element>(module: &(impl Module<T> + ?Sized)) -> String {
    let children = module.named_children();
    if children.is_empty() {
        return module.describe();
    }
    let mut lines: Vec<(String, String)> = children
        .into_iter()
        .map(|(name, child)| (name, module_tree(child)))
        .collect();
    if module.describe() == "ModuleList" {
        lines = runs_collapsed(lines);
    }
    let mut out = format!("{}(\n", module.describe());
    for (name, tree) in lines {
        let tree = tree.replace('\n', "\n  ");
        out.push_str(&format!("  ({name}): {tree}\n"));
    }
    out.push(')');
    out
}

/// PyTorch's `ModuleList.__repr__`: consecutive children that print the same become one line,
/// `(first-last): count x tree`.
fn runs_collapsed(lines: Vec<(String, String)>) -> Vec<(String, String)> {
    // (first name, last name, tree, count)
    let mut runs: Vec<(String, String, String, usize)> = Vec::new();
    for (name, tree) in lines {
        match runs.last_mut() {
            Some((_, last, run_tree, count)) if *run_tree == tree => {
                *last = name;
                *count += 1;
            }
            _ => runs.push((name.clone(), name, tree, 1)),
        }
    }
    runs.into_iter()
        .map(|(first, last, tree, count)| match count {
            1 => (first, tree),
            _ => (format!("{first}-{last}"), format!("{count} x {tree}")),
        })
        .collect()
}

impl<T: Element> std::fmt::Debug for dyn Module<T> + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&module_tree(self))
    }
}

/// `Debug` as the module tree ([`module_tree`]) for the modules of this crate.
macro_rules! debug_as_module_tree {
    ($($ty:ident),*) => {
        $(impl<T: autograd::Element> std::fmt::Debug for crate::$ty<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&crate::module::module_tree(self))
            }
        })*
    };
}
pub(crate) use debug_as_module_tree;
