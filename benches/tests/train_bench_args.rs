//! `train-bench` refuses bad options before it loads any data, naming the option and the value.

use std::process::Command;

fn refused(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_train-bench"))
        .args(args)
        .output()
        .expect("train-bench runs");
    assert!(!out.status.success(), "{args:?} was accepted");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_options_name_the_option_and_the_value() {
    for (args, want) in [
        (
            &["--lr", "-1"][..],
            "'--lr <LR>': expected a finite number > 0, found -1",
        ),
        (&["--lr", "0"], "found 0"),
        (
            &["--epochs", "0"],
            "'--epochs <EPOCHS>': expected a whole number >= 1, found 0",
        ),
        (&["--epochs", "-1"], "found -1"),
        (&["--batch-size", "0"], "'--batch-size <BATCH_SIZE>'"),
        (&["--hidden", "0"], "'--hidden <HIDDEN>'"),
        (&["--threads", "0"], "'--threads <THREADS>'"),
        (&["--steps", "0"], "'--steps <STEPS>'"),
    ] {
        let err = refused(args);
        assert!(err.contains(want), "{args:?}: {err}");
    }
}
