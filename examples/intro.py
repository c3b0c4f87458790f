"""Reactive basics: change a value and every cell that uses it reruns."""

import weir

app = weir.App(app_title="Introduction to Weir")

@app.cell
def _():
    import weir
    return (weir,)


@app.cell
def _(weir):
    # Triple-quoted strings in a cell are indented along with its code, so
    # multi-line text is easiest to write as adjacent string literals.
    weir.md(
        "# Welcome to Weir\n\n"
        "A Weir notebook is a plain Python file. Each cell is a function: its "
        "parameters are the names it reads from other cells, and its `return` "
        "lists the names it defines. Weir keeps those lists up to date.\n\n"
        "Edit `radius` below and watch the cells that depend on it rerun."
    )
    return


@app.cell
def _():
    radius = 3.0
    return (radius,)


@app.cell
def _(radius):
    import math

    area = math.pi * radius**2
    circumference = 2 * math.pi * radius
    return area, circumference, math


@app.cell
def _(area, circumference, radius, weir):
    weir.md(
        f"A circle of radius **{radius}** has area **{area:.2f}** "
        f"and circumference **{circumference:.2f}**."
    )
    return


@app.cell
def _(radius, weir):
    # `weir.stop` ends a cell early, and skips the cells that depend on it.
    weir.stop(radius <= 0, weir.md("*Pick a positive radius.*"))
    sizes = [radius * k for k in range(1, 6)]
    sizes
    return (sizes,)


@app.cell
def _(math, sizes):
    # Names that start with `_` are private to their cell.
    _areas = [round(math.pi * s**2, 1) for s in sizes]
    table = "\n".join(f"{s:>6.1f} {a:>10.1f}" for s, a in zip(sizes, _areas))
    print(table)
    return


if __name__ == "__main__":
    app.run()
