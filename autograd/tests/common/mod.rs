//! Shared helpers of the autograd test files.

#![allow(dead_code)]

use autograd::{gradcheck, Result, Var};
use tensor::Tensor;

/// Runs the gradient checker and fails with its full report when any element is off.
#[track_caller]
pub fn check<F>(f: F, inputs: &[Tensor<f64>])
where
    F: Fn(&[Var<f64>]) -> Result<Var<f64>>,
{
    let report = gradcheck(&f, inputs, 1e-6).expect("the function runs");
    assert!(
        report.passed(1e-6, 1e-4),
        "gradient check failed:\n{report}"
    );
    // Each gradient has its input's shape.
    for (c, x) in report.inputs.iter().zip(inputs) {
        assert_eq!(c.analytic.shape(), x.shape());
    }
}

/// A tensor from a shape and values.
pub fn t(shape: &[usize], v: &[f64]) -> Tensor<f64> {
    Tensor::from_vec(shape, v.to_vec()).expect("shape matches")
}
