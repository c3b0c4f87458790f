#!/usr/bin/env bash
# The whole test suite, from a fresh machine: this is what CI runs (.ci/run).
# It installs nothing outside the repo except what a step below names.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

# Tests that cannot run on this machine fail under CI (CI=true) and are
# skipped elsewhere; every skip is recorded here and listed at the end
# (tests/support/skip.rs, python/tests/_skip.py).
mkdir -p target
export WEIR_SKIP_LOG="$PWD/target/skipped-tests.txt"
: > "$WEIR_SKIP_LOG"
in_ci() { case "${CI:-}" in ""|false|0) return 1 ;; *) return 0 ;; esac; }
skip_here() { echo "skipped: $1"; echo "$1" >> "$WEIR_SKIP_LOG"; }

step "browser test prerequisites (Debian's Chromium, playwright-core)"
# The HTML export is checked in a real browser (crates/export/tests/browser.rs,
# crates/cli/tests/export_browser.rs). Without these the browser tests FAIL;
# only WEIR_SKIP_BROWSER=1 skips them. Chromium comes from Debian's packages
# (never a browser download); playwright-core ships no browser.
if [ "${WEIR_SKIP_BROWSER:-}" = 1 ] && in_ci; then
  echo "WEIR_SKIP_BROWSER=1 under CI: the browser tests cannot be skipped there" >&2
  exit 1
fi
if [ "${WEIR_SKIP_BROWSER:-}" != 1 ]; then
  if [ ! -x /usr/bin/chromium ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
  fi
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

step "the editor's front end: dist/ built from its sources, unit and browser tests"
bash scripts/check-frontend.sh

step "a Python with matplotlib, pandas, Altair, Plotly and DuckDB (rich-output and mo.sql tests)"
# The worker renders matplotlib figures, DataFrames, Altair charts and Plotly
# figures when the user has them; crates/runtime/tests/worker_rich.rs and the
# rich browser tests (editor_rich_browser.rs, export_browser.rs) check that
# with real libraries.
mkdir -p target
[ -x target/rich-venv/bin/python ] || python3 -m venv target/rich-venv
target/rich-venv/bin/pip install --quiet --disable-pip-version-check matplotlib pandas numpy altair plotly duckdb
export WEIR_TEST_RICH_PYTHON="$PWD/target/rich-venv/bin/python"
# `mo.sql` over the cell's frames (python/tests/test_marimo_compat.py).
export WEIR_TEST_DUCKDB_PYTHON="$WEIR_TEST_RICH_PYTHON"

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Rust tests (unit, property, conformance, real Python workers)"
# Includes the editor in Chromium against a real `weir edit`
# (crates/cli/tests/editor_browser.rs), which needs tests/browser's npm ci
# (done above) and a debug build for its corrupted-output hook.
cargo test --workspace --exclude weir-store --locked 2>&1 | tee target/cargo-test.log

step "store: fault-injection, simulated-disk and SIGKILL crash suites (their tables)"
# --nocapture so the suites' tables (faults injected / detected / repaired /
# undetected, crash trials) show in CI's log; they fail on any undetected
# fault or corrupt byte returned.
cargo test -p weir-store --locked -- --nocapture 2>&1 | tee target/store-test.log

step "Python package tests (script mode, the worker's mapped restores)"
# Run with the venv that has NumPy: the zero-copy test needs it, and under
# CI a missing NumPy fails that test instead of skipping it.
"$WEIR_TEST_RICH_PYTHON" -m unittest discover -s python/tests -t python -v

step "analysis conformance through the CLI (weir debug analyze-cells)"
corpus=../shared/conformance/cells.jsonl
if [ -f "$corpus" ]; then
  cargo run -q --locked -p weir-cli -- debug analyze-cells "$corpus" > target/conformance-answers.jsonl
  # Weir lists no deliberate differences (docs/analysis.md), so any
  # disagreement fails here as it does in the cargo conformance test.
  if ! python3 ../shared/conformance/check_cells.py target/conformance-answers.jsonl "$corpus" > target/conformance-check.txt; then
    cat target/conformance-check.txt >&2
    echo "the CLI's analysis disagrees with marimo's answers (above)" >&2
    exit 1
  fi
  head -n 1 target/conformance-check.txt
elif in_ci; then
  echo "no $corpus beside the repo: CI must have ../shared/conformance" >&2
  exit 1
else
  skip_here "CLI conformance check: no $corpus beside the repo"
fi

step "the wheel: binary and Python package from one maturin build, in a fresh venv (~2.5 min cold)"
bash scripts/test-wheel.sh

step "summary"
if [ -s "$WEIR_SKIP_LOG" ]; then
  echo "skipped on this machine ($(wc -l < "$WEIR_SKIP_LOG") test(s); under CI each would fail):"
  sed 's/^/  - /' "$WEIR_SKIP_LOG"
else
  echo "skipped: none"
fi
