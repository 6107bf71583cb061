//! The one matrix-product kernel behind [`Tensor::matmul_t`](crate::Tensor::matmul_t),
//! [`Tensor::matmul_t_into`](crate::Tensor::matmul_t_into) and
//! [`Tensor::addmm_t`](crate::Tensor::addmm_t): `dst = beta·dst + alpha·(a x b)` on strided
//! views, so a transposed operand is a change of strides, never a copy.
//!
//! The products run on the `gemm` crate's single-threaded kernels, which on this workspace's
//! shapes (the MNIST MLP: `[64, 784] x [784, 128]` and its gradients, down to batch 1) beat
//! `matrixmultiply` (ndarray's backend) by 7-10% at batch 64 and 2-10x at batch 1, where
//! `matrixmultiply` packs operands that a matrix-vector product does not need packed.
//!
//! Threads: the output is cut into blocks of rows or columns by a rule that looks only at the
//! shape; each block is one call of the same single-threaded kernel, and threads only decide
//! who computes which block. Each output element therefore sums its terms in the same order
//! whatever [`num_threads`] is, and results are identical bit for bit across thread counts.

use crate::parallel::{num_threads, run_shares};
use crate::Element;
use ndarray::{Array2, ArrayView2, ArrayViewMut2, ShapeBuilder};
use std::any::TypeId;

/// Below this many multiply-adds a product is one block: splitting would cost more in packing
/// and synchronisation than a second thread gains (a batch-1 step's products are all below).
const MIN_BLOCK_WORK: usize = 1 << 21;
/// At most this many blocks (and so threads) per product.
const MAX_BLOCKS: usize = 8;
/// Block edges are multiples of this, so that blocks keep whole register tiles.
const BLOCK_ALIGN: usize = 16;

/// How an `m x n` output with inner dimension `k` is cut: `(blocks, along_rows)`. A function of
/// the shape alone, never of the thread count: that is what makes results thread-independent.
fn partition(m: usize, n: usize, k: usize) -> (usize, bool) {
    let work = m.saturating_mul(n).saturating_mul(k);
    let along_rows = m > n;
    let len = if along_rows { m } else { n };
    let mut blocks = 1;
    while blocks < MAX_BLOCKS
        && work / (2 * blocks) >= MIN_BLOCK_WORK
        && len / (2 * blocks) >= BLOCK_ALIGN
    {
        blocks *= 2;
    }
    (blocks, along_rows)
}

/// The start of block `i` of `blocks` over `len`, aligned to [`BLOCK_ALIGN`].
fn block_start(len: usize, blocks: usize, i: usize) -> usize {
    let chunk = len.div_ceil(blocks).div_ceil(BLOCK_ALIGN) * BLOCK_ALIGN;
    (i * chunk).min(len)
}

/// Raw strided operands, sendable to the pool's threads: each block writes a disjoint part of
/// `dst`, and `a`, `b` are only read.
#[derive(Clone, Copy)]
struct Operands<T> {
    m: usize,
    n: usize,
    k: usize,
    dst: *mut T,
    dst_rs: isize,
    dst_cs: isize,
    a: *const T,
    a_rs: isize,
    a_cs: isize,
    b: *const T,
    b_rs: isize,
    b_cs: isize,
    alpha: T,
    beta: T,
}

// SAFETY: the pointers come from views borrowed for the whole product (see `gemm`); blocks
// write disjoint rectangles of `dst`, and nothing writes `a` or `b` meanwhile.
unsafe impl<T: Send> Send for Operands<T> {}
unsafe impl<T: Sync> Sync for Operands<T> {}

