//! Heat maps: a scalar field on a grid (e.g. a loss surface over two weights) with a colour
//! bar, contour lines and an optional path (e.g. the iterates of gradient descent).

use std::path::Path;

use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::colors::colormaps::{ColorMap, ViridisRGB};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{bold, font, render, Area, Canvas};
use super::error::{DrawResult, Result};
use super::grid::{check_grid, contour_segments};
use super::style::{
    best_legend_corner, centered_note, check_range, finite_range, finite_runs, fmt_tick, fmt_value,
    log_ticks, AXIS_DESC_SIZE, LEGEND_SIZE, TICK_SIZE, TITLE_SIZE,
};

/// Width in pixels of a [`heat_map`] figure.
pub const HEAT_MAP_WIDTH: u32 = 800;
/// Height in pixels of a [`heat_map`] figure.
pub const HEAT_MAP_HEIGHT: u32 = 640;

/// Description of a [`heat_map`] figure: a scalar field on a grid (module
/// grid convention, see [`grid_cell_centers`]), e.g. a loss surface over two
/// weights, with an optional path over it (e.g. the iterates of gradient
/// descent).
///
/// [`grid_cell_centers`]: super::grid_cell_centers
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HeatMap {
    /// Title above the plot.
    pub title: String,
    /// Label of the x axis.
    pub x_label: String,
    /// Label of the y axis.
    pub y_label: String,
    /// `(x_min, x_max)` covered by the grid.
    pub x_range: (f64, f64),
    /// `(y_min, y_max)` covered by the grid.
    pub y_range: (f64, f64),
    /// Number of cells along x.
    pub nx: usize,
    /// Number of cells along y.
    pub ny: usize,
    /// The `nx * ny` values; non-finite ones are drawn grey and ignored for
    /// the colour scale and the contours.
    pub values: Vec<f64>,
    /// Logarithmic colour scale (and log-spaced contour levels). Values
    /// `<= 0` are then clamped to the smallest positive value; if no value is
    /// positive the scale falls back to linear.
    pub log_color: bool,
    /// Number of contour (iso-value) lines, evenly spaced in the colour scale;
    /// 0 for none. Their levels are also marked on the colour bar.
    pub contour_levels: usize,
    /// Label of the colour bar (e.g. "loss").
    pub value_label: String,
    /// Path drawn over the map (start marked with a circle, end with a
    /// cross); non-finite points are skipped. Empty for no path.
    pub path: Vec<(f64, f64)>,
    /// Legend label of the path (e.g. "gradient descent").
    pub path_label: String,
}

impl HeatMap {
    /// A heat map of `values` (`nx * ny`, module grid convention) over
    /// `x_range` × `y_range`, linear colours, no contours, no path.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
        x_range: (f64, f64),
        y_range: (f64, f64),
        nx: usize,
        ny: usize,
        values: Vec<f64>,
    ) -> Self {
        HeatMap {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            x_range,
            y_range,
            nx,
            ny,
            values,
            ..HeatMap::default()
        }
    }

    /// Uses a logarithmic colour scale (builder style).
    pub fn with_log_color(mut self) -> Self {
        self.log_color = true;
        self
    }

    /// Draws `levels` contour lines (builder style).
    pub fn with_contours(mut self, levels: usize) -> Self {
        self.contour_levels = levels;
        self
    }

    /// Sets the colour-bar label (builder style).
    pub fn with_value_label(mut self, label: impl Into<String>) -> Self {
        self.value_label = label.into();
        self
    }

    /// Sets the path and its legend label (builder style).
    pub fn with_path(mut self, label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        self.path_label = label.into();
        self.path = points;
        self
    }
}

/// Colour of the cells without a finite value.
const NO_VALUE: RGBColor = RGBColor(190, 190, 190);

