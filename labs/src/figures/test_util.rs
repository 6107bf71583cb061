//! What the figure tests share: a temporary directory, and checks of a written PNG.

use std::path::{Path, PathBuf};

use super::Rgb;

/// A fresh directory under the system temp dir for one test, removed
/// again when the guard is dropped (at the end of a passing test).
pub(super) struct TempDir(PathBuf);

impl TempDir {
    pub(super) fn join(&self, name: &str) -> PathBuf {
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

pub(super) fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("labs-plot-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// Decodes the PNG, checks its size and that it is not a blank canvas.
pub(super) fn check_png(path: &Path, size: (u32, u32)) -> image::RgbImage {
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

pub(super) fn count_color(img: &image::RgbImage, c: Rgb) -> usize {
    img.pixels().filter(|p| p.0 == [c.0, c.1, c.2]).count()
}
