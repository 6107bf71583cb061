//! A convolution's matrix product and NCHW: the product `W x cols` has one row per output
//! channel with the images side by side (`[O, N·OH·OW]`, the layout of
//! [`Tensor::im2col`]'s columns), an NCHW batch has the images outermost.
//! [`Tensor::matmul_nchw`] writes the product straight into NCHW; [`Tensor::rows_to_nchw`]
//! and [`Tensor::nchw_to_rows`] move between the two layouts.

use crate::conv::nchw;
use crate::kernel::gemm_per_image;
use crate::parallel::collect_units;
use crate::{Element, Result, Tensor, TensorError};

impl<T: Element> Tensor<T> {
    /// A convolution's matrix product written straight into an NCHW batch: `self` is the
    /// weight as a matrix `[O, K]`, `cols` the columns `[K, N·OH·OW]` of
    /// [`im2col`](Tensor::im2col), and the result is `[N, O, OH, OW]` with `bias[o]` added to
    /// channel `o` when given, as `self.matmul(cols)?.rows_to_nchw(n, spatial, bias)` (see
    /// [`rows_to_nchw`](Tensor::rows_to_nchw)) without the `[O, N·OH·OW]` intermediate and
    /// its copy: each image's columns are multiplied into that image's block of the output
    /// (one thread's product per image, the threads taking whole images, so the result does
    /// not depend on [`num_threads`](crate::num_threads)).
    ///
    /// ```
    /// use tensor::Tensor;
    /// let w = Tensor::from_vec(&[2, 1], vec![1.0f32, 10.0])?;
    /// let cols = Tensor::from_vec(&[1, 4], vec![1.0f32, 2.0, 3.0, 4.0])?; // 2 images of 1x2
    /// let y = w.matmul_nchw(&cols, 2, [1, 2], None)?;
    /// assert_eq!(y.shape(), &[2, 2, 1, 2]);
    /// assert_eq!(y.to_vec(), vec![1.0, 2.0, 10.0, 20.0, 3.0, 4.0, 30.0, 40.0]);
    /// # Ok::<(), tensor::TensorError>(())
    /// ```
    ///
    /// Errors when `self` is not a matrix `[O, K]`, `cols` not `[K, n·OH·OW]`, or the bias is
    /// not `[O]`.
    pub fn matmul_nchw(
        &self,
        cols: &Tensor<T>,
        n: usize,
        spatial: [usize; 2],
        bias: Option<&Tensor<T>>,
    ) -> Result<Tensor<T>> {
        let l = spatial[0] * spatial[1];
        let o = match (self.shape(), cols.shape()) {
            (&[o, k], &[ck, cl]) if ck == k && cl == n * l => o,
            _ => {
                return Err(TensorError::ShapeMismatch {
                    op: "matmul_nchw",
                    lhs: self.shape().to_vec(),
                    rhs: cols.shape().to_vec(),
                    reason: format!(
                        "do not fit: expected a weight [O, K] and columns [K, {n}·{}·{}] for {n} images of {spatial:?}",
                        spatial[0], spatial[1]
                    ),
                })
            }
        };
        if let Some(b) = bias {
            if b.shape() != [o] {
                return Err(TensorError::Invalid {
                    op: "matmul_nchw",
                    message: format!("expected a bias of shape [{o}], found {:?}", b.shape()),
                });
            }
        }
        let bias = bias.map(|b| b.to_vec());
        let w = self
            .data
            .view()
            .into_dimensionality::<ndarray::Ix2>()
            .expect("rank 2");
        let c = cols
            .data
            .view()
            .into_dimensionality::<ndarray::Ix2>()
            .expect("rank 2");
        let out = gemm_per_image(&w, &c, n, &|block| {
            if let Some(b) = &bias {
                for (plane, &b) in block.chunks_mut(l.max(1)).zip(b) {
                    plane.iter_mut().for_each(|v| *v += b);
                }
            }
        });
        Tensor::from_vec(&[n, o, spatial[0], spatial[1]], out)
    }

    /// Moves a matrix product's output `[O, N·OH·OW]` (one row per output channel, as
    /// `W x im2col(x)` gives it) into an NCHW batch `[N, O, OH, OW]`, adding `bias[o]` to
    /// channel `o` when given: PyTorch's `y.reshape(O, N, OH, OW).transpose(0, 1) + bias`,
    /// copying whole `OH·OW` planes. Its adjoint (and inverse, without bias) is
    /// [`nchw_to_rows`](Tensor::nchw_to_rows).
    ///
    /// Errors when `self` is not `[O, n·OH·OW]` for `spatial = [OH, OW]`, or the bias is not
    /// `[O]`.
    pub fn rows_to_nchw(
        &self,
        n: usize,
        spatial: [usize; 2],
        bias: Option<&Tensor<T>>,
    ) -> Result<Tensor<T>> {
        let l = spatial[0] * spatial[1];
        let (o, cols) = match *self.shape() {
            [o, cols] if cols == n * l => (o, cols),
            _ => {
                return Err(TensorError::Invalid {
                    op: "rows_to_nchw",
                    message: format!(
                    "expected rows [O, {n}·{}·{}] for {n} images of {spatial:?}, found shape {:?}",
                    spatial[0],
                    spatial[1],
                    self.shape()
                ),
                })
            }
        };
        if let Some(b) = bias {
            if b.shape() != [o] {
                return Err(TensorError::Invalid {
                    op: "rows_to_nchw",
                    message: format!("expected a bias of shape [{o}], found {:?}", b.shape()),
                });
            }
        }
        let src = self.data.as_standard_layout();
        let src = src.as_slice().expect("standard layout");
        let bias = bias.map(|b| b.to_vec());
        let image = (o * l).max(1);
        let out = collect_units(o * cols, image, 2 * o * cols, &|first, chunk| {
            for (i, dst) in chunk.chunks_mut(image).enumerate() {
                let img = first + i;
                for (ch, dst) in dst.chunks_mut(l.max(1)).enumerate() {
                    let plane = &src[ch * cols + img * l..][..dst.len()];
                    match &bias {
                        Some(b) => {
                            let b = b[ch];
                            dst.iter_mut()
                                .zip(plane)
                                .for_each(|(d, &v)| _ = d.write(v + b));
                        }
                        None => dst.iter_mut().zip(plane).for_each(|(d, &v)| _ = d.write(v)),
                    }
                }
            }
        });
        Tensor::from_vec(&[n, o, spatial[0], spatial[1]], out)
    }

