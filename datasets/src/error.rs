//! The one error type of the `datasets` crate.

use std::fmt;
use std::io;
use std::path::PathBuf;

use tensor::TensorError;

/// What went wrong while reading, fetching or sampling a dataset.
///
/// Every variant that concerns a file names its path, and says what was expected and what was
/// found, so that the message alone says what to fix:
///
/// ```
/// use datasets::DatasetError;
/// let err = DatasetError::BadMagic {
///     path: "t10k-labels-idx1-ubyte.gz".into(),
///     expected: 0x0000_0801,
///     what: "idx1 labels",
///     found: 0x0000_0803,
/// };
/// assert_eq!(
///     err.to_string(),
///     "t10k-labels-idx1-ubyte.gz: expected magic 0x00000801 (idx1 labels), found 0x00000803"
/// );
/// ```
#[derive(Debug)]
pub enum DatasetError {
    /// An I/O error on a file (opening, reading, decompressing, writing, renaming).
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// What was being done, e.g. `"opening"` or `"decompressing"`.
        action: &'static str,
        /// The underlying error.
        source: io::Error,
    },
    /// The first four bytes of an IDX file are not the magic number of the expected kind.
    BadMagic {
        /// The file.
        path: PathBuf,
        /// The magic number that was expected.
        expected: u32,
        /// What that magic number stands for, e.g. `"idx3 images"`.
        what: &'static str,
        /// The magic number that was found.
        found: u32,
    },
    /// An IDX header that cannot describe real data: a zero dimension, a size that overflows,
    /// or a size that the file could not possibly hold.
    BadHeader {
        /// The file.
        path: PathBuf,
        /// What was wrong, with the values found.
        message: String,
    },
    /// The file ends before the size its header declares.
    Truncated {
        /// The file.
        path: PathBuf,
        /// Number of bytes (after decompression) the header declares, header included.
        expected: u64,
        /// Number of bytes (after decompression) the file actually holds.
        found: u64,
    },
    /// The file goes on past the size its header declares.
    TrailingBytes {
        /// The file.
        path: PathBuf,
        /// Number of bytes (after decompression) the header declares, header included.
        expected: u64,
        /// Number of bytes (after decompression) the file actually holds.
        found: u64,
    },
    /// An image file and a label file that disagree on the number of items.
    CountMismatch {
        /// The image file.
        images: PathBuf,
        /// Number of images it holds.
        n_images: usize,
        /// The label file.
        labels: PathBuf,
        /// Number of labels it holds.
        n_labels: usize,
    },
    /// A file whose SHA-256 (of the decompressed bytes) is not the published one.
    HashMismatch {
        /// The file.
        path: PathBuf,
        /// The published SHA-256, in hex.
        expected: String,
        /// The SHA-256 of the bytes found, in hex.
        found: String,
    },
    /// A folder the caller named lacks some of the files it should hold.
    MissingFiles {
        /// The folder.
        dir: PathBuf,
        /// Where the folder came from, e.g. `"--data-dir"` or `"MNIST_DIR"`.
        origin: String,
        /// The files that were not found (each under its plain or `.gz` name).
        missing: Vec<String>,
    },
    /// A path the caller named as the folder of the files is a file, or nothing.
    NotAFolder {
        /// The path.
        path: PathBuf,
        /// Where it came from, e.g. `"--data-dir"` or `"MNIST_DIR"`.
        origin: String,
        /// What is there instead: `"a file"` or `"nothing there"`.
        found: &'static str,
    },
    /// The cache lacks files and nothing fetched them: the `fetch` feature is off, or the caller
    /// turned fetching off.
    NotFetched {
        /// The cache folder.
        cache_dir: PathBuf,
        /// The files that were not found (each under its plain or `.gz` name).
        missing: Vec<String>,
        /// Why nothing was fetched.
        reason: &'static str,
    },
    /// No source could provide the data: every source tried, with its error, and how to provide
    /// the files by hand.
    FetchFailed {
        /// Each source tried (a URL or a command) and why it failed.
        attempts: Vec<(String, String)>,
        /// The cache folder the files were meant for.
        cache_dir: PathBuf,
    },
    /// An argument out of its domain (a zero batch size, an empty dataset, a negative standard
    /// deviation, an index out of range...).
    InvalidArgument {
        /// The function that was called.
        op: &'static str,
        /// What was expected and what was found.
        message: String,
    },
    /// A tensor operation failed (should not happen for data this crate has checked).
    Tensor(TensorError),
}

