//! Matrix products.

use crate::kernel::{gemm_into, gemm_new};
use crate::{Element, Result, Tensor, TensorError};
use ndarray::{ArrayView2, Axis, Ix2, Ix3};

impl<T: Element> Tensor<T> {
    /// The matrix product (PyTorch's `torch.matmul`) for these ranks:
    /// - `[n, k] x [k, m] -> [n, m]`;
    /// - `[b, n, k] x [b, k, m] -> [b, n, m]` (batched);
    /// - `[b, n, k] x [k, m] -> [b, n, m]` (one matrix applied to every batch entry).
    ///
    /// Errors when the inner dimensions differ, the batch sizes differ, or the ranks are not
    /// one of the above.
    pub fn matmul(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
        self.matmul_t(false, other, false)
    }

    /// The matrix product with either operand transposed first (its last two axes swapped),
    /// without copying: `op(self) x op(other)` where `op` transposes when its flag is set.
    /// This is BLAS's `gemm` with its `transa`/`transb` flags; backward passes use it so that a
    /// transpose is a change of strides, never a copy.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let a = Tensor::from_vec(&[3, 2], vec![1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0])?;
    /// // aᵀ a
    /// let ata = a.matmul_t(true, &a, false)?;
    /// assert_eq!(ata.to_vec(), vec![35.0, 44.0, 44.0, 56.0]);
    /// # Ok::<(), tensor::TensorError>(())
    /// ```
    pub fn matmul_t(
        &self,
        transpose_self: bool,
        other: &Tensor<T>,
        transpose_other: bool,
    ) -> Result<Tensor<T>> {
        let mismatch = |reason: String| TensorError::ShapeMismatch {
            op: "matmul",
            lhs: self.shape().to_vec(),
            rhs: other.shape().to_vec(),
            reason,
        };
        match (self.ndim(), other.ndim()) {
            (2, 2) => {
                let a = as2(self, transpose_self);
                let b = as2(other, transpose_other);
                check_inner(&a, &b).map_err(mismatch)?;
                Ok(Tensor {
                    data: gemm_new(&a, &b).into_dyn(),
                })
            }
            (3, 2) | (3, 3) => {
                let a3 = self.data.view().into_dimensionality::<Ix3>().expect("rank 3");
                let batch = a3.shape()[0];
                if other.ndim() == 3 && other.shape()[0] != batch {
                    return Err(mismatch(format!(
                        "have different batch sizes ({} vs {})",
                        batch,
                        other.shape()[0]
                    )));
                }
                let b2 = (other.ndim() == 2).then(|| as2(other, transpose_other));
                let mut out: Option<ndarray::Array3<T>> = None;
                for i in 0..batch {
                    let a = maybe_t(a3.index_axis(Axis(0), i), transpose_self);
                    let b = match &b2 {
                        Some(b) => b.view(),
                        None => maybe_t(
                            other
                                .data
                                .view()
                                .into_dimensionality::<Ix3>()
                                .expect("rank 3")
                                .index_axis_move(Axis(0), i),
                            transpose_other,
                        ),
                    };
                    check_inner(&a, &b).map_err(&mismatch)?;
                    let o = out.get_or_insert_with(|| {
                        ndarray::Array3::zeros((batch, a.nrows(), b.ncols()))
                    });
                    gemm_into(T::one(), &a, &b, T::zero(), &mut o.index_axis_mut(Axis(0), i));
                }
                let out = out.unwrap_or_else(|| {
                    let (n, m) = (
                        self.shape()[if transpose_self { 2 } else { 1 }],
                        other.shape()[other.ndim() - if transpose_other { 2 } else { 1 }],
                    );
                    ndarray::Array3::zeros((0, n, m))
                });
                Ok(Tensor {
                    data: out.into_dyn(),
                })
            }
            _ => Err(mismatch(
                "have ranks matmul does not take (expected [n, k] x [k, m], [b, n, k] x [b, k, m] or [b, n, k] x [k, m])".into(),
            )),
        }
    }

