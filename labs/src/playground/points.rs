//! Classifiers of 2-D points (`classification-sgd`, `xor-mlp`, the donut labs): what a trained
//! network predicts, how often it is right, and the loss surface of the perceptron.
//!
//! A network with one output is read as the probability of class 1 (a `Sigmoid` head, trained
//! with `nn::BCELoss`); one with more outputs as one score per class (a `LogSoftmax` head,
//! trained with `nn::NLLLoss`), the largest being the prediction.

use crate::common::LabError;
use autograd::{no_grad, Tensor, Var};
use datasets::synthetic::Classification;
use nn::{BCELoss, Linear, Module, Sigmoid};

/// The network's output for points `x` `[n, 2]`, without recording a graph: `[n, 1]`
/// probabilities of class 1, or `[n, classes]` scores.
pub fn outputs(model: &dyn Module<f64>, x: &Tensor<f64>) -> Result<Tensor<f64>, LabError> {
    Ok(no_grad(|| model.forward(&Var::constant(x.clone())))?.to_tensor())
}

/// The predicted class of each point of `x` `[n, 2]`: probability above ½ for one output, the
/// largest score for several.
pub fn predict(model: &dyn Module<f64>, x: &Tensor<f64>) -> Result<Vec<usize>, LabError> {
    let out = outputs(model, x)?;
    Ok(if out.shape()[1] == 1 {
        out.to_vec()
            .into_iter()
            .map(|p| usize::from(p > 0.5))
            .collect()
    } else {
        out.argmax_rows()?
    })
}

/// The fraction of `data` that `model` classifies right.
pub fn accuracy(model: &dyn Module<f64>, data: &Classification<f64>) -> Result<f64, LabError> {
    let pred = predict(model, &data.x)?;
    let right = pred
        .iter()
        .zip(&data.labels)
        .filter(|(p, l)| p == l)
        .count();
    Ok(right as f64 / data.len() as f64)
}

/// The class labels of the points `batch` of `data`, for `nn::NLLLoss`.
pub fn labels(data: &Classification<f64>, batch: &[usize]) -> Vec<usize> {
    batch.iter().map(|&i| data.labels[i]).collect()
}

/// The binary cross-entropy over all of `data` of the perceptron `Sigmoid(w · x + b)` with the
/// given weights (the same `nn` modules the training uses, on constants, so no graph is
/// recorded): one point of the weights-search surface of `classification-sgd`.
pub fn perceptron_loss(data: &Classification<f64>, w: (f64, f64), b: f64) -> Result<f64, LabError> {
    let layer = Linear::from_parameters(
        Var::constant(Tensor::from_vec(&[1, 2], vec![w.0, w.1])?),
        Some(Var::constant(Tensor::from_vec(&[1], vec![b])?)),
    )?;
    let p = Sigmoid.forward(&layer.forward(&Var::constant(data.x.clone()))?)?;
    Ok(BCELoss::default()
        .forward(&p, &Var::constant(data.y.clone()))?
        .item()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datasets::synthetic::two_blobs;
    use nn::{LogSoftmax, Sequential};

    #[test]
    fn one_output_is_a_probability_several_are_scores() {
        let x = Tensor::from_vec(&[3, 2], vec![-1.0, 0.0, 0.0, 0.0, 1.0, 0.0]).unwrap();
        // Sigmoid(2 x1): below, at and above ½.
        let layer = Linear::from_parameters(
            Var::parameter(Tensor::from_vec(&[1, 2], vec![2.0, 0.0]).unwrap()),
            Some(Var::parameter(Tensor::zeros(&[1]))),
        )
        .unwrap();
        let binary = Sequential::new().add(layer).add(Sigmoid);
        assert_eq!(predict(&binary, &x).unwrap(), vec![0, 0, 1]);
        // Three scores (x1, 0, -x1): the largest is class 2, then a tie (first wins), then 0.
        let layer = Linear::from_parameters(
            Var::parameter(Tensor::from_vec(&[3, 2], vec![1.0, 0.0, 0.0, 0.0, -1.0, 0.0]).unwrap()),
            None,
        )
        .unwrap();
        let three = Sequential::new().add(layer).add(LogSoftmax::new(1));
        assert_eq!(predict(&three, &x).unwrap(), vec![2, 0, 0]);
    }

    #[test]
    fn the_perceptron_surface_is_the_models_own_loss() {
        let blobs = two_blobs::<f64>(30, [(-2.0, 0.0), (2.0, 0.0)], 0.5, 5).unwrap();
        let (w, b) = ((1.5, -0.25), 0.125);
        let layer = Linear::from_parameters(
            Var::parameter(Tensor::from_vec(&[1, 2], vec![w.0, w.1]).unwrap()),
            Some(Var::parameter(Tensor::from_vec(&[1], vec![b]).unwrap())),
        )
        .unwrap();
        let model = Sequential::new().add(layer).add(Sigmoid);
        let all: Vec<usize> = (0..blobs.len()).collect();
        let direct = BCELoss::default()
            .forward(
                &model
                    .forward(&Var::constant(blobs.x.select_rows(&all).unwrap()))
                    .unwrap(),
                &Var::constant(blobs.y.clone()),
            )
            .unwrap()
            .item()
            .unwrap();
        let surface = perceptron_loss(&blobs, w, b).unwrap();
        assert!((direct - surface).abs() < 1e-12, "{direct} vs {surface}");
        assert_eq!(accuracy(&model, &blobs).unwrap(), 1.0);
        assert_eq!(
            labels(&blobs, &[0, 59]),
            vec![blobs.labels[0], blobs.labels[59]]
        );
    }
}
