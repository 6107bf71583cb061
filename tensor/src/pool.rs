//! Max pooling's arg-max search, and the flat gather/scatter pair that moves values and
//! gradients by those indices: [`Tensor::take`] (PyTorch's `torch.take`) and [`Tensor::put_add`]
//! (`Tensor.put_(index, source, accumulate=True)` into zeros), each the other's adjoint.

use crate::conv::{nchw, valid_range};
use crate::parallel::{collect_unit_pairs, collect_units};
use crate::{Element, Result, Tensor, TensorError, Window2d};
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicBool, Ordering};

/// Checks a pooling window: dense (dilation 1) and with padding at most half the kernel, as
/// PyTorch requires (so that every window holds at least one input element).
fn check_pool_window(op: &'static str, window: &Window2d) -> Result<()> {
    if window.dilation != [1, 1] {
        return Err(TensorError::Invalid {
            op,
            message: format!("expected dilation [1, 1], found {:?}", window.dilation),
        });
    }
    if (0..2).any(|a| window.padding[a] > window.kernel[a] / 2) {
        return Err(TensorError::Invalid {
            op,
            message: format!(
                "expected padding at most half the kernel size {:?}, found {:?}",
                window.kernel, window.padding
            ),
        });
    }
    Ok(())
}

impl<T: Element> Tensor<T> {
    /// For each window of max pooling an NCHW batch, the flat (row-major) index into `self` of
    /// its largest element; the indices come in the output's order (`[N, C, OH, OW]` row-major).
    /// Padding never wins (it is minus infinity). Ties go to the first maximum in the window's
    /// row-major order and a NaN beats any number (the last NaN wins), as in PyTorch's CPU
    /// kernel, so `self.take(&indices, out_shape)` is PyTorch's `F.max_pool2d` and gradients go
    /// where PyTorch sends them.
    ///
    /// ```
    /// use tensor::{Tensor, Window2d};
    /// let x = Tensor::from_vec(&[1, 1, 2, 4], vec![1.0f32, 5.0, 2.0, 2.0, 0.0, 3.0, 1.0, 0.0])?;
    /// let win = Window2d { stride: [2, 2], ..Window2d::new([2, 2]) };
    /// assert_eq!(x.max_pool2d_indices(&win)?, vec![1, 2]); // the tie 2.0, 2.0 goes to the first
    /// # Ok::<(), tensor::TensorError>(())
    /// ```
    ///
    /// Errors when the input is not rank 4, the window does not fit, has a dilation other than 1
    /// or padding over half its kernel, or an image plane has 2^31 elements or more.
    pub fn max_pool2d_indices(&self, window: &Window2d) -> Result<Vec<usize>> {
        Ok(self.max_pool2d_with_indices(window)?.1)
    }

