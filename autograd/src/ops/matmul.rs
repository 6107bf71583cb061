//! Matrix products and the fused linear layer.

use super::when;
use crate::{AutogradError, Result, Var};
use tensor::Element;

impl<T: Element> Var<T> {
    /// The matrix product (PyTorch's `torch.matmul`) for `[n,k]x[k,m]`, `[b,n,k]x[b,k,m]` and
    /// `[b,n,k]x[k,m]`. Backward: `∂/∂A = G Bᵀ`, `∂/∂B = Aᵀ G` (summed over the batch for a
    /// shared `B`).
    #[track_caller]
    pub fn matmul(&self, other: &Var<T>) -> Result<Var<T>> {
        self.matmul_t(false, other, false)
    }

    /// `op(self) x op(other)`, where `op` transposes the last two axes when its flag is set,
    /// without copying (BLAS's `gemm` flags).
    ///
    /// Backward, with `A' = op(A)`, `B' = op(B)`: `∂/∂A' = G B'ᵀ` and `∂/∂B' = A'ᵀ G`, each
    /// transposed back when its operand was; every product is again a `matmul_t`, so no
    /// transpose is ever materialised.
    #[track_caller]
    pub fn matmul_t(&self, ta: bool, other: &Var<T>, tb: bool) -> Result<Var<T>> {
        let value = self.value().matmul_t(ta, &other.value(), tb)?;
        Ok(Var::from_op("matmul", value, &[self, other], move |c| {
            let (a, b, g) = (&c.inputs[0], &c.inputs[1], c.grad);
            Ok(vec![
                when(c.needs(0), || {
                    if ta && g.shape().len() == 3 && b.shape().len() == 2 {
                        // A shared B cannot lead a batched product: form (G B'ᵀ) and transpose it.
                        g.matmul_t(false, b, !tb)?.transpose(-1, -2)
                    } else if ta {
                        b.matmul_t(tb, g, true)
                    } else {
                        g.matmul_t(false, b, !tb)
                    }
                })?,
                when(c.needs(1), || {
                    if tb {
                        g.matmul_t(true, a, ta)
                    } else {
                        a.matmul_t(!ta, g, false)
                    }
                })?,
            ])
        }))
    }

    /// The linear layer `x Wᵀ + b` for `x` `[n, in]`, `W` `[out, in]` (PyTorch's layout) and an
    /// optional `b` `[out]` (PyTorch's `F.linear`), recorded as one node.
    ///
    /// Backward: `∂/∂x = G W`, `∂/∂W = Gᵀ x`, `∂/∂b = Σ_rows G`. A weight that is a leaf
    /// keeps `Gᵀ x` as its two factors until it is read or applied
    /// ([`BackwardCtx::product_grad`](crate::BackwardCtx::product_grad)).
    #[track_caller]
    pub fn linear(&self, weight: &Var<T>, bias: Option<&Var<T>>) -> Result<Var<T>> {
        let (xs, ws) = (self.shape(), weight.shape());
        if xs.len() != 2 || ws.len() != 2 || xs[1] != ws[1] {
            return Err(AutogradError::Invalid {
                op: "linear",
                message: format!(
                    "expected input [n, in] and weight [out, in] with the same in, found input {xs:?} and weight {ws:?}"
                ),
            });
        }
        let mut value = self.value().matmul_t(false, &weight.value(), true)?;
        if let Some(b) = bias {
            if b.shape() != [ws[0]] {
                return Err(AutogradError::Invalid {
                    op: "linear",
                    message: format!(
                        "expected bias of shape [{}] for weight {ws:?}, found {:?}",
                        ws[0],
                        b.shape()
                    ),
                });
            }
            value.add_assign(&b.value())?;
        }
        let rule = |c: &crate::BackwardCtx<'_, T>| -> Result<Vec<Option<Var<T>>>> {
            let (x, w, g) = (&c.inputs[0], &c.inputs[1], c.grad);
            let mut grads = vec![
                when(c.needs(0), || g.matmul_t(false, w, false))?,
                c.product_grad(1, g, true, x, false)?,
            ];
            if c.inputs.len() == 3 {
                grads.push(when(c.needs(2), || g.sum_axis(0, false))?);
            }
            Ok(grads)
        };
        Ok(match bias {
            Some(b) => Var::from_op("linear", value, &[self, weight, b], rule),
            None => Var::from_op("linear", value, &[self, weight], rule),
        })
    }
}
