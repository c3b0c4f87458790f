#!/usr/bin/env python3
"""What marimo's `mo.persistent_cache` does with a damaged cache file.

    bench/.venv/bin/python bench/marimo_cache_faults.py

Runs a small marimo 0.25.2 notebook (script mode, `python nb.py`) whose cell
caches `value = [i * 3 for i in range(1000)]` with `mo.persistent_cache`,
then for each fault: rebuild a good cache, damage the cache file, run
again, and record the exit status, the printed sum (the right one is
1498500), whether the block recomputed (it appends to a side file when it
runs), and the last line of stderr. Prints a Markdown table.
docs/reliability.md records the result next to Weir's behaviour.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

NOTEBOOK = '''import marimo

app = marimo.App()


@app.cell
def _():
    import marimo as mo
    return (mo,)


@app.cell
def _(mo):
    with mo.persistent_cache(name="work"):
        open(SIDE, "a").write("ran\\n")
        value = [i * 3 for i in range(1000)]
    print("sum", sum(value))
    return (value,)


if __name__ == "__main__":
    app.run()
'''
RIGHT = "sum 1498500"


def run(nb: Path) -> tuple[int, str, str]:
    p = subprocess.run([sys.executable, str(nb)], capture_output=True, text=True, cwd=nb.parent)
    return p.returncode, p.stdout.strip(), p.stderr.strip()


def faults():
    def truncate_half(b: bytes) -> bytes:
        return b[: len(b) // 2]

    def truncate_empty(b: bytes) -> bytes:
        return b""

    def flip_at(frac: float):
        def f(b: bytes) -> bytes:
            a = bytearray(b)
            a[int(len(a) * frac)] ^= 0x01
            return bytes(a)

        f.__name__ = "bit flip at %d%%" % int(frac * 100)
        return f

    def flip_last(b: bytes) -> bytes:
        a = bytearray(b)
        a[-1] ^= 0x01
        return bytes(a)

    truncate_half.__name__ = "truncated to half"
    truncate_empty.__name__ = "truncated to 0 bytes"
    flip_last.__name__ = "bit flip in the last byte"
    return [truncate_half, truncate_empty] + [flip_at(x) for x in (0.1, 0.3, 0.5, 0.7, 0.9)] + [flip_last]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        side = d / "side.txt"
        nb = d / "nb.py"
        nb.write_text(NOTEBOOK.replace("SIDE", repr(str(side))))
        print("| fault | exit | printed | recomputed | stderr (last line) | verdict |")
        print("|---|---|---|---|---|---|")
        for fault in faults():
            cache = d / "__marimo__"
            subprocess.run(["rm", "-rf", str(cache)], check=True)
            side.write_text("")
            code, out, err = run(nb)
            assert code == 0 and RIGHT in out, (code, out, err)
            files = sorted(cache.rglob("*.pickle"))
            assert len(files) == 1, files
            files[0].write_bytes(fault(files[0].read_bytes()))
            before = side.read_text().count("ran")
            code, out, err = run(nb)
            recomputed = side.read_text().count("ran") > before
            printed = next((l for l in out.splitlines() if l.startswith("sum")), "(nothing)")
            if code != 0:
                verdict = "error"
            elif printed != RIGHT:
                verdict = "**wrong value served**"
            elif recomputed:
                verdict = "recomputed" + (" (warned)" if err else " (silently)")
            else:
                verdict = "right value served (damage not in data)"
            first = (err.splitlines() or [""])[-1][:90].replace("|", "\\|")
            print(f"| {fault.__name__} | {code} | {printed} | {'yes' if recomputed else 'no'} | {first} | {verdict} |")


if __name__ == "__main__":
    main()
