//! Using `autograd` from outside the workspace: a gradient, then a Hessian-vector product by
//! differentiating the gradient again (`create_graph`). `cargo run --release -p autograd
//! --example hessian_vector_product`
//!
//! For f(x) = Σ xᵢ³ + x₀x₁ the gradient is 3xᵢ² + (x₁, x₀, 0) and the Hessian-vector product
//! H v = 6 xᵢ vᵢ + (v₁, v₀, 0).

use autograd::{grad, AutogradError, Tensor, Var};

fn main() -> Result<(), AutogradError> {
    let x = Var::parameter(Tensor::from_vec(&[3], vec![1.0f64, 2.0, -1.0])?);
    let cube = x.mul(&x)?.mul(&x)?.sum_all();
    let x0 = x.narrow(0, 0, 1)?;
    let x1 = x.narrow(0, 1, 1)?;
    let f = cube.add(&x0.mul(&x1)?.sum_all())?;
    println!("f(x) = {}", f.item()?);

    // The gradient, recorded so that it can be differentiated again.
    let g = grad(&f, &[&x], true)?.remove(0);
    println!("∇f = {:?} (expected [5, 13, 3])", g.to_tensor().to_vec());

    // H v = ∇(∇f · v).
    let v = Var::constant(Tensor::from_vec(&[3], vec![1.0, 0.0, 1.0])?);
    let hv = grad(&g.mul(&v)?.sum_all(), &[&x], false)?.remove(0);
    println!("H v = {:?} (expected [6, 1, -6])", hv.to_tensor().to_vec());
    Ok(())
}
