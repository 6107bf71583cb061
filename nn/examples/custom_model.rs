//! Two moons, classified by a model of our own, as a PyTorch user writes it (its twin is
//! custom_model.py): the model is a struct of layers with `#[derive(Module)]` and a `forward`.
//!
//!     cargo run --release -p nn --example custom_model
use autograd::{no_grad, Tensor, Var};
use nn::{CrossEntropyLoss, Linear, Module};
use optim::{Optimizer, SgdConfig, SGD};
use rand::{rngs::StdRng, seq::index, Rng, SeedableRng};

fn two_moons(n: usize, noise: f32, rng: &mut StdRng) -> autograd::Result<(Tensor, Vec<usize>)> {
    let y: Vec<usize> = (0..n).map(|i| i % 2).collect();
    let mut x = Vec::new();
    for &label in &y {
        // moon 1 is moon 0 turned over (s = -1) and moved by (1, 0.5)
        let (t, m) = (rng.random::<f32>() * std::f32::consts::PI, label as f32);
        let s = 1.0 - 2.0 * m;
        x.extend([m + s * t.cos(), s * t.sin() + 0.5 * m]);
    }
    let noise = Tensor::rand_normal(&[n, 2], 0.0, noise, rng)?;
    Ok((Tensor::from_vec(&[n, 2], x)?.add(&noise)?, y))
}

#[derive(Module)]
struct Net {
    fc1: Linear,
    fc2: Linear,
}

impl Net {
    fn forward(&self, x: &Var) -> nn::Result<Var> {
        let h = self.fc1.forward(x)?;
        self.fc2.forward(&h.mul(&h.sigmoid())?) // swish
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = StdRng::seed_from_u64(0);
    let (x_train, y_train) = two_moons(1000, 0.1, &mut rng)?;
    let (x_test, y_test) = two_moons(500, 0.1, &mut rng)?;
    let (fc1, fc2) = (Linear::new(2, 16, &mut rng)?, Linear::new(16, 2, &mut rng)?);
    let mut model = Net { fc1, fc2 };
    println!("{model}");
    let config = SgdConfig {
        lr: 0.1,
        momentum: 0.9,
        ..Default::default()
    };
    let mut opt = SGD::new(model.parameters(), config)?;
    let loss_fn = CrossEntropyLoss::default();
    for epoch in 1..=30 {
        model.set_training(true);
        let mut total = 0.0;
        let perm = index::sample(&mut rng, y_train.len(), y_train.len()).into_vec();
        for idx in perm.chunks(32) {
            let labels: Vec<usize> = idx.iter().map(|&i| y_train[i]).collect();
            let x = Var::constant(x_train.select_rows(idx)?);
            let loss = loss_fn.forward(&model.forward(&x)?, &labels)?;
            opt.zero_grad();
            loss.backward()?;
            opt.step()?;
            total += loss.item()? * idx.len() as f32;
        }
        if epoch % 5 == 0 {
            println!("epoch {epoch:2}: loss {:.4}", total / y_train.len() as f32);
        }
    }
    model.set_training(false);
    let logits = no_grad(|| model.forward(&Var::constant(x_test)))?;
    let pred = logits.to_tensor().argmax_rows()?;
    let correct = pred.iter().zip(&y_test).filter(|(p, y)| p == y).count();
    println!("test accuracy {:.4}", correct as f32 / y_test.len() as f32);
    Ok(())
}