    /// Max pooling of an NCHW batch, `[N, C, OH, OW]`, with the flat index into `self` of each
    /// output's element (see [`max_pool2d_indices`](Tensor::max_pool2d_indices) for ties and
    /// NaNs): PyTorch's `F.max_pool2d(x, ..., return_indices=True)`, but with indices into the
    /// whole tensor rather than each plane. The 2x2 window with stride 2 finds both in one pass.
    ///
    /// ```
    /// use tensor::{Tensor, Window2d};
    /// let x = Tensor::from_vec(&[1, 1, 2, 4], vec![1.0f32, 5.0, 2.0, 2.0, 0.0, 3.0, 1.0, 0.0])?;
    /// let win = Window2d { stride: [2, 2], ..Window2d::new([2, 2]) };
    /// let (y, at) = x.max_pool2d_with_indices(&win)?;
    /// assert_eq!((y.shape(), y.to_vec(), at), (&[1, 1, 1, 2][..], vec![5.0, 2.0], vec![1, 2]));
    /// # Ok::<(), tensor::TensorError>(())
    /// ```
    ///
    /// Errors as [`max_pool2d_indices`](Tensor::max_pool2d_indices) does.
    pub fn max_pool2d_with_indices(&self, window: &Window2d) -> Result<(Tensor<T>, Vec<usize>)> {
        const OP: &str = "max_pool2d";
        let [n, c, h, w] = nchw(OP, self.shape())?;
        check_pool_window(OP, window)?;
        let [oh, ow] = window.output_size(OP, [h, w])?;
        let src = self.data.as_standard_layout();
        let src = src.as_slice().expect("standard layout");
        let [kh, kw] = window.kernel;
        let [sh, sw] = window.stride;
        let [ph, pw] = window.padding;
        if h * w >= i32::MAX as usize {
            return Err(TensorError::Invalid {
                op: OP,
                message: format!(
                    "expected image planes of fewer than 2^31 elements, found {h} x {w}"
                ),
            });
        }
        let out_shape = [n, c, oh, ow];
        if window.kernel == [2, 2] && window.stride == [2, 2] && window.padding == [0, 0] {
            let (values, indices) = max_pool_2x2(src, [n * c, h, w], [oh, ow]);
            return Ok((Tensor::from_vec(&out_shape, values)?, indices));
        }
        // One output row at a time, the candidates of all its windows tap by tap: window row
        // `r`, then column tap `kj`, each window's row-major order, so ties and NaNs resolve as
        // in a window-by-window scan. Per tap, the update is a select over contiguous slices,
        // which the compiler vectorises; window by window, the comparisons were branches that
        // random data mispredicts (twice as slow at the MNIST CNN's shapes). A window's best is
        // kept as `r·w + col - b·sw`, so that one tap's candidate is one number for the row.
        let taps: Vec<(isize, usize, usize)> = (0..kw)
            .map(|kj| {
                let off = kj as isize - pw as isize;
                let (lo, hi) = valid_range(ow, sw, off, w);
                (off, lo, hi)
            })
            .collect();
        let mut best = vec![T::neg_infinity(); ow];
        let mut best_at = vec![0i32; ow];
        let mut values = vec![T::zero(); ow];
        let mut out = Vec::with_capacity(n * c * oh * ow);
        for p in 0..n * c {
            let base = p * h * w;
            let plane = &src[base..base + h * w];
            for a in 0..oh {
                let r0 = (a * sh).saturating_sub(ph);
                let r1 = (a * sh + kh - ph).min(h);
                best.fill(T::neg_infinity());
                // PyTorch's starting index: the window's first position inside the image.
                for (b, at) in best_at.iter_mut().enumerate() {
                    *at = (r0 * w) as i32 - (b * sw).min(pw) as i32;
                }
                for r in r0..r1 {
                    let row = &plane[r * w..(r + 1) * w];
                    for &(off, lo, hi) in &taps {
                        let len = hi - lo;
                        if len == 0 {
                            continue;
                        }
                        let first = ((lo * sw) as isize + off) as usize;
                        let v = if sw == 1 {
                            &row[first..first + len]
                        } else {
                            for (d, s) in values[..len]
                                .iter_mut()
                                .zip(row[first..].iter().step_by(sw))
                            {
                                *d = *s;
                            }
                            &values[..len]
                        };
                        let candidate = (r * w) as i32 + off as i32;
                        let (m, at) = (&mut best[lo..hi], &mut best_at[lo..hi]);
                        for i in 0..len {
                            // PyTorch's test (a NaN wins, the last one); `|`, not `||`, so
                            // that there is no branch.
                            let wins = (v[i] > m[i]) | v[i].is_nan();
                            m[i] = if wins { v[i] } else { m[i] };
                            at[i] = if wins { candidate } else { at[i] };
                        }
                    }
                }
                out.extend(
                    best_at
                        .iter()
                        .enumerate()
                        .map(|(b, &at)| base + (at as isize + (b * sw) as isize) as usize),
                );
            }
        }
        let values = out.iter().map(|&i| src[i]).collect();
        Ok((Tensor::from_vec(&out_shape, values)?, out))
    }

    /// The elements at flat (row-major) `indices`, shaped `shape` (PyTorch's
    /// `torch.take(t, index).reshape(shape)`); an index may repeat. Its adjoint is
    /// [`put_add`](Tensor::put_add).
    ///
    /// Errors when `shape` does not hold `indices.len()` elements or an index is out of range.
    pub fn take(&self, indices: &[usize], shape: &[usize]) -> Result<Tensor<T>> {
        check_count("take", indices.len(), shape)?;
        let src = self.data.as_standard_layout();
        let src = src.as_slice().expect("standard layout");
        if let Some(&bad) = indices.iter().find(|&&i| i >= src.len()) {
            return Err(TensorError::Index {
                op: "take",
                index: bad,
                bound: src.len(),
            });
        }
        let out = collect_units(indices.len(), 1, 2 * indices.len(), &|first, chunk| {
            let at = &indices[first..][..chunk.len()];
            chunk
                .iter_mut()
                .zip(at)
                .for_each(|(d, &i)| _ = d.write(src[i]));
        });
        Tensor::from_vec(shape, out)
    }

