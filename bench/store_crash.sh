#!/usr/bin/env bash
# 10,000 SIGKILL crash trials against a real weir-store (release build).
# Usage: bench/store_crash.sh [trials] [first seed]
set -euo pipefail
cd "$(dirname "$0")/.."
WEIR_CRASH_TRIALS="${1:-10000}" WEIR_CRASH_SEED="${2:-1}" \
  cargo test --release -p weir-store --test crash -- --nocapture 2>&1 | grep -E "crash suite|test result|panicked"
