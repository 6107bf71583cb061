//! Lines `y = w x + b` fitted by SGD (`two-points-sgd`, `regression-sgd`): the loss of a line
//! over all the data, the least-squares line to compare with, and the path SGD takes over
//! `(w, b)`.

use crate::common::LabError;
use autograd::{Tensor, Var};
use nn::MSELoss;

/// One point of an SGD path over a line's two parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinePoint {
    /// Steps taken so far (0 is the start).
    pub step: usize,
    /// The slope after that step.
    pub w: f64,
    /// The intercept after that step.
    pub b: f64,
    /// The mean squared error over the whole data at `(w, b)`.
    pub loss: f64,
}

impl LinePoint {
    /// The point of the line `y = w x + b` after `step` steps, its loss over all of `x`, `y`.
    pub fn at(
        step: usize,
        w: &Var<f64>,
        b: &Var<f64>,
        x: &Tensor<f64>,
        y: &Tensor<f64>,
    ) -> Result<Self, LabError> {
        let (w, b) = (scalar(w), scalar(b));
        Ok(LinePoint {
            step,
            w,
            b,
            loss: line_loss(x, y, w, b)?,
        })
    }
}

/// The value of a one-element parameter, such as `w` or `b`.
pub fn scalar(v: &Var<f64>) -> f64 {
    v.value().to_vec()[0]
}

/// The mean squared error of the line `y = w x + b` on `x`, `y` (`[n, 1]` each), computed as the
/// labs train it (`x.mul(w)?.add(b)?` and `nn::MSELoss`); all constants, so no graph is
/// recorded.
pub fn line_loss(x: &Tensor<f64>, y: &Tensor<f64>, w: f64, b: f64) -> Result<f64, LabError> {
    let pred = Var::constant(x.clone())
        .mul(&Var::constant(Tensor::from_vec(&[1], vec![w])?))?
        .add(&Var::constant(Tensor::from_vec(&[1], vec![b])?))?;
    Ok(MSELoss::default()
        .forward(&pred, &Var::constant(y.clone()))?
        .item()?)
}

/// The least-squares line through `x`, `y` in closed form: `w = cov(x, y) / var(x)`,
/// `b = ȳ - w x̄`. Errors when all `x` are equal (no unique line).
pub fn least_squares(x: &Tensor<f64>, y: &Tensor<f64>) -> Result<(f64, f64), LabError> {
    let (xs, ys) = (x.to_vec(), y.to_vec());
    let n = xs.len() as f64;
    let mx = xs.iter().sum::<f64>() / n;
    let my = ys.iter().sum::<f64>() / n;
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    if sxx <= 0.0 {
        return Err("least squares: all x are equal, no unique line".into());
    }
    let w = sxy / sxx;
    Ok((w, my - w * mx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datasets::synthetic::noisy_line;

    #[test]
    fn least_squares_matches_a_known_fit_and_has_the_lowest_loss() {
        // Points on y = 2x - 1 exactly: the least-squares line is that line, at loss 0.
        let x = Tensor::from_vec(&[3, 1], vec![0.0, 1.0, 2.0]).unwrap();
        let y = Tensor::from_vec(&[3, 1], vec![-1.0, 1.0, 3.0]).unwrap();
        assert_eq!(least_squares(&x, &y).unwrap(), (2.0, -1.0));
        assert_eq!(line_loss(&x, &y, 2.0, -1.0).unwrap(), 0.0);
        // w = 1, b = 0 misses the three points by 1, 0 and 1: a mean squared error of 2/3.
        assert!((line_loss(&x, &y, 1.0, 0.0).unwrap() - 2.0 / 3.0).abs() < 1e-15);
        let same = Tensor::from_vec(&[2, 1], vec![1.0, 1.0]).unwrap();
        assert!(least_squares(&same, &same).is_err());
        let d = noisy_line::<f64>(50, 0.5, 1.0, 0.3, (-1.0, 1.0), 2).unwrap();
        let (w, b) = least_squares(&d.x, &d.y).unwrap();
        let best = line_loss(&d.x, &d.y, w, b).unwrap();
        for (dw, db) in [(1e-3, 0.0), (-1e-3, 0.0), (0.0, 1e-3), (0.0, -1e-3)] {
            assert!(line_loss(&d.x, &d.y, w + dw, b + db).unwrap() > best);
        }
    }

    #[test]
    fn a_line_point_reads_the_parameters_and_its_loss() {
        let x = Tensor::from_vec(&[2, 1], vec![0.0, 1.0]).unwrap();
        let y = Tensor::from_vec(&[2, 1], vec![1.0, 3.0]).unwrap();
        let w = Var::parameter(Tensor::from_vec(&[1], vec![2.0]).unwrap());
        let b = Var::parameter(Tensor::from_vec(&[1], vec![1.0]).unwrap());
        let p = LinePoint::at(7, &w, &b, &x, &y).unwrap();
        assert_eq!(
            p,
            LinePoint {
                step: 7,
                w: 2.0,
                b: 1.0,
                loss: 0.0
            }
        );
    }
}