    /// Zeros of `shape` with element `i` of `self` (in row-major order) added at flat index
    /// `indices[i]`; repeated indices sum (PyTorch's `zeros(shape).put_(index, t,
    /// accumulate=True)`). The adjoint of [`take`](Tensor::take), and so its gradient.
    ///
    /// Errors when `indices` does not have one entry per element of `self`, or one is out of
    /// range for `shape`.
    pub fn put_add(&self, indices: &[usize], shape: &[usize]) -> Result<Tensor<T>> {
        if indices.len() != self.numel() {
            return Err(TensorError::Invalid {
                op: "put_add",
                message: format!(
                    "expected one index per element of the source {:?} ({}), found {}",
                    self.shape(),
                    self.numel(),
                    indices.len()
                ),
            });
        }
        let len: usize = shape.iter().product();
        let src = self.data.as_standard_layout();
        let src = src.as_slice().expect("standard layout");
        if let Some(out) = put_add_by_planes(src, self.shape(), indices, shape) {
            return Tensor::from_vec(shape, out);
        }
        if let Some(&bad) = indices.iter().find(|&&i| i >= len) {
            return Err(TensorError::Index {
                op: "put_add",
                index: bad,
                bound: len,
            });
        }
        let mut out = vec![T::zero(); len];
        for (&i, &v) in indices.iter().zip(src) {
            out[i] += v;
        }
        Tensor::from_vec(shape, out)
    }
}

/// [`Tensor::put_add`] when the source and the output are batches of planes alike (the same
/// leading axes, all but the last two) and every plane of the source scatters into the same
/// plane of the output, as max pooling's gradient does: each plane of the output is zeroed and
/// summed into on its own, while it is in cache, and the planes are shared out among the
/// threads. Within a plane the sums are made in the source's order, as the general path makes
/// them, so the result is the same bit for bit. `None` when the shapes are not such batches or
/// an index leaves its plane (the general path then sums, or reports the bad index).
fn put_add_by_planes<T: Element>(
    src: &[T],
    src_shape: &[usize],
    indices: &[usize],
    shape: &[usize],
) -> Option<Vec<T>> {
    let r = shape.len();
    if r < 3 || src_shape.len() != r || src_shape[..r - 2] != shape[..r - 2] {
        return None;
    }
    let planes: usize = shape[..r - 2].iter().product();
    let (from, to) = (
        src_shape[r - 2] * src_shape[r - 1],
        shape[r - 2] * shape[r - 1],
    );
    if planes == 0 || to == 0 {
        return None;
    }
    let strayed = AtomicBool::new(false);
    let out = collect_units(
        planes * to,
        to,
        2 * src.len() + planes * to,
        &|first, chunk| {
            for (q, dst) in chunk.chunks_mut(to).enumerate() {
                let p = first + q;
                dst.iter_mut().for_each(|d| _ = d.write(T::zero()));
                // SAFETY: every element of `dst` has just been written.
                let dst = unsafe { &mut *(dst as *mut [MaybeUninit<T>] as *mut [T]) };
                let (at, vals) = (&indices[p * from..][..from], &src[p * from..][..from]);
                for (&i, &v) in at.iter().zip(vals) {
                    match i.checked_sub(p * to).and_then(|k| dst.get_mut(k)) {
                        Some(d) => *d += v,
                        None => strayed.store(true, Ordering::Relaxed),
                    }
                }
            }
        },
    );
    (!strayed.into_inner()).then_some(out)
}

fn check_count(op: &'static str, count: usize, shape: &[usize]) -> Result<()> {
    let want: usize = shape.iter().product();
    if want != count {
        return Err(TensorError::Invalid {
            op,
            message: format!(
                "expected an output shape of {count} elements (one per index), found {shape:?} ({want} elements)"
            ),
        });
    }
    Ok(())
}

