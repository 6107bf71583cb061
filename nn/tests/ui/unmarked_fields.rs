// A field the derive can see is not a module, left unmarked: the error names the field and
// the mark to add.
use autograd::{Tensor, Var};
use nn::{Linear, Module};

#[derive(Module)]
struct Hyper {
    fc: Linear,
    scale: f32,
}

#[derive(Module)]
struct Mode {
    fc: Linear,
    training: bool,
}

#[derive(Module)]
struct Forgotten {
    fc: Linear,
    w: Var,
}

#[derive(Module)]
struct Raw {
    table: Tensor<f32>,
}

#[derive(Module)]
struct Names {
    labels: Vec<String>,
}

#[derive(Module)]
struct Tuple {
    pair: (Linear, Linear),
}

fn main() {}
