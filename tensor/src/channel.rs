//! Per-channel kernels for batch normalisation on `[N, C, ...]` tensors (channels on axis 1):
//! an affine map with one scale and shift per channel, and per-channel sums and dot products.
//!
//! Each is one pass over contiguous planes. Written with broadcasting (`x * s.view(1, C, 1, 1)`)
//! they went through n-d iterators and materialised broadcasts: batch norm's forward and
//! backward at `[64, 32, 28, 28]` cost three times the convolution before it.

use crate::parallel::{collect_units, for_units};
use crate::{Element, Result, Tensor, TensorError};
use std::mem::MaybeUninit;

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
        let (_, c, plane) = split(OP, self.shape())?;
        check_per_channel(OP, "scale", scale, c)?;
        check_per_channel(OP, "shift", shift, c)?;
        let scale = scale.map_or_else(|| vec![T::one(); c], Tensor::to_vec);
        let shift = shift.map_or_else(|| vec![T::zero(); c], Tensor::to_vec);
        let src = self.data.as_standard_layout();
        let src = src.as_slice().expect("standard layout");
        let out = per_plane(src.len(), plane, 2 * src.len(), &|p, dst| {
            let (s, b) = (scale[p % c], shift[p % c]);
            let x = &src[p * plane..][..dst.len()];
            dst.iter_mut()
                .zip(x)
                .for_each(|(d, &v)| _ = d.write(v * s + b));
        });
        Tensor::from_vec(self.shape(), out)
    }

    /// `self · a[c] + (other - center[c]) · b[c] + k[c]` per channel (axis 1) of two
    /// `[N, C, ...]` tensors of the same shape, in one pass: the input gradient of batch
    /// normalisation, `g · a + (x - mean) · b + k`, without its three intermediate tensors.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let g = Tensor::from_vec(&[1, 2, 1], vec![1.0f32, 2.0])?;
    /// let x = Tensor::from_vec(&[1, 2, 1], vec![5.0f32, 7.0])?;
    /// let v = |a: [f32; 2]| Tensor::from_vec(&[2], a.to_vec());
    /// let y = g.channel_combine(&v([2.0, 3.0])?, &x, &v([4.0, 6.0])?, &v([1.0, 0.5])?, &v([0.0, 1.0])?)?;
    /// assert_eq!(y.to_vec(), vec![1.0 * 2.0 + 1.0 * 1.0, 2.0 * 3.0 + 1.0 * 0.5 + 1.0]);
    /// # Ok::<(), tensor::TensorError>(())
    /// ```
    ///
    /// Errors when the shapes differ or have rank under 2, or a per-channel vector is not `[C]`.
    pub fn channel_combine(
        &self,
        a: &Tensor<T>,
        other: &Tensor<T>,
        center: &Tensor<T>,
        b: &Tensor<T>,
        k: &Tensor<T>,
    ) -> Result<Tensor<T>> {
        const OP: &str = "channel_combine";
        let (_, c, plane) = split(OP, self.shape())?;
        same_shape(OP, self, other)?;
        for (what, t) in [("a", a), ("center", center), ("b", b), ("k", k)] {
            check_per_channel(OP, what, Some(t), c)?;
        }
        let (a, center, b, k) = (a.to_vec(), center.to_vec(), b.to_vec(), k.to_vec());
        let (g, x) = (
            self.data.as_standard_layout(),
            other.data.as_standard_layout(),
        );
        let (g, x) = (
            g.as_slice().expect("standard layout"),
            x.as_slice().expect("standard layout"),
        );
        let out = per_plane(g.len(), plane, 3 * g.len(), &|p, dst| {
            let ch = p % c;
            let (a, m, b, k) = (a[ch], center[ch], b[ch], k[ch]);
            let (g, x) = (&g[p * plane..][..dst.len()], &x[p * plane..][..dst.len()]);
            for ((d, &g), &x) in dst.iter_mut().zip(g).zip(x) {
                d.write(g * a + (x - m) * b + k);
            }
        });
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
        let out = per_channel::<T, 1>([n, c, plane], src.len(), &|_, at| {
            [plane_sum(&src[at..][..plane], |v| v)]
        });
        Tensor::from_vec(&[c], out)
    }

    /// The mean and the biased variance (`Σ (x - mean)² / count`) of each channel (axis 1) over
    /// the batch and the remaining axes, `[C]` each: batch normalisation's statistics (PyTorch's
    /// `torch.var_mean(x, dim=[0, 2, 3], unbiased=False)` for NCHW, reversed). Two passes: the
    /// variance sums squares of centred values, which loses nothing to cancellation when the
    /// mean is large against the spread.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let x = Tensor::from_vec(&[2, 1, 2], vec![1.0f64, 2.0, 3.0, 6.0])?;
    /// let (mean, var) = x.channel_mean_var()?;
    /// assert_eq!((mean.to_vec(), var.to_vec()), (vec![3.0], vec![3.5]));
    /// # Ok::<(), tensor::TensorError>(())
    /// ```
    ///
    /// Errors when `self` has rank under 2 or no element per channel.
    pub fn channel_mean_var(&self) -> Result<(Tensor<T>, Tensor<T>)> {
        const OP: &str = "channel_mean_var";
        let (n, c, plane) = split(OP, self.shape())?;
        if n * plane == 0 {
            return Err(TensorError::Invalid {
                op: OP,
                message: format!(
                    "expected at least one element per channel, found shape {:?}",
                    self.shape()
                ),
            });
        }
        let inv_count = T::one() / T::from_usize(n * plane).expect("count fits the float type");
        let src = self.data.as_standard_layout();
        let src = src.as_slice().expect("standard layout");
        let sums = per_channel::<T, 1>([n, c, plane], src.len(), &|_, at| {
            [plane_sum(&src[at..][..plane], |v| v)]
        });
        let mean: Vec<T> = sums.iter().map(|&s| s * inv_count).collect();
        let sq = per_channel::<T, 1>([n, c, plane], src.len(), &|ch, at| {
            let m = mean[ch];
            [plane_sum(&src[at..][..plane], |v| (v - m) * (v - m))]
        });
        let var = sq.into_iter().map(|q| q * inv_count).collect();
        Ok((Tensor::from_vec(&[c], mean)?, Tensor::from_vec(&[c], var)?))
    }

    /// `Σ x·y` over each channel (axis 1) of two `[N, C, ...]` tensors of the same shape:
    /// `[C]` (PyTorch's `(x * y).sum(dim=[0, 2, 3])` for NCHW).
    ///
    /// Errors when the shapes differ or have rank under 2.
    pub fn channel_dot(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
        const OP: &str = "channel_dot";
        let (n, c, plane) = split(OP, self.shape())?;
        same_shape(OP, self, other)?;
        let (a, b) = (
            self.data.as_standard_layout(),
            other.data.as_standard_layout(),
        );
        let (a, b) = (
            a.as_slice().expect("standard layout"),
            b.as_slice().expect("standard layout"),
        );
        let out = per_channel::<T, 1>([n, c, plane], 2 * a.len(), &|_, at| {
            [plane_dot(&a[at..][..plane], &b[at..][..plane], T::zero())]
        });
        Tensor::from_vec(&[c], out)
    }

    /// `Σ self` and `Σ self · (other - center[c])` over each channel (axis 1) of two
    /// `[N, C, ...]` tensors of the same shape, `[C]` each, in one pass: batch normalisation's
    /// backward statistics, `Σ g` and `Σ g · (x - mean)` (PyTorch's CPU kernel sums the same
    /// centred products).
    ///
    /// Errors when the shapes differ or have rank under 2, or `center` is not `[C]`.
    pub fn channel_sum_centered_dot(
        &self,
        other: &Tensor<T>,
        center: &Tensor<T>,
    ) -> Result<(Tensor<T>, Tensor<T>)> {
        const OP: &str = "channel_sum_centered_dot";
        let (n, c, plane) = split(OP, self.shape())?;
        same_shape(OP, self, other)?;
        check_per_channel(OP, "center", Some(center), c)?;
        let center = center.to_vec();
        let (g, x) = (
            self.data.as_standard_layout(),
            other.data.as_standard_layout(),
        );
        let (g, x) = (
            g.as_slice().expect("standard layout"),
            x.as_slice().expect("standard layout"),
        );
        let out = per_channel::<T, 2>([n, c, plane], 2 * g.len(), &|ch, at| {
            let (p, q) = (&g[at..][..plane], &x[at..][..plane]);
            [plane_sum(p, |v| v), plane_dot(p, q, center[ch])]
        });
        two_per_channel(&out)
    }
}

