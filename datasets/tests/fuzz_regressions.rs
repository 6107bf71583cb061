//! Replays the IDX fuzzer's inputs as a regression test: the hand-made seeds
//! (`fuzz/seeds/`) and the minimised corpus a fuzzing run left (`fuzz/regressions/`). Each
//! must give a value or an error, never a panic, and never an allocation its file cannot back.

include!("../fuzz/idx_case.rs");

#[test]
fn every_saved_fuzz_input_reads_or_fails_cleanly() {
    let fuzz_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let count = tensor::testing::replay_fuzz_inputs(&fuzz_dir, run_case);
    let dir = scratch_dir();
    assert!(dir.ends_with(format!("idx-fuzz-{}", std::process::id())));
    std::fs::remove_dir_all(dir).expect("the cases' own scratch folder");
    assert!(count >= 9, "expected the saved fuzz inputs, found {count}");
}
