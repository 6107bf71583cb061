//! # nn-derive
//!
//! `#[derive(Module)]` for the `nn` crate, which re-exports it as `nn::Module` (beside the trait
//! of the same name, as serde does with `Serialize`): a model is its fields and its `forward`,
//! and the derive writes the rest of the `nn::Module` trait. Use it through `nn`; the documentation and
//! a full example are on the [`Module`](macro@Module) derive below and in `nn`'s crate docs.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{parse_macro_input, DeriveInput};

mod fields;

use fields::{Model, Role};

/// Implements `nn::Module` for a struct from its fields, like a PyTorch `nn.Module` whose
/// `__init__` assigns layers and parameters to attributes.
///
/// ```text
/// #[derive(Module)]
/// struct Net {
///     fc1: Linear,                 // a child: fc1.weight, fc1.bias
///     blocks: Vec<Block>,          // a list (PyTorch's ModuleList): blocks.0.fc.weight, ...
///     head: Option<Linear>,        // a child when present
///     #[param] scale: Var,         // a parameter held directly: scale
///     #[buffer] steps: Var,        // a buffer: saved and loaded, not trained
///     #[module(skip)] dropout_p: f32,
/// }
/// impl Net {
///     fn forward(&self, x: &Var) -> nn::Result<Var> { ... }
/// }
/// ```
///
/// What each field is:
/// - **unmarked**: a child module, under the field's name (a tuple struct's fields under their
///   positions). Its type must implement `Module<T>`: a layer, another derived model,
///   `Box<dyn Module<T>>`, `Vec<M>` (printed and named as PyTorch's `ModuleList`: `blocks.0`,
///   `blocks.1`, ...), or `Option<M>` (a child only when `Some`). A `PhantomData` is skipped.
///   An unmarked field of a type that cannot be a module (a number, `bool`, `String`, a
///   `Tensor`, a `Var`, a tuple, a reference) is a compile error that names the field and says
///   which mark to add; an unmarked field of another type that is not a module fails on the
///   `Module` bound at that field.
/// - `#[param]`: a trainable parameter held directly, `Var<T>` or `Option<Var<T>>`, listed by
///   `named_parameters` under the field's name.
/// - `#[buffer]`: state saved with the parameters but not trained (a running mean), `Var<T>` or
///   `Option<Var<T>>`, listed by `named_buffers`.
/// - `#[module(skip)]`: not part of the module (settings, hyper-parameters, caches).
/// - `#[module(training)]`: a `bool` that stores the training flag (see below).
///
/// What the derive implements:
/// - `named_children`: the child fields in declaration order; hence `named_parameters` and
///   `named_buffers`, which list the struct's own (`#[param]`, `#[buffer]`) first, then each
///   child's under its name (`fc1.weight`), to any depth: PyTorch's names in PyTorch's order.
/// - `set_training(b)` (PyTorch's `train()`/`eval()`): passed to every child, and stored in the
///   `#[module(training)]` field if there is one. `is_training()` reads that field; without
///   one it is true unless some child reports false. Layers without a training mode (`Linear`)
///   always report true, so a model whose `forward` reads `self.is_training()` and has no child
///   that stores the flag (dropout, batch norm) should have a `#[module(training)]` field.
/// - `describe()`: the struct's name (`Net`, or `Net()` when it has no children, as PyTorch
///   prints one), and `Debug` and `Display` as the module tree (`nn::module_tree`) that PyTorch
///   prints. Do not also derive or implement `Debug` or `Display` for the struct.
/// - `forward`: the trait's `forward(&self, &Var<T>) -> nn::Result<Var<T>>` calls the struct's
///   inherent method of that name and signature, which the user writes in an `impl` block (and
///   which, being inherent, is the one `net.forward(&x)` calls). Without one, compilation stops
///   with "multiple applicable items in scope" pointing at the derive, whose candidate #2 names
///   the fix. `#[module(forward = run)]` on the struct calls `run` instead.
///
/// The element type `T`: the struct's type parameter bounded by `Element` (or its only type
/// parameter), else `f32`; `#[module(element = f64)]` on the struct names it.
#[proc_macro_derive(Module, attributes(module, param, buffer))]
pub fn derive_module(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match fields::read(&input) {
        Ok(model) => expand(&model).into(),
        Err(e) => e.into_compile_error().into(),
    }
}

