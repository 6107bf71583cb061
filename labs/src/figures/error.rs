//! [`PlotError`], the error of every figure function.

use std::error::Error;
use std::fmt;
use std::path::{Path, PathBuf};

/// What went wrong in a [`PlotError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlotErrorKind {
    /// The figure description is inconsistent (e.g. a grid whose length is not
    /// `nx * ny`, or zero columns); nothing was written.
    InvalidInput,
    /// The output file or its directory could not be created or written.
    Io,
    /// Drawing or font handling failed inside the plotting library.
    Render,
}

/// Error of every plotting function: which file, what kind of failure, and a
/// human-readable message.
///
/// Its `Display` reads like `cannot write plot out/loss.png: grid has 99
/// values, expected nx * ny = 100`.
#[derive(Debug, Clone)]
pub struct PlotError {
    path: PathBuf,
    kind: PlotErrorKind,
    message: String,
}

impl PlotError {
    pub(super) fn new(path: &Path, kind: PlotErrorKind, message: impl Into<String>) -> Self {
        PlotError {
            path: path.to_path_buf(),
            kind,
            message: message.into(),
        }
    }

    /// The output path of the figure that failed.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The category of the failure.
    pub fn kind(&self) -> PlotErrorKind {
        self.kind
    }

    /// What failed, without the path.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot write plot {}: {}",
            self.path.display(),
            self.message
        )
    }
}

impl Error for PlotError {}

/// Result of the plotting functions.
pub type Result<T> = std::result::Result<T, PlotError>;

/// Internal result of drawing code: any plotters error, boxed.
pub(super) type DrawResult<T> = std::result::Result<T, Box<dyn Error>>;

/// A [`PlotErrorKind::InvalidInput`] error for `path`.
pub(super) fn invalid(path: &Path, msg: impl Into<String>) -> PlotError {
    PlotError::new(path, PlotErrorKind::InvalidInput, msg)
}
