//! PNG figures for the labs, drawn with [`plotters`] on its bitmap backend.
//!
//! Every figure function takes the output path first and a plain-data
//! description of the figure second, writes one PNG and returns
//! [`Result<()>`](Result):
//!
//! | function | figure |
//! | --- | --- |
//! | [`line_chart`] / [`line_charts`] | learning curves: named `(x, y)` series, one panel or several side by side |
//! | [`scatter`] | 2-D points coloured by class, optional decision-region background and lines |
//! | [`heat_map`] | a scalar field on a grid (e.g. a loss surface), colour bar, contour lines, optimiser path |
//! | [`image_grid`] | small grayscale images (e.g. MNIST digits) with captions |
//!
//! Conventions shared by all figures:
//!
//! - Non-finite values (NaN, ±∞) in user data are skipped, never a panic: a
//!   line series is broken at a NaN point, a scatter point with a NaN
//!   coordinate is not drawn, a heat-map cell with a NaN value is drawn grey.
//!   Empty data draws an empty (but labelled) figure where that makes sense;
//!   each function documents its errors.
//! - Grids ([`Regions`], [`HeatMap`]) are `nx` by `ny` cells covering an
//!   `x_range` × `y_range` rectangle, stored **row-major with the first row at
//!   the bottom**: `values[j * nx + i]` is the cell in column `i` (x grows with
//!   `i`) and row `j` (y grows with `j`), whose centre is
//!   `(x0 + (i + 0.5) * (x1 - x0) / nx, y0 + (j + 0.5) * (y1 - y0) / ny)`.
//!   [`grid_cell_centers`] returns exactly these centres in exactly this order,
//!   so evaluating a model on its output yields a correctly ordered grid.
//! - Text is rendered with the DejaVu Sans font embedded in the binary (from
//!   the `dejavu` crate), so no system fonts or font libraries are needed.
//! - Parent directories of the output path are created if missing.

#![warn(missing_docs)]

use std::error::Error;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ab_glyph::{point, Font, FontRef, OutlinedGlyph, PxScale, ScaleFont};
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendTextStyle, DrawingErrorKind};

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// What went wrong in a [`PlotError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlotErrorKind {
    /// The figure description is inconsistent (e.g. a grid whose length is not
    /// `nx * ny`, or zero columns); nothing was written.
    InvalidInput,
    /// The output file or its directory could not be created or written.
    Io,
    /// Drawing or font handling failed inside the plotting library.
    Render,
}

/// Error of every plotting function: which file, what kind of failure, and a
/// human-readable message.
///
/// Its `Display` reads like `cannot write plot out/loss.png: grid has 99
/// values, expected nx * ny = 100`.
#[derive(Debug, Clone)]
pub struct PlotError {
    path: PathBuf,
    kind: PlotErrorKind,
    message: String,
}

impl PlotError {
    fn new(path: &Path, kind: PlotErrorKind, message: impl Into<String>) -> Self {
        PlotError {
            path: path.to_path_buf(),
            kind,
            message: message.into(),
        }
    }

    /// The output path of the figure that failed.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The category of the failure.
    pub fn kind(&self) -> PlotErrorKind {
        self.kind
    }

    /// What failed, without the path.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot write plot {}: {}",
            self.path.display(),
            self.message
        )
    }
}

impl Error for PlotError {}

/// Result of the plotting functions.
pub type Result<T> = std::result::Result<T, PlotError>;

/// Internal result of drawing code: any plotters error, boxed.
type DrawResult<T> = std::result::Result<T, Box<dyn Error>>;

type Area<'a> = DrawingArea<Canvas<'a>, Shift>;

// ---------------------------------------------------------------------------
// Colours, fonts, helpers
// ---------------------------------------------------------------------------

/// An opaque sRGB colour, 8 bits per channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    fn rgb(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }

    /// Linear blend: `t = 0` gives `self`, `t = 1` gives `other`.
    fn mix(self, other: Rgb, t: f64) -> Rgb {
        let t = t.clamp(0.0, 1.0);
        let m = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
        Rgb(m(self.0, other.0), m(self.1, other.1), m(self.2, other.2))
    }
}

const WHITE_RGB: Rgb = Rgb(255, 255, 255);

/// The ten "tab10" colours (matplotlib's default cycle): distinct, and
/// readable on white.
const TAB10: [Rgb; 10] = [
    Rgb(31, 119, 180),
    Rgb(255, 127, 14),
    Rgb(44, 160, 44),
    Rgb(214, 39, 40),
    Rgb(148, 103, 189),
    Rgb(140, 86, 75),
    Rgb(227, 119, 194),
    Rgb(127, 127, 127),
    Rgb(188, 189, 34),
    Rgb(23, 190, 207),
];

