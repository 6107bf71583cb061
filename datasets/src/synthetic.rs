//! Small seeded 2-D datasets for the first labs: a line through two points, a noisy line, two
//! Gaussian blobs, XOR, concentric rings ("donuts") and two interleaved half-circles ("moons").
//!
//! Each generator is generic over the element type (`f32` or `f64`), deterministic for a given
//! seed (and version of the `rand` crate), and checks its arguments: a zero count or a negative
//! or non-finite spread is an error, not a panic. Classification sets interleave their classes
//! (row `i` belongs to class `i % num_classes`, or for XOR to corner `i % 4`), so any prefix is
//! balanced.

use std::f64::consts::{PI, TAU};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use tensor::{Element, Tensor};

use crate::error::{invalid, Result};
use crate::BatchSampler;

/// Inputs and targets for regression: `x` and `y` of shape `[n, 1]`, and the line
/// `y = slope * x + intercept` they were made from.
#[derive(Debug, Clone)]
pub struct Regression<T: Element> {
    /// Inputs, `[n, 1]`.
    pub x: Tensor<T>,
    /// Targets, `[n, 1]`.
    pub y: Tensor<T>,
    /// Slope of the generating line.
    pub slope: f64,
    /// Intercept of the generating line.
    pub intercept: f64,
}

/// Points and class labels: `x` of shape `[n, 2]`, the labels both as values `[n, 1]` (for a
/// binary cross-entropy target) and as indices (for cross-entropy or counting).
#[derive(Debug, Clone)]
pub struct Classification<T: Element> {
    /// Points, `[n, 2]`, one `(x1, x2)` per row.
    pub x: Tensor<T>,
    /// The label of each row as a value (`0.0`, `1.0`, ...), `[n, 1]`.
    pub y: Tensor<T>,
    /// The label of each row as an index.
    pub labels: Vec<usize>,
    /// Number of classes.
    pub num_classes: usize,
}

impl<T: Element> Classification<T> {
    /// Number of points.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there is no point (never the case for a generated set).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// How many points each class has.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.num_classes];
        for &l in &self.labels {
            counts[l] += 1;
        }
        counts
    }

    /// The mini-batches of one epoch in `sampler`'s order, each as its points `[b, 2]` and
    /// their labels (PyTorch's `for x, y in DataLoader(TensorDataset(x, y), ...)`).
    ///
    /// Errors when the sampler is over another number of items than this set has.
    ///
    /// ```
    /// use datasets::{synthetic, BatchSampler};
    /// let moons = synthetic::two_moons::<f32>(10, 0.1, 0)?;
    /// let sampler = BatchSampler::new(moons.len(), 4, true, 0, false)?;
    /// let sizes: Vec<(Vec<usize>, usize)> = moons
    ///     .batches(&sampler, 0)?
    ///     .map(|(x, labels)| (x.shape().to_vec(), labels.len()))
    ///     .collect();
    /// assert_eq!(sizes, [(vec![4, 2], 4), (vec![4, 2], 4), (vec![2, 2], 2)]);
    /// # Ok::<(), datasets::DatasetError>(())
    /// ```
    pub fn batches<'a>(
        &'a self,
        sampler: &BatchSampler,
        epoch: u64,
    ) -> Result<impl Iterator<Item = (Tensor<T>, Vec<usize>)> + 'a> {
        if sampler.len() != self.len() {
            return Err(invalid(
                "Classification::batches",
                format!(
                    "the sampler is over {} items, expected the set's {}",
                    sampler.len(),
                    self.len()
                ),
            ));
        }
        Ok(sampler.epoch(epoch).map(move |idx| {
            let x = self.x.select_rows(&idx).expect("indices below len()");
            (x, idx.iter().map(|&i| self.labels[i]).collect())
        }))
    }

    fn new(points: Vec<(f64, f64)>, labels: Vec<usize>, num_classes: usize) -> Result<Self> {
        let n = labels.len();
        let x = points
            .iter()
            .flat_map(|&(a, b)| [T::from_f64_lossy(a), T::from_f64_lossy(b)])
            .collect();
        let y = labels
            .iter()
            .map(|&l| T::from_f64_lossy(l as f64))
            .collect();
        Ok(Classification {
            x: Tensor::from_vec(&[n, 2], x)?,
            y: Tensor::from_vec(&[n, 1], y)?,
            labels,
            num_classes,
        })
    }
}

