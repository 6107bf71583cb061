//! The playground labs' figures: a line at a few moments of training, the "weights search" (a
//! loss surface over two weights with the path SGD took), the decision regions of a classifier
//! of 2-D points, and the loss curve.

use super::lines::LinePoint;
use super::points::outputs;
use crate::common::LabError;
use crate::figures;
use autograd::Tensor;
use datasets::synthetic::Classification;
use nn::Module;
use std::path::Path;

/// Up to `k` steps to show of a run of `total` steps: 0, then geometrically spaced up to
/// `total` (training moves fast early and slowly late), without repeats.
pub fn snapshot_steps(total: usize, k: usize) -> Vec<usize> {
    let mut steps = vec![0];
    for i in 1..k.max(2) {
        let s = (total as f64)
            .powf(i as f64 / (k.max(2) - 1) as f64)
            .round() as usize;
        let s = s.min(total);
        if steps.last() != Some(&s) {
            steps.push(s);
        }
    }
    steps
}

/// The data with the line at a few moments of training (`moments` snapshots, grey to black)
/// and, when given, a reference line (e.g. the exact or least-squares line) in colour.
pub fn plot_line_fits(
    file: &Path,
    title: &str,
    x: &Tensor<f64>,
    y: &Tensor<f64>,
    path: &[LinePoint],
    moments: usize,
    reference: Option<(&str, f64, f64)>,
) -> Result<(), LabError> {
    let points: Vec<(f64, f64)> = x.to_vec().into_iter().zip(y.to_vec()).collect();
    let classes = vec![0; points.len()];
    // Room around the data, so the early lines show where they were.
    let (xr, yr) = search_ranges(&points, 0.25);
    let mut fig = figures::Scatter::new(title, "x", "y", points, classes)
        .with_class_names(["data"])
        .with_view(xr, yr);
    let total = path.len().saturating_sub(1);
    for s in snapshot_steps(total, moments) {
        let p = path[s];
        fig = fig.with_line(figures::Line::slope(
            format!("step {}: y = {:.3} x {:+.3}", p.step, p.w, p.b),
            p.w,
            p.b,
        ));
    }
    if let Some((name, w, b)) = reference {
        fig = fig.with_line(
            figures::Line::slope(format!("{name}: y = {w:.3} x {b:+.3}"), w, b)
                .with_color(figures::class_color(3)),
        );
    }
    figures::scatter(file, &fig)?;
    Ok(())
}

/// The rectangle a weights-search figure covers: the bounding box of `points` (the path and
/// the minimum), widened by `pad` of its size on each side (at least 0.5 in each direction, so
/// a short path still shows its surroundings).
pub fn search_ranges(points: &[(f64, f64)], pad: f64) -> ((f64, f64), (f64, f64)) {
    let fin = points.iter().filter(|p| p.0.is_finite() && p.1.is_finite());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for p in fin {
        x0 = x0.min(p.0);
        x1 = x1.max(p.0);
        y0 = y0.min(p.1);
        y1 = y1.max(p.1);
    }
    if x0 > x1 {
        return ((-1.0, 1.0), (-1.0, 1.0));
    }
    let widen = |lo: f64, hi: f64| {
        let d = ((hi - lo) * pad).max(0.5);
        (lo - d, hi + d)
    };
    (widen(x0, x1), widen(y0, y1))
}

/// The "weights search": `loss(a, b)` over a grid of `cells` × `cells` covering the path and
/// `minimum`, as a heat map (log colours) with contour lines, and the path SGD took from its
/// start (circle) to its end (cross).
#[allow(clippy::too_many_arguments)]
pub fn plot_weights_search(
    file: &Path,
    title: &str,
    axis_labels: (&str, &str),
    path: &[(f64, f64)],
    minimum: (f64, f64),
    cells: usize,
    mut loss: impl FnMut(f64, f64) -> Result<f64, LabError>,
) -> Result<(), LabError> {
    let mut all = path.to_vec();
    all.push(minimum);
    let (xr, yr) = search_ranges(&all, 0.15);
    let values = figures::grid_cell_centers(xr, yr, cells, cells)
        .into_iter()
        .map(|(a, b)| loss(a, b))
        .collect::<Result<Vec<f64>, LabError>>()?;
    let map = figures::HeatMap::new(
        title,
        axis_labels.0,
        axis_labels.1,
        xr,
        yr,
        cells,
        cells,
        values,
    )
    .with_log_color()
    .with_contours(12)
    .with_value_label("loss")
    .with_path(
        format!("SGD path ({} steps)", path.len() - 1),
        path.to_vec(),
    );
    figures::heat_map(file, &map)?;
    Ok(())
}

