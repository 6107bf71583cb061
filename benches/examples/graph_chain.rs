//! A fixed amount of graph work for instruction counting (the criterion bench `graph` times
//! the same thing): `valgrind --tool=callgrind target/release/examples/graph_chain 200`
//! records and differentiates a 1,000-op chain that many times.

use autograd::{Tensor, Var};

fn main() {
    let reps: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let x = Var::parameter(Tensor::from_vec(&[4], vec![1.0f32, 2.0, 3.0, 4.0]).unwrap());
    for _ in 0..reps {
        let mut y = x.clone();
        for _ in 0..500 {
            y = y.mul_scalar(0.999).add_scalar(0.001);
        }
        x.zero_grad();
        y.sum_all().backward().unwrap();
    }
    println!("grad {:?}", x.grad().unwrap().to_vec());
}