/// [`per_channel`]'s pairs `[a₀, b₀, a₁, b₁, ...]` as two `[C]` tensors.
fn two_per_channel<T: Element>(pairs: &[T]) -> Result<(Tensor<T>, Tensor<T>)> {
    let (a, b): (Vec<T>, Vec<T>) = pairs.chunks_exact(2).map(|m| (m[0], m[1])).unzip();
    let c = a.len();
    Ok((Tensor::from_vec(&[c], a)?, Tensor::from_vec(&[c], b)?))
}

fn same_shape<T: Element>(op: &'static str, a: &Tensor<T>, b: &Tensor<T>) -> Result<()> {
    if a.shape() != b.shape() {
        return Err(TensorError::ShapeMismatch {
            op,
            lhs: a.shape().to_vec(),
            rhs: b.shape().to_vec(),
            reason: "differ: expected the same shape".into(),
        });
    }
    Ok(())
}

/// A new buffer of `len` elements written plane by plane: `write(p, dst)` writes all of plane
/// `p` (of `plane` elements), on the pool when the kernel touches `elements` or more.
fn per_plane<T: Element>(
    len: usize,
    plane: usize,
    elements: usize,
    write: &(dyn Fn(usize, &mut [MaybeUninit<T>]) + Sync),
) -> Vec<T> {
    if plane == 0 {
        return vec![T::zero(); len];
    }
    collect_units(len, plane, elements, &|first, chunk| {
        for (i, dst) in chunk.chunks_mut(plane).enumerate() {
            write(first + i, dst);
        }
    })
}

