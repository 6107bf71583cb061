//! Lab: 3 concentric rings of points ("donuts"), one class per ring, so neighbouring rings always
//! differ, separated by an MLP trained by SGD with momentum on the negative log-likelihood; the
//! accuracy that counts is on held-out rings drawn with another seed. The options, the training
//! and the figures live in [`labs::playground::donuts_main`], shared with the other donut lab.

fn main() -> std::process::ExitCode {
    labs::playground::donuts_main("three-donuts-mlp", 3, 150)
}
