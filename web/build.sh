#!/usr/bin/env bash
# Builds the web page into a folder any static file server can serve (default web/site):
#   bash web/build.sh [--model FILE.safetensors] [--out DIR]
# then, for example: python3 -m http.server -d web/site 8000   (and open http://localhost:8000)
#
# 1. the wasm32-unknown-unknown target (rustup), 2. wasm-bindgen's CLI at exactly the version of
# the wasm-bindgen crate web/Cargo.toml pins, installed into target/tools, 3. the web crate for
# wasm32 with WebAssembly SIMD, 4. the JS glue into DIR/pkg, 5. the digit model: --model FILE is
# copied to DIR/model.safetensors; without it, a missing model is trained by mnist-cnn (1 epoch,
# MNIST from ../shared/data/mnist or $MNIST_DIR or fetched).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out="$root/web/site"
model=""
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=${2:?--model needs a file}; shift 2 ;;
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument $1 (expected --model FILE or --out DIR)" >&2; exit 2 ;;
  esac
done

version=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' web/Cargo.toml)
[ -n "$version" ] || { echo "build.sh: web/Cargo.toml pins no wasm-bindgen version" >&2; exit 1; }

rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target list --installed | grep -q wasm32-unknown-unknown
tools="$root/target/tools"
bindgen="$tools/bin/wasm-bindgen"
if ! { [ -x "$bindgen" ] && "$bindgen" --version | grep -qF " $version"; }; then
  echo "build.sh: installing wasm-bindgen-cli $version into target/tools"
  # Not --locked: the registry mirror may lack the exact versions of the CLI's own lock file.
  cargo install --quiet wasm-bindgen-cli --version "=$version" --root "$tools"
fi

echo "build.sh: building the web crate for wasm32 (SIMD)"
CARGO_PROFILE_RELEASE_DEBUG=0 RUSTFLAGS="-C target-feature=+simd128" cargo build --release -p web --lib --target wasm32-unknown-unknown
mkdir -p "$out"
"$bindgen" --target web --no-typescript --out-dir "$out/pkg" target/wasm32-unknown-unknown/release/web.wasm

if [ -n "$model" ]; then
  cp "$model" "$out/model.safetensors"
elif [ ! -f "$out/model.safetensors" ]; then
  echo "build.sh: no model given and none in $out: training mnist-cnn for 1 epoch"
  mnist=${MNIST_DIR:-$root/../shared/data/mnist}
  args=(--epochs 1 --threads 2 --out "$root/target/web-model" --save "$out/model.safetensors")
  [ -d "$mnist" ] && args+=(--data-dir "$mnist")
  cargo run --release -p labs --bin mnist-cnn -- "${args[@]}" | tail -n 1
fi
echo "build.sh: the page is in $out ($(du -sh "$out/pkg" | cut -f1) of wasm and glue); serve it with"
echo "  python3 -m http.server -d $out 8000"
