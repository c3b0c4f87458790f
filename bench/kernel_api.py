#!/usr/bin/env python3
"""The interactive kernel, in process: Weir vs marimo 0.25.2, same run.

    python3 bench/kernel_api.py [--changes 200] [--reruns 20] [--marimo-reruns 3]

Builds and runs `crates/runtime/examples/bench_kernel.rs` (release) for
Weir, and drives marimo's own `Kernel` in a bench/.venv interpreter, then
prints one Markdown table. For each notebook shape, a root cell `x_0 = 0`
and N trivial dependents (`chain`: each reads the one before; `fan-out`:
each reads the root), it applies --changes code changes to the root
(alternating `x_0 = 1` / `x_0 = 0`, after untimed warm-up changes) and
times each from the request until the last dependent has run: p50 and p95.

- Weir: `Change::SetCode` sent to a `KernelHandle` (autorun), until the
  last dependent's `Finished` event reaches a subscriber; one real Python
  worker process.
- marimo: the kernel built as marimo builds it (`create_kernel` with
  edit-mode streams over an in-process queue instead of a socket, autorun,
  the default config), an `ExecuteCellsCommand` for the root handed to
  `Kernel.handle_message`, as its control loop does, until it returns (it
  returns after the last dependent has run; the dependent's value is
  checked). Messages the kernel sent are drained untimed.

Also: a warm re-run of every cell of a 1,000-cell chain (Weir: `RunAll`;
marimo: an `ExecuteCellsCommand` with every cell, what "run all" sends),
per cell; and the resident memory (VmRSS) of an idle kernel with a 100-cell
chain after one run (Weir: this process + the worker's process tree;
marimo: its one process), measured in a fresh process each.

Roles: `--side marimo` is what runs inside bench/.venv (prints JSON).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

SHAPES = [("chain", 1), ("fan-out", 10), ("chain", 10), ("fan-out", 100), ("chain", 100)]


def cells(shape: str, dependents: int) -> list[tuple[str, str]]:
    """(cell id, code) for the root and its dependents, as bench_kernel.rs writes them."""
    out = [("c0", "x_0 = 0")]
    for i in range(1, dependents + 1):
        code = f"x_{i} = x_{i - 1} + 1" if shape == "chain" else f"y_{i} = x_0 + {i}"
        out.append((f"c{i}", code))
    return out


def percentile(values: list[float], p: float) -> float:
    """Nearest rank, as bench_kernel.rs computes it."""
    s = sorted(values)
    rank = -(-p * len(s) // 100)
    return s[min(max(int(rank), 1), len(s)) - 1]


def rss_kib(pid: int | str = "self", file: str = "status", field: str = "VmRSS:") -> int:
    with open(f"/proc/{pid}/{file}") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/{pid}/{file}")


# ---------------------------------------------------------------- marimo side


class MarimoKernel:
    """marimo 0.25.2's kernel, in this process, built the way its kernel
    process builds it; only the socket to the server is an in-process queue."""

    def __init__(self) -> None:
        import queue

        from marimo._ast.app_config import _AppConfig
        from marimo._config.config import DEFAULT_CONFIG
        from marimo._runtime.commands import AppMetadata
        from marimo._runtime.kernel_lifecycle import KernelArgs, create_kernel
        from marimo._runtime.runtime import _create_streams
        from marimo._session.model import SessionMode

        self.messages: queue.Queue = queue.Queue()
        streams = _create_streams(
            socket_addr=None,
            stream_queue=self.messages,
            input_queue=queue.Queue(),
            is_edit_mode=True,
            should_redirect_stdio=True,
            # marimo's thread-based kernels redirect per thread, not by fd;
            # fd redirection would capture this script's own output.
            use_fd_redirect=False,
        )
        config = dict(DEFAULT_CONFIG)
        config["runtime"] = dict(DEFAULT_CONFIG["runtime"], on_cell_change="autorun")
        self.kernel, self.ctx = create_kernel(
            KernelArgs(
                streams=streams.kernel_streams,
                debugger=streams.debugger,
                configs={},
                app_metadata=AppMetadata(query_params={}, cli_args={}, app_config=_AppConfig()),
                user_config=config,
                mode=SessionMode.EDIT,
                control_queue=queue.Queue(),
                set_ui_element_queue=queue.Queue(),
                virtual_file_storage=None,
            )
        )

    async def execute(self, pairs: list[tuple[str, str]]) -> None:
        from marimo._runtime.commands import ExecuteCellsCommand

        await self.kernel.handle_message(
            ExecuteCellsCommand(cell_ids=[c for c, _ in pairs], codes=[code for _, code in pairs])
        )

    def drain(self) -> int:
        n = 0
        while not self.messages.empty():
            self.messages.get_nowait()
            n += 1
        return n

    def value(self, name: str):
        return self.kernel.globals.get(name)

    def close(self) -> None:
        from marimo._runtime.kernel_lifecycle import teardown_kernel

        teardown_kernel(self.kernel, self.ctx)


async def marimo_latency(shape: str, dependents: int, changes: int, warmup: int) -> dict:
    mk = MarimoKernel()
    nb = cells(shape, dependents)
    await mk.execute(nb)
    mk.drain()
    last = f"x_{dependents}" if shape == "chain" else f"y_{dependents}"
    ms = []
    for k in range(warmup + changes):
        value = (k + 1) % 2
        start = time.perf_counter()
        await mk.execute([("c0", f"x_0 = {value}")])
        took = time.perf_counter() - start
        mk.drain()
        if mk.value(last) != value + dependents:
            raise SystemExit(f"marimo: {last} = {mk.value(last)!r} after x_0 = {value}: dependents did not run")
        if k >= warmup:
            ms.append(took * 1e3)
    mk.close()
    return {"shape": shape, "dependents": dependents, "changes": len(ms),
            "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95), "max_ms": max(ms)}


async def marimo_rerun(n: int, reruns: int) -> dict:
    mk = MarimoKernel()
    nb = cells("chain", n - 1)
    start = time.perf_counter()
    await mk.execute(nb)
    first = time.perf_counter() - start
    mk.drain()
    per = []
    for _ in range(reruns):
        start = time.perf_counter()
        await mk.execute(nb)
        per.append((time.perf_counter() - start) * 1e6 / n)
        mk.drain()
        if mk.value(f"x_{n - 1}") != n - 1:
            raise SystemExit("marimo: the re-run did not reach the last cell")
    mk.close()
    return {"cells": n, "reruns": len(per), "first_run_ms": first * 1e3,
            "per_cell_p50_us": percentile(per, 50), "per_cell_p95_us": percentile(per, 95)}


async def marimo_memory() -> dict:
    import marimo  # noqa: F401  (imported before the baseline, as a kernel process has it)

    before = rss_kib()
    mk = MarimoKernel()
    await mk.execute(cells("chain", 99))
    mk.drain()
    if mk.value("x_99") != 99:
        raise SystemExit("marimo: the 100-cell notebook did not run")
    return {"cells": 100, "host_before_kernel_kib": before, "idle_total_kib": rss_kib(),
            "idle_total_pss_kib": rss_kib("self", "smaps_rollup", "Pss:")}


def marimo_side(args: argparse.Namespace) -> None:
    import asyncio

    async def main() -> dict:
        if args.only == "memory":
            return {"memory": await marimo_memory()}
        out = {"latency": []}
        for shape, n in SHAPES:
            out["latency"].append(await marimo_latency(shape, n, args.changes, args.warmup))
            print(f"marimo: {shape} {n} done", file=sys.stderr)
        out["rerun"] = await marimo_rerun(args.rerun_cells, args.marimo_reruns)
        return out

    result = asyncio.run(main())
    print(json.dumps(result), flush=True)
    # The kernel's console threads and patched __main__ are not worth an
    # orderly teardown in a process that is done.
    os._exit(0)


# ------------------------------------------------------------------- driver


def run_json(cmd: list[str], env: dict | None = None) -> dict:
    print("+ " + " ".join(cmd), file=sys.stderr)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, env=env, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}")
    lines = proc.stdout.strip().splitlines()
    if not lines:
        raise SystemExit(f"no output from: {' '.join(cmd)}")
    return json.loads(lines[-1])


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f}"


def driver(args: argparse.Namespace) -> None:
    marimo_py = Path(args.marimo_python)
    if not marimo_py.exists():
        raise SystemExit(f"{marimo_py} not found: python3 -m venv bench/.venv && "
                         "bench/.venv/bin/pip install marimo==0.25.2")
    version = subprocess.run([str(marimo_py), "-c", "import marimo; print(marimo.__version__)"],
                             stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "weir-runtime", "--example", "bench_kernel"],
                       cwd=REPO, check=True)
    if not Path(args.weir_bench).exists():
        raise SystemExit(f"{args.weir_bench} not found: cargo build --release -p weir-runtime --example bench_kernel")
    weir = [args.weir_bench, "--json", "--python", sys.executable]
    common = ["--changes", str(args.changes), "--warmup", str(args.warmup)]
    env = dict(os.environ, WEIR_PYTHONPATH=str(REPO / "python"))
    load_before = os.getloadavg()
    w_mem = run_json(weir + ["--only", "memory"], env)["memory"]
    w = run_json(weir + common + ["--only", "latency,rerun", "--reruns", str(args.reruns),
                                  "--rerun-cells", str(args.rerun_cells)], env)
    m_mem = run_json([str(marimo_py), __file__, "--side", "marimo", "--only", "memory"])["memory"]
    m = run_json([str(marimo_py), __file__, "--side", "marimo"] + common
                 + ["--marimo-reruns", str(args.marimo_reruns), "--rerun-cells", str(args.rerun_cells)])
    load_after = os.getloadavg()

    print(f"marimo {version}; Python {sys.version.split()[0]}; {args.changes} changes after "
          f"{args.warmup} warm-up; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after\n")
    print("| change to the root, until the last dependent has run | Weir p50 (ms) | Weir p95 (ms) "
          "| marimo p50 (ms) | marimo p95 (ms) | marimo / Weir (p50) |")
    print("|---|---:|---:|---:|---:|---:|")
    for wr, mr in zip(w["latency"], m["latency"]):
        label = f"{wr['dependents']} dependent{'s' if wr['dependents'] > 1 else ''}"
        if wr["dependents"] > 1:
            label += f" ({wr['shape']})"
        print(f"| {label} | {wr['p50_ms']:.3f} | {wr['p95_ms']:.3f} | {mr['p50_ms']:.2f} | "
              f"{mr['p95_ms']:.2f} | {mr['p50_ms'] / wr['p50_ms']:.0f}x |")
    wr, mr = w["rerun"], m["rerun"]
    print(f"\n| warm re-run of all {wr['cells']:,} cells of a chain | Weir | marimo |")
    print("|---|---:|---:|")
    print(f"| per cell, p50 (µs) | {wr['per_cell_p50_us']:.1f} | {mr['per_cell_p50_us']:.0f} |")
    print(f"| per cell, p95 (µs) | {wr['per_cell_p95_us']:.1f} | {mr['per_cell_p95_us']:.0f} |")
    print(f"| per cell, p50, `Session::run_all` without the kernel (µs) | {wr['session_per_cell_p50_us']:.1f} | — |")
    print(f"| first run, whole notebook (ms) | {wr['first_run_ms']:.1f} | {mr['first_run_ms']:.0f} |")
    print(f"| re-runs | {wr['reruns']} | {mr['reruns']} |")
    print("\n| idle kernel, 100-cell chain after one run (VmRSS, MiB) | Weir | marimo |")
    print("|---|---:|---:|")
    print(f"| kernel host process | {mib(w_mem['host_idle_kib'])} | {mib(m_mem['idle_total_kib'])} |")
    print(f"| worker process tree ({w_mem['worker_processes']} process(es)) | "
          f"{mib(w_mem['worker_tree_idle_kib'])} | — (in the host) |")
    print(f"| total | **{mib(w_mem['idle_total_kib'])}** | **{mib(m_mem['idle_total_kib'])}** |")
    print(f"| total, PSS (shared pages split among sharers) | {mib(w_mem['idle_total_pss_kib'])} | "
          f"{mib(m_mem['idle_total_pss_kib'])} |")
    print(f"| host before the kernel started | {mib(w_mem['host_before_kernel_kib'])} | "
          f"{mib(m_mem['host_before_kernel_kib'])} (marimo imported) |")
    print(f"| Weir with a stalled subscriber holding {w_mem['stalled_queued_events']:,} events "
          f"| {mib(w_mem['host_stalled_kib'] + w_mem['worker_tree_stalled_kib'])} "
          f"(growth {w_mem['stalled_growth_kib']:+d} KiB) | — |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--side", choices=["driver", "marimo"], default="driver")
    ap.add_argument("--only", choices=["memory", "timing"], default="timing", help=argparse.SUPPRESS)
    ap.add_argument("--changes", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--reruns", type=int, default=20, help="Weir's warm re-runs of the 1,000 cells")
    ap.add_argument("--marimo-reruns", type=int, default=3)
    ap.add_argument("--rerun-cells", type=int, default=1000)
    ap.add_argument("--marimo-python", default=str(HERE / ".venv/bin/python"))
    ap.add_argument("--weir-bench", default=str(REPO / "target/release/examples/bench_kernel"))
    ap.add_argument("--no-build", action="store_true", help="use --weir-bench as it is")
    args = ap.parse_args()
    for name in ("changes", "warmup", "reruns", "marimo_reruns", "rerun_cells"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.side == "marimo":
        marimo_side(args)
    else:
        driver(args)


if __name__ == "__main__":
    main()
