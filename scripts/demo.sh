#!/usr/bin/env bash
# The main job on a bundled example notebook, from a fresh machine: build
# `weir`, check the notebook, show its dataflow graph, run it headless, and
# export it as a self-contained HTML page.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p weir-cli
weir=target/release/weir
notebook=${1:-examples/intro.py}
"$weir" check "$notebook"
"$weir" graph "$notebook" --format mermaid
"$weir" exec "$notebook"
mkdir -p target/demo
"$weir" export html "$notebook" -o target/demo/"$(basename "$notebook" .py)".html
