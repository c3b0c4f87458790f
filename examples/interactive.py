import weir

app = weir.App()

@app.cell
def _():
    import weir
    return (weir,)


@app.cell
def _(weir):
    weir.md(
        """
        # Interactive elements

        Move the slider, pick a mark or tick the box: the cells that read
        them run again, and nothing else does. No callbacks.
        """
    )
    return


@app.cell
def _(weir):
    points = weir.ui.slider(2, 50, value=12, label="points")
    mark = weir.ui.dropdown(["line", "bar", "point"], value="line", label="mark")
    squared = weir.ui.checkbox(label="square the values")
    weir.hstack([points, mark, squared], justify="start", gap=2)
    return mark, points, squared


@app.cell
def _(points, squared):
    values = [{"x": i, "y": i * i if squared.value else i} for i in range(points.value)]
    print(f"{len(values)} points, the last at y = {values[-1]['y']}")
    return (values,)


@app.cell
def _():
    class VegaLite:
        """A Vega-Lite chart from a spec (what Altair produces), drawn by the
        Vega bundled with Weir: nothing is fetched."""

        def __init__(self, spec):
            self.spec = spec

        def _mime_(self):
            return ("application/vnd.vegalite.v5+json", self.spec)
    return (VegaLite,)


@app.cell
def _(VegaLite, mark, values):
    VegaLite(
        {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "data": {"values": values},
            "mark": {"type": mark.value, "tooltip": True},
            "encoding": {
                "x": {"field": "x", "type": "quantitative"},
                "y": {"field": "y", "type": "quantitative"},
            },
            "width": 360,
            "height": 180,
        }
    )
    return


@app.cell
def _(values, weir):
    # A chart whose selection is a value: drag over points (or click one)
    # and the cell below runs with the rows selected. Needs altair and
    # pandas in the notebook's Python; without them, a note.
    try:
        import altair as alt
        import pandas as pd
    except ImportError:
        alt = pd = None
    if alt is None:
        picked = None
        shown = weir.md("*Install altair and pandas to select points on a chart here.*")
    else:
        picked = weir.ui.altair_chart(
            alt.Chart(pd.DataFrame(values))
            .mark_point()
            .encode(x="x", y="y")
            .properties(width=360, height=180),
            label="drag over points to select them",
        )
        shown = picked
    shown
    return (picked,)


@app.cell
def _(picked, weir):
    if picked is None:
        selected = "No chart to select on."
    elif len(picked.value) == 0:
        selected = f"None of the {len(picked.dataframe)} points is selected."
    else:
        xs = picked.value["x"]
        selected = f"{len(xs)} points selected, x from {xs.min()} to {xs.max()}."
    weir.md(selected)
    return


@app.cell
def _(values, weir):
    total = sum(v["y"] for v in values)
    weir.md(f"Over {len(values)} points, $\\sum_i y_i = {total}$.")
    return


@app.cell
def _(weir):
    get_clicks, set_clicks = weir.state(0)
    return get_clicks, set_clicks


@app.cell
def _(set_clicks, weir):
    more = weir.ui.button(label="count", on_click=lambda _: set_clicks(lambda n: n + 1))
    more
    return


@app.cell
def _(get_clicks, weir):
    weir.stat(get_clicks(), label="clicks")
    return


if __name__ == "__main__":
    app.run()