impl<T: Element> Operands<T> {
    /// The rows `r0..r1` and columns `c0..c1` of the output, computed single-threaded.
    ///
    /// # Safety
    /// The range must be inside the output, and no other thread may touch it meanwhile.
    unsafe fn block(&self, r0: usize, r1: usize, c0: usize, c1: usize) {
        let o = self;
        let (m, n) = (r1 - r0, c1 - c0);
        if m == 0 || n == 0 {
            return;
        }
        let dst = o
            .dst
            .offset(r0 as isize * o.dst_rs + c0 as isize * o.dst_cs);
        let a = o.a.offset(r0 as isize * o.a_rs);
        let b = o.b.offset(c0 as isize * o.b_cs);
        if o.k == 0 {
            for i in 0..m as isize {
                for j in 0..n as isize {
                    let d = dst.offset(i * o.dst_rs + j * o.dst_cs);
                    *d = if o.beta == T::zero() {
                        T::zero()
                    } else {
                        o.beta * *d
                    };
                }
            }
            return;
        }
        // gemm's convention: dst = alpha·dst + beta·lhs·rhs, dst unread when read_dst is false.
        gemm::gemm(
            m,
            n,
            o.k,
            dst,
            o.dst_cs,
            o.dst_rs,
            o.beta != T::zero(),
            a,
            o.a_cs,
            o.a_rs,
            b,
            o.b_cs,
            o.b_rs,
            o.beta,
            o.alpha,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }

    /// Block `i` of the partition.
    unsafe fn run_block(&self, i: usize, blocks: usize, along_rows: bool) {
        if along_rows {
            let (r0, r1) = (
                block_start(self.m, blocks, i),
                block_start(self.m, blocks, i + 1),
            );
            self.block(r0, r1, 0, self.n);
        } else {
            let (c0, c1) = (
                block_start(self.n, blocks, i),
                block_start(self.n, blocks, i + 1),
            );
            self.block(0, self.m, c0, c1);
        }
    }
}

/// `dst = beta·dst + alpha·(a x b)`; `dst` is not read when `beta` is zero (it may hold
/// anything, NaN included, as with BLAS). The caller has checked the shapes.
pub(crate) fn gemm_into<T: Element>(
    alpha: T,
    a: &ArrayView2<'_, T>,
    b: &ArrayView2<'_, T>,
    beta: T,
    dst: &mut ArrayViewMut2<'_, T>,
) {
    debug_assert!(dst.dim() == (a.nrows(), b.ncols()));
    let (rs, cs) = (dst.strides()[0], dst.strides()[1]);
    // SAFETY: `dst` is a live, exclusive view of the product's shape.
    unsafe { gemm_raw_on(num_threads(), alpha, a, b, beta, dst.as_mut_ptr(), rs, cs) }
}

/// `a x b` in a new standard-layout array, written once (never zeroed first).
pub(crate) fn gemm_new<T: Element>(a: &ArrayView2<'_, T>, b: &ArrayView2<'_, T>) -> Array2<T> {
    let (m, n) = (a.nrows(), b.ncols());
    let mut out = Array2::<T>::uninit((m, n));
    // SAFETY: with beta = 0 the kernel writes every element of `out` and reads none (an empty
    // inner dimension writes zeros).
    unsafe {
        gemm_raw_on(
            num_threads(),
            T::one(),
            a,
            b,
            T::zero(),
            out.as_mut_ptr() as *mut T,
            n as isize,
            1,
        );
        out.assume_init()
    }
}

/// `dst = a x b` on the calling thread, `dst` the product's `m x n` elements in standard
/// layout, every one written (the kernels of a convolution run image by image, whose threads
/// take whole images).
pub(crate) fn gemm_write<T: Element>(
    a: &ArrayView2<'_, T>,
    b: &ArrayView2<'_, T>,
    dst: &mut [std::mem::MaybeUninit<T>],
) {
    let (m, n) = (a.nrows(), b.ncols());
    assert_eq!(dst.len(), m * n, "the product's elements");
    // SAFETY: `dst` is an exclusive buffer of the product's `m x n` elements in standard
    // layout; with beta = 0 the kernel writes every element and reads none.
    unsafe {
        gemm_raw_on(
            1,
            T::one(),
            a,
            b,
            T::zero(),
            dst.as_mut_ptr() as *mut T,
            n as isize,
            1,
        )
    }
}

/// `dst += a x b` on the calling thread, `dst` the product's `m x n` elements in standard
/// layout (a sum of products accumulated in place).
pub(crate) fn gemm_add<T: Element>(a: &ArrayView2<'_, T>, b: &ArrayView2<'_, T>, dst: &mut [T]) {
    let (m, n) = (a.nrows(), b.ncols());
    assert_eq!(dst.len(), m * n, "the product's elements");
    // SAFETY: `dst` is an exclusive, initialised buffer of the product's elements in standard
    // layout.
    unsafe { gemm_raw_on(1, T::one(), a, b, T::one(), dst.as_mut_ptr(), n as isize, 1) }
}

/// `dst = beta·dst + alpha·(a x b)` on at most `max_threads` threads (the blocks, and so the
/// result, are the same for any count).
///
/// # Safety
/// `dst` with strides `(dst_rs, dst_cs)` must address `a.nrows() x b.ncols()` elements that
/// nothing else reads or writes during the call; they need not be initialised when `beta` is
/// zero.
#[allow(clippy::too_many_arguments)]
unsafe fn gemm_raw_on<T: Element>(
    max_threads: usize,
    alpha: T,
    a: &ArrayView2<'_, T>,
    b: &ArrayView2<'_, T>,
    beta: T,
    dst: *mut T,
    dst_rs: isize,
    dst_cs: isize,
) {
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    debug_assert!(b.nrows() == k);
    if m == 0 || n == 0 {
        return;
    }
    let supported =
        TypeId::of::<T>() == TypeId::of::<f32>() || TypeId::of::<T>() == TypeId::of::<f64>();
    if !supported {
        let mut view =
            ArrayViewMut2::from_shape_ptr((m, n).strides((dst_rs as usize, dst_cs as usize)), dst);
        if beta == T::zero() {
            view.fill(T::zero());
        }
        ndarray::linalg::general_mat_mul(alpha, a, b, beta, &mut view);
        return;
    }
    let ops = Operands {
        m,
        n,
        k,
        dst,
        dst_rs,
        dst_cs,
        a: a.as_ptr(),
        a_rs: a.strides()[0],
        a_cs: a.strides()[1],
        b: b.as_ptr(),
        b_rs: b.strides()[0],
        b_cs: b.strides()[1],
        alpha,
        beta,
    };
    if k == 1 || m == 1 || n == 1 {
        // SAFETY: as for `block`, over the whole output.
        unsafe { thin_product(&ops) };
        return;
    }
    let (blocks, along_rows) = partition(m, n, k);
    let threads = max_threads.min(blocks);
    if threads <= 1 {
        for i in 0..blocks {
            // SAFETY: blocks tile the output; this thread is the only one writing it.
            unsafe { ops.run_block(i, blocks, along_rows) };
        }
        return;
    }
    // Thread t computes blocks [t·blocks/threads, (t+1)·blocks/threads); the caller takes
    // share 0 itself.
    let share = |t: usize| (t * blocks / threads)..((t + 1) * blocks / threads);
    let ops = &ops;
    run_shares(threads, &|t| {
        for i in share(t) {
            // SAFETY: shares are disjoint sets of blocks, which tile the output.
            unsafe { ops.run_block(i, blocks, along_rows) };
        }
    });
}

/// Products with a side of length one, which the blocked kernel serves poorly (it packs whole
/// operands that are read once): an outer product (`k = 1`, a batch-1 weight gradient or SGD
/// update), a row times a matrix (`m = 1`, a batch-1 forward) or a matrix times a column
/// (`n = 1`). Each is one pass over the large operand, vectorised with AVX2 when the CPU has
/// it. Their work is far below a block's, so they run on the calling thread whatever
/// [`num_threads`] is.
///
/// # Safety
/// As for [`Operands::block`], over the whole output.
unsafe fn thin_product<T: Element>(o: &Operands<T>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        return thin_product_avx2(o);
    }
    thin_product_body(o)
}

