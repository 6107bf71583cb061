//! Image grids: small grayscale images (e.g. MNIST digits) with captions.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{bold, font, render, text_width};
use super::error::{invalid, Result};
use super::style::TITLE_SIZE;

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
///
/// [`PlotErrorKind::InvalidInput`]: super::PlotErrorKind::InvalidInput
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
    use crate::figures::error::PlotErrorKind;
    use crate::figures::style::Rgb;
    use crate::figures::test_util::{check_png, count_color, temp_dir};

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
}
