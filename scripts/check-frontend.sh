#!/usr/bin/env bash
# The editor's front end (frontend/): install exactly the locked packages,
# build, and fail when the build differs from the committed dist/ (the
# binary embeds dist/ as committed, so a fresh clone needs no Node to
# build). Then the unit tests, and the browser test against the mock server
# in Debian's Chromium (playwright-core, no browser download), with and
# without cross-origin isolation.
set -euo pipefail
cd "$(dirname "$0")/../frontend"

in_ci() { case "${CI:-}" in ""|false|0) return 1 ;; *) return 0 ;; esac; }

npm ci --no-audit --no-fund --loglevel=error
npm run build
if ! git diff --exit-code --stat -- dist || [ -n "$(git status --porcelain -- dist)" ]; then
  git status --short -- dist >&2
  echo "frontend/dist/ differs from the committed build: run 'npm run build' in frontend/ and commit dist/" >&2
  exit 1
fi
echo "frontend/dist/ matches the sources; bundle: $(gzip -9c dist/assets/index.js | wc -c) bytes gzipped (index.js)"

npm test

chromium="${WEIR_CHROMIUM:-/usr/bin/chromium}"
if [ "${WEIR_SKIP_BROWSER:-}" = 1 ] && ! in_ci; then
  echo "skipped: the editor's browser test (WEIR_SKIP_BROWSER=1)"
  [ -n "${WEIR_SKIP_LOG:-}" ] && echo "frontend browser test: WEIR_SKIP_BROWSER=1" >> "$WEIR_SKIP_LOG"
elif [ -x "$chromium" ]; then
  # Twice: the socket on the main thread (no cross-origin isolation, the
  # fallback), then in the worker with the shared-memory ring (the mock
  # sends the COOP/COEP headers `weir edit` sends).
  npm run e2e
  E2E_ISOLATED=1 npm run e2e
elif in_ci; then
  echo "no Chromium at $chromium under CI: the editor's browser test cannot be skipped there" >&2
  exit 1
else
  echo "skipped: the editor's browser test (no Chromium at $chromium)"
  [ -n "${WEIR_SKIP_LOG:-}" ] && echo "frontend browser test: no Chromium at $chromium" >> "$WEIR_SKIP_LOG"
fi
