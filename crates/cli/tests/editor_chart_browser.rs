//! A chart selection as an element value, in the editor for real: `weir
//! edit --headless --port 0` on a marimo notebook wrapping an Altair
//! scatter chart in `mo.ui.altair_chart`, with the rich test interpreter
//! (real altair and pandas: `$WEIR_TEST_RICH_PYTHON`, made by
//! scripts/test.sh), driven in Debian's Chromium by
//! `tests/browser/editor-chart.mjs`: dragging an interval on the chart
//! re-runs the cell reading `chart.value` with the selected rows, and not
//! the cell that made the chart; nothing leaves the server.
//!
//! Missing Chromium, Node, `npm ci` in tests/browser or the rich interpreter
//! fails the test (under CI always; elsewhere only `WEIR_SKIP_BROWSER=1`
//! skips it).

#[path = "../../../tests/browser/support.rs"]
mod support;

const NOTEBOOK: &str = r#"import marimo

app = marimo.App()


@app.cell
def _():
    import builtins

    import altair as alt
    import marimo as mo
    import pandas as pd

    builtins.made = getattr(builtins, "made", 0) + 1
    points = pd.DataFrame({"x": [1, 2, 3, 4, 5, 6], "y": [1, 2, 3, 4, 5, 6]})
    # Room around the points, so a drag can start beside any of them.
    room = alt.Scale(domain=[0, 7])
    chart = mo.ui.altair_chart(
        alt.Chart(points)
        .mark_point(size=80)
        .encode(x=alt.X("x", scale=room), y=alt.Y("y", scale=room))
        .properties(width=360, height=300)
    )
    chart
    return builtins, chart


@app.cell
def _(builtins, chart):
    print(f"printed {len(chart.value)}")
    f"selected {len(chart.value)} of {len(chart.dataframe)}, made {builtins.made}"
    return


@app.cell
def _(mo):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    ax.scatter([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6])
    ax.set_xlim(0, 7)
    ax.set_ylim(0, 7)
    figure = mo.ui.matplotlib(ax)
    figure
    return (figure,)


@app.cell
def _(figure):
    _mask = figure.value.get_mask([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6])
    f"figure {int(_mask.sum())} {figure.value.get('mode')}"
    return


if __name__ == "__main__":
    app.run()
"#;

#[test]
fn a_chart_selection_drives_its_readers_in_a_real_browser() {
    if support::skipped() {
        return;
    }
    let Some(python) =
        support::rich_python("a_chart_selection_drives_its_readers_in_a_real_browser")
    else {
        return;
    };
    let (_, browser_dir, _) = support::prerequisites();
    let dir = support::fresh_dir("editor-chart-browser");
    let notebook = dir.join("chart.py");
    std::fs::write(&notebook, NOTEBOOK).unwrap();

    let mut command = support::edit_command(env!("CARGO_BIN_EXE_weir"));
    command.arg("--python").arg(&python).arg(&notebook);
    let server = support::EditServer::start(command);
    let url = server.url.clone();

    support::run_browser_script(
        &browser_dir,
        "editor-chart.mjs",
        &[url.as_ref()],
        &[],
        "the chart selection",
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
