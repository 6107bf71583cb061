//! The MNIST model file: the trained parameters as safetensors under PyTorch's names and
//! layouts, with the architecture in the metadata so that a reader (`mnist-predict`, the web
//! page, `scripts/check_safetensors.py`, PyTorch) can rebuild the model from the file alone.

use crate::cnn::{Cnn, CnnShape};
use crate::Error;
use nn::state_dict::Metadata;
use nn::{Activation, Linear, LogSoftmax, Mlp, Module, SafetensorsFile};
use rand::{rngs::StdRng, SeedableRng};
use std::path::Path;

/// What a saved MNIST model is, written into its safetensors metadata so that a reader (the
/// `mnist-predict` binary, `scripts/check_safetensors.py`) can rebuild it from the file alone.
///
/// Metadata keys: `architecture` (`linear`, `mlp` or `cnn`), `inputs`, `classes`, for the MLP
/// `hidden` (comma-separated widths) and `activation` (`sigmoid`, `tanh`, `relu`), for the CNN
/// `side`, `channels` (two, comma-separated), `hidden` and `dropout`; `output` says what the
/// model returns (`logits` for the linear model and the CNN, `log_softmax` for the MLP).
#[derive(Debug, Clone, PartialEq)]
pub enum Architecture {
    /// `Linear(inputs, classes)`, parameters `weight`, `bias`; it returns logits.
    Linear {
        /// Input features (784 for MNIST).
        inputs: usize,
        /// Classes (10).
        classes: usize,
    },
    /// [`nn::Mlp`] with a `LogSoftmax` head, parameters `0.weight`, `0.bias`, `2.weight`, ...;
    /// it returns log-probabilities.
    Mlp {
        /// Input features.
        inputs: usize,
        /// Hidden layer widths.
        hidden: Vec<usize>,
        /// The hidden activation.
        activation: Activation,
        /// Classes.
        classes: usize,
    },
    /// [`Cnn`]: parameters `conv1.weight`, `bn1.weight`, ..., `fc2.bias` and the batch norms'
    /// buffers; it returns logits.
    Cnn {
        /// Its sizes.
        shape: CnnShape,
        /// Its dropout probability (in training).
        dropout: f64,
    },
}

impl Architecture {
    /// The metadata that describes it.
    pub fn to_metadata(&self) -> Metadata {
        let mut m = Metadata::new();
        // safetensors.torch and the Hugging Face loaders read `format` to know the layout.
        m.insert("format".into(), "pt".into());
        match self {
            Architecture::Linear { inputs, classes } => {
                m.insert("architecture".into(), "linear".into());
                m.insert("inputs".into(), inputs.to_string());
                m.insert("classes".into(), classes.to_string());
                m.insert("output".into(), "logits".into());
            }
            Architecture::Mlp {
                inputs,
                hidden,
                activation,
                classes,
            } => {
                m.insert("architecture".into(), "mlp".into());
                m.insert("inputs".into(), inputs.to_string());
                let hidden: Vec<String> = hidden.iter().map(usize::to_string).collect();
                m.insert("hidden".into(), hidden.join(","));
                m.insert("activation".into(), activation.to_string());
                m.insert("classes".into(), classes.to_string());
                m.insert("output".into(), "log_softmax".into());
            }
            Architecture::Cnn { shape, dropout } => {
                m.insert("architecture".into(), "cnn".into());
                m.insert("inputs".into(), (shape.side * shape.side).to_string());
                m.insert("side".into(), shape.side.to_string());
                let [c1, c2] = shape.channels;
                m.insert("channels".into(), format!("{c1},{c2}"));
                m.insert("hidden".into(), shape.hidden.to_string());
                m.insert("dropout".into(), dropout.to_string());
                m.insert("classes".into(), shape.classes.to_string());
                m.insert("output".into(), "logits".into());
            }
        }
        m
    }

