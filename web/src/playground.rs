//! The playground: an MLP on a 2-D dataset, trained live by SGD with momentum.

use crate::{check_range, check_res, grid, js, now_seconds, Error};
use autograd::{no_grad_guard, Tensor, Var};
use datasets::synthetic::{donuts, spiral, two_blobs, xor, Classification};
use datasets::BatchSampler;
use nn::{Activation, CrossEntropyLoss, Linear, Module};
use optim::{Optimizer, SgdConfig, SGD};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use wasm_bindgen::prelude::*;

/// The most points a dataset may have (the page's slider stops well below).
const MAX_POINTS: usize = 20_000;

/// What a [`Playground`] is made of: the data, the network and the optimizer's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaygroundConfig {
    /// `blobs`, `xor`, `three-donuts`, `six-donuts` or `spiral`.
    pub dataset: String,
    /// Points in all (train and test), at least 4.
    pub points: usize,
    /// The spread of the points, ≥ 0: the blobs' and XOR's standard deviation, the spiral's
    /// noise, and for the donuts a Gaussian jitter added to their rings.
    pub noise: f64,
    /// The share of the points used for training, in (0, 1].
    pub train_fraction: f64,
    /// Seeds the data, the split, the weights and the batches.
    pub seed: u64,
    /// Widths of the hidden layers (none: a linear classifier).
    pub hidden: Vec<usize>,
    /// The hidden layers' activation.
    pub activation: Activation,
    /// SGD's learning rate, > 0.
    pub lr: f64,
    /// Points per step; at least the training set's size means full batch.
    pub batch_size: usize,
    /// SGD's momentum, in [0, 1).
    pub momentum: f64,
}

/// An MLP `2 → hidden… → classes` with cross-entropy, trained on a 2-D dataset by
/// `optim::SGD` with momentum, in `f32`.
#[wasm_bindgen]
pub struct Playground {
    config: PlaygroundConfig,
    layers: Vec<Linear<f32>>,
    sgd: SGD<f32>,
    loss: CrossEntropyLoss,
    train: Classification<f32>,
    test: Classification<f32>,
    sampler: BatchSampler,
    /// The current epoch's batches not yet taken (last first), and the epoch.
    pending: Vec<Vec<usize>>,
    epoch: u64,
    steps: u64,
    /// train loss, test loss, train accuracy, test accuracy, from the last `evaluate`.
    metrics: [f64; 4],
    bounds: [f64; 4],
}

impl Playground {
    /// A playground of `config`, its weights initialised (PyTorch's defaults) from the seed.
    ///
    /// Errors name the setting and the value when one is out of range.
    pub fn build(config: PlaygroundConfig) -> Result<Self, Error> {
        if !(4..=MAX_POINTS).contains(&config.points) {
            return Err(format!(
                "points: expected 4 to {MAX_POINTS}, found {}",
                config.points
            )
            .into());
        }
        check_range("noise", config.noise, 0.0, 10.0, false)?;
        if !(config.train_fraction.is_finite()
            && config.train_fraction > 0.0
            && config.train_fraction <= 1.0)
        {
            return Err(format!(
                "trainFraction: expected a share in (0, 1], found {}",
                config.train_fraction
            )
            .into());
        }
        if config.hidden.len() > 8 || config.hidden.iter().any(|&w| !(1..=256).contains(&w)) {
            return Err(format!(
                "hidden: expected up to 8 layers of 1 to 256 neurons, found {:?}",
                config.hidden
            )
            .into());
        }
        let data = dataset(&config.dataset, config.points, config.noise, config.seed)?;
        let (train, test) = split(&data, config.train_fraction, config.seed)?;
        let mut rng = StdRng::seed_from_u64(config.seed ^ 0x5eed);
        let mut widths = vec![2];
        widths.extend(&config.hidden);
        widths.push(data.num_classes);
        let layers = widths
            .windows(2)
            .map(|w| Linear::new(w[0], w[1], &mut rng))
            .collect::<Result<Vec<_>, _>>()?;
        let sgd = Self::optimizer(&layers, config.lr, config.momentum)?;
        let sampler = Self::sampler(&train, config.batch_size, config.seed)?;
        let bounds = extent(&data);
        let mut p = Playground {
            config,
            layers,
            sgd,
            loss: CrossEntropyLoss::default(),
            train,
            test,
            sampler,
            pending: Vec::new(),
            epoch: 0,
            steps: 0,
            metrics: [f64::NAN; 4],
            bounds,
        };
        p.evaluate_metrics()?;
        Ok(p)
    }

