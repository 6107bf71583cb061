//! Writes the README's lab thumbnails: one figure of each playground lab, read from `out/<lab>/`
//! (run the labs with their defaults first) and shrunk to 400 px wide into `docs/img/<lab>.png`.
//!
//! `cargo run --release -p labs --example thumbnails`

use image::imageops::FilterType;
use std::process::ExitCode;

/// The lab and the figure of it that the README shows.
const FIGURES: [(&str, &str); 6] = [
    ("two-points-sgd", "line_fits"),
    ("regression-sgd", "weights_search"),
    ("classification-sgd", "decision_boundary"),
    ("xor-mlp", "decision_regions"),
    ("three-donuts-mlp", "decision_regions"),
    ("six-donuts-mlp", "decision_regions"),
];

const WIDTH: u32 = 400;

fn main() -> ExitCode {
    labs::common::run_main(|| {
        std::fs::create_dir_all("docs/img")?;
        for (lab, fig) in FIGURES {
            let src = format!("out/{lab}/{fig}.png");
            let img = image::open(&src)
                .map_err(|e| format!("cannot read {src} (run {lab} first): {e}"))?;
            let height = img.height() * WIDTH / img.width();
            let small = img
                .resize_exact(WIDTH, height, FilterType::Lanczos3)
                .to_rgb8();
            let dst = format!("docs/img/{lab}.png");
            small
                .save(&dst)
                .map_err(|e| format!("cannot write {dst}: {e}"))?;
            println!(
                "{dst}: {WIDTH} x {height}, {} bytes",
                std::fs::metadata(&dst)?.len()
            );
        }
        Ok(())
    })
}
