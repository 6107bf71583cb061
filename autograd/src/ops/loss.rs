//! Loss functions. `cross_entropy` and `nll_loss` are single nodes (their backward rules are
//! short and save a pass over the logits); `mse_loss` and `binary_cross_entropy` are
//! compositions of other ops.

use crate::{is_grad_enabled, AutogradError, Result, Var};
use tensor::{Element, Tensor};

/// How per-sample losses are combined (PyTorch's `reduction=`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Reduction {
    /// The mean over samples (PyTorch's default).
    #[default]
    Mean,
    /// The sum over samples.
    Sum,
    /// One loss per sample.
    None,
}

fn check_targets(op: &'static str, shape: &[usize], targets: &[usize]) -> Result<()> {
    if shape.len() != 2 || shape[0] != targets.len() || shape[0] == 0 {
        return Err(AutogradError::Invalid {
            op,
            message: format!(
                "expected input [n, classes] with n >= 1 and one target per row, found input {shape:?} and {} targets",
                targets.len()
            ),
        });
    }
    if let Some((row, &t)) = targets.iter().enumerate().find(|(_, &t)| t >= shape[1]) {
        return Err(AutogradError::Invalid {
            op,
            message: format!(
                "target {t} of row {row} is out of range: expected a class index < {}",
                shape[1]
            ),
        });
    }
    Ok(())
}

/// Combines per-row losses, and turns the output gradient back into a per-row weight `[n, 1]`.
fn reduce_rows<T: Element>(per_row: Vec<T>, reduction: Reduction) -> Tensor<T> {
    let n = per_row.len();
    match reduction {
        Reduction::None => Tensor::from_vec(&[n], per_row).expect("one value per row"),
        Reduction::Sum => Tensor::scalar(per_row.into_iter().sum()),
        Reduction::Mean => Tensor::scalar(
            per_row.into_iter().sum::<T>() / T::from_usize(n).expect("count fits the float type"),
        ),
    }
}

fn row_weights<T: Element>(g: &Var<T>, n: usize, reduction: Reduction) -> Result<Var<T>> {
    Ok(match reduction {
        Reduction::None => g.reshape(&[n, 1])?,
        Reduction::Sum => g.clone(),
        Reduction::Mean => g.mul_scalar(T::one() / T::from_usize(n).expect("count fits")),
    })
}

/// [`row_weights`] as plain values, one per row, for the unrecorded backward rules.
fn row_weight_values<T: Element>(g: &Tensor<T>, n: usize, reduction: Reduction) -> Vec<T> {
    let g = g.to_vec();
    match reduction {
        Reduction::None => g,
        Reduction::Sum => vec![g[0]; n],
        Reduction::Mean => vec![g[0] * (T::one() / T::from_usize(n).expect("count fits")); n],
    }
}

impl<T: Element> Var<T> {
    /// Cross-entropy of logits `[n, classes]` against class indices: `-log_softmax(x)[i, tᵢ]`,
    /// reduced (PyTorch's `F.cross_entropy`). Backward: `(softmax(x) - onehot(t)) · g`, divided
    /// by `n` for the mean.
    ///
    /// Errors when the targets do not match the rows or a target is not a valid class.
    #[track_caller]
    pub fn cross_entropy(&self, targets: &[usize], reduction: Reduction) -> Result<Var<T>> {
        let shape = self.shape();
        check_targets("cross_entropy", &shape, targets)?;
        let logp = self.value().log_softmax(1)?;
        let per_row = targets
            .iter()
            .enumerate()
            .map(|(i, &t)| -logp.array()[[i, t]])
            .collect();
        let value = reduce_rows(per_row, reduction);
        let (targets, classes) = (targets.to_vec(), shape[1]);
        Ok(Var::from_op("cross_entropy", value, &[self], move |c| {
            if !is_grad_enabled() {
                // Not recorded: softmax, minus one at each target, times each row's weight.
                let mut d = c.inputs[0].value().softmax(1)?.into_array();
                let w = row_weight_values(&c.grad.value(), targets.len(), reduction);
                for (i, mut row) in d.outer_iter_mut().enumerate() {
                    row[targets[i]] -= T::one();
                    row.mapv_inplace(|v| v * w[i]);
                }
                return Ok(vec![Some(Var::constant(Tensor::from_array(d)))]);
            }
            let onehot = Tensor::one_hot(&targets, classes)?;
            let d = c.inputs[0].softmax(1)?.sub(&Var::constant(onehot))?;
            let w = row_weights(c.grad, targets.len(), reduction)?;
            Ok(vec![Some(d.mul(&w)?)])
        }))
    }