/// [`thin_product_body`] compiled for AVX2 (8 `f32` or 4 `f64` lanes).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn thin_product_avx2<T: Element>(o: &Operands<T>) {
    thin_product_body(o)
}

#[inline(always)]
unsafe fn thin_product_body<T: Element>(o: &Operands<T>) {
    let &Operands {
        m,
        n,
        k,
        dst,
        dst_rs,
        dst_cs,
        a,
        a_rs,
        a_cs,
        b,
        b_rs,
        b_cs,
        alpha,
        beta,
    } = o;
    // dst = beta·dst + alpha·v, without reading dst when beta is zero.
    let store = |d: *mut T, v: T| {
        *d = if beta == T::zero() {
            alpha * v
        } else {
            beta * *d + alpha * v
        }
    };
    if k == 1 {
        // dst[i, j] = beta·dst[i, j] + (alpha·a[i]) · b[j], a row at a time.
        for i in 0..m as isize {
            let s = alpha * *a.offset(i * a_rs);
            let row = dst.offset(i * dst_rs);
            if dst_cs == 1 && b_cs == 1 {
                let row = std::slice::from_raw_parts_mut(row, n);
                let bs = std::slice::from_raw_parts(b, n);
                if beta == T::zero() {
                    row.iter_mut().zip(bs).for_each(|(d, &v)| *d = s * v);
                } else if beta == T::one() {
                    row.iter_mut().zip(bs).for_each(|(d, &v)| *d += s * v);
                } else {
                    row.iter_mut()
                        .zip(bs)
                        .for_each(|(d, &v)| *d = beta * *d + s * v);
                }
            } else {
                for j in 0..n as isize {
                    let d = row.offset(j * dst_cs);
                    let v = s * *b.offset(j * b_cs);
                    *d = if beta == T::zero() { v } else { beta * *d + v };
                }
            }
        }
        return;
    }
    // One output line: out[j] = Σ_p x[p]·y[p, j] for j < len, where x is a row of a (m = 1) or
    // a column of b (n = 1, seen transposed). (x stride, y's p stride, y's j stride, out stride)
    let (len, xs, x, yp, yj, y, out_s) = if m == 1 {
        (n, a_cs, a, b_rs, b_cs, b, dst_cs)
    } else {
        (m, b_rs, b, a_cs, a_rs, a, dst_rs)
    };
    if yj == 1 {
        // y's lines along j are contiguous: accumulate x[p]·y[p, :] into a row of sums
        // (an axpy per p), which vectorises over j.
        let mut acc = vec![T::zero(); len];
        for p in 0..k as isize {
            let xp = *x.offset(p * xs);
            let line = std::slice::from_raw_parts(y.offset(p * yp), len);
            acc.iter_mut().zip(line).for_each(|(s, &v)| *s += xp * v);
        }
        for (j, &v) in acc.iter().enumerate() {
            store(dst.offset(j as isize * out_s), v);
        }
    } else if yp == 1 && xs == 1 {
        // Both run contiguously along p: one dot product per output, with independent partial
        // sums (a single sum would be one long dependency chain).
        let xv = std::slice::from_raw_parts(x, k);
        #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
        let mut j = 0;
        #[cfg(target_arch = "x86_64")]
        if TypeId::of::<T>() == TypeId::of::<f32>()
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
        {
            // Four outputs at a time share each load of x (a batch-1 forward reads every
            // weight once; this halves the loads per multiply-add).
            let xf = std::slice::from_raw_parts(x as *const f32, k);
            while j + 4 <= len {
                let row = |r: usize| {
                    std::slice::from_raw_parts(y.offset((j + r) as isize * yj) as *const f32, k)
                };
                let sums = dot4_f32_fma(xf, [row(0), row(1), row(2), row(3)]);
                for (r, &v) in sums.iter().enumerate() {
                    store(
                        dst.offset((j + r) as isize * out_s),
                        T::from_f64_lossy(f64::from(v)),
                    );
                }
                j += 4;
            }
        }
        for j in j..len {
            let yv = std::slice::from_raw_parts(y.offset(j as isize * yj), k);
            store(dst.offset(j as isize * out_s), dot(xv, yv));
        }
    } else {
        for j in 0..len as isize {
            let mut sum = T::zero();
            for p in 0..k as isize {
                sum += *x.offset(p * xs) * *y.offset(p * yp + j * yj);
            }
            store(dst.offset(j * out_s), sum);
        }
    }
}

