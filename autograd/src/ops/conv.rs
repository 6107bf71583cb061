//! Convolution: the `im2col`/`col2im` adjoint pair, and `conv2d`.
//!
//! `im2col`'s gradient is `col2im` and `col2im`'s is `im2col`, each a recorded op. A grouped
//! convolution is composed of them and one matrix product per group, so its gradients (and
//! their gradients, under `create_graph`) come from the ops it is made of. With one group it
//! is one op computed image by image ([`tensor::Tensor::conv2d`]) whose backward is the im2col
//! product's gradients image by image ([`tensor::Tensor::conv2d_grads`]), or, when the
//! backward is itself recorded, those same gradients composed of recorded ops.

use super::when;
use crate::{is_grad_enabled, AutogradError, Result, Var};
use tensor::{Element, Window2d};

/// The keyword arguments of PyTorch's `F.conv2d` (besides the bias), each pair as
/// `[height, width]`.
///
/// ```
/// use autograd::Conv2dOptions;
/// let same = Conv2dOptions { padding: [1, 1], ..Conv2dOptions::default() };
/// assert_eq!(same.stride, [1, 1]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conv2dOptions {
    /// The step between windows (default `[1, 1]`).
    pub stride: [usize; 2],
    /// Zeros added on both sides of each spatial axis (default `[0, 0]`).
    pub padding: [usize; 2],
    /// The spacing between kernel taps (default `[1, 1]`).
    pub dilation: [usize; 2],
    /// The number of groups the channels are split into (default 1): group `g`'s outputs see
    /// only group `g`'s inputs.
    pub groups: usize,
}

impl Default for Conv2dOptions {
    fn default() -> Self {
        Conv2dOptions {
            stride: [1, 1],
            padding: [0, 0],
            dilation: [1, 1],
            groups: 1,
        }
    }
}

impl Conv2dOptions {
    /// The window these options slide for a `kernel`-sized filter.
    pub fn window(&self, kernel: [usize; 2]) -> Window2d {
        Window2d {
            kernel,
            stride: self.stride,
            padding: self.padding,
            dilation: self.dilation,
        }
    }
}

fn invalid(op: &'static str, message: String) -> AutogradError {
    AutogradError::Invalid { op, message }
}

impl<T: Element> Var<T> {
    /// Unfolds every window of an NCHW batch into a column, `[C·kh·kw, N·OH·OW]` (PyTorch's
    /// `F.unfold` with the batch moved into the columns; see [`tensor::Tensor::im2col`]).
    /// Backward: `g` folded back, [`col2im`](Var::col2im).
    #[track_caller]
    pub fn im2col(&self, window: &Window2d) -> Result<Var<T>> {
        let value = self.value().im2col(window)?;
        let shape = self.shape();
        let shape = [shape[0], shape[1], shape[2], shape[3]];
        let window = *window;
        Ok(Var::from_op("im2col", value, &[self], move |c| {
            Ok(vec![Some(c.grad.col2im(shape, &window)?)])
        }))
    }

    /// Folds columns `[C·kh·kw, N·OH·OW]` back into an NCHW batch of `shape`, summing where
    /// windows overlap (PyTorch's `F.fold`; see [`tensor::Tensor::col2im`]). It is the adjoint
    /// of [`im2col`](Var::im2col) and its gradient. Backward: `g` unfolded, `im2col`.
    #[track_caller]
    pub fn col2im(&self, shape: [usize; 4], window: &Window2d) -> Result<Var<T>> {
        let value = self.value().col2im(shape, window)?;
        let window = *window;
        Ok(Var::from_op("col2im", value, &[self], move |c| {
            Ok(vec![Some(c.grad.im2col(&window)?)])
        }))
    }

