//! Using `optim` from outside the workspace: SGD with momentum and a cosine learning-rate
//! schedule, minimising the Rosenbrock function. `cargo run --release -p optim --example
//! sgd_with_schedule`

use autograd::{Tensor, Var};
use optim::{CosineAnnealingLR, LrSchedule, Optimizer, SgdConfig, SGD};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // f(x, y) = (1 - x)² + 100 (y - x²)², minimum 0 at (1, 1).
    let p = Var::parameter(Tensor::from_vec(&[2], vec![-1.0f64, 1.0])?);
    let base_lr = 1e-3;
    let mut opt = SGD::new(
        vec![p.clone()],
        SgdConfig {
            lr: base_lr,
            momentum: 0.9,
            ..Default::default()
        },
    )?;
    let schedule = CosineAnnealingLR {
        t_max: 20,
        eta_min: 1e-5,
    };
    for epoch in 0..20 {
        opt.set_lr(schedule.lr(base_lr, epoch))?;
        let mut loss = 0.0;
        for _ in 0..250 {
            let x = p.narrow(0, 0, 1)?;
            let y = p.narrow(0, 1, 1)?;
            let a = x.neg().add_scalar(1.0);
            let b = y.sub(&x.mul(&x)?)?;
            let f = a.mul(&a)?.add(&b.mul(&b)?.mul_scalar(100.0))?.sum_all();
            opt.zero_grad();
            f.backward()?;
            opt.step()?;
            loss = f.item()?;
        }
        if epoch % 5 == 4 {
            println!(
                "epoch {:2}: lr {:.2e}, f = {loss:.6}, (x, y) = {:?}",
                epoch + 1,
                opt.lr(),
                p.to_tensor().to_vec()
            );
        }
    }
    Ok(())
}
