//! The [`Tensor`] type, its constructors and accessors.

use crate::{Element, Result, TensorError};
use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, IxDyn};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use std::fmt;

/// An n-dimensional array of `f32` or `f64`, backed by an owned [`ndarray::ArrayD`].
///
/// Operations that can fail because of the shapes a caller passes return
/// [`Result`](crate::Result); the arithmetic operators (`+ - * /` on references) panic with the
/// same message instead, which is why they are only for shapes known to fit.
///
/// ```
/// use tensor::Tensor;
/// let x = Tensor::from_vec(&[2, 3], vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0])?;
/// let b = Tensor::from_vec(&[3], vec![10.0f32, 20.0, 30.0])?;
/// let y = x.add(&b)?; // broadcasts b over the rows
/// assert_eq!(y.to_vec(), vec![11.0, 22.0, 33.0, 14.0, 25.0, 36.0]);
/// assert_eq!(y.sum_axis(1, false)?.to_vec(), vec![66.0, 75.0]);
/// # Ok::<(), tensor::TensorError>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct Tensor<T: Element = f32> {
    pub(crate) data: ArrayD<T>,
}

impl<T: Element> fmt::Debug for Tensor<T> {
    /// What PyTorch prints: `tensor([[1., 2.],\n        [3., 4.]])` (see
    /// [`torch_repr`](Tensor::torch_repr)).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.torch_repr(""))
    }
}

impl<T: Element> fmt::Display for Tensor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.data, f)
    }
}

impl<T: Element> From<ArrayD<T>> for Tensor<T> {
    fn from(data: ArrayD<T>) -> Self {
        Tensor { data }
    }
}

impl<T: Element> Tensor<T> {
    /// Builds a tensor of `shape` from `data` in row-major (C) order.
    ///
    /// Errors when `data.len()` is not the product of `shape`.
    pub fn from_vec(shape: &[usize], data: Vec<T>) -> Result<Self> {
        let expected: usize = shape.iter().product();
        if expected != data.len() {
            return Err(TensorError::Invalid {
                op: "from_vec",
                message: format!(
                    "shape {shape:?} needs {expected} elements, found {}",
                    data.len()
                ),
            });
        }
        let data = ArrayD::from_shape_vec(IxDyn(shape), data)
            .expect("length was checked against the shape");
        Ok(Tensor { data })
    }

    /// Wraps an `ndarray` array (any layout) without copying.
    pub fn from_array(data: ArrayD<T>) -> Self {
        Tensor { data }
    }

    /// A 0-dimensional tensor holding one value (PyTorch's `torch.tensor(v)`).
    pub fn scalar(value: T) -> Self {
        Tensor {
            data: ArrayD::from_elem(IxDyn(&[]), value),
        }
    }

    /// A tensor of `shape` filled with `value` (PyTorch's `torch.full`).
    pub fn full(shape: &[usize], value: T) -> Self {
        Tensor {
            data: ArrayD::from_elem(IxDyn(shape), value),
        }
    }

    /// A tensor of zeros.
    pub fn zeros(shape: &[usize]) -> Self {
        Self::full(shape, T::zero())
    }

    /// A tensor of ones.
    pub fn ones(shape: &[usize]) -> Self {
        Self::full(shape, T::one())
    }

    /// A zero tensor with the shape of `self` (PyTorch's `torch.zeros_like`).
    pub fn zeros_like(&self) -> Self {
        Self::zeros(self.shape())
    }

    /// A 1-D tensor `start, start + step, ...` up to but excluding `end` (PyTorch's `torch.arange`).
    ///
    /// Errors when `step` is zero or not finite, or has the wrong sign to get from `start` to `end`.
    pub fn arange(start: T, end: T, step: T) -> Result<Self> {
        if step == T::zero() || !step.is_finite() || !start.is_finite() || !end.is_finite() {
            return Err(TensorError::Invalid {
                op: "arange",
                message: format!("expected finite bounds and a finite non-zero step, found start {start}, end {end}, step {step}"),
            });
        }
        let span = (end - start) / step;
        let n = if span > T::zero() {
            span.ceil().to_usize().unwrap_or(0)
        } else {
            0
        };
        let v = (0..n)
            .map(|i| start + step * T::from_usize(i).expect("index fits the float type"))
            .collect::<Vec<_>>();
        Self::from_vec(&[n], v)
    }

    /// A 1-D tensor of `n` points evenly spaced from `start` to `end`, both included
    /// (PyTorch's `torch.linspace`).
    pub fn linspace(start: T, end: T, n: usize) -> Self {
        let v = match n {
            0 => vec![],
            1 => vec![start],
            _ => {
                let step = (end - start) / T::from_usize(n - 1).expect("n fits the float type");
                (0..n)
                    .map(|i| {
                        if i == n - 1 {
                            end
                        } else {
                            start + step * T::from_usize(i).expect("index fits the float type")
                        }
                    })
                    .collect()
            }
        };
        Self::from_vec(&[n], v).expect("length is n")
    }

