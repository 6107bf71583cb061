//! Scatter plots: 2-D points coloured by class, over an optional decision-region background,
//! with optional lines (fitted lines, decision boundaries).

use std::path::Path;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{bold, font, render, text_width, Area, Canvas};
use super::error::{invalid, DrawResult, Result};
use super::grid::{check_grid, contour_segments};
use super::style::{
    centered_note, check_range, class_color, finite_range, finite_runs, fmt_tick, padded, Rgb,
    AXIS_DESC_SIZE, LEGEND_SIZE, TICK_SIZE, TITLE_SIZE, WHITE_RGB,
};

/// Side (in pixels) of the square plot part of a [`scatter`] figure; the
/// legend column is added to its right.
pub const SCATTER_SIZE: u32 = 640;

/// Background of a [`Scatter`]: what a classifier predicts over a rectangle.
///
/// The grid layout is the module's grid convention (row-major, first row at
/// the bottom; see [`grid_cell_centers`]).
///
/// [`grid_cell_centers`]: super::grid_cell_centers
#[derive(Clone, Debug, PartialEq)]
pub struct Regions {
    /// `(x_min, x_max)` covered by the grid; also the plot's x range.
    pub x_range: (f64, f64),
    /// `(y_min, y_max)` covered by the grid; also the plot's y range.
    pub y_range: (f64, f64),
    /// Number of cells along x.
    pub nx: usize,
    /// Number of cells along y.
    pub ny: usize,
    /// The cell values, `nx * ny` of them.
    pub fill: RegionFill,
}

/// Values of a [`Regions`] grid.
#[derive(Clone, Debug, PartialEq)]
pub enum RegionFill {
    /// Predicted class per cell (any number of classes); each cell is a pale
    /// version of [`class_color`] of its class.
    Classes(Vec<usize>),
    /// Binary classifier: probability of class 1 per cell. Cells shade from
    /// pale class-0 colour (p = 0) through white (p = 0.5) to pale class-1
    /// colour (p = 1), and the `p = 0.5` decision boundary is drawn as a
    /// dashed black contour. NaN cells are left grey.
    Probability(Vec<f64>),
}

/// Geometry of a [`Line`].
#[derive(Clone, Debug, PartialEq)]
pub enum LineGeometry {
    /// `y = w * x + b` across the whole plot (e.g. a fitted regression line).
    Slope {
        /// Slope.
        w: f64,
        /// Intercept.
        b: f64,
    },
    /// `a * x + b * y + c = 0` across the whole plot (e.g. the decision
    /// boundary `w1 x + w2 y + bias = 0` of a logistic regression; may be
    /// vertical).
    Implicit {
        /// Coefficient of x.
        a: f64,
        /// Coefficient of y.
        b: f64,
        /// Constant.
        c: f64,
    },
    /// Connects the points in order (non-finite points break the line).
    Polyline(Vec<(f64, f64)>),
}

/// A labelled line drawn over a [`Scatter`].
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// Legend label (may be empty: then no legend entry).
    pub label: String,
    /// Where the line goes.
    pub geometry: LineGeometry,
    /// Colour; `None` picks a grey-to-black ramp over the plot's lines in
    /// order, so several snapshots during training read as "light = early,
    /// black = final".
    pub color: Option<Rgb>,
}

impl Line {
    /// The line `y = w * x + b`.
    pub fn slope(label: impl Into<String>, w: f64, b: f64) -> Self {
        Line {
            label: label.into(),
            geometry: LineGeometry::Slope { w, b },
            color: None,
        }
    }

    /// The line `a * x + b * y + c = 0`.
    pub fn implicit(label: impl Into<String>, a: f64, b: f64, c: f64) -> Self {
        Line {
            label: label.into(),
            geometry: LineGeometry::Implicit { a, b, c },
            color: None,
        }
    }

    /// A polyline through `points`.
    pub fn polyline(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Line {
            label: label.into(),
            geometry: LineGeometry::Polyline(points),
            color: None,
        }
    }

