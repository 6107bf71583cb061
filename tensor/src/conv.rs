//! Sliding windows over NCHW images: [`Tensor::im2col`] (PyTorch's `F.unfold`, laid out so that a
//! whole batch's convolution is one matrix product) and its adjoint [`Tensor::col2im`]
//! (`F.fold`, the sum of overlapping patches), the two halves of a convolution by matrix product.
//!
//! Both kernels walk their output in contiguous runs: one run per (window offset, output row),
//! whose valid part is found once with integer arithmetic, so the inner loop is a plain copy
//! (stride 1) or a strided gather, never a bounds-checked n-d index.
//!
//! Threads: the work is cut by the shape alone ([`for_units`]) (im2col: rows of the column matrix; col2im: whole
//! image planes, so each output element sums its patches in the same order on any thread), so
//! the result is the same bit for bit whatever [`num_threads`] is.

use crate::parallel::{collect_units, for_units};
use crate::{Element, Result, Tensor, TensorError};
use std::mem::MaybeUninit;

/// The geometry of a 2-D sliding window (PyTorch's `kernel_size`, `stride`, `padding` and
/// `dilation`), each as `[height, width]`.
///
/// ```
/// use tensor::Window2d;
/// let w = Window2d { padding: [1, 1], ..Window2d::new([3, 3]) };
/// assert_eq!(w.output_size("conv2d", [28, 28])?, [28, 28]);
/// let pool = Window2d { stride: [2, 2], ..Window2d::new([2, 2]) };
/// assert_eq!(pool.output_size("max_pool2d", [28, 28])?, [14, 14]);
/// # Ok::<(), tensor::TensorError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window2d {
    /// The window's size, `[kh, kw]`; at least 1 each.
    pub kernel: [usize; 2],
    /// The step between windows; at least 1 each.
    pub stride: [usize; 2],
    /// Zeros added on both sides of each axis.
    pub padding: [usize; 2],
    /// The spacing between the window's taps; at least 1 each (1 is a dense window).
    pub dilation: [usize; 2],
}

impl Window2d {
    /// A `kernel`-sized window with stride 1, no padding and no dilation.
    pub fn new(kernel: [usize; 2]) -> Self {
        Window2d {
            kernel,
            stride: [1, 1],
            padding: [0, 0],
            dilation: [1, 1],
        }
    }

    /// The output's `[height, width]` for an input of `[height, width]`:
    /// `(in + 2·padding - dilation·(kernel - 1) - 1) / stride + 1` per axis (PyTorch's formula).
    ///
    /// Errors (naming `op`) when a kernel size, stride or dilation is zero, or the dilated kernel
    /// is larger than the padded input.
    pub fn output_size(&self, op: &'static str, input: [usize; 2]) -> Result<[usize; 2]> {
        for (name, v) in [
            ("kernel size", self.kernel),
            ("stride", self.stride),
            ("dilation", self.dilation),
        ] {
            if v.contains(&0) {
                return Err(TensorError::Invalid {
                    op,
                    message: format!("expected a {name} of at least 1 on both axes, found {v:?}"),
                });
            }
        }
        let mut out = [0; 2];
        for a in 0..2 {
            let span = self.dilation[a] * (self.kernel[a] - 1) + 1;
            let padded = input[a] + 2 * self.padding[a];
            if padded < span {
                return Err(TensorError::Invalid {
                    op,
                    message: format!(
                        "the dilated kernel {:?} (dilation {:?}) spans {span} on axis {a}, larger than the padded input ({} + 2·{} = {padded}) of size {input:?}",
                        self.kernel, self.dilation, input[a], self.padding[a]
                    ),
                });
            }
            out[a] = (padded - span) / self.stride[a] + 1;
        }
        Ok(out)
    }

    /// The number of window taps, `kh · kw`.
    pub fn taps(&self) -> usize {
        self.kernel[0] * self.kernel[1]
    }
}

/// The `[n, c, h, w]` of a rank-4 tensor, or an error naming `op`.
pub(crate) fn nchw(op: &'static str, shape: &[usize]) -> Result<[usize; 4]> {
    match *shape {
        [n, c, h, w] => Ok([n, c, h, w]),
        _ => Err(TensorError::Invalid {
            op,
            message: format!("expected an NCHW input of rank 4, found shape {shape:?}"),
        }),
    }
}

