//! Writes one example of every figure of `labs::figures` with realistic
//! synthetic data, to look at them:
//!
//! ```text
//! cargo run -p labs --example plot_demo -- /tmp/plot-demo
//! ```

use std::f64::consts::PI;
use std::path::PathBuf;

use labs::figures::{
    self, grid_cell_centers, HeatMap, ImageGrid, Line, Panel, RegionFill, Regions, Scatter, Series,
};

/// Small deterministic generator (xorshift64*), so the demo needs no `rand`.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-12);
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (2.0 * PI * v).cos()
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "/tmp/plot-demo".into()),
    );
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);

    // 1. Learning curves: loss (log scale) | accuracy, 30 epochs; the test
    // loss has one NaN epoch (e.g. a diverged evaluation) to show the gap.
    let epochs = 30;
    let train_loss: Vec<f64> = (0..epochs)
        .map(|e| 2.3 * (-(e as f64) / 6.0).exp() + 0.05 + 0.02 * rng.uniform())
        .collect();
    let mut test_loss: Vec<f64> = (0..epochs)
        .map(|e| 2.3 * (-(e as f64) / 7.0).exp() + 0.12 + 0.004 * e as f64)
        .collect();
    test_loss[17] = f64::NAN;
    let train_acc: Vec<f32> = (0..epochs)
        .map(|e| (0.99 - 0.89 * (-(e as f64) / 5.0).exp()) as f32)
        .collect();
    let test_acc: Vec<f32> = (0..epochs)
        .map(|e| (0.96 - 0.86 * (-(e as f64) / 5.5).exp()) as f32)
        .collect();
    figures::line_charts(
        dir.join("learning_curves.png"),
        &[
            Panel::new("Loss", "epoch", "cross-entropy")
                .with_log_y()
                .with_series(Series::from_values("train", &train_loss))
                .with_series(Series::from_values("test", &test_loss)),
            Panel::new("Accuracy", "epoch", "accuracy")
                .with_y_range(0.0, 1.0)
                .with_series(Series::from_values("train", &train_acc))
                .with_series(Series::from_values("test", &test_acc)),
        ],
    )?;

    // 1b. A long curve (per-step loss, no markers) in a single panel.
    let steps: Vec<(f64, f64)> = (0..2000)
        .map(|s| {
            let s = s as f64;
            (
                s,
                1.5 * (-s / 300.0).exp() + 0.1 + 0.08 * rng.normal().abs(),
            )
        })
        .collect();
    figures::line_chart(
        dir.join("loss_per_step.png"),
        &Panel::new("Training loss per step", "step", "loss")
            .with_series(Series::new("minibatch loss", steps)),
    )?;

    // 2. Noisy line y = 2x + 1 with fitted lines at several epochs.
    let pts: Vec<(f64, f64)> = (0..60)
        .map(|_| {
            let x = -3.0 + 6.0 * rng.uniform();
            (x, 2.0 * x + 1.0 + 0.8 * rng.normal())
        })
        .collect();
    let mut fit = Scatter::new(
        "Linear regression: fitted line during training",
        "x",
        "y",
        pts.clone(),
        vec![0; pts.len()],
    )
    .with_class_names(["data"]);
    for (epoch, w, b) in [
        (0, 0.0, 0.0),
        (2, 0.9, 0.3),
        (5, 1.6, 0.7),
        (50, 1.98, 0.97),
    ] {
        fit = fit.with_line(Line::slope(
            format!("epoch {epoch}: y = {w:.2}x + {b:.2}"),
            w,
            b,
        ));
    }
    figures::scatter(dir.join("line_fit.png"), &fit)?;

    // 3. Two blobs with a logistic-regression decision boundary.
    let mut blob_pts = vec![];
    let mut blob_cls = vec![];
    for (c, (mx, my)) in [(-1.5, -1.0), (1.5, 1.2)].into_iter().enumerate() {
        for _ in 0..80 {
            blob_pts.push((mx + 0.8 * rng.normal(), my + 0.8 * rng.normal()));
            blob_cls.push(c);
        }
    }
    figures::scatter(
        dir.join("blobs.png"),
        &Scatter::new("Two blobs", "x1", "x2", blob_pts, blob_cls)
            .with_class_names(["negative", "positive"])
            .with_line(Line::implicit("boundary after 1 epoch", 1.0, 0.3, 0.4))
            .with_line(Line::implicit("boundary w·x + b = 0", 2.1, 2.3, -0.2)),
    )?;

    // 4. XOR with a probability background (a made-up but plausible model).
    let mut xor_pts = vec![];
    let mut xor_cls = vec![];
    for _ in 0..200 {
        let (x, y) = (2.0 * rng.uniform() - 1.0, 2.0 * rng.uniform() - 1.0);
        xor_pts.push((x, y));
        xor_cls.push(usize::from((x > 0.0) != (y > 0.0)));
    }
    let (xr, yr, n) = ((-1.2, 1.2), (-1.2, 1.2), 120);
    let probs: Vec<f64> = grid_cell_centers(xr, yr, n, n)
        .into_iter()
        .map(|(x, y)| 1.0 / (1.0 + (12.0 * x * y + 0.3 * x).exp()))
        .collect();
    figures::scatter(
        dir.join("xor.png"),
        &Scatter::new(
            "XOR: MLP predicted probability",
            "x1",
            "x2",
            xor_pts,
            xor_cls,
        )
        .with_regions(Regions {
            x_range: xr,
            y_range: yr,
            nx: n,
            ny: n,
            fill: RegionFill::Probability(probs),
        }),
    )?;

    // 5. Three concentric rings with a class-region grid.
    let mut ring_pts = vec![];
    let mut ring_cls = vec![];
    for (c, r) in [0.3, 1.0, 1.7].into_iter().enumerate() {
        for _ in 0..120 {
            let a = 2.0 * PI * rng.uniform();
            let rr = r + 0.15 * rng.normal();
            ring_pts.push((rr * a.cos(), rr * a.sin()));
            ring_cls.push(c);
        }
    }
    let (xr, yr, n) = ((-2.3, 2.3), (-2.3, 2.3), 100);
    let classes: Vec<usize> = grid_cell_centers(xr, yr, n, n)
        .into_iter()
        .map(|(x, y)| {
            let r = (x * x + y * y).sqrt() + 0.08 * (3.0 * x).sin();
            if r < 0.62 {
                0
            } else if r < 1.38 {
                1
            } else {
                2
            }
        })
        .collect();
    figures::scatter(
        dir.join("rings.png"),
        &Scatter::new(
            "Rings: predicted class regions",
            "x1",
            "x2",
            ring_pts,
            ring_cls,
        )
        .with_class_names(["inner", "middle", "outer"])
        .with_regions(Regions {
            x_range: xr,
            y_range: yr,
            nx: n,
            ny: n,
            fill: RegionFill::Classes(classes),
        }),
    )?;

    // 6. Loss surface of an ill-conditioned quadratic with a GD path.
    let loss = |w: f64, b: f64| (w - 2.0).powi(2) + 8.0 * (b + 1.0).powi(2);
    let (wr, br, n) = ((-1.0, 4.0), (-3.0, 1.5), 150);
    let values: Vec<f64> = grid_cell_centers(wr, br, n, n)
        .into_iter()
        .map(|(w, b)| loss(w, b))
        .collect();
    let (mut w, mut b, lr) = (-0.5, 1.2, 0.11);
    let mut path = vec![(w, b)];
    for _ in 0..40 {
        let (gw, gb) = (2.0 * (w - 2.0), 16.0 * (b + 1.0));
        w -= lr * gw;
        b -= lr * gb;
        path.push((w, b));
    }
    figures::heat_map(
        dir.join("loss_surface.png"),
        &HeatMap::new(
            "Loss surface and gradient descent (lr = 0.11)",
            "w",
            "b",
            wr,
            br,
            n,
            n,
            values.clone(),
        )
        .with_log_color()
        .with_contours(14)
        .with_value_label("loss")
        .with_path("gradient descent", path.clone()),
    )?;
    // 6b. Same with a linear colour scale.
    figures::heat_map(
        dir.join("loss_surface_linear.png"),
        &HeatMap::new(
            "Loss surface, linear colours",
            "w",
            "b",
            wr,
            br,
            n,
            n,
            values,
        )
        .with_contours(8)
        .with_value_label("loss")
        .with_path("gradient descent", path),
    )?;

    // 7. A grid of synthetic 28x28 "digits" with captions.
    let mut grid = ImageGrid::new("Test digits: true label / prediction", 28, 28, 8);
    for k in 0..16 {
        let img = synthetic_digit(k % 4, &mut rng);
        let truth = [0, 1, 7, 4][k % 4];
        let wrong = k % 5 == 3;
        let pred = if wrong { (truth + 3) % 10 } else { truth };
        let p = 0.6 + 0.39 * rng.uniform();
        grid.push(
            &img,
            format!("true {truth} / pred {pred}\np = {p:.2}"),
            wrong,
        );
    }
    figures::image_grid(dir.join("digits.png"), &grid)?;

    println!("wrote figures to {}", dir.display());
    Ok(())
}