/// Colour of class (or series) `k`: ten distinct colours, repeating after 10.
///
/// Line series, scatter classes and decision regions all use this palette, so
/// class 2 is the same green everywhere.
pub fn class_color(k: usize) -> Rgb {
    TAB10[k % TAB10.len()]
}

/// Viridis colour map (perceptually uniform, colour-blind friendly) at
/// `t` in `[0, 1]`; values outside are clamped.
pub fn viridis(t: f64) -> Rgb {
    const STOPS: [Rgb; 9] = [
        Rgb(68, 1, 84),
        Rgb(71, 44, 122),
        Rgb(59, 81, 139),
        Rgb(44, 113, 142),
        Rgb(33, 144, 141),
        Rgb(39, 173, 129),
        Rgb(92, 200, 99),
        Rgb(170, 220, 50),
        Rgb(253, 231, 37),
    ];
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let s = t * (STOPS.len() - 1) as f64;
    let i = (s.floor() as usize).min(STOPS.len() - 2);
    STOPS[i].mix(STOPS[i + 1], s - i as f64)
}

const FONT: &str = "sans-serif";
const TITLE_SIZE: f64 = 22.0;
const AXIS_DESC_SIZE: f64 = 17.0;
const TICK_SIZE: f64 = 14.0;
const LEGEND_SIZE: f64 = 15.0;

/// Registers the embedded DejaVu Sans (regular and bold) with plotters'
/// ab_glyph text renderer, once per process.
fn ensure_fonts() -> std::result::Result<(), String> {
    static FONTS: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
                .map_err(|_| "embedded DejaVu Sans regular is not a valid font".to_string())?;
            plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold())
                .map_err(|_| "embedded DejaVu Sans bold is not a valid font".to_string())?;
            Ok(())
        })
        .clone()
}

fn font(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT), size, FontStyle::Normal)
}

fn bold(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT), size, FontStyle::Bold)
}

/// Width in pixels of `text` in `f` (an estimate when the font is missing).
fn text_width(text: &str, f: &FontDesc) -> u32 {
    let bold = matches!(f.get_style(), FontStyle::Bold);
    layout_text(text, f.get_size(), bold)
        .map(|l| l.width.ceil() as u32)
        .unwrap_or((text.chars().count() as f64 * f.get_size() * 0.6) as u32)
}

// ---------------------------------------------------------------------------
// Text rendering backend
// ---------------------------------------------------------------------------

/// The embedded fonts, parsed once.
struct TextFonts {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

fn text_fonts() -> Option<&'static TextFonts> {
    static FONTS: OnceLock<Option<TextFonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Some(TextFonts {
                regular: FontRef::try_from_slice(dejavu::sans::regular()).ok()?,
                bold: FontRef::try_from_slice(dejavu::sans::bold()).ok()?,
            })
        })
        .as_ref()
}

/// A line of text laid out at the origin: its box is `width` × `height`
/// with the top-left corner at `(0, 0)`.
struct LaidOutText {
    glyphs: Vec<OutlinedGlyph>,
    width: f32,
    height: f32,
}

/// Lays out one line of text with kerning and proper side bearings; `size`
/// is the pixel height (ascent − descent), as in plotters.
fn layout_text(text: &str, size: f64, bold: bool) -> Option<LaidOutText> {
    let fonts = text_fonts()?;
    let font = if bold { &fonts.bold } else { &fonts.regular };
    let scaled = font.as_scaled(PxScale::from(size.max(1.0) as f32));
    let ascent = scaled.ascent();
    let mut x = 0.0f32;
    let mut prev = None;
    let mut glyphs = Vec::new();
    for ch in text.chars().filter(|c| !c.is_control()) {
        let id = scaled.glyph_id(ch);
        if let Some(p) = prev {
            x += scaled.kern(p, id);
        }
        let glyph = id.with_scale_and_position(scaled.scale(), point(x, ascent));
        x += scaled.h_advance(id);
        prev = Some(id);
        if let Some(outlined) = font.outline_glyph(glyph) {
            glyphs.push(outlined);
        }
    }
    Some(LaidOutText {
        glyphs,
        width: x,
        height: ascent - scaled.descent(),
    })
}

/// The bitmap backend with its own text drawing (the rest is delegated).
///
/// plotters' ab_glyph text drawing places each glyph without its left side
/// bearing and rounds the pen position per glyph, which gives visibly uneven
/// letter spacing ("ep och"); this lays text out with `ab_glyph` directly.
/// Anchors and the 90°-step rotations of axis labels are honoured.
struct Canvas<'a> {
    inner: BitMapBackend<'a>,
}

type CanvasResult = std::result::Result<
    (),
    DrawingErrorKind<<BitMapBackend<'static> as DrawingBackend>::ErrorType>,