/// [`Tensor::max_pool2d_with_indices`] for the common 2x2 window with stride 2 and no padding
/// (every CNN's pooling), window by window: the four taps are two pairs of neighbours in two
/// rows, so no gather is needed, and the comparisons are selects. The same test and tap order
/// as the general path (a NaN wins, the last one; otherwise the first maximum), which the tests
/// check it against. Image planes are shared out among the threads; for `f32` on a CPU with
/// AVX2, each output row is searched eight windows at a time ([`pool_row_2x2_f32_avx2`]).
fn max_pool_2x2<T: Element>(
    src: &[T],
    [planes, h, w]: [usize; 3],
    [oh, ow]: [usize; 2],
) -> (Vec<T>, Vec<usize>) {
    let unit = oh * ow;
    if unit == 0 {
        return (vec![], vec![]);
    }
    #[cfg(all(target_arch = "x86_64", target_pointer_width = "64"))]
    let avx2 = std::any::TypeId::of::<T>() == std::any::TypeId::of::<f32>()
        && std::arch::is_x86_feature_detected!("avx2");
    collect_unit_pairs(planes, [unit, unit], src.len(), &|first, vals, idx| {
        let planes = vals.chunks_mut(unit).zip(idx.chunks_mut(unit));
        for (q, (vals, idx)) in planes.enumerate() {
            let base = (first + q) * h * w;
            let rows = vals.chunks_exact_mut(ow).zip(idx.chunks_exact_mut(ow));
            for (a, (vals, idx)) in rows.enumerate() {
                let top = base + 2 * a * w;
                let (t, u) = (&src[top..][..2 * ow], &src[top + w..][..2 * ow]);
                #[cfg(all(target_arch = "x86_64", target_pointer_width = "64"))]
                if avx2 {
                    // SAFETY: T is f32 (checked above), so these are f32 slices of the same
                    // lengths; the CPU has AVX2; a usize is a u64.
                    unsafe {
                        let (t, u) = (t.as_ptr().cast::<f32>(), u.as_ptr().cast::<f32>());
                        let v = vals.as_mut_ptr().cast::<f32>();
                        let i = idx.as_mut_ptr().cast::<u64>();
                        pool_row_2x2_f32_avx2(t, u, v, i, ow, [top, w]);
                    }
                    continue;
                }
                pool_row_2x2(t, u, vals, idx, [top, w]);
            }
        }
    })
}

/// One output row of 2x2 windows over the input rows `t` (top) and `u` (bottom), each
/// `2·vals.len()` long and `t` starting at flat index `top` of an input `w` wide: the largest
/// value of each window into `vals`, and its flat index into `idx`.
fn pool_row_2x2<T: Element>(
    t: &[T],
    u: &[T],
    vals: &mut [MaybeUninit<T>],
    idx: &mut [MaybeUninit<usize>],
    [top, w]: [usize; 2],
) {
    let windows = t.chunks_exact(2).zip(u.chunks_exact(2));
    for (b, ((t, u), (v, i))) in windows.zip(vals.iter_mut().zip(idx)).enumerate() {
        let (mut m, mut o) = (t[0], 0);
        for (x, k) in [(t[1], 1), (u[0], w), (u[1], w + 1)] {
            let wins = (x > m) | x.is_nan();
            m = if wins { x } else { m };
            o = if wins { k } else { o };
        }
        v.write(m);
        i.write(top + 2 * b + o);
    }
}

