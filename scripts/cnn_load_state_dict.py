#!/usr/bin/env python3
"""By-hand check that the `mnist-cnn` network moves both ways between this library and PyTorch.
NEEDS TORCH (plus numpy and safetensors); CI does not run it (it has no torch).

1. Rust -> PyTorch: loads a model saved by `mnist-cnn --save` into `Cnn` below (the same
   network, written as a PyTorch user writes it) with `load_state_dict(strict=True)`, parameters
   and batch-norm buffers (`num_batches_tracked` as int64) alike, and compares its probabilities
   on the first N test images, in eval mode, with what `mnist-predict --mnist-test N` prints.
2. PyTorch -> Rust: trains the same network briefly in PyTorch, saves its state dict with
   `safetensors.torch.save_file` (no metadata), and has `mnist-predict --cnn` load and run it.

    cargo build --release -p labs --bins
    target/release/mnist-cnn --epochs 1 --save cnn.safetensors
    python scripts/cnn_load_state_dict.py --model cnn.safetensors --mnist-dir "$MNIST_DIR"
"""
import argparse
import os
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_roundtrip import compare, mnist, rust_top3  # noqa: E402


class Cnn(torch.nn.Module):
    """vision::Cnn: (conv 3x3 pad 1 -> batch norm -> ReLU -> max-pool 2) twice -> flatten
    -> Linear -> ReLU -> dropout -> Linear, on 28x28 digits given as rows of 784."""

    def __init__(self, side=28, channels=(32, 64), hidden=128, classes=10, dropout=0.25):
        super().__init__()
        c1, c2 = channels
        self.side = side
        self.conv1 = torch.nn.Conv2d(1, c1, 3, padding=1)
        self.bn1 = torch.nn.BatchNorm2d(c1)
        self.conv2 = torch.nn.Conv2d(c1, c2, 3, padding=1)
        self.bn2 = torch.nn.BatchNorm2d(c2)
        self.fc1 = torch.nn.Linear(c2 * (side // 4) ** 2, hidden)
        self.dropout = torch.nn.Dropout(dropout)
        self.fc2 = torch.nn.Linear(hidden, classes)
        self.pool = torch.nn.MaxPool2d(2)

    def forward(self, x):
        x = x.reshape(-1, 1, self.side, self.side)
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))
        x = self.pool(torch.relu(self.bn2(self.conv2(x))))
        x = torch.relu(self.fc1(x.flatten(1)))
        return self.fc2(self.dropout(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="saved by mnist-cnn --save")
    ap.add_argument("--mnist-dir", default=os.environ.get("MNIST_DIR"))
    ap.add_argument("--bin", default="target/release/mnist-predict")
    ap.add_argument("-n", type=int, default=20, help="test images to compare")
    ap.add_argument("--out", default="target/torch-cnn.safetensors",
                    help="where the PyTorch-saved model goes")
    args = ap.parse_args()
    print(f"torch {torch.__version__}")
    x, y = mnist(args.mnist_dir, "t10k")
    ok = True

    # 1. Rust -> PyTorch.
    with safe_open(args.model, framework="pt") as f:
        meta = f.metadata()
    assert meta["architecture"] == "cnn", meta
    model = Cnn(int(meta["side"]), tuple(int(c) for c in meta["channels"].split(",")),
                int(meta["hidden"]), int(meta["classes"]), float(meta["dropout"]))
    state = load_file(args.model)
    print("Rust's file:", {k: (str(v.dtype), list(v.shape)) for k, v in state.items()
                          if "bn1" in k or k.startswith("conv1")})
    result = model.load_state_dict(state, strict=True)
    print(f"Rust -> PyTorch: load_state_dict({args.model}, strict=True): {result}")
    model.eval()
    with torch.no_grad():
        probs = torch.softmax(model(x), 1)
    acc = (probs.argmax(1) == y).float().mean().item()
    print(f"PyTorch test accuracy of the Rust-trained CNN: {acc:.4f} "
          f"(Rust's metadata: {meta.get('test_accuracy')})")
    ok &= f"{acc:.4f}" == meta.get("test_accuracy")
    ok &= compare("Rust -> PyTorch", probs, rust_top3(args.bin, args.model, args.n, args.mnist_dir))

    # 2. PyTorch -> Rust.
    torch.manual_seed(0)
    theirs = Cnn()
    xt, yt = mnist(args.mnist_dir, "train")
    opt = torch.optim.AdamW(theirs.parameters(), lr=1e-3)
    for _ in range(100):
        idx = torch.randint(0, len(xt), (64,))
        loss = torch.nn.functional.cross_entropy(theirs(xt[idx]), yt[idx].long())
        opt.zero_grad()
        loss.backward()
        opt.step()
    theirs.eval()
    save_file(theirs.state_dict(), args.out)
    with torch.no_grad():
        probs = torch.softmax(theirs(x), 1)
    acc = (probs.argmax(1) == y).float().mean().item()
    print(f"PyTorch -> Rust: trained 100 steps in PyTorch (test accuracy {acc:.4f}), saved "
          f"{args.out} with keys {list(theirs.state_dict())}")
    ok &= compare("PyTorch -> Rust", probs,
                  rust_top3(args.bin, args.out, args.n, args.mnist_dir, ["--cnn"]))
    print("OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
