//! The lab path in the browser: this library (`tensor`, `autograd`, `nn`, `optim`, the synthetic
//! `datasets`, `vision`) compiled to `wasm32-unknown-unknown` and driven by one static page
//! (`web/site/`), which only draws and handles input. Every forward pass, backward pass and
//! update happens here.
//!
//! - [`Playground`]: a small MLP on a 2-D dataset (blobs, XOR, donuts, a spiral), trained live
//!   by SGD with momentum; decision regions, losses and each hidden neuron's output.
//! - [`WeightsLab`]: a two-weight model (a line through a noisy cloud, or the perceptron with its
//!   bias fixed): its loss surface and the path gradient descent takes across it.
//! - [`DigitModel`]: a saved MNIST model (MLP or CNN) reading a digit drawn on a canvas,
//!   prepared by `mnist-predict`'s own code ([`vision::digit::preprocess`]).
//!
//! `bash web/build.sh` builds the page; the JS-facing API is the `#[wasm_bindgen]` items below
//! (camelCase in JS). Each fallible call throws a JS `Error` whose message names what was
//! expected and what was found; the same checks are plain `Result`s for Rust callers.

#![warn(missing_docs)]

mod digit;
mod playground;
mod weights;

pub use digit::DigitModel;
pub use playground::{benchmark_seconds, Playground, PlaygroundConfig};
pub use weights::WeightsLab;

use wasm_bindgen::prelude::*;

/// The error of this crate's checks: one line naming what was expected and what was found.
pub type Error = Box<dyn std::error::Error>;

/// `"simd128"` when this module was built with WebAssembly SIMD (as `web/build.sh` builds it),
/// `"scalar"` otherwise; on a native build, the instruction set `tensor` chose.
#[wasm_bindgen]
pub fn simd() -> String {
    if cfg!(all(target_arch = "wasm32", target_feature = "simd128")) {
        "simd128".into()
    } else if cfg!(target_arch = "wasm32") {
        "scalar".into()
    } else {
        tensor::simd_level().to_string()
    }
}

/// Seconds on a monotonic clock: `performance.now()` in a page (std's clock does not exist on
/// wasm32-unknown-unknown), `Instant` natively.
pub(crate) fn now_seconds() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        #[wasm_bindgen]
        extern "C" {
            #[wasm_bindgen(js_namespace = performance, js_name = now)]
            fn performance_now() -> f64;
        }
        performance_now() / 1000.0
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::sync::OnceLock;
        use std::time::Instant;
        static START: OnceLock<Instant> = OnceLock::new();
        START.get_or_init(Instant::now).elapsed().as_secs_f64()
    }
}

/// An [`Error`] as a thrown JS `Error` carrying its message.
pub(crate) fn js(e: Error) -> JsError {
    JsError::new(&e.to_string())
}

/// Checks that `v` is finite and within `[lo, hi]` (`hi_open`: below `hi`).
pub(crate) fn check_range(
    name: &str,
    v: f64,
    lo: f64,
    hi: f64,
    hi_open: bool,
) -> Result<(), Error> {
    let ok = v.is_finite() && v >= lo && if hi_open { v < hi } else { v <= hi };
    if ok {
        Ok(())
    } else {
        let close = if hi_open { ")" } else { "]" };
        Err(format!("{name}: expected a number in [{lo}, {hi}{close}, found {v}").into())
    }
}

/// The centres of a `res × res` grid over `[x0, x1] × [y0, y1]` as `[res², 2]` rows, row 0 at
/// the top (`y` near `y1`), columns from `x0` to `x1`.
pub(crate) fn grid(res: usize, [x0, x1, y0, y1]: [f64; 4]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(res * res);
    for r in 0..res {
        let y = y1 - (r as f64 + 0.5) / res as f64 * (y1 - y0);
        for c in 0..res {
            out.push((x0 + (c as f64 + 0.5) / res as f64 * (x1 - x0), y));
        }
    }
    out
}

/// Checks a grid resolution (1 to 512 cells a side).
pub(crate) fn check_res(res: usize) -> Result<(), Error> {
    if (1..=512).contains(&res) {
        Ok(())
    } else {
        Err(format!("res: expected 1 to 512 cells a side, found {res}").into())
    }
}
