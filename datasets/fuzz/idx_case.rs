// One fuzz case of the IDX reader, shared by the libFuzzer target `fuzz_targets/idx_reader.rs`
// and the regression test `datasets/tests/fuzz_regressions.rs` (both `include!` it, so it holds
// plain comments, not inner docs).
//
// The bytes are written to a real file (the reader takes paths) and read through the public
// entry points `read_images`, `read_labels` and `read_pair`, each on the plain bytes and on the
// same bytes gzip-compressed, so that the decompressing path sees valid streams with hostile
// content, not only broken gzip. The first input byte selects the mode; for `read_pair` the
// next two bytes say where the images file ends and the labels file begins. Any outcome is fine
// except a panic, an abort, or an allocation beyond libFuzzer's `-malloc_limit_mb`; a
// successful read must be self-consistent.

use std::io::Write;
use std::path::PathBuf;

/// This process's own folder for the files of the cases (under the system's temp folder).
fn scratch_dir() -> PathBuf {
    std::env::temp_dir().join(format!("idx-fuzz-{}", std::process::id()))
}

fn scratch(name: &str) -> PathBuf {
    let dir = scratch_dir();
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

fn write(name: &str, bytes: &[u8], gzip: bool) -> PathBuf {
    let path = scratch(name);
    let bytes = if gzip {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(bytes).expect("in memory");
        enc.finish().expect("in memory")
    } else {
        bytes.to_vec()
    };
    std::fs::write(&path, bytes).expect("write scratch file");
    path
}

fn check_images(r: datasets::Result<datasets::idx::IdxImages>) {
    match r {
        Ok(im) => assert_eq!(im.pixels.len(), im.count * im.rows * im.cols),
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

fn check_labels(r: datasets::Result<datasets::idx::IdxLabels>) {
    match r {
        Ok(l) => assert!(!l.labels.is_empty()),
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

/// Runs one input; panics only on a bug in the reader.
pub fn run_case(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let gzip = mode & 1 == 1;
    match (mode >> 1) % 3 {
        0 => check_images(datasets::idx::read_images(&write("images", rest, gzip))),
        1 => check_labels(datasets::idx::read_labels(&write("labels", rest, gzip))),
        _ => {
            if rest.len() < 2 {
                return;
            }
            let split = (usize::from(rest[0]) << 8 | usize::from(rest[1])).min(rest.len() - 2);
            let (images, labels) = rest[2..].split_at(split);
            let (pi, pl) = (write("pair-images", images, gzip), write("pair-labels", labels, gzip));
            match datasets::idx::read_pair(&pi, &pl) {
                Ok((im, l)) => assert_eq!(im.count, l.labels.len()),
                Err(e) => assert!(!e.to_string().is_empty()),
            }
        }
    }
}
