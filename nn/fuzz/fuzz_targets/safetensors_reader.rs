//! libFuzzer target for the safetensors reader: `RUSTC_BOOTSTRAP=1 cargo fuzz run
//! safetensors_reader` from `nn/`. The case itself is in `../safetensors_case.rs`.

#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../safetensors_case.rs");

fuzz_target!(|data: &[u8]| run_case(data));