/// The two points [`two_points`] uses by default: `(1, 2)` and `(3, 5)`, on the line
/// `y = 1.5 x + 0.5`.
pub const DEFAULT_TWO_POINTS: [(f64, f64); 2] = [(1.0, 2.0), (3.0, 5.0)];

/// Half-width of the radial noise of [`donuts`]: ring `k` has radii in `[k + 1 - 0.1, k + 1 +
/// 0.1]`.
pub const DONUT_NOISE: f64 = 0.1;

fn check_spread(op: &'static str, name: &str, v: f64) -> Result<()> {
    if !(v.is_finite() && v >= 0.0) {
        return Err(invalid(
            op,
            format!("{name} is {v}, expected a finite value >= 0"),
        ));
    }
    Ok(())
}

fn check_count(op: &'static str, name: &str, n: usize) -> Result<()> {
    if n == 0 {
        return Err(invalid(op, format!("{name} is 0, expected at least 1")));
    }
    Ok(())
}

fn normal(rng: &mut StdRng) -> f64 {
    rng.sample(StandardNormal)
}

/// The two points to fit a line through (the first lab: solve for `w` and `b` in `y = w x + b`
/// from two examples), `x` and `y` of shape `[2, 1]`; `points` defaults to
/// [`DEFAULT_TWO_POINTS`]. `slope` and `intercept` hold the exact line through them.
///
/// Errors when the two `x` are equal (no line `y = w x + b` goes through both) or not finite.
///
/// ```
/// let d = datasets::synthetic::two_points::<f64>(None)?;
/// assert_eq!(d.x.to_vec(), vec![1.0, 3.0]);
/// assert_eq!(d.y.to_vec(), vec![2.0, 5.0]);
/// assert_eq!((d.slope, d.intercept), (1.5, 0.5));
/// # Ok::<(), datasets::DatasetError>(())
/// ```
pub fn two_points<T: Element>(points: Option<[(f64, f64); 2]>) -> Result<Regression<T>> {
    let [(x0, y0), (x1, y1)] = points.unwrap_or(DEFAULT_TWO_POINTS);
    if ![x0, y0, x1, y1].iter().all(|v| v.is_finite()) {
        return Err(invalid(
            "two_points",
            format!("points ({x0}, {y0}) and ({x1}, {y1}) must be finite"),
        ));
    }
    if x0 == x1 {
        return Err(invalid(
            "two_points",
            format!("both points have x = {x0}; expected two different x"),
        ));
    }
    let slope = (y1 - y0) / (x1 - x0);
    let intercept = y0 - slope * x0;
    let t = T::from_f64_lossy;
    Ok(Regression {
        x: Tensor::from_vec(&[2, 1], vec![t(x0), t(x1)])?,
        y: Tensor::from_vec(&[2, 1], vec![t(y0), t(y1)])?,
        slope,
        intercept,
    })
}

/// `n` points near a line: `x ~ Uniform[lo, hi)` with `x_range = (lo, hi)`, and
/// `y = slope * x + intercept + ε`, `ε ~ N(0, noise_std²)`; `x` and `y` are `[n, 1]`.
///
/// Errors when `n` is 0, `noise_std` is negative or not finite, or `lo < hi` does not hold.
///
/// ```
/// let d = datasets::synthetic::noisy_line::<f32>(100, 2.0, -1.0, 0.1, (-1.0, 1.0), 0)?;
/// assert_eq!(d.x.shape(), &[100, 1]);
/// assert_eq!(d.y.shape(), &[100, 1]);
/// # Ok::<(), datasets::DatasetError>(())
/// ```
pub fn noisy_line<T: Element>(
    n: usize,
    slope: f64,
    intercept: f64,
    noise_std: f64,
    x_range: (f64, f64),
    seed: u64,
) -> Result<Regression<T>> {
    const OP: &str = "noisy_line";
    check_count(OP, "n", n)?;
    check_spread(OP, "noise_std", noise_std)?;
    let (lo, hi) = x_range;
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(invalid(
            OP,
            format!("x_range is ({lo}, {hi}), expected finite bounds with lo < hi"),
        ));
    }
    if !(slope.is_finite() && intercept.is_finite()) {
        return Err(invalid(
            OP,
            format!("slope {slope} and intercept {intercept} must be finite"),
        ));
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut xs = Vec::with_capacity(n);
    let mut ys = Vec::with_capacity(n);
    for _ in 0..n {
        let x = rng.random_range(lo..hi);
        let y = slope * x + intercept + noise_std * normal(&mut rng);
        xs.push(T::from_f64_lossy(x));
        ys.push(T::from_f64_lossy(y));
    }
    Ok(Regression {
        x: Tensor::from_vec(&[n, 1], xs)?,
        y: Tensor::from_vec(&[n, 1], ys)?,
        slope,
        intercept,
    })
}

