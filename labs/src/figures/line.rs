//! Line charts: learning curves as named `(x, y)` series, one panel or several side by side.

use std::path::Path;

use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::canvas::{bold, font, render, Area, Canvas};
use super::error::{invalid, DrawResult, Result};
use super::style::{
    best_legend_corner, centered_note, class_color, finite_range, finite_runs, fmt_tick, log_ticks,
    padded, AXIS_DESC_SIZE, LEGEND_SIZE, TICK_SIZE, TITLE_SIZE,
};

/// Width in pixels of one [`Panel`] in [`line_charts`].
pub const PANEL_WIDTH: u32 = 640;
/// Height in pixels of [`line_charts`] figures.
pub const PANEL_HEIGHT: u32 = 480;

/// A named sequence of `(x, y)` points drawn as one line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// Points in drawing order. Points with a non-finite coordinate are
    /// skipped and break the line into separate pieces.
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// A series from explicit `(x, y)` points.
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            name: name.into(),
            points,
        }
    }

    /// A series of `ys` at `x = 1, 2, …, n` (e.g. one value per epoch,
    /// epochs counted from 1). Accepts `f32` or `f64`.
    pub fn from_values<T: Into<f64> + Copy>(name: impl Into<String>, ys: &[T]) -> Self {
        Series::new(
            name,
            ys.iter()
                .enumerate()
                .map(|(i, &y)| ((i + 1) as f64, y.into()))
                .collect(),
        )
    }

    /// A series from parallel `xs` and `ys` slices; if their lengths differ
    /// the extra elements of the longer one are ignored.
    pub fn from_xy<X: Into<f64> + Copy, Y: Into<f64> + Copy>(
        name: impl Into<String>,
        xs: &[X],
        ys: &[Y],
    ) -> Self {
        Series::new(
            name,
            xs.iter()
                .zip(ys)
                .map(|(&x, &y)| (x.into(), y.into()))
                .collect(),
        )
    }
}

/// One chart of a [`line_charts`] figure: title, axis labels and series.
///
/// Series `k` is drawn in [`class_color`]`(k)`. Series with at most 60 points
/// also get a marker on every point. The legend is placed in the corner of
/// the plot with the least data.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Panel {
    /// Title above the chart.
    pub title: String,
    /// Label of the x axis.
    pub x_label: String,
    /// Label of the y axis.
    pub y_label: String,
    /// The lines to draw.
    pub series: Vec<Series>,
    /// Logarithmic y axis (good for losses); points with `y <= 0` are then
    /// skipped like NaNs.
    pub log_y: bool,
    /// Fixed y range `(min, max)` instead of fitting the data (e.g. `(0.0,
    /// 1.0)` for accuracies). Ignored unless finite with `min < max` (and
    /// `min > 0` when `log_y`).
    pub y_range: Option<(f64, f64)>,
}

impl Panel {
    /// An empty panel with a title and axis labels.
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> Self {
        Panel {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            ..Panel::default()
        }
    }

    /// Adds a series (builder style).
    pub fn with_series(mut self, series: Series) -> Self {
        self.series.push(series);
        self
    }

    /// Uses a logarithmic y axis (builder style).
    pub fn with_log_y(mut self) -> Self {
        self.log_y = true;
        self
    }

    /// Fixes the y range (builder style).
    pub fn with_y_range(mut self, min: f64, max: f64) -> Self {
        self.y_range = Some((min, max));
        self
    }
}

/// Writes one [`Panel`] as a `PANEL_WIDTH` × `PANEL_HEIGHT` (640 × 480) PNG.
///
/// Same as [`line_charts`] with a single panel.
pub fn line_chart(path: impl AsRef<Path>, panel: &Panel) -> Result<()> {
    line_charts(path, std::slice::from_ref(panel))
}

