//! Reading a digit from an image file the way MNIST's digits were made, so that a model trained
//! on MNIST sees what it was trained on.
//!
//! MNIST's digits were size-normalised to fit a 20×20 box keeping their aspect ratio
//! (anti-aliased, hence the grey levels), then placed in a 28×28 frame so that their centre of
//! mass is at the frame's centre; ink is bright on black. [`preprocess`] does the same to any
//! image:
//!
//! 1. grey levels in `[0, 1]` (transparent pixels count as white paper);
//! 2. inverted if the background is light (the median of the border pixels is above ½), so ink
//!    is bright on dark whichever way the digit was written;
//! 3. the background level subtracted and the ink rescaled to `[0, 1]`, with a soft threshold
//!    that zeroes paper texture and JPEG noise;
//! 4. cropped to the ink's bounding box;
//! 5. resampled so the longer side is 20 pixels, keeping the aspect ratio, and the brightest
//!    pixel scaled to 1 (MNIST's strokes reach 255);
//! 6. placed in a 28×28 frame, shifted by whole pixels so that the centre of mass lands on
//!    pixel (14, 14), which is where MNIST's training digits have it on average (13.996,
//!    14.007, each ± 0.29).
//!
//! ```
//! use vision::digit::{preprocess, SIDE};
//! // A dark vertical stroke on white paper, 90 × 60 pixels.
//! let img = image::GrayImage::from_fn(60, 90, |x, y| {
//!     image::Luma([if (27..33).contains(&x) && (10..80).contains(&y) { 0 } else { 255 }])
//! });
//! let digit = preprocess(&image::DynamicImage::ImageLuma8(img))?;
//! assert!(digit.inverted);
//! assert_eq!(digit.pixels.len(), SIDE * SIDE);
//! assert_eq!(digit.pixels[14 * SIDE + 14], 1.0); // ink, bright, in the middle
//! assert_eq!(digit.pixels[0], 0.0); // background, black
//! # Ok::<(), vision::Error>(())
//! ```

use crate::Error;
use image::imageops::{self, FilterType};
use image::{DynamicImage, ImageBuffer, Luma};
use std::path::Path;

/// The side of an MNIST image.
pub const SIDE: usize = 28;
/// The side of the box a digit's longer side is scaled to.
pub const BOX: usize = 20;
/// Where the centre of mass goes (row and column).
const CENTRE: f64 = 14.0;
/// Ink fainter than this (after the background is removed and the ink scaled to `[0, 1]`) is
/// taken for paper.
const THRESHOLD: f32 = 0.2;

/// A digit ready for an MNIST model.
#[derive(Debug, Clone, PartialEq)]
pub struct Digit {
    /// `SIDE × SIDE` values in `[0, 1]`, row-major, bright ink on black.
    pub pixels: Vec<f32>,
    /// Whether the image was inverted (dark ink on a light background).
    pub inverted: bool,
    /// The ink's bounding box in the original image: `(left, top, width, height)`.
    pub ink_box: (u32, u32, u32, u32),
}

type GreyF = ImageBuffer<Luma<f32>, Vec<f32>>;

/// Opens an image file (PNG or JPEG; the format is read from the contents) and preprocesses it
/// with [`preprocess`].
pub fn preprocess_file(path: impl AsRef<Path>) -> Result<Digit, Error> {
    let path = path.as_ref();
    let img = image::io::Reader::open(path)
        .and_then(|r| r.with_guessed_format())
        .map_err(|e| format!("{}: {e}", path.display()))?
        .decode()
        .map_err(|e| format!("{}: cannot decode the image: {e}", path.display()))?;
    preprocess(&img).map_err(|e| format!("{}: {e}", path.display()).into())
}