/// `Σ x[p]·y[p]`: for `f32` on a CPU with AVX2 and FMA, 32 lanes of fused multiply-adds;
/// otherwise eight interleaved partial sums. The sum's order depends only on the length (and
/// the CPU), never on the thread count.
#[inline(always)]
fn dot<T: Element>(x: &[T], y: &[T]) -> T {
    #[cfg(target_arch = "x86_64")]
    if TypeId::of::<T>() == TypeId::of::<f32>()
        && std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("fma")
    {
        // SAFETY: T is f32 (checked above), so the slices are f32 slices, and the CPU has
        // the features `dot_f32_fma` is compiled for.
        let s = unsafe {
            let (x, y) = (
                std::slice::from_raw_parts(x.as_ptr() as *const f32, x.len()),
                std::slice::from_raw_parts(y.as_ptr() as *const f32, y.len()),
            );
            dot_f32_fma(x, y)
        };
        return T::from_f64_lossy(f64::from(s));
    }
    let mut s = [T::zero(); 8];
    let (xc, yc) = (x.chunks_exact(8), y.chunks_exact(8));
    let tail: T = xc
        .remainder()
        .iter()
        .zip(yc.remainder())
        .fold(T::zero(), |acc, (&a, &b)| acc + a * b);
    for (xa, ya) in xc.zip(yc) {
        for l in 0..8 {
            s[l] += xa[l] * ya[l];
        }
    }
    ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7])) + tail
}