    fn optimizer(layers: &[Linear<f32>], lr: f64, momentum: f64) -> Result<SGD<f32>, Error> {
        if !(lr.is_finite() && lr > 0.0 && lr <= 100.0) {
            return Err(format!("lr: expected a learning rate in (0, 100], found {lr}").into());
        }
        check_range("momentum", momentum, 0.0, 1.0, true)?;
        let params = layers.iter().flat_map(|l| l.parameters()).collect();
        Ok(SGD::new(params, SgdConfig::new(lr).momentum(momentum))?)
    }

    fn sampler(
        train: &Classification<f32>,
        batch_size: usize,
        seed: u64,
    ) -> Result<BatchSampler, Error> {
        if batch_size == 0 {
            return Err("batchSize: expected at least 1 point per step, found 0".into());
        }
        let batch = batch_size.min(train.len());
        Ok(BatchSampler::new(train.len(), batch, true, seed, false)?)
    }

    /// The logits of `x` (`[n, 2]`) and, when `keep`, each hidden layer's output.
    fn forward(&self, x: &Var<f32>, keep: bool) -> Result<(Var<f32>, Vec<Var<f32>>), Error> {
        let mut h = x.clone();
        let mut hidden = Vec::new();
        let last = self.layers.len() - 1;
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.forward(&h)?;
            if i < last {
                h = match self.config.activation {
                    Activation::Sigmoid => h.sigmoid(),
                    Activation::Tanh => h.tanh(),
                    Activation::Relu => h.relu(),
                };
                if keep {
                    hidden.push(h.clone());
                }
            }
        }
        Ok((h, hidden))
    }

    /// `n` optimizer steps on the next mini-batches; returns the last batch's loss.
    pub fn run_steps(&mut self, n: usize) -> Result<f64, Error> {
        let full = self.sampler.batch_size() >= self.train.len();
        let mut last = f64::NAN;
        for _ in 0..n {
            let (x, labels) = if full {
                (self.train.x.clone(), None)
            } else {
                if self.pending.is_empty() {
                    self.pending = self.sampler.epoch(self.epoch).collect();
                    self.pending.reverse();
                    self.epoch += 1;
                }
                let idx = self.pending.pop().expect("an epoch has a batch");
                let labels: Vec<usize> = idx.iter().map(|&i| self.train.labels[i]).collect();
                (self.train.x.select_rows(&idx)?, Some(labels))
            };
            let labels = labels.as_deref().unwrap_or(&self.train.labels);
            let (logits, _) = self.forward(&Var::constant(x), false)?;
            let loss = self.loss.forward(&logits, labels)?;
            self.sgd.zero_grad();
            loss.backward()?;
            self.sgd.step()?;
            self.steps += 1;
            last = f64::from(loss.item()?);
        }
        if !last.is_finite() && n > 0 {
            return Err(format!(
                "the loss became {last} after {} steps: lower the learning rate (lr {})",
                self.steps, self.config.lr
            )
            .into());
        }
        Ok(last)
    }

    /// Changes the learning rate, batch size and momentum, keeping the weights (a new momentum
    /// starts its buffer afresh, as a new optimizer would).
    pub fn set_hyper_params(
        &mut self,
        lr: f64,
        batch_size: usize,
        momentum: f64,
    ) -> Result<(), Error> {
        let sampler = Self::sampler(&self.train, batch_size, self.config.seed)?;
        if momentum != self.config.momentum {
            self.sgd = Self::optimizer(&self.layers, lr, momentum)?;
        } else {
            Self::optimizer(&self.layers, lr, momentum)?;
            self.sgd.set_lr(lr)?;
        }
        if sampler.batch_size() != self.sampler.batch_size() {
            self.sampler = sampler;
            self.pending.clear();
        }
        (self.config.lr, self.config.batch_size, self.config.momentum) = (lr, batch_size, momentum);
        Ok(())
    }

    fn evaluate_metrics(&mut self) -> Result<(), Error> {
        let _g = no_grad_guard();
        let mut m = [0.0; 4];
        for (k, set) in [&self.train, &self.test].into_iter().enumerate() {
            if set.is_empty() {
                (m[k], m[k + 2]) = (f64::NAN, f64::NAN);
                continue;
            }
            let (logits, _) = self.forward(&Var::constant(set.x.clone()), false)?;
            m[k] = f64::from(self.loss.forward(&logits, &set.labels)?.item()?);
            m[k + 2] = logits.value().accuracy(&set.labels)?;
        }
        self.metrics = m;
        Ok(())
    }

    /// Class probabilities over a `res × res` grid of [`Playground::bounds`] (see the JS
    /// `regions`).
    pub fn region_probabilities(&self, res: usize) -> Result<Vec<f32>, Error> {
        check_res(res)?;
        let _g = no_grad_guard();
        let (logits, _) = self.forward(&Var::constant(self.grid(res)?), false)?;
        let probs = logits.value().softmax(1)?.to_vec();
        Ok(probs)
    }

    /// Each hidden neuron's output over a `res × res` grid, neuron-major.
    pub fn neuron_outputs(&self, res: usize) -> Result<Vec<f32>, Error> {
        check_res(res)?;
        let _g = no_grad_guard();
        let (_, hidden) = self.forward(&Var::constant(self.grid(res)?), true)?;
        let mut out = Vec::with_capacity(res * res * self.config.hidden.iter().sum::<usize>());
        for h in hidden {
            let t = h.value().transpose(0, 1)?.to_vec();
            out.extend(t);
        }
        Ok(out)
    }

    fn grid(&self, res: usize) -> Result<Tensor<f32>, Error> {
        let cells = grid(res, self.bounds);
        let flat = cells
            .iter()
            .flat_map(|&(x, y)| [x as f32, y as f32])
            .collect();
        Ok(Tensor::from_vec(&[res * res, 2], flat)?)
    }

    /// The configuration it was built with (and the hyper-parameters set since).
    pub fn config(&self) -> &PlaygroundConfig {
        &self.config
    }
}