/// The outputs `o` in `0..out_len` whose input position `o·stride + offset` is in `0..in_len`,
/// as a range `lo..hi` (empty when there are none).
pub(crate) fn valid_range(
    out_len: usize,
    stride: usize,
    offset: isize,
    in_len: usize,
) -> (usize, usize) {
    let s = stride as isize;
    let lo = if offset >= 0 {
        0
    } else {
        (-offset + s - 1) / s
    };
    let end = in_len as isize - offset;
    let hi = if end <= 0 {
        0
    } else {
        ((end + s - 1) / s).min(out_len as isize)
    };
    let lo = lo.min(hi);
    (lo as usize, hi as usize)
}

/// One tap of the window, resolved for one input size: for output row `oh` the input row is
/// `oh·sh + row_off` and output column `ow` reads input column `ow·sw + col_off`; `cols` are the
/// output columns whose input column is inside the image.
#[derive(Clone, Copy)]
struct Tap {
    row_off: isize,
    col_off: isize,
    rows: (usize, usize),
    cols: (usize, usize),
}

/// The taps of `window` in row-major (ki, kj) order, for an `h x w` input and `oh x ow` output.
fn taps(window: &Window2d, [h, w]: [usize; 2], [oh, ow]: [usize; 2]) -> Vec<Tap> {
    let [sh, sw] = window.stride;
    let [ph, pw] = window.padding;
    let [dh, dw] = window.dilation;
    let mut out = Vec::with_capacity(window.taps());
    for ki in 0..window.kernel[0] {
        let row_off = (ki * dh) as isize - ph as isize;
        for kj in 0..window.kernel[1] {
            let col_off = (kj * dw) as isize - pw as isize;
            out.push(Tap {
                row_off,
                col_off,
                rows: valid_range(oh, sh, row_off, h),
                cols: valid_range(ow, sw, col_off, w),
            });
        }
    }
    out
}

/// One tap's plane of [`Tensor::im2col`] for stride 1 and an output as wide as the input
/// (`ow` columns each): output `(r, col)` is input `(r + row_off, col + col_off)` for the tap's
/// valid rows and columns and zero elsewhere. In the flat plane that is one shifted copy from the
/// first valid element to the last; the copy also carries, at the row ends, columns that wrapped
/// around from the neighbouring row, which are then overwritten with zeros.
fn shifted_plane<T: Element>(dst: &mut [MaybeUninit<T>], src: &[T], ow: usize, tap: &Tap) {
    let zero = |d: &mut [MaybeUninit<T>]| d.iter_mut().for_each(|d| _ = d.write(T::zero()));
    let ((r0, r1), (lo, hi)) = (tap.rows, tap.cols);
    if r0 == r1 || lo == hi {
        return zero(dst);
    }
    let (start, end) = (r0 * ow + lo, (r1 - 1) * ow + hi);
    let shift = tap.row_off * ow as isize + tap.col_off;
    let from = (start as isize + shift) as usize;
    zero(&mut dst[..start]);
    let copy = &src[from..][..end - start];
    dst[start..end]
        .iter_mut()
        .zip(copy)
        .for_each(|(d, &s)| _ = d.write(s));
    zero(&mut dst[end..]);
    for r in r0..r1 {
        zero(&mut dst[r * ow..][..lo]);
        zero(&mut dst[r * ow + hi..(r + 1) * ow]);
    }
}

/// A window resolved for one input batch shape: what [`Tensor::im2col`] and
/// [`Tensor::col2im`] compute with, and what a convolution run image by image calls on one
/// image at a time (`n = 1`).
pub(crate) struct Unfold {
    taps: Vec<Tap>,
    /// Images, channels, and the input's and output's `[height, width]`.
    n: usize,
    c: usize,
    input: [usize; 2],
    output: [usize; 2],
    stride: [usize; 2],
    /// Stride 1 and the output as wide as the input (a "same" convolution): a tap's plane is
    /// the image's plane shifted, one copy, then zeros where rows wrapped.
    flat: bool,
    /// For the flat case, per tap, which of the `OH·OW` positions read inside the image's
    /// columns (the others wrapped around a row end).
    keep: Vec<Vec<bool>>,
}