/// Four `f32` dot products of `x` with the rows `y`, two 8-lane FMA accumulators each.
///
/// # Safety
/// The CPU must have AVX2 and FMA; every row must have `x`'s length.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot4_f32_fma(x: &[f32], y: [&[f32]; 4]) -> [f32; 4] {
    use std::arch::x86_64::*;
    let n = x.len();
    debug_assert!(y.iter().all(|r| r.len() == n));
    let mut acc = [[_mm256_setzero_ps(); 2]; 4];
    let mut i = 0;
    while i + 16 <= n {
        let (x0, x1) = (
            _mm256_loadu_ps(x.as_ptr().add(i)),
            _mm256_loadu_ps(x.as_ptr().add(i + 8)),
        );
        for (a, row) in acc.iter_mut().zip(&y) {
            a[0] = _mm256_fmadd_ps(x0, _mm256_loadu_ps(row.as_ptr().add(i)), a[0]);
            a[1] = _mm256_fmadd_ps(x1, _mm256_loadu_ps(row.as_ptr().add(i + 8)), a[1]);
        }
        i += 16;
    }
    let mut out = [0f32; 4];
    for ((o, a), row) in out.iter_mut().zip(&acc).zip(&y) {
        let mut sum = hsum_ps(_mm256_add_ps(a[0], a[1]));
        for p in i..n {
            sum += x[p] * row[p];
        }
        *o = sum;
    }
    out
}

/// The sum of an 8-lane vector's lanes, pairwise: `((0+4) + (1+5)) + ((2+6) + (3+7))`.
///
/// # Safety
/// The CPU must have AVX2 and FMA (as every caller does).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn hsum_ps(v: std::arch::x86_64::__m256) -> f32 {
    let mut l = [0f32; 8];
    std::arch::x86_64::_mm256_storeu_ps(l.as_mut_ptr(), v);
    ((l[0] + l[4]) + (l[1] + l[5])) + ((l[2] + l[6]) + (l[3] + l[7]))
}