#[wasm_bindgen]
impl Playground {
    /// A new playground (see [`PlaygroundConfig`] for each argument); throws on a bad one.
    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(constructor)]
    pub fn new(
        dataset: &str,
        points: usize,
        noise: f64,
        train_fraction: f64,
        seed: u32,
        hidden: &[u32],
        activation: &str,
        lr: f64,
        batch_size: usize,
        momentum: f64,
    ) -> Result<Playground, JsError> {
        let activation = activation.parse::<Activation>().map_err(|e| js(e.into()))?;
        Playground::build(PlaygroundConfig {
            dataset: dataset.into(),
            points,
            noise,
            train_fraction,
            seed: u64::from(seed),
            hidden: hidden.iter().map(|&w| w as usize).collect(),
            activation,
            lr,
            batch_size,
            momentum,
        })
        .map_err(js)
    }

    /// `n` optimizer steps; returns the last batch's loss. Throws when the loss diverges.
    pub fn step(&mut self, n: usize) -> Result<f64, JsError> {
        self.run_steps(n).map_err(js)
    }

    /// New learning rate, batch size and momentum, keeping the weights.
    #[wasm_bindgen(js_name = setHyper)]
    pub fn set_hyper(&mut self, lr: f64, batch_size: usize, momentum: f64) -> Result<(), JsError> {
        self.set_hyper_params(lr, batch_size, momentum).map_err(js)
    }

    /// Recomputes the losses and accuracies on the whole train and test sets.
    pub fn evaluate(&mut self) -> Result<(), JsError> {
        self.evaluate_metrics().map_err(js)
    }

    /// The mean cross-entropy on the training set at the last [`Playground::evaluate`].
    #[wasm_bindgen(js_name = trainLoss)]
    pub fn train_loss(&self) -> f64 {
        self.metrics[0]
    }

    /// The mean cross-entropy on the test set (NaN when it is empty).
    #[wasm_bindgen(js_name = testLoss)]
    pub fn test_loss(&self) -> f64 {
        self.metrics[1]
    }

    /// The share of training points classified right.
    #[wasm_bindgen(js_name = trainAccuracy)]
    pub fn train_accuracy(&self) -> f64 {
        self.metrics[2]
    }

    /// The share of test points classified right (NaN when there are none).
    #[wasm_bindgen(js_name = testAccuracy)]
    pub fn test_accuracy(&self) -> f64 {
        self.metrics[3]
    }

    /// Optimizer steps taken since it was built.
    pub fn steps(&self) -> f64 {
        self.steps as f64
    }

    /// The number of classes.
    pub fn classes(&self) -> usize {
        self.train.num_classes
    }

    /// Training points.
    #[wasm_bindgen(js_name = trainCount)]
    pub fn train_count(&self) -> usize {
        self.train.len()
    }

    /// Test points.
    #[wasm_bindgen(js_name = testCount)]
    pub fn test_count(&self) -> usize {
        self.test.len()
    }

    /// `(x, y)` pairs, the training points first, then the test points.
    pub fn points(&self) -> Vec<f32> {
        let mut v = self.train.x.to_vec();
        v.extend(self.test.x.to_vec());
        v
    }

    /// The class of each point, in the order of [`Playground::points`].
    pub fn labels(&self) -> Vec<u32> {
        let all = self.train.labels.iter().chain(&self.test.labels);
        all.map(|&l| l as u32).collect()
    }

    /// The square the views draw: `[xmin, xmax, ymin, ymax]`.
    pub fn bounds(&self) -> Vec<f64> {
        self.bounds.to_vec()
    }

    /// Class probabilities at the centre of each cell of a `res × res` grid over the bounds,
    /// row 0 at the top, cell-major (`[(row·res + col)·classes + k]`).
    pub fn regions(&self, res: usize) -> Result<Vec<f32>, JsError> {
        self.region_probabilities(res).map_err(js)
    }

    /// The widths of the hidden layers.
    #[wasm_bindgen(js_name = hiddenSizes)]
    pub fn hidden_sizes(&self) -> Vec<u32> {
        self.config.hidden.iter().map(|&w| w as u32).collect()
    }

    /// Each hidden neuron's output over the grid of [`Playground::regions`], neuron-major
    /// (every cell of layer 0's neuron 0, then its neuron 1, ...), unscaled.
    #[wasm_bindgen(js_name = neuronMaps)]
    pub fn neuron_maps(&self, res: usize) -> Result<Vec<f32>, JsError> {
        self.neuron_outputs(res).map_err(js)
    }

    /// Seconds taken by `steps` full-batch steps of six donuts (1000 points, all for training)
    /// on a 2-16-16-6 tanh network, lr 0.1, momentum 0.9: the page's speed benchmark.
    pub fn benchmark(steps: usize) -> Result<f64, JsError> {
        benchmark_seconds(steps).map_err(js)
    }
}