/// Writes the panels side by side, left to right, into one PNG of
/// `PANEL_WIDTH * panels.len()` × `PANEL_HEIGHT` pixels — e.g. loss on the
/// left, accuracy on the right.
///
/// A panel without any drawable point still shows its title, axes and legend
/// plus a "no data" note.
///
/// # Errors
/// [`PlotErrorKind::InvalidInput`] if `panels` is empty or has more than 25
/// panels; [`PlotErrorKind::Io`] if the file cannot be written.
///
/// [`PlotErrorKind::InvalidInput`]: super::PlotErrorKind::InvalidInput
/// [`PlotErrorKind::Io`]: super::PlotErrorKind::Io
pub fn line_charts(path: impl AsRef<Path>, panels: &[Panel]) -> Result<()> {
    let path = path.as_ref();
    if panels.is_empty() || panels.len() > 25 {
        return Err(invalid(
            path,
            format!("line_charts needs 1..=25 panels, got {}", panels.len()),
        ));
    }
    let size = (PANEL_WIDTH * panels.len() as u32, PANEL_HEIGHT);
    render(path, size, |root| {
        let areas = root.split_evenly((1, panels.len()));
        for (area, panel) in areas.iter().zip(panels) {
            draw_line_panel(area, panel)?;
        }
        Ok(())
    })
}

fn draw_line_panel(area: &Area, panel: &Panel) -> DrawResult<()> {
    let runs: Vec<Vec<Vec<(f64, f64)>>> = panel
        .series
        .iter()
        .map(|s| finite_runs(&s.points, panel.log_y))
        .collect();
    let all = || runs.iter().flatten().flatten();
    let has_data = all().next().is_some();
    let (x0, x1) = padded(finite_range(all().map(|p| p.0)), 0.0);
    let y_data = finite_range(all().map(|p| p.1));
    let user_y = panel
        .y_range
        .filter(|r| r.0.is_finite() && r.1.is_finite() && r.0 < r.1 && (!panel.log_y || r.0 > 0.0));
    let (y0, y1) = match (user_y, panel.log_y) {
        (Some(r), _) => r,
        (None, false) => padded(y_data, 0.05),
        (None, true) => match y_data {
            None => (0.1, 10.0),
            Some((lo, hi)) if hi / lo < 1.0 + 1e-9 => (lo / 2.0, hi * 2.0),
            Some((lo, hi)) => {
                let f = (hi / lo).powf(0.05);
                (lo / f, hi * f)
            }
        },
    };
    // Where a value sits on the y axis, for placing the legend away from the data.
    let to_axis = |y: f64| if panel.log_y { y.log10() } else { y };
    let (ly0, ly1) = (to_axis(y0), to_axis(y1));
    let norm: Vec<(f64, f64)> = all()
        .map(|&(x, y)| ((x - x0) / (x1 - x0), (to_axis(y) - ly0) / (ly1 - ly0)))
        .collect();
    let legend_pos = best_legend_corner(&norm);

    let mut builder = ChartBuilder::on(area);
    builder
        .caption(&panel.title, bold(TITLE_SIZE))
        .margin(12)
        .margin_right(24)
        .x_label_area_size(48)
        .y_label_area_size(72);
    if panel.log_y {
        let y_axis = (y0..y1).log_scale().with_key_points(log_ticks(y0, y1));
        let mut chart = builder.build_cartesian_2d(x0..x1, y_axis)?;
        fill_line_chart(&mut chart, panel, &runs, legend_pos)?;
    } else {
        let mut chart = builder.build_cartesian_2d(x0..x1, y0..y1)?;
        fill_line_chart(&mut chart, panel, &runs, legend_pos)?;
    }
    if !has_data {
        centered_note(area, "no data")?;
    }
    Ok(())
}

