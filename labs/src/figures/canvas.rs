//! The drawing surface of every figure: plotters' bitmap backend with its own text drawing
//! (the embedded DejaVu Sans, laid out with `ab_glyph`), and [`render`], which writes the PNG.

use std::error::Error;
use std::path::Path;
use std::sync::OnceLock;

use ab_glyph::{point, Font, FontRef, OutlinedGlyph, PxScale, ScaleFont};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendTextStyle, DrawingErrorKind};

use super::error::{invalid, DrawResult, PlotError, PlotErrorKind, Result};

/// A drawing area of a figure being drawn.
pub(super) type Area<'a> = DrawingArea<Canvas<'a>, Shift>;

/// The family name the embedded fonts are registered under.
const FONT: &str = "sans-serif";

/// The regular embedded font at `size` pixels.
pub(super) fn font(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT), size, FontStyle::Normal)
}

/// The bold embedded font at `size` pixels.
pub(super) fn bold(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT), size, FontStyle::Bold)
}

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

/// Width in pixels of `text` in `f` (an estimate when the font is missing).
pub(super) fn text_width(text: &str, f: &FontDesc) -> u32 {
    let bold = matches!(f.get_style(), FontStyle::Bold);
    layout_text(text, f.get_size(), bold)
        .map(|l| l.width.ceil() as u32)
        .unwrap_or((text.chars().count() as f64 * f.get_size() * 0.6) as u32)
}

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
pub(super) struct Canvas<'a> {
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

/// Creates the parent directory, registers fonts, runs `draw` on a fresh
/// white `width` × `height` canvas and writes it as PNG to `path`.
pub(super) fn render(
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

#[cfg(test)]
mod tests {
    use crate::figures::error::PlotErrorKind;
    use crate::figures::test_util::temp_dir;
    use crate::figures::{line_chart, Panel, Series};

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
}
