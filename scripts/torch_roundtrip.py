#!/usr/bin/env python3
"""By-hand check that models move both ways between this library and PyTorch. NEEDS TORCH
(plus numpy and safetensors); not run by CI, which runs the torch-free check_safetensors.py.

1. Rust -> PyTorch: loads a model saved by `mnist-mlp --save` into the same architecture in
   PyTorch with `load_state_dict` (strict), and compares its probabilities on the first N MNIST
   test images with what `mnist-predict --mnist-test N` prints for the same file.
2. PyTorch -> Rust: trains the same architecture briefly in PyTorch, saves its state dict with
   `safetensors.torch.save_file` (no metadata, as PyTorch users do), and has `mnist-predict`
   load it (`--hidden`/`--activation` given, since the file does not say them) and compares.

    cargo build --release -p labs --bins
    target/release/mnist-mlp --epochs 1 --save m.safetensors
    python scripts/torch_roundtrip.py --model m.safetensors --mnist-dir "$MNIST_DIR"
"""
import argparse
import gzip
import os
import re
import subprocess
import sys

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

LINE = re.compile(r"^test\[(\d+)\] \(label (\d)\): (\d)  \(top 3: (.*)\)$")


def mnist(directory, split):
    def read(name):
        with gzip.open(os.path.join(directory, name + ".gz"), "rb") as f:
            return f.read()
    images = np.frombuffer(read(f"{split}-images-idx3-ubyte"), np.uint8, offset=16)
    labels = np.frombuffer(read(f"{split}-labels-idx1-ubyte"), np.uint8, offset=8)
    return torch.tensor(images.reshape(-1, 784).astype(np.float32) / 255.0), torch.tensor(labels)


def mlp(hidden, activation):
    act = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[activation]
    layers, width = [], 784
    for h in hidden:
        layers += [torch.nn.Linear(width, h), act()]
        width = h
    return torch.nn.Sequential(*layers, torch.nn.Linear(width, 10), torch.nn.LogSoftmax(dim=1))


def rust_top3(binary, model, n, mnist_dir, extra=()):
    out = subprocess.run([binary, "--model", model, "--mnist-test", str(n), "--data-dir", mnist_dir,
                          *extra], check=True, capture_output=True, text=True).stdout
    rows = {}
    for line in out.splitlines():
        m = LINE.match(line)
        if m:
            top = [(int(c), float(p)) for c, p in (kv.split() for kv in m.group(4).split(", "))]
            rows[int(m.group(1))] = (int(m.group(3)), top)
    assert len(rows) == n, f"expected {n} test lines from mnist-predict, found {len(rows)}:\n{out}"
    return rows


def compare(title, probs, rows):
    """Largest difference between PyTorch's probabilities and the printed Rust ones (6 decimals)."""
    worst, same = 0.0, 0
    for i, (pred, top) in rows.items():
        same += int(pred == int(probs[i].argmax()))
        for c, p in top:
            worst = max(worst, abs(p - float(probs[i, c])))
    print(f"{title}: {same}/{len(rows)} predictions equal; top-3 probabilities differ by at most "
          f"{worst:.2e} (Rust prints 6 decimals; allowed 2e-6)")
    # 5e-7 from the printing, the rest float32 rounding (a few ulps of 1.2e-7 near p = 1).
    return same == len(rows) and worst <= 2e-6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="saved by mnist-mlp --save")
    ap.add_argument("--mnist-dir", default=os.environ.get("MNIST_DIR"))
    ap.add_argument("--bin", default="target/release/mnist-predict")
    ap.add_argument("-n", type=int, default=20, help="test images to compare")
    ap.add_argument("--out", default="target/torch-roundtrip.safetensors",
                    help="where the PyTorch-saved model goes")
    args = ap.parse_args()
    print(f"torch {torch.__version__}")
    x, y = mnist(args.mnist_dir, "t10k")
    ok = True

    # 1. Rust -> PyTorch.
    with safe_open(args.model, framework="pt") as f:
        meta = f.metadata()
    hidden = [int(h) for h in meta["hidden"].split(",")]
    model = mlp(hidden, meta["activation"])
    result = model.load_state_dict(load_file(args.model), strict=True)
    print(f"Rust -> PyTorch: load_state_dict({args.model}): {result}; architecture {meta}")
    with torch.no_grad():
        logp = model(x)
    acc = (logp.argmax(1) == y).float().mean().item()
    print(f"PyTorch test accuracy of the Rust-trained model: {acc:.4f} "
          f"(Rust's RESULT/metadata: {meta.get('test_accuracy')})")
    ok &= compare("Rust -> PyTorch", logp.exp(), rust_top3(args.bin, args.model, args.n, args.mnist_dir))

    # 2. PyTorch -> Rust.
    torch.manual_seed(0)
    theirs = mlp(hidden, meta["activation"])
    xt, yt = mnist(args.mnist_dir, "train")
    opt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    for step in range(200):
        idx = torch.randint(0, len(xt), (64,))
        loss = torch.nn.functional.nll_loss(theirs(xt[idx]), yt[idx].long())
        opt.zero_grad()
        loss.backward()
        opt.step()
    save_file(theirs.state_dict(), args.out)
    with torch.no_grad():
        logp = theirs(x)
    acc = (logp.argmax(1) == y).float().mean().item()
    print(f"PyTorch -> Rust: trained 200 steps in PyTorch (test accuracy {acc:.4f}), saved "
          f"{args.out} with keys {list(theirs.state_dict())}")
    flags = ["--hidden", ",".join(map(str, hidden)), "--activation", meta["activation"]]
    ok &= compare("PyTorch -> Rust", logp.exp(),
                  rust_top3(args.bin, args.out, args.n, args.mnist_dir, flags))
    print("OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
