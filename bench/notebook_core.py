#!/usr/bin/env python3
"""Weir vs marimo: parse + analyse + build the graph of large notebooks.

    python3 bench/notebook_core.py [--weir target/release/weir] [--marimo-python bench/.venv/bin/python]

Generates chain and wide notebooks (bench/gen_notebook.py), then times
- Weir: `weir debug time-load FILE` (in-process timing of read + parse +
  analysis of every cell + graph build + run order, and of a one-cell edit);
- marimo: `load_app(FILE)` + `app._maybe_initialize()` (parse, compile every
  cell, register it in the graph, topological sort) in its own interpreter.
Each figure is the median of several runs in a fresh process. marimo's
10,000-cell run takes minutes (its graph build is quadratic), so it is timed
only up to 2,000 cells unless --marimo-max says otherwise.
Prints a Markdown table for docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MARIMO_SNIPPET = """
import sys, time
from marimo._ast.load import load_app
t = time.perf_counter()
app = load_app(sys.argv[1])
app._maybe_initialize()
print(time.perf_counter() - t)
"""


def weir_time(weir: str, path: Path, repeat: int) -> dict:
    out = subprocess.run(
        [weir, "debug", "time-load", str(path), "--repeat", str(repeat)],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out)


def marimo_time(python: str, path: Path, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [python, "-c", MARIMO_SNIPPET, str(path)], check=True, capture_output=True, text=True
        ).stdout
        runs.append(float(out.strip().splitlines()[-1]))
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weir", default=str(HERE.parent / "target/release/weir"))
    ap.add_argument("--marimo-python", default=str(HERE / ".venv/bin/python"))
    ap.add_argument("--marimo-max", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    sizes = [("chain", 1000), ("chain", 2000), ("chain", 10000), ("wide", 10000)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for shape, n in sizes:
            path = Path(tmp) / f"{shape}_{n}.py"
            subprocess.run([sys.executable, str(HERE / "gen_notebook.py"), shape, str(n), str(path)], check=True)
            w = weir_time(args.weir, path, args.repeat * 4)
            m = marimo_time(args.marimo_python, path, max(1, args.repeat // 2)) if n <= args.marimo_max else None
            rows.append((shape, n, w, m))
            print(f"done {shape} {n}", file=sys.stderr)
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "cpu")
    print(f"Machine: {platform.machine()}, {model}, "
          f"{subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores; "
          f"date {time.strftime('%Y-%m-%d')}\n")
    print("| notebook | cells | Weir load (ms) | Weir one-cell edit (µs) | marimo load (ms) | marimo / Weir |")
    print("|---|---:|---:|---:|---:|---:|")
    for shape, n, w, m in rows:
        ms = f"{m * 1000:.0f}" if m is not None else "not run"
        ratio = f"{m * 1000 / w['load_ms_median']:.0f}x" if m is not None else "—"
        print(f"| {shape} | {n} | {w['load_ms_median']:.1f} | {w['edit_us_median']:.1f} | {ms} | {ratio} |")


if __name__ == "__main__":
    main()