    /// The 2-D convolution of an NCHW batch (PyTorch's `F.conv2d`, a cross-correlation):
    /// input `[N, C, H, W]`, weight `[O, C/groups, kh, kw]`, optional bias `[O]`, output
    /// `[N, O, OH, OW]` with `OH = (H + 2·padding - dilation·(kh - 1) - 1) / stride + 1` (and
    /// so for `OW`):
    ///
    /// `out[n, o, i, j] = bias[o] + Σ_{c, ki, kj} W[o, c, ki, kj] · x[n, g·C/groups + c,
    /// i·s + ki·d - p, j·s + kj·d - p]` over group `g = o / (O/groups)`, zero outside the image.
    ///
    /// With one group it is computed image by image ([`tensor::Tensor::conv2d`]); otherwise
    /// it is composed of [`im2col`](Var::im2col) (`[C·kh·kw, N·OH·OW]`), one matrix product
    /// per group `W_g [O/groups, C/groups·kh·kw] x cols_g` over the whole batch, and a move to
    /// NCHW that adds the bias. Either way the gradients are the im2col product's:
    /// `∂/∂W = G colsᵀ`, `∂/∂x = col2im(Wᵀ G)`, `∂/∂bias = Σ_{n, i, j} G`.
    ///
    /// ```
    /// use autograd::{Conv2dOptions, Var};
    /// use tensor::Tensor;
    /// let x = Var::constant(Tensor::<f64>::ones(&[1, 1, 3, 3]));
    /// let w = Var::parameter(Tensor::ones(&[2, 1, 2, 2]));
    /// let y = x.conv2d(&w, None, Conv2dOptions::default())?;
    /// assert_eq!(y.shape(), vec![1, 2, 2, 2]);
    /// assert_eq!(y.to_tensor().to_vec(), vec![4.0; 8]);
    /// # Ok::<(), autograd::AutogradError>(())
    /// ```
    ///
    /// Errors when the input is not rank 4, the weight is not `[O, C/groups, kh, kw]` with `O`
    /// and `C` divisible by `groups`, the bias is not `[O]`, or the window does not fit.
    #[track_caller]
    pub fn conv2d(
        &self,
        weight: &Var<T>,
        bias: Option<&Var<T>>,
        opts: Conv2dOptions,
    ) -> Result<Var<T>> {
        const OP: &str = "conv2d";
        let (xs, ws) = (self.shape(), weight.shape());
        let g = opts.groups;
        let &[n, c, h, w] = xs.as_slice() else {
            return Err(invalid(
                OP,
                format!("expected an input [N, C, H, W], found shape {xs:?}"),
            ));
        };
        let &[o, cg, kh, kw] = ws.as_slice() else {
            return Err(invalid(
                OP,
                format!("expected a weight [out, in/groups, kh, kw], found shape {ws:?}"),
            ));
        };
        if g == 0 || c % g != 0 || o % g != 0 || cg != c / g {
            return Err(invalid(
                OP,
                format!(
                    "expected groups >= 1 dividing the input's {c} channels and the weight's {o} outputs, and a weight of {} input channels per group, found groups {g} and weight {ws:?} for input {xs:?}",
                    c.checked_div(g).unwrap_or(0)
                ),
            ));
        }
        if let Some(b) = bias {
            if b.shape() != [o] {
                return Err(invalid(
                    OP,
                    format!(
                        "expected a bias of shape [{o}] for weight {ws:?}, found {:?}",
                        b.shape()
                    ),
                ));
            }
        }
        let window = opts.window([kh, kw]);
        let [oh, ow] = window.output_size(OP, [h, w])?;
        let (k, l) = (cg * kh * kw, n * oh * ow);
        if g == 1 {
            return self.conv2d_one_group(weight, bias, window);
        }
        let cols = self.im2col(&window)?;
        let wg = weight.reshape(&[g, o / g, k])?;
        let y = wg.matmul(&cols.reshape(&[g, k, l])?)?.reshape(&[o, l])?;
        y.rows_to_nchw(n, [oh, ow], bias)
    }