/// Two Gaussian blobs, `n_per_class` points each: class `k` is `centers[k] + std · z`,
/// `z ~ N(0, I₂)`. Labels 0 and 1; rows alternate between the classes.
///
/// Errors when `n_per_class` is 0, `std` is negative or not finite, or a center is not finite.
///
/// ```
/// let d = datasets::synthetic::two_blobs::<f64>(50, [(-2.0, 0.0), (2.0, 0.0)], 0.5, 1)?;
/// assert_eq!(d.x.shape(), &[100, 2]);
/// assert_eq!(d.class_counts(), vec![50, 50]);
/// # Ok::<(), datasets::DatasetError>(())
/// ```
pub fn two_blobs<T: Element>(
    n_per_class: usize,
    centers: [(f64, f64); 2],
    std: f64,
    seed: u64,
) -> Result<Classification<T>> {
    const OP: &str = "two_blobs";
    check_count(OP, "n_per_class", n_per_class)?;
    check_spread(OP, "std", std)?;
    if !centers.iter().all(|(a, b)| a.is_finite() && b.is_finite()) {
        return Err(invalid(OP, format!("centers {centers:?} must be finite")));
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut points = Vec::with_capacity(2 * n_per_class);
    let mut labels = Vec::with_capacity(2 * n_per_class);
    for i in 0..2 * n_per_class {
        let k = i % 2;
        let (cx, cy) = centers[k];
        points.push((cx + std * normal(&mut rng), cy + std * normal(&mut rng)));
        labels.push(k);
    }
    Classification::new(points, labels, 2)
}

/// XOR: points around the four corners `(±1, ±1)`, `n_per_quadrant` each; label 1 when the
/// corner's coordinates differ in sign (`(1, -1)`, `(-1, 1)`), 0 otherwise. The first point of
/// each corner is the corner itself, the others are `corner + noise · z`, `z ~ N(0, I₂)`; so
/// `n_per_quadrant = 1` gives exactly the four corners (the classic XOR table). Labels come
/// from the corner, so with a large `noise` a point may stray into another quadrant. Rows
/// cycle through the corners `(-1, -1), (-1, 1), (1, -1), (1, 1)`.
///
/// Errors when `n_per_quadrant` is 0 or `noise` is negative or not finite.
///
/// ```
/// let d = datasets::synthetic::xor::<f32>(1, 0.3, 0)?;
/// assert_eq!(d.x.to_vec(), vec![-1.0, -1.0, -1.0, 1.0, 1.0, -1.0, 1.0, 1.0]);
/// assert_eq!(d.labels, vec![0, 1, 1, 0]);
/// # Ok::<(), datasets::DatasetError>(())
/// ```
pub fn xor<T: Element>(n_per_quadrant: usize, noise: f64, seed: u64) -> Result<Classification<T>> {
    const OP: &str = "xor";
    check_count(OP, "n_per_quadrant", n_per_quadrant)?;
    check_spread(OP, "noise", noise)?;
    const CORNERS: [(f64, f64); 4] = [(-1.0, -1.0), (-1.0, 1.0), (1.0, -1.0), (1.0, 1.0)];
    let mut rng = StdRng::seed_from_u64(seed);
    let mut points = Vec::with_capacity(4 * n_per_quadrant);
    let mut labels = Vec::with_capacity(4 * n_per_quadrant);
    for i in 0..4 * n_per_quadrant {
        let (cx, cy) = CORNERS[i % 4];
        let point = if i < 4 {
            (cx, cy)
        } else {
            (cx + noise * normal(&mut rng), cy + noise * normal(&mut rng))
        };
        points.push(point);
        labels.push(usize::from((cx < 0.0) != (cy < 0.0)));
    }
    Classification::new(points, labels, 2)
}

/// Concentric rings around the origin: ring `k` (for `k` in `0..n_rings`) has
/// `points_per_ring` points at angle `θ ~ Uniform[0, 2π)` and radius `r = k + 1 + u`,
/// `u ~ Uniform[-0.1, 0.1]` ([`DONUT_NOISE`]), i.e. `(r cos θ, r sin θ)`. The label is the ring
/// index, so there are `n_rings` classes and neighbouring rings always differ; rows cycle
/// through the rings. (The labs use 3 and 6 rings.)
///
/// Errors when `n_rings` or `points_per_ring` is 0.
///
/// ```
/// let d = datasets::synthetic::donuts::<f64>(3, 100, 7)?;
/// assert_eq!(d.x.shape(), &[300, 2]);
/// assert_eq!(d.num_classes, 3);
/// assert_eq!(d.class_counts(), vec![100, 100, 100]);
/// # Ok::<(), datasets::DatasetError>(())
/// ```
pub fn donuts<T: Element>(
    n_rings: usize,
    points_per_ring: usize,
    seed: u64,
) -> Result<Classification<T>> {
    const OP: &str = "donuts";
    check_count(OP, "n_rings", n_rings)?;
    check_count(OP, "points_per_ring", points_per_ring)?;
    let n = n_rings * points_per_ring;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut points = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let k = i % n_rings;
        let theta = rng.random_range(0.0..TAU);
        let r = (k + 1) as f64 + rng.random_range(-DONUT_NOISE..=DONUT_NOISE);
        points.push((r * theta.cos(), r * theta.sin()));
        labels.push(k);
    }
    Classification::new(points, labels, n_rings)
}

