// One fuzz case of mnist-predict's image path, shared by the libFuzzer target
// `fuzz_targets/digit_image.rs` and the regression test `labs/tests/fuzz_regressions.rs` (both
// `include!` it, so it holds plain comments, not inner docs).
//
// Arbitrary bytes are decoded as PNG or JPEG (the format guessed from the contents, as
// `mnist-predict` does) and, when they decode, preprocessed into a 28x28 digit. Any outcome is
// fine except a panic or an abort; a digit that comes out must be 28x28 with every pixel in
// [0, 1].

/// Runs one input; panics only on a bug in the preprocessing.
pub fn run_case(data: &[u8]) {
    let Ok(img) = image::load_from_memory(data) else {
        return;
    };
    match vision::digit::preprocess(&img) {
        Ok(digit) => {
            assert_eq!(digit.pixels.len(), 28 * 28);
            assert!(digit.pixels.iter().all(|p| (0.0..=1.0).contains(p)));
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}
