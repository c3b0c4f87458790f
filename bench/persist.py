#!/usr/bin/env python3
"""Persistent cells: restore cost and warm-run speed, Weir vs marimo.

    python3 bench/persist.py [--weir target/release/weir] [--python bench/.venv/bin/python]

Needs numpy in the interpreter that runs the cells (bench/.venv has it with
marimo 0.25.2). Two experiments, every run a fresh process, median of
--repeat runs; prints Markdown tables (docs/benchmarks.md, "Persistent
cells (issue 5)").

1. **Restore a 100 MB array.** Three notebooks, identical but for one cell:
   `arr = np.random.default_rng(0).random(12_500_000)` with `persist=True`
   (timed warm, i.e. restored), `arr = np.load("arr.npy")` (the same array
   from a .npy file, page cache warm), and `arr = None` (baseline). Each
   then prints `arr.shape`. Runs are interleaved (one of each per round);
   restore cost = median over rounds of t(restored) - t(baseline), load
   cost likewise for np.load. Also: np.load in-process alone.

2. **Ten ~1 s cells.** A chain of 10 cells, each a CPU loop of ~1 s
   (calibrated here) reading the previous cell's value: `weir exec` with
   every cell `persist=True`, and marimo (`python nb.py`) with each cell's
   body in `with mo.persistent_cache(...)`. Cold (empty cache) and warm.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def timed(cmd, repeat, env=None, cwd=None, before=None):
    runs = []
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        p = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
        runs.append(time.perf_counter() - start)
        if p.returncode != 0:
            raise SystemExit("failed: %s\n%s\n%s" % (" ".join(map(str, cmd)), p.stdout, p.stderr))
    return statistics.median(runs), p.stdout


def weir_nb(cells, app="") -> str:
    src = "import weir\n\napp = weir.App(%s)\n\n" % app
    for code, opts in cells:
        src += "@app.cell(%s)\ndef _():\n" % opts if opts else "@app.cell\ndef _():\n"
        src += "".join("    %s\n" % l for l in code.splitlines()) + "    return\n\n\n"
    return src + 'if __name__ == "__main__":\n    app.run()\n'


def calibrate(python: str) -> int:
    code = (
        "import time\nn=2_000_000\nt=time.perf_counter()\ns=0\n"
        "for j in range(n): s += (j * j) % 7\nprint(time.perf_counter()-t)"
    )
    secs = float(subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout)
    return int(2_000_000 / secs)


def array_restore(weir, python, repeat, env, tmp: Path):
    d = tmp / "array"
    d.mkdir()
    gen = "arr = np.random.default_rng(0).random(12_500_000)"
    subprocess.run([python, "-c", "import numpy as np\n%s\nnp.save(%r, arr)" % (gen, str(d / "arr.npy"))], check=True)
    show = "print(arr.shape if arr is not None else None)"
    variants = {
        "restored": [("import numpy as np", ""), (gen, "persist=True"), (show, "")],
        "np.load": [("import numpy as np", ""), ("arr = np.load(%r)" % str(d / "arr.npy"), ""), (show, "")],
        "baseline": [("import numpy as np", ""), ("arr = None", ""), (show, "")],
    }
    cmds = {}
    for name, cells in variants.items():
        nb = d / ("%s.py" % name.replace(".", "_"))
        nb.write_text(weir_nb(cells))
        cmds[name] = [weir, "exec", str(nb), "--python", python, "--json"]
    subprocess.run(cmds["restored"], env=env, check=True, capture_output=True)  # cold: store it
    # Interleaved: every round runs each variant once (in rotating order),
    # and costs are the median of per-round differences, so a machine
    # whose load drifts (shared CI cores) shifts all three alike.
    walls = {name: [] for name in variants}
    inner = {name: [] for name in variants}
    names = list(variants)
    for r in range(repeat):
        for name in names[r % 3:] + names[:r % 3]:
            start = time.perf_counter()
            p = subprocess.run(cmds[name], env=env, capture_output=True, text=True, check=True)
            walls[name].append(time.perf_counter() - start)
            summary = json.loads(p.stdout.splitlines()[-1])
            inner[name].append(summary["elapsed_ms"] / 1000)
            if name == "restored":
                assert summary["persist"]["restored"] == 1, p.stdout
    times = {name: statistics.median(v) for name, v in walls.items()}
    runs = {name: statistics.median(v) for name, v in inner.items()}

    def cost(name):
        return statistics.median(a - b for a, b in zip(inner[name], inner["baseline"]))

    inproc = subprocess.run(
        [python, "-c", "import numpy as np,time\nnp.load(%r)\nt=time.perf_counter()\nnp.load(%r)\n"
         "print(time.perf_counter()-t)" % (str(d / "arr.npy"), str(d / "arr.npy"))],
        capture_output=True, text=True, check=True).stdout
    # The run's own time (`elapsed_ms`: no process or worker start-up, which
    # is most of the wall time and most of its noise).
    restore = cost("restored")
    load = cost("np.load")
    print("| notebook (100 MB float64 array) | `weir exec` wall | run (`elapsed_ms`) | run minus baseline |")
    print("|---|---:|---:|---:|")
    print("| baseline (`arr = None`) | %.3f s | %.3f s | - |" % (times["baseline"], runs["baseline"]))
    print("| `np.load` of the `.npy` | %.3f s | %.3f s | %.3f s |" % (times["np.load"], runs["np.load"], load))
    print("| persisted cell, restored (verified) | %.3f s | %.3f s | %.3f s |" % (times["restored"], runs["restored"], restore))
    print()
    print("restore / np.load = %.2fx; np.load alone, in-process: %.3f s" % (restore / load, float(inproc)))
    print()


def ten_cells(weir, python, repeat, env, tmp: Path):
    d = tmp / "ten"
    d.mkdir()
    n = calibrate(python)
    loop = "_s = 0\nfor _j in range(%d):\n    _s += (_j * _j) %% 7\n" % n
    cells = [("x_0 = 0", "")]
    for i in range(1, 11):
        cells.append((loop + "x_%d = x_%d + _s" % (i, i - 1), "persist=True"))
    cells.append(("print('x_10', x_10)", ""))
    wnb = d / "weir_nb.py"
    wnb.write_text(weir_nb(cells))
    # marimo: each body inside mo.persistent_cache.
    msrc = "import marimo\n\napp = marimo.App()\n\n\n@app.cell\ndef _():\n    import marimo as mo\n    x_0 = 0\n    return mo, x_0\n\n\n"
    for i in range(1, 11):
        body = "with mo.persistent_cache(name='cell_%d'):\n" % i + "".join(
            "    " + l + "\n" for l in (loop + "x_%d = x_%d + _s" % (i, i - 1)).splitlines())
        msrc += "@app.cell\ndef _(mo, x_%d):\n" % (i - 1) + "".join("    %s\n" % l for l in body.splitlines())
        msrc += "    return (x_%d,)\n\n\n" % i
    msrc += "@app.cell\ndef _(x_10):\n    print('x_10', x_10)\n    return\n\n\nif __name__ == \"__main__\":\n    app.run()\n"
    mnb = d / "marimo_nb.py"
    mnb.write_text(msrc)
    wstore = d / "__weir__"
    mcache = d / "__marimo__"
    wcmd = [weir, "exec", str(wnb), "--python", python]
    mcmd = [python, str(mnb)]
    cold_repeat = max(1, repeat // 2)
    rows = []
    wc, out_c = timed(wcmd, cold_repeat, env, before=lambda: shutil.rmtree(wstore, ignore_errors=True))
    ww, out_w = timed(wcmd, repeat, env)
    assert "restored, verified" in out_w and "not needed" in out_w, out_w
    mc, mout_c = timed(mcmd, cold_repeat, cwd=d, before=lambda: shutil.rmtree(mcache, ignore_errors=True))
    mw, mout_w = timed(mcmd, repeat, cwd=d)
    assert [l for l in out_c.splitlines() if l.startswith("x_10")] == [l for l in mout_w.splitlines() if l.startswith("x_10")]
    print("| 10 cells x ~1 s CPU (loop of %d) | cold | warm |" % n)
    print("|---|---:|---:|")
    print("| `weir exec`, `persist=True` | %.2f s | %.3f s |" % (wc, ww))
    print("| marimo 0.25.2 `python nb.py`, `mo.persistent_cache` | %.2f s | %.3f s |" % (mc, mw))
    print()
    print("warm: marimo / weir = %.1fx" % (mw / ww))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weir", default=str(REPO / "target/release/weir"))
    ap.add_argument("--python", default=str(HERE / ".venv/bin/python"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", choices=["array", "ten"])
    args = ap.parse_args()
    env = dict(os.environ, WEIR_PYTHONPATH=str(REPO / "python"))
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "array"):
            array_restore(args.weir, args.python, args.repeat, env, Path(tmp))
        if args.only in (None, "ten"):
            ten_cells(args.weir, args.python, args.repeat, env, Path(tmp))


if __name__ == "__main__":
    main()
