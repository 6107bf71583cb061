//! Using `tensor` from outside the workspace: least-squares regression by gradient descent with
//! the gradient written by hand, no autograd. `cargo run --release -p tensor --example
//! manual_regression`
//!
//! For y ≈ X w + b over n rows, the mean squared error L = |X w + b - y|² / n has
//! ∂L/∂w = 2 Xᵀ r / n and ∂L/∂b = 2 Σ r / n, with residual r = X w + b - y.

use rand::{rngs::StdRng, SeedableRng};
use tensor::{Tensor, TensorError};

fn main() -> Result<(), TensorError> {
    let mut rng = StdRng::seed_from_u64(0);
    let (n, features) = (200, 3);
    let x = Tensor::<f64>::rand_normal(&[n, features], 0.0, 1.0, &mut rng)?;
    let true_w = Tensor::from_vec(&[features, 1], vec![2.0, -1.0, 0.5])?;
    let noise = Tensor::rand_normal(&[n, 1], 0.0, 0.01, &mut rng)?;
    let y = x.matmul(&true_w)?.add(&noise)?.add_scalar(3.0);

    let mut w = Tensor::<f64>::zeros(&[features, 1]);
    let mut b = 0.0;
    let lr = 0.1;
    for step in 0..=200 {
        let residual = x.matmul(&w)?.add_scalar(b).sub(&y)?;
        let loss = residual.sum_squares() / n as f64;
        // w -= lr · 2 Xᵀ r / n, without forming Xᵀ: the transpose is a flag of the product.
        let grad_w = x
            .matmul_t(true, &residual, false)?
            .mul_scalar(2.0 / n as f64);
        w.scaled_add(-lr, &grad_w)?;
        b -= lr * 2.0 * residual.sum_all() / n as f64;
        if step % 50 == 0 {
            println!("step {step:3}: loss {loss:.6}");
        }
    }
    println!(
        "w = {:?} (true [2, -1, 0.5]), b = {b:.4} (true 3)",
        w.to_vec()
    );
    Ok(())
}
