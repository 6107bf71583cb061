//! Pooling: `max_pool2d` (a gather by arg-max indices) and `avg_pool2d` (a mean over
//! `im2col`'s taps), and the gather/scatter pair `take`/`put_add`, each the other's gradient.

use crate::{AutogradError, Result, Var};
use std::rc::Rc;
use tensor::{Element, Window2d};

/// The pooling window for `kernel`, `stride`, `padding`, checked for a rank-4 input of `shape`,
/// and the output's shape `[N, C, OH, OW]`.
fn pool_window(
    op: &'static str,
    shape: &[usize],
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [usize; 2],
) -> Result<(Window2d, [usize; 4])> {
    let window = Window2d {
        stride,
        padding,
        ..Window2d::new(kernel)
    };
    let &[n, c, h, w] = shape else {
        return Err(AutogradError::Invalid {
            op,
            message: format!("expected an input [N, C, H, W], found shape {shape:?}"),
        });
    };
    if (0..2).any(|a| window.padding[a] > window.kernel[a] / 2) {
        return Err(AutogradError::Invalid {
            op,
            message: format!(
                "expected padding at most half the kernel size {:?}, found {:?}",
                window.kernel, window.padding
            ),
        });
    }
    let [oh, ow] = window.output_size(op, [h, w])?;
    Ok((window, [n, c, oh, ow]))
}

impl<T: Element> Var<T> {
    /// The elements at flat (row-major) `indices`, shaped `shape` (PyTorch's
    /// `torch.take(x, index).reshape(shape)`). Backward: `g` scattered back and summed where an
    /// index repeats, [`put_add`](Var::put_add).
    #[track_caller]
    pub fn take(&self, indices: &[usize], shape: &[usize]) -> Result<Var<T>> {
        self.take_shared(&Rc::new(indices.to_vec()), shape)
    }

    /// Zeros of `shape` with element `i` of `self` (row-major) added at flat index
    /// `indices[i]` (PyTorch's `zeros(shape).put_(index, x, accumulate=True)`). Backward: `g`
    /// gathered at the same indices, [`take`](Var::take).
    #[track_caller]
    pub fn put_add(&self, indices: &[usize], shape: &[usize]) -> Result<Var<T>> {
        self.put_add_shared(&Rc::new(indices.to_vec()), shape)
    }

    /// [`take`](Var::take) with indices its gradient shares rather than copies.
    #[track_caller]
    fn take_shared(&self, indices: &Rc<Vec<usize>>, shape: &[usize]) -> Result<Var<T>> {
        let value = self.value().take(indices, shape)?;
        let indices = Rc::clone(indices);
        Ok(Var::from_op("take", value, &[self], move |c| {
            let shape = c.inputs[0].shape();
            Ok(vec![Some(c.grad.put_add_shared(&indices, &shape)?)])
        }))
    }

    /// [`put_add`](Var::put_add) with indices its gradient shares rather than copies.
    #[track_caller]
    fn put_add_shared(&self, indices: &Rc<Vec<usize>>, shape: &[usize]) -> Result<Var<T>> {
        let value = self.value().put_add(indices, shape)?;
        let indices = Rc::clone(indices);
        Ok(Var::from_op("put_add", value, &[self], move |c| {
            let shape = c.inputs[0].shape();
            Ok(vec![Some(c.grad.take_shared(&indices, &shape)?)])
        }))
    }

    /// 2-D max pooling of an NCHW batch (PyTorch's `F.max_pool2d(x, kernel_size, stride,
    /// padding)`; PyTorch's default stride is the kernel size): each output is the largest
    /// element of its window, padding counting as minus infinity.
    ///
    /// Backward: `g` goes to the arg-max of each window (summed where windows share it); on a
    /// tie, to the first maximum in the window's row-major order, as in PyTorch. It is
    /// [`take`](Var::take) at the arg-max indices
    /// ([`tensor::Tensor::max_pool2d_indices`]), recorded as one op whose gradient is
    /// [`put_add`](Var::put_add) at the same indices.
    ///
    /// ```
    /// use autograd::Var;
    /// use tensor::Tensor;
    /// let x = Var::parameter(Tensor::from_vec(&[1, 1, 2, 2], vec![1.0f64, 4.0, 3.0, 2.0])?);
    /// let y = x.max_pool2d([2, 2], [2, 2], [0, 0])?;
    /// assert_eq!(y.item()?, 4.0);
    /// y.backward()?;
    /// assert_eq!(x.grad().unwrap().to_vec(), vec![0.0, 1.0, 0.0, 0.0]);
    /// # Ok::<(), autograd::AutogradError>(())
    /// ```
    ///
    /// Errors when the input is not rank 4, a kernel size or stride is zero, the padding is over
    /// half the kernel, or the window does not fit the padded input.
    #[track_caller]
    pub fn max_pool2d(
        &self,
        kernel: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
    ) -> Result<Var<T>> {
        let (window, out_shape) =
            pool_window("max_pool2d", &self.shape(), kernel, stride, padding)?;
        let (value, indices) = self.value().max_pool2d_with_indices(&window)?;
        debug_assert_eq!(value.shape(), out_shape);
        // An `Rc<[usize]>` would copy the indices out of the vector; the `Rc<Vec>` keeps them.
        let indices = Rc::new(indices);
        Ok(Var::from_op("max_pool2d", value, &[self], move |c| {
            let shape = c.inputs[0].shape();
            Ok(vec![Some(c.grad.put_add_shared(&indices, &shape)?)])
        }))
    }

    /// 2-D average pooling of an NCHW batch (PyTorch's `F.avg_pool2d(x, kernel_size, stride,
    /// padding)` with its defaults `count_include_pad=True`, `ceil_mode=False`): each output is
    /// the sum of its window, padding as zeros, divided by `kh·kw`.
    ///
    /// It is a mean over the taps of [`im2col`](Var::im2col) (channels treated as images), so
    /// its backward is `g / (kh·kw)` folded back with [`col2im`](Var::col2im).
    ///
    /// Errors when the input is not rank 4, a kernel size or stride is zero, the padding is over
    /// half the kernel, or the window does not fit the padded input.
    #[track_caller]
    pub fn avg_pool2d(
        &self,
        kernel: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
    ) -> Result<Var<T>> {
        let (window, [n, c, oh, ow]) =
            pool_window("avg_pool2d", &self.shape(), kernel, stride, padding)?;
        let s = self.shape();
        let cols = self.reshape(&[n * c, 1, s[2], s[3]])?.im2col(&window)?;
        cols.mean_axis(0, false)?.reshape(&[n, c, oh, ow])
    }
}
