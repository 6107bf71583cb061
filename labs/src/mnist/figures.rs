//! The figures of the MNIST labs: the learning curves, and the digits a classifier was most and
//! least certain of, right and wrong.

use crate::common::LabError;
use crate::figures;
use crate::train::History;
use autograd::Tensor;
use datasets::Split;
use std::path::Path;

/// Writes the learning curves of a run as one PNG: the training loss, and the test accuracy (the
/// metric [`TEST_ACCURACY`](super::eval::TEST_ACCURACY)).
pub fn plot_learning_curves(path: &Path, title: &str, history: &History) -> Result<(), LabError> {
    let loss: Vec<(f64, f64)> = history
        .epochs
        .iter()
        .map(|e| (e.epoch as f64, e.train_loss))
        .collect();
    let acc: Vec<(f64, f64)> = history
        .metric_series(super::eval::TEST_ACCURACY)
        .into_iter()
        .map(|(epoch, a)| (epoch as f64, 100.0 * a))
        .collect();
    figures::line_charts(
        path,
        &[
            figures::Panel::new(format!("{title}: training loss"), "epoch", "mean NLL loss")
                .with_series(figures::Series::new("train loss", loss)),
            figures::Panel::new(format!("{title}: test accuracy"), "epoch", "accuracy (%)")
                .with_series(figures::Series::new("test accuracy", acc)),
        ],
    )?;
    Ok(())
}

/// Which predictions a digit figure shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Correct predictions with the highest probability.
    CorrectMostCertain,
    /// Correct predictions with the lowest probability.
    CorrectLeastCertain,
    /// Wrong predictions with the highest probability for the wrong class.
    WrongMostCertain,
    /// Wrong predictions with the lowest probability for the wrong class.
    WrongLeastCertain,
}

impl Pick {
    /// All four, in the order of the figures.
    pub const ALL: [Pick; 4] = [
        Pick::CorrectMostCertain,
        Pick::CorrectLeastCertain,
        Pick::WrongMostCertain,
        Pick::WrongLeastCertain,
    ];

    /// The figure's file stem.
    pub fn file_stem(self) -> &'static str {
        match self {
            Pick::CorrectMostCertain => "correct_most_certain",
            Pick::CorrectLeastCertain => "correct_least_certain",
            Pick::WrongMostCertain => "incorrect_most_certain",
            Pick::WrongLeastCertain => "incorrect_least_certain",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Pick::CorrectMostCertain => "Correct predictions the model was most certain of",
            Pick::CorrectLeastCertain => "Correct predictions the model was least certain of",
            Pick::WrongMostCertain => "Wrong predictions the model was most certain of",
            Pick::WrongLeastCertain => "Wrong predictions the model was least certain of",
        }
    }
}

/// For each true class (one row of the grid per class), the `per_class` test digits that
/// `pick` selects, by the probability of the predicted class. `probs` is `[n, 10]`.
pub fn pick_digits(
    probs: &Tensor<f32>,
    labels: &[u8],
    pick: Pick,
    per_class: usize,
) -> Vec<Vec<usize>> {
    let pred = probs.argmax_rows().expect("probabilities are [n, classes]");
    let p = probs.array();
    (0..10)
        .map(|class| {
            let want_correct = matches!(pick, Pick::CorrectMostCertain | Pick::CorrectLeastCertain);
            let mut idx: Vec<usize> = (0..labels.len())
                .filter(|&i| labels[i] as usize == class && (pred[i] == class) == want_correct)
                .collect();
            let conf = |i: usize| p[[i, pred[i]]];
            idx.sort_by(|&a, &b| conf(b).total_cmp(&conf(a)).then(a.cmp(&b)));
            if matches!(pick, Pick::CorrectLeastCertain | Pick::WrongLeastCertain) {
                idx.reverse();
            }
            idx.truncate(per_class);
            idx
        })
        .collect()
}

/// Writes the four digit figures of a classifier into `dir`; returns their paths.
pub fn plot_digit_figures(
    dir: &Path,
    test: &Split,
    probs: &Tensor<f32>,
    per_class: usize,
) -> Result<Vec<std::path::PathBuf>, LabError> {
    let pred = probs.argmax_rows()?;
    let mut paths = Vec::new();
    for pick in Pick::ALL {
        let rows = pick_digits(probs, &test.labels, pick, per_class);
        let mut grid = figures::ImageGrid::new(
            format!("{} (one row per true class)", pick.title()),
            test.cols,
            test.rows,
            per_class,
        );
        for (class, row) in rows.iter().enumerate() {
            for slot in 0..per_class {
                match row.get(slot) {
                    Some(&i) => {
                        let image = test.images.slice_rows(i..i + 1)?.to_vec();
                        let caption = format!(
                            "true {} / pred {}\np={:.3}",
                            test.labels[i],
                            pred[i],
                            probs.array()[[i, pred[i]]]
                        );
                        grid.push(&image, caption, pred[i] != class);
                    }
                    None => grid.push(
                        &vec![0.0f32; test.rows * test.cols],
                        format!("true {class}\n(none)"),
                        false,
                    ),
                }
            }
        }
        let path = dir.join(format!("{}.png", pick.file_stem()));
        figures::image_grid(&path, &grid)?;
        paths.push(path);
    }
    Ok(paths)
}