    /// The architecture a file's metadata describes; `None` when the metadata has no
    /// `architecture` (e.g. a file PyTorch saved). Errors when it has one but it is incomplete
    /// or not understood.
    pub fn from_metadata(meta: &Metadata) -> Result<Option<Self>, Error> {
        let Some(kind) = meta.get("architecture") else {
            return Ok(None);
        };
        let get = |key: &str| {
            meta.get(key).ok_or_else(|| {
                format!("the model's metadata says architecture={kind} but has no `{key}`")
            })
        };
        let number = |key: &str| -> Result<usize, Error> {
            let v = get(key)?;
            v.parse().map_err(|_| {
                format!("metadata `{key}`: expected a whole number, found {v:?}").into()
            })
        };
        match kind.as_str() {
            "linear" => Ok(Some(Architecture::Linear {
                inputs: number("inputs")?,
                classes: number("classes")?,
            })),
            "mlp" => {
                let hidden = get("hidden")?;
                let hidden = hidden
                    .split(',')
                    .filter(|w| !w.is_empty())
                    .map(|w| {
                        w.parse().map_err(|_| {
                            format!(
                                "metadata `hidden`: expected widths like 256,128, found {hidden:?}"
                            )
                        })
                    })
                    .collect::<Result<Vec<usize>, String>>()?;
                Ok(Some(Architecture::Mlp {
                    inputs: number("inputs")?,
                    hidden,
                    activation: get("activation")?.parse()?,
                    classes: number("classes")?,
                }))
            }
            "cnn" => {
                let channels = get("channels")?;
                let parsed: Vec<usize> = channels
                    .split(',')
                    .map(|c| c.parse())
                    .collect::<Result<_, _>>()
                    .map_err(|_| format!("metadata `channels`: expected two counts like 32,64, found {channels:?}"))?;
                let &[c1, c2] = parsed.as_slice() else {
                    return Err(format!(
                        "metadata `channels`: expected two counts like 32,64, found {channels:?}"
                    )
                    .into());
                };
                let dropout = get("dropout")?;
                let dropout = dropout.parse().map_err(|_| {
                    format!("metadata `dropout`: expected a probability, found {dropout:?}")
                })?;
                Ok(Some(Architecture::Cnn {
                    shape: CnnShape {
                        side: number("side")?,
                        channels: [c1, c2],
                        hidden: number("hidden")?,
                        classes: number("classes")?,
                    },
                    dropout,
                }))
            }
            other => Err(format!(
                "metadata `architecture`: expected linear, mlp or cnn, found {other:?}"
            )
            .into()),
        }
    }

    /// A model of this architecture (initial weights from `seed`, to be overwritten by a load).
    pub fn build(&self, seed: u64) -> Result<Box<dyn Module<f32>>, Error> {
        Ok(match self {
            Architecture::Linear { inputs, classes } => Box::new(Linear::<f32>::new(
                *inputs,
                *classes,
                &mut StdRng::seed_from_u64(seed),
            )?),
            Architecture::Mlp {
                inputs,
                hidden,
                activation,
                classes,
            } => Box::new(
                Mlp::new(*inputs, hidden, *classes, *activation)
                    .build(&mut StdRng::seed_from_u64(seed))?
                    .add(LogSoftmax::new(1)),
            ),
            Architecture::Cnn { shape, dropout } => Box::new(Cnn::new(*shape, *dropout, seed)?),
        })
    }
}

impl std::fmt::Display for Architecture {
    /// `linear 784 -> 10`, or `mlp 784 -> 256 -> 10 (sigmoid)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Architecture::Linear { inputs, classes } => write!(f, "linear {inputs} -> {classes}"),
            Architecture::Mlp {
                inputs,
                hidden,
                activation,
                classes,
            } => {
                write!(f, "mlp {inputs}")?;
                for h in hidden {
                    write!(f, " -> {h}")?;
                }
                write!(f, " -> {classes} ({activation})")
            }
            Architecture::Cnn { shape, .. } => {
                let [c1, c2] = shape.channels;
                write!(
                    f,
                    "cnn {}x{} -> conv {c1} -> conv {c2} -> {} -> {}",
                    shape.side, shape.side, shape.hidden, shape.classes
                )
            }
        }
    }
}

