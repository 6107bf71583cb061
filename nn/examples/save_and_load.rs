//! Using `nn` from outside the workspace: build a small network, run it, save its parameters
//! as safetensors with PyTorch's names, and load them into a fresh copy. `cargo run --release -p
//! nn --example save_and_load`

use autograd::{Tensor, Var};
use nn::{Linear, LogSoftmax, Module, Sequential, Tanh};
use rand::{rngs::StdRng, SeedableRng};

fn build(seed: u64) -> Result<Sequential<f32>, nn::NnError> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut model = Sequential::new();
    model.push(Box::new(Linear::new(4, 8, &mut rng)?));
    model.push(Box::new(Tanh));
    model.push(Box::new(Linear::new(8, 3, &mut rng)?));
    model.push(Box::new(LogSoftmax::new(1)));
    Ok(model)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let model = build(0)?;
    println!(
        "{} with {} parameters:",
        model.describe(),
        model.num_parameters()
    );
    for (name, p) in model.named_parameters() {
        println!("  {name}: {:?}", p.shape());
    }
    let x = Var::constant(Tensor::from_vec(
        &[2, 4],
        vec![0.1f32, 0.2, 0.3, 0.4, -1.0, 0.0, 1.0, 2.0],
    )?);
    let before = model.forward(&x)?.to_tensor();

    let path = std::env::temp_dir().join(format!("nn-example-{}.safetensors", std::process::id()));
    nn::save_safetensors(&model, &path)?;
    let copy = build(1)?; // other initial weights
    nn::load_safetensors(&copy, &path)?;
    std::fs::remove_file(&path)?;
    let after = copy.forward(&x)?.to_tensor();
    assert_eq!(before.to_vec(), after.to_vec());
    println!(
        "saved, loaded into a fresh network: the same log-probabilities {:?}",
        after.to_vec()
    );
    Ok(())
}