>;

impl<'a> DrawingBackend for Canvas<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> CanvasResult {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> CanvasResult {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> CanvasResult {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: plotters_backend::BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> CanvasResult {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: plotters_backend::BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> CanvasResult {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> CanvasResult {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: plotters_backend::BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> CanvasResult {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> CanvasResult {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> CanvasResult {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> CanvasResult {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let bold = matches!(style.style(), plotters_backend::FontStyle::Bold);
        let laid = layout_text(text, style.size(), bold)
            .ok_or_else(|| DrawingErrorKind::FontError("embedded font unavailable".into()))?;
        let (w, h) = (laid.width.round() as i32, laid.height.round() as i32);
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0,
            HPos::Right => -w,
            HPos::Center => -w / 2,
        };
        let dy = match anchor.v_pos {
            VPos::Top => 0,
            VPos::Center => -h / 2,
            VPos::Bottom => -h,
        };
        let trans = style.transform();
        let (cw, ch) = self.get_size();
        let mut result = Ok(());
        for glyph in &laid.glyphs {
            let b = glyph.px_bounds();
            glyph.draw(|gx, gy, coverage| {
                if result.is_err() || coverage <= 0.0 {
                    return;
                }
                let x = b.min.x as i32 + gx as i32 + dx;
                let y = b.min.y as i32 + gy as i32 + dy;
                let (x, y) = trans.transform(x, y);
                let (x, y) = (pos.0 + x, pos.1 + y);
                if x >= 0 && y >= 0 && x < cw as i32 && y < ch as i32 {
                    result = self.inner.draw_pixel(
                        (x, y),
                        BackendColor {
                            alpha: color.alpha * f64::from(coverage.min(1.0)),
                            rgb: color.rgb,
                        },
                    );
                }
            });
            result
                .as_ref()
                .map_err(|_| DrawingErrorKind::FontError("text drawing failed".into()))?;
        }
        Ok(())
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> std::result::Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let bold = matches!(style.style(), plotters_backend::FontStyle::Bold);
        let laid = layout_text(text, style.size(), bold)
            .ok_or_else(|| DrawingErrorKind::FontError("embedded font unavailable".into()))?;
        Ok((laid.width.ceil() as u32, laid.height.ceil() as u32))
    }
}

