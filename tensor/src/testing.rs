//! Test helpers shared by every crate of the workspace.

use crate::{Element, Tensor};

/// Asserts that `actual` and `expected` have the same shape and that every element is within
/// `atol + rtol * |expected|`; on failure the panic names the first index that differs, both
/// values and the number of differing elements.
///
/// # Panics
/// When the shapes differ or any element is out of tolerance (that is its purpose).
///
/// ```
/// use tensor::{Tensor, testing::assert_close};
/// let a = Tensor::from_vec(&[2], vec![1.0f64, 2.0]).unwrap();
/// assert_close(&a, &[1.0, 2.0 + 1e-12], 1e-9, 0.0);
/// ```
#[track_caller]
pub fn assert_close<T: Element>(actual: &Tensor<T>, expected: &[f64], rtol: f64, atol: f64) {
    let got: Vec<f64> = actual
        .to_vec()
        .iter()
        .map(|v| v.to_f64().expect("float"))
        .collect();
    assert_eq!(
        got.len(),
        expected.len(),
        "assert_close: actual has shape {:?} ({} elements), expected {} elements",
        actual.shape(),
        got.len(),
        expected.len()
    );
    assert_slices_close(&got, expected, rtol, atol, actual.shape());
}

/// Like [`assert_close`] for plain slices; `shape` is used to print multi-dimensional indices.
///
/// # Panics
/// When the lengths differ or any element is out of tolerance.
#[track_caller]
pub fn assert_slices_close(got: &[f64], expected: &[f64], rtol: f64, atol: f64, shape: &[usize]) {
    assert_eq!(got.len(), expected.len(), "assert_close: lengths differ");
    let bad: Vec<usize> = (0..got.len())
        .filter(|&i| {
            let (a, b) = (got[i], expected[i]);
            !((a - b).abs() <= atol + rtol * b.abs() || (a.is_nan() && b.is_nan()) || a == b)
        })
        .collect();
    if let Some(&i) = bad.first() {
        panic!(
            "assert_close: {} of {} elements differ; first at index {:?} (flat {i}): got {}, expected {} (|diff| {:e}, rtol {rtol:e}, atol {atol:e})",
            bad.len(),
            got.len(),
            unravel(i, shape),
            got[i],
            expected[i],
            (got[i] - expected[i]).abs()
        );
    }
}

fn unravel(mut i: usize, shape: &[usize]) -> Vec<usize> {
    if shape.iter().product::<usize>() == 0 || shape.is_empty() {
        return vec![i];
    }
    let mut idx = vec![0; shape.len()];
    for (d, &n) in shape.iter().enumerate().rev() {
        idx[d] = i % n;
        i /= n;
    }
    idx
}

/// Replays the saved inputs of a crate's fuzz target as a regression test: runs `case` on every
/// file in `fuzz_dir/seeds` (hand-made inputs) and `fuzz_dir/regressions` (a run's minimised
/// corpus), and returns how many it ran. A missing folder counts as empty.
///
/// # Panics
/// When a file cannot be read, or `case` panics (that is its purpose).
pub fn replay_fuzz_inputs(fuzz_dir: &std::path::Path, mut case: impl FnMut(&[u8])) -> usize {
    let mut count = 0;
    for dir in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir.join(dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("directory entry").path();
            case(&std::fs::read(&path).expect("readable input"));
            count += 1;
        }
    }
    count
}
