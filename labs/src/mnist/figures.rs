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
