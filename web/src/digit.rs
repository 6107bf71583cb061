//! Draw a digit: a saved MNIST model reading what the user draws on a canvas.

use crate::{js, Error};
use autograd::{no_grad_guard, Tensor, Var};
use image::{DynamicImage, RgbaImage};
use nn::Module;
use vision::digit::{preprocess, SIDE};
use vision::{load_model_bytes, Architecture};
use wasm_bindgen::prelude::*;

/// A model saved by `mnist-linear`, `mnist-mlp` or `mnist-cnn` (`--save`), read through `nn`'s
/// safetensors reader with its architecture from the file's metadata, as `mnist-predict`
/// reads one.
#[wasm_bindgen]
pub struct DigitModel {
    model: Box<dyn Module<f32>>,
    arch: Architecture,
}

impl DigitModel {
    /// Reads a safetensors file's bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let (model, arch) = load_model_bytes(bytes)?;
        Ok(DigitModel { model, arch })
    }

    /// The 28x28 image (row-major, in `[0, 1]`) that `mnist-predict` would make of an RGBA
    /// picture `width × height`.
    pub fn prepare_rgba(rgba: &[u8], width: u32, height: u32) -> Result<Vec<f32>, Error> {
        let expected = 4 * width as usize * height as usize;
        if width == 0 || height == 0 || rgba.len() != expected {
            return Err(format!(
                "expected {width}x{height} RGBA pixels ({expected} bytes, nonzero sides), found {} bytes",
                rgba.len()
            )
            .into());
        }
        let img = RgbaImage::from_raw(width, height, rgba.to_vec()).expect("length checked");
        Ok(preprocess(&DynamicImage::ImageRgba8(img))?.pixels)
    }

    /// The ten probabilities of a prepared 28x28 image.
    pub fn probabilities(&self, pixels: &[f32]) -> Result<Vec<f32>, Error> {
        if pixels.len() != SIDE * SIDE {
            return Err(format!(
                "expected {} pixels (28x28), found {}",
                SIDE * SIDE,
                pixels.len()
            )
            .into());
        }
        let _g = no_grad_guard();
        let x = Var::constant(Tensor::from_vec(&[1, SIDE * SIDE], pixels.to_vec())?);
        // Logits or log-probabilities (the MLP's head): softmax gives the probabilities of both.
        let out = self.model.forward(&x)?;
        let probs = out.value().softmax(1)?.to_vec();
        Ok(probs)
    }
}

#[wasm_bindgen]
impl DigitModel {
    /// Reads a saved model from a `.safetensors` file's bytes; throws when the file is not
    /// one (every mismatch named).
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: &[u8]) -> Result<DigitModel, JsError> {
        DigitModel::from_bytes(bytes).map_err(js)
    }

    /// The architecture, e.g. `cnn 28x28 -> conv 32 -> conv 64 -> 128 -> 10`.
    pub fn describe(&self) -> String {
        self.arch.to_string()
    }

    /// The canvas's RGBA pixels prepared as `mnist-predict` prepares a picture: 784 values in
    /// `[0, 1]`. Throws "found no digit ..." on an empty canvas.
    pub fn prepare(&self, rgba: &[u8], width: u32, height: u32) -> Result<Vec<f32>, JsError> {
        DigitModel::prepare_rgba(rgba, width, height).map_err(js)
    }

    /// The ten digits' probabilities for 784 prepared pixels.
    pub fn predict(&self, pixels: &[f32]) -> Result<Vec<f32>, JsError> {
        self.probabilities(pixels).map_err(js)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vision::save_model;

    /// A white 140x140 canvas with a black ring drawn on it.
    fn ring() -> Vec<u8> {
        let mut px = vec![255u8; 140 * 140 * 4];
        for y in 0..140 {
            for x in 0..140 {
                let (dx, dy) = ((x as f64 - 70.0) / 35.0, (y as f64 - 70.0) / 50.0);
                if (0.75..=1.0).contains(&dx.hypot(dy)) {
                    px[(y * 140 + x) * 4..][..3].fill(0);
                }
            }
        }
        px
    }

    #[test]
    fn a_canvas_is_prepared_as_mnist_predict_prepares_it_and_read_by_a_saved_model() {
        let arch = Architecture::Cnn {
            shape: vision::CnnShape::default(),
            dropout: 0.25,
        };
        let dir = tempfile_dir();
        let path = dir.join("cnn.safetensors");
        save_model(arch.build(3).unwrap().as_ref(), &arch, &[], &path).unwrap();
        let model = DigitModel::from_bytes(&std::fs::read(&path).unwrap()).unwrap();
        assert!(model.describe().starts_with("cnn 28x28"));
        let px = ring();
        let pixels = DigitModel::prepare_rgba(&px, 140, 140).unwrap();
        let img = RgbaImage::from_raw(140, 140, px).unwrap();
        let same = preprocess(&DynamicImage::ImageRgba8(img)).unwrap().pixels;
        assert_eq!(pixels, same);
        let p = model.probabilities(&pixels).unwrap();
        assert_eq!(p.len(), 10);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn bad_input_is_an_error() {
        let err = DigitModel::prepare_rgba(&[255; 16], 2, 2)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no digit"), "{err}");
        assert!(DigitModel::prepare_rgba(&[0; 15], 2, 2).is_err());
        assert!(DigitModel::prepare_rgba(&[], 0, 0).is_err());
        assert!(DigitModel::from_bytes(b"not a safetensors file").is_err());
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("web-digit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
