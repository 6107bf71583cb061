//! The linear softmax classifier of `mnist-linear --manual`, written with the `tensor` crate
//! alone: the forward pass, the gradient and the update by hand.

use crate::common::LabError;
use autograd::Tensor;
use rand::{rngs::StdRng, SeedableRng};

/// The linear classifier `softmax(x Wᵀ + b)` trained with the `tensor` crate alone: the
/// forward pass, the gradient of the mean negative log-likelihood and the SGD update written
/// out by hand.
///
/// With logits `z = x Wᵀ + b`, probabilities `p = softmax(z)` and one-hot labels `Y`, the
/// loss `L = -(1/n) Σᵢ log p[i, yᵢ]` has `∂L/∂z = (p - Y) / n`, so `∂L/∂W = (∂L/∂z)ᵀ x` and
/// `∂L/∂b = Σᵢ ∂L/∂z[i]`.
pub struct ManualLinear {
    /// The weight, `[classes, features]` (PyTorch's `nn.Linear` layout).
    pub w: Tensor<f32>,
    /// The bias, `[classes]`.
    pub b: Tensor<f32>,
}

impl ManualLinear {
    /// PyTorch's `nn.Linear` initialisation, drawn in the same order as [`nn::Linear::new`]
    /// (weight, then bias), so the same seed gives the same starting weights as the
    /// `autograd` version.
    ///
    /// Errors when `features` is zero (the bound `1/√features` is then not finite).
    pub fn new(features: usize, classes: usize, seed: u64) -> Result<Self, LabError> {
        let mut rng = StdRng::seed_from_u64(seed);
        let bound = 1.0 / (features as f64).sqrt();
        let (lo, hi) = (-bound as f32, bound as f32);
        let w = Tensor::rand_uniform(&[classes, features], lo, hi, &mut rng)?;
        let b = Tensor::rand_uniform(&[classes], lo, hi, &mut rng)?;
        Ok(ManualLinear { w, b })
    }

    /// The logits `x Wᵀ + b`.
    pub fn logits(&self, x: &Tensor<f32>) -> Result<Tensor<f32>, LabError> {
        let mut z = x.matmul_t(false, &self.w, true)?;
        z.add_assign(&self.b)?;
        Ok(z)
    }

    /// One SGD step on a batch; returns the batch's mean loss (before the update).
    pub fn step(&mut self, x: &Tensor<f32>, y: &[usize], lr: f32) -> Result<f64, LabError> {
        let n = y.len();
        let logp = self.logits(x)?.log_softmax(1)?;
        let mut d = logp.exp(); // p
        let mut loss = 0.0f64;
        {
            let mut dv = d.view_mut();
            for (i, &c) in y.iter().enumerate() {
                loss -= f64::from(logp.array()[[i, c]]);
                dv[[i, c]] -= 1.0;
            }
        }
        d.scale_inplace(1.0 / n as f32); // ∂L/∂z
        self.w.addmm_t(-lr, &d, true, x, false)?; // W -= lr (∂L/∂z)ᵀ x
        self.b.scaled_add(-lr, &d.sum_axis(0, false)?)?;
        Ok(loss / n as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::{Loop, TrainOptions};
    use autograd::{Reduction, Var};
    use datasets::Split;
    use nn::{Linear, Module};
    use optim::{Optimizer, SgdConfig, SGD};

    /// Random 4x4 "images" whose label is the brightest of their first ten pixels.
    fn random_split(n: usize, seed: u64) -> Split {
        let mut rng = StdRng::seed_from_u64(seed);
        let images = Tensor::<f32>::rand_uniform(&[n, 16], 0.0, 1.0, &mut rng).unwrap();
        let labels = (0..n)
            .map(|i| {
                let row = images.slice_rows(i..i + 1).unwrap().to_vec();
                (row.iter()
                    .take(10)
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .unwrap()
                    .0) as u8
            })
            .collect();
        Split {
            images,
            labels,
            rows: 4,
            cols: 4,
        }
    }

    #[test]
    fn by_hand_and_through_autograd_the_classifier_learns_the_same_weights() {
        let train = random_split(512, 1);
        let options = TrainOptions {
            epochs: 1,
            batch_size: 32,
            lr: 0.5,
            anneal: true,
            seed: 3,
            ..Default::default()
        };
        let mut manual = ManualLinear::new(16, 10, 3).unwrap();
        Loop::new(&options, train.len())
            .run(&mut manual, |model, batch, lr| {
                let (x, y) = train.batch(batch)?;
                model.step(&x, &y, lr as f32)
            })
            .unwrap();

        let auto = Linear::<f32>::new(16, 10, &mut StdRng::seed_from_u64(3)).unwrap();
        let mut sgd = SGD::new(auto.parameters(), SgdConfig::default()).unwrap();
        Loop::new(&options, train.len())
            .run(&mut sgd, |sgd, batch, lr| {
                let (x, y) = train.batch(batch)?;
                let loss = auto
                    .forward(&Var::constant(x))?
                    .cross_entropy(&y, Reduction::Mean)?;
                sgd.set_lr(lr)?;
                sgd.zero_grad();
                loss.backward()?;
                sgd.step()?;
                Ok(f64::from(loss.item()?))
            })
            .unwrap();

        let largest_gap =
            |a: &Tensor<f32>, b: &Tensor<f32>| a.sub(b).unwrap().abs().max_all().unwrap();
        let dw = largest_gap(&manual.w, &auto.weight.to_tensor());
        let db = largest_gap(&manual.b, &auto.bias.as_ref().unwrap().to_tensor());
        assert!(
            dw < 1e-4 && db < 1e-4,
            "weights differ by {dw}, biases by {db}"
        );
        // And training moved them: they are not equal merely because nothing happened.
        let init = ManualLinear::new(16, 10, 3).unwrap();
        assert!(largest_gap(&manual.w, &init.w) > 1e-2);
    }
}
