#!/usr/bin/env python3
"""Whole-process time of running a notebook: Weir vs marimo vs a flat script.

    python3 bench/exec_overhead.py [--weir target/release/weir] [--repeat 5]

For chain notebooks of 1, 100 and 1,000 trivial cells (bench/gen_notebook.py)
it times, each as a fresh process, median of --repeat rounds (a round runs
every command once, so load drifting on a shared machine hits all alike):
- `weir exec nb.py` (Rust scheduler + one Python worker);
- `python3 nb.py` of the same notebook in Weir form (the `weir` package's
  script mode, no Rust involved);
- `python nb.py` of the marimo-form copy, with marimo 0.25.2 (bench/.venv);
- `python3 flat.py`: the same statements as one plain script;
- `python3 -c pass`: bare interpreter start.
`--only weir-script,marimo` times just those runners (names: weir-exec,
weir-script, marimo, flat; flat is always timed, as the baseline).
Per-cell overhead = (t(1000 cells) - t(1 cell)) / 999, minus the flat
script's own per-statement cost. Prints Markdown tables of wall time and
of CPU time (user + sys of the process tree, steadier on a shared machine).
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def run_once(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """Wall time and CPU time (user + sys of the process tree) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def table(results: dict[str, dict[int, float]]) -> None:
    print("| runner | 1 cell (ms) | 100 cells (ms) | 1,000 cells (ms) | per-cell overhead (µs) |")
    print("|---|---:|---:|---:|---:|")
    flat_per = (results["flat"][1000] - results["flat"][1]) / 999
    for name, by_n in results.items():
        per = (by_n[1000] - by_n[1]) / 999 - (0 if name == "flat" else flat_per)
        print(f"| {name} | {by_n[1] * 1000:.1f} | {by_n[100] * 1000:.1f} | {by_n[1000] * 1000:.1f} | {per * 1e6:.0f} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weir", default=str(REPO / "target/release/weir"))
    ap.add_argument("--marimo-python", default=str(HERE / ".venv/bin/python"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", default="weir-exec,weir-script,marimo,flat",
                    help="comma-separated runners to time (flat always is)")
    args = ap.parse_args()
    runners = {"weir-exec": "weir exec", "weir-script": "weir script", "marimo": "marimo", "flat": "flat"}
    wanted = {runners[name] for name in args.only.split(",") if name} | {"flat"}
    env = dict(os.environ, PYTHONPATH=str(REPO / "python"), WEIR_PYTHONPATH=str(REPO / "python"))
    sizes = [1, 100, 1000]
    results: dict[str, dict[int, float]] = {k: {} for k in runners.values() if k in wanted}
    cpu: dict[str, dict[int, float]] = {k: {} for k in results}
    bare = statistics.median(run_once([sys.executable, "-c", "pass"])[0] for _ in range(args.repeat * 2))
    with tempfile.TemporaryDirectory() as tmp:
        commands = {}  # (runner, n) -> (cmd, env)
        for n in sizes:
            weir_nb, marimo_nb, flat = (Path(tmp) / f"{k}_{n}.py" for k in ("weir", "marimo", "flat"))
            for flavor, path in (("weir", weir_nb), ("marimo", marimo_nb)):
                subprocess.run([sys.executable, str(HERE / "gen_notebook.py"), "chain", str(n), str(path),
                                "--flavor", flavor], check=True)
            flat.write_text("x_0 = 0\n" + "".join(f"x_{i} = x_{i - 1} + 1\n" for i in range(1, n)))
            # --python: the interpreter itself, not a pyenv shim script in
            # front of it, so Weir and the other runners start the same binary.
            every = {
                "weir exec": ([args.weir, "exec", str(weir_nb), "--python", sys.executable], env),
                "weir script": ([sys.executable, str(weir_nb)], env),
                "marimo": ([args.marimo_python, str(marimo_nb)], None),
                "flat": ([sys.executable, str(flat)], None),
            }
            for name in results:
                commands[name, n] = every[name]
        # Rounds: each round runs every command once, so load that drifts
        # during the benchmark (shared cores) reaches all of them alike.
        walls: dict = {key: [] for key in commands}
        cpus: dict = {key: [] for key in commands}
        for round_ in range(args.repeat):
            for key, (cmd, cmd_env) in commands.items():
                wall, used = run_once(cmd, cmd_env)
                walls[key].append(wall)
                cpus[key].append(used)
            print(f"round {round_ + 1}/{args.repeat}", file=sys.stderr)
        for (name, n), runs in walls.items():
            results[name][n] = statistics.median(runs)
            cpu[name][n] = statistics.median(cpus[name, n])
    print(f"bare `python3 -c pass`: {bare * 1000:.1f} ms\n")
    print("Wall time:\n")
    table(results)
    # CPU time moves less than wall time when other processes share the
    # cores (a busy machine mostly adds waiting, not work).
    print("\nCPU time (user + sys):\n")
    table(cpu)


if __name__ == "__main__":
    main()