/// The square (in data units) that shows `points` with a margin of `pad` of their extent.
pub fn plane_ranges(points: &Tensor<f64>, pad: f64) -> ((f64, f64), (f64, f64)) {
    let pts = figures::points_from_flat(&points.to_vec());
    let (xr, yr) = search_ranges(&pts, pad);
    // A square view, so rings look round.
    let (cx, cy) = ((xr.0 + xr.1) / 2.0, (yr.0 + yr.1) / 2.0);
    let h = (xr.1 - xr.0).max(yr.1 - yr.0) / 2.0;
    ((cx - h, cx + h), (cy - h, cy + h))
}

/// The points of `data` coloured by class over what `model` predicts across the plane (the
/// probability of class 1 with the 0.5 boundary dashed, for a sigmoid head; the predicted class
/// otherwise), with `lines` drawn over them.
pub fn plot_regions(
    file: &Path,
    title: &str,
    model: &dyn Module<f64>,
    data: &Classification<f64>,
    class_names: &[String],
    lines: Vec<figures::Line>,
) -> Result<(), LabError> {
    let (xr, yr) = plane_ranges(&data.x, 0.12);
    let cells = 200;
    let centres = figures::grid_cell_centers(xr, yr, cells, cells);
    let flat: Vec<f64> = centres.iter().flat_map(|&(a, b)| [a, b]).collect();
    let grid = Tensor::from_vec(&[centres.len(), 2], flat)?;
    let out = outputs(model, &grid)?;
    let fill = if out.shape()[1] == 1 {
        figures::RegionFill::Probability(out.to_vec())
    } else {
        figures::RegionFill::Classes(out.argmax_rows()?)
    };
    let mut fig = figures::Scatter::new(
        title,
        "x1",
        "x2",
        figures::points_from_flat(&data.x.to_vec()),
        data.labels.clone(),
    )
    .with_class_names(class_names.iter().cloned())
    .with_regions(figures::Regions {
        x_range: xr,
        y_range: yr,
        nx: cells,
        ny: cells,
        fill,
    });
    for line in lines {
        fig = fig.with_line(line);
    }
    figures::scatter(file, &fig)?;
    Ok(())
}

/// The mean training loss per epoch, on a log scale.
pub fn plot_loss_curve(
    file: &Path,
    title: &str,
    loss_name: &str,
    losses: &[f64],
) -> Result<(), LabError> {
    figures::line_chart(
        file,
        &figures::Panel::new(title, "epoch", format!("mean {loss_name} (log scale)"))
            .with_series(figures::Series::from_values("training loss", losses))
            .with_log_y(),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_start_at_zero_and_end_at_the_last_step() {
        assert_eq!(snapshot_steps(1000, 4), vec![0, 10, 100, 1000]);
        assert_eq!(snapshot_steps(1, 5), vec![0, 1]);
        assert_eq!(snapshot_steps(0, 3), vec![0]);
    }

    #[test]
    fn search_ranges_cover_the_path_with_room() {
        let ((x0, x1), (y0, y1)) = search_ranges(&[(0.0, 0.0), (2.0, 1.0), (f64::NAN, 9.0)], 0.25);
        assert_eq!((x0, x1), (-0.5, 2.5));
        assert_eq!((y0, y1), (-0.5, 1.5));
        assert_eq!(search_ranges(&[], 0.1), ((-1.0, 1.0), (-1.0, 1.0)));
    }
}