/// Two interleaved half-circles, scikit-learn's `make_moons`: moon 0 is the upper half of the
/// unit circle, `(cos t, sin t)`, and moon 1 the same turned over and moved by `(1, 0.5)`,
/// `(1 - cos t, 0.5 - sin t)`, with `t` evenly spaced over `[0, π]` in each moon; then Gaussian
/// noise of standard deviation `noise` on both coordinates. Rows alternate between the moons
/// (row `i` is in moon `i % 2`), so any prefix is balanced.
///
/// Errors when `n` is 0 or `noise` negative or not finite.
///
/// ```
/// let d = datasets::synthetic::two_moons::<f64>(6, 0.0, 0)?;
/// assert_eq!(d.labels, vec![0, 1, 0, 1, 0, 1]);
/// assert_eq!(d.x.to_vec()[..4], [1.0, 0.0, 0.0, 0.5]); // t = 0 in each moon
/// # Ok::<(), datasets::DatasetError>(())
/// ```
pub fn two_moons<T: Element>(n: usize, noise: f64, seed: u64) -> Result<Classification<T>> {
    const OP: &str = "two_moons";
    check_count(OP, "n", n)?;
    check_spread(OP, "noise", noise)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let sizes = [n.div_ceil(2), n / 2];
    let mut points = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let (moon, j) = (i % 2, i / 2);
        let t = if sizes[moon] > 1 {
            PI * j as f64 / (sizes[moon] - 1) as f64
        } else {
            0.0
        };
        let (x, y) = match moon {
            0 => (t.cos(), t.sin()),
            _ => (1.0 - t.cos(), 0.5 - t.sin()),
        };
        points.push((x + noise * normal(&mut rng), y + noise * normal(&mut rng)));
        labels.push(moon);
    }
    Classification::new(points, labels, 2)
}

