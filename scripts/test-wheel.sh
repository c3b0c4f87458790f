#!/usr/bin/env bash
# Builds the wheel (maturin via `pip install .`: a release build of the
# `weir` binary plus the pure-Python `weir` package) into a fresh virtual
# environment and checks, from a directory outside the repo, that:
#   - `VENV/bin/weir --version` prints the Cargo version,
#   - `import weir` in the venv's Python gives the same version, from the
#     venv (not the checkout),
#   - `VENV/bin/weir exec` and `weir export html` run a notebook, with
#     WEIR_PYTHONPATH, PYTHONPATH and VIRTUAL_ENV unset (the venv is not
#     activated: the binary finds the interpreter beside it),
#   - and again with WEIR_PYTHONPATH pointing at an empty directory, so the
#     checkout's python/ (which a development build falls back to) cannot be
#     what makes it work: only the wheel's own package is importable.
# Takes about 2.5 minutes with a warm target/ (the release build).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python="${PYTHON:-python3}"

fail() { echo "test-wheel: FAIL: $*" >&2; exit 1; }

cargo_version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -n 1)"
[ -n "$cargo_version" ] || fail "no version in Cargo.toml"

echo "== building and installing the wheel into $tmp/venv"
"$python" -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet --disable-pip-version-check "$repo"

run() { (cd "$tmp/work" && env -u WEIR_PYTHONPATH -u PYTHONPATH -u VIRTUAL_ENV "$@"); }
mkdir -p "$tmp/work" "$tmp/empty"
cp "$repo/examples/intro.py" "$tmp/work/intro.py"

echo "== weir --version"
got="$(run "$tmp/venv/bin/weir" --version)"
echo "$got"
[ "$got" = "weir $cargo_version" ] || fail "weir --version says '$got', Cargo.toml says $cargo_version"

echo "== import weir"
got="$(run "$tmp/venv/bin/python" -c 'import weir, sys; print(weir.__version__); print(weir.__file__)')"
echo "$got"
[ "$(echo "$got" | sed -n 1p)" = "$cargo_version" ] || fail "weir.__version__ differs from Cargo.toml"
case "$(echo "$got" | sed -n 2p)" in
  "$tmp/venv/"*) ;;
  *) fail "weir was imported from outside the venv" ;;
esac

for mode in default wheel-only; do
  extra=()
  [ "$mode" = wheel-only ] && extra=(WEIR_PYTHONPATH="$tmp/empty")
  echo "== weir exec intro.py ($mode)"
  if run "$tmp/venv/bin/weir" --help | grep -q '^  exec'; then
    run env "${extra[@]}" "$tmp/venv/bin/weir" exec intro.py > "$tmp/exec.txt" 2>&1 \
      || { cat "$tmp/exec.txt"; fail "weir exec failed ($mode)"; }
    tail -n 3 "$tmp/exec.txt"
    grep -q "28.3" "$tmp/exec.txt" || fail "weir exec output lacks the notebook's printed table"
  else
    echo "(this weir has no exec command: skipped)"
  fi
  echo "== weir export html intro.py ($mode)"
  run env "${extra[@]}" "$tmp/venv/bin/weir" export html intro.py -o intro.html \
    || fail "weir export html failed ($mode)"
  grep -q 'weir-content-hash' "$tmp/work/intro.html" || fail "no content hash in the page"
  grep -q '<h1>Welcome to Weir</h1>' "$tmp/work/intro.html" || fail "the page lacks the notebook's output"
done

echo "test-wheel: ok (weir $cargo_version: binary and package from one wheel)"
