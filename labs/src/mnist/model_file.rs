//! The labs' additions to the MNIST model file of [`vision::model`]: the hand-written linear
//! model saved under `nn::Linear`'s names, and the predictions file.

use super::manual::ManualLinear;
use crate::common::LabError;
use autograd::Tensor;
use nn::state_dict::write_safetensors;
use std::path::Path;
use vision::Architecture;

/// Saves [`ManualLinear`]'s weights under the names `nn::Linear` uses (`weight`, `bias`), so the
/// file is the same as the `autograd` path's.
pub fn save_manual_linear(
    model: &ManualLinear,
    extra: &[(&str, String)],
    path: &Path,
) -> Result<(), LabError> {
    let arch = Architecture::Linear {
        inputs: model.w.shape()[1],
        classes: model.w.shape()[0],
    };
    let tensors = [
        ("weight".to_string(), model.w.clone()),
        ("bias".to_string(), model.b.clone()),
    ];
    save_tensors(&tensors, &arch, extra, path)
}

fn save_tensors(
    tensors: &[(String, Tensor<f32>)],
    arch: &Architecture,
    extra: &[(&str, String)],
    path: &Path,
) -> Result<(), LabError> {
    let mut meta = arch.to_metadata();
    meta.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
    write_safetensors(path, tensors, &meta)?;
    Ok(())
}

/// Writes one predicted class per line.
pub fn write_predictions(path: &Path, predictions: &[usize]) -> Result<(), LabError> {
    let mut text = String::with_capacity(2 * predictions.len());
    for p in predictions {
        text.push_str(&p.to_string());
        text.push('\n');
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nn::{Linear, Module, SafetensorsFile};
    use rand::{rngs::StdRng, SeedableRng};
    use vision::{load_model, save_model};

    #[test]
    fn both_linear_paths_save_the_same_names_and_load_back() {
        let dir = tempfile::tempdir().unwrap();
        let manual = ManualLinear::new(16, 10, 3).unwrap();
        let auto = Linear::<f32>::new(16, 10, &mut StdRng::seed_from_u64(4)).unwrap();
        let (pm, pa) = (
            dir.path().join("m.safetensors"),
            dir.path().join("a.safetensors"),
        );
        save_manual_linear(&manual, &[("mode", "manual".into())], &pm).unwrap();
        let arch = Architecture::Linear {
            inputs: 16,
            classes: 10,
        };
        save_model(&auto, &arch, &[], &pa).unwrap();
        for (path, w) in [(&pm, &manual.w), (&pa, &auto.weight.to_tensor())] {
            let file = SafetensorsFile::read(path).unwrap();
            assert_eq!(file.names(), ["bias", "weight"]);
            assert_eq!(file.shape("weight"), Some(&[10usize, 16][..]));
            let (model, found) = load_model(path, None).unwrap();
            assert_eq!(found, arch);
            assert_eq!(&model.named_parameters()[0].1.to_tensor(), w);
        }
    }
}
