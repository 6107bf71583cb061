//! libFuzzer target for the IDX reader: `RUSTC_BOOTSTRAP=1 cargo fuzz run idx_reader` from
//! `datasets/` (see `../README.md`). The case itself is in `../idx_case.rs`.

#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../idx_case.rs");

fuzz_target!(|data: &[u8]| run_case(data));