/// [`pool_row_2x2`] for `f32`, eight windows at a time: each 16-float run of a row is split
/// into its even and odd taps, a tap wins by the same test (greater, or NaN) as a blend, and
/// the winner's offset in the row pair (`0, 1, w, w + 1`) is added to the window's index in
/// 64-bit lanes. The row's last windows (fewer than eight) are read through lane masks.
///
/// # Safety
/// The CPU must have AVX2; `t` and `u` must point to `2·n` floats, `vals` and `idx` to `n`
/// elements; `w` must be below 2^31 (as [`Tensor::max_pool2d_with_indices`] checks).
#[cfg(all(target_arch = "x86_64", target_pointer_width = "64"))]
#[target_feature(enable = "avx2")]
unsafe fn pool_row_2x2_f32_avx2(
    t: *const f32,
    u: *const f32,
    vals: *mut f32,
    idx: *mut u64,
    n: usize,
    [top, w]: [usize; 2],
) {
    use std::arch::x86_64::*;
    let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    let taps = [
        _mm256_set1_epi32(1),
        _mm256_set1_epi32(w as i32),
        _mm256_set1_epi32(w as i32 + 1),
    ];
    let mut b = 0;
    while b < n {
        let r = (n - b).min(8);
        // Windows b..b+r: floats 2b..2b+2r of each row, as two vectors of eight (lanes past
        // the row masked off).
        let (lo, hi) = (
            _mm256_cmpgt_epi32(_mm256_set1_epi32(2 * r as i32), lanes),
            _mm256_cmpgt_epi32(_mm256_set1_epi32(2 * r as i32 - 8), lanes),
        );
        let (t_lo, t_hi, u_lo, u_hi) = if r == 8 {
            (
                _mm256_loadu_ps(t.add(2 * b)),
                _mm256_loadu_ps(t.add(2 * b + 8)),
                _mm256_loadu_ps(u.add(2 * b)),
                _mm256_loadu_ps(u.add(2 * b + 8)),
            )
        } else {
            (
                _mm256_maskload_ps(t.add(2 * b), lo),
                _mm256_maskload_ps(t.add(2 * b + 8), hi),
                _mm256_maskload_ps(u.add(2 * b), lo),
                _mm256_maskload_ps(u.add(2 * b + 8), hi),
            )
        };
        // Even and odd taps, in window order 0, 1, 4, 5, 2, 3, 6, 7 (put right below).
        let t0 = _mm256_shuffle_ps::<0b10_00_10_00>(t_lo, t_hi);
        let t1 = _mm256_shuffle_ps::<0b11_01_11_01>(t_lo, t_hi);
        let u0 = _mm256_shuffle_ps::<0b10_00_10_00>(u_lo, u_hi);
        let u1 = _mm256_shuffle_ps::<0b11_01_11_01>(u_lo, u_hi);
        let (mut m, mut o) = (t0, _mm256_setzero_ps());
        for (x, k) in [(t1, taps[0]), (u0, taps[1]), (u1, taps[2])] {
            let wins = _mm256_or_ps(
                _mm256_cmp_ps::<_CMP_GT_OQ>(x, m),
                _mm256_cmp_ps::<_CMP_UNORD_Q>(x, x),
            );
            m = _mm256_blendv_ps(m, x, wins);
            o = _mm256_blendv_ps(o, _mm256_castsi256_ps(k), wins);
        }
        // Windows back in order 0..8 (64-bit pairs 0, 2, 1, 3).
        let m = _mm256_castpd_ps(_mm256_permute4x64_pd::<0b11_01_10_00>(_mm256_castps_pd(m)));
        let o = _mm256_castpd_si256(_mm256_permute4x64_pd::<0b11_01_10_00>(_mm256_castps_pd(o)));
        // Offsets within the row pair, then flat indices: top + 2·(b + lane) + offset.
        let o = _mm256_add_epi32(o, _mm256_slli_epi32::<1>(lanes));
        let base = _mm256_set1_epi64x((top + 2 * b) as i64);
        let i_lo = _mm256_add_epi64(base, _mm256_cvtepu32_epi64(_mm256_castsi256_si128(o)));
        let i_hi = _mm256_add_epi64(
            base,
            _mm256_cvtepu32_epi64(_mm256_extracti128_si256::<1>(o)),
        );
        let (pv, pi) = (vals.add(b), idx.add(b).cast::<__m256i>());
        if r == 8 {
            _mm256_storeu_ps(pv, m);
            _mm256_storeu_si256(pi, i_lo);
            _mm256_storeu_si256(pi.add(1), i_hi);
        } else {
            // Through a buffer: masked stores are slow on some CPUs (AMD's Zen).
            let (mut v, mut i) = ([0f32; 8], [0u64; 8]);
            _mm256_storeu_ps(v.as_mut_ptr(), m);
            _mm256_storeu_si256(i.as_mut_ptr().cast(), i_lo);
            _mm256_storeu_si256(i.as_mut_ptr().add(4).cast(), i_hi);
            for k in 0..r {
                *pv.add(k) = v[k];
                *pi.cast::<u64>().add(k) = i[k];
            }
        }
        b += r;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    /// Max pooling by the definition: every tap, padding as minus infinity, first maximum wins, a
    /// NaN (the last) beats everything.
    fn naive_indices(x: &Tensor<f64>, win: &Window2d) -> Vec<usize> {
        let [n, c, h, w] = nchw("t", x.shape()).unwrap();
        let [oh, ow] = win.output_size("t", [h, w]).unwrap();
        let xs = x.to_vec();
        let mut out = vec![];
        for p in 0..n * c {
            for a in 0..oh {
                for b in 0..ow {
                    let mut best = (f64::NEG_INFINITY, usize::MAX);
                    for ki in 0..win.kernel[0] {
                        for kj in 0..win.kernel[1] {
                            let i = (a * win.stride[0] + ki) as isize - win.padding[0] as isize;
                            let j = (b * win.stride[1] + kj) as isize - win.padding[1] as isize;
                            if i < 0 || j < 0 || i as usize >= h || j as usize >= w {
                                continue;
                            }
                            let k = (p * h + i as usize) * w + j as usize;
                            if best.1 == usize::MAX || xs[k] > best.0 || xs[k].is_nan() {
                                best = (xs[k], k);
                            }
                        }
                    }
                    out.push(best.1);
                }
            }
        }
        out
    }

    /// The 2x2 stride-2 path against the definition, in f64 (the scalar rows) and f32 (eight
    /// windows at a time where the CPU has AVX2, a row's last ones through lane masks), on
    /// rows of 1 to 20 windows with ties, NaNs, infinities and -0.0; and the values are the
    /// inputs at the indices, bit for bit.
    #[test]
    fn the_2x2_stride_2_path_matches_the_definition_with_ties_nans_and_odd_sizes() {
        let mut rng = StdRng::seed_from_u64(12);
        let win = Window2d {
            kernel: [2, 2],
            stride: [2, 2],
            padding: [0, 0],
            dilation: [1, 1],
        };
        for _ in 0..400 {
            let shape = [
                rng.random_range(1..3),
                rng.random_range(1..4),
                rng.random_range(2..9),
                rng.random_range(2..42),
            ];
            let numel = shape.iter().product();
            // Few distinct values, so that ties are common; some NaNs and infinities.
            let data: Vec<f64> = (0..numel)
                .map(|_| match rng.random_range(0..14) {
                    0 => f64::NAN,
                    1 => f64::NEG_INFINITY,
                    2 => f64::INFINITY,
                    3 => -0.0,
                    k => f64::from(k % 5) - 2.0,
                })
                .collect();
            let x = Tensor::from_vec(&shape, data.clone()).unwrap();
            let want = naive_indices(&x, &win);
            let (vals, idx) = x.max_pool2d_with_indices(&win).unwrap();
            assert_eq!(idx, want, "{shape:?} f64");
            assert!(vals
                .to_vec()
                .iter()
                .zip(&idx)
                .all(|(v, &i)| v.to_bits() == data[i].to_bits()));
            let x = Tensor::from_vec(&shape, data.iter().map(|&v| v as f32).collect()).unwrap();
            let (vals, idx) = x.max_pool2d_with_indices(&win).unwrap();
            assert_eq!(idx, want, "{shape:?} f32");
            let xs = x.to_vec();
            assert!(vals
                .to_vec()
                .iter()
                .zip(&idx)
                .all(|(v, &i)| v.to_bits() == xs[i].to_bits()));
        }
    }

    #[test]
    fn max_pool_indices_match_the_definition_with_ties_and_nans() {
        let mut rng = StdRng::seed_from_u64(11);
        let mut checked = 0;
        while checked < 300 {
            let kernel = [rng.random_range(1..4), rng.random_range(1..4)];
            let win = Window2d {
                kernel,
                stride: [rng.random_range(1..4), rng.random_range(1..4)],
                padding: [
                    rng.random_range(0..=kernel[0] / 2),
                    rng.random_range(0..=kernel[1] / 2),
                ],
                dilation: [1, 1],
            };
            let shape = [
                rng.random_range(1..3),
                rng.random_range(1..3),
                rng.random_range(1..7),
                rng.random_range(1..7),
            ];
            if win.output_size("t", [shape[2], shape[3]]).is_err() {
                continue;
            }
            // Few distinct values, so that ties are common, and now and then a NaN.
            let n: usize = shape.iter().product();
            let v = (0..n)
                .map(|_| match rng.random_range(-2i32..4) {
                    3 if rng.random_bool(0.2) => f64::NAN,
                    k => f64::from(k.min(2)),
                })
                .collect();
            let x = Tensor::from_vec(&shape, v).unwrap();
            assert_eq!(
                x.max_pool2d_indices(&win).unwrap(),
                naive_indices(&x, &win),
                "{shape:?} {win:?}"
            );
            checked += 1;
        }
    }

    #[test]
    fn nan_wins_the_window() {
        let x = Tensor::from_vec(&[1, 1, 1, 4], vec![1.0f64, f64::NAN, 3.0, f64::NAN]).unwrap();
        assert_eq!(
            x.max_pool2d_indices(&Window2d::new([1, 3])).unwrap(),
            vec![1, 3]
        );
    }

    #[test]
    fn take_and_put_add_are_adjoint() {
        let x = Tensor::from_vec(&[2, 3], vec![1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
        let idx = [5, 0, 5, 2];
        let t = x.take(&idx, &[2, 2]).unwrap();
        assert_eq!(t.to_vec(), vec![6.0, 1.0, 6.0, 3.0]);
        let y = Tensor::from_vec(&[2, 2], vec![1.0f64, 10.0, 100.0, 1000.0]).unwrap();
        let p = y.put_add(&idx, &[2, 3]).unwrap();
        assert_eq!(p.to_vec(), vec![10.0, 0.0, 1000.0, 0.0, 0.0, 101.0]);
        let lhs: f64 = t.to_vec().iter().zip(y.to_vec()).map(|(a, b)| a * b).sum();
        let rhs: f64 = x.to_vec().iter().zip(p.to_vec()).map(|(a, b)| a * b).sum();
        assert_eq!(lhs, rhs);
    }

    /// Zeros of `len` with `vals[i]` added at `at[i]`, in order: `put_add` by its definition.
    fn naive_put_add(vals: &[f64], at: &[usize], len: usize) -> Vec<f64> {
        let mut out = vec![0.0; len];
        at.iter().zip(vals).for_each(|(&i, v)| out[i] += v);
        out
    }

    /// The plane-by-plane path (every index in its own plane, as max pooling's) and the general
    /// one (an index that leaves its plane) give the definition's sums at any thread count.
    #[test]
    fn put_add_by_planes_matches_the_definition_at_any_thread_count() {
        let mut rng = StdRng::seed_from_u64(5);
        let (src_shape, shape) = ([8, 16, 14, 14], [8, 16, 28, 28]);
        let (from, to) = (14 * 14, 28 * 28);
        let n: usize = src_shape.iter().product();
        let vals: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
        // Few targets per plane, so that indices repeat and sums are made.
        let mut at: Vec<usize> = (0..n)
            .map(|i| (i / from) * to + rng.random_range(0..to / 8) * 8)
            .collect();
        let x = Tensor::from_vec(&src_shape, vals.clone()).unwrap();
        for stray in [false, true] {
            if stray {
                at[3 * from + 7] = 100 * to + 5;
            }
            let want = naive_put_add(&vals, &at, 128 * to);
            let by_planes = put_add_by_planes(&vals, &src_shape, &at, &shape);
            assert_eq!(by_planes.is_none(), stray, "the path taken");
            for threads in [1, 2, 3] {
                crate::set_num_threads(threads);
                let got = x.put_add(&at, &shape).unwrap();
                crate::set_num_threads(1);
                assert_eq!(got.shape(), &shape);
                assert!(got.to_vec() == want, "stray {stray}, {threads} threads");
            }
        }
        at[n - 1] = 128 * to;
        let e = x.put_add(&at, &shape).unwrap_err().to_string();
        assert_eq!(
            e,
            "put_add: index 100352 is out of range (expected < 100352)"
        );
    }

    #[test]
    fn errors_name_the_op_and_what_did_not_fit() {
        let x = Tensor::<f32>::zeros(&[1, 1, 4, 4]);
        let e = x.max_pool2d_indices(&Window2d {
            padding: [2, 0],
            ..Window2d::new([3, 3])
        });
        assert_eq!(
            e.unwrap_err().to_string(),
            "max_pool2d: expected padding at most half the kernel size [3, 3], found [2, 0]"
        );
        let e = x.take(&[16], &[1]).unwrap_err().to_string();
        assert_eq!(e, "take: index 16 is out of range (expected < 16)");
        let e = x.take(&[1, 2], &[3]).unwrap_err().to_string();
        assert!(
            e.starts_with("take: expected an output shape of 2 elements"),
            "{e}"
        );
        let e = Tensor::<f32>::zeros(&[2])
            .put_add(&[0], &[3])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("expected one index per element of the source [2] (2), found 1"),
            "{e}"
        );
        let e = Tensor::<f32>::zeros(&[1])
            .put_add(&[3], &[3])
            .unwrap_err()
            .to_string();
        assert_eq!(e, "put_add: index 3 is out of range (expected < 3)");
    }
}
