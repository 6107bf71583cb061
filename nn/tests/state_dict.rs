//! Saving and loading parameters as safetensors: round trips, and every way a file can fail to
//! fit (each reported, all at once, never by a panic).

use autograd::{no_grad_guard, Element, Tensor, Var};
use nn::state_dict::{write_safetensors, Metadata};
use nn::{
    load_safetensors, save_safetensors, save_safetensors_with_metadata, Linear, LogSoftmax,
    Mismatch, Module, NnError, SafetensorsFile, Sequential, Tanh,
};
use rand::{rngs::StdRng, SeedableRng};
use std::path::Path;

fn mlp<T: Element>(sizes: &[usize], seed: u64) -> Sequential<T> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut m = Sequential::new();
    for w in sizes.windows(2) {
        m.push(Box::new(Linear::<T>::new(w[0], w[1], &mut rng).unwrap()));
        m.push(Box::new(Tanh));
    }
    m.add(LogSoftmax::new(1))
}

fn outputs<T: Element>(m: &Sequential<T>, seed: u64) -> Tensor<T> {
    let _g = no_grad_guard();
    let x = Tensor::rand_uniform(
        &[5, 6],
        T::zero(),
        T::one(),
        &mut StdRng::seed_from_u64(seed),
    )
    .unwrap();
    m.forward(&Var::constant(x)).unwrap().to_tensor()
}

fn params<T: Element>(m: &Sequential<T>) -> Vec<(String, Tensor<T>)> {
    m.named_parameters()
        .into_iter()
        .map(|(n, p)| (n, p.to_tensor()))
        .collect()
}

fn round_trip<T: Element>() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.safetensors");
    let saved = mlp::<T>(&[6, 8, 3], 1);
    save_safetensors(&saved, &path).unwrap();
    let loaded = mlp::<T>(&[6, 8, 3], 2);
    assert_ne!(
        params(&saved),
        params(&loaded),
        "different seeds, different weights"
    );
    let meta = load_safetensors(&loaded, &path).unwrap();
    assert!(meta.is_empty());
    // Bit for bit: the same parameters and the same outputs.
    assert_eq!(params(&saved), params(&loaded));
    assert_eq!(outputs(&saved, 7), outputs(&loaded, 7));
    let file = SafetensorsFile::read(&path).unwrap();
    assert_eq!(file.names(), ["0.bias", "0.weight", "2.bias", "2.weight"]);
    assert_eq!(file.shape("0.weight"), Some(&[8usize, 6][..]), "[out, in]");
}

#[test]
fn round_trip_f32() {
    round_trip::<f32>();
}

#[test]
fn round_trip_f64() {
    round_trip::<f64>();
}

#[test]
fn metadata_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.safetensors");
    let m = mlp::<f32>(&[6, 3], 0);
    let meta: Metadata = [("architecture", "mlp"), ("hidden", "256,128")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    save_safetensors_with_metadata(&m, &path, &meta).unwrap();
    assert_eq!(load_safetensors(&m, &path).unwrap(), meta);
}

fn mismatches(e: NnError) -> Vec<Mismatch> {
    match e {
        NnError::StateDict { mismatches, .. } => mismatches,
        other => panic!("expected a StateDict error, found {other}"),
    }
}

#[test]
fn every_mismatch_is_listed_in_one_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.safetensors");
    // Saved: 0: Linear(6, 8), 2: Linear(8, 3), 4: LogSoftmax.
    save_safetensors(&mlp::<f32>(&[6, 8, 3], 0), &path).unwrap();
    // Loading into 0: Linear(6, 5), 2: Linear(5, 3), 4: Linear(3, 2): three misshapen tensors
    // and two parameters the file does not have.
    let target = mlp::<f32>(&[6, 5, 3, 2], 0);
    let before = params(&target);
    let err = load_safetensors(&target, &path).unwrap_err();
    let text = err.to_string();
    let found = mismatches(err);
    assert_eq!(found.len(), 5, "{text}");
    assert!(found.contains(&Mismatch::Tensor {
        name: "0.weight".into(),
        expected_dtype: "F32",
        expected_shape: vec![5, 6],
        found_dtype: "F32".into(),
        found_shape: vec![8, 6],
    }));
    assert!(found.contains(&Mismatch::Missing {
        name: "4.bias".into(),
        dtype: "F32",
        shape: vec![2],
    }));
    for name in ["0.bias", "2.weight", "4.weight"] {
        assert!(
            text.contains(&format!("`{name}`")),
            "{name} not in:\n{text}"
        );
    }
    assert!(text.contains("5 mismatches"), "{text}");
    assert!(
        text.contains("`0.weight`: expected F32 [5, 6], found F32 [8, 6]"),
        "{text}"
    );
    // Nothing was changed by the failed load.
    assert_eq!(params(&target), before);
}

