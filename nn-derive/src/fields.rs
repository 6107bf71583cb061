//! Reading the struct: its options (`#[module(element = .., forward = ..)]`) and what each field
//! is to the module, decided by the field's attributes and, for an unmarked field, by the shape
//! of its type (the macro sees no trait implementations, only syntax).

use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{
    Data, DeriveInput, Error, Fields, GenericArgument, Generics, Ident, Member, PathArguments,
    Result, Type, TypeParamBound, WherePredicate,
};

/// What a field is to the module.
pub(crate) enum Role {
    /// A child module; `optional` for `Option<M>` (a child when present).
    Child { optional: bool },
    /// A trainable parameter (`#[param]`): `Var<T>`, or `Option<Var<T>>` when `optional`.
    Param { optional: bool },
    /// A buffer (`#[buffer]`): `Var<T>`, or `Option<Var<T>>` when `optional`.
    Buffer { optional: bool },
    /// The stored training flag (`#[module(training)]`, a `bool`).
    Training,
    /// Not part of the module (`#[module(skip)]`, or a `PhantomData`).
    Skip,
}

/// One field of the struct.
pub(crate) struct Field {
    /// How the field is reached: `self.fc1` or `self.0`.
    pub member: Member,
    /// Its name in `named_children`/`named_parameters`: the field's name, or its position in a
    /// tuple struct.
    pub name: String,
    /// Its declared type (error spans point at it).
    pub ty: Type,
    /// What it is to the module.
    pub role: Role,
}

/// The struct, read.
pub(crate) struct Model {
    /// The struct's name (also the name `describe` and the module tree print).
    pub ident: Ident,
    /// The struct's generics.
    pub generics: Generics,
    /// The element type `T` of the `Module<T>` implemented.
    pub element: Type,
    /// The type parameter that is the element type, if one is: it gets an `Element` bound.
    pub element_param: Option<Ident>,
    /// The inherent method that the trait's `forward` calls.
    pub forward: Ident,
    /// The fields, in declaration order.
    pub fields: Vec<Field>,
}

/// Reads the struct, or says what is wrong with it.
pub(crate) fn read(input: &DeriveInput) -> Result<Model> {
    let data = match &input.data {
        Data::Struct(data) => data,
        Data::Enum(e) => {
            return Err(Error::new(
                e.enum_token.span,
                "#[derive(Module)] expects a struct whose fields are the model's layers and parameters, found an enum",
            ))
        }
        Data::Union(u) => {
            return Err(Error::new(
                u.union_token.span,
                "#[derive(Module)] expects a struct whose fields are the model's layers and parameters, found a union",
            ))
        }
    };
    let mut element = None;
    let mut forward = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("module")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("element") {
                element = Some(meta.value()?.parse::<Type>()?);
                Ok(())
            } else if meta.path.is_ident("forward") {
                forward = Some(meta.value()?.parse::<Ident>()?);
                Ok(())
            } else {
                Err(meta.error(format!(
                    "unknown option `{}` of `#[module(...)]` on a struct: expected `element = TYPE` (the element type, e.g. `f64`) or `forward = METHOD` (the inherent method that runs the model)",
                    meta.path.to_token_stream()
                )))
            }
        })?;
    }
    let (element, element_param) = element_type(&input.generics, element)?;
    let fields = match &data.fields {
        Fields::Named(f) => f.named.iter().collect::<Vec<_>>(),
        Fields::Unnamed(f) => f.unnamed.iter().collect(),
        Fields::Unit => Vec::new(),
    };
    let mut read_fields = Vec::new();
    for (index, field) in fields.into_iter().enumerate() {
        let (member, name) = match &field.ident {
            Some(ident) => (Member::Named(ident.clone()), ident.to_string()),
            None => (Member::Unnamed(index.into()), index.to_string()),
        };
        let role = role(field, &name)?;
        read_fields.push(Field {
            member,
            name,
            ty: field.ty.clone(),
            role,
        });
    }
    let training: Vec<&Field> = read_fields
        .iter()
        .filter(|f| matches!(f.role, Role::Training))
        .collect();
    if let [_, second, ..] = training[..] {
        return Err(Error::new(
            second.ty.span(),
            format!(
                "more than one field is marked `#[module(training)]` (`{}` and `{}`): the module has one training flag",
                training[0].name, second.name
            ),
        ));
    }
    Ok(Model {
        ident: input.ident.clone(),
        generics: input.generics.clone(),
        element,
        element_param,
        forward: forward.unwrap_or_else(|| Ident::new("forward", input.ident.span())),
        fields: read_fields,
    })
}

