//! Saving and loading parameters in the [safetensors] format, with PyTorch's names and layouts,
//! so that files move both ways between this library and `torch.nn.Module.load_state_dict`.
//!
//! A file is a JSON header (per tensor: name, dtype, shape, byte range; plus a free
//! string-to-string `__metadata__` map) followed by the raw little-endian data. A
//! [`Sequential`](crate::Sequential) of `Linear, Sigmoid, Linear` saves as `0.weight` `[out, in]`,
//! `0.bias` `[out]`, `2.weight`, `2.bias`: exactly what `model.state_dict()` holds for the same
//! `torch.nn.Sequential`.
//!
//! Loading checks every expected name, shape and dtype against the file before it changes
//! anything, and reports every mismatch in one [`NnError::StateDict`]; a file that cannot be
//! read, is truncated or is not safetensors gives [`NnError::File`]. Neither panics.
//!
//! ```
//! use nn::{load_safetensors, save_safetensors, Linear, Module, NnError};
//! use rand::{rngs::StdRng, SeedableRng};
//!
//! let dir = std::env::temp_dir().join(format!("nn-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("layer.safetensors");
//! let mut rng = StdRng::seed_from_u64(0);
//! let trained = Linear::<f32>::new(3, 2, &mut rng)?;
//! save_safetensors(&trained, &path)?;
//!
//! let fresh = Linear::<f32>::new(3, 2, &mut rng)?;
//! load_safetensors(&fresh, &path)?;
//! assert_eq!(fresh.weight.to_tensor(), trained.weight.to_tensor());
//!
//! // The wrong architecture: every mismatch is listed in one error.
//! let wrong = Linear::<f32>::with_init(4, 2, false, Default::default(), &mut rng)?;
//! let err = load_safetensors(&wrong, &path).unwrap_err();
//! assert!(matches!(&err, NnError::StateDict { mismatches, .. } if mismatches.len() == 2));
//! println!("{err}");
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), NnError>(())
//! ```
//!
//! [safetensors]: https://huggingface.co/docs/safetensors

use crate::{Module, NnError, Result};
use autograd::{Element, Tensor, Var};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

/// The free-form string metadata of a safetensors file (its `__metadata__`), e.g. the
/// architecture of a saved model or an optimizer's step count.
pub type Metadata = BTreeMap<String, String>;

/// One way a file's tensors do not fit what a module (or optimizer) expects. Every mismatch of a
/// load is reported together, in [`NnError::StateDict`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// An expected tensor the file does not have.
    Missing {
        /// The tensor's name, e.g. `0.bias`.
        name: String,
        /// The dtype expected (`F32` or `F64`).
        dtype: &'static str,
        /// The shape expected.
        shape: Vec<usize>,
    },
    /// A tensor in the file that nothing expects (PyTorch's "unexpected key").
    Unexpected {
        /// The tensor's name.
        name: String,
        /// Its dtype in the file.
        dtype: String,
        /// Its shape in the file.
        shape: Vec<usize>,
    },
    /// A tensor whose dtype or shape (or both) differ from what is expected.
    Tensor {
        /// The tensor's name.
        name: String,
        /// The dtype expected.
        expected_dtype: &'static str,
        /// The shape expected.
        expected_shape: Vec<usize>,
        /// The dtype in the file.
        found_dtype: String,
        /// The shape in the file.
        found_shape: Vec<usize>,
    },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Missing { name, dtype, shape } => {
                write!(f, "missing `{name}` (expected {dtype} {shape:?})")
            }
            Mismatch::Unexpected { name, dtype, shape } => {
                write!(f, "unexpected `{name}` ({dtype} {shape:?})")
            }
            Mismatch::Tensor {
                name,
                expected_dtype,
                expected_shape,
                found_dtype,
                found_shape,
            } => write!(
                f,
                "`{name}`: expected {expected_dtype} {expected_shape:?}, found {found_dtype} {found_shape:?}"
            ),
        }
    }
}