    /// Sets an explicit colour (builder style).
    pub fn with_color(mut self, color: Rgb) -> Self {
        self.color = Some(color);
        self
    }
}

/// Description of a [`scatter`] figure.
///
/// `classes[i]` is the class of `points[i]`; point colours come from
/// [`class_color`] (ten distinct colours). For data without classes (e.g. a
/// regression data set) use class 0 for every point.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scatter {
    /// Title above the plot.
    pub title: String,
    /// Label of the x axis.
    pub x_label: String,
    /// Label of the y axis.
    pub y_label: String,
    /// The points; ones with a non-finite coordinate are skipped.
    pub points: Vec<(f64, f64)>,
    /// Class of each point; must have the same length as `points`.
    pub classes: Vec<usize>,
    /// Legend names of classes `0, 1, …`; classes without a name are called
    /// "class k". Classes without points are listed only if named.
    pub class_names: Vec<String>,
    /// Optional decision-region background; it also fixes the plot's ranges.
    pub regions: Option<Regions>,
    /// Lines drawn over the points, listed in the legend after the classes.
    pub lines: Vec<Line>,
    /// Explicit `(x_range, y_range)` of the plot when there are no regions (e.g. to show
    /// more of the lines around two points); `None` fits the points.
    pub view: Option<((f64, f64), (f64, f64))>,
}

impl Scatter {
    /// A scatter of `points` with their `classes`, no regions and no lines.
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
        points: Vec<(f64, f64)>,
        classes: Vec<usize>,
    ) -> Self {
        Scatter {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            points,
            classes,
            ..Scatter::default()
        }
    }

    /// Sets the class names (builder style).
    pub fn with_class_names<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.class_names = names.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the decision-region background (builder style).
    pub fn with_regions(mut self, regions: Regions) -> Self {
        self.regions = Some(regions);
        self
    }

    /// Adds a line (builder style).
    pub fn with_line(mut self, line: Line) -> Self {
        self.lines.push(line);
        self
    }

    /// Fixes the plot's ranges instead of fitting the points (builder style); regions, when
    /// given, take precedence.
    pub fn with_view(mut self, x_range: (f64, f64), y_range: (f64, f64)) -> Self {
        self.view = Some((x_range, y_range));
        self
    }
}

/// Clips the infinite line `a x + b y + c = 0` to the rectangle.
fn clip_implicit(
    a: f64,
    b: f64,
    c: f64,
    xr: (f64, f64),
    yr: (f64, f64),
) -> Option<[(f64, f64); 2]> {
    if !(a.is_finite() && b.is_finite() && c.is_finite()) || (a == 0.0 && b == 0.0) {
        return None;
    }
    let mut pts: Vec<(f64, f64)> = Vec::new();
    let eps = 1e-9 * ((xr.1 - xr.0) + (yr.1 - yr.0));
    if b != 0.0 {
        for x in [xr.0, xr.1] {
            let y = -(a * x + c) / b;
            if y >= yr.0 - eps && y <= yr.1 + eps {
                pts.push((x, y.clamp(yr.0, yr.1)));
            }
        }
    }
    if a != 0.0 {
        for y in [yr.0, yr.1] {
            let x = -(b * y + c) / a;
            if x >= xr.0 - eps && x <= xr.1 + eps {
                pts.push((x.clamp(xr.0, xr.1), y));
            }
        }
    }
    // Pick the two points furthest apart (corners may appear twice).
    let mut best: Option<([(f64, f64); 2], f64)> = None;
    for i in 0..pts.len() {
        for j in i + 1..pts.len() {
            let d = (pts[i].0 - pts[j].0).powi(2) + (pts[i].1 - pts[j].1).powi(2);
            if best.is_none_or(|(_, bd)| d > bd) {
                best = Some(([pts[i], pts[j]], d));
            }
        }
    }
    best.filter(|(_, d)| *d > 0.0).map(|(s, _)| s)
}

