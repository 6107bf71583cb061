//! Reductions over all elements or along an axis, and the softmax family.

use crate::shape::normalize_axis;
use crate::{Element, Result, Tensor, TensorError};
use ndarray::{ArrayD, Axis, IxDyn, Zip};

impl<T: Element> Tensor<T> {
    fn reduce_axis(
        &self,
        op: &'static str,
        axis: isize,
        keepdim: bool,
        f: impl Fn(ndarray::ArrayView1<'_, T>) -> T,
    ) -> Result<Tensor<T>> {
        let ax = normalize_axis(op, axis, self.shape())?;
        if self.shape()[ax] == 0 && op != "sum" && op != "mean" {
            return Err(TensorError::Invalid {
                op,
                message: format!(
                    "cannot reduce an empty axis {axis} of shape {:?}",
                    self.shape()
                ),
            });
        }
        let out = self.data.map_axis(Axis(ax), f);
        Ok(Tensor {
            data: if keepdim {
                out.insert_axis(Axis(ax))
            } else {
                out
            },
        })
    }

    /// The sum of all elements (PyTorch's `t.sum()`, as a plain value).
    pub fn sum_all(&self) -> T {
        self.data.sum()
    }

    /// The mean of all elements (`NaN` for an empty tensor, like PyTorch).
    pub fn mean_all(&self) -> T {
        self.sum_all() / T::from_usize(self.numel()).expect("count fits the float type")
    }

    /// The largest element; errors on an empty tensor. NaN propagates.
    pub fn max_all(&self) -> Result<T> {
        self.fold_nonempty("max", T::neg_infinity(), max_nan)
    }

    /// The smallest element; errors on an empty tensor. NaN propagates.
    pub fn min_all(&self) -> Result<T> {
        self.fold_nonempty("min", T::infinity(), min_nan)
    }

    /// The flat (row-major) index of the largest element, first on ties; errors on an empty tensor.
    pub fn argmax_all(&self) -> Result<usize> {
        if self.is_empty() {
            return Err(empty("argmax", self.shape()));
        }
        Ok(argmax(self.data.iter().copied()))
    }

    fn fold_nonempty(&self, op: &'static str, init: T, f: fn(T, T) -> T) -> Result<T> {
        if self.is_empty() {
            return Err(empty(op, self.shape()));
        }
        Ok(self.data.iter().fold(init, |a, &b| f(a, b)))
    }

    /// Sums along `axis` (negative counts from the end), keeping it with length 1 if `keepdim`
    /// (PyTorch's `t.sum(dim, keepdim)`).
    pub fn sum_axis(&self, axis: isize, keepdim: bool) -> Result<Tensor<T>> {
        let ax = normalize_axis("sum", axis, self.shape())?;
        let out = match self.data.as_slice() {
            // Row-major and not the last axis: add whole contiguous rows, which vectorises
            // (ndarray's `sum_axis` went through n-d views: 3% of an MNIST step, for the
            // bias gradient alone).
            Some(src) if ax + 1 < self.ndim() => {
                let shape = self.shape();
                let (len, inner) = (shape[ax], shape[ax + 1..].iter().product::<usize>());
                let outer = shape[..ax].iter().product::<usize>();
                let mut out = vec![T::zero(); outer * inner];
                if inner > 0 {
                    for (o, dst) in out.chunks_exact_mut(inner).enumerate() {
                        let block = &src[o * len * inner..(o + 1) * len * inner];
                        for row in block.chunks_exact(inner) {
                            dst.iter_mut().zip(row).for_each(|(d, &v)| *d += v);
                        }
                    }
                }
                let mut out_shape = shape.to_vec();
                out_shape.remove(ax);
                ArrayD::from_shape_vec(IxDyn(&out_shape), out).expect("one value per output")
            }
            _ => self.data.sum_axis(Axis(ax)),
        };
        Ok(Tensor {
            data: if keepdim {
                out.insert_axis(Axis(ax))
            } else {
                out
            },
        })
    }

    /// Averages along `axis` (PyTorch's `t.mean(dim, keepdim)`).
    pub fn mean_axis(&self, axis: isize, keepdim: bool) -> Result<Tensor<T>> {
        let ax = normalize_axis("mean", axis, self.shape())?;
        let n = T::from_usize(self.shape()[ax]).expect("count fits the float type");
        let mut s = self.sum_axis(axis, keepdim)?;
        s.data.mapv_inplace(|v| v / n);
        Ok(s)
    }

    /// The largest value along `axis` (PyTorch's `t.amax(dim, keepdim)`); errors on an empty axis.
    pub fn max_axis(&self, axis: isize, keepdim: bool) -> Result<Tensor<T>> {
        self.reduce_axis("max", axis, keepdim, |l| {
            l.iter().fold(T::neg_infinity(), |a, &b| max_nan(a, b))
        })
    }

    /// The smallest value along `axis` (PyTorch's `t.amin(dim, keepdim)`); errors on an empty axis.
    pub fn min_axis(&self, axis: isize, keepdim: bool) -> Result<Tensor<T>> {
        self.reduce_axis("min", axis, keepdim, |l| {
            l.iter().fold(T::infinity(), |a, &b| min_nan(a, b))
        })
    }

    /// The index of the largest value along `axis`, first on ties (PyTorch's `t.argmax(dim)`).
    pub fn argmax_axis(&self, axis: isize, keepdim: bool) -> Result<ArrayD<usize>> {
        let ax = normalize_axis("argmax", axis, self.shape())?;
        if self.shape()[ax] == 0 {
            return Err(empty("argmax", self.shape()));
        }
        let out = self.data.map_axis(Axis(ax), |l| argmax(l.iter().copied()));
        Ok(if keepdim {
            out.insert_axis(Axis(ax))
        } else {
            out
        })
    }

    /// For each row of a 2-D tensor, the column of its largest value: the predicted class of
    /// each row of logits or probabilities.
    pub fn argmax_rows(&self) -> Result<Vec<usize>> {
        if self.ndim() != 2 {
            return Err(TensorError::Invalid {
                op: "argmax_rows",
                message: format!("expected a 2-D tensor, found shape {:?}", self.shape()),
            });
        }
        Ok(self.argmax_axis(1, false)?.into_iter().collect())
    }

    /// The fraction of rows of a 2-D tensor of scores (logits or probabilities) whose largest
    /// value is in the column of the row's label: a classifier's accuracy.
    ///
    /// Errors when the tensor is not 2-D, or `labels` does not have one label per row, or
    /// there are no rows.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let scores = Tensor::from_vec(&[4, 2], vec![0.9f32, 0.1, 0.2, 0.8, 0.6, 0.4, 0.3, 0.7])?;
    /// assert_eq!(scores.accuracy(&[0, 1, 1, 1])?, 0.75);
    /// assert!(scores.accuracy(&[0, 1]).is_err());
    /// # Ok::<(), tensor::TensorError>(())
    /// ```
    pub fn accuracy(&self, labels: &[usize]) -> Result<f64> {
        let pred = self.argmax_rows()?;
        if pred.len() != labels.len() || labels.is_empty() {
            return Err(TensorError::Invalid {
                op: "accuracy",
                message: format!(
                    "expected one label per row of the scores' {} rows (at least one), found {} labels",
                    pred.len(),
                    labels.len()
                ),
            });
        }
        let right = pred.iter().zip(labels).filter(|(p, l)| p == l).count();
        Ok(right as f64 / labels.len() as f64)
    }

    /// Softmax along `axis`: `exp(x - max) / sum(exp(x - max))`, stable for logits of any size
    /// (PyTorch's `torch.softmax`).
    ///
    /// ```
    /// use tensor::Tensor;
    /// let x = Tensor::from_vec(&[1, 3], vec![1e4f32, 1e4, -1e4])?;
    /// assert_eq!(x.softmax(-1)?.to_vec(), vec![0.5, 0.5, 0.0]);
    /// # Ok::<(), tensor::TensorError>(())
    /// ```
    pub fn softmax(&self, axis: isize) -> Result<Tensor<T>> {
        let ax = normalize_axis("softmax", axis, self.shape())?;
        let mut out = self.data.clone();
        for mut lane in out.lanes_mut(Axis(ax)) {
            let m = lane.iter().fold(T::neg_infinity(), |a, &b| max_nan(a, b));
            let m = if m.is_finite() { m } else { T::zero() };
            let mut s = T::zero();
            lane.mapv_inplace(|v| {
                let e = (v - m).exp();
                s += e;
                e
            });
            let inv = T::one() / s;
            lane.mapv_inplace(|v| v * inv);
        }
        Ok(Tensor { data: out })
    }

    /// Log-softmax along `axis`: `x - max - ln(sum(exp(x - max)))`, stable for logits of any
    /// size (PyTorch's `torch.log_softmax`).
    pub fn log_softmax(&self, axis: isize) -> Result<Tensor<T>> {
        let ax = normalize_axis("log_softmax", axis, self.shape())?;
        let mut out = self.data.clone();
        for mut lane in out.lanes_mut(Axis(ax)) {
            let m = lane.iter().fold(T::neg_infinity(), |a, &b| max_nan(a, b));
            let m = if m.is_finite() { m } else { T::zero() };
            let s: T = lane.iter().map(|&v| (v - m).exp()).sum();
            let lse = m + s.ln();
            lane.mapv_inplace(|v| v - lse);
        }
        Ok(Tensor { data: out })
    }

    /// The gradient of [`log_softmax`](Tensor::log_softmax) in one pass per lane: with
    /// `self` the log-softmax output and `grad` the gradient of the loss with respect to it,
    /// `grad - e^self · Σ grad` (the sum along `axis`).
    ///
    /// Errors when the shapes differ or the axis is out of range.
    pub fn log_softmax_backward(&self, grad: &Tensor<T>, axis: isize) -> Result<Tensor<T>> {
        self.softmax_family_backward(
            "log_softmax_backward",
            grad,
            axis,
            |_, g| g.iter().fold(T::zero(), |a, &b| a + b),
            |y, g, sum| g - y.exp() * sum,
        )
    }

    /// The gradient of [`softmax`](Tensor::softmax) in one pass per lane: with `self` the
    /// softmax output and `grad` the gradient with respect to it, `self · (grad - Σ grad·self)`.
    ///
    /// Errors when the shapes differ or the axis is out of range.
    pub fn softmax_backward(&self, grad: &Tensor<T>, axis: isize) -> Result<Tensor<T>> {
        self.softmax_family_backward(
            "softmax_backward",
            grad,
            axis,
            |out, g| out.iter().zip(g).fold(T::zero(), |a, (&s, &g)| a + s * g),
            |y, g, sum| y * (g - sum),
        )
    }

    /// Shared lane loop of the softmax backward rules: for each lane of the output `y` and of
    /// the gradient `g`, `lane_sum(y, g)` gives the lane's sum, and each element of the result
    /// is `element(y, g, sum)`.
    fn softmax_family_backward(
        &self,
        op: &'static str,
        grad: &Tensor<T>,
        axis: isize,
        lane_sum: impl Fn(&[T], &[T]) -> T,
        element: impl Fn(T, T, T) -> T,
    ) -> Result<Tensor<T>> {
        if self.shape() != grad.shape() {
            return Err(TensorError::ShapeMismatch {
                op,
                lhs: self.shape().to_vec(),
                rhs: grad.shape().to_vec(),
                reason: "the gradient must have the output's shape".into(),
            });
        }
        let ax = normalize_axis(op, axis, self.shape())?;
        let lane = |d: &mut [T], ys: &[T], gs: &[T]| {
            let sum = lane_sum(ys, gs);
            for ((d, &y), &g) in d.iter_mut().zip(ys).zip(gs) {
                *d = element(y, g, sum);
            }
        };
        let len = self.shape()[ax];
        if let (Some(y), Some(g)) = (self.data.as_slice(), grad.data.as_slice()) {
            if ax + 1 == self.ndim() {
                // Row-major along the last axis: lanes are consecutive slices.
                let mut out = vec![T::zero(); y.len()];
                if len > 0 {
                    for ((d, ys), gs) in out
                        .chunks_exact_mut(len)
                        .zip(y.chunks_exact(len))
                        .zip(g.chunks_exact(len))
                    {
                        lane(d, ys, gs);
                    }
                }
                return Tensor::from_vec(self.shape(), out);
            }
        }
        // Strided lanes: gathered into scratch slices, computed, and written back.
        let mut out = ArrayD::<T>::zeros(self.data.raw_dim());
        let (mut ys, mut gs, mut ds) = (Vec::new(), Vec::new(), vec![T::zero(); len]);
        for ((mut dst, y), g) in out
            .lanes_mut(Axis(ax))
            .into_iter()
            .zip(self.data.lanes(Axis(ax)))
            .zip(grad.data.lanes(Axis(ax)))
        {
            ys.clear();
            ys.extend(y.iter().copied());
            gs.clear();
            gs.extend(g.iter().copied());
            lane(&mut ds, &ys, &gs);
            dst.iter_mut().zip(&ds).for_each(|(d, &v)| *d = v);
        }
        Ok(Tensor { data: out })
    }

    /// `ln(sum(exp(x)))` along `axis`, stable (PyTorch's `torch.logsumexp`).
    pub fn logsumexp(&self, axis: isize, keepdim: bool) -> Result<Tensor<T>> {
        self.reduce_axis("logsumexp", axis, keepdim, |l| {
            let m = l.iter().fold(T::neg_infinity(), |a, &b| max_nan(a, b));
            let m = if m.is_finite() { m } else { T::zero() };
            m + l.iter().map(|&v| (v - m).exp()).sum::<T>().ln()
        })
    }

    /// Sum of squares of all elements (`‖x‖²`).
    pub fn sum_squares(&self) -> T {
        self.data.iter().map(|&v| v * v).sum()
    }

    /// Whether all elements of `self` and `other` (same shape) are within
    /// `atol + rtol * |other|` of each other.
    pub fn all_close(&self, other: &Tensor<T>, rtol: T, atol: T) -> bool {
        self.shape() == other.shape()
            && Zip::from(&self.data)
                .and(&other.data)
                .all(|&a, &b| (a - b).abs() <= atol + rtol * b.abs())
    }
}

fn max_nan<T: Element>(a: T, b: T) -> T {
    if a.is_nan() || b.is_nan() {
        T::nan()
    } else {
        a.max(b)
    }
}

fn min_nan<T: Element>(a: T, b: T) -> T {
    if a.is_nan() || b.is_nan() {
        T::nan()
    } else {
        a.min(b)
    }
}

fn argmax<T: Element>(it: impl Iterator<Item = T>) -> usize {
    let mut best = 0;
    let mut best_v = T::neg_infinity();
    for (i, v) in it.enumerate() {
        if v > best_v || (i == 0) || (v.is_nan() && !best_v.is_nan()) {
            best = i;
            best_v = v;
        }
    }
    best
}

fn empty(op: &'static str, shape: &[usize]) -> TensorError {
    TensorError::Invalid {
        op,
        message: format!("expected a non-empty tensor, found shape {shape:?}"),
    }
}
