//! A convolution with one group, run image by image: [`Tensor::conv2d`] and its gradients
//! [`Tensor::conv2d_grads`].
//!
//! The same arithmetic as [`im2col`](Tensor::im2col) then one matrix product over the whole
//! batch, but each image's columns (`[C·kh·kw, OH·OW]`, a few hundred KB at MNIST's sizes) are
//! made, multiplied and dropped while they are in cache: the batch's columns (14 MB for a
//! 32-channel 14x14 layer at batch 64) are never written to memory and read back, in the
//! forward pass or the backward, and the output gradient is multiplied where it lies in NCHW
//! (an image's `[O, OH·OW]` is a matrix already), with no move to rows first.
//!
//! Threads: the forward pass and the input gradient are computed per image; the weight
//! gradient is summed over fixed groups of [`IMAGES_PER_PARTIAL`] images, each group's partial
//! sum the product of one thread, then the partials in group order. Threads take whole images
//! or groups, so the results are the same bit for bit whatever [`num_threads`] is.
//!
//! [`num_threads`]: crate::num_threads

use crate::conv::{nchw, Unfold};
use crate::kernel::{gemm_add, gemm_write};
use crate::parallel::{collect_units, for_units};
use crate::{Element, Result, Tensor, TensorError, Window2d};
use ndarray::ArrayView2;
use std::mem::MaybeUninit;
use std::sync::Mutex;

/// The images whose weight-gradient products one partial sum accumulates: few enough that the
/// pool has several groups to share out, many enough that the partials (`[O, C·kh·kw]` each)
/// are few to add.
const IMAGES_PER_PARTIAL: usize = 8;

/// The gradients `(∂/∂x, ∂/∂weight)` of [`Tensor::conv2d_grads`], each when asked for.
type Grads<T> = (Option<Tensor<T>>, Option<Tensor<T>>);

/// A convolution's sizes, checked: input `[n, c, h, w]`, `o` outputs, `k = C·kh·kw` rows of an
/// image's columns, `l = OH·OW` columns, and the window resolved for one image.
struct Geometry {
    input: [usize; 4],
    o: usize,
    k: usize,
    l: usize,
    output: [usize; 2],
    image: Unfold,
}

impl Geometry {
    fn new(op: &'static str, input: &[usize], weight: &[usize], window: &Window2d) -> Result<Self> {
        let [n, c, h, w] = nchw(op, input)?;
        let o = match *weight {
            [o, wc, kh, kw] if wc == c && [kh, kw] == window.kernel => o,
            _ => {
                return Err(TensorError::ShapeMismatch {
                    op,
                    lhs: input.to_vec(),
                    rhs: weight.to_vec(),
                    reason: format!(
                        "do not fit: expected a weight [O, {c}, {}, {}] (one group, the window's kernel {:?})",
                        window.kernel[0], window.kernel[1], window.kernel
                    ),
                })
            }
        };
        let image = Unfold::new(op, window, [1, c, h, w])?;
        let output = image.output();
        Ok(Geometry {
            input: [n, c, h, w],
            o,
            k: image.rows(),
            l: output[0] * output[1],
            output,
            image,
        })
    }

    /// The elements of one input image, `C·H·W`.
    fn image_len(&self) -> usize {
        self.image.input_len()
    }

    /// Image `img`'s columns `[k, l]`, unfolded from the batch `x` into `buf`.
    fn columns<'a, T: Element>(
        &self,
        x: &[T],
        img: usize,
        buf: &'a mut Vec<T>,
    ) -> ArrayView2<'a, T> {
        let (k, l, len) = (self.k, self.l, self.image_len());
        buf.clear();
        buf.reserve(k * l);
        self.image.unfold(
            &x[img * len..][..len],
            0,
            &mut buf.spare_capacity_mut()[..k * l],
        );
        // SAFETY: `unfold` wrote all `k·l` elements of its rows (whole rows: all of them).
        unsafe { buf.set_len(k * l) };
        ArrayView2::from_shape((k, l), &buf[..]).expect("k·l elements")
    }
}

