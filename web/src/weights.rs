//! The weights search: a model with two weights, its loss surface, and the path SGD takes.

use crate::{check_range, check_res, grid, js, Error};
use autograd::{no_grad_guard, Tensor, Var};
use datasets::synthetic::{noisy_line, two_blobs};
use datasets::BatchSampler;
use nn::{BCELoss, MSELoss};
use optim::{Optimizer, SgdConfig, SGD};
use wasm_bindgen::prelude::*;

/// The most steps one `descend` call takes.
const MAX_STEPS: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// `y = w·x + b` on a noisy line, MSE; the weights are `(w, b)`.
    Line,
    /// `σ(w1·x1 + w2·x2)` (bias fixed at 0) on two blobs symmetric about the origin, BCE; the
    /// weights are `(w1, w2)`.
    Perceptron,
}

/// A two-weight model on its data (the `regression-sgd` and `classification-sgd` labs, the
/// perceptron with its bias fixed at 0), in `f64`.
#[wasm_bindgen]
pub struct WeightsLab {
    kind: Kind,
    /// `[n, 1]` for the line, `[n, 2]` for the perceptron.
    x: Tensor<f64>,
    /// `[n, 1]`: the line's `y`, or the perceptron's class (0 or 1).
    y: Tensor<f64>,
    optimum: [f64; 3],
    bounds: [f64; 4],
}

impl WeightsLab {
    /// The lab of `kind` (`line` or `perceptron`) on `points` points with the given noise
    /// (the line's noise in `y`, the blobs' standard deviation).
    pub fn build(kind: &str, points: usize, noise: f64, seed: u64) -> Result<Self, Error> {
        if !(2..=10_000).contains(&points) {
            return Err(format!("points: expected 2 to 10000, found {points}").into());
        }
        check_range("noise", noise, 0.0, 10.0, false)?;
        let (kind, x, y) = match kind {
            "line" => {
                let d = noisy_line::<f64>(points, 2.0, -1.0, noise, (-1.0, 3.0), seed)?;
                (Kind::Line, d.x, d.y)
            }
            "perceptron" => {
                // classification-sgd's layout, the centres closer (separation 1 rather than 2)
                // so the classes overlap and the loss has a lowest point at finite weights.
                let (cx, cy) = (1.0 / 1.25f64.sqrt(), 0.5 / 1.25f64.sqrt());
                let n = points.div_ceil(2);
                let d = two_blobs::<f64>(n, [(-cx, -cy), (cx, cy)], noise.max(1e-3), seed)?;
                (Kind::Perceptron, d.x, d.y)
            }
            other => {
                return Err(
                    format!("kind: expected \"line\" or \"perceptron\", found {other:?}").into(),
                )
            }
        };
        let mut lab = WeightsLab {
            kind,
            x,
            y,
            optimum: [0.0; 3],
            bounds: [0.0; 4],
        };
        lab.optimum = lab
            .find_optimum()
            .map_err(|e| format!("{e} (found noise {noise})"))?;
        let [w0, w1, _] = lab.optimum;
        let r = 3.0f64.max(1.5 * w0.abs().max(w1.abs()));
        lab.bounds = [w0 - r, w0 + r, w1 - r, w1 + r];
        Ok(lab)
    }

