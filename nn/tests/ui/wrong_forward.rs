// A `forward` whose signature is not the trait's.
use autograd::Var;
use nn::{Linear, Module};

#[derive(Module)]
struct Net {
    fc: Linear,
}

impl Net {
    fn forward(&self, x: &Var) -> Var {
        self.fc.forward(x).unwrap()
    }
}

fn main() {}
