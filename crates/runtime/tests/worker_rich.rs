//! Rich outputs from the libraries people actually use: a matplotlib figure
//! becomes a PNG, a pandas DataFrame an HTML table. Those libraries are not
//! in the standard library, so these tests need an interpreter that has
//! them: `$WEIR_TEST_RICH_PYTHON` (scripts/test.sh makes a venv with
//! matplotlib and pandas and sets it; CI therefore always runs them).

mod common;
#[path = "../../../tests/support/skip.rs"]
mod skip;

use std::path::PathBuf;

use common::{python_dir, run};
use weir_runtime::{Worker, WorkerConfig};

fn rich_worker(test: &str) -> Option<Worker> {
    let Some(python) = std::env::var_os("WEIR_TEST_RICH_PYTHON") else {
        skip::skip_or_fail(
            test,
            "WEIR_TEST_RICH_PYTHON is not set to a python with matplotlib and pandas (scripts/test.sh sets it)",
        );
        return None;
    };
    let mut config = WorkerConfig::new(PathBuf::from(python));
    config.python_path_extra = Some(python_dir());
    Some(Worker::spawn(config).expect("worker starts"))
}

#[test]
fn a_matplotlib_figure_is_a_png() {
    let Some(mut worker) = rich_worker("a_matplotlib_figure_is_a_png") else {
        return;
    };
    run(
        &mut worker,
        "c0",
        "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt",
    );
    let ran = run(
        &mut worker,
        "c1",
        "fig, ax = plt.subplots(figsize=(2, 1))\nax.plot([1, 3, 2])\nfig",
    );
    let output = ran.outcome.output.expect("the figure is the cell's output");
    let png = output["image/png"].as_str().expect("a PNG in the bundle");
    // The PNG signature, \x89PNG\r\n\x1a\n, in base64.
    assert!(
        png.starts_with("iVBORw0KGgo"),
        "{}",
        &png[..png.len().min(40)]
    );
    assert!(png.len() > 300, "a real image, not a stub");
}

#[test]
fn a_pandas_dataframe_is_an_html_table() {
    let Some(mut worker) = rich_worker("a_pandas_dataframe_is_an_html_table") else {
        return;
    };
    let ran = run(
        &mut worker,
        "c0",
        "import pandas as pd\npd.DataFrame({'city': ['Oslo', 'Lima'], 'n': [1, 2]})",
    );
    let output = ran.outcome.output.expect("the frame is the cell's output");
    let html = output["text/html"].as_str().expect("an HTML table");
    assert!(html.contains("<table"), "{html}");
    assert!(html.contains("Oslo") && html.contains("Lima"), "{html}");
    assert!(output.contains_key("text/plain"));
}

#[test]
fn an_altair_chart_is_inline_vega_lite_without_cdn_html() {
    let Some(mut worker) = rich_worker("an_altair_chart_is_inline_vega_lite_without_cdn_html")
    else {
        return;
    };
    run(
        &mut worker,
        "c0",
        "import altair as alt\nimport pandas as pd",
    );
    let ran = run(
        &mut worker,
        "c1",
        "alt.Chart(pd.DataFrame({'x': [1, 2], 'y': [3, 4]})).mark_bar().encode(x='x', y='y')",
    );
    let output = ran.outcome.output.expect("the chart is the cell's output");
    let (mime, spec) = output
        .iter()
        .find(|(k, _)| k.starts_with("application/vnd.vegalite.v"))
        .expect("a Vega-Lite spec in the bundle");
    assert!(mime.ends_with("+json"), "{mime}");
    assert_eq!(
        spec["mark"]["type"].as_str().or(spec["mark"].as_str()),
        Some("bar"),
        "{spec}"
    );
    // The data is inline (the page fetches nothing).
    let datasets = spec["datasets"].as_object().expect("inline datasets");
    assert_eq!(
        datasets.values().next().unwrap().as_array().unwrap().len(),
        2
    );
    assert!(
        !output.contains_key("text/html"),
        "no CDN-loading HTML: {output:?}"
    );
}

#[test]
fn a_plotly_figure_is_plotly_json_without_cdn_html() {
    let Some(mut worker) = rich_worker("a_plotly_figure_is_plotly_json_without_cdn_html") else {
        return;
    };
    run(
        &mut worker,
        "c0",
        "import numpy as np\nimport plotly.graph_objects as go",
    );
    let ran = run(
        &mut worker,
        "c1",
        "go.Figure(go.Scatter(x=np.arange(3), y=[3, 1, 2]))",
    );
    let output = ran.outcome.output.expect("the figure is the cell's output");
    let fig = &output["application/vnd.plotly.v1+json"];
    assert_eq!(fig["data"][0]["type"], "scatter", "{output:?}");
    // numpy data arrives as JSON (plotly may encode it as a typed array).
    assert!(!fig["data"][0]["x"].is_null(), "{fig}");
    assert!(
        !output.contains_key("text/html"),
        "no CDN-loading HTML: {output:?}"
    );
}
