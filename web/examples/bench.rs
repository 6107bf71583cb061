//! The page's speed benchmark run natively: full-batch steps of the six-donuts 2-16-16-6 network
//! on 1000 points per second, and per 1/60 s frame (the browser test measures the same in wasm).
//!
//! `cargo run --release -p web --example bench [STEPS]`

fn main() -> Result<(), web::Error> {
    let steps = match std::env::args().nth(1) {
        Some(s) => s
            .parse()
            .map_err(|_| format!("STEPS: expected a whole number, found {s:?}"))?,
        None => 2000,
    };
    let seconds = web::benchmark_seconds(steps)?;
    let per_second = steps as f64 / seconds;
    println!(
        "{steps} steps in {seconds:.3} s: {per_second:.0} steps/s, {:.1} steps per 1/60 s frame (simd {})",
        per_second / 60.0,
        web::simd()
    );
    Ok(())
}