    /// Samples each element uniformly from `[low, high)` (PyTorch's `torch.rand` scaled;
    /// `low == high` gives that constant).
    ///
    /// Errors when a bound is not finite or `low > high`.
    pub fn rand_uniform<R: Rng + ?Sized>(
        shape: &[usize],
        low: T,
        high: T,
        rng: &mut R,
    ) -> Result<Self> {
        if !low.is_finite() || !high.is_finite() || low > high {
            return Err(TensorError::Invalid {
                op: "rand_uniform",
                message: format!(
                    "expected finite bounds with low <= high, found low {low}, high {high}"
                ),
            });
        }
        let (lo, hi) = (low.to_f64().expect("float"), high.to_f64().expect("float"));
        let n: usize = shape.iter().product();
        let v = (0..n)
            .map(|_| T::from_f64_lossy(lo + (hi - lo) * rng.random::<f64>()))
            .collect();
        Self::from_vec(shape, v)
    }

    /// Samples each element from a normal distribution with the given mean and standard
    /// deviation (PyTorch's `torch.normal`; `std == 0` gives the mean everywhere).
    ///
    /// Errors when the mean or the standard deviation is not finite, or the standard deviation
    /// is negative.
    pub fn rand_normal<R: Rng + ?Sized>(
        shape: &[usize],
        mean: T,
        std: T,
        rng: &mut R,
    ) -> Result<Self> {
        if !mean.is_finite() || !std.is_finite() || std < T::zero() {
            return Err(TensorError::Invalid {
                op: "rand_normal",
                message: format!(
                    "expected a finite mean and a finite standard deviation >= 0, found mean {mean}, std {std}"
                ),
            });
        }
        let (m, s) = (mean.to_f64().expect("float"), std.to_f64().expect("float"));
        let n: usize = shape.iter().product();
        let v = (0..n)
            .map(|_| {
                let z: f64 = StandardNormal.sample(rng);
                T::from_f64_lossy(m + s * z)
            })
            .collect();
        Self::from_vec(shape, v)
    }

    /// One-hot rows: a `[indices.len(), num_classes]` tensor with a one at each row's class
    /// (PyTorch's `F.one_hot`, as floats).
    ///
    /// Errors when an index is not below `num_classes`.
    pub fn one_hot(indices: &[usize], num_classes: usize) -> Result<Self> {
        let mut out = ArrayD::zeros(IxDyn(&[indices.len(), num_classes]));
        for (row, &c) in indices.iter().enumerate() {
            if c >= num_classes {
                return Err(TensorError::Index {
                    op: "one_hot",
                    index: c,
                    bound: num_classes,
                });
            }
            out[[row, c]] = T::one();
        }
        Ok(Tensor { data: out })
    }

    /// The shape, one length per axis.
    pub fn shape(&self) -> &[usize] {
        self.data.shape()
    }

    /// The number of axes.
    pub fn ndim(&self) -> usize {
        self.data.ndim()
    }

    /// The number of elements (PyTorch's `numel`).
    pub fn numel(&self) -> usize {
        self.data.len()
    }

    /// Whether the tensor holds no elements.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The elements in row-major order, copied into a `Vec`.
    pub fn to_vec(&self) -> Vec<T> {
        // A contiguous tensor is one memcpy; ndarray's n-d element iterator was 1 ns an
        // element (half of the sigmoid forward in an MNIST step).
        match self.data.as_slice() {
            Some(s) => s.to_vec(),
            None => self.data.iter().copied().collect(),
        }
    }

    /// The elements as a contiguous slice when the tensor is in standard (row-major) layout.
    pub fn as_slice(&self) -> Option<&[T]> {
        self.data.as_slice()
    }

    /// The elements as a mutable contiguous slice when the tensor is in standard layout.
    pub fn as_slice_mut(&mut self) -> Option<&mut [T]> {
        self.data.as_slice_mut()
    }

    /// The value of a tensor with exactly one element (PyTorch's `item`).
    pub fn item(&self) -> Result<T> {
        if self.numel() != 1 {
            return Err(TensorError::Invalid {
                op: "item",
                message: format!(
                    "expected a tensor with one element, found shape {:?}",
                    self.shape()
                ),
            });
        }
        Ok(*self.data.iter().next().expect("one element"))
    }

    /// A read-only `ndarray` view of the data.
    pub fn view(&self) -> ArrayViewD<'_, T> {
        self.data.view()
    }

    /// A mutable `ndarray` view of the data.
    pub fn view_mut(&mut self) -> ArrayViewMutD<'_, T> {
        self.data.view_mut()
    }

    /// The underlying `ndarray` array.
    pub fn array(&self) -> &ArrayD<T> {
        &self.data
    }

    /// Unwraps into the underlying `ndarray` array without copying.
    pub fn into_array(self) -> ArrayD<T> {
        self.data
    }

    /// Converts every element to another float type.
    pub fn cast<U: Element>(&self) -> Tensor<U> {
        Tensor {
            data: self
                .data
                .mapv(|v| U::from_f64_lossy(v.to_f64().expect("float"))),
        }
    }

    /// Whether every element is finite (no NaN, no infinity).
    pub fn all_finite(&self) -> bool {
        self.data.iter().all(|v| v.is_finite())
    }
}
