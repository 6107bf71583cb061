//! Reader for IDX files, the format of MNIST, Fashion-MNIST, KMNIST, EMNIST and their kin.
//!
//! An IDX file is a big-endian header followed by the raw data:
//!
//! | bytes | content |
//! | --- | --- |
//! | 0..4 | magic `0x00 0x00 type ndim`: type `0x08` is unsigned byte; ndim is 3 for images, 1 for labels |
//! | 4..4+4·ndim | each dimension as a `u32` (images: count, rows, cols; labels: count) |
//! | rest | `count·rows·cols` (or `count`) bytes |
//!
//! Files may be plain or gzip-compressed; gzip is recognised by its magic bytes `1f 8b`, not by
//! the file name. Every check is made on the decompressed bytes: the magic, non-zero dimensions,
//! and that the data is exactly as long as the header declares (truncated data or trailing
//! bytes are errors). A header is checked against what the file can hold *before* any
//! allocation of its size: a plain file against its length, a gzip file against the largest
//! expansion deflate allows (1032:1); the data is then read through a bounded `take`, so a
//! corrupt header claiming 10¹² images is an error, not an out-of-memory abort.
//!
//! The reader knows nothing of MNIST: any dataset in this format loads.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{DatasetError, Result};

/// Magic number of an IDX file of unsigned bytes with three dimensions (images).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned bytes with one dimension (labels).
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// Deflate cannot expand data by more than about 1032:1, so a gzip file of `m` bytes cannot
/// decompress to more than this many times `m` bytes.
const MAX_DEFLATE_RATIO: u64 = 1032;
/// Upper bound on the up-front allocation for the data; beyond it the buffer grows as bytes
/// actually arrive.
const MAX_PREALLOCATION: u64 = 64 << 20;

/// The images of an IDX3 file: `count` images of `rows × cols` bytes, row-major, image after
/// image.
#[derive(Debug, Clone)]
pub struct IdxImages {
    /// The file they were read from.
    pub path: PathBuf,
    /// Number of images.
    pub count: usize,
    /// Rows of each image.
    pub rows: usize,
    /// Columns of each image.
    pub cols: usize,
    /// `count * rows * cols` pixel values.
    pub pixels: Vec<u8>,
    /// SHA-256 of the whole decompressed file, header included.
    pub sha256: [u8; 32],
}

/// The labels of an IDX1 file.
#[derive(Debug, Clone)]
pub struct IdxLabels {
    /// The file they were read from.
    pub path: PathBuf,
    /// One label per item.
    pub labels: Vec<u8>,
    /// SHA-256 of the whole decompressed file, header included.
    pub sha256: [u8; 32],
}

/// Reads an IDX3 file of unsigned bytes (magic `0x00000803`), plain or gzip.
///
/// Errors ([`DatasetError`]) when the file cannot be read, the magic differs, a dimension is
/// zero, or the data is shorter or longer than the header declares.
pub fn read_images(path: &Path) -> Result<IdxImages> {
    let raw = read_idx(
        path,
        IMAGES_MAGIC,
        "idx3 images",
        &["count", "rows", "cols"],
    )?;
    Ok(IdxImages {
        path: path.to_path_buf(),
        count: raw.dims[0],
        rows: raw.dims[1],
        cols: raw.dims[2],
        pixels: raw.data,
        sha256: raw.sha256,
    })
}

/// Reads an IDX1 file of unsigned bytes (magic `0x00000801`), plain or gzip.
///
/// Errors as [`read_images`] does.
pub fn read_labels(path: &Path) -> Result<IdxLabels> {
    let raw = read_idx(path, LABELS_MAGIC, "idx1 labels", &["count"])?;
    Ok(IdxLabels {
        path: path.to_path_buf(),
        labels: raw.data,
        sha256: raw.sha256,
    })
}

