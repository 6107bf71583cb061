//! Two moons, classified by a model of our own, as a PyTorch user writes it (its twin is
//! custom_model.py): the model is a struct of layers with `#[derive(Module)]` and a `forward`.
//! Run it with `cargo run --release -p nn --example custom_model`.
use autograd::{no_grad, Var};
use datasets::{synthetic::two_moons, BatchSampler};
use nn::{CrossEntropyLoss, Linear, Module};
use optim::{Optimizer, SgdConfig, SGD};
use rand::{rngs::StdRng, SeedableRng};

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
    let (train, test) = (
        two_moons::<f32>(1000, 0.1, 0)?,
        two_moons::<f32>(500, 0.1, 1)?,
    );
    let loader = BatchSampler::new(train.len(), 32, true, 0, false)?;
    let mut rng = StdRng::seed_from_u64(0);
    let (fc1, fc2) = (Linear::new(2, 16, &mut rng)?, Linear::new(16, 2, &mut rng)?);
    let mut model = Net { fc1, fc2 };
    println!("{model}");
    let mut opt = SGD::new(model.parameters(), SgdConfig::new(0.1).momentum(0.9))?;
    let loss_fn = CrossEntropyLoss::default();
    for epoch in 1..=30 {
        model.set_training(true);
        let mut total = 0.0;
        for (x, labels) in train.batches(&loader, epoch)? {
            let loss = loss_fn.forward(&model.forward(&Var::constant(x))?, &labels)?;
            opt.zero_grad();
            loss.backward()?;
            opt.step()?;
            total += loss.item()? * labels.len() as f32;
        }
        if epoch % 5 == 0 {
            println!("epoch {epoch:2}: loss {:.4}", total / train.len() as f32);
        }
    }
    model.set_training(false);
    let logits = no_grad(|| model.forward(&Var::constant(test.x.clone())))?;
    let accuracy = logits.to_tensor().accuracy(&test.labels)?;
    println!("test accuracy {accuracy:.4}");
    Ok(())
}