/// Turns an image of one digit, of any size, dark-on-light or light-on-dark, into an MNIST-like
/// 28×28 digit (the steps are in the [module docs](self)).
///
/// Errors when the image has no ink: every pixel (nearly) the same grey.
pub fn preprocess(img: &DynamicImage) -> Result<Digit, Error> {
    let (width, height) = (img.width(), img.height());
    // Grey, with transparency composited over white paper.
    let grey: Vec<f32> = img
        .to_luma_alpha32f()
        .pixels()
        .map(|p| {
            let [l, a] = p.0;
            a * l + (1.0 - a)
        })
        .collect();

    let mut border: Vec<f32> = (0..width)
        .flat_map(|x| [(x, 0), (x, height - 1)])
        .chain((0..height).flat_map(|y| [(0, y), (width - 1, y)]))
        .map(|(x, y)| grey[(y * width + x) as usize])
        .collect();
    border.sort_by(f32::total_cmp);
    let mut background = border[border.len() / 2];
    let inverted = background > 0.5;
    let mut ink = grey;
    if inverted {
        ink.iter_mut().for_each(|v| *v = 1.0 - *v);
        background = 1.0 - background;
    }
    let brightest = ink.iter().copied().fold(0.0f32, f32::max);
    if brightest - background < 0.1 {
        return Err(format!(
            "found no digit: the image ({width}x{height}) is one flat grey (background {background:.2}, brightest ink {brightest:.2} after inverting: {inverted})"
        )
        .into());
    }
    for v in &mut ink {
        let scaled = (*v - background) / (brightest - background);
        *v = ((scaled - THRESHOLD) / (1.0 - THRESHOLD)).clamp(0.0, 1.0);
    }

    let (mut left, mut top, mut right, mut bottom) = (width, height, 0, 0);
    for y in 0..height {
        for x in 0..width {
            if ink[(y * width + x) as usize] > 0.0 {
                (left, right) = (left.min(x), right.max(x));
                (top, bottom) = (top.min(y), bottom.max(y));
            }
        }
    }
    let (w, h) = (right - left + 1, bottom - top + 1);
    let full = GreyF::from_raw(width, height, ink).expect("one value per pixel");
    let crop = imageops::crop_imm(&full, left, top, w, h).to_image();

    let long = w.max(h) as f64;
    let scale = |side: u32| ((side as f64 * BOX as f64 / long).round() as u32).clamp(1, BOX as u32);
    let (bw, bh) = (scale(w), scale(h));
    // Triangle: bilinear when enlarging, an area average when shrinking (its support widens
    // with the scale), so thin strokes grey out instead of vanishing.
    let mut boxed = imageops::resize(&crop, bw, bh, FilterType::Triangle);
    let peak = boxed.pixels().map(|p| p.0[0]).fold(0.0f32, f32::max);
    if peak > 0.0 {
        boxed
            .pixels_mut()
            .for_each(|p| p.0[0] = (p.0[0] / peak).clamp(0.0, 1.0));
    }

    let (mut mass, mut my, mut mx) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y, p) in boxed.enumerate_pixels() {
        let v = f64::from(p.0[0]);
        mass += v;
        my += v * y as f64;
        mx += v * x as f64;
    }
    let (cy, cx) = if mass > 0.0 {
        (my / mass, mx / mass)
    } else {
        ((bh as f64 - 1.0) / 2.0, (bw as f64 - 1.0) / 2.0)
    };
    let place = |centre: f64, side: u32| -> usize {
        ((CENTRE - centre).round().max(0.0) as usize).min(SIDE - side as usize)
    };
    let (oy, ox) = (place(cy, bh), place(cx, bw));
    let mut pixels = vec![0.0f32; SIDE * SIDE];
    for (x, y, p) in boxed.enumerate_pixels() {
        pixels[(oy + y as usize) * SIDE + ox + x as usize] = p.0[0];
    }
    Ok(Digit {
        pixels,
        inverted,
        ink_box: (left, top, w, h),
    })
}

/// The centre of mass `(row, column)` of a `SIDE × SIDE` image, in pixel indices.
pub fn centre_of_mass(pixels: &[f32]) -> (f64, f64) {
    let (mut m, mut r, mut c) = (0.0, 0.0, 0.0);
    for (i, &v) in pixels.iter().enumerate() {
        let v = f64::from(v);
        m += v;
        r += v * (i / SIDE) as f64;
        c += v * (i % SIDE) as f64;
    }
    (r / m.max(f64::MIN_POSITIVE), c / m.max(f64::MIN_POSITIVE))
}

