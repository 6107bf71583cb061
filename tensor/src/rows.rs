//! A convolution's matrix product and NCHW: the product `W x cols` has one row per output
//! channel with the images side by side (`[O, N·OH·OW]`, the layout of
//! [`Tensor::im2col`]'s columns), an NCHW batch has the images outermost.
//! [`Tensor::rows_to_nchw`] and [`Tensor::nchw_to_rows`] move between the two layouts (a
//! grouped convolution's products; one group runs image by image, [`Tensor::conv2d`]).

use crate::conv::nchw;
use crate::parallel::collect_units;
use crate::{Element, Result, Tensor, TensorError};

impl<T: Element> Tensor<T> {
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
    use crate::Tensor;
    use rand::{rngs::StdRng, SeedableRng};

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
