#!/usr/bin/env bash
# Export check: a model saved by mnist-mlp is read by an outside reader. For each activation,
# trains mnist-mlp for one epoch with --save and --save-predictions, then runs
# scripts/check_safetensors.py (NumPy + safetensors only, in a venv under target/) which reads the
# file and the MNIST test set itself and must reproduce every prediction and the accuracy.
# Needs only Python 3 (with venv and pip) and the Rust toolchain; `bash .ci/check_export.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export MNIST_DIR="${MNIST_DIR:-$root/../shared/data/mnist}"
work="$root/target/export-check"   # target/ is git-ignored
venv="$work/venv"
mkdir -p "$work"

if ! "$venv/bin/python" -c 'import numpy, safetensors' 2>/dev/null; then
  echo "export check: creating $venv with numpy and safetensors"
  rm -rf "$venv"
  if ! python3 -m venv "$venv"; then
    echo "export check: 'python3 -m venv' failed; on Debian/Ubuntu install python3-venv" >&2
    exit 1
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check numpy safetensors
fi

cargo build --release -p labs --bin mnist-mlp
for activation in ${EXPORT_ACTIVATIONS:-sigmoid relu tanh}; do
  echo "--- export check: mnist-mlp --activation $activation"
  log="$work/$activation.log"
  target/release/mnist-mlp --epochs 1 --activation "$activation" --out "$work/$activation" \
    --save "$work/$activation.safetensors" --save-predictions "$work/$activation.predictions" \
    | tee "$log"
  accuracy=$(sed -n 's/^RESULT .*test_accuracy=\([0-9.]*\).*/\1/p' "$log")
  if [ -z "$accuracy" ]; then
    echo "export check: no RESULT line with test_accuracy in $log" >&2
    exit 1
  fi
  "$venv/bin/python" scripts/check_safetensors.py --model "$work/$activation.safetensors" \
    --predictions "$work/$activation.predictions" --accuracy "$accuracy" --mnist-dir "$MNIST_DIR"
done
echo "export check passed"