/// `K` running sums per channel, `out[ch·K..][..K]`, each image's plane added in turn:
/// `add(ch, at)` returns what the plane of channel `ch` starting at element `at` adds (image
/// `i`'s is at `(i·C + ch)·plane`), and the sums start at zero. Channels are shared out among
/// the threads when the kernel reads `elements` or more; each thread walks its channels image
/// by image, so it reads one contiguous run of planes per image (channel by channel, a
/// channel's 64 planes lie 100 KB apart at `[64, 32, 28, 28]`, a new memory stream every
/// plane). Every channel adds its images in order `0..n` on any thread.
fn per_channel<T: Element, const K: usize>(
    [n, c, plane]: [usize; 3],
    elements: usize,
    add: &(dyn Fn(usize, usize) -> [T; K] + Sync),
) -> Vec<T> {
    let mut out = vec![T::zero(); c * K];
    if n * plane > 0 {
        for_units(&mut out, K, elements, &|first, chunk| {
            for i in 0..n {
                for (j, acc) in chunk.chunks_mut(K).enumerate() {
                    let ch = first + j;
                    let d = add(ch, (i * c + ch) * plane);
                    acc.iter_mut().zip(d).for_each(|(a, d)| *a += d);
                }
            }
        });
    }
    out
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

/// `Σ p·(q - center)` over two planes of the same length, with eight running sums.
fn plane_dot<T: Element>(p: &[T], q: &[T], center: T) -> T {
    let mut acc = [T::zero(); 8];
    let (pc, qc) = (p.chunks_exact(8), q.chunks_exact(8));
    let tail: T = pc
        .remainder()
        .iter()
        .zip(qc.remainder())
        .map(|(&x, &y)| x * (y - center))
        .sum();
    for (x8, y8) in pc.zip(qc) {
        for k in 0..8 {
            acc[k] += x8[k] * (y8[k] - center);
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
            let per = |t: &Tensor<f64>| t.reshape(&bshape).unwrap();
            let centered = x.sub(&per(&s)).unwrap();
            let (sum, dot) = y.channel_sum_centered_dot(&x, &s).unwrap();
            assert!(sum.all_close(&sum_all_but_1(&y), 1e-12, 1e-12), "{shape:?}");
            let want = sum_all_but_1(&y.mul(&centered).unwrap());
            assert!(dot.all_close(&want, 1e-12, 1e-12), "{shape:?}");
            let (a, k) = (random(&[c], 5), random(&[c], 6));
            let got = y.channel_combine(&a, &x, &s, &b, &k).unwrap();
            let want = y
                .mul(&per(&a))
                .unwrap()
                .add(&centered.mul(&per(&b)).unwrap())
                .unwrap()
                .add(&per(&k))
                .unwrap();
            assert!(got.all_close(&want, 1e-14, 1e-14), "{shape:?}");
            let count = (x.numel() / c) as f64;
            if count > 0.0 {
                let (mean, var) = x.channel_mean_var().unwrap();
                let want_mean = sum_all_but_1(&x).mul_scalar(1.0 / count);
                assert!(mean.all_close(&want_mean, 1e-12, 1e-12), "{shape:?}");
                let dev = x.sub(&per(&want_mean)).unwrap();
                let want_var = sum_all_but_1(&dev.mul(&dev).unwrap()).mul_scalar(1.0 / count);
                assert!(var.all_close(&want_var, 1e-12, 1e-12), "{shape:?}");
            }
        }
    }

    /// The kernels cut their work by planes or by channels; every thread count gives the same
    /// bits, and f32 sums of centred values keep the variance of data far from zero.
    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let shape = [64, 8, 28, 28];
        let x = random(&shape, 7).mul_scalar(0.1).add_scalar(1000.0);
        let y = random(&shape, 8);
        let v = random(&[8], 9);
        let run = |threads| {
            crate::set_num_threads(threads);
            let out = (
                x.channel_affine(Some(&v), Some(&v)).unwrap(),
                y.channel_combine(&v, &x, &v, &v, &v).unwrap(),
                x.channel_sum().unwrap(),
                x.channel_dot(&y).unwrap(),
                x.channel_mean_var().unwrap(),
                y.channel_sum_centered_dot(&x, &v).unwrap(),
            );
            crate::set_num_threads(1);
            out
        };
        let one = run(1);
        for threads in [2, 3] {
            assert!(one == run(threads), "{threads} threads differ");
        }
        let x32: Vec<f32> = x.to_vec().iter().map(|&v| v as f32).collect();
        let x64 = Tensor::from_vec(&shape, x32.iter().map(|&v| f64::from(v)).collect()).unwrap();
        let (_, var) = Tensor::from_vec(&shape, x32)
            .unwrap()
            .channel_mean_var()
            .unwrap();
        let (_, want) = x64.channel_mean_var().unwrap();
        for (got, want) in var.to_vec().iter().zip(want.to_vec()) {
            assert!(
                (f64::from(*got) - want).abs() < 1e-4 * want,
                "{got} vs {want}"
            );
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
