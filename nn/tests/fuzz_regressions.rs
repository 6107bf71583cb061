//! Replays the safetensors fuzzer's inputs as a regression test: the hand-made seeds
//! (`fuzz/seeds/`) and the minimised corpus a fuzzing run left (`fuzz/regressions/`). Each must
//! parse or fail with an error, never panic.

include!("../fuzz/safetensors_case.rs");

#[test]
fn every_saved_fuzz_input_reads_or_fails_cleanly() {
    let fuzz_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let count = tensor::testing::replay_fuzz_inputs(&fuzz_dir, run_case);
    assert!(count >= 3, "expected the saved fuzz inputs, found {count}");
}