    fn columns(&self) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let (x, y) = (self.x.to_vec(), self.y.to_vec());
        match self.kind {
            Kind::Line => (x, vec![0.0; y.len()], y),
            Kind::Perceptron => (
                x.iter().step_by(2).copied().collect(),
                x.iter().skip(1).step_by(2).copied().collect(),
                y,
            ),
        }
    }

    /// The loss over all points at `(w0, w1)`, in closed form (the surface has many cells).
    fn loss_at(&self, cols: &(Vec<f64>, Vec<f64>, Vec<f64>), w0: f64, w1: f64) -> f64 {
        let (a, b, y) = cols;
        let n = y.len() as f64;
        match self.kind {
            Kind::Line => {
                let s: f64 = a
                    .iter()
                    .zip(y)
                    .map(|(x, y)| (w0 * x + w1 - y).powi(2))
                    .sum();
                s / n
            }
            Kind::Perceptron => {
                // BCE of σ(z): softplus(z) − y·z, computed without overflow.
                let s: f64 = a
                    .iter()
                    .zip(b)
                    .zip(y)
                    .map(|((x1, x2), y)| {
                        let z = w0 * x1 + w1 * x2;
                        z.max(0.0) + (-z.abs()).exp().ln_1p() - y * z
                    })
                    .sum();
                s / n
            }
        }
    }

    fn find_optimum(&self) -> Result<[f64; 3], Error> {
        let cols = self.columns();
        let (a, b, y) = &cols;
        let n = y.len() as f64;
        let (w0, w1) = match self.kind {
            Kind::Line => {
                // Least squares: w = cov(x, y) / var(x), b = ȳ − w x̄.
                let (mx, my) = (a.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
                let sxy: f64 = a.iter().zip(y).map(|(x, y)| (x - mx) * (y - my)).sum();
                let sxx: f64 = a.iter().map(|x| (x - mx).powi(2)).sum();
                if sxx == 0.0 {
                    return Err("the points all have the same x: no line fits best".into());
                }
                (sxy / sxx, my - sxy / sxx * mx)
            }
            Kind::Perceptron => {
                // Newton's method on the logistic loss (two weights: a 2x2 solve a step).
                let (mut w0, mut w1) = (0.0f64, 0.0f64);
                let mut converged = false;
                for _ in 0..100 {
                    let (mut g0, mut g1, mut h00, mut h01, mut h11) = (0.0, 0.0, 0.0, 0.0, 0.0);
                    for ((x1, x2), y) in a.iter().zip(b).zip(y) {
                        let p = 1.0 / (1.0 + (-(w0 * x1 + w1 * x2)).exp());
                        let (r, s) = (p - y, p * (1.0 - p));
                        (g0, g1) = (g0 + r * x1, g1 + r * x2);
                        (h00, h01, h11) = (h00 + s * x1 * x1, h01 + s * x1 * x2, h11 + s * x2 * x2);
                    }
                    let det = h00 * h11 - h01 * h01;
                    if det.abs() < 1e-12 {
                        break;
                    }
                    let (d0, d1) = ((h11 * g0 - h01 * g1) / det, (h00 * g1 - h01 * g0) / det);
                    (w0, w1) = (w0 - d0, w1 - d1);
                    if d0.hypot(d1) < 1e-10 {
                        // A Newton step this short is taken only next to a zero gradient.
                        converged = g0.hypot(g1) / n < 1e-6;
                        break;
                    }
                }
                if !(converged && w0.is_finite() && w1.is_finite()) || w0.hypot(w1) > 1e3 {
                    return Err("the two classes are separable: the loss has no lowest point at finite weights; raise the noise".into());
                }
                (w0, w1)
            }
        };
        Ok([w0, w1, self.loss_at(&cols, w0, w1)])
    }

    /// The loss over a `res × res` grid of `[w0min, w0max] × [w1min, w1max]`, row 0 at the top.
    pub fn loss_surface(&self, res: usize, window: [f64; 4]) -> Result<Vec<f32>, Error> {
        check_res(res)?;
        let [a, b, c, d] = window;
        if !(window.iter().all(|v| v.is_finite()) && a < b && c < d) {
            return Err(format!(
                "the window: expected finite w0min < w0max and w1min < w1max, found {window:?}"
            )
            .into());
        }
        let cols = self.columns();
        Ok(grid(res, window)
            .into_iter()
            .map(|(w0, w1)| self.loss_at(&cols, w0, w1) as f32)
            .collect())
    }

    /// The path `optim::SGD` takes from `(w0, w1)` through autograd: `steps + 1` triples
    /// `(w0, w1, loss over all points)`, the start first.
    pub fn sgd_path(
        &self,
        start: (f64, f64),
        lr: f64,
        batch_size: usize,
        steps: usize,
        seed: u64,
    ) -> Result<Vec<f64>, Error> {
        if !(start.0.is_finite() && start.1.is_finite()) {
            return Err(format!("the start: expected finite weights, found {start:?}").into());
        }
        if !(lr.is_finite() && lr > 0.0 && lr <= 100.0) {
            return Err(format!("lr: expected a learning rate in (0, 100], found {lr}").into());
        }
        if steps > MAX_STEPS {
            return Err(format!("steps: expected at most {MAX_STEPS}, found {steps}").into());
        }
        if batch_size == 0 {
            return Err("batchSize: expected at least 1 point per step, found 0".into());
        }
        let n = self.x.shape()[0];
        let sampler = BatchSampler::new(n, batch_size.min(n), true, seed, false)?;
        let (p, q) = match self.kind {
            Kind::Line => (
                Var::parameter(Tensor::from_vec(&[1], vec![start.0])?),
                Some(Var::parameter(Tensor::from_vec(&[1], vec![start.1])?)),
            ),
            Kind::Perceptron => (
                Var::parameter(Tensor::from_vec(&[2, 1], vec![start.0, start.1])?),
                None,
            ),
        };
        let params: Vec<Var<f64>> = std::iter::once(p.clone()).chain(q.clone()).collect();
        let mut sgd = SGD::new(params, SgdConfig::new(lr))?;
        let (mse, bce) = (MSELoss::default(), BCELoss::default());
        let loss_of = |x: &Tensor<f64>, y: &Tensor<f64>| -> Result<Var<f64>, Error> {
            let x = Var::constant(x.clone());
            let y = Var::constant(y.clone());
            Ok(match &q {
                Some(b) => mse.forward(&x.mul(&p)?.add(b)?, &y)?,
                None => bce.forward(&x.matmul(&p)?.sigmoid(), &y)?,
            })
        };
        let weights = || -> (f64, f64) {
            let v = p.value().to_vec();
            match &q {
                Some(b) => (v[0], b.value().to_vec()[0]),
                None => (v[0], v[1]),
            }
        };
        let record = |out: &mut Vec<f64>| -> Result<(), Error> {
            let _g = no_grad_guard();
            let (w0, w1) = weights();
            out.extend([w0, w1, loss_of(&self.x, &self.y)?.item()?]);
            Ok(())
        };
        let mut path = Vec::with_capacity(3 * (steps + 1));
        record(&mut path)?;
        let mut epoch = 0;
        let mut batches = sampler.epoch(epoch);
        for _ in 0..steps {
            let idx = match batches.next() {
                Some(idx) => idx,
                None => {
                    epoch += 1;
                    batches = sampler.epoch(epoch);
                    batches.next().expect("an epoch has a batch")
                }
            };
            let loss = loss_of(&self.x.select_rows(&idx)?, &self.y.select_rows(&idx)?)?;
            sgd.zero_grad();
            loss.backward()?;
            sgd.step()?;
            record(&mut path)?;
        }
        Ok(path)
    }
}