    /// Negative log-likelihood of log-probabilities `[n, classes]` against class indices:
    /// `-input[i, tᵢ]`, reduced (PyTorch's `F.nll_loss`). Backward: `-onehot(t) · g`.
    #[track_caller]
    pub fn nll_loss(&self, targets: &[usize], reduction: Reduction) -> Result<Var<T>> {
        let shape = self.shape();
        check_targets("nll_loss", &shape, targets)?;
        let v = self.value();
        let per_row = targets
            .iter()
            .enumerate()
            .map(|(i, &t)| -v.array()[[i, t]])
            .collect();
        drop(v);
        let value = reduce_rows(per_row, reduction);
        let (targets, classes) = (targets.to_vec(), shape[1]);
        Ok(Var::from_op("nll_loss", value, &[self], move |c| {
            let n = targets.len();
            if !is_grad_enabled() {
                // Not recorded: minus each row's weight at its target, zeros elsewhere.
                let w = row_weight_values(&c.grad.value(), n, reduction);
                let mut d = vec![T::zero(); n * classes];
                for (i, &t) in targets.iter().enumerate() {
                    d[i * classes + t] = -w[i];
                }
                return Ok(vec![Some(Var::constant(Tensor::from_vec(
                    &[n, classes],
                    d,
                )?))]);
            }
            let neg_onehot = Tensor::one_hot(&targets, classes)?.neg();
            let w = row_weights(c.grad, n, reduction)?;
            Ok(vec![Some(w.mul(&Var::constant(neg_onehot))?)])
        }))
    }

    /// Mean squared error `(x - y)²`, reduced (PyTorch's `F.mse_loss`). `target` must have the
    /// input's shape.
    #[track_caller]
    pub fn mse_loss(&self, target: &Var<T>, reduction: Reduction) -> Result<Var<T>> {
        same_shape("mse_loss", self, target)?;
        let d = self.sub(target)?;
        Ok(reduce(d.mul(&d)?, reduction))
    }

    /// Binary cross-entropy of probabilities `p` against targets `y` in `[0, 1]`:
    /// `-(y ln p + (1 - y) ln(1 - p))`, each log clamped at -100 as PyTorch does, reduced
    /// (PyTorch's `F.binary_cross_entropy`). `target` must have the input's shape.
    #[track_caller]
    pub fn binary_cross_entropy(&self, target: &Var<T>, reduction: Reduction) -> Result<Var<T>> {
        same_shape("binary_cross_entropy", self, target)?;
        let floor = Var::constant(Tensor::scalar(T::from_f64_lossy(-100.0)));
        let log_p = self.ln().maximum(&floor)?;
        let log_q = self.neg().add_scalar(T::one()).ln().maximum(&floor)?;
        let not_y = target.neg().add_scalar(T::one());
        let ll = target.mul(&log_p)?.add(&not_y.mul(&log_q)?)?;
        Ok(reduce(ll.neg(), reduction))
    }
}

fn same_shape<T: Element>(op: &'static str, a: &Var<T>, b: &Var<T>) -> Result<()> {
    if a.shape() != b.shape() {
        return Err(AutogradError::Invalid {
            op,
            message: format!(
                "expected target of the input's shape {:?}, found {:?}",
                a.shape(),
                b.shape()
            ),
        });
    }
    Ok(())
}

#[track_caller]
fn reduce<T: Element>(v: Var<T>, reduction: Reduction) -> Var<T> {
    match reduction {
        Reduction::Mean => v.mean_all(),
        Reduction::Sum => v.sum_all(),
        Reduction::None => v,
    }
}
