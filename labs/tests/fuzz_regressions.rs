//! Replays the image fuzzer's inputs as a regression test: the hand-made seeds (`fuzz/seeds/`)
//! and the minimised corpus a fuzzing run left (`fuzz/regressions/`). Each must decode and
//! preprocess into a digit, or fail with an error, never panic.

include!("../fuzz/digit_case.rs");

#[test]
fn every_saved_fuzz_input_reads_or_fails_cleanly() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut count = 0;
    for dir in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("directory entry").path();
            run_case(&std::fs::read(&path).expect("readable input"));
            count += 1;
        }
    }
    assert!(count >= 4, "expected the saved fuzz inputs, found {count}");
}