#[wasm_bindgen]
impl WeightsLab {
    /// A new lab: `kind` is `"line"` or `"perceptron"`; throws on a bad argument.
    #[wasm_bindgen(constructor)]
    pub fn new(kind: &str, points: usize, noise: f64, seed: u32) -> Result<WeightsLab, JsError> {
        WeightsLab::build(kind, points, noise, u64::from(seed)).map_err(js)
    }

    /// The two weights' names, comma-separated: `"w,b"` or `"w1,w2"`.
    #[wasm_bindgen(js_name = weightNames)]
    pub fn weight_names(&self) -> String {
        match self.kind {
            Kind::Line => "w,b".into(),
            Kind::Perceptron => "w1,w2".into(),
        }
    }

    /// A window `[w0min, w0max, w1min, w1max]` around the optimum.
    pub fn bounds(&self) -> Vec<f64> {
        self.bounds.to_vec()
    }

    /// The loss over all points on a `res × res` grid of the window, row 0 at the top
    /// (`w1 = w1max`), columns from `w0min` to `w0max`.
    pub fn surface(
        &self,
        res: usize,
        w0min: f64,
        w0max: f64,
        w1min: f64,
        w1max: f64,
    ) -> Result<Vec<f32>, JsError> {
        self.loss_surface(res, [w0min, w0max, w1min, w1max])
            .map_err(js)
    }

    /// `[w0, w1, loss]` at the lowest point: least squares in closed form for the line,
    /// Newton's method for the perceptron.
    pub fn optimum(&self) -> Vec<f64> {
        self.optimum.to_vec()
    }

    /// The path SGD takes from `(w0, w1)`: `steps + 1` triples `(w0, w1, loss)`.
    pub fn descend(
        &self,
        w0: f64,
        w1: f64,
        lr: f64,
        batch_size: usize,
        steps: usize,
        seed: u32,
    ) -> Result<Vec<f64>, JsError> {
        self.sgd_path((w0, w1), lr, batch_size, steps, u64::from(seed))
            .map_err(js)
    }