impl<T: Element> Tensor<T> {
    /// A 2-D convolution of an NCHW batch with one group (PyTorch's
    /// `F.conv2d(x, weight, bias, stride, padding, dilation)`): `weight` is `[O, C, kh, kw]`
    /// with `[kh, kw]` the window's kernel, and the result `[N, O, OH, OW]` is
    ///
    /// `out[n, o, i, j] = bias[o] + Σ_{c, ki, kj} weight[o, c, ki, kj] · x[n, c, i·s + ki·d - p,
    /// j·s + kj·d - p]`, zero outside the image.
    ///
    /// It equals `weight.reshape([O, C·kh·kw]).matmul(x.im2col(window))` moved to NCHW
    /// ([`rows_to_nchw`](Tensor::rows_to_nchw)), computed image by image (see the module
    /// notes): each image's product is one thread's, so the result does not depend on
    /// [`num_threads`](crate::num_threads).
    ///
    /// ```
    /// use tensor::{Tensor, Window2d};
    /// let x = Tensor::from_vec(&[1, 1, 2, 3], vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0])?;
    /// let w = Tensor::from_vec(&[1, 1, 2, 2], vec![1.0f32, 0.0, 0.0, 1.0])?; // a diagonal
    /// let y = x.conv2d(&w, Some(&Tensor::from_vec(&[1], vec![0.5])?), &Window2d::new([2, 2]))?;
    /// assert_eq!(y.shape(), &[1, 1, 1, 2]);
    /// assert_eq!(y.to_vec(), vec![6.5, 8.5]); // 1 + 5 + 0.5, 2 + 6 + 0.5
    /// # Ok::<(), tensor::TensorError>(())
    /// ```
    ///
    /// Errors when the input is not rank 4, the weight not `[O, C, kh, kw]` for it and the
    /// window, the bias not `[O]`, or the window does not fit the image.
    pub fn conv2d(
        &self,
        weight: &Tensor<T>,
        bias: Option<&Tensor<T>>,
        window: &Window2d,
    ) -> Result<Tensor<T>> {
        const OP: &str = "conv2d";
        let g = Geometry::new(OP, self.shape(), weight.shape(), window)?;
        let (n, o, k, l) = (g.input[0], g.o, g.k, g.l);
        if let Some(b) = bias {
            if b.shape() != [o] {
                return Err(TensorError::Invalid {
                    op: OP,
                    message: format!("expected a bias of shape [{o}], found {:?}", b.shape()),
                });
            }
        }
        let shape = [n, o, g.output[0], g.output[1]];
        let unit = o * l;
        if n * unit == 0 {
            return Ok(Tensor::zeros(&shape));
        }
        let x = self.data.as_standard_layout();
        let x = x.as_slice().expect("standard layout");
        let w = weight.data.as_standard_layout();
        let w = ArrayView2::from_shape((o, k), w.as_slice().expect("standard layout"))
            .expect("O·C·kh·kw elements");
        let bias = bias.map(|b| b.to_vec());
        let out = collect_units(n * unit, unit, n * unit * k.max(1), &|first, chunk| {
            let mut buf = Vec::new();
            for (i, block) in chunk.chunks_mut(unit).enumerate() {
                let cols = g.columns(x, first + i, &mut buf);
                gemm_write(&w, &cols, block);
                if let Some(b) = &bias {
                    for (plane, &b) in block.chunks_mut(l).zip(b) {
                        // SAFETY: `gemm_write` wrote every element of the block.
                        plane
                            .iter_mut()
                            .for_each(|v| unsafe { *v.assume_init_mut() += b });
                    }
                }
            }
        });
        Tensor::from_vec(&shape, out)
    }