/// [`Playground::benchmark`] for Rust callers.
pub fn benchmark_seconds(steps: usize) -> Result<f64, Error> {
    let mut p = Playground::build(PlaygroundConfig {
        dataset: "six-donuts".into(),
        points: 1000,
        noise: 0.0,
        train_fraction: 1.0,
        seed: 1,
        hidden: vec![16, 16],
        activation: Activation::Tanh,
        lr: 0.1,
        batch_size: 1000,
        momentum: 0.9,
    })?;
    p.run_steps(1)?;
    let start = now_seconds();
    p.run_steps(steps)?;
    Ok(now_seconds() - start)
}

/// `points` points of the named dataset.
fn dataset(name: &str, points: usize, noise: f64, seed: u64) -> Result<Classification<f32>, Error> {
    Ok(match name {
        "blobs" => two_blobs(
            points.div_ceil(2),
            [(-1.5, -1.5), (1.5, 1.5)],
            0.5 + 2.0 * noise,
            seed,
        )?,
        "xor" => xor(points.div_ceil(4), 0.2 + 2.0 * noise, seed)?,
        "three-donuts" | "six-donuts" => {
            let rings = if name == "six-donuts" { 6 } else { 3 };
            let mut d = donuts(rings, points.div_ceil(rings), seed)?;
            jitter(&mut d, noise, seed)?;
            d
        }
        "spiral" => spiral(points.div_ceil(2), 4.0 * noise, seed)?,
        other => {
            return Err(format!(
                "dataset: expected blobs, xor, three-donuts, six-donuts or spiral, found {other:?}"
            )
            .into())
        }
    })
}

/// Adds Gaussian noise of standard deviation `noise` to every coordinate.
fn jitter(d: &mut Classification<f32>, noise: f64, seed: u64) -> Result<(), Error> {
    if noise == 0.0 {
        return Ok(());
    }
    let mut rng = StdRng::seed_from_u64(seed ^ 0x0ddba11);
    let v =
        d.x.to_vec()
            .into_iter()
            .map(|c| {
                // Box–Muller: two uniforms, one normal.
                let (u, w): (f64, f64) = (rng.random_range(f64::EPSILON..1.0), rng.random());
                let z = (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * w).cos();
                c + (noise * z) as f32
            })
            .collect();
    d.x = Tensor::from_vec(d.x.shape(), v)?;
    Ok(())
}

/// A seeded split: `fraction` of the points (at least one) for training, the rest for testing.
fn split(
    d: &Classification<f32>,
    fraction: f64,
    seed: u64,
) -> Result<(Classification<f32>, Classification<f32>), Error> {
    let mut order: Vec<usize> = (0..d.len()).collect();
    order.shuffle(&mut StdRng::seed_from_u64(seed ^ 0x5b17));
    let n_train = ((d.len() as f64 * fraction).round() as usize).clamp(1, d.len());
    let part = |idx: &[usize]| -> Result<Classification<f32>, Error> {
        Ok(Classification {
            x: d.x.select_rows(idx)?,
            y: d.y.select_rows(idx)?,
            labels: idx.iter().map(|&i| d.labels[i]).collect(),
            num_classes: d.num_classes,
        })
    };
    let (a, b) = order.split_at(n_train);
    Ok((part(a)?, part(b)?))
}