/// The `f32` dot product with four 8-lane FMA accumulators.
///
/// # Safety
/// The CPU must have AVX2 and FMA; `x` and `y` must have the same length.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot_f32_fma(x: &[f32], y: &[f32]) -> f32 {
    use std::arch::x86_64::*;
    debug_assert_eq!(x.len(), y.len());
    let n = x.len();
    let (xp, yp) = (x.as_ptr(), y.as_ptr());
    let mut acc = [_mm256_setzero_ps(); 4];
    let mut i = 0;
    while i + 32 <= n {
        for (l, a) in acc.iter_mut().enumerate() {
            let o = i + 8 * l;
            *a = _mm256_fmadd_ps(_mm256_loadu_ps(xp.add(o)), _mm256_loadu_ps(yp.add(o)), *a);
        }
        i += 32;
    }
    while i + 8 <= n {
        acc[0] = _mm256_fmadd_ps(
            _mm256_loadu_ps(xp.add(i)),
            _mm256_loadu_ps(yp.add(i)),
            acc[0],
        );
        i += 8;
    }
    let mut sum = hsum_ps(_mm256_add_ps(
        _mm256_add_ps(acc[0], acc[1]),
        _mm256_add_ps(acc[2], acc[3]),
    ));
    while i < n {
        sum += x[i] * y[i];
        i += 1;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_depends_on_shape_only_and_tiles() {
        for &(m, n, k) in &[
            (1, 128, 784),
            (64, 128, 784),
            (128, 784, 64),
            (256, 128, 784),
            (5, 3, 2),
        ] {
            let (blocks, rows) = partition(m, n, k);
            let len = if rows { m } else { n };
            assert!(blocks.is_power_of_two() && blocks <= MAX_BLOCKS);
            assert_eq!(block_start(len, blocks, 0), 0);
            assert_eq!(block_start(len, blocks, blocks), len);
        }
        assert_eq!(partition(1, 128, 784).0, 1);
        assert!(partition(64, 128, 784).0 >= 2);
    }

    /// The textbook triple loop, in f64.
    fn naive(a: &ArrayView2<'_, f32>, b: &ArrayView2<'_, f32>) -> Array2<f64> {
        Array2::from_shape_fn((a.nrows(), b.ncols()), |(i, j)| {
            (0..a.ncols())
                .map(|p| f64::from(a[[i, p]]) * f64::from(b[[p, j]]))
                .sum()
        })
    }

    #[test]
    fn matches_the_triple_loop_with_transposes_alpha_beta_and_any_thread_count() {
        let value = |i: usize| ((i * 7919 % 1000) as f32 - 500.0) / 250.0;
        // (m, k, n): batch-1 and batch-64 MLP shapes, one big enough to be split, odd sizes.
        for &(m, k, n) in &[
            (1, 784, 128),
            (1, 10, 128),
            (1, 37, 6),
            (6, 37, 1),
            (128, 1, 784),
            (64, 784, 1),
            (1, 7, 1),
            (64, 784, 128),
            (128, 64, 784),
            (33, 17, 5),
            (3, 0, 4),
        ] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let a_store = Array2::from_shape_fn(if ta { (k, m) } else { (m, k) }, |(i, j)| {
                    value(i * 31 + j)
                });
                let b_store = Array2::from_shape_fn(if tb { (n, k) } else { (k, n) }, |(i, j)| {
                    value(i * 17 + j + 3)
                });
                let a = if ta { a_store.t() } else { a_store.view() };
                let b = if tb { b_store.t() } else { b_store.view() };
                let expected = naive(&a, &b);
                let start = Array2::from_shape_fn((m, n), |(i, j)| value(i + j * 5));
                let mut results = vec![];
                for threads in [1, 2, 3] {
                    crate::set_num_threads(threads);
                    let fresh = gemm_new(&a, &b);
                    let mut acc = start.clone();
                    gemm_into(0.5, &a, &b, 2.0, &mut acc.view_mut());
                    results.push((fresh, acc));
                }
                crate::set_num_threads(1);
                for ((i, j), &e) in expected.indexed_iter() {
                    let got = f64::from(results[0].0[[i, j]]);
                    assert!(
                        (got - e).abs() <= 1e-4 * (1.0 + e.abs()),
                        "[{m},{k},{n}] ta={ta} tb={tb} at ({i},{j}): {got} vs {e}"
                    );
                    let want = 2.0 * f64::from(start[[i, j]]) + 0.5 * e;
                    let got = f64::from(results[0].1[[i, j]]);
                    assert!(
                        (got - want).abs() <= 1e-4 * (1.0 + want.abs()),
                        "addmm [{m},{k},{n}] at ({i},{j}): {got} vs {want}"
                    );
                }
                for r in &results[1..] {
                    assert_eq!(r.0, results[0].0, "thread count changed a product's bits");
                    assert_eq!(r.1, results[0].1, "thread count changed an addmm's bits");
                }
            }
        }
    }
}
