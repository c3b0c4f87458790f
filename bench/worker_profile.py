#!/usr/bin/env python3
"""Where the worker's per-cell time goes, with no runtime and no pipes to it.

    python3 bench/worker_profile.py [--cells 1000] [--profile]

Builds a `weir._worker.Worker` in this process over a channel that encodes
every frame as the real one does and writes it to /dev/null, then sends it
one `run_batch` of a chain of trivial cells (`x_i = x_{i-1} + 1`, the last
line displayed) with their code (cold: compiled), and the same batch again
without code (warm: the compile cache). Prints µs per cell for both; with
`--profile`, the warm batch's functions by own time (cProfile).

What it leaves out: the Rust side (reading, decoding, events) and the
wake-ups between the two processes; `weir exec` and the kernel pay those too.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "python"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=1000)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    # The worker points fds 1 and 2 at its own pipes: report on a copy.
    out = os.fdopen(os.dup(1), "w")
    from weir import _wire, _worker

    class NullChannel:
        def __init__(self):
            self._out_fd = os.open(os.devnull, os.O_WRONLY)
            r, self._never = os.pipe()  # no halt ever arrives
            self._in = os.fdopen(r, "rb", buffering=0)
            self.seq = 0

        def send(self, message):
            os.write(self._out_fd, _wire.encode_message(self.seq, message))
            self.seq += 1

        def send_with_buffers(self, message, buffers):
            self.send(message)

    worker = _worker.Worker(NullChannel(), None)
    sys.stdout, sys.stderr = worker.stdout, worker.stderr
    n = args.cells
    entries = []
    for i in range(n):
        body = "x%d = x%d + 1\n" % (i, i - 1) if i else "x0 = 0\n"
        code = body + "x%d" % i
        entries.append(
            {
                "cell_id": "c%d" % i,
                "name": "_",
                "filename_hint": "<cell %d `_`>" % i,
                "code": code,
                "code_hash": "h%d" % i,
                "requires": ["c%d" % (i - 1)] if i else [],
                "delete": ["x%d" % i],
                "display": {"start": len(body), "end": len(code), "line": 2, "column": 0},
            }
        )
    start = time.perf_counter()
    worker.run_batch({"entries": entries})
    cold = time.perf_counter() - start
    warm_entries = [dict(e, code=None, display=None) for e in entries]
    start = time.perf_counter()
    worker.run_batch({"entries": warm_entries})
    warm = time.perf_counter() - start
    out.write("cold (compiled): %.1f µs a cell\nwarm (cached): %.1f µs a cell\n"
              % (cold / n * 1e6, warm / n * 1e6))
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        worker.run_batch({"entries": warm_entries})
        profile.disable()
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(20)
        out.write(text.getvalue())
    out.flush()


if __name__ == "__main__":
    main()
