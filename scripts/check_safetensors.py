#!/usr/bin/env python3
"""An outside reader of a model saved by `mnist-mlp --save`: proves the file means what the Rust
side says it means, with NumPy and `safetensors` only (no torch, no code of ours).

It loads the model, reads the MNIST test set from the gzip IDX files itself, runs the forward
pass in NumPy (float32, as the Rust side), and checks that
  - its predictions equal the Rust ones (`mnist-mlp --save-predictions FILE`), every one of them;
  - its accuracy equals the Rust one (`RESULT ... test_accuracy=...`) to 1e-4.

    python3 scripts/check_safetensors.py --model m.safetensors --predictions pred.txt \\
        --accuracy 0.9549 --mnist-dir /path/to/mnist [--activation sigmoid]

The architecture (hidden widths, activation) is read from the file's metadata; --activation
overrides it for files without one. Exit status 0 when everything matches, 1 otherwise.
"""
import argparse
import gzip
import os
import struct
import sys

import numpy as np
from safetensors import safe_open


def read_idx(path):
    """A gzip (or plain) IDX file as a NumPy array of unsigned bytes, checked against its header."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        sys.exit(f"{path}: not an IDX file of unsigned bytes")
    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        sys.exit(f"{path}: header says {shape}, found {body.size} bytes of data")
    return body.reshape(shape)


def find(directory, name):
    for candidate in (name + ".gz", name):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            return path
    sys.exit(f"{directory}: no {name}(.gz)")


ACTIVATIONS = {
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "tanh": np.tanh,
    "relu": lambda x: np.maximum(x, 0.0),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="safetensors file saved by mnist-mlp --save")
    ap.add_argument("--predictions", required=True, help="mnist-mlp --save-predictions output")
    ap.add_argument("--accuracy", type=float, required=True, help="the RESULT line's test_accuracy")
    ap.add_argument("--mnist-dir", default=os.environ.get("MNIST_DIR"), help="default: $MNIST_DIR")
    ap.add_argument("--activation", choices=sorted(ACTIVATIONS), help="default: from the metadata")
    args = ap.parse_args()
    if not args.mnist_dir:
        sys.exit("give --mnist-dir or set MNIST_DIR")

    with safe_open(args.model, framework="numpy") as f:
        meta = f.metadata() or {}
        tensors = {name: f.get_tensor(name) for name in f.keys()}
    activation = args.activation or meta.get("activation")
    if activation not in ACTIVATIONS:
        sys.exit(f"{args.model}: the metadata names no activation; give --activation")
    layers = sorted({int(name.split(".")[0]) for name in tensors})
    print(f"model: {args.model}: {meta.get('architecture', '?')} with layers {layers}, "
          f"activation {activation}; tensors "
          + ", ".join(f"{n} {tensors[n].dtype}{list(tensors[n].shape)}" for n in sorted(tensors)))

    images = read_idx(find(args.mnist_dir, "t10k-images-idx3-ubyte"))
    labels = read_idx(find(args.mnist_dir, "t10k-labels-idx1-ubyte"))
    x = images.reshape(len(images), -1).astype(np.float32) / np.float32(255.0)

    act = ACTIVATIONS[activation]
    for i, k in enumerate(layers):
        w, b = tensors[f"{k}.weight"], tensors[f"{k}.bias"]  # PyTorch's layout: w is [out, in]
        x = x @ w.T + b
        if i < len(layers) - 1:
            x = act(x).astype(np.float32)
    # The model ends in LogSoftmax, which does not change the argmax.
    ours = x.argmax(axis=1)

    with open(args.predictions) as f:
        theirs = np.array([int(line) for line in f if line.strip()])
    accuracy = float((ours == labels).mean())
    failures = []
    if theirs.shape != ours.shape:
        failures.append(f"{len(theirs)} Rust predictions for {len(ours)} test images")
    else:
        differ = np.flatnonzero(theirs != ours)
        print(f"predictions: {len(ours) - len(differ)} of {len(ours)} equal to Rust's")
        if len(differ):
            top2 = np.sort(x[differ], axis=1)[:, -2:]
            failures.append(
                f"{len(differ)} predictions differ, first at test images {differ[:10].tolist()} "
                f"(NumPy's top-two score gaps there: {(top2[:, 1] - top2[:, 0])[:10].tolist()})")
    print(f"accuracy: NumPy {accuracy:.6f}, Rust {args.accuracy:.6f} "
          f"(difference {abs(accuracy - args.accuracy):.2e}, allowed 1e-4)")
    if abs(accuracy - args.accuracy) > 1e-4:
        failures.append(f"accuracy differs: {accuracy} here, {args.accuracy} in Rust")
    for failure in failures:
        print(f"FAIL: {failure}")
    if failures:
        return 1
    print("OK: the NumPy forward pass of the saved model agrees with the Rust one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