#[test]
fn a_missing_and_an_extra_parameter_are_both_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.safetensors");
    let m = mlp::<f32>(&[6, 3], 0);
    let mut tensors = params(&m);
    let bias = tensors.pop().unwrap(); // drop 0.bias
    tensors.push(("0.running_mean".into(), bias.1));
    write_safetensors(&path, &tensors, &Metadata::new()).unwrap();
    let found = mismatches(load_safetensors(&m, &path).unwrap_err());
    assert_eq!(
        found,
        [
            Mismatch::Missing {
                name: "0.bias".into(),
                dtype: "F32",
                shape: vec![3]
            },
            Mismatch::Unexpected {
                name: "0.running_mean".into(),
                dtype: "F32".into(),
                shape: vec![3]
            },
        ]
    );
}

#[test]
fn a_dtype_mismatch_is_reported_not_converted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.safetensors");
    save_safetensors(&mlp::<f64>(&[6, 3], 0), &path).unwrap();
    let found = mismatches(load_safetensors(&mlp::<f32>(&[6, 3], 0), &path).unwrap_err());
    assert_eq!(found.len(), 2);
    assert!(found.iter().all(|m| matches!(
        m,
        Mismatch::Tensor { expected_dtype: "F32", found_dtype, .. } if found_dtype == "F64"
    )));
}

fn assert_file_error(path: &Path, m: &Sequential<f32>) -> String {
    match load_safetensors(m, path) {
        Err(e @ NnError::File { .. }) => e.to_string(),
        other => panic!("expected a File error, found {other:?}"),
    }
}

#[test]
fn truncated_corrupt_and_absent_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.safetensors");
    let m = mlp::<f32>(&[6, 8, 3], 0);
    save_safetensors(&m, &good).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let bad = dir.path().join("bad.safetensors");
    // Cut anywhere: in the length prefix, the header, the data.
    for cut in [0, 3, 8, 20, bytes.len() / 2, bytes.len() - 1] {
        std::fs::write(&bad, &bytes[..cut]).unwrap();
        let msg = assert_file_error(&bad, &m);
        assert!(msg.contains("bad.safetensors"), "{msg}");
    }
    // A header length far beyond the file, and garbage in the JSON.
    let mut huge = bytes.clone();
    huge[..8].copy_from_slice(&(u64::MAX / 2).to_le_bytes());
    std::fs::write(&bad, &huge).unwrap();
    assert_file_error(&bad, &m);
    let mut garbled = bytes.clone();
    garbled[8..16].copy_from_slice(b"\xff\xfe{{{{]]");
    std::fs::write(&bad, &garbled).unwrap();
    assert_file_error(&bad, &m);
    std::fs::write(&bad, b"this is not a safetensors file at all").unwrap();
    assert_file_error(&bad, &m);
    let msg = assert_file_error(&dir.path().join("absent.safetensors"), &m);
    assert!(msg.contains("absent.safetensors"), "{msg}");
}