impl Unfold {
    /// `window` over an input `[n, c, h, w]`; errors (naming `op`) when it does not fit.
    pub(crate) fn new(
        op: &'static str,
        window: &Window2d,
        [n, c, h, w]: [usize; 4],
    ) -> Result<Self> {
        let [oh, ow] = window.output_size(op, [h, w])?;
        let taps = taps(window, [h, w], [oh, ow]);
        let flat = window.stride == [1, 1] && ow == w;
        let keep = taps
            .iter()
            .filter(|_| flat)
            .map(|tap| {
                (0..oh * ow)
                    .map(|k| (tap.cols.0..tap.cols.1).contains(&(k % ow.max(1))))
                    .collect()
            })
            .collect();
        Ok(Unfold {
            taps,
            n,
            c,
            input: [h, w],
            output: [oh, ow],
            stride: window.stride,
            flat,
            keep,
        })
    }

    /// The output's `[OH, OW]`.
    pub(crate) fn output(&self) -> [usize; 2] {
        self.output
    }

    /// The rows of the columns, `C·kh·kw`.
    pub(crate) fn rows(&self) -> usize {
        self.c * self.taps.len()
    }

    /// The length of a row of the columns, `N·OH·OW`.
    pub(crate) fn row_len(&self) -> usize {
        self.n * self.output[0] * self.output[1]
    }

    /// The elements of the input batch, `N·C·H·W`.
    pub(crate) fn input_len(&self) -> usize {
        self.n * self.c * self.input[0] * self.input[1]
    }

    /// Writes rows `first..` of the columns of the batch `src` into `chunk` (whole rows), every
    /// element once, a tap's padding as zeros.
    pub(crate) fn unfold<T: Element>(&self, src: &[T], first: usize, chunk: &mut [MaybeUninit<T>]) {
        let ([h, w], [_, ow]) = (self.input, self.output);
        let (plane, l, row_len) = (h * w, self.output[0] * ow, self.row_len());
        let [sh, sw] = self.stride;
        let zero = |d: &mut [MaybeUninit<T>]| d.iter_mut().for_each(|d| _ = d.write(T::zero()));
        for (i, dst_row) in chunk.chunks_mut(row_len.max(1)).enumerate() {
            let r = first + i;
            let (ch, tap) = (r / self.taps.len(), self.taps[r % self.taps.len()]);
            let (lo, hi) = tap.cols;
            for (img, dst) in dst_row.chunks_mut(l.max(1)).enumerate() {
                let src_plane = &src[(img * self.c + ch) * plane..][..plane];
                if self.flat {
                    shifted_plane(dst, src_plane, ow, &tap);
                    continue;
                }
                for (o_r, dst_r) in dst.chunks_mut(ow.max(1)).enumerate() {
                    if !(tap.rows.0..tap.rows.1).contains(&o_r) || lo == hi {
                        zero(dst_r);
                        continue;
                    }
                    let i_r = (o_r * sh) as isize + tap.row_off;
                    let src_row = &src_plane[i_r as usize * w..][..w];
                    let first_col = ((lo * sw) as isize + tap.col_off) as usize;
                    let (head, rest) = dst_r.split_at_mut(lo);
                    let (mid, tail) = rest.split_at_mut(hi - lo);
                    zero(head);
                    zero(tail);
                    if sw == 1 {
                        let from = &src_row[first_col..][..mid.len()];
                        mid.iter_mut().zip(from).for_each(|(d, &s)| _ = d.write(s));
                    } else {
                        let from = src_row[first_col..].iter().step_by(sw);
                        mid.iter_mut().zip(from).for_each(|(d, &s)| _ = d.write(s));
                    }
                }
            }
        }
    }

