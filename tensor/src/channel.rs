//! Per-channel kernels for batch normalisation on `[N, C, ...]` tensors (channels on axis 1):
//! an affine map with one scale and shift per channel, and per-channel sums and dot products.
//!
//! Each is one pass over contiguous planes. Written with broadcasting (`x * s.view(1, C, 1, 1)`)
//! they went through n-d iterators and materialised broadcasts: batch norm's forward and
//! backward at `[64, 32, 28, 28]` cost three times the convolution before it.

use crate::{Element, Result, Tensor, TensorError};

/// `(n, c, plane)`: the batch, channel and per-channel plane sizes of a rank >= 2 shape.
fn split(op: &'static str, shape: &[usize]) -> Result<(usize, usize, usize)> {
    if shape.len() < 2 {
        return Err(TensorError::Invalid {
            op,
            message: format!("expected a tensor [N, C, ...] of rank >= 2, found shape {shape:?}"),
        });
    }
    Ok((shape[0], shape[1], shape[2..].iter().product()))
}

fn check_per_channel<T: Element>(
    op: &'static str,
    what: &str,
    t: Option<&Tensor<T>>,
    c: usize,
) -> Result<()> {
    match t {
        Some(t) if t.shape() != [c] => Err(TensorError::Invalid {
            op,
            message: format!("expected a {what} of shape [{c}], found {:?}", t.shape()),
        }),
        _ => Ok(()),
    }
}

impl<T: Element> Tensor<T> {
    /// `x · scale[c] + shift[c]` for every element of channel `c` (axis 1) of `[N, C, ...]`;
    /// a missing scale is 1, a missing shift 0 (PyTorch's `x * s.view(1, C, 1, 1) +
    /// b.view(1, C, 1, 1)`).
    ///
    /// ```
    /// use tensor::Tensor;
    /// let x = Tensor::from_vec(&[1, 2, 2], vec![1.0f32, 2.0, 3.0, 4.0])?;
    /// let s = Tensor::from_vec(&[2], vec![10.0f32, -1.0])?;
    /// let b = Tensor::from_vec(&[2], vec![0.5f32, 0.0])?;
    /// assert_eq!(x.channel_affine(Some(&s), Some(&b))?.to_vec(), vec![10.5, 20.5, -3.0, -4.0]);
    /// # Ok::<(), tensor::TensorError>(())
    /// ```
    ///
    /// Errors when `self` has rank under 2, or a scale or shift is not `[C]`.
    pub fn channel_affine(
        &self,
        scale: Option<&Tensor<T>>,
        shift: Option<&Tensor<T>>,
    ) -> Result<Tensor<T>> {
        const OP: &str = "channel_affine";
        let (n, c, plane) = split(OP, self.shape())?;
        check_per_channel(OP, "scale", scale, c)?;
        check_per_channel(OP, "shift", shift, c)?;
        let scale = scale.map_or_else(|| vec![T::one(); c], Tensor::to_vec);
        let shift = shift.map_or_else(|| vec![T::zero(); c], Tensor::to_vec);
        let src = self.data.as_standard_layout();
        let src = src.as_slice().expect("standard layout");
        let mut out = Vec::with_capacity(src.len());
        for (i, p) in src.chunks_exact(plane.max(1)).take(n * c).enumerate() {
            let (s, b) = (scale[i % c], shift[i % c]);
            out.extend(p.iter().map(|&v| v * s + b));
        }
        Tensor::from_vec(self.shape(), out)
    }

    /// The sum of each channel (axis 1) over the batch and the remaining axes: `[N, C, ...] ->
    /// [C]` (PyTorch's `x.sum(dim=[0, 2, 3])` for NCHW).
    ///
    /// Errors when `self` has rank under 2.
    pub fn channel_sum(&self) -> Result<Tensor<T>> {
        let (n, c, plane) = split("channel_sum", self.shape())?;
        let src = self.data.as_standard_layout();
        let src = src.as_slice().expect("standard layout");
        let mut out = vec![T::zero(); c];
        if plane > 0 {
            for (i, p) in src.chunks_exact(plane).take(n * c).enumerate() {
                out[i % c] += plane_sum(p, |v| v);
            }
        }
        Tensor::from_vec(&[c], out)
    }