/// Viridis (perceptually uniform, colour-blind friendly; matplotlib's default) at `t` in
/// `[0, 1]`, from plotters' colour map, which clamps `t` to `[0, 1]`; NaN, on which the colour
/// map would panic, gives the low end.
fn viridis(t: f64) -> RGBColor {
    ViridisRGB.get_color(if t.is_nan() { 0.0 } else { t })
}

/// Maps values to `[0, 1]` on a linear or log scale.
#[derive(Clone, Copy)]
struct ColorScale {
    lo: f64,
    hi: f64,
    log: bool,
}

impl ColorScale {
    fn new(values: &[f64], log: bool) -> Self {
        let pos_min = values
            .iter()
            .copied()
            .filter(|v| v.is_finite() && *v > 0.0)
            .fold(f64::INFINITY, f64::min);
        let (lo, hi) = finite_range(values.iter().copied()).unwrap_or((0.0, 1.0));
        if log && pos_min.is_finite() {
            let hi = hi.max(pos_min);
            if hi > pos_min {
                return ColorScale {
                    lo: pos_min,
                    hi,
                    log: true,
                };
            }
            return ColorScale {
                lo: pos_min / 2.0,
                hi: pos_min * 2.0,
                log: true,
            };
        }
        if hi > lo {
            ColorScale { lo, hi, log: false }
        } else {
            ColorScale {
                lo: lo - 0.5,
                hi: hi + 0.5,
                log: false,
            }
        }
    }

    fn t(&self, v: f64) -> f64 {
        if self.log {
            let v = v.max(self.lo);
            (v.ln() - self.lo.ln()) / (self.hi.ln() - self.lo.ln())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        }
    }

    fn value(&self, t: f64) -> f64 {
        if self.log {
            (self.lo.ln() + t * (self.hi.ln() - self.lo.ln())).exp()
        } else {
            self.lo + t * (self.hi - self.lo)
        }
    }
}