/// Reads an image file and its label file, and checks that they hold as many items.
pub fn read_pair(images: &Path, labels: &Path) -> Result<(IdxImages, IdxLabels)> {
    let imgs = read_images(images)?;
    let labs = read_labels(labels)?;
    if imgs.count != labs.labels.len() {
        return Err(DatasetError::CountMismatch {
            images: images.to_path_buf(),
            n_images: imgs.count,
            labels: labels.to_path_buf(),
            n_labels: labs.labels.len(),
        });
    }
    Ok((imgs, labs))
}

/// SHA-256 of a file's decompressed bytes (the file itself when it is not gzip), streamed
/// without holding the file in memory.
pub fn sha256_of_file(path: &Path) -> Result<[u8; 32]> {
    let (mut reader, gz, _) = open(path)?;
    let action = if gz { "decompressing" } else { "reading" };
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(source) => return Err(io_error(path, action, source)),
        };
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().into())
}

/// Lower-case hex of a digest, as SHA-256 sums are usually written.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a file starts with the gzip magic bytes `1f 8b`.
pub fn is_gzip(path: &Path) -> Result<bool> {
    let mut file = File::open(path).map_err(|e| io_error(path, "opening", e))?;
    let mut magic = [0u8; 2];
    let n = read_full(&mut file, &mut magic).map_err(|e| io_error(path, "reading", e))?;
    Ok(n == 2 && magic == [0x1f, 0x8b])
}

struct RawIdx {
    dims: Vec<usize>,
    data: Vec<u8>,
    sha256: [u8; 32],
}

fn io_error(path: &Path, action: &'static str, source: io::Error) -> DatasetError {
    DatasetError::Io {
        path: path.to_path_buf(),
        action,
        source,
    }
}

/// Opens a file for reading its decompressed bytes: returns the reader, whether it is gzip,
/// and the length of the file on disk.
fn open(path: &Path) -> Result<(Box<dyn Read>, bool, u64)> {
    let mut file = File::open(path).map_err(|e| io_error(path, "opening", e))?;
    let file_len = file
        .metadata()
        .map_err(|e| io_error(path, "reading metadata of", e))?
        .len();
    let mut magic = [0u8; 2];
    let n = read_full(&mut file, &mut magic).map_err(|e| io_error(path, "reading", e))?;
    file.seek(SeekFrom::Start(0))
        .map_err(|e| io_error(path, "seeking in", e))?;
    let gz = n == 2 && magic == [0x1f, 0x8b];
    let buffered = BufReader::with_capacity(1 << 16, file);
    let reader: Box<dyn Read> = if gz {
        Box::new(flate2::read::MultiGzDecoder::new(buffered))
    } else {
        Box::new(buffered)
    };
    Ok((reader, gz, file_len))
}