/// Formats an axis tick value compactly ("0.3", "1e-4", "25000").
fn fmt_tick(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v.is_finite() {
            "0".into()
        } else {
            format!("{v}")
        };
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        let s = format!("{v:.1e}");
        // "1.0e-4" -> "1e-4"
        return s.replace(".0e", "e");
    }
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// Formats a value for a legend or colour-bar label with ~3 significant digits.
fn fmt_value(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e5).contains(&a) {
        format!("{v:.2e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// Min and max of the finite values, or `None` if there are none.
fn finite_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Widens a data range by `pad` (fraction) on each side; a degenerate range
/// becomes a unit-ish interval around its value.
fn padded(range: Option<(f64, f64)>, pad: f64) -> (f64, f64) {
    match range {
        None => (0.0, 1.0),
        Some((lo, hi)) if hi - lo <= f64::EPSILON * lo.abs().max(hi.abs()).max(1e-300) => {
            let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
            (lo - d, hi + d)
        }
        Some((lo, hi)) => {
            let d = (hi - lo) * pad;
            (lo - d, hi + d)
        }
    }
}

/// A range given by the user: must be finite and increasing.
fn check_range(path: &Path, what: &str, r: (f64, f64)) -> Result<()> {
    if r.0.is_finite() && r.1.is_finite() && r.0 < r.1 {
        Ok(())
    } else {
        Err(invalid(
            path,
            format!("{what} ({}, {}) must be finite with start < end", r.0, r.1),
        ))
    }
}

fn invalid(path: &Path, msg: impl Into<String>) -> PlotError {
    PlotError::new(path, PlotErrorKind::InvalidInput, msg)
}

/// Creates the parent directory, registers fonts, runs `draw` on a fresh
/// white `width` × `height` canvas and writes it as PNG to `path`.
fn render(
    path: &Path,
    (width, height): (u32, u32),
    draw: impl FnOnce(&Area) -> DrawResult<()>,
) -> Result<()> {
    if width == 0 || height == 0 || width > 16_384 || height > 16_384 {
        return Err(invalid(
            path,
            format!("image size {width}x{height} is outside 1..=16384 pixels"),
        ));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| {
            PlotError::new(
                path,
                PlotErrorKind::Io,
                format!("cannot create directory {}: {e}", dir.display()),
            )
        })?;
    }
    ensure_fonts().map_err(|m| PlotError::new(path, PlotErrorKind::Render, m))?;
    let root = Canvas {
        inner: BitMapBackend::new(path, (width, height)),
    }
    .into_drawing_area();
    let drawn = root
        .fill(&WHITE)
        .map_err(|e| -> Box<dyn Error> { Box::new(e) })
        .and_then(|_| draw(&root));
    if let Err(e) = drawn {
        return Err(PlotError::new(
            path,
            PlotErrorKind::Render,
            format!("drawing failed: {e}"),
        ));
    }
    root.present().map_err(|e| {
        PlotError::new(
            path,
            PlotErrorKind::Io,
            format!("cannot write PNG file: {e}"),
        )
    })
}

/// Draws `text` centred in `area` (used for "no data" notes).
fn centered_note(area: &Area, text: &str) -> DrawResult<()> {
    let (w, h) = area.dim_in_pixel();
    let style = font(16.0)
        .color(&RGBColor(110, 110, 110))
        .pos(Pos::new(HPos::Center, VPos::Center));
    area.draw_text(text, &style, (w as i32 / 2, h as i32 / 2))?;
    Ok(())
}

/// Legend corner with the fewest data points near it; `pts` are normalised
/// to `[0, 1]²` (y up).
fn best_legend_corner(pts: &[(f64, f64)]) -> SeriesLabelPosition {
    let corners = [
        (SeriesLabelPosition::UpperRight, 1.0, 1.0),
        (SeriesLabelPosition::UpperLeft, 0.0, 1.0),
        (SeriesLabelPosition::LowerRight, 1.0, 0.0),
        (SeriesLabelPosition::LowerLeft, 0.0, 0.0),
    ];
    let mut best = (usize::MAX, SeriesLabelPosition::UpperRight);
    for (pos, cx, cy) in corners {
        let n = pts
            .iter()
            .filter(|(x, y)| (x - cx).abs() < 0.45 && (y - cy).abs() < 0.4)
            .count();
        if n < best.0 {
            best = (n, pos);
        }
    }
    best.1
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

// ---------------------------------------------------------------------------
// Grids
// ---------------------------------------------------------------------------

/// Centres of the `nx` × `ny` cells covering `x_range` × `y_range`, in the
/// grid order used by [`Regions`] and [`HeatMap`]: row-major, first row at the
/// bottom (`index = j * nx + i`, x grows with `i`, y grows with `j`).
///
/// Evaluate a model (or a loss) at these points, in this order, and pass the
/// results as the grid values. Returns an empty vector if `nx` or `ny` is 0.
///
/// ```
/// let c = labs::plot::grid_cell_centers((0.0, 2.0), (0.0, 1.0), 2, 1);
/// assert_eq!(c, vec![(0.5, 0.5), (1.5, 0.5)]);
/// ```
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
fn contour_segments(
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

fn check_grid(path: &Path, what: &str, len: usize, nx: usize, ny: usize) -> Result<()> {
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

// ---------------------------------------------------------------------------
// 1. Line charts
// ---------------------------------------------------------------------------

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

/// Splits a series into runs of drawable points.
fn finite_runs(points: &[(f64, f64)], log_y: bool) -> Vec<Vec<(f64, f64)>> {
    let mut runs = vec![];
    let mut cur = vec![];
    for &(x, y) in points {
        if x.is_finite() && y.is_finite() && (!log_y || y > 0.0) {
            cur.push((x, y));
        } else if !cur.is_empty() {
            runs.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        runs.push(cur);
    }
    runs
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

/// Tick positions (in log10 space) for a log axis over `[lo, hi]` (log10
/// values): the densest of 1..9 × 10^k, 1-2-5 × 10^k or 10^k with at most 8
/// ticks, else every m-th power of ten.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let (k0, k1) = (lo.floor() as i64, hi.ceil() as i64);
    if k1 - k0 > 400 {
        return vec![];
    }
    let with = |mantissas: &[f64], step: i64| -> Vec<f64> {
        let mut v = vec![];
        let mut k = k0;
        while k <= k1 {
            for m in mantissas {
                let t = m.log10() + k as f64;
                if t >= lo - 1e-9 && t <= hi + 1e-9 {
                    v.push(t);
                }
            }
            k += step;
        }
        v
    };
    let all: Vec<f64> = (1..10).map(f64::from).collect();
    for mantissas in [&all[..], &[1.0, 2.0, 5.0], &[1.0]] {
        let v = with(mantissas, 1);
        if v.len() <= 8 {
            return v;
        }
    }
    let step = (k1 - k0) / 8 + 1;
    with(&[1.0], step)
}

/// A linear axis over log10 values whose ticks are exactly `ticks`,
/// labelled with `10^tick`.
struct Log10Axis {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl Ranged for Log10Axis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }
}

impl ValueFormatter<f64> for Log10Axis {
    fn format(value: &f64) -> String {
        fmt_tick(10f64.powf(*value))
    }
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
    // In log mode everything is drawn in log10 space on a linear axis with
    // hand-picked 1-2-5 ticks (plotters' log axis crowds its labels).
    let (runs, y0, y1) = if panel.log_y {
        let runs: Vec<Vec<Vec<(f64, f64)>>> = runs
            .iter()
            .map(|s| {
                s.iter()
                    .map(|r| r.iter().map(|&(x, y)| (x, y.log10())).collect())
                    .collect()
            })
            .collect();
        (runs, y0.log10(), y1.log10())
    } else {
        (runs, y0, y1)
    };
    let norm: Vec<(f64, f64)> = runs
        .iter()
        .flatten()
        .flatten()
        .map(|&(x, y)| ((x - x0) / (x1 - x0), (y - y0) / (y1 - y0)))
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
        let y_coord = Log10Axis {
            inner: (y0..y1).into(),
            ticks: log_ticks(y0, y1),
        };
        let mut chart = builder.build_cartesian_2d(x0..x1, y_coord)?;
        let fmt = |v: &f64| fmt_tick(10f64.powf(*v));
        fill_line_chart(&mut chart, panel, &runs, legend_pos, &fmt)?;
    } else {
        let mut chart = builder.build_cartesian_2d(x0..x1, y0..y1)?;
        let fmt = |v: &f64| fmt_tick(*v);
        fill_line_chart(&mut chart, panel, &runs, legend_pos, &fmt)?;
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
    y_fmt: &dyn Fn(&f64) -> String,
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
        .y_label_formatter(y_fmt)
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

// ---------------------------------------------------------------------------
// 2. Scatter with decision regions and lines
// ---------------------------------------------------------------------------

/// Side (in pixels) of the square plot part of a [`scatter`] figure; the
/// legend column is added to its right.
pub const SCATTER_SIZE: u32 = 640;

/// Background of a [`Scatter`]: what a classifier predicts over a rectangle.
///
/// The grid layout is the module's grid convention (row-major, first row at
/// the bottom; see [`grid_cell_centers`]).
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

// ---------------------------------------------------------------------------
// 3. Heat map with contours and a path
// ---------------------------------------------------------------------------

/// Width in pixels of a [`heat_map`] figure.
pub const HEAT_MAP_WIDTH: u32 = 800;
/// Height in pixels of a [`heat_map`] figure.
pub const HEAT_MAP_HEIGHT: u32 = 640;

/// Description of a [`heat_map`] figure: a scalar field on a grid (module
/// grid convention, see [`grid_cell_centers`]), e.g. a loss surface over two
/// weights, with an optional path over it (e.g. the iterates of gradient
/// descent).
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
                    Rgb(190, 190, 190)
                };
                let (x, y) = (xr.0 + i as f64 * dx, yr.0 + j as f64 * dy);
                Rectangle::new([(x, y), (x + dx, y + dy)], c.rgb().filled())
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
    let draw_bar = |plot: &Area, w: u32, h: u32| -> DrawResult<()> {
        for s in 0..steps {
            let t0 = s as f64 / steps as f64;
            let t1 = (s + 1) as f64 / steps as f64;
            let y0 = h as f64 * (1.0 - t1);
            let y1 = h as f64 * (1.0 - t0);
            let c = if any_finite {
                viridis((t0 + t1) / 2.0)
            } else {
                Rgb(190, 190, 190)
            };
            plot.draw(&Rectangle::new(
                [(0, y0.floor() as i32), (w as i32, y1.ceil() as i32)],
                c.rgb().filled(),
            ))?;
        }
        for &l in levels {
            let y = (h as f64 * (1.0 - scale.t(l))).round() as i32;
            plot.draw(&PathElement::new(
                vec![(0, y), (w as i32 / 3, y)],
                WHITE.stroke_width(1),
            ))?;
        }
        plot.draw(&Rectangle::new(
            [(0, 0), (w as i32 - 1, h as i32 - 1)],
            BLACK.stroke_width(1),
        ))?;
        Ok(())
    };
    if scale.log {
        let mut chart = builder.build_cartesian_2d(0.0..1.0, (lo..hi).log_scale())?;
        chart
            .configure_mesh()
            .disable_x_axis()
            .disable_mesh()
            .y_labels(8)
            .label_style(font(TICK_SIZE))
            .y_label_formatter(&|v| fmt_tick(*v))
            .draw()?;
        let plot = chart.plotting_area().strip_coord_spec();
        let (w, h) = plot.dim_in_pixel();
        draw_bar(&plot, w, h)?;
    } else {
        let mut chart = builder.build_cartesian_2d(0.0..1.0, lo..hi)?;
        chart
            .configure_mesh()
            .disable_x_axis()
            .disable_mesh()
            .y_labels(8)
            .label_style(font(TICK_SIZE))
            .y_label_formatter(&|v| fmt_tick(*v))
            .draw()?;
        let plot = chart.plotting_area().strip_coord_spec();
        let (w, h) = plot.dim_in_pixel();
        draw_bar(&plot, w, h)?;
    }
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

// ---------------------------------------------------------------------------
// 4. Image grid
// ---------------------------------------------------------------------------

/// One image of an [`ImageGrid`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImageTile {
    /// `width * height` intensities, row-major, top row first; 0 = background
    /// (white), 1 = ink (black). Values are clamped to `[0, 1]`; NaN is drawn
    /// as background.
    pub pixels: Vec<f32>,
    /// Caption under the image; `'\n'` starts a new line (short lines keep
    /// the grid compact, e.g. `"true 7\npred 1 (0.98)"`).
    pub caption: String,
    /// Draws the caption and a frame in red (e.g. for misclassified digits).
    pub highlight: bool,
}

/// Description of an [`image_grid`] figure: same-sized grayscale images laid
/// out left to right, top to bottom.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageGrid {
    /// Figure title (may be empty).
    pub title: String,
    /// Width of every image in pixels (28 for MNIST).
    pub width: usize,
    /// Height of every image in pixels (28 for MNIST).
    pub height: usize,
    /// Images per row (the figure uses `min(columns, tiles.len())` columns).
    pub columns: usize,
    /// Each image pixel becomes a `scale` × `scale` block (default 3).
    pub scale: u32,
    /// The images.
    pub tiles: Vec<ImageTile>,
}

impl ImageGrid {
    /// An empty grid of `width` × `height` images, `columns` per row, scale 3.
    pub fn new(title: impl Into<String>, width: usize, height: usize, columns: usize) -> Self {
        ImageGrid {
            title: title.into(),
            width,
            height,
            columns,
            scale: 3,
            tiles: Vec::new(),
        }
    }

    /// Adds an image with its caption (builder style); `pixels` may be f32
    /// or any type convertible to it losslessly (u8 values are *not*
    /// rescaled, so pass intensities in `[0, 1]`).
    pub fn with_image<T: Into<f32> + Copy>(
        mut self,
        pixels: &[T],
        caption: impl Into<String>,
    ) -> Self {
        self.push(pixels, caption, false);
        self
    }

    /// Adds a highlighted image (red caption and frame), builder style.
    pub fn with_highlighted_image<T: Into<f32> + Copy>(
        mut self,
        pixels: &[T],
        caption: impl Into<String>,
    ) -> Self {
        self.push(pixels, caption, true);
        self
    }

    /// Adds an image in place (for loops).
    pub fn push<T: Into<f32> + Copy>(
        &mut self,
        pixels: &[T],
        caption: impl Into<String>,
        highlight: bool,
    ) {
        self.tiles.push(ImageTile {
            pixels: pixels.iter().map(|&p| p.into()).collect(),
            caption: caption.into(),
            highlight,
        });
    }

    /// Sets the scale factor (builder style).
    pub fn with_scale(mut self, scale: u32) -> Self {
        self.scale = scale;
        self
    }
}

/// Layout of an image grid: (columns, rows, cell w, cell h, title h, caption lines).
struct GridLayout {
    cols: usize,
    rows: usize,
    cell_w: u32,
    cell_h: u32,
    title_h: u32,
    line_h: u32,
    img_w: u32,
    img_h: u32,
}

const CAPTION_SIZE: f64 = 13.0;
const GRID_MARGIN: u32 = 12;

fn grid_layout(g: &ImageGrid) -> GridLayout {
    let cap = font(CAPTION_SIZE);
    let n = g.tiles.len();
    let cols = g.columns.min(n).max(1);
    let rows = n.div_ceil(cols).max(1);
    let img_w = g.width as u32 * g.scale;
    let img_h = g.height as u32 * g.scale;
    let lines = g
        .tiles
        .iter()
        .map(|t| t.caption.lines().count())
        .max()
        .unwrap_or(0) as u32;
    let cap_w = g
        .tiles
        .iter()
        .flat_map(|t| t.caption.lines())
        .map(|l| text_width(l, &cap))
        .max()
        .unwrap_or(0);
    let line_h = 16;
    let title_h = if g.title.is_empty() { 0 } else { 40 };
    GridLayout {
        cols,
        rows,
        cell_w: img_w.max(cap_w) + 14,
        cell_h: img_h + lines * line_h + 16,
        title_h,
        line_h,
        img_w,
        img_h,
    }
}

/// Pixel size `(width, height)` that [`image_grid`] will give `grid`
/// (columns × cell width plus margins; cells are as wide as the scaled image
/// or the widest caption line).
pub fn image_grid_size(grid: &ImageGrid) -> (u32, u32) {
    let l = grid_layout(grid);
    (
        (2 * GRID_MARGIN + l.cols as u32 * l.cell_w).max(240),
        GRID_MARGIN * 2 + l.title_h + l.rows as u32 * l.cell_h,
    )
}

/// Writes a grid of grayscale images with captions as a PNG of
/// [`image_grid_size`] pixels. Images are drawn dark ink on white (value 1 =
/// black), each pixel scaled up `scale` times, inside a thin grey frame (red
/// if highlighted).
///
/// No tiles is fine: the figure then shows the title and a "no images" note
/// (e.g. a "misclassified examples" figure of a perfect model).
///
/// # Errors
/// [`PlotErrorKind::InvalidInput`] if `width`, `height`, `columns` or `scale`
/// is 0, if a tile does not have `width * height` pixels, or if the figure
/// would exceed 16384 pixels in either direction.
pub fn image_grid(path: impl AsRef<Path>, grid: &ImageGrid) -> Result<()> {
    let path = path.as_ref();
    if grid.width == 0 || grid.height == 0 || grid.columns == 0 || grid.scale == 0 {
        return Err(invalid(
            path,
            format!(
                "image grid needs positive width, height, columns and scale, got {}, {}, {}, {}",
                grid.width, grid.height, grid.columns, grid.scale
            ),
        ));
    }
    if grid.width > 4096 || grid.height > 4096 || grid.scale > 64 {
        return Err(invalid(path, "image grid images or scale are too large"));
    }
    let expected = grid.width * grid.height;
    if let Some((k, t)) = grid
        .tiles
        .iter()
        .enumerate()
        .find(|(_, t)| t.pixels.len() != expected)
    {
        return Err(invalid(
            path,
            format!(
                "image {k} has {} pixels, expected width * height = {} * {}",
                t.pixels.len(),
                grid.width,
                grid.height
            ),
        ));
    }
    let l = grid_layout(grid);
    let size = image_grid_size(grid);
    render(path, size, |root| {
        if !grid.title.is_empty() {
            let style = bold(TITLE_SIZE - 2.0)
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Center));
            root.draw_text(
                &grid.title,
                &style,
                (size.0 as i32 / 2, (GRID_MARGIN + l.title_h / 2) as i32),
            )?;
        }
        if grid.tiles.is_empty() {
            let style = font(16.0)
                .color(&RGBColor(110, 110, 110))
                .pos(Pos::new(HPos::Center, VPos::Center));
            let y = GRID_MARGIN + l.title_h + l.cell_h / 2;
            root.draw_text("no images", &style, (size.0 as i32 / 2, y as i32))?;
            return Ok(());
        }
        let red = RGBColor(214, 39, 40);
        let s = grid.scale as i32;
        for (k, tile) in grid.tiles.iter().enumerate() {
            let (r, c) = ((k / l.cols) as u32, (k % l.cols) as u32);
            let cell_x = GRID_MARGIN + c * l.cell_w;
            let cell_y = GRID_MARGIN + l.title_h + r * l.cell_h;
            let x0 = (cell_x + (l.cell_w - l.img_w) / 2) as i32;
            let y0 = (cell_y + 6) as i32;
            for (idx, &v) in tile.pixels.iter().enumerate() {
                let v = if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) };
                if v == 0.0 {
                    continue;
                }
                let g = (255.0 * (1.0 - v)).round() as u8;
                let (py, px) = ((idx / grid.width) as i32, (idx % grid.width) as i32);
                root.draw(&Rectangle::new(
                    [
                        (x0 + px * s, y0 + py * s),
                        (x0 + px * s + s, y0 + py * s + s),
                    ],
                    RGBColor(g, g, g).filled(),
                ))?;
            }
            let (frame, fw) = if tile.highlight {
                (red, 2)
            } else {
                (RGBColor(170, 170, 170), 1)
            };
            root.draw(&Rectangle::new(
                [(x0 - 1, y0 - 1), (x0 + l.img_w as i32, y0 + l.img_h as i32)],
                frame.stroke_width(fw),
            ))?;
            let style = font(CAPTION_SIZE)
                .color(if tile.highlight { &red } else { &BLACK })
                .pos(Pos::new(HPos::Center, VPos::Top));
            for (li, line) in tile.caption.lines().enumerate() {
                root.draw_text(
                    line,
                    &style,
                    (
                        (cell_x + l.cell_w / 2) as i32,
                        y0 + l.img_h as i32 + 4 + (li as u32 * l.line_h) as i32,
                    ),
                )?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system temp dir for one test, removed
    /// again when the guard is dropped (at the end of a passing test).
    struct TempDir(PathBuf);

    impl TempDir {
        fn join(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            if !std::thread::panicking() {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    fn temp_dir(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("labs-plot-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// Decodes the PNG, checks its size and that it is not a blank canvas.
    fn check_png(path: &Path, size: (u32, u32)) -> image::RgbImage {
        let img = image::open(path)
            .unwrap_or_else(|e| panic!("{} is not a valid PNG: {e}", path.display()))
            .to_rgb8();
        assert_eq!(img.dimensions(), size, "{}", path.display());
        let lum: Vec<f64> = img
            .pixels()
            .map(|p| p.0.iter().map(|&c| c as f64).sum::<f64>() / 3.0)
            .collect();
        let mean = lum.iter().sum::<f64>() / lum.len() as f64;
        let var = lum.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / lum.len() as f64;
        assert!(var > 1.0, "{} looks blank (variance {var})", path.display());
        img
    }

    fn count_color(img: &image::RgbImage, c: Rgb) -> usize {
        img.pixels().filter(|p| p.0 == [c.0, c.1, c.2]).count()
    }

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

    #[test]
    fn image_grid_digits() {
        let dir = temp_dir("images");
        let ring: Vec<f32> = (0..28 * 28)
            .map(|i| {
                let (x, y) = ((i % 28) as f32 - 13.5, (i / 28) as f32 - 13.5);
                let r = (x * x + y * y).sqrt();
                if (7.0..10.0).contains(&r) {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        let mut nan = ring.clone();
        nan[0] = f32::NAN;
        nan[1] = 7.0;
        let grid = ImageGrid::new("digits", 28, 28, 4)
            .with_image(&ring, "true 0\npred 0")
            .with_highlighted_image(&nan, "true 0\npred 6")
            .with_image(&ring, "x");
        let path = dir.join("digits.png");
        image_grid(&path, &grid).unwrap();
        let size = image_grid_size(&grid);
        assert!(size.0 >= 3 * 28 * 3 && size.1 >= 28 * 3);
        let img = check_png(&path, size);
        assert!(count_color(&img, Rgb(0, 0, 0)) > 3 * 100, "ink missing");

        // No images: title and note only.
        let path = dir.join("none.png");
        let empty = ImageGrid::new("misclassified", 28, 28, 8);
        image_grid(&path, &empty).unwrap();
        check_png(&path, image_grid_size(&empty));

        // Wrong pixel count and zero columns are errors.
        let bad = ImageGrid::new("bad", 28, 28, 4).with_image(&[0.5f32; 10], "short");
        let err = image_grid(dir.join("bad.png"), &bad).unwrap_err();
        assert!(err.message().contains("expected width * height"), "{err}");
        let err = image_grid(dir.join("bad2.png"), &ImageGrid::new("bad", 28, 28, 0)).unwrap_err();
        assert_eq!(err.kind(), PlotErrorKind::InvalidInput);
    }

    #[test]
    fn unwritable_path_is_an_io_error() {
        let dir = temp_dir("io");
        let file = dir.join("a-file");
        std::fs::write(&file, b"x").unwrap();
        // A path below a regular file cannot be created.
        let err = line_chart(
            file.join("sub").join("x.png"),
            &Panel::new("t", "x", "y").with_series(Series::from_values("s", &[1.0, 2.0])),
        )
        .unwrap_err();
        assert_eq!(err.kind(), PlotErrorKind::Io);
        assert!(err.to_string().contains("x.png"), "{err}");
    }

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

    #[test]
    fn helpers() {
        assert_eq!(fmt_tick(0.30000000000000004), "0.3");
        assert_eq!(fmt_tick(1e-4), "1e-4");
        assert_eq!(fmt_tick(-0.0), "0");
        assert_eq!(fmt_tick(25.0), "25");
        assert_eq!(viridis(f64::NAN), viridis(0.0));
        assert_eq!(viridis(2.0), Rgb(253, 231, 37));
        let t = log_ticks(-1.2, 0.4);
        assert!(!t.is_empty() && t.len() <= 8);
        assert!(log_ticks(-300.0, 300.0).len() <= 9);
        let seg = clip_implicit(1.0, -1.0, 0.0, (0.0, 1.0), (0.0, 1.0)).unwrap();
        assert!(seg.contains(&(0.0, 0.0)) && seg.contains(&(1.0, 1.0)));
        assert!(clip_implicit(0.0, 0.0, 1.0, (0.0, 1.0), (0.0, 1.0)).is_none());
        assert!(clip_implicit(0.0, 1.0, -5.0, (0.0, 1.0), (0.0, 1.0)).is_none());
    }
}