impl fmt::Display for DatasetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatasetError::Io {
                path,
                action,
                source,
            } => write!(f, "{}: error {action}: {source}", path.display()),
            DatasetError::BadMagic {
                path,
                expected,
                what,
                found,
            } => write!(
                f,
                "{}: expected magic 0x{expected:08x} ({what}), found 0x{found:08x}",
                path.display()
            ),
            DatasetError::BadHeader { path, message } => {
                write!(f, "{}: bad IDX header: {message}", path.display())
            }
            DatasetError::Truncated {
                path,
                expected,
                found,
            } => write!(
                f,
                "{}: truncated: header declares {expected} bytes (decompressed), found only {found}",
                path.display()
            ),
            DatasetError::TrailingBytes {
                path,
                expected,
                found,
            } => write!(
                f,
                "{}: trailing bytes: header declares {expected} bytes (decompressed), found {found}",
                path.display()
            ),
            DatasetError::CountMismatch {
                images,
                n_images,
                labels,
                n_labels,
            } => write!(
                f,
                "{} holds {n_images} images but {} holds {n_labels} labels (expected equal counts)",
                images.display(),
                labels.display()
            ),
            DatasetError::HashMismatch {
                path,
                expected,
                found,
            } => write!(
                f,
                "{}: SHA-256 of the decompressed bytes is {found}, expected {expected}",
                path.display()
            ),
            DatasetError::MissingFiles {
                dir,
                origin,
                missing,
            } => write!(
                f,
                "{} (from {origin}) lacks {} (each accepted plain or with .gz)",
                dir.display(),
                missing.join(", ")
            ),
            DatasetError::NotAFolder {
                path,
                origin,
                found,
            } => write!(
                f,
                "{} (from {origin}): expected a folder holding the four MNIST files, found {found}",
                path.display()
            ),
            DatasetError::NotFetched {
                cache_dir,
                missing,
                reason,
            } => write!(
                f,
                "{} lacks {} (each accepted plain or with .gz), and nothing fetched them: {reason}. \
                 {}",
                cache_dir.display(),
                missing.join(", "),
                provide_by_hand(cache_dir)
            ),
            DatasetError::FetchFailed {
                attempts,
                cache_dir,
            } => {
                writeln!(
                    f,
                    "could not fetch MNIST into {}; tried:",
                    cache_dir.display()
                )?;
                for (source, error) in attempts {
                    writeln!(f, "  - {source}: {error}")?;
                }
                write!(f, "{}", provide_by_hand(cache_dir))
            }
            DatasetError::InvalidArgument { op, message } => write!(f, "{op}: {message}"),
            DatasetError::Tensor(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for DatasetError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DatasetError::Io { source, .. } => Some(source),
            DatasetError::Tensor(e) => Some(e),
            _ => None,
        }
    }
}

impl From<TensorError> for DatasetError {
    fn from(e: TensorError) -> Self {
        DatasetError::Tensor(e)
    }
}

/// How to give the loader the files without fetching them.
fn provide_by_hand(cache_dir: &std::path::Path) -> String {
    format!(
        "Provide the four files by hand: set MNIST_DIR (or pass --data-dir) to a folder holding \
         train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and \
         t10k-labels-idx1-ubyte.gz (plain or gzip), e.g. ../shared/data/mnist, or copy them into \
         {}",
        cache_dir.display()
    )
}

/// `Result` with [`DatasetError`].
pub type Result<T, E = DatasetError> = std::result::Result<T, E>;

/// Shorthand for an [`DatasetError::InvalidArgument`].
pub(crate) fn invalid(op: &'static str, message: impl Into<String>) -> DatasetError {
    DatasetError::InvalidArgument {
        op,
        message: message.into(),
    }
}
