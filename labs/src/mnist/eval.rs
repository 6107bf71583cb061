//! Measuring an MNIST classifier: its scores on a whole split (in chunks, without a graph), the
//! accuracy, and the most probable classes of an image.

use crate::common::LabError;
use autograd::{no_grad, Tensor, Var};
use datasets::Split;
use nn::Module;

/// The name of the metric the MNIST labs measure after each epoch, the accuracy on the test set
/// (a column of the epoch table, and the learning curve of
/// [`plot_learning_curves`](super::figures::plot_learning_curves)).
pub const TEST_ACCURACY: &str = "test acc";

/// The fraction of rows whose largest score is at the label.
pub fn accuracy(scores: &Tensor<f32>, labels: &[u8]) -> Result<f64, LabError> {
    let pred = scores.argmax_rows()?;
    let right = pred
        .iter()
        .zip(labels)
        .filter(|(p, &l)| **p == l as usize)
        .count();
    Ok(right as f64 / labels.len().max(1) as f64)
}

/// Scores of every row of `split`, computed in chunks of 1,000 rows by `f`.
pub fn scores_in_chunks(
    split: &Split,
    mut f: impl FnMut(&Tensor<f32>) -> Result<Tensor<f32>, LabError>,
) -> Result<Tensor<f32>, LabError> {
    let mut parts = Vec::new();
    let n = split.len();
    for start in (0..n).step_by(1000) {
        let rows = split.images.slice_rows(start..(start + 1000).min(n))?;
        parts.push(f(&rows)?);
    }
    let refs: Vec<&Tensor<f32>> = parts.iter().collect();
    Ok(Tensor::concat(&refs, 0)?)
}

/// Test accuracy of a module whose output's largest entry per row is the prediction.
pub fn evaluate_module(model: &dyn Module<f32>, test: &Split) -> Result<f64, LabError> {
    accuracy(&module_scores(model, test)?, &test.labels)
}

/// A module's outputs for every row of `split`, without recording a graph.
pub fn module_scores(model: &dyn Module<f32>, split: &Split) -> Result<Tensor<f32>, LabError> {
    no_grad(|| {
        scores_in_chunks(split, |x| {
            Ok(model.forward(&Var::constant(x.clone()))?.to_tensor())
        })
    })
}

/// The `k` most probable classes of each row of `images` (`[n, features]`), most probable first,
/// with their probabilities: the softmax of the model's outputs, which gives the probabilities
/// whether the model returns logits or log-probabilities.
pub fn top_k(
    model: &dyn Module<f32>,
    images: &Tensor<f32>,
    k: usize,
) -> Result<Vec<Vec<(usize, f32)>>, LabError> {
    let outputs = no_grad(|| model.forward(&Var::constant(images.clone())))?;
    let probs = outputs.to_tensor().softmax(1)?;
    let p = probs.array();
    Ok((0..probs.shape()[0])
        .map(|i| {
            let mut classes: Vec<(usize, f32)> =
                (0..probs.shape()[1]).map(|c| (c, p[[i, c]])).collect();
            classes.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            classes.truncate(k);
            classes
        })
        .collect())
}