// Made by `pytorch_state_dict.py` beside this file (torch 2.15, safetensors 0.8):
// `torch.nn.Sequential(Linear(3, 4), Tanh(), Linear(4, 2))` after `torch.manual_seed(0)`, saved
// with `safetensors.torch.save(model.state_dict(), metadata={"format": "pt"})`, and its outputs
// for the two rows of `x` below.
const PYTORCH_FILE: &[u8] = &[
    0x18, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7b, 0x22, 0x5f, 0x5f, 0x6d, 0x65, 0x74, 0x61,
    0x64, 0x61, 0x74, 0x61, 0x5f, 0x5f, 0x22, 0x3a, 0x7b, 0x22, 0x66, 0x6f, 0x72, 0x6d, 0x61, 0x74,
    0x22, 0x3a, 0x22, 0x70, 0x74, 0x22, 0x7d, 0x2c, 0x22, 0x30, 0x2e, 0x62, 0x69, 0x61, 0x73, 0x22,
    0x3a, 0x7b, 0x22, 0x64, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x46, 0x33, 0x32, 0x22, 0x2c,
    0x22, 0x73, 0x68, 0x61, 0x70, 0x65, 0x22, 0x3a, 0x5b, 0x34, 0x5d, 0x2c, 0x22, 0x64, 0x61, 0x74,
    0x61, 0x5f, 0x6f, 0x66, 0x66, 0x73, 0x65, 0x74, 0x73, 0x22, 0x3a, 0x5b, 0x30, 0x2c, 0x31, 0x36,
    0x5d, 0x7d, 0x2c, 0x22, 0x30, 0x2e, 0x77, 0x65, 0x69, 0x67, 0x68, 0x74, 0x22, 0x3a, 0x7b, 0x22,
    0x64, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x46, 0x33, 0x32, 0x22, 0x2c, 0x22, 0x73, 0x68,
    0x61, 0x70, 0x65, 0x22, 0x3a, 0x5b, 0x34, 0x2c, 0x33, 0x5d, 0x2c, 0x22, 0x64, 0x61, 0x74, 0x61,
    0x5f, 0x6f, 0x66, 0x66, 0x73, 0x65, 0x74, 0x73, 0x22, 0x3a, 0x5b, 0x31, 0x36, 0x2c, 0x36, 0x34,
    0x5d, 0x7d, 0x2c, 0x22, 0x32, 0x2e, 0x62, 0x69, 0x61, 0x73, 0x22, 0x3a, 0x7b, 0x22, 0x64, 0x74,
    0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x46, 0x33, 0x32, 0x22, 0x2c, 0x22, 0x73, 0x68, 0x61, 0x70,
    0x65, 0x22, 0x3a, 0x5b, 0x32, 0x5d, 0x2c, 0x22, 0x64, 0x61, 0x74, 0x61, 0x5f, 0x6f, 0x66, 0x66,
    0x73, 0x65, 0x74, 0x73, 0x22, 0x3a, 0x5b, 0x36, 0x34, 0x2c, 0x37, 0x32, 0x5d, 0x7d, 0x2c, 0x22,
    0x32, 0x2e, 0x77, 0x65, 0x69, 0x67, 0x68, 0x74, 0x22, 0x3a, 0x7b, 0x22, 0x64, 0x74, 0x79, 0x70,
    0x65, 0x22, 0x3a, 0x22, 0x46, 0x33, 0x32, 0x22, 0x2c, 0x22, 0x73, 0x68, 0x61, 0x70, 0x65, 0x22,
    0x3a, 0x5b, 0x32, 0x2c, 0x34, 0x5d, 0x2c, 0x22, 0x64, 0x61, 0x74, 0x61, 0x5f, 0x6f, 0x66, 0x66,
    0x73, 0x65, 0x74, 0x73, 0x22, 0x3a, 0x5b, 0x37, 0x32, 0x2c, 0x31, 0x30, 0x34, 0x5d, 0x7d, 0x7d,
    0xbd, 0x33, 0x0d, 0xbf, 0xd6, 0xc5, 0xc3, 0xbe, 0x84, 0xb5, 0x73, 0xbe, 0x08, 0x34, 0xaf, 0x3c,
    0xe8, 0xa3, 0x8d, 0xbb, 0x13, 0x93, 0x9e, 0x3e, 0x7e, 0x4b, 0xf3, 0xbe, 0xc9, 0x8b, 0xd9, 0xbe,
    0xb1, 0xb4, 0x63, 0xbe, 0x53, 0x89, 0x1e, 0x3e, 0x40, 0x6b, 0x3b, 0xbc, 0x7a, 0x61, 0xea, 0x3e,
    0x42, 0xdd, 0x51, 0xbd, 0xd2, 0x70, 0x1c, 0x3e, 0x9e, 0xab, 0x32, 0xbe, 0xea, 0x6b, 0xe8, 0xbd,
    0x40, 0x0d, 0xa5, 0xbd, 0x10, 0xb5, 0x58, 0x3d, 0x60, 0x69, 0x4a, 0x3e, 0x18, 0x9b, 0x99, 0x3e,
    0x8c, 0x8d, 0xad, 0xbe, 0xfc, 0xf4, 0x5e, 0xbe, 0x98, 0xf7, 0x39, 0x3e, 0x4e, 0x94, 0xd4, 0x3e,
    0x48, 0xbd, 0xd2, 0xbd, 0x5c, 0x91, 0xbf, 0x3e,
];
const PYTORCH_OUTPUT: [f32; 4] = [-0.24928884, -0.2100294, -0.057189167, -0.15358508];

#[test]
fn a_state_dict_saved_by_pytorch_loads_and_gives_its_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("torch.safetensors");
    std::fs::write(&path, PYTORCH_FILE).unwrap();
    let mut rng = StdRng::seed_from_u64(0);
    let model = Sequential::new()
        .add(Linear::<f32>::new(3, 4, &mut rng).unwrap())
        .add(Tanh)
        .add(Linear::new(4, 2, &mut rng).unwrap());
    let meta = load_safetensors(&model, &path).unwrap();
    assert_eq!(meta.get("format").map(String::as_str), Some("pt"));
    let x = Tensor::from_vec(&[2, 3], vec![0.1f32, 0.2, 0.3, -1.0, 0.5, 2.0]).unwrap();
    let y = model
        .forward(&Var::constant(x))
        .unwrap()
        .to_tensor()
        .to_vec();
    for (i, (a, b)) in y.iter().zip(PYTORCH_OUTPUT).enumerate() {
        assert!((a - b).abs() < 1e-6, "output {i}: {a} here, {b} in PyTorch");
    }
}