/// The element type: the one named by `#[module(element = ..)]`, else the type parameter bounded
/// by `Element` (or the only type parameter), else `f32` (nn's default).
fn element_type(generics: &Generics, explicit: Option<Type>) -> Result<(Type, Option<Ident>)> {
    if let Some(ty) = explicit {
        return Ok((ty, None));
    }
    let params: Vec<&Ident> = generics.type_params().map(|p| &p.ident).collect();
    if params.is_empty() {
        return Ok((syn::parse_quote!(f32), None));
    }
    let in_where = |param: &Ident| {
        generics
            .where_clause
            .iter()
            .flat_map(|w| &w.predicates)
            .any(|p| match p {
                WherePredicate::Type(pt) => {
                    path_ident(&pt.bounded_ty).is_some_and(|i| i == param)
                        && bounded_by_element(&pt.bounds)
                }
                _ => false,
            })
    };
    let chosen = generics
        .type_params()
        .find(|p| bounded_by_element(&p.bounds) || in_where(&p.ident))
        .map(|p| &p.ident)
        .or(match params[..] {
            [only] => Some(only),
            _ => None,
        });
    match chosen {
        Some(ident) => Ok((syn::parse_quote!(#ident), Some(ident.clone()))),
        None => Err(Error::new(
            generics.span(),
            "#[derive(Module)] cannot tell which type parameter is the element type (f32 or f64): bound it by `Element` (`T: Element`) or name it with `#[module(element = T)]` on the struct",
        )),
    }
}

/// Whether one of the bounds is `Element` (however the path to it is spelled).
fn bounded_by_element<'a>(bounds: impl IntoIterator<Item = &'a TypeParamBound>) -> bool {
    bounds.into_iter().any(|b| match b {
        TypeParamBound::Trait(t) => t.path.segments.last().is_some_and(|s| s.ident == "Element"),
        _ => false,
    })
}

/// The field's role, from its attributes or, when it has none, from its type.
fn role(field: &syn::Field, name: &str) -> Result<Role> {
    let mut marked: Vec<(Role, &'static str)> = Vec::new();
    for attr in &field.attrs {
        let path = attr.path();
        if path.is_ident("param") || path.is_ident("buffer") {
            attr.meta.require_path_only()?;
            let optional = option_inner(&field.ty).is_some();
            marked.push(match path.is_ident("param") {
                true => (Role::Param { optional }, "#[param]"),
                false => (Role::Buffer { optional }, "#[buffer]"),
            });
        } else if path.is_ident("module") {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("skip") {
                    marked.push((Role::Skip, "#[module(skip)]"));
                    Ok(())
                } else if meta.path.is_ident("training") {
                    marked.push((Role::Training, "#[module(training)]"));
                    Ok(())
                } else {
                    Err(meta.error(format!(
                        "unknown option `{}` of `#[module(...)]` on field `{name}`: expected `skip` (not part of the module) or `training` (the `bool` that stores the training flag)",
                        meta.path.to_token_stream()
                    )))
                }
            })?;
        }
    }
    match marked.len() {
        0 => unmarked_role(&field.ty, name),
        1 => {
            let (role, _) = marked.pop().expect("one mark");
            if matches!(role, Role::Training) && !is_named(&field.ty, &["bool"]) {
                return Err(Error::new(
                    field.ty.span(),
                    format!(
                        "field `{name}` is marked `#[module(training)]`, which stores the training flag: expected type `bool`, found `{}`",
                        type_text(&field.ty)
                    ),
                ));
            }
            Ok(role)
        }
        _ => Err(Error::new(
            field.ty.span(),
            format!(
                "field `{name}` is marked both `{}` and `{}`: choose one",
                marked[0].1, marked[1].1
            ),
        )),
    }
}

/// Primitive and text types: never modules, so an unmarked field of one is an error.
const PLAIN: &[&str] = &[
    "bool", "char", "str", "String", "f32", "f64", "i8", "i16", "i32", "i64", "i128", "isize",
    "u8", "u16", "u32", "u64", "u128", "usize",
];

/// An unmarked field is a child module, unless its type shows that it cannot be one.
fn unmarked_role(ty: &Type, name: &str) -> Result<Role> {
    if is_named(ty, &["PhantomData"]) {
        return Ok(Role::Skip);
    }
    let (optional, inner) = match option_inner(ty) {
        Some(inner) => (true, inner),
        None => (false, ty),
    };
    let found = type_text(ty);
    if is_named(inner, &["Var"]) {
        return Err(Error::new(
            ty.span(),
            format!(
                "field `{name}` holds a `Var` but is not marked: add `#[param]` if it is a trainable parameter, `#[buffer]` if it is state saved with the model but not trained (a running mean), or `#[module(skip)]` to leave it out of the module"
            ),
        ));
    }
    let innermost = element_of_containers(inner);
    if is_named(innermost, &["Tensor"]) {
        return Err(Error::new(
            ty.span(),
            format!(
                "field `{name}` of type `{found}` is not a module: hold a parameter or buffer as a `Var` marked `#[param]` or `#[buffer]`, or mark the field `#[module(skip)]`"
            ),
        ));
    }
    if is_named(ty, &["bool"]) {
        return Err(Error::new(
            ty.span(),
            format!(
                "field `{name}` of type `bool` is not a module: mark it `#[module(training)]` if it stores the training flag (set by `set_training`), else `#[module(skip)]`"
            ),
        ));
    }
    if is_named(innermost, PLAIN) {
        return Err(Error::new(
            ty.span(),
            format!(
                "field `{name}` of type `{found}` is not a module: mark it `#[module(skip)]` (a setting or hyper-parameter), or hold it as a `Var` marked `#[param]` if it is to be trained"
            ),
        ));
    }
    match strip_groups(inner) {
        Type::Path(p) if p.qself.is_none() => Ok(Role::Child { optional }),
        _ => Err(Error::new(
            ty.span(),
            format!(
                "field `{name}` of type `{found}` is not a module: a child is a module type (`Linear`, `Box<dyn Module>`, `Vec<M>` for a list, `Option<M>` for an optional one); mark anything else `#[module(skip)]`"
            ),
        )),
    }
}

/// `X` for `Option<X>` (also spelled `std::option::Option<X>`).
pub(crate) fn option_inner(ty: &Type) -> Option<&Type> {
    single_argument(ty, "Option")
}

/// The type inside `Option`, `Vec`, `Box`, arrays and slices, however deep.
fn element_of_containers(ty: &Type) -> &Type {
    match strip_groups(ty) {
        Type::Array(a) => element_of_containers(&a.elem),
        Type::Slice(s) => element_of_containers(&s.elem),
        t => match ["Option", "Vec", "Box"]
            .iter()
            .find_map(|name| single_argument(t, name))
        {
            Some(inner) => element_of_containers(inner),
            None => t,
        },
    }
}

/// `X` for `Name<X>`, matching `Name` by the path's last segment.
fn single_argument<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(p) = strip_groups(ty) else {
        return None;
    };
    let last = p.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(inner)) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// Whether the type is a path whose last segment is one of `names` (`Var`, `autograd::Var<T>`).
