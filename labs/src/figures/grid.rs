//! The grid convention of [`Regions`](super::Regions) and [`HeatMap`](super::HeatMap), and
//! the contour lines (marching squares) drawn over such grids.

use std::path::Path;

use super::error::{invalid, Result};

/// Centres of the `nx` × `ny` cells covering `x_range` × `y_range`, in the
/// grid order used by [`Regions`] and [`HeatMap`]: row-major, first row at the
/// bottom (`index = j * nx + i`, x grows with `i`, y grows with `j`).
///
/// Evaluate a model (or a loss) at these points, in this order, and pass the
/// results as the grid values. Returns an empty vector if `nx` or `ny` is 0.
///
/// ```
/// let c = labs::figures::grid_cell_centers((0.0, 2.0), (0.0, 1.0), 2, 1);
/// assert_eq!(c, vec![(0.5, 0.5), (1.5, 0.5)]);
/// ```
///
/// [`Regions`]: super::Regions
/// [`HeatMap`]: super::HeatMap
pub fn grid_cell_centers(
    x_range: (f64, f64),
    y_range: (f64, f64),
    nx: usize,
    ny: usize,
) -> Vec<(f64, f64)> {
    let dx = (x_range.1 - x_range.0) / nx as f64;
    let dy = (y_range.1 - y_range.0) / ny as f64;
    let mut out = Vec::with_capacity(nx * ny);
    for j in 0..ny {
        for i in 0..nx {
            out.push((
                x_range.0 + (i as f64 + 0.5) * dx,
                y_range.0 + (j as f64 + 0.5) * dy,
            ));
        }
    }
    out
}

/// Converts a row-major `[n, 2]` buffer (e.g. a tensor's data of shape
/// `[n, 2]`, f32 or f64) into `(x, y)` points; a trailing odd element is
/// ignored.
pub fn points_from_flat<T: Into<f64> + Copy>(flat: &[T]) -> Vec<(f64, f64)> {
    flat.chunks_exact(2)
        .map(|c| (c[0].into(), c[1].into()))
        .collect()
}

/// Marching squares: segments of the iso-line `value = level` through a grid
/// of samples at cell centres. Cells touching a NaN are skipped; saddles are
/// resolved with the cell's mean value.
pub(super) fn contour_segments(
    values: &[f64],
    nx: usize,
    ny: usize,
    level: f64,
    x_range: (f64, f64),
    y_range: (f64, f64),
) -> Vec<[(f64, f64); 2]> {
    let dx = (x_range.1 - x_range.0) / nx as f64;
    let dy = (y_range.1 - y_range.0) / ny as f64;
    let pos = |i: f64, j: f64| (x_range.0 + (i + 0.5) * dx, y_range.0 + (j + 0.5) * dy);
    let mut segs = Vec::new();
    if nx < 2 || ny < 2 {
        return segs;
    }
    for j in 0..ny - 1 {
        for i in 0..nx - 1 {
            let v00 = values[j * nx + i];
            let v10 = values[j * nx + i + 1];
            let v11 = values[(j + 1) * nx + i + 1];
            let v01 = values[(j + 1) * nx + i];
            if !(v00.is_finite() && v10.is_finite() && v11.is_finite() && v01.is_finite()) {
                continue;
            }
            let (i, j) = (i as f64, j as f64);
            // Edges in order: bottom, right, top, left.
            let edges = [
                (v00, v10, (i, j), (i + 1.0, j)),
                (v10, v11, (i + 1.0, j), (i + 1.0, j + 1.0)),
                (v01, v11, (i, j + 1.0), (i + 1.0, j + 1.0)),
                (v00, v01, (i, j), (i, j + 1.0)),
            ];
            let mut cross: [Option<(f64, f64)>; 4] = [None; 4];
            for (k, &(a, b, pa, pb)) in edges.iter().enumerate() {
                if (a > level) != (b > level) {
                    let t = (level - a) / (b - a);
                    cross[k] = Some(pos(pa.0 + t * (pb.0 - pa.0), pa.1 + t * (pb.1 - pa.1)));
                }
            }
            let found: Vec<(usize, (f64, f64))> = cross
                .iter()
                .enumerate()
                .filter_map(|(k, c)| c.map(|p| (k, p)))
                .collect();
            match found.len() {
                2 => segs.push([found[0].1, found[1].1]),
                4 => {
                    let c = |k: usize| cross[k].unwrap_or_default();
                    let centre_above = (v00 + v10 + v11 + v01) / 4.0 > level;
                    if centre_above == (v00 > level) {
                        segs.push([c(0), c(1)]);
                        segs.push([c(2), c(3)]);
                    } else {
                        segs.push([c(3), c(0)]);
                        segs.push([c(1), c(2)]);
                    }
                }
                _ => {}
            }
        }
    }
    segs
}

/// Checks that a grid has `nx * ny` values and `nx`, `ny` positive.
pub(super) fn check_grid(path: &Path, what: &str, len: usize, nx: usize, ny: usize) -> Result<()> {
    if nx == 0 || ny == 0 {
        return Err(invalid(
            path,
            format!("{what}: nx and ny must be positive, got nx = {nx}, ny = {ny}"),
        ));
    }
    if nx.checked_mul(ny) != Some(len) {
        return Err(invalid(
            path,
            format!("{what} has {len} values, expected nx * ny = {nx} * {ny}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_order_and_contours() {
        let c = grid_cell_centers((0.0, 4.0), (10.0, 12.0), 4, 2);
        assert_eq!(c.len(), 8);
        assert_eq!(c[0], (0.5, 10.5));
        assert_eq!(c[3], (3.5, 10.5));
        assert_eq!(c[4], (0.5, 11.5));
        assert!(grid_cell_centers((0.0, 1.0), (0.0, 1.0), 0, 3).is_empty());
        // f(x, y) = x: the level-2 contour is the vertical line x = 2.
        let v: Vec<f64> = c.iter().map(|p| p.0).collect();
        let segs = contour_segments(&v, 4, 2, 2.0, (0.0, 4.0), (10.0, 12.0));
        assert!(!segs.is_empty());
        for s in segs {
            for p in s {
                assert!((p.0 - 2.0).abs() < 1e-12, "{p:?}");
            }
        }
        assert_eq!(
            points_from_flat(&[1.0f32, 2.0, 3.0, 4.0, 5.0]),
            vec![(1.0, 2.0), (3.0, 4.0)]
        );
    }
}
