//! What the code written by `#[derive(Module)]` (the `nn-derive` crate) calls. Not for use by
//! hand: the names here may change with the macro.

use crate::Module;
pub use autograd::{Element, Var};

/// A child field as a `&dyn Module`. A function rather than a cast so that a field whose type
/// is not a module fails on this bound, at the field.
pub fn module_field<T: Element, M: Module<T>>(module: &M) -> &dyn Module<T> {
    module
}

/// A `#[param]` or `#[buffer]` field's `Var` (a function so that a field of another type fails
/// with the expected type, at the field).
pub fn var_field<T: Element>(var: &Var<T>) -> Var<T> {
    var.clone()
}

/// The children's named items (parameters or buffers), each under its child's name.
pub fn children_items<'a, T: Element>(
    children: Vec<(String, &'a dyn Module<T>)>,
    items: impl Fn(&'a dyn Module<T>) -> Vec<(String, Var<T>)>,
) -> Vec<(String, Var<T>)> {
    crate::module::prefixed(children, items)
}