    /// [`conv2d`](Var::conv2d) with one group, its shapes checked there, as one op (see
    /// [`tensor::Tensor::conv2d`]). Backward: [`tensor::Tensor::conv2d_grads`] for the input
    /// and the weight, `g`'s sum per channel for the bias; when the backward is recorded
    /// (`create_graph`), the same gradients of recorded ops: `g` moved to rows `R`
    /// ([`nchw_to_rows`](Var::nchw_to_rows)), `∂/∂W = R colsᵀ` and `∂/∂x = col2im(Wᵀ R)`,
    /// `cols = im2col(x)`.
    #[track_caller]
    fn conv2d_one_group(
        &self,
        weight: &Var<T>,
        bias: Option<&Var<T>>,
        window: Window2d,
    ) -> Result<Var<T>> {
        let value = {
            let b = bias.map(|b| b.value());
            self.value()
                .conv2d(&weight.value(), b.as_deref(), &window)?
        };
        let rule = move |c: &crate::BackwardCtx<'_, T>| -> Result<Vec<Option<Var<T>>>> {
            let (x, w) = (&c.inputs[0], &c.inputs[1]);
            let mut grads = if !is_grad_enabled() {
                let (dx, dw) = x.value().conv2d_grads(
                    &w.value(),
                    &c.grad.value(),
                    &window,
                    [c.needs(0), c.needs(1)],
                )?;
                vec![dx.map(Var::constant), dw.map(Var::constant)]
            } else {
                let ws = w.shape();
                let rows = c.grad.nchw_to_rows()?;
                let wm = w.reshape(&[ws[0], ws[1] * ws[2] * ws[3]])?;
                let x_shape = x.shape();
                let shape = [x_shape[0], x_shape[1], x_shape[2], x_shape[3]];
                vec![
                    when(c.needs(0), || {
                        wm.matmul_t(true, &rows, false)?.col2im(shape, &window)
                    })?,
                    when(c.needs(1), || {
                        rows.matmul_t(false, &x.im2col(&window)?, true)?
                            .reshape(&ws)
                    })?,
                ]
            };
            if c.inputs.len() == 3 {
                // Summed per channel straight from g, on the pool.
                grads.push(when(c.needs(2), || c.grad.channel_sum())?);
            }
            Ok(grads)
        };
        Ok(match bias {
            Some(b) => Var::from_op("conv2d", value, &[self, weight, b], rule),
            None => Var::from_op("conv2d", value, &[self, weight], rule),
        })
    }

    /// A convolution's product `[O, N·OH·OW]` as an NCHW batch `[N, O, OH, OW]`, plus the bias
    /// (see [`tensor::Tensor::rows_to_nchw`]). Backward: `g` moved back to rows
    /// ([`nchw_to_rows`](Var::nchw_to_rows)); the bias gets those rows' sums.
    #[track_caller]
    fn rows_to_nchw(&self, n: usize, spatial: [usize; 2], bias: Option<&Var<T>>) -> Result<Var<T>> {
        let value = {
            let b = bias.map(|b| b.value());
            self.value().rows_to_nchw(n, spatial, b.as_deref())?
        };
        let rule = |c: &crate::BackwardCtx<'_, T>| -> Result<Vec<Option<Var<T>>>> {
            let rows = c.grad.nchw_to_rows()?;
            let mut grads = vec![];
            if c.inputs.len() == 2 {
                grads.push(when(c.needs(1), || rows.sum_axis(1, false))?);
            }
            grads.insert(0, Some(rows));
            Ok(grads)
        };
        Ok(match bias {
            Some(b) => Var::from_op("rows_to_nchw", value, &[self, b], rule),
            None => Var::from_op("rows_to_nchw", value, &[self], rule),
        })
    }

    /// An NCHW batch `[N, C, H, W]` as rows `[C, N·H·W]` (see
    /// [`tensor::Tensor::nchw_to_rows`]). Backward: `g` moved back to NCHW.
    #[track_caller]
    fn nchw_to_rows(&self) -> Result<Var<T>> {
        let value = self.value().nchw_to_rows()?;
        Ok(Var::from_op("nchw_to_rows", value, &[self], |c| {
            let s = c.inputs[0].shape();
            Ok(vec![Some(c.grad.rows_to_nchw(s[0], [s[2], s[3]], None)?)])
        }))
    }
}