/// The `Module`, `Debug` and `Display` implementations for a read struct.
fn expand(model: &Model) -> TokenStream2 {
    let ident = &model.ident;
    let elem = &model.element;
    let mut generics = model.generics.clone();
    if let Some(param) = &model.element_param {
        generics
            .make_where_clause()
            .predicates
            .push(syn::parse_quote!(#param: ::nn::__derive::Element));
    }
    // Each child's type must be a module: stated once as a bound of the impls, at the field, so
    // that a field of another type is one error there (and a generic child type needs no bound
    // on the struct).
    for field in &model.fields {
        if let Role::Child { optional } = field.role {
            let ty = match optional {
                true => fields::option_inner(&field.ty).expect("an optional child is an Option"),
                false => &field.ty,
            };
            let span = field.ty.span();
            generics
                .make_where_clause()
                .predicates
                .push(syn::parse_quote_spanned!(span=> #ty: ::nn::Module<#elem>));
        }
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let module = quote!(::nn::Module<#elem>);
    let var = quote!(::nn::__derive::Var<#elem>);

    let mut children = Vec::new();
    let mut set_training = Vec::new();
    let mut params = Vec::new();
    let mut buffers = Vec::new();
    let mut training_field = None;
    for field in &model.fields {
        let member = &field.member;
        let name = &field.name;
        let span = field.ty.span();
        match field.role {
            Role::Child { optional: false } => {
                children.push(quote_spanned! {span=>
                    out.push((#name.to_string(), ::nn::__derive::module_field::<#elem, _>(&self.#member)));
                });
                set_training.push(quote! {
                    <_ as #module>::set_training(&mut self.#member, training);
                });
            }
            Role::Child { optional: true } => {
                children.push(quote_spanned! {span=>
                    if let ::core::option::Option::Some(m) = &self.#member {
                        out.push((#name.to_string(), ::nn::__derive::module_field::<#elem, _>(m)));
                    }
                });
                set_training.push(quote! {
                    if let ::core::option::Option::Some(m) = &mut self.#member {
                        <_ as #module>::set_training(m, training);
                    }
                });
            }
            Role::Param { optional } | Role::Buffer { optional } => {
                let push = match optional {
                    false => quote_spanned! {span=>
                        out.push((#name.to_string(), ::nn::__derive::var_field::<#elem>(&self.#member)));
                    },
                    true => quote_spanned! {span=>
                        if let ::core::option::Option::Some(v) = &self.#member {
                            out.push((#name.to_string(), ::nn::__derive::var_field::<#elem>(v)));
                        }
                    },
                };
                match field.role {
                    Role::Param { .. } => params.push(push),
                    _ => buffers.push(push),
                }
            }
            Role::Training => training_field = Some(member),
            Role::Skip => {}
        }
    }
    let (store_training, is_training) = match training_field {
        Some(member) => (quote!(self.#member = training;), quote!(self.#member)),
        None => (
            quote!(),
            quote! {
                <Self as #module>::named_children(self)
                    .iter()
                    .all(|(_, child)| child.is_training())
            },
        ),
    };
    let forward = forward_body(model);
    let name = ident.to_string();
    let leaf_name = format!("{name}()");

    quote! {
        #[automatically_derived]
        impl #impl_generics #module for #ident #ty_generics #where_clause {
            fn forward(&self, input: &#var) -> ::nn::Result<#var> {
                #forward
            }

            fn named_parameters(&self) -> ::std::vec::Vec<(::std::string::String, #var)> {
                let mut out = ::std::vec::Vec::new();
                #(#params)*
                out.extend(::nn::__derive::children_items(
                    <Self as #module>::named_children(self),
                    |child| child.named_parameters(),
                ));
                out
            }

            fn named_buffers(&self) -> ::std::vec::Vec<(::std::string::String, #var)> {
                let mut out = ::std::vec::Vec::new();
                #(#buffers)*
                out.extend(::nn::__derive::children_items(
                    <Self as #module>::named_children(self),
                    |child| child.named_buffers(),
                ));
                out
            }

            fn named_children(&self) -> ::std::vec::Vec<(::std::string::String, &dyn #module)> {
                let mut out: ::std::vec::Vec<(::std::string::String, &dyn #module)> =
                    ::std::vec::Vec::new();
                #(#children)*
                out
            }

            fn set_training(&mut self, training: bool) {
                #store_training
                #(#set_training)*
            }

            fn is_training(&self) -> bool {
                #is_training
            }

            fn describe(&self) -> ::std::string::String {
                match <Self as #module>::named_children(self).is_empty() {
                    true => #leaf_name.to_string(),
                    false => #name.to_string(),
                }
            }
        }

        #[automatically_derived]
        impl #impl_generics ::core::fmt::Debug for #ident #ty_generics #where_clause {
            /// The module tree, as PyTorch prints a module.
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(&::nn::module_tree::<#elem>(self))
            }
        }

        #[automatically_derived]
        impl #impl_generics ::core::fmt::Display for #ident #ty_generics #where_clause {
            /// The module tree, as PyTorch prints a module.
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(&::nn::module_tree::<#elem>(self))
            }
        }
    }
}

/// The trait's `forward`: a call of the inherent method.
///
/// `Self::forward` finds an inherent method before a trait's, so with the user's `forward` in
/// place the call is theirs. Without it the same path would find the trait method being
/// defined and recurse forever at run time; the guard trait below, in scope only here, makes
/// that case ambiguous instead (rustc's E0034, "multiple applicable items in scope"), and its
/// name, shown in the error's notes, says what to add.
fn forward_body(model: &Model) -> TokenStream2 {
    let method = &model.forward;
    let elem = &model.element;
    let guard = format_ident!(
        "{}_needs_an_inherent_fn_{}_taking_a_Var_and_returning_nn_Result",
        model.ident,
        method
    );
    if method != "forward" {
        // A trait method of another name cannot shadow a missing one: rustc's own error
        // ("no function or associated item named `run`") says it.
        return quote_spanned! {method.span()=> Self::#method(self, input) };
    }
    quote_spanned! {method.span()=>
        #[allow(non_camel_case_types, dead_code)]
        trait #guard {
            fn #method(&self, _: ::core::convert::Infallible) {}
        }
        impl<X: ?Sized> #guard for X {}
        #[allow(unused_imports)]
        use ::nn::Module as _;
        // Through a pointer of the trait's signature, so that a `forward` of another signature
        // is one error that shows both.
        let forward: fn(&Self, &::nn::__derive::Var<#elem>) -> ::nn::Result<::nn::__derive::Var<#elem>> =
            Self::#method;
        forward(self, input)
    }
}