/// Each image of `images` stretched to `[0, 1]` (its smallest value white, its largest black),
/// so that a filter or feature map shows its pattern whatever its scale.
fn stretched(values: &[f32]) -> Vec<f32> {
    let lo = values.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let range = if hi > lo { hi - lo } else { 1.0 };
    values.iter().map(|v| (v - lo) / range).collect()
}

/// Draws a first convolution's kernels (`[out, 1, kh, kw]`) as a grid, each stretched to its own
/// range, into `dir/filters.png`; returns the path.
pub fn plot_filters(dir: &Path, weight: &Tensor<f32>) -> Result<std::path::PathBuf, LabError> {
    let &[out, _, kh, kw] = weight.shape() else {
        return Err(format!(
            "expected conv weights [out, in, kh, kw], found {:?}",
            weight.shape()
        )
        .into());
    };
    let values = weight.to_vec();
    let per = values.len() / out;
    let mut grid = figures::ImageGrid::new(
        format!("first-layer filters ({kh}x{kw}, each from its lowest weight, white, to its highest, black)"),
        kw,
        kh,
        8,
    )
    .with_scale(12);
    for (k, w) in values.chunks_exact(per).enumerate() {
        // Input channel 0: the digit's only channel.
        grid.push(&stretched(&w[..kh * kw]), format!("{k}"), false);
    }
    let path = dir.join("filters.png");
    figures::image_grid(&path, &grid)?;
    Ok(path)
}

/// Draws test digit `index` and its feature maps after each convolution block of `model`
/// (batch norm and ReLU applied), one figure per convolution (`feature_maps_conv1.png`,
/// `feature_maps_conv2.png`); returns the paths. `model` should be in evaluation mode.
pub fn plot_feature_maps(
    dir: &Path,
    model: &vision::Cnn,
    test: &Split,
    index: usize,
) -> Result<Vec<std::path::PathBuf>, LabError> {
    if index >= test.len() {
        return Err(format!("no test digit {index}: the split has {}", test.len()).into());
    }
    let image = test.images.slice_rows(index..index + 1)?;
    let maps = autograd::no_grad(|| model.feature_maps(&image))?;
    let mut paths = Vec::new();
    for (layer, map) in maps.iter().enumerate() {
        let &[channels, h, w] = map.shape() else {
            unreachable!("feature maps are [channels, h, w]");
        };
        let mut grid = figures::ImageGrid::new(
            format!(
                "test digit {index} (a {}) through conv{}: {channels} maps of {h}x{w}",
                test.labels[index],
                layer + 1
            ),
            w,
            h,
            8,
        )
        .with_scale(if h > 16 { 3 } else { 5 });
        let values = map.to_vec();
        for (c, m) in values.chunks_exact(h * w).enumerate() {
            grid.push(&stretched(m), format!("{c}"), false);
        }
        let path = dir.join(format!("feature_maps_conv{}.png", layer + 1));
        figures::image_grid(&path, &grid)?;
        paths.push(path);
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_picks_follow_confidence() {
        let probs = Tensor::from_vec(
            &[4, 10],
            [
                [0.9f32, 0.1, 0., 0., 0., 0., 0., 0., 0., 0.],
                [0.6, 0.4, 0., 0., 0., 0., 0., 0., 0., 0.],
                [0.3, 0.7, 0., 0., 0., 0., 0., 0., 0., 0.],
                [0.2, 0.8, 0., 0., 0., 0., 0., 0., 0., 0.],
            ]
            .concat(),
        )
        .unwrap();
        let labels = [0u8, 0, 0, 1];
        assert_eq!(
            pick_digits(&probs, &labels, Pick::CorrectMostCertain, 5)[0],
            vec![0, 1]
        );
        assert_eq!(
            pick_digits(&probs, &labels, Pick::CorrectLeastCertain, 1)[0],
            vec![1]
        );
        assert_eq!(
            pick_digits(&probs, &labels, Pick::WrongMostCertain, 5)[0],
            vec![2]
        );
        assert_eq!(
            pick_digits(&probs, &labels, Pick::CorrectMostCertain, 5)[1],
            vec![3]
        );
    }
}