    /// Adds the columns `src` of the whole batch into images `first..` of it (`chunk`, whole
    /// images), channel by channel, each image's taps in order; taps in the padding are
    /// dropped.
    pub(crate) fn fold<T: Element>(&self, src: &[T], first: usize, chunk: &mut [T]) {
        let ([h, w], [_, ow]) = (self.input, self.output);
        let (plane, l, row_len, c) = (h * w, self.output[0] * ow, self.row_len(), self.c);
        let [sh, sw] = self.stride;
        let images = chunk.len() / (c * plane).max(1);
        // Channel by channel, the chunk's images in turn, so that each channel's `kh·kw` rows
        // of columns are read front to back (image by image, plane by plane, the rows of all
        // channels were hundreds of interleaved streams, and the reads waited on memory).
        for (ch, i) in (0..c).flat_map(|ch| (0..images).map(move |i| (ch, i))) {
            let img = first + i;
            let dst_plane = &mut chunk[(i * c + ch) * plane..][..plane];
            for (t, tap) in self.taps.iter().enumerate() {
                let src_row = &src[(ch * self.taps.len() + t) * row_len + img * l..][..l];
                let (lo, hi) = tap.cols;
                if lo == hi || tap.rows.0 == tap.rows.1 {
                    continue;
                }
                if self.flat {
                    // The columns that would wrap around a row end add a zero instead (which
                    // leaves a sum that started at +0 unchanged, bit for bit).
                    let (start, end) = (tap.rows.0 * ow + lo, (tap.rows.1 - 1) * ow + hi);
                    let shift = tap.row_off * ow as isize + tap.col_off;
                    let to = (start as isize + shift) as usize;
                    let dst = &mut dst_plane[to..][..end - start];
                    let from = src_row[start..end].iter().zip(&self.keep[t][start..end]);
                    for (d, (&v, &keep)) in dst.iter_mut().zip(from) {
                        *d += if keep { v } else { T::zero() };
                    }
                    continue;
                }
                for o_r in tap.rows.0..tap.rows.1 {
                    let i_r = (o_r * sh) as isize + tap.row_off;
                    let dst_row = &mut dst_plane[i_r as usize * w..][..w];
                    let s = &src_row[o_r * ow..][lo..hi];
                    let first_col = ((lo * sw) as isize + tap.col_off) as usize;
                    if sw == 1 {
                        for (d, v) in dst_row[first_col..first_col + hi - lo].iter_mut().zip(s) {
                            *d += *v;
                        }
                    } else {
                        for (d, v) in dst_row[first_col..].iter_mut().step_by(sw).zip(s) {
                            *d += *v;
                        }
                    }
                }
            }
        }
    }
}

impl<T: Element> Tensor<T> {
    /// Unfolds every window of an NCHW image batch into a column: the result is
    /// `[C·kh·kw, N·OH·OW]`, row `(c·kh + ki)·kw + kj` holding tap `(ki, kj)` of channel `c` for
    /// every window, windows ordered by image, then output row, then output column; taps that
    /// fall in the padding are zero.
    ///
    /// This is PyTorch's `F.unfold` (which gives `[N, C·kh·kw, OH·OW]`) with the batch moved
    /// into the columns, so that a convolution of the whole batch is one matrix product
    /// `W[out, C·kh·kw] x cols`. Its adjoint is [`col2im`](Tensor::col2im).
    ///
    /// ```
    /// use tensor::{Tensor, Window2d};
    /// let x = Tensor::from_vec(&[1, 1, 2, 3], vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0])?;
    /// let cols = x.im2col(&Window2d::new([2, 2]))?; // two 2x2 windows
    /// assert_eq!(cols.shape(), &[4, 2]);
    /// assert_eq!(cols.to_vec(), vec![1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 5.0, 6.0]);
    /// # Ok::<(), tensor::TensorError>(())
    /// ```
    ///
    /// Errors when the input is not rank 4, or the window does not fit (see
    /// [`Window2d::output_size`]).
    pub fn im2col(&self, window: &Window2d) -> Result<Tensor<T>> {
        let shape = nchw("im2col", self.shape())?;
        let u = Unfold::new("im2col", window, shape)?;
        let src = self.data.as_standard_layout();
        let src = src.as_slice().expect("standard layout");
        let (rows, row_len) = (u.rows(), u.row_len());
        let len = rows * row_len;
        let out = collect_units(len, row_len.max(1), len, &|first, chunk| {
            u.unfold(src, first, chunk)
        });
        Tensor::from_vec(&[rows, row_len], out)
    }

