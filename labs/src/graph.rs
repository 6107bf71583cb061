//! `--graph FILE`: the autograd graph of one training step, written as Graphviz DOT
//! ([`autograd::to_dot`]), and rendered as a PNG beside it when Graphviz's `dot` is installed.

use crate::common::LabError;
use autograd::{BackwardOptions, Element, Var};
use nn::Module;
use std::path::Path;
use std::process::Command;

/// Runs the backward pass of `loss` keeping its graph (`retain_graph`), writes the graph to
/// `path` as DOT with `model`'s parameters named and their gradient norms, and clears the
/// gradients again, so that training starts as it would have without `--graph`. Then, if
/// `dot` is on `PATH`, renders `path` with the extension `.png` (`dot -Tpng`); when `dot` is
/// missing or fails, it prints one line saying so and carries on.
///
/// Errors when the backward pass fails, when `path` cannot be written, or when `path` ends in
/// `.png` (the DOT text would be overwritten by the picture).
pub fn write_step_graph<T: Element>(
    path: &Path,
    loss: &Var<T>,
    model: &impl Module<T>,
) -> Result<(), LabError> {
    let png = path.with_extension("png");
    if png == path {
        return Err(format!(
            "--graph: expected a file for the DOT text (e.g. step.dot; the PNG goes beside it), found {}",
            path.display()
        )
        .into());
    }
    let keep = BackwardOptions {
        retain_graph: true,
        ..Default::default()
    };
    loss.backward_opts(None, keep)?;
    let dot = autograd::to_dot(loss, &model.named_parameters());
    model.zero_grad();
    std::fs::write(path, dot)
        .map_err(|e| format!("--graph: cannot write {}: {e}", path.display()))?;
    println!("graph: {}", path.display());
    match Command::new("dot")
        .arg("-Tpng")
        .arg(path)
        .arg("-o")
        .arg(&png)
        .output()
    {
        Ok(out) if out.status.success() => println!("graph: {}", png.display()),
        Ok(out) => println!(
            "graph: dot -Tpng failed ({}), no PNG: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => println!(
            "graph: Graphviz's dot is not on PATH, so no {} (render it with `dot -Tpng {} -o {}`)",
            png.display(),
            path.display(),
            png.display()
        ),
        Err(e) => println!("graph: cannot run dot ({e}), no PNG"),
    }
    Ok(())
}