    /// The gradients of [`conv2d`](Tensor::conv2d) (`self` its input `x`, `weight` its
    /// weight) for the output gradient `grad` `[N, O, OH, OW]`: `(∂/∂x, ∂/∂weight)`, each
    /// computed only when asked for by `need = [input, weight]` (PyTorch's
    /// `torch.nn.grad.conv2d_input` and `conv2d_weight`; the bias's gradient is `grad`'s sum
    /// per channel, [`channel_sum`](Tensor::channel_sum)):
    ///
    /// `∂/∂weight = Σ_n G_n cols_nᵀ` and `∂/∂x_n = col2im(Wᵀ G_n)`, with `G_n` image `n`'s
    /// `[O, OH·OW]` of `grad`, `cols_n` its [`im2col`](Tensor::im2col) columns and `W` the
    /// weight as `[O, C·kh·kw]`: the gradients of the im2col product, image by image (see the
    /// module notes), the same bits at any thread count.
    ///
    /// ```
    /// use tensor::{Tensor, Window2d};
    /// let x = Tensor::from_vec(&[1, 1, 2, 3], vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0])?;
    /// let w = Tensor::from_vec(&[1, 1, 2, 2], vec![1.0f32, 0.0, 0.0, 1.0])?;
    /// let g = Tensor::ones(&[1, 1, 1, 2]);
    /// let (dx, dw) = x.conv2d_grads(&w, &g, &Window2d::new([2, 2]), [true, true])?;
    /// assert_eq!(dw.unwrap().to_vec(), vec![3.0, 5.0, 9.0, 11.0]); // each tap's two inputs
    /// assert_eq!(dx.unwrap().to_vec(), vec![1.0, 1.0, 0.0, 0.0, 1.0, 1.0]);
    /// # Ok::<(), tensor::TensorError>(())
    /// ```
    ///
    /// Errors as [`conv2d`](Tensor::conv2d) does, and when `grad` is not its output's shape.
    pub fn conv2d_grads(
        &self,
        weight: &Tensor<T>,
        grad: &Tensor<T>,
        window: &Window2d,
        [need_input, need_weight]: [bool; 2],
    ) -> Result<Grads<T>> {
        const OP: &str = "conv2d_grads";
        let g = Geometry::new(OP, self.shape(), weight.shape(), window)?;
        let (n, o, k, l) = (g.input[0], g.o, g.k, g.l);
        let out_shape = [n, o, g.output[0], g.output[1]];
        if grad.shape() != out_shape {
            return Err(TensorError::ShapeMismatch {
                op: OP,
                lhs: grad.shape().to_vec(),
                rhs: out_shape.to_vec(),
                reason: format!(
                    "do not fit: the output gradient must have the output's shape {out_shape:?} (input {:?}, weight {:?})",
                    self.shape(),
                    weight.shape()
                ),
            });
        }
        let x = self.data.as_standard_layout();
        let x = x.as_slice().expect("standard layout");
        let w = weight.data.as_standard_layout();
        let w = ArrayView2::from_shape((o, k), w.as_slice().expect("standard layout"))
            .expect("O·C·kh·kw elements");
        let gs = grad.data.as_standard_layout();
        let gs = gs.as_slice().expect("standard layout");
        let g_image = |img: usize| {
            ArrayView2::from_shape((o, l), &gs[img * o * l..][..o * l]).expect("O·OH·OW")
        };
        let len = g.image_len();
        let mut dx = vec![T::zero(); if need_input { n * len } else { 0 }];
        // Image `img`'s input gradient, added into its (zeroed) `dst`: `Wᵀ G` in `buf`, folded.
        let input_grad = |img: usize, buf: &mut Vec<T>, dst: &mut [T]| {
            buf.clear();
            buf.reserve(k * l);
            gemm_write(
                &w.t(),
                &g_image(img),
                &mut buf.spare_capacity_mut()[..k * l],
            );
            // SAFETY: `gemm_write` wrote all `k·l` elements.
            unsafe { buf.set_len(k * l) };
            g.image.fold(buf, 0, dst);
        };
        let work = n * o * k * l;
        let mut dw = None;
        if need_weight && n > 0 {
            let parts: Vec<Mutex<&mut [T]>> = dx
                .chunks_mut((IMAGES_PER_PARTIAL * len).max(1))
                .map(Mutex::new)
                .collect();
            let groups = n.div_ceil(IMAGES_PER_PARTIAL);
            let ok = o * k;
            let partials = collect_units(groups * ok, ok.max(1), work, &|first, chunk| {
                let (mut cols_buf, mut buf) = (Vec::new(), Vec::new());
                for (j, partial) in chunk.chunks_mut(ok.max(1)).enumerate() {
                    let group = first + j;
                    let images =
                        group * IMAGES_PER_PARTIAL..n.min((group + 1) * IMAGES_PER_PARTIAL);
                    let mut dx_part = parts
                        .get(group)
                        .map(|p| p.lock().unwrap_or_else(|e| e.into_inner()));
                    for img in images.clone() {
                        let cols = g.columns(x, img, &mut cols_buf);
                        if img == images.start {
                            gemm_write(&g_image(img), &cols.t(), partial);
                        } else {
                            // SAFETY: the group's first image wrote every element.
                            let partial =
                                unsafe { &mut *(partial as *mut [MaybeUninit<T>] as *mut [T]) };
                            gemm_add(&g_image(img), &cols.t(), partial);
                        }
                        if let Some(part) = dx_part.as_deref_mut() {
                            let at = (img - images.start) * len;
                            input_grad(img, &mut buf, &mut part[at..][..len]);
                        }
                    }
                }
            });
            let mut sum = partials[..ok].to_vec();
            for p in partials.chunks(ok.max(1)).skip(1) {
                sum.iter_mut().zip(p).for_each(|(s, &v)| *s += v);
            }
            dw = Some(Tensor::from_vec(weight.shape(), sum)?);
        } else if need_weight {
            dw = Some(Tensor::zeros(weight.shape()));
        } else if need_input && len > 0 {
            for_units(&mut dx, len, work, &|first, chunk| {
                let mut buf = Vec::new();
                for (i, dst) in chunk.chunks_mut(len).enumerate() {
                    input_grad(first + i, &mut buf, dst);
                }
            });
        }
        let dx = need_input
            .then(|| Tensor::from_vec(self.shape(), dx))
            .transpose()?;
        Ok((dx, dw))
    }
}