fn fill_line_chart<'a, Y>(
    chart: &mut ChartContext<'a, Canvas<'a>, Cartesian2d<RangedCoordf64, Y>>,
    panel: &Panel,
    runs: &[Vec<Vec<(f64, f64)>>],
    legend_pos: SeriesLabelPosition,
) -> DrawResult<()>
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .x_desc(&panel.x_label)
        .y_desc(&panel.y_label)
        .axis_desc_style(font(AXIS_DESC_SIZE))
        .label_style(font(TICK_SIZE))
        .x_label_formatter(&|v| fmt_tick(*v))
        .y_label_formatter(&|v| fmt_tick(*v))
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()?;
    for (k, (series, runs)) in panel.series.iter().zip(runs).enumerate() {
        let color = class_color(k).rgb();
        let n: usize = runs.iter().map(Vec::len).sum();
        let markers = n <= 60;
        for run in runs {
            chart.draw_series(LineSeries::new(run.iter().copied(), color.stroke_width(2)))?;
            if markers || run.len() == 1 {
                chart.draw_series(run.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
            }
        }
        // One legend entry per series, even if it has no drawable point.
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
            .label(&series.name)
            .legend(move |(x, y)| {
                let r = if markers { 3 } else { 0 };
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (22, 0)], color.stroke_width(2))
                    + Circle::new((11, 0), r, color.filled())
            });
    }
    if panel.series.iter().any(|s| !s.name.is_empty()) {
        chart
            .configure_series_labels()
            .position(legend_pos)
            .margin(10)
            .legend_area_size(26)
            .label_font(font(LEGEND_SIZE))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(170, 170, 170))
            .draw()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::error::PlotErrorKind;
    use crate::figures::test_util::{check_png, count_color, temp_dir};

    #[test]
    fn line_charts_two_panels() {
        let dir = temp_dir("lines");
        let path = dir.join("curves.png");
        let loss: Vec<f32> = (0..20).map(|e| 2.0 * 0.8f32.powi(e)).collect();
        let acc: Vec<f64> = (0..20).map(|e| 1.0 - 0.9 * 0.8f64.powi(e)).collect();
        line_charts(
            &path,
            &[
                Panel::new("Loss", "epoch", "loss")
                    .with_log_y()
                    .with_series(Series::from_values("train", &loss)),
                Panel::new("Accuracy", "epoch", "accuracy")
                    .with_y_range(0.0, 1.0)
                    .with_series(Series::from_values("train", &acc))
                    .with_series(Series::from_xy(
                        "test",
                        &[1.0, 10.0, 20.0],
                        &[0.2f32, 0.7, 0.8],
                    )),
            ],
        )
        .unwrap();
        let img = check_png(&path, (2 * PANEL_WIDTH, PANEL_HEIGHT));
        // Both series colours appear.
        assert!(count_color(&img, class_color(0)) > 50);
        assert!(count_color(&img, class_color(1)) > 50);
    }

    #[test]
    fn line_chart_skips_nan_and_handles_empty() {
        let dir = temp_dir("lines-edge");
        let nan = dir.join("nan.png");
        let s = Series::new(
            "with gaps",
            vec![
                (0.0, 1.0),
                (1.0, f64::NAN),
                (2.0, 0.5),
                (f64::INFINITY, 2.0),
                (3.0, 0.2),
            ],
        );
        line_chart(&nan, &Panel::new("NaN", "x", "y").with_series(s.clone())).unwrap();
        check_png(&nan, (PANEL_WIDTH, PANEL_HEIGHT));
        // Log axis with non-positive values: skipped, not an error.
        let log = dir.join("log.png");
        let s2 = Series::new("neg", vec![(0.0, -1.0), (1.0, 0.0), (2.0, 3.0)]);
        line_chart(
            &log,
            &Panel::new("log", "x", "y").with_log_y().with_series(s2),
        )
        .unwrap();
        check_png(&log, (PANEL_WIDTH, PANEL_HEIGHT));
        // Empty series and all-NaN series: axes + "no data".
        let empty = dir.join("empty.png");
        let panel = Panel::new("Empty", "x", "y")
            .with_series(Series::new("nothing", vec![]))
            .with_series(Series::from_values("nan", &[f64::NAN, f64::NAN]));
        line_chart(&empty, &panel).unwrap();
        check_png(&empty, (PANEL_WIDTH, PANEL_HEIGHT));
        // No panel at all is an error naming the file.
        let err = line_charts(dir.join("none.png"), &[]).unwrap_err();
        assert_eq!(err.kind(), PlotErrorKind::InvalidInput);
        assert!(err.to_string().contains("none.png"), "{err}");
        assert!(!dir.join("none.png").exists());
    }
}
