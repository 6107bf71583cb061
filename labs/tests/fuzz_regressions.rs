//! Replays the image fuzzer's inputs as a regression test: the hand-made seeds (`fuzz/seeds/`)
//! and the minimised corpus a fuzzing run left (`fuzz/regressions/`). Each must decode and
//! preprocess into a digit, or fail with an error, never panic.

include!("../fuzz/digit_case.rs");

#[test]
fn every_saved_fuzz_input_reads_or_fails_cleanly() {
    let fuzz_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let count = tensor::testing::replay_fuzz_inputs(&fuzz_dir, run_case);
    assert!(count >= 4, "expected the saved fuzz inputs, found {count}");
}