#[cfg(test)]
mod tests {
    use crate::{set_num_threads, Tensor, Window2d};
    use rand::{rngs::StdRng, Rng, SeedableRng};

    /// A random window: kernel 1-3, stride 1-2, padding 0-2, dilation 1-2 (PyTorch allows
    /// padding up to half the dilated kernel; larger is allowed here too).
    fn random_window(rng: &mut StdRng) -> Window2d {
        let mut pair =
            |lo: usize, hi: usize| [rng.random_range(lo..=hi), rng.random_range(lo..=hi)];
        Window2d {
            kernel: pair(1, 3),
            stride: pair(1, 2),
            padding: pair(0, 2),
            dilation: pair(1, 2),
        }
    }

    fn close(got: &Tensor<f64>, want: &Tensor<f64>, what: &str) {
        assert_eq!(got.shape(), want.shape(), "{what}");
        for (a, b) in got.to_vec().iter().zip(want.to_vec()) {
            assert!(
                (a - b).abs() <= 1e-12 * (1.0 + b.abs()),
                "{what}: {a} vs {b}"
            );
        }
    }

    fn bits(t: &Tensor<f64>) -> Vec<u64> {
        t.to_vec().iter().map(|v| v.to_bits()).collect()
    }

    /// Image by image is the plain path it replaces (im2col, one product over the batch, the
    /// move to NCHW; for the gradients, the output gradient moved to rows, `R colsᵀ` and
    /// `col2im(Wᵀ R)`), to rounding, on random shapes and windows (batches below, at and
    /// above a group of partial sums, the "same" case among them); and the same bits at 1-3
    /// threads.
    #[test]
    fn conv2d_and_its_gradients_are_the_im2col_product_at_any_thread_count() {
        let mut rng = StdRng::seed_from_u64(31);
        let mut cases = 0;
        while cases < 40 {
            let window = if cases % 4 == 0 {
                Window2d {
                    padding: [1, 1],
                    ..Window2d::new([3, 3])
                }
            } else {
                random_window(&mut rng)
            };
            let n = [1, 3, 8, 9, 17][cases % 5];
            let (c, o) = (rng.random_range(1..5), rng.random_range(1..6));
            let (h, w) = (rng.random_range(1..9), rng.random_range(1..9));
            let Ok([oh, ow]) = window.output_size("t", [h, w]) else {
                continue;
            };
            cases += 1;
            let [kh, kw] = window.kernel;
            let x = Tensor::<f64>::rand_uniform(&[n, c, h, w], -1.0, 1.0, &mut rng).unwrap();
            let wt = Tensor::<f64>::rand_uniform(&[o, c, kh, kw], -1.0, 1.0, &mut rng).unwrap();
            let b = Tensor::<f64>::rand_uniform(&[o], -1.0, 1.0, &mut rng).unwrap();
            let g = Tensor::<f64>::rand_uniform(&[n, o, oh, ow], -1.0, 1.0, &mut rng).unwrap();
            let bias = (cases % 2 == 0).then_some(&b);
            let what = format!("x {:?}, w {:?}, {window:?}", x.shape(), wt.shape());
            let cols = x.im2col(&window).unwrap();
            let wm = wt.reshape(&[o, c * kh * kw]).unwrap();
            let want_y = wm
                .matmul(&cols)
                .unwrap()
                .rows_to_nchw(n, [oh, ow], bias)
                .unwrap();
            let rows = g.nchw_to_rows().unwrap();
            let want_dw = rows
                .matmul_t(false, &cols, true)
                .unwrap()
                .reshape(wt.shape())
                .unwrap();
            let want_dx = wm
                .matmul_t(true, &rows, false)
                .unwrap()
                .col2im([n, c, h, w], &window)
                .unwrap();
            let mut first = None;
            for threads in 1..=3 {
                set_num_threads(threads);
                let y = x.conv2d(&wt, bias, &window).unwrap();
                let (dx, dw) = x.conv2d_grads(&wt, &g, &window, [true, true]).unwrap();
                let (dx, dw) = (dx.unwrap(), dw.unwrap());
                close(&y, &want_y, &what);
                close(&dw, &want_dw, &what);
                close(&dx, &want_dx, &what);
                // Each gradient alone is the same as both together.
                let (only_dx, none) = x.conv2d_grads(&wt, &g, &window, [true, false]).unwrap();
                assert!(none.is_none());
                assert_eq!(bits(&only_dx.unwrap()), bits(&dx), "{what}");
                let (none, only_dw) = x.conv2d_grads(&wt, &g, &window, [false, true]).unwrap();
                assert!(none.is_none());
                assert_eq!(bits(&only_dw.unwrap()), bits(&dw), "{what}");
                let all = [bits(&y), bits(&dx), bits(&dw)];
                assert_eq!(
                    first.get_or_insert_with(|| all.clone()),
                    &all,
                    "{what}, {threads} threads"
                );
            }
            set_num_threads(1);
        }
    }