/// Two interleaved spiral arms, TensorFlow Playground's spiral: point `j` of arm `k` (for `k` in
/// `{0, 1}`, `j` in `0..n_per_arm`) is at radius `r = 5 j / n_per_arm` and angle
/// `θ = 1.75 · 2π j / n_per_arm + kπ`, i.e. `(r sin θ, r cos θ)`, plus Gaussian noise of standard
/// deviation `noise` on both coordinates. The label is the arm; rows alternate between the arms.
/// The arms wind almost twice around the origin within radius 5.
///
/// Errors when `n_per_arm` is 0 or `noise` negative or not finite.
///
/// ```
/// let d = datasets::synthetic::spiral::<f64>(100, 0.0, 0)?;
/// assert_eq!(d.x.shape(), &[200, 2]);
/// assert_eq!(d.class_counts(), vec![100, 100]);
/// assert_eq!(d.x.to_vec()[..4], [0.0, 0.0, 0.0, 0.0]); // both arms start at the origin
/// # Ok::<(), datasets::DatasetError>(())
/// ```
pub fn spiral<T: Element>(n_per_arm: usize, noise: f64, seed: u64) -> Result<Classification<T>> {
    const OP: &str = "spiral";
    check_count(OP, "n_per_arm", n_per_arm)?;
    check_spread(OP, "noise", noise)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut points = Vec::with_capacity(2 * n_per_arm);
    let mut labels = Vec::with_capacity(2 * n_per_arm);
    for i in 0..2 * n_per_arm {
        let (arm, j) = (i % 2, i / 2);
        let t = j as f64 / n_per_arm as f64;
        let (r, theta) = (5.0 * t, 1.75 * TAU * t + arm as f64 * PI);
        points.push((
            r * theta.sin() + noise * normal(&mut rng),
            r * theta.cos() + noise * normal(&mut rng),
        ));
        labels.push(arm);
    }
    Classification::new(points, labels, 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(t: &Tensor<f64>) -> Vec<(f64, f64)> {
        t.to_vec().chunks(2).map(|c| (c[0], c[1])).collect()
    }

    #[test]
    fn two_points_defaults_and_options() {
        let d = two_points::<f32>(None).unwrap();
        assert_eq!(d.x.shape(), &[2, 1]);
        assert_eq!(d.y.to_vec(), vec![2.0, 5.0]);
        let d = two_points::<f64>(Some([(0.0, 1.0), (2.0, -3.0)])).unwrap();
        assert_eq!((d.slope, d.intercept), (-2.0, 1.0));
        assert!(two_points::<f64>(Some([(1.0, 1.0), (1.0, 2.0)])).is_err());
        assert!(two_points::<f64>(Some([(f64::NAN, 1.0), (1.0, 2.0)])).is_err());
    }

    #[test]
    fn noisy_line_follows_its_line() {
        let d = noisy_line::<f64>(2000, 3.0, -2.0, 0.1, (-1.0, 2.0), 5).unwrap();
        let xs = d.x.to_vec();
        let ys = d.y.to_vec();
        assert!(xs.iter().all(|&x| (-1.0..2.0).contains(&x)));
        let residuals: Vec<f64> = xs
            .iter()
            .zip(&ys)
            .map(|(x, y)| y - (3.0 * x - 2.0))
            .collect();
        let mean = residuals.iter().sum::<f64>() / 2000.0;
        let var = residuals.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / 2000.0;
        assert!(mean.abs() < 0.01, "{mean}");
        assert!((var.sqrt() - 0.1).abs() < 0.01, "{}", var.sqrt());
        let exact = noisy_line::<f64>(5, 1.0, 0.0, 0.0, (0.0, 1.0), 5).unwrap();
        assert_eq!(exact.x.to_vec(), exact.y.to_vec());
    }

    #[test]
    fn noisy_line_rejects_bad_arguments() {
        assert!(noisy_line::<f64>(0, 1.0, 0.0, 0.1, (0.0, 1.0), 0).is_err());
        assert!(noisy_line::<f64>(5, 1.0, 0.0, -0.1, (0.0, 1.0), 0).is_err());
        assert!(noisy_line::<f64>(5, 1.0, 0.0, f64::INFINITY, (0.0, 1.0), 0).is_err());
        assert!(noisy_line::<f64>(5, 1.0, 0.0, 0.1, (1.0, 1.0), 0).is_err());
        assert!(noisy_line::<f64>(5, 1.0, 0.0, 0.1, (2.0, 1.0), 0).is_err());
        let err = noisy_line::<f64>(5, 1.0, 0.0, 0.1, (0.0, f64::NAN), 0).unwrap_err();
        assert!(err.to_string().starts_with("noisy_line: x_range"), "{err}");
    }

    #[test]
    fn two_blobs_are_balanced_and_centred() {
        let centers = [(-3.0, 1.0), (2.0, -1.0)];
        let d = two_blobs::<f64>(500, centers, 0.5, 11).unwrap();
        assert_eq!(d.x.shape(), &[1000, 2]);
        assert_eq!(d.y.shape(), &[1000, 1]);
        assert_eq!(d.class_counts(), vec![500, 500]);
        assert_eq!(d.y.to_vec()[..4], [0.0, 1.0, 0.0, 1.0]);
        for (k, &(cx, cy)) in centers.iter().enumerate() {
            let pts: Vec<(f64, f64)> = rows(&d.x)
                .into_iter()
                .zip(&d.labels)
                .filter(|(_, &l)| l == k)
                .map(|(p, _)| p)
                .collect();
            let mx = pts.iter().map(|p| p.0).sum::<f64>() / 500.0;
            let my = pts.iter().map(|p| p.1).sum::<f64>() / 500.0;
            assert!((mx - cx).abs() < 0.1 && (my - cy).abs() < 0.1, "{mx} {my}");
        }
        assert!(two_blobs::<f64>(0, centers, 0.5, 0).is_err());
        assert!(two_blobs::<f64>(3, centers, -1.0, 0).is_err());
    }

    #[test]
    fn two_moons_lie_on_their_half_circles() {
        let d = two_moons::<f64>(101, 0.0, 3).unwrap();
        assert_eq!(d.class_counts(), vec![51, 50]);
        for ((x, y), &moon) in rows(&d.x).into_iter().zip(&d.labels) {
            let (cx, cy, up) = if moon == 0 {
                (0.0, 0.0, 1.0)
            } else {
                (1.0, 0.5, -1.0)
            };
            assert!(((x - cx).hypot(y - cy) - 1.0).abs() < 1e-12, "({x}, {y})");
            assert!(up * (y - cy) >= -1e-12, "({x}, {y}) on the wrong half");
        }
        let noisy = two_moons::<f64>(101, 0.1, 3).unwrap();
        assert_ne!(noisy.x.to_vec(), d.x.to_vec());
        assert_eq!(
            noisy.x.to_vec(),
            two_moons::<f64>(101, 0.1, 3).unwrap().x.to_vec()
        );
        assert!(two_moons::<f64>(0, 0.1, 0).is_err());
        assert!(two_moons::<f64>(10, f64::NAN, 0).is_err());
    }

    #[test]
    fn batches_cover_the_set_once_and_check_the_sampler() {
        let d = two_moons::<f64>(10, 0.1, 0).unwrap();
        let sampler = BatchSampler::new(10, 3, true, 1, false).unwrap();
        let mut seen = Vec::new();
        for (x, labels) in d.batches(&sampler, 2).unwrap() {
            for (row, label) in rows(&x).into_iter().zip(labels) {
                let i = rows(&d.x).iter().position(|r| *r == row).unwrap();
                assert_eq!(d.labels[i], label);
                seen.push(i);
            }
        }
        seen.sort();
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        let other = BatchSampler::new(9, 3, true, 1, false).unwrap();
        let err = d.batches(&other, 0).err().unwrap().to_string();
        assert!(
            err.contains("the sampler is over 9 items, expected the set's 10"),
            "{err}"
        );
    }

    #[test]
    fn xor_labels_follow_the_corners() {
        let d = xor::<f64>(50, 0.1, 3).unwrap();
        assert_eq!(d.x.shape(), &[200, 2]);
        assert_eq!(d.class_counts(), vec![100, 100]);
        for ((x1, x2), &l) in rows(&d.x).into_iter().zip(&d.labels) {
            // Noise 0.1 never carries a point across an axis here (10 standard deviations).
            assert_eq!(l, usize::from((x1 < 0.0) != (x2 < 0.0)));
        }
        let corners = xor::<f64>(3, 0.0, 3).unwrap();
        assert_eq!(rows(&corners.x)[4..8], rows(&corners.x)[..4]);
        assert!(xor::<f64>(0, 0.1, 0).is_err());
        assert!(xor::<f64>(1, f64::NAN, 0).is_err());
    }

    #[test]
    fn donut_radii_stay_in_their_band() {
        for n_rings in [3, 6] {
            let d = donuts::<f64>(n_rings, 200, 9).unwrap();
            assert_eq!(d.x.shape(), &[n_rings * 200, 2]);
            assert_eq!(d.num_classes, n_rings);
            assert_eq!(d.class_counts(), vec![200; n_rings]);
            for ((a, b), &k) in rows(&d.x).into_iter().zip(&d.labels) {
                let r = (a * a + b * b).sqrt();
                let centre = (k + 1) as f64;
                assert!(
                    (r - centre).abs() <= DONUT_NOISE + 1e-12,
                    "ring {k} radius {r}"
                );
            }
        }
        assert!(donuts::<f64>(0, 10, 0).is_err());
        assert!(donuts::<f64>(3, 0, 0).is_err());
    }

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        let a = donuts::<f32>(3, 50, 1).unwrap();
        let b = donuts::<f32>(3, 50, 1).unwrap();
        let c = donuts::<f32>(3, 50, 2).unwrap();
        assert_eq!(a.x.to_vec(), b.x.to_vec());
        assert_ne!(a.x.to_vec(), c.x.to_vec());
        let a = two_blobs::<f64>(20, [(0.0, 0.0), (1.0, 1.0)], 1.0, 1).unwrap();
        let b = two_blobs::<f64>(20, [(0.0, 0.0), (1.0, 1.0)], 1.0, 1).unwrap();
        let c = two_blobs::<f64>(20, [(0.0, 0.0), (1.0, 1.0)], 1.0, 2).unwrap();
        assert_eq!(a.x.to_vec(), b.x.to_vec());
        assert_ne!(a.x.to_vec(), c.x.to_vec());
        let a = xor::<f64>(10, 0.2, 1).unwrap();
        let c = xor::<f64>(10, 0.2, 2).unwrap();
        assert_eq!(a.x.to_vec(), xor::<f64>(10, 0.2, 1).unwrap().x.to_vec());
        assert_ne!(a.x.to_vec(), c.x.to_vec());
        let a = noisy_line::<f64>(10, 1.0, 0.0, 0.1, (0.0, 1.0), 1).unwrap();
        let c = noisy_line::<f64>(10, 1.0, 0.0, 0.1, (0.0, 1.0), 2).unwrap();
        assert_eq!(
            a.y.to_vec(),
            noisy_line::<f64>(10, 1.0, 0.0, 0.1, (0.0, 1.0), 1)
                .unwrap()
                .y
                .to_vec()
        );
        assert_ne!(a.y.to_vec(), c.y.to_vec());
    }

    #[test]
    fn every_prefix_is_balanced_as_documented() {
        // Rows cycle through the classes (XOR: through corners 0, 1, 1, 0), so the first k rows
        // never hold more than one extra point of any class: a truncated set stays balanced.
        let sets = [
            donuts::<f64>(6, 20, 3).unwrap(),
            two_blobs::<f64>(20, [(0.0, 0.0), (1.0, 1.0)], 0.5, 3).unwrap(),
            xor::<f64>(10, 0.1, 3).unwrap(),
        ];
        for d in &sets {
            for k in 1..=d.len() {
                let mut counts = vec![0usize; d.num_classes];
                for &l in &d.labels[..k] {
                    counts[l] += 1;
                }
                let (lo, hi) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
                assert!(hi - lo <= 1, "prefix {k}: {counts:?}");
            }
            assert_eq!(d.y.shape(), &[d.len(), 1]);
            assert_eq!(d.x.shape(), &[d.len(), 2]);
        }
    }

    #[test]
    fn f32_and_f64_agree() {
        let a = donuts::<f32>(6, 10, 4).unwrap();
        let b = donuts::<f64>(6, 10, 4).unwrap();
        for (x, y) in a.x.to_vec().iter().zip(b.x.to_vec()) {
            assert!((f64::from(*x) - y).abs() < 1e-6);
        }
        assert_eq!(a.labels, b.labels);
    }
    #[test]
    fn spiral_arms_are_point_symmetric_and_bad_arguments_are_errors() {
        let d = spiral::<f64>(50, 0.0, 1).unwrap();
        let p = rows(&d.x);
        // Arm 1 is arm 0 turned by half a turn: (x, y) -> (-x, -y), point for point.
        for j in 0..50 {
            let (a, b) = (p[2 * j], p[2 * j + 1]);
            assert!(
                (a.0 + b.0).abs() < 1e-12 && (a.1 + b.1).abs() < 1e-12,
                "{a:?} {b:?}"
            );
            assert_eq!((d.labels[2 * j], d.labels[2 * j + 1]), (0, 1));
        }
        let radius = p.iter().map(|(x, y)| x.hypot(*y)).fold(0.0, f64::max);
        assert!(radius < 5.0 && radius > 4.8, "{radius}");
        let noisy = spiral::<f64>(50, 0.2, 1).unwrap();
        assert_ne!(noisy.x.to_vec(), d.x.to_vec());
        assert_eq!(
            noisy.x.to_vec(),
            spiral::<f64>(50, 0.2, 1).unwrap().x.to_vec()
        );
        let err = spiral::<f64>(0, 0.1, 0).unwrap_err().to_string();
        assert!(err.contains("n_per_arm"), "{err}");
        assert!(spiral::<f64>(5, -1.0, 0).is_err());
        assert!(spiral::<f64>(5, f64::NAN, 0).is_err());
    }
}
