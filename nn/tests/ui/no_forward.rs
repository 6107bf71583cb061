// A model without its own `forward`: the error names the missing method.
use nn::{Linear, Module};

#[derive(Module)]
struct Net {
    fc: Linear,
}

fn main() {}