/// Writes a heat map of a scalar field as a `HEAT_MAP_WIDTH` ×
/// `HEAT_MAP_HEIGHT` (800 × 640) PNG: viridis colours (dark = low, yellow =
/// high), a colour bar with tick labels on the right, optional contour lines
/// (marching squares over the cell centres) and an optional path with its
/// start and end marked.
///
/// The plot's ranges are the grid's; path points outside them are clipped.
///
/// # Errors
/// [`PlotErrorKind::InvalidInput`] if `values.len() != nx * ny`, `nx` or `ny`
/// is 0, or a range is not finite and increasing. All-NaN values draw a grey
/// map with a "no finite values" note.
///
/// [`PlotErrorKind::InvalidInput`]: super::PlotErrorKind::InvalidInput
pub fn heat_map(path: impl AsRef<Path>, map: &HeatMap) -> Result<()> {
    let path = path.as_ref();
    check_range(path, "heat map x_range", map.x_range)?;
    check_range(path, "heat map y_range", map.y_range)?;
    check_grid(path, "heat map values", map.values.len(), map.nx, map.ny)?;
    let scale = ColorScale::new(&map.values, map.log_color);
    let any_finite = map.values.iter().any(|v| v.is_finite());
    let levels: Vec<f64> = (0..map.contour_levels.min(100))
        .map(|k| scale.value((k as f64 + 0.5) / map.contour_levels as f64))
        .collect();

    render(path, (HEAT_MAP_WIDTH, HEAT_MAP_HEIGHT), |root| {
        let (left, right) = root.split_horizontally(HEAT_MAP_WIDTH - 130);
        let (xr, yr) = (map.x_range, map.y_range);
        let mut chart = ChartBuilder::on(&left)
            .caption(&map.title, bold(TITLE_SIZE))
            .margin(12)
            .margin_right(16)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(xr.0..xr.1, yr.0..yr.1)?;
        let dx = (xr.1 - xr.0) / map.nx as f64;
        let dy = (yr.1 - yr.0) / map.ny as f64;
        chart.draw_series((0..map.ny).flat_map(|j| {
            (0..map.nx).map(move |i| {
                let v = map.values[j * map.nx + i];
                let c = if v.is_finite() {
                    viridis(scale.t(v))
                } else {
                    NO_VALUE
                };
                let (x, y) = (xr.0 + i as f64 * dx, yr.0 + j as f64 * dy);
                Rectangle::new([(x, y), (x + dx, y + dy)], c.filled())
            })
        }))?;
        chart
            .configure_mesh()
            .x_desc(&map.x_label)
            .y_desc(&map.y_label)
            .axis_desc_style(font(AXIS_DESC_SIZE))
            .label_style(font(TICK_SIZE))
            .x_label_formatter(&|v| fmt_tick(*v))
            .y_label_formatter(&|v| fmt_tick(*v))
            .disable_mesh()
            .draw()?;
        for &level in &levels {
            let t = scale.t(level);
            let style = if t < 0.6 {
                WHITE.mix(0.75).stroke_width(1)
            } else {
                RGBColor(40, 40, 40).mix(0.75).stroke_width(1)
            };
            let segs = contour_segments(&map.values, map.nx, map.ny, level, xr, yr);
            chart.draw_series(
                segs.into_iter()
                    .map(|s| PathElement::new(s.to_vec(), style)),
            )?;
        }
        // The path, clipped to the plot.
        let inside = |p: &(f64, f64)| p.0 >= xr.0 && p.0 <= xr.1 && p.1 >= yr.0 && p.1 <= yr.1;
        let runs: Vec<Vec<(f64, f64)>> = finite_runs(&map.path, false)
            .into_iter()
            .flat_map(|run| {
                run.split(|p| !inside(p))
                    .filter(|r| !r.is_empty())
                    .map(|r| thin_path(r, xr, yr))
                    .collect::<Vec<_>>()
            })
            .collect();
        let path_color = RGBColor(230, 30, 30);
        let mut legend = false;
        // Segment by segment, not as one polyline: plotters joins thick polylines with miters,
        // which shoot out as long spikes where SGD turns back sharply.
        let segments = |run: &[(f64, f64)], style: ShapeStyle| {
            run.windows(2)
                .map(move |w| PathElement::new(vec![w[0], w[1]], style))
                .collect::<Vec<_>>()
        };
        for (k, run) in runs.iter().enumerate() {
            chart.draw_series(segments(run, WHITE.stroke_width(5)))?;
            let s = chart.draw_series(segments(run, path_color.stroke_width(2)))?;
            if k == 0 && !map.path_label.is_empty() {
                legend = true;
                s.label(&map.path_label).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 22, y)], path_color.stroke_width(2))
                });
            }
            if run.len() <= 80 {
                chart.draw_series(run.iter().map(|&p| {
                    EmptyElement::at(p)
                        + Circle::new((0, 0), 3, path_color.filled())
                        + Circle::new((0, 0), 3, WHITE.stroke_width(1))
                }))?;
            }
        }
        if let (Some(first), Some(last)) = (runs.first(), runs.last()) {
            let start = first[0];
            let end = last[last.len() - 1];
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at(start)
                        + Circle::new((0, 0), 8, WHITE.filled())
                        + Circle::new((0, 0), 8, BLACK.stroke_width(2)),
                ))?
                .label("start")
                .legend(|(x, y)| {
                    EmptyElement::at((x + 11, y))
                        + Circle::new((0, 0), 7, WHITE.filled())
                        + Circle::new((0, 0), 7, BLACK.stroke_width(2))
                });
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at(end)
                        + Circle::new((0, 0), 9, WHITE.filled())
                        + Cross::new((0, 0), 6, BLACK.stroke_width(3)),
                ))?
                .label("end")
                .legend(|(x, y)| {
                    EmptyElement::at((x + 11, y))
                        + Circle::new((0, 0), 8, WHITE.filled())
                        + Cross::new((0, 0), 5, BLACK.stroke_width(3))
                });
            legend = true;
        }
        if legend {
            let norm: Vec<(f64, f64)> = runs
                .iter()
                .flatten()
                .map(|p| ((p.0 - xr.0) / (xr.1 - xr.0), (p.1 - yr.0) / (yr.1 - yr.0)))
                .collect();
            chart
                .configure_series_labels()
                .position(best_legend_corner(&norm))
                .margin(10)
                .legend_area_size(26)
                .label_font(font(LEGEND_SIZE))
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(120, 120, 120))
                .draw()?;
        }
        if !any_finite {
            centered_note(&left, "no finite values")?;
        }
        draw_color_bar(&right, &map.value_label, scale, &levels, any_finite)?;
        Ok(())
    })
}

