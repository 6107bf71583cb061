// A field of a type that is not a module, and a #[param] that is not a Var: the errors point
// at the field.
use autograd::{Tensor, Var};
use nn::{Linear, Module};

struct Config {
    width: usize,
}

#[derive(Module)]
struct Net {
    fc: Linear,
    config: Config,
    #[param]
    w: Tensor<f32>,
}

impl Net {
    fn forward(&self, x: &Var) -> nn::Result<Var> {
        self.fc.forward(x)
    }
}

fn main() {}