    /// Moves an NCHW batch `[N, C, H, W]` into rows `[C, N·H·W]`, one row per channel with the
    /// images side by side: the layout of [`im2col`](Tensor::im2col)'s columns and of a
    /// convolution's matrix product, and the adjoint (and inverse) of
    /// [`rows_to_nchw`](Tensor::rows_to_nchw) without bias.
    ///
    /// Errors when `self` is not rank 4.
    pub fn nchw_to_rows(&self) -> Result<Tensor<T>> {
        let [n, c, h, w] = nchw("nchw_to_rows", self.shape())?;
        let l = h * w;
        let src = self.data.as_standard_layout();
        let src = src.as_slice().expect("standard layout");
        let row = (n * l).max(1);
        let out = collect_units(n * c * l, row, 2 * n * c * l, &|first, chunk| {
            for (i, dst) in chunk.chunks_mut(row).enumerate() {
                let ch = first + i;
                for (img, dst) in dst.chunks_mut(l.max(1)).enumerate() {
                    let plane = &src[(img * c + ch) * l..][..dst.len()];
                    dst.iter_mut().zip(plane).for_each(|(d, &v)| _ = d.write(v));
                }
            }
        });
        Tensor::from_vec(&[c, n * l], out)
    }
}

#[cfg(test)]
mod tests {
    use crate::set_num_threads;
    use crate::Tensor;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    /// The product written per image into NCHW is the product then the move (to rounding:
    /// each image is its own product), and the same bits at any thread count.
    #[test]
    fn matmul_nchw_is_the_product_moved_to_nchw_at_any_thread_count() {
        let mut rng = StdRng::seed_from_u64(21);
        for case in 0..40 {
            let (o, k, n) = (
                rng.random_range(1..40),
                rng.random_range(1..80),
                rng.random_range(1..9),
            );
            let spatial = [rng.random_range(1..12), rng.random_range(1..12)];
            let l = spatial[0] * spatial[1];
            let w = Tensor::<f64>::rand_uniform(&[o, k], -1.0, 1.0, &mut rng).unwrap();
            let cols = Tensor::<f64>::rand_uniform(&[k, n * l], -1.0, 1.0, &mut rng).unwrap();
            let bias = Tensor::<f64>::rand_uniform(&[o], -1.0, 1.0, &mut rng).unwrap();
            let bias = (case % 2 == 0).then_some(&bias);
            let want = w
                .matmul(&cols)
                .unwrap()
                .rows_to_nchw(n, spatial, bias)
                .unwrap();
            let mut first = None;
            for threads in 1..=3 {
                set_num_threads(threads);
                let got = w.matmul_nchw(&cols, n, spatial, bias).unwrap();
                assert_eq!(got.shape(), want.shape());
                for (a, b) in got.to_vec().iter().zip(want.to_vec()) {
                    assert!(
                        (a - b).abs() <= 1e-12,
                        "{a} vs {b} at {o}x{k}, {n} images of {spatial:?}"
                    );
                }
                let bits: Vec<u64> = got.to_vec().iter().map(|v| v.to_bits()).collect();
                assert_eq!(
                    first.get_or_insert_with(|| bits.clone()),
                    &bits,
                    "{threads} threads"
                );
            }
            set_num_threads(1);
        }
        let w = Tensor::<f64>::zeros(&[3, 4]);
        let err = w
            .matmul_nchw(&Tensor::zeros(&[4, 10]), 2, [2, 2], None)
            .unwrap_err();
        assert!(err.to_string().contains("[K, 2·2·2]"), "{err}");
        let err = w
            .matmul_nchw(
                &Tensor::zeros(&[4, 8]),
                2,
                [2, 2],
                Some(&Tensor::zeros(&[2])),
            )
            .unwrap_err();
        assert!(err.to_string().contains("bias of shape [3]"), "{err}");
    }

    #[test]
    fn rows_to_nchw_is_reshape_transpose_plus_bias_and_nchw_to_rows_inverts_it() {
        let mut rng = StdRng::seed_from_u64(5);
        let y = Tensor::<f64>::rand_uniform(&[3, 2 * 4 * 5], -1.0, 1.0, &mut rng).unwrap();
        let b = Tensor::<f64>::rand_uniform(&[3], -1.0, 1.0, &mut rng).unwrap();
        let z = y.rows_to_nchw(2, [4, 5], Some(&b)).unwrap();
        let want = y
            .reshape(&[3, 2, 4, 5])
            .unwrap()
            .transpose(0, 1)
            .unwrap()
            .add(&b.reshape(&[1, 3, 1, 1]).unwrap())
            .unwrap();
        assert_eq!(z, want);
        let plain = y.rows_to_nchw(2, [4, 5], None).unwrap();
        assert_eq!(plain.nchw_to_rows().unwrap(), y);
        let e = y.rows_to_nchw(3, [4, 5], None).unwrap_err().to_string();
        assert!(
            e.starts_with("rows_to_nchw: expected rows [O, 3·4·5]"),
            "{e}"
        );
    }
}