    /// The points: `(x, y)` pairs for the line, `(x1, x2)` for the perceptron.
    pub fn points(&self) -> Vec<f32> {
        let (x, y) = (self.x.to_vec(), self.y.to_vec());
        match self.kind {
            Kind::Line => x
                .iter()
                .zip(&y)
                .flat_map(|(&a, &b)| [a as f32, b as f32])
                .collect(),
            Kind::Perceptron => x.iter().map(|&v| v as f32).collect(),
        }
    }

    /// The perceptron's classes (0 or 1) in the order of the points; empty for the line.
    pub fn labels(&self) -> Vec<u32> {
        match self.kind {
            Kind::Line => Vec::new(),
            Kind::Perceptron => self.y.to_vec().iter().map(|&v| v as u32).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sgd_on_the_line_ends_at_least_squares_and_its_losses_match_the_surface() {
        let lab = WeightsLab::build("line", 100, 0.5, 7).unwrap();
        let [w, b, best] = lab.optimum;
        let path = lab.sgd_path((-3.0, 4.0), 0.1, 100, 2000, 1).unwrap();
        assert_eq!(path.len(), 3 * 2001);
        let end = &path[path.len() - 3..];
        assert!(
            (end[0] - w).abs() < 1e-3 && (end[1] - b).abs() < 1e-3,
            "{end:?} vs {w} {b}"
        );
        assert!((end[2] - best).abs() < 1e-6);
        // The path's first loss is the closed form's at the start.
        let cols = lab.columns();
        assert!((path[2] - lab.loss_at(&cols, -3.0, 4.0)).abs() < 1e-9);
        // The surface's lowest cell is next to the optimum.
        let res = 101;
        let s = lab.loss_surface(res, lab.bounds).unwrap();
        let k = (0..s.len()).min_by(|&i, &j| s[i].total_cmp(&s[j])).unwrap();
        let (r, c) = (k / res, k % res);
        let [a0, a1, b0, b1] = lab.bounds;
        let cw = a0 + (c as f64 + 0.5) / res as f64 * (a1 - a0);
        let cb = b1 - (r as f64 + 0.5) / res as f64 * (b1 - b0);
        assert!(
            (cw - w).abs() < 0.1 && (cb - b).abs() < 0.1,
            "{cw} {cb} vs {w} {b}"
        );
    }

    #[test]
    fn the_perceptron_descends_towards_its_newton_optimum() {
        let lab = WeightsLab::build("perceptron", 100, 0.6, 7).unwrap();
        let [w1, w2, best] = lab.optimum;
        assert!(w1 > 0.0 && w2 > 0.0, "{w1} {w2}");
        let path = lab.sgd_path((-2.0, 3.0), 1.0, 100, 3000, 1).unwrap();
        let end = &path[path.len() - 3..];
        assert!(end[2] - best < 1e-4, "{end:?} vs {best}");
        assert!(end[2] <= path[2]);
        assert_eq!(lab.labels().len(), 100);
        assert_eq!(lab.points().len(), 200);
    }

    #[test]
    fn bad_arguments_are_errors_that_name_them() {
        for (kind, points, noise, name) in [
            ("plane", 10, 0.1, "kind"),
            ("line", 1, 0.1, "points"),
            ("line", 10, -0.1, "noise"),
        ] {
            let err = WeightsLab::build(kind, points, noise, 0)
                .err()
                .unwrap()
                .to_string();
            assert!(err.contains(name), "{name}: {err}");
        }
        let err = WeightsLab::build("perceptron", 100, 0.0, 0)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("separable"), "{err}");
        let lab = WeightsLab::build("line", 10, 0.1, 0).unwrap();
        assert!(lab.sgd_path((0.0, 0.0), -1.0, 5, 3, 0).is_err());
        assert!(lab.sgd_path((f64::NAN, 0.0), 0.1, 5, 3, 0).is_err());
        assert!(lab.sgd_path((0.0, 0.0), 0.1, 0, 3, 0).is_err());
        assert!(lab.loss_surface(10, [1.0, 0.0, 0.0, 1.0]).is_err());
    }
}