    /// Folds columns back into an NCHW image batch of `shape`, summing where windows overlap:
    /// the adjoint of [`im2col`](Tensor::im2col) (PyTorch's `F.fold`, with the batch in the
    /// columns as `im2col` lays it out), and so its gradient. Taps that fall in the padding are
    /// dropped.
    ///
    /// ```
    /// use tensor::{Tensor, Window2d};
    /// let cols = Tensor::from_vec(&[4, 2], vec![1.0f32; 8])?;
    /// let x = cols.col2im([1, 1, 2, 3], &Window2d::new([2, 2]))?;
    /// assert_eq!(x.to_vec(), vec![1.0, 2.0, 1.0, 1.0, 2.0, 1.0]); // the middle column is in both windows
    /// # Ok::<(), tensor::TensorError>(())
    /// ```
    ///
    /// Errors when the window does not fit `shape`, or `self` is not `[C·kh·kw, N·OH·OW]` for it.
    pub fn col2im(&self, shape: [usize; 4], window: &Window2d) -> Result<Tensor<T>> {
        let u = Unfold::new("col2im", window, shape)?;
        let expected = [u.rows(), u.row_len()];
        if self.shape() != expected {
            return Err(TensorError::ShapeMismatch {
                op: "col2im",
                lhs: self.shape().to_vec(),
                rhs: shape.to_vec(),
                reason: format!(
                    "do not fit: columns for an image batch {shape:?} under {window:?} must be {expected:?}"
                ),
            });
        }
        let src = self.data.as_standard_layout();
        let src = src.as_slice().expect("standard layout");
        let mut out = vec![T::zero(); u.input_len()];
        let out_len = out.len();
        // Threads take whole images, so each output element sums its taps in the same order
        // on any thread.
        let image = (shape[1] * shape[2] * shape[3]).max(1);
        for_units(&mut out, image, out_len, &|first, chunk| {
            u.fold(src, first, chunk)
        });
        Tensor::from_vec(&shape, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::set_num_threads;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    /// For each element of the columns, in order, the flat index of the input element it
    /// holds, or `None` in the padding: the definition of both kernels, one bounds-checked
    /// element at a time.
    fn naive_sources(shape: [usize; 4], win: &Window2d) -> Vec<Option<usize>> {
        let [n, c, h, w] = shape;
        let [oh, ow] = win.output_size("t", [h, w]).unwrap();
        let (kh, kw) = (win.kernel[0], win.kernel[1]);
        let mut out = Vec::with_capacity(c * kh * kw * n * oh * ow);
        for ch in 0..c {
            for ki in 0..kh {
                for kj in 0..kw {
                    for img in 0..n {
                        for a in 0..oh {
                            for b in 0..ow {
                                let i = (a * win.stride[0] + ki * win.dilation[0]) as isize
                                    - win.padding[0] as isize;
                                let j = (b * win.stride[1] + kj * win.dilation[1]) as isize
                                    - win.padding[1] as isize;
                                let inside =
                                    i >= 0 && j >= 0 && (i as usize) < h && (j as usize) < w;
                                out.push(
                                    inside.then(|| {
                                        ((img * c + ch) * h + i as usize) * w + j as usize
                                    }),
                                );
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// im2col by the definition.
    fn naive_im2col(x: &Tensor<f64>, win: &Window2d) -> Vec<f64> {
        let xs = x.to_vec();
        let shape = nchw("t", x.shape()).unwrap();
        let sources = naive_sources(shape, win);
        sources.iter().map(|s| s.map_or(0.0, |i| xs[i])).collect()
    }

    /// col2im by the definition: every column element added to its input position, taps in
    /// order (the order the kernel sums in, so the two agree bit for bit).
    fn naive_col2im(cols: &Tensor<f64>, shape: [usize; 4], win: &Window2d) -> Vec<f64> {
        let mut out = vec![0.0; shape.iter().product()];
        for (s, y) in naive_sources(shape, win).into_iter().zip(cols.to_vec()) {
            if let Some(i) = s {
                out[i] += y;
            }
        }
        out
    }

    fn random(shape: &[usize], rng: &mut StdRng) -> Tensor<f64> {
        Tensor::rand_uniform(shape, -1.0, 1.0, rng).unwrap()
    }

    fn random_window(rng: &mut StdRng) -> Window2d {
        Window2d {
            kernel: [rng.random_range(1..4), rng.random_range(1..4)],
            stride: [rng.random_range(1..4), rng.random_range(1..4)],
            padding: [rng.random_range(0..3), rng.random_range(0..3)],
            dilation: [rng.random_range(1..3), rng.random_range(1..3)],
        }
    }

    /// Random shapes and windows: im2col equals the definition, and col2im is its adjoint,
    /// `<im2col(x), y> = <x, col2im(y)>`.
    #[test]
    fn im2col_matches_definition_and_col2im_is_its_adjoint() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut checked = 0;
        while checked < 300 {
            let win = random_window(&mut rng);
            let shape = [
                rng.random_range(1..3),
                rng.random_range(1..4),
                rng.random_range(1..8),
                rng.random_range(1..8),
            ];
            if win.output_size("t", [shape[2], shape[3]]).is_err() {
                continue;
            }
            let x = random(&shape, &mut rng);
            let cols = x.im2col(&win).unwrap();
            assert_eq!(cols.to_vec(), naive_im2col(&x, &win), "{shape:?} {win:?}");
            let y = random(cols.shape(), &mut rng);
            let back = y.col2im(shape, &win).unwrap();
            assert!(
                back.to_vec() == naive_col2im(&y, shape, &win),
                "{shape:?} {win:?}"
            );
            let lhs: f64 = cols
                .to_vec()
                .iter()
                .zip(y.to_vec())
                .map(|(a, b)| a * b)
                .sum();
            let rhs: f64 = x
                .to_vec()
                .iter()
                .zip(back.to_vec())
                .map(|(a, b)| a * b)
                .sum();
            assert!(
                (lhs - rhs).abs() < 1e-10,
                "{shape:?} {win:?}: {lhs} vs {rhs}"
            );
            checked += 1;
        }
    }

    /// "Same" windows (stride 1, output as wide as the input) take the shifted-plane paths of
    /// both kernels; against the definition, bit for bit, for every such window up to 5x5, on
    /// wide and tall images.
    #[test]
    fn same_width_windows_match_the_definition() {
        let mut rng = StdRng::seed_from_u64(11);
        let mut checked = 0;
        for kh in 1..=5 {
            for kw in 1..=5 {
                for dw in 1..=2 {
                    if (dw * (kw - 1)) % 2 != 0 {
                        continue;
                    }
                    for ph in 0..=kh / 2 + 1 {
                        let win = Window2d {
                            kernel: [kh, kw],
                            stride: [1, 1],
                            padding: [ph, dw * (kw - 1) / 2],
                            dilation: [1, dw],
                        };
                        for shape in [[2, 3, 6, 9], [1, 2, 9, 4], [1, 1, 5, 5]] {
                            if win.output_size("t", [shape[2], shape[3]]).is_err() {
                                continue;
                            }
                            let x = random(&shape, &mut rng);
                            let cols = x.im2col(&win).unwrap();
                            assert_eq!(cols.to_vec(), naive_im2col(&x, &win), "{shape:?} {win:?}");
                            let y = random(cols.shape(), &mut rng);
                            let back = y.col2im(shape, &win).unwrap().to_vec();
                            assert!(back == naive_col2im(&y, shape, &win), "{shape:?} {win:?}");
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 100, "{checked}");
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let mut rng = StdRng::seed_from_u64(3);
        let win = Window2d {
            stride: [2, 1],
            padding: [1, 2],
            ..Window2d::new([3, 3])
        };
        let x = random(&[5, 7, 30, 31], &mut rng);
        let y = random(x.im2col(&win).unwrap().shape(), &mut rng);
        let run = |threads| {
            set_num_threads(threads);
            let out = (
                x.im2col(&win).unwrap(),
                y.col2im([5, 7, 30, 31], &win).unwrap(),
            );
            set_num_threads(1);
            out
        };
        let one = run(1);
        for threads in [2, 3, 8] {
            let many = run(threads);
            assert!(
                one.0 == many.0 && one.1 == many.1,
                "{threads} threads differ"
            );
        }
    }

    #[test]
    fn errors_name_the_op_and_what_did_not_fit() {
        let x = Tensor::<f32>::zeros(&[1, 1, 2, 2]);
        let e = x.im2col(&Window2d::new([3, 1])).unwrap_err().to_string();
        assert!(e.starts_with("im2col: the dilated kernel [3, 1]"), "{e}");
        let e = x.im2col(&Window2d {
            stride: [0, 1],
            ..Window2d::new([1, 1])
        });
        assert!(e.unwrap_err().to_string().contains("stride of at least 1"));
        let e = Tensor::<f32>::zeros(&[2, 2]).im2col(&Window2d::new([1, 1]));
        assert!(e.unwrap_err().to_string().contains("found shape [2, 2]"));
        let e = Tensor::<f32>::zeros(&[3, 4]).col2im([1, 1, 2, 2], &Window2d::new([2, 2]));
        assert!(e.unwrap_err().to_string().contains("must be [4, 1]"));
    }
}