/// Writes a scatter plot of classified 2-D points, optionally over decision
/// regions and with lines, as a PNG `SCATTER_SIZE` (640) pixels high and
/// `640 + legend width` wide (the legend column to the right of the plot is
/// as wide as its longest label needs, 120 to 480 px).
///
/// Axis ranges: the [`Regions`] rectangle if given, else the bounding box of
/// the finite points and polyline points plus 5 % padding, else `[0, 1]²`.
/// `Slope`/`Implicit` lines are clipped to the plot.
///
/// # Errors
/// [`PlotErrorKind::InvalidInput`] if `classes.len() != points.len()`, if the
/// region grid does not have `nx * ny` values or its ranges are not finite and
/// increasing. Empty `points` is fine (an empty plot, "no data" if nothing at
/// all is drawn).
///
/// [`PlotErrorKind::InvalidInput`]: super::PlotErrorKind::InvalidInput
pub fn scatter(path: impl AsRef<Path>, plot: &Scatter) -> Result<()> {
    let path = path.as_ref();
    if plot.classes.len() != plot.points.len() {
        return Err(invalid(
            path,
            format!(
                "scatter has {} points but {} class labels",
                plot.points.len(),
                plot.classes.len()
            ),
        ));
    }
    if let Some(r) = &plot.regions {
        check_range(path, "regions x_range", r.x_range)?;
        check_range(path, "regions y_range", r.y_range)?;
        let len = match &r.fill {
            RegionFill::Classes(v) => v.len(),
            RegionFill::Probability(v) => v.len(),
        };
        check_grid(path, "regions grid", len, r.nx, r.ny)?;
    }
    if let (None, Some((xr, yr))) = (&plot.regions, plot.view) {
        check_range(path, "scatter view x_range", xr)?;
        check_range(path, "scatter view y_range", yr)?;
    }

    // Legend entries.
    let n_classes = plot
        .classes
        .iter()
        .map(|&c| c.saturating_add(1))
        .max()
        .unwrap_or(0)
        .max(plot.class_names.len())
        .min(1000);
    let present: Vec<bool> = (0..n_classes)
        .map(|k| plot.classes.contains(&k) || k < plot.class_names.len())
        .collect();
    let line_colors: Vec<Rgb> = {
        let auto: Vec<usize> = (0..plot.lines.len())
            .filter(|&i| plot.lines[i].color.is_none())
            .collect();
        let mut colors = vec![Rgb(0, 0, 0); plot.lines.len()];
        for (rank, &i) in auto.iter().enumerate() {
            let t = if auto.len() <= 1 {
                1.0
            } else {
                rank as f64 / (auto.len() - 1) as f64
            };
            colors[i] = Rgb(175, 175, 175).mix(Rgb(0, 0, 0), t);
        }
        for (i, l) in plot.lines.iter().enumerate() {
            if let Some(c) = l.color {
                colors[i] = c;
            }
        }
        colors
    };
    let mut entries: Vec<(Swatch, String)> = Vec::new();
    for (k, _) in present.iter().enumerate().filter(|(_, p)| **p) {
        let name = plot
            .class_names
            .get(k)
            .cloned()
            .unwrap_or_else(|| format!("class {k}"));
        entries.push((Swatch::Marker(class_color(k)), name));
    }
    if matches!(
        plot.regions,
        Some(Regions {
            fill: RegionFill::Probability(_),
            ..
        })
    ) {
        entries.push((Swatch::Line(Rgb(0, 0, 0), 2), "p = 0.5".into()));
    }
    for (l, &c) in plot.lines.iter().zip(&line_colors) {
        if !l.label.is_empty() {
            entries.push((Swatch::Line(c, 3), l.label.clone()));
        }
    }
    let legend_w = side_legend_width(&entries);

    render(path, (SCATTER_SIZE + legend_w, SCATTER_SIZE), |root| {
        let (left, right) = root.split_horizontally(SCATTER_SIZE);
        let finite_pts = plot
            .points
            .iter()
            .chain(plot.lines.iter().flat_map(|l| match &l.geometry {
                LineGeometry::Polyline(p) => p.as_slice(),
                _ => &[],
            }))
            .filter(|p| p.0.is_finite() && p.1.is_finite());
        let (xr, yr) = match &plot.regions {
            Some(r) => (r.x_range, r.y_range),
            None if plot.view.is_some() => plot.view.expect("just matched"),
            None => (
                padded(finite_range(finite_pts.clone().map(|p| p.0)), 0.05),
                padded(finite_range(finite_pts.clone().map(|p| p.1)), 0.05),
            ),
        };
        let mut chart = ChartBuilder::on(&left)
            .caption(&plot.title, bold(TITLE_SIZE))
            .margin(12)
            .margin_right(20)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(xr.0..xr.1, yr.0..yr.1)?;
        if let Some(r) = &plot.regions {
            draw_regions(&mut chart, r)?;
        }
        chart
            .configure_mesh()
            .x_desc(&plot.x_label)
            .y_desc(&plot.y_label)
            .axis_desc_style(font(AXIS_DESC_SIZE))
            .label_style(font(TICK_SIZE))
            .x_label_formatter(&|v| fmt_tick(*v))
            .y_label_formatter(&|v| fmt_tick(*v))
            .light_line_style(TRANSPARENT)
            .bold_line_style(BLACK.mix(0.08))
            .draw()?;
        // Lines first, then the points over them: a fitted line must not hide its data.
        let mut drawn = 0usize;
        for (l, &c) in plot.lines.iter().zip(&line_colors) {
            let style = c.rgb().stroke_width(3);
            match &l.geometry {
                LineGeometry::Slope { w, b } => {
                    if let Some(s) = clip_implicit(*w, -1.0, *b, xr, yr) {
                        chart.draw_series(LineSeries::new(s, style))?;
                        drawn += 1;
                    }
                }
                LineGeometry::Implicit { a, b, c } => {
                    if let Some(s) = clip_implicit(*a, *b, *c, xr, yr) {
                        chart.draw_series(LineSeries::new(s, style))?;
                        drawn += 1;
                    }
                }
                LineGeometry::Polyline(p) => {
                    for run in finite_runs(p, false) {
                        drawn += run.len();
                        chart.draw_series(LineSeries::new(run, style))?;
                    }
                }
            }
        }
        // Points, drawn class by class so every class is visible.
        for k in 0..n_classes {
            let color = class_color(k).rgb();
            let pts: Vec<(f64, f64)> = plot
                .points
                .iter()
                .zip(&plot.classes)
                .filter(|(p, &c)| c == k && p.0.is_finite() && p.1.is_finite())
                .map(|(p, _)| *p)
                .collect();
            drawn += pts.len();
            let r = if plot.points.len() > 2000 { 3 } else { 5 };
            chart.draw_series(pts.iter().map(|&p| Circle::new(p, r, color.filled())))?;
            chart.draw_series(
                pts.iter()
                    .map(|&p| Circle::new(p, r, BLACK.mix(0.6).stroke_width(1))),
            )?;
        }
        if drawn == 0 && plot.regions.is_none() {
            centered_note(&left, "no data")?;
        }
        draw_side_legend(&right, 60, &entries)?;
        Ok(())
    })
}

