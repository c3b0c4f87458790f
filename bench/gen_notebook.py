#!/usr/bin/env python3
"""Generate large synthetic notebooks for benchmarks.

    gen_notebook.py SHAPE N OUT.py [--flavor marimo|weir]

SHAPE is `chain` (cell i reads the name cell i-1 defines: the deepest graph)
or `wide` (cell 0 defines one name every other cell reads: the broadest).
Both forms are written exactly as marimo 0.25 writes notebooks, so the same
file can be timed in both tools.
"""
from __future__ import annotations

import argparse


def cells(shape: str, n: int):
    if shape == "chain":
        yield [], ["x_0"], "x_0 = 0"
        for i in range(1, n):
            yield [f"x_{i - 1}"], [f"x_{i}"], f"x_{i} = x_{i - 1} + 1"
    elif shape == "wide":
        yield [], ["base"], "base = 1"
        for i in range(1, n):
            yield ["base"], [f"y_{i}"], f"y_{i} = base * {i}"
    else:
        raise SystemExit(f"unknown shape {shape!r}: use chain or wide")


def render(shape: str, n: int, flavor: str) -> str:
    if flavor == "marimo":
        head = 'import marimo\n\n__generated_with = "0.25.2"\napp = marimo.App()\n\n'
    else:
        head = "import weir\n\napp = weir.App()\n\n"
    parts = [head]
    for params, defs, code in cells(shape, n):
        returns = f"({defs[0]},)"
        parts.append(f"@app.cell\ndef _({', '.join(params)}):\n    {code}\n    return {returns}\n\n\n")
    parts.append('if __name__ == "__main__":\n    app.run()\n')
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shape", choices=["chain", "wide"])
    parser.add_argument("n", type=int)
    parser.add_argument("out")
    parser.add_argument("--flavor", choices=["marimo", "weir"], default="marimo")
    args = parser.parse_args()
    with open(args.out, "w") as f:
        f.write(render(args.shape, args.n, args.flavor))


if __name__ == "__main__":
    main()
