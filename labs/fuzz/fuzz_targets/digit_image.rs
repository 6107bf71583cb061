//! libFuzzer target for `mnist-predict`'s image path: `RUSTC_BOOTSTRAP=1 cargo fuzz run
//! digit_image` from `labs/`. The case itself is in `../digit_case.rs`.

#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../digit_case.rs");

fuzz_target!(|data: &[u8]| run_case(data));
