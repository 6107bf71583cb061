//! Loads the real MNIST from the folder in `MNIST_DIR`, when that variable is set; skipped
//! (with a note on stderr) otherwise, so the suite needs no data and no network.

use std::path::PathBuf;
use std::time::Instant;

use datasets::mnist::{find_files, MNIST_FILES};
use datasets::{idx, HashPolicy, Mnist};

#[test]
fn real_mnist_from_mnist_dir() {
    let Some(dir) = std::env::var_os("MNIST_DIR").filter(|v| !v.is_empty()) else {
        eprintln!("skipped: set MNIST_DIR to a folder with the four MNIST files to run this test");
        return;
    };
    let dir = PathBuf::from(dir);
    let start = Instant::now();
    // Require: the real MNIST must match the published hashes.
    let mnist = Mnist::load_dir(&dir, HashPolicy::Require).expect("load MNIST");
    eprintln!("loaded MNIST in {:.3} s", start.elapsed().as_secs_f64());

    assert_eq!(mnist.train.images.shape(), &[60_000, 784]);
    assert_eq!(mnist.test.images.shape(), &[10_000, 784]);
    assert_eq!((mnist.train.rows, mnist.train.cols), (28, 28));
    assert_eq!(mnist.train.num_classes(), 10);
    for split in [&mnist.train, &mnist.test] {
        let v = split.images.as_slice().expect("contiguous");
        assert!(v.iter().all(|&p| (0.0..=1.0).contains(&p)));
        assert_eq!(v.iter().cloned().fold(f32::MIN, f32::max), 1.0);
        assert_eq!(v.iter().cloned().fold(f32::MAX, f32::min), 0.0);
        assert!(split.class_counts().iter().all(|&c| c > 800));
    }
    // Well-known facts: the first training digit is a 5, the first test digit a 7, and the
    // training set has 6742 ones.
    assert_eq!(mnist.train.labels[0], 5);
    assert_eq!(mnist.test.labels[0], 7);
    assert_eq!(mnist.train.class_counts()[1], 6742);

    // The hashes, through the streaming path too.
    let paths = find_files(&dir).expect("four files");
    for (path, file) in paths.iter().zip(&MNIST_FILES) {
        let digest = idx::sha256_of_file(path).expect("hash");
        assert_eq!(idx::to_hex(&digest), file.sha256, "{}", path.display());
    }
}