/// A square around the data with a 10% margin: `[xmin, xmax, ymin, ymax]`.
fn extent(d: &Classification<f32>) -> [f64; 4] {
    let v = d.x.to_vec();
    let half = v
        .iter()
        .map(|c| f64::from(c.abs()))
        .fold(0.0f64, f64::max)
        .max(1e-3)
        * 1.1;
    [-half, half, -half, half]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dataset: &str) -> PlaygroundConfig {
        PlaygroundConfig {
            dataset: dataset.into(),
            points: 400,
            noise: 0.05,
            train_fraction: 0.5,
            seed: 3,
            hidden: vec![8, 8],
            activation: Activation::Tanh,
            lr: 0.1,
            batch_size: 20,
            momentum: 0.9,
        }
    }

    #[test]
    fn it_learns_xor_and_six_donuts() {
        let mut p = Playground::build(config("xor")).unwrap();
        p.run_steps(800).unwrap();
        p.evaluate_metrics().unwrap();
        assert!(p.test_accuracy() >= 0.95, "xor {:?}", p.metrics);
        let mut c = config("six-donuts");
        (c.points, c.hidden, c.batch_size, c.noise) = (1000, vec![16, 16], 1000, 0.0);
        let mut p = Playground::build(c).unwrap();
        p.run_steps(1500).unwrap();
        p.evaluate_metrics().unwrap();
        assert!(p.test_accuracy() >= 0.9, "six donuts {:?}", p.metrics);
    }

    #[test]
    fn views_have_the_promised_sizes_and_probabilities_sum_to_one() {
        let p = Playground::build(config("three-donuts")).unwrap();
        assert_eq!(p.classes(), 3);
        assert_eq!(p.train_count() + p.test_count(), 402);
        assert_eq!(p.points().len(), 2 * 402);
        assert_eq!(p.labels().len(), 402);
        let r = p.region_probabilities(10).unwrap();
        assert_eq!(r.len(), 10 * 10 * 3);
        for cell in r.chunks(3) {
            assert!((cell.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
        let maps = p.neuron_outputs(7).unwrap();
        assert_eq!(maps.len(), 7 * 7 * 16);
        assert!(maps.iter().all(|v| (-1.0..=1.0).contains(v)));
        // Neuron-major: the first map is the first neuron's output on the grid.
        let _g = no_grad_guard();
        let g = p.grid(7).unwrap();
        let h = p.layers[0].forward(&Var::constant(g)).unwrap().tanh();
        let first: Vec<f32> = (0..49).map(|i| h.value().to_vec()[i * 8]).collect();
        assert_eq!(&maps[..49], &first[..]);
    }

    #[test]
    fn bad_settings_are_errors_that_name_them() {
        let cases: Vec<(PlaygroundConfig, &str)> = vec![
            (config("moons"), "dataset"),
            (
                PlaygroundConfig {
                    points: 2,
                    ..config("xor")
                },
                "points",
            ),
            (
                PlaygroundConfig {
                    noise: -1.0,
                    ..config("xor")
                },
                "noise",
            ),
            (
                PlaygroundConfig {
                    train_fraction: 0.0,
                    ..config("xor")
                },
                "trainFraction",
            ),
            (
                PlaygroundConfig {
                    hidden: vec![0],
                    ..config("xor")
                },
                "hidden",
            ),
            (
                PlaygroundConfig {
                    lr: 0.0,
                    ..config("xor")
                },
                "lr",
            ),
            (
                PlaygroundConfig {
                    batch_size: 0,
                    ..config("xor")
                },
                "batchSize",
            ),
            (
                PlaygroundConfig {
                    momentum: 1.0,
                    ..config("xor")
                },
                "momentum",
            ),
        ];
        for (c, name) in cases {
            let err = Playground::build(c).err().expect("an error").to_string();
            assert!(err.contains(name), "{name}: {err}");
        }
        let mut p = Playground::build(config("spiral")).unwrap();
        assert!(p.set_hyper_params(f64::NAN, 10, 0.0).is_err());
        assert!(p.region_probabilities(0).is_err());
        p.set_hyper_params(0.05, 1000, 0.5).unwrap();
        p.run_steps(3).unwrap();
        assert_eq!(p.steps(), 3.0);
    }

    #[test]
    fn the_benchmark_runs() {
        let s = benchmark_seconds(50).unwrap();
        assert!(s > 0.0 && s.is_finite());
    }
}