fn draw_regions<'a>(
    chart: &mut ChartContext<'a, Canvas<'a>, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    r: &Regions,
) -> DrawResult<()> {
    let dx = (r.x_range.1 - r.x_range.0) / r.nx as f64;
    let dy = (r.y_range.1 - r.y_range.0) / r.ny as f64;
    let grey = Rgb(200, 200, 200);
    let color_of = |idx: usize| -> Rgb {
        match &r.fill {
            RegionFill::Classes(v) => WHITE_RGB.mix(class_color(v[idx]), 0.32),
            RegionFill::Probability(v) => {
                let p = v[idx];
                if !p.is_finite() {
                    grey
                } else {
                    let p = p.clamp(0.0, 1.0);
                    let (c, t) = if p < 0.5 {
                        (class_color(0), (0.5 - p) * 2.0)
                    } else {
                        (class_color(1), (p - 0.5) * 2.0)
                    };
                    WHITE_RGB.mix(c, 0.42 * t.sqrt())
                }
            }
        }
    };
    chart.draw_series((0..r.ny).flat_map(|j| {
        (0..r.nx).map(move |i| {
            let x = r.x_range.0 + i as f64 * dx;
            let y = r.y_range.0 + j as f64 * dy;
            Rectangle::new(
                [(x, y), (x + dx, y + dy)],
                color_of(j * r.nx + i).rgb().filled(),
            )
        })
    }))?;
    if let RegionFill::Probability(v) = &r.fill {
        for s in contour_segments(v, r.nx, r.ny, 0.5, r.x_range, r.y_range) {
            chart.draw_series(std::iter::once(PathElement::new(
                s.to_vec(),
                BLACK.stroke_width(2),
            )))?;
        }
    }
    Ok(())
}