    /// `Σ x·y` over each channel (axis 1) of two `[N, C, ...]` tensors of the same shape:
    /// `[C]` (PyTorch's `(x * y).sum(dim=[0, 2, 3])` for NCHW).
    ///
    /// Errors when the shapes differ or have rank under 2.
    pub fn channel_dot(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
        const OP: &str = "channel_dot";
        let (n, c, plane) = split(OP, self.shape())?;
        if self.shape() != other.shape() {
            return Err(TensorError::ShapeMismatch {
                op: OP,
                lhs: self.shape().to_vec(),
                rhs: other.shape().to_vec(),
                reason: "differ: expected the same shape".into(),
            });
        }
        let (a, b) = (
            self.data.as_standard_layout(),
            other.data.as_standard_layout(),
        );
        let (a, b) = (
            a.as_slice().expect("standard layout"),
            b.as_slice().expect("standard layout"),
        );
        let mut out = vec![T::zero(); c];
        if plane > 0 {
            let planes = a.chunks_exact(plane).zip(b.chunks_exact(plane));
            for (i, (p, q)) in planes.take(n * c).enumerate() {
                let mut acc = [T::zero(); 8];
                let (pc, qc) = (p.chunks_exact(8), q.chunks_exact(8));
                let tail: T = pc
                    .remainder()
                    .iter()
                    .zip(qc.remainder())
                    .map(|(&x, &y)| x * y)
                    .sum();
                for (x8, y8) in pc.zip(qc) {
                    for k in 0..8 {
                        acc[k] += x8[k] * y8[k];
                    }
                }
                out[i % c] += acc.iter().copied().sum::<T>() + tail;
            }
        }
        Tensor::from_vec(&[c], out)
    }
}

/// `Σ f(v)` over a plane with eight running sums, which the compiler keeps in vector lanes.
fn plane_sum<T: Element>(p: &[T], f: impl Fn(T) -> T) -> T {
    let mut acc = [T::zero(); 8];
    let chunks = p.chunks_exact(8);
    let tail: T = chunks.remainder().iter().map(|&v| f(v)).sum();
    for c8 in chunks {
        for k in 0..8 {
            acc[k] += f(c8[k]);
        }
    }
    acc.iter().copied().sum::<T>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};

    fn random(shape: &[usize], seed: u64) -> Tensor<f64> {
        Tensor::rand_uniform(shape, -1.0, 1.0, &mut StdRng::seed_from_u64(seed)).unwrap()
    }

    /// Each kernel against the broadcasting arithmetic and reductions it replaces.
    #[test]
    fn kernels_match_broadcasting_arithmetic() {
        for shape in [
            vec![3, 4],
            vec![2, 3, 5],
            vec![2, 3, 4, 5],
            vec![1, 2, 0, 3],
        ] {
            let c = shape[1];
            let mut bshape = vec![1; shape.len()];
            bshape[1] = c;
            let (x, y) = (random(&shape, 1), random(&shape, 2));
            let (s, b) = (random(&[c], 3), random(&[c], 4));
            let want = x
                .mul(&s.reshape(&bshape).unwrap())
                .unwrap()
                .add(&b.reshape(&bshape).unwrap())
                .unwrap();
            let got = x.channel_affine(Some(&s), Some(&b)).unwrap();
            assert!(got.all_close(&want, 1e-14, 1e-14), "{shape:?}");
            assert_eq!(x.channel_affine(None, None).unwrap(), x);
            let sum_all_but_1 = |t: &Tensor<f64>| {
                let mut t = t.clone();
                for axis in (0..shape.len()).rev().filter(|&a| a != 1) {
                    t = t.sum_axis(axis as isize, false).unwrap();
                }
                t
            };
            let got = x.channel_sum().unwrap();
            assert!(got.all_close(&sum_all_but_1(&x), 1e-12, 1e-12), "{shape:?}");
            let got = x.channel_dot(&y).unwrap();
            let want = sum_all_but_1(&x.mul(&y).unwrap());
            assert!(got.all_close(&want, 1e-12, 1e-12), "{shape:?}");
        }
    }

    #[test]
    fn errors_name_the_op_and_what_did_not_fit() {
        let x = Tensor::<f32>::zeros(&[2, 3, 4]);
        let e = x
            .channel_affine(Some(&Tensor::zeros(&[4])), None)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "channel_affine: expected a scale of shape [3], found [4]"
        );
        let e = Tensor::<f32>::zeros(&[3]).channel_sum().unwrap_err();
        assert_eq!(
            e.to_string(),
            "channel_sum: expected a tensor [N, C, ...] of rank >= 2, found shape [3]"
        );
        let e = x.channel_dot(&Tensor::zeros(&[2, 3, 5])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "channel_dot: lhs [2, 3, 4] and rhs [2, 3, 5] differ: expected the same shape"
        );
    }
}