fn is_named(ty: &Type, names: &[&str]) -> bool {
    match strip_groups(ty) {
        Type::Path(p) if p.qself.is_none() => p
            .path
            .segments
            .last()
            .is_some_and(|s| names.iter().any(|n| s.ident == n)),
        Type::Reference(r) => is_named(&r.elem, names),
        _ => false,
    }
}

/// The identifier of a one-segment path type (`T`).
fn path_ident(ty: &Type) -> Option<&Ident> {
    match strip_groups(ty) {
        Type::Path(p) if p.qself.is_none() => p.path.get_ident(),
        _ => None,
    }
}

/// The type without parentheses or invisible groups (from `macro_rules!` expansions).
fn strip_groups(ty: &Type) -> &Type {
    match ty {
        Type::Paren(p) => strip_groups(&p.elem),
        Type::Group(g) => strip_groups(&g.elem),
        t => t,
    }
}

/// The type as a user writes it (`Vec<f32>`, not `Vec < f32 >`).
pub(crate) fn type_text(ty: &Type) -> String {
    let text = ty.to_token_stream().to_string();
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let drop_space = c == ' '
            && (matches!(next, Some('<' | '>' | ',' | ':' | ';' | ']' | ')'))
                || matches!(out.chars().last(), Some('<' | '&' | ':' | '[' | '(')));
        if !drop_space {
            out.push(c);
        }
    }
    out
}