/// One row of a hand-drawn legend.
enum Swatch {
    Marker(Rgb),
    Line(Rgb, u32),
}

/// Draws a legend column (swatch + label per row) into `area`, starting
/// `top` pixels from its top.
fn draw_side_legend(area: &Area, top: i32, entries: &[(Swatch, String)]) -> DrawResult<()> {
    let row_h = 24;
    let style = font(LEGEND_SIZE)
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (k, (swatch, label)) in entries.iter().enumerate() {
        let y = top + k as i32 * row_h;
        let x = 8;
        match swatch {
            Swatch::Marker(c) => {
                area.draw(&Circle::new((x + 11, y), 6, c.rgb().filled()))?;
                area.draw(&Circle::new((x + 11, y), 6, BLACK.stroke_width(1)))?;
            }
            Swatch::Line(c, w) => {
                area.draw(&PathElement::new(
                    vec![(x, y), (x + 22, y)],
                    c.rgb().stroke_width(*w),
                ))?;
            }
        }
        area.draw_text(label, &style, (x + 30, y))?;
    }
    Ok(())
}

fn side_legend_width(entries: &[(Swatch, String)]) -> u32 {
    let f = font(LEGEND_SIZE);
    let w = entries
        .iter()
        .map(|(_, l)| text_width(l, &f))
        .max()
        .unwrap_or(0);
    (w + 8 + 30 + 16).clamp(120, 480)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::error::PlotErrorKind;
    use crate::figures::grid::grid_cell_centers;
    use crate::figures::test_util::{check_png, count_color, temp_dir};

    #[test]
    fn scatter_with_regions_and_lines() {
        let dir = temp_dir("scatter");
        let pts: Vec<(f64, f64)> = (0..50)
            .map(|i| ((i as f64 * 0.7).sin(), (i as f64 * 1.3).cos()))
            .collect();
        let classes: Vec<usize> = (0..50).map(|i| i % 3).collect();
        let (xr, yr) = ((-1.5, 1.5), (-1.5, 1.5));
        let grid: Vec<usize> = grid_cell_centers(xr, yr, 30, 20)
            .iter()
            .map(|&(x, y)| {
                if x > 0.0 {
                    1
                } else if y > 0.0 {
                    2
                } else {
                    0
                }
            })
            .collect();
        let plot = Scatter::new("classes", "x1", "x2", pts.clone(), classes.clone())
            .with_class_names(["a", "b", "c"])
            .with_regions(Regions {
                x_range: xr,
                y_range: yr,
                nx: 30,
                ny: 20,
                fill: RegionFill::Classes(grid),
            })
            .with_line(Line::slope("y = x", 1.0, 0.0))
            .with_line(Line::implicit("vertical", 1.0, 0.0, -0.5))
            .with_line(Line::polyline("poly", vec![(0.0, 0.0), (1.0, 1.0)]));
        let path = dir.join("regions.png");
        scatter(&path, &plot).unwrap();
        let img = image::open(&path).unwrap().to_rgb8();
        assert_eq!(img.height(), SCATTER_SIZE);
        assert!(img.width() >= SCATTER_SIZE + 120);
        check_png(&path, img.dimensions());
        for k in 0..3 {
            assert!(count_color(&img, class_color(k)) > 20, "class {k} missing");
        }

        // Probability background with NaN cells and NaN points.
        let probs: Vec<f64> = grid_cell_centers(xr, yr, 16, 16)
            .iter()
            .map(|&(x, y)| {
                if x < -1.2 {
                    f64::NAN
                } else {
                    1.0 / (1.0 + (-4.0 * x * y).exp())
                }
            })
            .collect();
        let mut pts2 = pts.clone();
        pts2[0] = (f64::NAN, 0.0);
        let plot = Scatter::new("p", "x", "y", pts2, classes.iter().map(|c| c % 2).collect())
            .with_regions(Regions {
                x_range: xr,
                y_range: yr,
                nx: 16,
                ny: 16,
                fill: RegionFill::Probability(probs),
            });
        let path = dir.join("probs.png");
        scatter(&path, &plot).unwrap();
        check_png(&path, image::open(&path).unwrap().to_rgb8().dimensions());
    }

    #[test]
    fn scatter_edge_cases() {
        let dir = temp_dir("scatter-edge");
        // Empty: allowed, draws an empty plot.
        let path = dir.join("empty.png");
        scatter(&path, &Scatter::new("empty", "x", "y", vec![], vec![])).unwrap();
        check_png(&path, image::open(&path).unwrap().to_rgb8().dimensions());
        // A single point (degenerate range) and a line outside the plot.
        let path = dir.join("single.png");
        let plot = Scatter::new("one", "x", "y", vec![(3.0, 3.0)], vec![7])
            .with_line(Line::slope("far away", 0.0, 1e6));
        scatter(&path, &plot).unwrap();
        check_png(&path, image::open(&path).unwrap().to_rgb8().dimensions());
        // Mismatched labels and grids are errors.
        let err = scatter(
            dir.join("bad.png"),
            &Scatter::new("bad", "x", "y", vec![(0.0, 0.0)], vec![]),
        )
        .unwrap_err();
        assert_eq!(err.kind(), PlotErrorKind::InvalidInput);
        let err = scatter(
            dir.join("bad-grid.png"),
            &Scatter::new("bad", "x", "y", vec![], vec![]).with_regions(Regions {
                x_range: (0.0, 1.0),
                y_range: (0.0, 1.0),
                nx: 3,
                ny: 3,
                fill: RegionFill::Classes(vec![0; 8]),
            }),
        )
        .unwrap_err();
        assert!(err.message().contains("nx * ny"), "{err}");
        let err = scatter(
            dir.join("bad-range.png"),
            &Scatter::new("bad", "x", "y", vec![], vec![]).with_regions(Regions {
                x_range: (1.0, 1.0),
                y_range: (0.0, f64::NAN),
                nx: 1,
                ny: 1,
                fill: RegionFill::Classes(vec![0]),
            }),
        )
        .unwrap_err();
        assert_eq!(err.kind(), PlotErrorKind::InvalidInput);
        // A fixed view: accepted when its ranges increase, an error naming it otherwise.
        let path = dir.join("view.png");
        let two = Scatter::new("view", "x", "y", vec![(1.0, 2.0), (3.0, 5.0)], vec![0, 0])
            .with_view((0.0, 4.0), (0.0, 6.0));
        scatter(&path, &two).unwrap();
        check_png(&path, image::open(&path).unwrap().to_rgb8().dimensions());
        let err = scatter(
            dir.join("bad-view.png"),
            &two.with_view((0.0, 4.0), (6.0, 0.0)),
        )
        .unwrap_err();
        assert!(err.message().contains("view y_range"), "{err}");
    }

    #[test]
    fn lines_are_clipped_to_the_plot() {
        let seg = clip_implicit(1.0, -1.0, 0.0, (0.0, 1.0), (0.0, 1.0)).unwrap();
        assert!(seg.contains(&(0.0, 0.0)) && seg.contains(&(1.0, 1.0)));
        assert!(clip_implicit(0.0, 0.0, 1.0, (0.0, 1.0), (0.0, 1.0)).is_none());
        assert!(clip_implicit(0.0, 1.0, -5.0, (0.0, 1.0), (0.0, 1.0)).is_none());
    }
}
