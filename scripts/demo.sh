#!/usr/bin/env bash
# The main job on a bundled example notebook, from a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p weir-cli
weir=target/release/weir
notebook=${1:-examples/intro.py}
"$weir" check "$notebook"
"$weir" graph "$notebook" --format mermaid
