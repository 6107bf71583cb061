//! What every lab binary does the same way: its output folder, the progress bar, the epoch
//! table, the closing `RESULT` line, and turning errors into one line on stderr.

use indicatif::{ProgressBar, ProgressStyle};
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// An error of a lab run, as one human-readable line.
pub type LabError = Box<dyn std::error::Error>;

/// Runs a lab's body; on error prints `error: <message>` (with its chain of causes) to stderr
/// and exits with status 1, never with a backtrace.
pub fn run_main(body: impl FnOnce() -> Result<(), LabError>) -> ExitCode {
    crate::keep_freed_memory();
    match body() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let mut msg = e.to_string();
            let mut source = e.source();
            while let Some(s) = source {
                let s_msg = s.to_string();
                if !msg.contains(&s_msg) {
                    msg.push_str(": ");
                    msg.push_str(&s_msg);
                }
                source = s.source();
            }
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// The output folder: `--out` if given, else `out/<lab>/` under the current directory;
/// created if missing.
pub fn out_dir(out: Option<&Path>, lab: &str) -> Result<PathBuf, LabError> {
    let dir = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("out").join(lab));
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("cannot create the output folder {}: {e}", dir.display()))?;
    Ok(dir)
}

/// The closing line every lab prints last: `RESULT lab=<name> key=value ...`.
pub fn result_line(lab: &str, fields: &[(&str, String)]) -> String {
    let mut line = format!("RESULT lab={lab}");
    for (k, v) in fields {
        line.push_str(&format!(" {k}={v}"));
    }
    line
}

/// A progress bar over a whole training run, counted in steps, showing the epoch, the running
/// loss of the epoch and the throughput. It draws on stderr only when that is a terminal, so logs
/// and CI output stay clean.
pub struct RunProgress {
    bar: ProgressBar,
    epochs: usize,
    epoch: usize,
    start: Instant,
    samples: usize,
}

impl RunProgress {
    /// A bar for epochs `first + 1 ..= epochs` (1-based; `first` epochs were done before, by a
    /// run this one resumes) of `steps_per_epoch` steps each.
    pub fn new(epochs: usize, steps_per_epoch: usize, first: usize) -> Self {
        let bar = ProgressBar::new((epochs.saturating_sub(first) * steps_per_epoch) as u64);
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} steps  {msg}  eta {eta}")
                .expect("the template is valid")
                .progress_chars("=> "),
        );
        RunProgress {
            bar,
            epochs,
            epoch: 0,
            start: Instant::now(),
            samples: 0,
        }
    }

    /// Runs `f` (e.g. printing a table row) with the bar hidden, so lines printed during the
    /// run do not interleave with it; `f` runs whether or not the bar is drawn.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Records one step of epoch `epoch` (1-based) on `batch` samples, with the running mean
    /// loss of the epoch.
    pub fn step(&mut self, epoch: usize, batch: usize, running_loss: f64) {
        if epoch != self.epoch {
            self.epoch = epoch;
            self.bar
                .set_prefix(format!("epoch {epoch}/{}", self.epochs));
        }
        self.samples += batch;
        self.bar.inc(1);
        if self.bar.position() % 20 == 0 || self.bar.position() == self.bar.length().unwrap_or(0) {
            let rate = self.samples as f64 / self.start.elapsed().as_secs_f64().max(1e-9);
            self.bar
                .set_message(format!("loss {running_loss:.4}  {rate:.0} samples/s"));
        }
    }

    /// Ends the bar and clears it.
    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}

/// A table printed row by row as epochs finish, e.g. `epoch | train loss | test acc | secs`.
pub struct Table {
    widths: Vec<usize>,
}

impl Table {
    /// Prints the header and returns the table.
    pub fn new(headers: &[&str]) -> Self {
        let widths: Vec<usize> = headers.iter().map(|h| h.len().max(9)).collect();
        let t = Table { widths };
        t.print_row(headers);
        println!(
            "{}",
            t.widths
                .iter()
                .map(|w| "-".repeat(*w))
                .collect::<Vec<_>>()
                .join("-+-")
        );
        t
    }

    /// Prints one row; cells are right-aligned to the header widths.
    pub fn print_row<D: Display>(&self, cells: &[D]) {
        let row: Vec<String> = cells
            .iter()
            .zip(&self.widths)
            .map(|(c, w)| format!("{:>w$}", c.to_string(), w = w))
            .collect();
        println!("{}", row.join(" | "));
    }
}
