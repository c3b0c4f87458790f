#!/usr/bin/env bash
# The main job on a bundled example notebook, from a fresh machine.
#   bash scripts/demo.sh edit [NOTEBOOK]  the editor (`weir edit`) on a copy of
#                                         the example in target/demo/; prints its
#                                         URL, opens no browser where there is no
#                                         display; Ctrl-C stops it
#   bash scripts/demo.sh [NOTEBOOK]       build `weir`, check the notebook, show
#                                         its dataflow graph, run it headless, and
#                                         export it as a self-contained HTML page
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p weir-cli
weir=target/release/weir
if [ "${1:-}" = edit ]; then
  source=${2:-examples/intro.py}
  mkdir -p target/demo
  # Edit a copy: saving must not change the bundled example in the repo.
  copy=target/demo/$(basename "$source")
  [ -f "$copy" ] || cp "$source" "$copy"
  headless=()
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ "$(uname)" != Darwin ]; then
    headless=(--headless)
  fi
  exec "$weir" edit "${headless[@]}" "$copy"
fi
notebook=${1:-examples/intro.py}
"$weir" check "$notebook"
"$weir" graph "$notebook" --format mermaid
"$weir" exec "$notebook"
mkdir -p target/demo
"$weir" export html "$notebook" -o target/demo/"$(basename "$notebook" .py)".html