/// 28x28 image in [0, 1]: 0 = ring, 1 = vertical bar, 2 = "7", 3 = "4".
fn synthetic_digit(kind: usize, rng: &mut Rng) -> Vec<f32> {
    let (ox, oy) = (rng.normal() * 1.0, rng.normal() * 1.0);
    let mut img = vec![0f32; 28 * 28];
    // Distance from the pixel to a segment, turned into soft ink.
    let seg = |px: f64, py: f64, (ax, ay): (f64, f64), (bx, by): (f64, f64)| {
        let (dx, dy) = (bx - ax, by - ay);
        let t = (((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
        ((px - ax - t * dx).powi(2) + (py - ay - t * dy).powi(2)).sqrt()
    };
    for y in 0..28 {
        for x in 0..28 {
            let (px, py) = (x as f64 - ox, y as f64 - oy);
            let d = match kind {
                0 => {
                    (((px - 14.0) / 6.0).powi(2) + ((py - 14.0) / 9.0).powi(2))
                        .sqrt()
                        .sub1abs()
                        * 7.0
                }
                1 => seg(px, py, (15.0, 4.0), (12.0, 24.0)),
                2 => {
                    seg(px, py, (7.0, 5.0), (21.0, 5.0)).min(seg(px, py, (21.0, 5.0), (11.0, 24.0)))
                }
                _ => seg(px, py, (9.0, 4.0), (7.0, 16.0))
                    .min(seg(px, py, (7.0, 16.0), (21.0, 16.0)))
                    .min(seg(px, py, (17.0, 8.0), (17.0, 24.0))),
            };
            img[y * 28 + x] = (1.0 - (d - 1.0).max(0.0) / 1.5).clamp(0.0, 1.0) as f32;
        }
    }
    img
}

trait Sub1Abs {
    fn sub1abs(self) -> f64;
}

impl Sub1Abs for f64 {
    fn sub1abs(self) -> f64 {
        (self - 1.0).abs()
    }
}
