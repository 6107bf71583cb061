//! What the figures share: colours, font sizes, number formats, axis ranges, legend placement.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{font, Area};
use super::error::{invalid, DrawResult, Result};

/// An opaque sRGB colour, 8 bits per channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// The same colour as plotters' type.
    pub(super) fn rgb(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }

    /// Linear blend: `t = 0` gives `self`, `t = 1` gives `other`.
    pub(super) fn mix(self, other: Rgb, t: f64) -> Rgb {
        let t = t.clamp(0.0, 1.0);
        let m = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
        Rgb(m(self.0, other.0), m(self.1, other.1), m(self.2, other.2))
    }
}

/// White, the background of every figure.
pub(super) const WHITE_RGB: Rgb = Rgb(255, 255, 255);

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

/// Font size of figure titles, in pixels.
pub(super) const TITLE_SIZE: f64 = 22.0;
/// Font size of axis labels.
pub(super) const AXIS_DESC_SIZE: f64 = 17.0;
/// Font size of tick labels.
pub(super) const TICK_SIZE: f64 = 14.0;
/// Font size of legend entries.
pub(super) const LEGEND_SIZE: f64 = 15.0;

/// Formats an axis tick value compactly ("0.3", "1e-4", "25000").
pub(super) fn fmt_tick(v: f64) -> String {
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
pub(super) fn fmt_value(v: f64) -> String {
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

/// Ticks of a log axis over `[lo, hi]` (`0 < lo < hi`): the densest of 1..9 × 10^k,
/// 1-2-5 × 10^k or 10^k that has at most 8 ticks, else every m-th power of ten.
///
/// plotters' log axis places the marks (`(lo..hi).log_scale()`), but its own choice of ticks
/// is 1..9 × 10^k or the powers of ten alone: labels crowd at the top of each decade, or a
/// range inside one decade (a loss going from 0.9 to 0.3) gets no label at all.
pub(super) fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let (log_lo, log_hi) = (lo.log10(), hi.log10());
    if !(log_lo.is_finite() && log_hi.is_finite() && log_lo <= log_hi) {
        return vec![];
    }
    // Positive f64s span 10^-324 to 10^309, so the exponents fit an i32 and the loops are short.
    let (k0, k1) = (log_lo.floor() as i32, log_hi.ceil() as i32);
    let with = |mantissas: &[f64], step: usize| -> Vec<f64> {
        (k0..=k1)
            .step_by(step)
            .flat_map(|k| mantissas.iter().map(move |&m| (m, k)))
            .filter(|&(m, k)| {
                let t = m.log10() + f64::from(k);
                t >= log_lo - 1e-9 && t <= log_hi + 1e-9
            })
            .map(|(m, k)| m * 10f64.powi(k))
            .collect()
    };
    let all: Vec<f64> = (1..10).map(f64::from).collect();
    for mantissas in [&all[..], &[1.0, 2.0, 5.0], &[1.0]] {
        let ticks = with(mantissas, 1);
        if ticks.len() <= 8 {
            return ticks;
        }
    }
    with(&[1.0], ((k1 - k0) / 8 + 1) as usize)
}

/// Min and max of the finite values, or `None` if there are none.
pub(super) fn finite_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
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
pub(super) fn padded(range: Option<(f64, f64)>, pad: f64) -> (f64, f64) {
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
pub(super) fn check_range(path: &Path, what: &str, r: (f64, f64)) -> Result<()> {
    if r.0.is_finite() && r.1.is_finite() && r.0 < r.1 {
        Ok(())
    } else {
        Err(invalid(
            path,
            format!("{what} ({}, {}) must be finite with start < end", r.0, r.1),
        ))
    }
}

/// Draws `text` centred in `area` (used for "no data" notes).
pub(super) fn centered_note(area: &Area, text: &str) -> DrawResult<()> {
    let (w, h) = area.dim_in_pixel();
    let style = font(16.0)
        .color(&RGBColor(110, 110, 110))
        .pos(Pos::new(HPos::Center, VPos::Center));
    area.draw_text(text, &style, (w as i32 / 2, h as i32 / 2))?;
    Ok(())
}

/// Legend corner with the fewest data points near it; `pts` are normalised
/// to `[0, 1]²` (y up).
pub(super) fn best_legend_corner(pts: &[(f64, f64)]) -> SeriesLabelPosition {
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

/// Splits a series into runs of drawable points.
pub(super) fn finite_runs(points: &[(f64, f64)], log_y: bool) -> Vec<Vec<(f64, f64)>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(fmt_tick(0.30000000000000004), "0.3");
        assert_eq!(fmt_tick(1e-4), "1e-4");
        assert_eq!(fmt_tick(-0.0), "0");
        assert_eq!(fmt_tick(25.0), "25");
    }

    #[test]
    fn log_ticks_are_few_and_label_every_range() {
        // Inside one decade: every mantissa.
        let labels: Vec<String> = log_ticks(0.25, 0.95).iter().map(|&t| fmt_tick(t)).collect();
        assert_eq!(labels, ["0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"]);
        // A loss from 2.5 down to 0.06: 1-2-5.
        let labels: Vec<String> = log_ticks(0.06, 2.5).iter().map(|&t| fmt_tick(t)).collect();
        assert_eq!(labels, ["0.1", "0.2", "0.5", "1", "2"]);
        // Five decades: the powers of ten.
        let labels: Vec<String> = log_ticks(4.7e-4, 58.0)
            .iter()
            .map(|&t| fmt_tick(t))
            .collect();
        assert_eq!(labels, ["0.001", "0.01", "0.1", "1", "10"]);
        // The whole f64 range: at most 9 powers of ten, no panic.
        let wide = log_ticks(f64::MIN_POSITIVE, f64::MAX);
        assert!(!wide.is_empty() && wide.len() <= 9, "{wide:?}");
        assert!(log_ticks(0.0, 1.0).is_empty());
    }
}
