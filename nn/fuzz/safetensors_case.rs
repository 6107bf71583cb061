// One fuzz case of the safetensors reader, shared by the libFuzzer target
// `fuzz_targets/safetensors_reader.rs` and the regression test `nn/tests/fuzz_regressions.rs`
// (both `include!` it, so it holds plain comments, not inner docs).
//
// Arbitrary bytes go through `SafetensorsFile::from_bytes`; a file that parses is then loaded
// into a small model (`Linear(4, 3)`, `ReLU`, `Linear(3, 2)`, f32) and its tensors taken as
// f32 and as f64 at the shapes the file itself declares. Any outcome is fine except a panic or
// an abort; a load that fails must name at least one mismatch, and one that succeeds must have
// given every parameter the shape it had.

use autograd::Tensor;
use nn::state_dict::Expected;
use nn::{Linear, Module, ReLU, SafetensorsFile, Sequential};
use rand::{rngs::StdRng, SeedableRng};

/// Runs one input; panics only on a bug in the reader.
pub fn run_case(data: &[u8]) {
    let Ok(file) = SafetensorsFile::from_bytes("fuzz.safetensors", data) else {
        return;
    };
    let mut rng = StdRng::seed_from_u64(0);
    let mut model = Sequential::<f32>::new();
    model.push(Box::new(Linear::new(4, 3, &mut rng).expect("valid sizes")));
    model.push(Box::new(ReLU));
    model.push(Box::new(Linear::new(3, 2, &mut rng).expect("valid sizes")));
    let shapes: Vec<Vec<usize>> = model.parameters().iter().map(|p| p.shape()).collect();
    match file.load_into(&model) {
        Ok(()) => {
            let after: Vec<Vec<usize>> = model.parameters().iter().map(|p| p.shape()).collect();
            assert_eq!(shapes, after);
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    let own: Vec<Expected> = file
        .names()
        .into_iter()
        .filter_map(|name| {
            let shape = file.shape(name)?.to_vec();
            Some(Expected {
                name: name.to_string(),
                shape,
                required: true,
                integer: false,
            })
        })
        .collect();
    check_take::<f32>(&file, &own);
    check_take::<f64>(&file, &own);
    let _ = file.metadata().len();
}

fn check_take<T: autograd::Element>(file: &SafetensorsFile, expected: &[Expected]) {
    match file.take::<T>(expected) {
        Ok(tensors) => {
            for (t, e) in tensors.iter().zip(expected) {
                if let Some(t) = t {
                    let t: &Tensor<T> = t;
                    assert_eq!(t.shape(), e.shape.as_slice());
                }
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}