/// Saves a model's parameters and buffers (PyTorch names, layouts and dtypes) with `arch` and
/// `extra` (e.g. the test accuracy) in the metadata.
pub fn save_model(
    model: &dyn Module<f32>,
    arch: &Architecture,
    extra: &[(&str, String)],
    path: &Path,
) -> Result<(), Error> {
    let mut meta = arch.to_metadata();
    meta.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
    nn::save_safetensors_with_metadata(model, path, &meta)?;
    Ok(())
}

/// Loads a model saved by [`save_model`] (or by PyTorch): the architecture comes from the file's
/// metadata, else from `fallback` (needed for files without it, such as PyTorch's). Returns the
/// model, in evaluation mode (a batch norm's running statistics, no dropout), and its
/// architecture.
///
/// Errors when neither says the architecture, or the file does not fit it (every mismatch
/// listed).
pub fn load_model(
    path: &Path,
    fallback: Option<Architecture>,
) -> Result<(Box<dyn Module<f32>>, Architecture), Error> {
    load(SafetensorsFile::read(path)?, fallback)
}

/// [`load_model`] for a file already in memory (a file dropped on a web page, a download),
/// which must say its architecture in its metadata.
pub fn load_model_bytes(bytes: &[u8]) -> Result<(Box<dyn Module<f32>>, Architecture), Error> {
    load(
        SafetensorsFile::from_bytes("model.safetensors", bytes)?,
        None,
    )
}

fn load(
    file: SafetensorsFile,
    fallback: Option<Architecture>,
) -> Result<(Box<dyn Module<f32>>, Architecture), Error> {
    let arch = match Architecture::from_metadata(file.metadata())? {
        Some(a) => a,
        None => fallback.ok_or_else(|| {
            format!(
                "{}: the file does not say its architecture (no `architecture` metadata); give --hidden and --activation",
                file.path().display()
            )
        })?,
    };
    let mut model = arch.build(0)?;
    file.load_into(model.as_ref())?;
    model.set_training(false);
    Ok((model, arch))
}

#[cfg(test)]
mod tests {
    use super::*;
    use autograd::Tensor;

    #[test]
    fn architectures_round_trip_through_metadata_and_bad_ones_are_errors() {
        let arch = Architecture::Mlp {
            inputs: 784,
            hidden: vec![512, 128],
            activation: Activation::Relu,
            classes: 10,
        };
        let meta = arch.to_metadata();
        assert_eq!(meta["hidden"], "512,128");
        assert_eq!(
            Architecture::from_metadata(&meta).unwrap(),
            Some(arch.clone())
        );
        assert_eq!(Architecture::from_metadata(&Metadata::new()).unwrap(), None);
        let mut bad = meta.clone();
        bad.insert("activation".into(), "swish".into());
        assert!(Architecture::from_metadata(&bad).is_err());
        let mut bad = meta;
        bad.remove("inputs");
        let err = Architecture::from_metadata(&bad).unwrap_err().to_string();
        assert!(err.contains("`inputs`"), "{err}");
        assert_eq!(arch.to_string(), "mlp 784 -> 512 -> 128 -> 10 (relu)");
        let linear = Architecture::Linear {
            inputs: 784,
            classes: 10,
        };
        assert_eq!(linear.to_string(), "linear 784 -> 10");
    }

    #[test]
    fn an_mlp_architecture_builds_the_model_it_names() {
        let arch = Architecture::Mlp {
            inputs: 6,
            hidden: vec![5],
            activation: Activation::Tanh,
            classes: 3,
        };
        let model = arch.build(1).unwrap();
        let names: Vec<String> = model
            .named_parameters()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias"]);
        // It ends in LogSoftmax: each row's probabilities sum to 1.
        let out = model
            .forward(&autograd::Var::constant(Tensor::ones(&[2, 6])))
            .unwrap()
            .to_tensor()
            .exp()
            .sum_axis(1, false)
            .unwrap();
        assert!(
            out.to_vec().iter().all(|s| (s - 1.0).abs() < 1e-6),
            "{out:?}"
        );
    }
}