    #[test]
    fn errors_name_what_was_expected() {
        let x = Tensor::<f64>::zeros(&[2, 3, 5, 5]);
        let win = Window2d::new([3, 3]);
        let e = x
            .conv2d(&Tensor::zeros(&[4, 2, 3, 3]), None, &win)
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected a weight [O, 3, 3, 3]"), "{e}");
        let e = x
            .conv2d(&Tensor::zeros(&[4, 3, 2, 2]), None, &win)
            .unwrap_err()
            .to_string();
        assert!(e.contains("the window's kernel [3, 3]"), "{e}");
        let w = Tensor::zeros(&[4, 3, 3, 3]);
        let e = x
            .conv2d(&w, Some(&Tensor::zeros(&[3])), &win)
            .unwrap_err()
            .to_string();
        assert!(e.contains("bias of shape [4], found [3]"), "{e}");
        let e = Tensor::<f64>::zeros(&[3, 5, 5])
            .conv2d(&w, None, &win)
            .unwrap_err()
            .to_string();
        assert!(e.contains("rank 4"), "{e}");
        let e = x
            .conv2d_grads(&w, &Tensor::zeros(&[2, 4, 5, 5]), &win, [true, true])
            .unwrap_err()
            .to_string();
        assert!(e.contains("the output's shape [2, 4, 3, 3]"), "{e}");
        let e = Tensor::<f64>::zeros(&[1, 3, 2, 2])
            .conv2d(&w, None, &win)
            .unwrap_err()
            .to_string();
        assert!(e.contains("larger than the padded input"), "{e}");
        // Empty batches and channels are shapes, not errors.
        let y = Tensor::<f64>::zeros(&[0, 3, 5, 5])
            .conv2d(&w, None, &win)
            .unwrap();
        assert_eq!(y.shape(), &[0, 4, 3, 3]);
        let (dx, dw) = Tensor::<f64>::zeros(&[0, 3, 5, 5])
            .conv2d_grads(&w, &Tensor::zeros(&[0, 4, 3, 3]), &win, [true, true])
            .unwrap();
        assert_eq!(
            (dx.unwrap().shape(), dw.unwrap().to_vec()),
            (&[0, 3, 5, 5][..], vec![0.0; 108])
        );
    }
}
