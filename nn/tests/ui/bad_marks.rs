// Marks and options that cannot be right.
use autograd::Var;
use nn::{Linear, Module};

#[derive(Module)]
struct Both {
    #[param]
    #[module(skip)]
    w: Var,
}

#[derive(Module)]
struct Flag {
    fc: Linear,
    #[module(training)]
    training: u8,
}

#[derive(Module)]
struct Typo {
    #[module(skp)]
    fc: Linear,
}

#[derive(Module)]
#[module(elements = f64)]
struct StructTypo {
    fc: Linear,
}

#[derive(Module)]
struct TwoParams<A, B> {
    a: A,
    b: B,
}

#[derive(Module)]
enum NotAStruct {
    A(Linear),
}

fn main() {
}