    /// `self = op(a) x op(b)` for 2-D operands, written into `self` (which must have the
    /// product's shape) without allocating: BLAS's `gemm` with `beta = 0`.
    pub fn matmul_t_into(
        &mut self,
        a: &Tensor<T>,
        transpose_a: bool,
        b: &Tensor<T>,
        transpose_b: bool,
    ) -> Result<()> {
        self.gemm_into(
            "matmul_into",
            T::one(),
            a,
            transpose_a,
            b,
            transpose_b,
            T::zero(),
        )
    }

    /// `self += alpha * op(a) x op(b)` in place for 2-D operands, `op` transposing when its flag
    /// is set: BLAS's `gemm` with `beta = 1`, used to accumulate weight gradients without a
    /// temporary.
    pub fn addmm_t(
        &mut self,
        alpha: T,
        a: &Tensor<T>,
        transpose_a: bool,
        b: &Tensor<T>,
        transpose_b: bool,
    ) -> Result<()> {
        self.gemm_into("addmm", alpha, a, transpose_a, b, transpose_b, T::one())
    }

    /// `self = beta * self + alpha * op(a) x op(b)` in place for 2-D operands (BLAS's `gemm`);
    /// with `beta = 0`, `self` is not read (NaNs in it do not propagate).
    pub fn gemm_t(
        &mut self,
        alpha: T,
        a: &Tensor<T>,
        transpose_a: bool,
        b: &Tensor<T>,
        transpose_b: bool,
        beta: T,
    ) -> Result<()> {
        self.gemm_into("gemm", alpha, a, transpose_a, b, transpose_b, beta)
    }

    /// `self = alpha * op(a) x op(b) + beta * self`, checked.
    #[allow(clippy::too_many_arguments)]
    fn gemm_into(
        &mut self,
        op: &'static str,
        alpha: T,
        a: &Tensor<T>,
        transpose_a: bool,
        b: &Tensor<T>,
        transpose_b: bool,
        beta: T,
    ) -> Result<()> {
        if a.ndim() != 2 || b.ndim() != 2 || self.ndim() != 2 {
            return Err(TensorError::ShapeMismatch {
                op,
                lhs: a.shape().to_vec(),
                rhs: b.shape().to_vec(),
                reason: format!("must be 2-D, as must the output {:?}", self.shape()),
            });
        }
        let av = as2(a, transpose_a);
        let bv = as2(b, transpose_b);
        let err = |reason: String| TensorError::ShapeMismatch {
            op,
            lhs: a.shape().to_vec(),
            rhs: b.shape().to_vec(),
            reason,
        };
        check_inner(&av, &bv).map_err(err)?;
        if [av.nrows(), bv.ncols()] != self.shape() {
            return Err(err(format!(
                "give a product of shape {:?}, not the output's {:?}",
                [av.nrows(), bv.ncols()],
                self.shape()
            )));
        }
        let mut c = self
            .data
            .view_mut()
            .into_dimensionality::<Ix2>()
            .expect("rank 2");
        gemm_into(alpha, &av, &bv, beta, &mut c);
        Ok(())
    }
}

fn as2<T: Element>(t: &Tensor<T>, transpose: bool) -> ArrayView2<'_, T> {
    maybe_t(
        t.data.view().into_dimensionality::<Ix2>().expect("rank 2"),
        transpose,
    )
}

fn maybe_t<T>(v: ArrayView2<'_, T>, transpose: bool) -> ArrayView2<'_, T> {
    if transpose {
        v.reversed_axes()
    } else {
        v
    }
}

fn check_inner<T>(a: &ArrayView2<'_, T>, b: &ArrayView2<'_, T>) -> std::result::Result<(), String> {
    if a.ncols() != b.nrows() {
        return Err(format!(
            "have mismatched inner dims ({} vs {})",
            a.ncols(),
            b.nrows()
        ));
    }
    Ok(())
}