/// A tensor a loader expects in a file: its name and shape; the dtype is the loader's element
/// type. An optional one may be absent (an optimizer's buffer for a parameter that never had a
/// gradient), but if present must fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// The tensor's name.
    pub name: String,
    /// Its shape.
    pub shape: Vec<usize>,
    /// Whether its absence is a mismatch.
    pub required: bool,
    /// Whether it is a count stored as `I64` (a batch norm's `num_batches_tracked`); it is
    /// also accepted as the loader's float type.
    pub integer: bool,
}

fn dtype_of<T: Element>() -> Dtype {
    if T::DTYPE == "F64" {
        Dtype::F64
    } else {
        Dtype::F32
    }
}

/// Little-endian bytes of a tensor's elements in row-major order.
fn to_le_bytes<T: Element>(t: &Tensor<T>) -> Vec<u8> {
    // `T` is `f32` or `f64`, so going through `f64` and back is exact.
    let values = t.array().iter().map(|v| v.to_f64().expect("a float"));
    if T::DTYPE == "F64" {
        values.flat_map(f64::to_le_bytes).collect()
    } else {
        values.flat_map(|v| (v as f32).to_le_bytes()).collect()
    }
}

/// The elements of little-endian `bytes` of dtype `T::DTYPE` (the caller checked the dtype and
/// that the length is a whole number of elements).
fn from_le_bytes<T: Element>(bytes: &[u8]) -> Vec<T> {
    if T::DTYPE == "F64" {
        bytes
            .chunks_exact(8)
            .map(|c| T::from_f64_lossy(f64::from_le_bytes(c.try_into().expect("8 bytes"))))
            .collect()
    } else {
        bytes
            .chunks_exact(4)
            .map(|c| {
                T::from_f64_lossy(f64::from(f32::from_le_bytes(
                    c.try_into().expect("4 bytes"),
                )))
            })
            .collect()
    }
}