fn draw_color_bar(
    area: &Area,
    label: &str,
    scale: ColorScale,
    levels: &[f64],
    any_finite: bool,
) -> DrawResult<()> {
    // Top margin leaves room for the label, aligned with the plot's top.
    let mut builder = ChartBuilder::on(area);
    builder
        .margin_top(44)
        .margin_bottom(60)
        .margin_left(4)
        .margin_right(8)
        .right_y_label_area_size(72);
    let (lo, hi) = (scale.lo, scale.hi);
    let steps = 200;
    // The axis labels first: they decide how much of the area is left for the bar.
    let bar = if scale.log {
        let axis = (lo..hi).log_scale().with_key_points(log_ticks(lo, hi));
        color_bar_area(builder.build_cartesian_2d(0.0..1.0, axis)?)?
    } else {
        color_bar_area(builder.build_cartesian_2d(0.0..1.0, lo..hi)?)?
    };
    let (w, h) = bar.dim_in_pixel();
    for s in 0..steps {
        let t0 = s as f64 / steps as f64;
        let t1 = (s + 1) as f64 / steps as f64;
        let y0 = h as f64 * (1.0 - t1);
        let y1 = h as f64 * (1.0 - t0);
        let c = if any_finite {
            viridis((t0 + t1) / 2.0)
        } else {
            NO_VALUE
        };
        bar.draw(&Rectangle::new(
            [(0, y0.floor() as i32), (w as i32, y1.ceil() as i32)],
            c.filled(),
        ))?;
    }
    for &l in levels {
        let y = (h as f64 * (1.0 - scale.t(l))).round() as i32;
        bar.draw(&PathElement::new(
            vec![(0, y), (w as i32 / 3, y)],
            WHITE.stroke_width(1),
        ))?;
    }
    bar.draw(&Rectangle::new(
        [(0, 0), (w as i32 - 1, h as i32 - 1)],
        BLACK.stroke_width(1),
    ))?;
    let style = font(AXIS_DESC_SIZE)
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Bottom));
    area.draw_text(label, &style, (6, 36))?;
    let small = font(12.0)
        .color(&RGBColor(80, 80, 80))
        .pos(Pos::new(HPos::Left, VPos::Top));
    let (_, h) = area.dim_in_pixel();
    let scale_name = if scale.log {
        "log scale"
    } else {
        "linear scale"
    };
    area.draw_text(scale_name, &small, (6, h as i32 - 54))?;
    if any_finite {
        area.draw_text(
            &format!("min {}", fmt_value(lo)),
            &small,
            (6, h as i32 - 38),
        )?;
        area.draw_text(
            &format!("max {}", fmt_value(hi)),
            &small,
            (6, h as i32 - 22),
        )?;
    }
    Ok(())
}

/// Labels the value axis of the colour bar and returns the bar's area, in pixels.
fn color_bar_area<'a, Y>(
    mut chart: ChartContext<'a, Canvas<'a>, Cartesian2d<RangedCoordf64, Y>>,
) -> DrawResult<Area<'a>>
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .disable_x_axis()
        .disable_mesh()
        .y_labels(8)
        .label_style(font(TICK_SIZE))
        .y_label_formatter(&|v| fmt_tick(*v))
        .draw()?;
    Ok(chart.plotting_area().strip_coord_spec())
}

