"""A small data pipeline with only the standard library: parse CSV text,
clean it, aggregate it, and report."""

import weir

app = weir.App(width="medium", app_title="Sales pipeline")

@app.cell
def _():
    import weir
    return (weir,)


@app.cell
def _():
    raw_csv = "\n".join(
        [
            "date,region,product,units,unit_price",
            "2024-01-03,north,widget,12,2.50",
            "2024-01-03,south,gadget,3,10.00",
            "2024-01-04,north,gadget,,10.00",
            "2024-01-05,east,widget,7,2.50",
            "2024-01-05,west,gizmo,1,99.00",
            "2024-01-06,south,widget,20,2.40",
            "2024-01-07,east,gadget,5,9.50",
            "2024-01-07,north,gizmo,2,95.00",
        ]
    )
    return (raw_csv,)


@app.cell
def _(raw_csv):
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(raw_csv)))
    print(f"{len(rows)} rows read")
    return (rows,)


@app.cell
def _(rows):
    # Drop rows with a missing quantity and convert the numeric columns.
    clean = [
        {
            "date": r["date"],
            "region": r["region"],
            "product": r["product"],
            "units": int(r["units"]),
            "revenue": int(r["units"]) * float(r["unit_price"]),
        }
        for r in rows
        if r["units"].strip()
    ]
    dropped = len(rows) - len(clean)
    return clean, dropped


@app.cell
def _():
    min_revenue = 10.0
    return (min_revenue,)


@app.cell
def _(clean, min_revenue):
    from collections import defaultdict

    _totals = defaultdict(float)
    for _r in clean:
        if _r["revenue"] >= min_revenue:
            _totals[_r["region"]] += _r["revenue"]
    by_region = dict(sorted(_totals.items(), key=lambda kv: -kv[1]))
    return (by_region,)


@app.cell
def _(clean):
    import statistics

    revenues = [r["revenue"] for r in clean]
    summary = {
        "orders": len(revenues),
        "total": round(sum(revenues), 2),
        "mean": round(statistics.mean(revenues), 2),
        "median": round(statistics.median(revenues), 2),
    }
    return (summary,)


@app.cell
def _(by_region, dropped, min_revenue, summary, weir):
    _lines = [f"| {region} | {total:.2f} |" for region, total in by_region.items()]
    weir.md(
        "\n".join(
            [
                "## Revenue by region",
                f"Orders of at least {min_revenue:.2f}; {dropped} incomplete row(s) dropped.",
                "",
                "| region | revenue |",
                "| --- | ---: |",
                *_lines,
                "",
                f"Total revenue {summary['total']:.2f} over {summary['orders']} orders.",
            ]
        )
    )
    return


if __name__ == "__main__":
    app.run()