fn file_error(path: &Path, message: impl fmt::Display) -> NnError {
    NnError::File {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

/// Writes named tensors and metadata to a safetensors file (replacing it if it exists; the file
/// is written beside it first and renamed, so a failed write never leaves half a model). The
/// file gets the permissions any new file gets (0644 under the usual umask), as `std::fs::write`
/// gives them.
///
/// This is the one writer: [`save_safetensors`] and the optimizers' state use it. Errors
/// ([`NnError::File`]) when two tensors share a name or the file cannot be written.
pub fn write_safetensors<T: Element>(
    path: impl AsRef<Path>,
    tensors: &[(String, Tensor<T>)],
    metadata: &Metadata,
) -> Result<()> {
    let entries: Vec<Stored> = tensors.iter().map(|(_, t)| float_stored(t)).collect();
    let names: Vec<&str> = tensors.iter().map(|(n, _)| n.as_str()).collect();
    write_stored(path.as_ref(), &names, &entries, metadata)
}

/// The one place a file is written: `names[i]` holds `entries[i]`.
fn write_stored(
    path: &Path,
    names: &[&str],
    entries: &[Stored],
    metadata: &Metadata,
) -> Result<()> {
    let mut views = Vec::with_capacity(entries.len());
    for (name, s) in names.iter().zip(entries) {
        let view = TensorView::new(s.dtype, s.shape.clone(), &s.bytes)
            .map_err(|e| file_error(path, format!("tensor `{name}`: {e}")))?;
        views.push((*name, view));
    }
    let info: HashMap<String, String> = metadata.clone().into_iter().collect();
    let info = (!info.is_empty()).then_some(info);
    let bytes = safetensors::serialize(views, info).map_err(|e| file_error(path, e))?;
    // safetensors' own `serialize_to_file` goes through a `tempfile`, created 0600 and kept so.
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let partial = path.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    let written = std::fs::write(&partial, &bytes).and_then(|()| std::fs::rename(&partial, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        file_error(path, format!("cannot write: {e}"))
    })
}

/// A tensor as its own dtype stores it.
fn float_stored<T: Element>(t: &Tensor<T>) -> Stored {
    Stored {
        dtype: dtype_of::<T>(),
        shape: t.shape().to_vec(),
        bytes: to_le_bytes(t),
    }
}

/// A count kept as a float (`num_batches_tracked`) as the `I64` PyTorch stores.
fn i64_stored<T: Element>(t: &Tensor<T>) -> Stored {
    let bytes = t
        .array()
        .iter()
        .flat_map(|v| (v.to_f64().expect("a float").round() as i64).to_le_bytes())
        .collect();
    Stored {
        dtype: Dtype::I64,
        shape: t.shape().to_vec(),
        bytes,
    }
}

/// One tensor as stored in a file, before it is checked against what a loader expects.
#[derive(Debug, Clone)]
struct Stored {
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

/// A safetensors file read into memory: its tensors (unchecked) and its metadata. Read it once,
/// look at the [metadata](SafetensorsFile::metadata) (e.g. to build the right architecture),
/// then [load it into a module](SafetensorsFile::load_into) or [take](SafetensorsFile::take)
/// checked tensors out of it.
#[derive(Debug, Clone)]
pub struct SafetensorsFile {
    path: PathBuf,
    tensors: BTreeMap<String, Stored>,
    metadata: Metadata,
}

impl SafetensorsFile {
    /// Reads and parses a file.
    ///
    /// Errors ([`NnError::File`]) when it cannot be read, or is truncated, corrupt or not
    /// safetensors at all.
    pub fn read(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| file_error(path, e))?;
        Self::from_bytes(path, &bytes)
    }

    /// Parses the bytes of a file; `path` is only used in messages.
    pub fn from_bytes(path: impl AsRef<Path>, bytes: &[u8]) -> Result<Self> {
        let path = path.as_ref();
        let corrupt = |e: safetensors::SafeTensorError| {
            file_error(path, format!("not a valid safetensors file ({e})"))
        };
        let (_, header) = SafeTensors::read_metadata(bytes).map_err(corrupt)?;
        let parsed = SafeTensors::deserialize(bytes).map_err(corrupt)?;
        let tensors = parsed
            .iter()
            .map(|(name, view)| {
                let stored = Stored {
                    dtype: view.dtype(),
                    shape: view.shape().to_vec(),
                    bytes: view.data().to_vec(),
                };
                (name.to_string(), stored)
            })
            .collect();
        let metadata = header
            .metadata()
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect();
        Ok(SafetensorsFile {
            path: path.to_path_buf(),
            tensors,
            metadata,
        })
    }

    /// The file's metadata (empty when it has none).
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The path the file was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The names of the tensors in the file, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.tensors.keys().map(String::as_str).collect()
    }

    /// The shape of a tensor in the file, if it has one of that name.
    pub fn shape(&self, name: &str) -> Option<&[usize]> {
        self.tensors.get(name).map(|s| s.shape.as_slice())
    }

    /// The tensors `expected` names, in that order, checked: each must be in the file with
    /// dtype `T` and the expected shape, and the file must hold nothing else. An optional one
    /// that is absent gives `None`.
    ///
    /// Errors with every mismatch at once ([`NnError::StateDict`]).
    pub fn take<T: Element>(&self, expected: &[Expected]) -> Result<Vec<Option<Tensor<T>>>> {
        let mut mismatches = Vec::new();
        let mut out = Vec::with_capacity(expected.len());
        for e in expected {
            let Some(s) = self.tensors.get(&e.name) else {
                if e.required {
                    mismatches.push(Mismatch::Missing {
                        name: e.name.clone(),
                        dtype: T::DTYPE,
                        shape: e.shape.clone(),
                    });
                }
                out.push(None);
                continue;
            };
            let integer = e.integer && s.dtype == Dtype::I64;
            if (s.dtype != dtype_of::<T>() && !integer) || s.shape != e.shape {
                mismatches.push(Mismatch::Tensor {
                    name: e.name.clone(),
                    expected_dtype: T::DTYPE,
                    expected_shape: e.shape.clone(),
                    found_dtype: format!("{:?}", s.dtype),
                    found_shape: s.shape.clone(),
                });
                out.push(None);
                continue;
            }
            // The parser checked that the byte length matches dtype and shape.
            let values = match integer {
                true => s
                    .bytes
                    .chunks_exact(8)
                    .map(|c| {
                        T::from_f64_lossy(i64::from_le_bytes(c.try_into().expect("8 bytes")) as f64)
                    })
                    .collect(),
                false => from_le_bytes(&s.bytes),
            };
            let t = Tensor::from_vec(&s.shape, values)
                .map_err(|err| file_error(&self.path, format!("tensor `{}`: {err}", e.name)))?;
            out.push(Some(t));
        }
        for (name, s) in &self.tensors {
            if !expected.iter().any(|e| &e.name == name) {
                mismatches.push(Mismatch::Unexpected {
                    name: name.clone(),
                    dtype: format!("{:?}", s.dtype),
                    shape: s.shape.clone(),
                });
            }
        }
        if mismatches.is_empty() {
            Ok(out)
        } else {
            Err(NnError::StateDict {
                path: self.path.clone(),
                mismatches,
            })
        }
    }

    /// Copies the file's tensors into `module`'s parameters and buffers, by name (PyTorch's
    /// `load_state_dict(strict=True)`). Nothing changes unless every one fits.
    ///
    /// Errors with every missing, unexpected or misshapen tensor at once
    /// ([`NnError::StateDict`]).
    pub fn load_into<T: Element, M: Module<T> + ?Sized>(&self, module: &M) -> Result<()> {
        let params = state_dict(module);
        let integer = module.integer_buffer_names();
        let expected: Vec<Expected> = params
            .iter()
            .map(|(name, p)| Expected {
                name: name.clone(),
                shape: p.shape(),
                required: true,
                integer: integer.contains(name),
            })
            .collect();
        let tensors = self.take::<T>(&expected)?;
        for ((_, p), t) in params.iter().zip(tensors) {
            *p.value_mut() = t.expect("required tensors are present once take succeeds");
        }
        Ok(())
    }
}

/// A module's parameters and buffers under their names, as PyTorch's `state_dict()` lists
/// them: parameters first, then buffers.
pub fn state_dict<T: Element, M: Module<T> + ?Sized>(module: &M) -> Vec<(String, Var<T>)> {
    let mut all = module.named_parameters();
    all.extend(module.named_buffers());
    all
}

/// Saves `module`'s parameters and buffers under their PyTorch names (`0.weight`, `0.bias`,
/// `1.running_mean`, ...), in their PyTorch layouts and dtypes (the element type, and `I64`
/// for counts such as `num_batches_tracked`), with no metadata. The file loads with
/// `safetensors.torch.load_file` + `load_state_dict` into the same architecture.
pub fn save_safetensors<T: Element, M: Module<T> + ?Sized>(
    module: &M,
    path: impl AsRef<Path>,
) -> Result<()> {
    save_safetensors_with_metadata(module, path, &Metadata::new())
}

/// [`save_safetensors`] with string metadata stored in the file (e.g. the architecture, so a
/// reader can rebuild the model before loading it).
pub fn save_safetensors_with_metadata<T: Element, M: Module<T> + ?Sized>(
    module: &M,
    path: impl AsRef<Path>,
    metadata: &Metadata,
) -> Result<()> {
    let integer = module.integer_buffer_names();
    let all = state_dict(module);
    let entries: Vec<Stored> = all
        .iter()
        .map(|(n, p)| {
            let t = p.to_tensor();
            match integer.contains(n) {
                true => i64_stored(&t),
                false => float_stored(&t),
            }
        })
        .collect();
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    write_stored(path.as_ref(), &names, &entries, metadata)
}

/// Loads parameters saved by [`save_safetensors`] (or by PyTorch's
/// `safetensors.torch.save_file(model.state_dict(), path)`) into `module`, and returns the file's
/// metadata. Nothing changes unless every parameter fits.
///
/// Errors: [`NnError::File`] for a file that cannot be read or parsed, [`NnError::StateDict`]
/// listing every missing, unexpected, misshapen or mistyped tensor.
pub fn load_safetensors<T: Element, M: Module<T> + ?Sized>(
    module: &M,
    path: impl AsRef<Path>,
) -> Result<Metadata> {
    let file = SafetensorsFile::read(path)?;
    file.load_into(module)?;
    Ok(file.metadata)
}