/// Drops the points of a path that lie within about a pixel (1/500 of the plot's ranges) of the
/// previous kept point, keeping the first and the last: SGD jittering at its minimum gives
/// hundreds of nearly coincident points that only cost drawing time.
fn thin_path(run: &[(f64, f64)], xr: (f64, f64), yr: (f64, f64)) -> Vec<(f64, f64)> {
    let (sx, sy) = (500.0 / (xr.1 - xr.0), 500.0 / (yr.1 - yr.0));
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(run.len());
    for (i, &p) in run.iter().enumerate() {
        let far = out.last().is_none_or(|q: &(f64, f64)| {
            ((p.0 - q.0) * sx).powi(2) + ((p.1 - q.1) * sy).powi(2) >= 1.0
        });
        if far || i + 1 == run.len() {
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::error::PlotErrorKind;
    use crate::figures::grid::grid_cell_centers;
    use crate::figures::test_util::{check_png, temp_dir};

    #[test]
    fn viridis_is_clamped_and_nan_is_the_low_end() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(-3.0), viridis(0.0));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
        assert_eq!(viridis(2.0), RGBColor(254, 232, 37));
        assert_eq!(viridis(f64::INFINITY), viridis(1.0));
    }

    #[test]
    fn thinning_keeps_the_ends_and_drops_sub_pixel_jitter() {
        let mut run = vec![(0.0, 0.0), (0.5, 0.5)];
        run.extend((0..100).map(|k| (0.5 + 1e-5 * f64::from(k % 3), 0.5)));
        run.push((1.0, 1.0));
        let thin = thin_path(&run, (0.0, 1.0), (0.0, 1.0));
        assert_eq!(thin, vec![(0.0, 0.0), (0.5, 0.5), (1.0, 1.0)]);
        let jitter_only = [(0.2, 0.2), (0.2 + 1e-6, 0.2)];
        assert_eq!(thin_path(&jitter_only, (0.0, 1.0), (0.0, 1.0)), jitter_only);
    }

    #[test]
    fn heat_map_log_contours_path() {
        let dir = temp_dir("heat");
        let (xr, yr, n) = ((-1.0, 4.0), (-3.0, 1.0), 60);
        let mut values: Vec<f64> = grid_cell_centers(xr, yr, n, n)
            .iter()
            .map(|&(w, b)| (w - 2.0).powi(2) + (b + 1.0).powi(2))
            .collect();
        values[0] = f64::NAN;
        values[1] = 0.0; // clamped in log mode
        let path_pts = vec![
            (0.0, 0.5),
            (1.0, -0.2),
            (f64::NAN, 0.0),
            (1.8, -0.9),
            (9.0, 9.0),
        ];
        let map = HeatMap::new("loss", "w", "b", xr, yr, n, n, values.clone())
            .with_log_color()
            .with_contours(10)
            .with_value_label("loss")
            .with_path("GD", path_pts);
        let path = dir.join("log.png");
        heat_map(&path, &map).unwrap();
        check_png(&path, (HEAT_MAP_WIDTH, HEAT_MAP_HEIGHT));
        // Linear, all-NaN and constant maps draw fine.
        for (name, vals) in [
            ("linear.png", values.clone()),
            ("nan.png", vec![f64::NAN; n * n]),
            ("const.png", vec![3.0; n * n]),
        ] {
            let path = dir.join(name);
            heat_map(
                &path,
                &HeatMap::new(name, "x", "y", xr, yr, n, n, vals).with_contours(5),
            )
            .unwrap();
            check_png(&path, (HEAT_MAP_WIDTH, HEAT_MAP_HEIGHT));
        }
        let err = heat_map(
            dir.join("bad.png"),
            &HeatMap::new("bad", "x", "y", xr, yr, 2, 2, vec![1.0; 3]),
        )
        .unwrap_err();
        assert_eq!(err.kind(), PlotErrorKind::InvalidInput);
        assert!(err.to_string().contains("bad.png"));
    }
}