/// Reads until `buf` is full or the reader ends; returns the number of bytes read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn read_idx(path: &Path, magic: u32, what: &'static str, dim_names: &[&str]) -> Result<RawIdx> {
    let (mut reader, gz, file_len) = open(path)?;
    let action = if gz { "decompressing" } else { "reading" };
    let header_len = 4 + 4 * dim_names.len();
    let mut header = vec![0u8; header_len];

    let n = read_full(&mut reader, &mut header[..4]).map_err(|e| io_error(path, action, e))?;
    if n < 4 {
        return Err(DatasetError::Truncated {
            path: path.to_path_buf(),
            expected: header_len as u64,
            found: n as u64,
        });
    }
    let found = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
    if found != magic {
        return Err(DatasetError::BadMagic {
            path: path.to_path_buf(),
            expected: magic,
            what,
            found,
        });
    }
    let n = read_full(&mut reader, &mut header[4..]).map_err(|e| io_error(path, action, e))?;
    if 4 + n < header_len {
        return Err(DatasetError::Truncated {
            path: path.to_path_buf(),
            expected: header_len as u64,
            found: (4 + n) as u64,
        });
    }

    let mut dims = Vec::with_capacity(dim_names.len());
    let mut declared: u64 = 1;
    for (i, name) in dim_names.iter().enumerate() {
        let at = 4 + 4 * i;
        let d = u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]);
        if d == 0 {
            return Err(DatasetError::BadHeader {
                path: path.to_path_buf(),
                message: format!("dimension {i} ({name}) is 0, expected a positive size"),
            });
        }
        // Three u32 factors can overflow u64; such a header is as impossible as a huge one.
        declared = declared
            .checked_mul(u64::from(d))
            .ok_or_else(|| DatasetError::BadHeader {
                path: path.to_path_buf(),
                message: format!("dimensions {dims:?} × {d} overflow a 64-bit size"),
            })?;
        dims.push(d as usize);
    }
    let total = declared + header_len as u64;

    // Refuse before allocating anything the file cannot back.
    if gz {
        let limit = file_len.saturating_mul(MAX_DEFLATE_RATIO);
        if declared > limit {
            return Err(DatasetError::BadHeader {
                path: path.to_path_buf(),
                message: format!(
                    "dimensions {dims:?} declare {declared} bytes of data, but a gzip file of \
                     {file_len} bytes decompresses to at most {limit}"
                ),
            });
        }
    } else if total < file_len {
        return Err(DatasetError::TrailingBytes {
            path: path.to_path_buf(),
            expected: total,
            found: file_len,
        });
    } else if total > file_len {
        return Err(DatasetError::Truncated {
            path: path.to_path_buf(),
            expected: total,
            found: file_len,
        });
    }
    let declared_usize = usize::try_from(declared).map_err(|_| DatasetError::BadHeader {
        path: path.to_path_buf(),
        message: format!(
            "dimensions {dims:?} declare {declared} bytes, more than memory can address"
        ),
    })?;

    let mut data = Vec::with_capacity(declared.min(MAX_PREALLOCATION) as usize);
    (&mut reader)
        .take(declared + 1)
        .read_to_end(&mut data)
        .map_err(|e| io_error(path, action, e))?;
    if data.len() < declared_usize {
        return Err(DatasetError::Truncated {
            path: path.to_path_buf(),
            expected: total,
            found: (header_len + data.len()) as u64,
        });
    }
    if data.len() > declared_usize {
        let rest = io::copy(&mut reader, &mut io::sink()).map_err(|e| io_error(path, action, e))?;
        return Err(DatasetError::TrailingBytes {
            path: path.to_path_buf(),
            expected: total,
            found: total + 1 + rest,
        });
    }

    let mut hasher = Sha256::new();
    hasher.update(&header);
    hasher.update(&data);
    Ok(RawIdx {
        dims,
        data,
        sha256: hasher.finalize().into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    fn header(magic: u32, dims: &[u32]) -> Vec<u8> {
        let mut bytes = magic.to_be_bytes().to_vec();
        for d in dims {
            bytes.extend_from_slice(&d.to_be_bytes());
        }
        bytes
    }

    fn images_bytes(count: u32, rows: u32, cols: u32) -> Vec<u8> {
        let mut bytes = header(IMAGES_MAGIC, &[count, rows, cols]);
        bytes.extend((0..count * rows * cols).map(|i| (i % 251) as u8));
        bytes
    }

    fn labels_bytes(count: u32) -> Vec<u8> {
        let mut bytes = header(LABELS_MAGIC, &[count]);
        bytes.extend((0..count).map(|i| (i % 10) as u8));
        bytes
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Runs `check` on the file written plain and gzip-compressed.
    fn both(name: &str, bytes: &[u8], check: impl Fn(&Path)) {
        let dir = tempfile::tempdir().unwrap();
        check(&write(dir.path(), name, bytes));
        check(&write(dir.path(), &format!("{name}.gz"), &gzip(bytes)));
    }

    #[test]
    fn reads_plain_and_gzip_images() {
        both("imgs", &images_bytes(3, 2, 4), |p| {
            let imgs = read_images(p).unwrap();
            assert_eq!((imgs.count, imgs.rows, imgs.cols), (3, 2, 4));
            assert_eq!(imgs.pixels, (0..24).map(|i| i as u8).collect::<Vec<_>>());
            let expected: [u8; 32] = Sha256::digest(images_bytes(3, 2, 4)).into();
            assert_eq!(imgs.sha256, expected);
            assert_eq!(sha256_of_file(p).unwrap(), expected);
        });
    }

    #[test]
    fn reads_plain_and_gzip_labels() {
        both("labs", &labels_bytes(12), |p| {
            let labs = read_labels(p).unwrap();
            assert_eq!(labs.labels, vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
        });
    }

    #[test]
    fn gzip_detected_by_content_not_name() {
        let dir = tempfile::tempdir().unwrap();
        let gz_named_plain = write(dir.path(), "a.gz", &labels_bytes(2));
        let plain_named_gz = write(dir.path(), "b", &gzip(&labels_bytes(2)));
        assert!(!is_gzip(&gz_named_plain).unwrap());
        assert!(is_gzip(&plain_named_gz).unwrap());
        assert_eq!(read_labels(&gz_named_plain).unwrap().labels, vec![0, 1]);
        assert_eq!(read_labels(&plain_named_gz).unwrap().labels, vec![0, 1]);
    }

    #[test]
    fn bad_magic_names_file_and_both_numbers() {
        both("t10k-labels-idx1-ubyte", &images_bytes(1, 1, 1), |p| {
            let err = read_labels(p).unwrap_err();
            assert!(matches!(err, DatasetError::BadMagic { found: 0x803, .. }));
            assert_eq!(
                err.to_string(),
                format!(
                    "{}: expected magic 0x00000801 (idx1 labels), found 0x00000803",
                    p.display()
                )
            );
        });
    }

    #[test]
    fn truncated_data_is_an_error() {
        let mut bytes = images_bytes(4, 3, 3);
        bytes.truncate(bytes.len() - 5);
        both("imgs", &bytes, |p| {
            let err = read_images(p).unwrap_err();
            match err {
                DatasetError::Truncated {
                    expected, found, ..
                } => {
                    assert_eq!(expected, 16 + 36);
                    assert_eq!(found, 16 + 31);
                }
                other => panic!("expected Truncated, got {other}"),
            }
        });
    }

    #[test]
    fn truncated_header_is_an_error() {
        both("labs", &[0, 0, 8], |p| {
            assert!(matches!(
                read_labels(p).unwrap_err(),
                DatasetError::Truncated {
                    expected: 8,
                    found: 3,
                    ..
                }
            ));
        });
        both("imgs", &header(IMAGES_MAGIC, &[1, 2]), |p| {
            assert!(matches!(
                read_images(p).unwrap_err(),
                DatasetError::Truncated {
                    expected: 16,
                    found: 12,
                    ..
                }
            ));
        });
        both("empty", &[], |p| {
            assert!(matches!(
                read_images(p).unwrap_err(),
                DatasetError::Truncated { found: 0, .. }
            ));
        });
    }

    #[test]
    fn trailing_bytes_are_an_error() {
        let mut bytes = labels_bytes(5);
        bytes.extend_from_slice(&[1, 2, 3]);
        both("labs", &bytes, |p| {
            let err = read_labels(p).unwrap_err();
            assert!(
                matches!(
                    err,
                    DatasetError::TrailingBytes {
                        expected: 13,
                        found: 16,
                        ..
                    }
                ),
                "{err}"
            );
            assert!(err.to_string().contains("trailing bytes"));
        });
    }

    #[test]
    fn huge_header_is_refused_before_allocation() {
        // The count is a u32, so 10^12 images cannot be written; the nearest claims are
        // u32::MAX images of 28x28 (3.4e12 bytes) or 10^9 images of 1000x784 (7.8e14 bytes),
        // each in a file of 80 bytes. Either must fail before any allocation of that size.
        let mut bytes = header(IMAGES_MAGIC, &[u32::MAX, 28, 28]);
        bytes.extend_from_slice(&[0; 64]);
        both("imgs", &bytes, |p| {
            assert!(read_images(p).is_err());
        });
        let mut bytes = header(IMAGES_MAGIC, &[1_000_000_000, 1000, 784]);
        bytes.extend_from_slice(&[0; 64]);
        both("imgs", &bytes, |p| {
            let err = read_images(p).unwrap_err();
            assert!(
                matches!(
                    err,
                    DatasetError::Truncated { .. } | DatasetError::BadHeader { .. }
                ),
                "{err}"
            );
        });
        let mut bytes = header(LABELS_MAGIC, &[u32::MAX]);
        bytes.extend_from_slice(&[0; 64]);
        both("labs", &bytes, |p| {
            assert!(read_labels(p).is_err());
        });
        // All three dims at u32::MAX overflow u64.
        let bytes = header(IMAGES_MAGIC, &[u32::MAX, u32::MAX, u32::MAX]);
        both("imgs", &bytes, |p| {
            let err = read_images(p).unwrap_err();
            assert!(err.to_string().contains("overflow"), "{err}");
        });
    }

    #[test]
    fn gzip_header_within_deflate_ratio_but_short_data_is_truncated() {
        // A claim the gzip ratio allows (10 KB from a tiny file is under 1032:1 of ~40 bytes)
        // but the data is not there: the bounded read finds out.
        let mut bytes = header(LABELS_MAGIC, &[10_000]);
        bytes.extend_from_slice(&[7; 10]);
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "labs.gz", &gzip(&bytes));
        assert!(matches!(
            read_labels(&p).unwrap_err(),
            DatasetError::Truncated {
                expected: 10_008,
                found: 18,
                ..
            }
        ));
    }

    #[test]
    fn zero_dimensions_are_errors() {
        for dims in [[0, 28, 28], [5, 0, 28], [5, 28, 0]] {
            both("imgs", &header(IMAGES_MAGIC, &dims), |p| {
                let err = read_images(p).unwrap_err();
                assert!(matches!(err, DatasetError::BadHeader { .. }), "{err}");
                assert!(err.to_string().contains("is 0"), "{err}");
            });
        }
        both("labs", &header(LABELS_MAGIC, &[0]), |p| {
            assert!(matches!(
                read_labels(p).unwrap_err(),
                DatasetError::BadHeader { .. }
            ));
        });
    }

    #[test]
    fn count_mismatch_between_images_and_labels() {
        let dir = tempfile::tempdir().unwrap();
        let imgs = write(dir.path(), "imgs", &images_bytes(3, 2, 2));
        let labs = write(dir.path(), "labs.gz", &gzip(&labels_bytes(4)));
        let err = read_pair(&imgs, &labs).unwrap_err();
        assert!(matches!(
            err,
            DatasetError::CountMismatch {
                n_images: 3,
                n_labels: 4,
                ..
            }
        ));
        let labs = write(dir.path(), "labs3", &labels_bytes(3));
        let (i, l) = read_pair(&imgs, &labs).unwrap();
        assert_eq!((i.count, l.labels.len()), (3, 3));
    }

    #[test]
    fn corrupt_gzip_stream_is_an_io_error_naming_the_file() {
        let mut gz = gzip(&images_bytes(20, 5, 5));
        let mid = gz.len() / 2;
        for b in &mut gz[mid..mid + 8] {
            *b ^= 0xa5;
        }
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "imgs.gz", &gz);
        let err = read_images(&p).unwrap_err();
        assert!(
            err.to_string().starts_with(&p.display().to_string()),
            "{err}"
        );
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let err = read_images(Path::new("/no/such/dir/train-images-idx3-ubyte")).unwrap_err();
        assert!(matches!(
            err,
            DatasetError::Io {
                action: "opening",
                ..
            }
        ));
        assert!(err
            .to_string()
            .contains("/no/such/dir/train-images-idx3-ubyte"));
    }

    #[test]
    fn other_shapes_than_28x28_load() {
        both("imgs", &images_bytes(2, 5, 7), |p| {
            let imgs = read_images(p).unwrap();
            assert_eq!((imgs.count, imgs.rows, imgs.cols), (2, 5, 7));
            assert_eq!(imgs.pixels.len(), 70);
        });
    }

    #[test]
    fn hex_is_lower_case() {
        assert_eq!(to_hex(&[0x00, 0xab, 0x1f]), "00ab1f");
    }
}