/// The bounding box of the non-zero pixels of a `SIDE × SIDE` image: `(rows, columns)` it spans.
pub fn ink_extent(pixels: &[f32]) -> (usize, usize) {
    let (mut r0, mut r1, mut c0, mut c1) = (SIDE, 0, SIDE, 0);
    for (i, &v) in pixels.iter().enumerate() {
        if v > 0.0 {
            let (r, c) = (i / SIDE, i % SIDE);
            (r0, r1, c0, c1) = (r0.min(r), r1.max(r), c0.min(c), c1.max(c));
        }
    }
    if r0 > r1 {
        (0, 0)
    } else {
        (r1 - r0 + 1, c1 - c0 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::GrayImage;

    /// A ring ("0") of the given outer radii, centred in a `width × height` canvas; `ink` and
    /// `paper` are the grey levels.
    fn ring(width: u32, height: u32, ink: u8, paper: u8) -> DynamicImage {
        let (cx, cy) = (width as f64 / 2.0, height as f64 / 2.0);
        let (ry, rx) = (height as f64 * 0.35, height as f64 * 0.22);
        DynamicImage::ImageLuma8(GrayImage::from_fn(width, height, |x, y| {
            let (dx, dy) = ((x as f64 - cx) / rx, (y as f64 - cy) / ry);
            let r = (dx * dx + dy * dy).sqrt();
            Luma([if (0.75..=1.0).contains(&r) {
                ink
            } else {
                paper
            }])
        }))
    }

    fn check_mnist_like(d: &Digit) {
        assert_eq!(d.pixels.len(), SIDE * SIDE);
        assert!(d.pixels.iter().all(|v| (0.0..=1.0).contains(v)));
        assert_eq!(d.pixels.iter().copied().fold(0.0, f32::max), 1.0);
        let (rows, cols) = ink_extent(&d.pixels);
        assert!(
            rows.max(cols) <= BOX && rows.max(cols) >= BOX - 1,
            "extent {rows}x{cols}"
        );
        let (r, c) = centre_of_mass(&d.pixels);
        assert!(
            (r - CENTRE).abs() <= 0.5 && (c - CENTRE).abs() <= 0.5,
            "centre ({r}, {c})"
        );
    }

    #[test]
    fn dark_on_light_and_light_on_dark_give_the_same_digit() {
        let dark_on_light = preprocess(&ring(97, 131, 20, 240)).unwrap();
        let light_on_dark = preprocess(&ring(97, 131, 240, 20)).unwrap();
        assert!(dark_on_light.inverted && !light_on_dark.inverted);
        check_mnist_like(&dark_on_light);
        assert_eq!(dark_on_light.pixels, light_on_dark.pixels);
    }

    #[test]
    fn the_longer_side_becomes_twenty_pixels_at_any_size() {
        // Tall, wide, tiny and large canvases, odd sizes among them.
        for (w, h) in [(13, 17), (28, 28), (97, 131), (640, 481), (301, 203)] {
            let d = preprocess(&ring(w, h, 0, 255)).unwrap();
            check_mnist_like(&d);
            let (rows, cols) = ink_extent(&d.pixels);
            // The ring is taller than wide, so its height is the long side.
            assert!(rows >= cols, "{w}x{h}: {rows}x{cols}");
        }
    }

    #[test]
    fn an_off_centre_digit_is_cropped_and_recentred() {
        // A bar in the top-left corner of a big canvas with an alpha channel.
        let img = image::RgbaImage::from_fn(200, 150, |x, y| {
            if (10..16).contains(&x) && (5..60).contains(&y) {
                image::Rgba([0, 0, 0, 255])
            } else {
                image::Rgba([0, 0, 0, 0]) // transparent: paper
            }
        });
        let d = preprocess(&DynamicImage::ImageRgba8(img)).unwrap();
        assert_eq!(d.ink_box, (10, 5, 6, 55));
        check_mnist_like(&d);
    }

    #[test]
    fn a_blank_image_is_an_error_not_a_panic() {
        let flat = DynamicImage::ImageLuma8(GrayImage::from_pixel(40, 30, Luma([200])));
        let err = preprocess(&flat).unwrap_err().to_string();
        assert!(err.contains("found no digit"), "{err}");
        let one = DynamicImage::ImageLuma8(GrayImage::from_pixel(1, 1, Luma([0])));
        assert!(preprocess(&one).is_err());
    }
}
