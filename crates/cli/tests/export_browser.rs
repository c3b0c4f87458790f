//! A real `weir export html` of notebooks, opened in Debian's Chromium
//! through playwright-core (tests/browser/): the outputs a person would see
//! are there, the PNG a cell produced decoded, nothing was fetched.
//!
//! Fails when Chromium, Node or `npm ci` is missing; WEIR_SKIP_BROWSER=1
//! skips it. To look at the same page yourself:
//! `cargo run -p weir-cli -- export html examples/intro.py -o /tmp/intro.html`.

#[path = "../../../tests/browser/support.rs"]
mod support;

use std::process::Command;

fn export(notebook: &str, out: &std::path::Path) {
    let result = Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(["export", "html", notebook, "-o"])
        .arg(out)
        .current_dir(support::repo_root())
        .output()
        .expect("run weir");
    assert_eq!(
        result.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn intro_example_in_chromium() {
    if support::skipped() {
        return;
    }
    let dir = support::fresh_dir("cli-browser-intro");
    let page = dir.join("tmp.html");
    export("examples/intro.py", &page);
    support::check_in_chromium(
        &page,
        &support::PageCheck {
            texts: strings(&[
                "Introduction to Weir",
                "Welcome to Weir",
                "A circle of radius 3.0 has area 28.27 and circumference 18.85.",
                "[3.0, 6.0, 9.0, 12.0, 15.0]",
                "3.0       28.3",
                "7 cells: 7 ok",
            ]),
            selectors: vec![
                (".weir-markdown h1".into(), 1),
                ("section.weir-cell[data-status='ok']".into(), 7),
                ("pre.weir-console".into(), 1),
            ],
            no_selectors: strings(&["script"]),
            title: Some("Introduction to Weir".into()),
            ..Default::default()
        },
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_output_kind_in_chromium() {
    if support::skipped() {
        return;
    }
    let dir = support::fresh_dir("cli-browser-showcase");
    let page = dir.join("showcase.html");
    export("crates/cli/tests/fixtures/export_showcase.py", &page);
    support::check_in_chromium(
        &page,
        &support::PageCheck {
            texts: strings(&[
                "Showcase heading",
                "alpha",
                "42",
                "printed </pre><script>document.title = 'pwned'</script> line",
                "a plain <b>text</b> value",
                "ZeroDivisionError: division by zero",
                "ratio = 1 / denominator",
                "raised ZeroDivisionError",
            ]),
            selectors: vec![
                (".weir-markdown strong".into(), 1),
                ("table.showcase td".into(), 4),
                (".weir-error pre.weir-traceback".into(), 1),
                ("section[data-status='not-run']".into(), 1),
            ],
            no_selectors: strings(&["script"]),
            title: Some("Export showcase".into()),
            min_images: 1,
            ..Default::default()
        },
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Real altair and plotly (the rich test interpreter): the exported page
/// draws the chart, the figure and the math from the libraries inlined in
/// it, and requests nothing but itself.
#[test]
fn altair_plotly_and_latex_export_in_chromium() {
    if support::skipped() {
        return;
    }
    let Some(python) = support::rich_python("altair_plotly_and_latex_export_in_chromium") else {
        return;
    };
    let dir = support::fresh_dir("cli-browser-rich");
    let page = dir.join("rich.html");
    let result = Command::new(env!("CARGO_BIN_EXE_weir"))
        // No code: the TeX source must not show anywhere once typeset.
        .args([
            "export",
            "html",
            "crates/cli/tests/fixtures/rich_outputs.py",
            "--no-code",
            "--python",
        ])
        .arg(&python)
        .arg("-o")
        .arg(&page)
        .current_dir(support::repo_root())
        .output()
        .expect("run weir");
    assert_eq!(
        result.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        !html.contains("<script src=") && !html.contains("src=\"http"),
        "a CDN-loading HTML output made it into the page"
    );
    support::check_in_chromium(
        &page,
        &support::PageCheck {
            wait_for: strings(&[
                ".weir-chart[data-chart='vega-lite'][data-rendered='true'] svg .mark-rect path",
                ".weir-chart[data-chart='plotly'][data-rendered='true'] svg.main-svg",
                ".weir-math[data-typeset='true'] .katex",
            ]),
            texts: strings(&[
                "altair fruit",
                "banana",
                "plotly line",
                "This chart asks to load https://example.invalid/cars.json",
            ]),
            absent: strings(&["Could not draw", "\\frac", "$e^"]),
            selectors: vec![
                (
                    ".weir-chart[data-chart='plotly'] .scatterlayer .trace".into(),
                    1,
                ),
                ("span.weir-math[data-display='false'] .katex-html".into(), 2),
                (".weir-math .katex-display".into(), 1),
            ],
            ..Default::default()
        },
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A chart selection element (`mo.ui.altair_chart`) exports as its chart,
/// drawn offline from the inlined Vega; its readers show the value of no
/// selection (marimo's: no rows).
#[test]
fn a_chart_element_exports_as_its_chart_in_chromium() {
    if support::skipped() {
        return;
    }
    let Some(python) = support::rich_python("a_chart_element_exports_as_its_chart_in_chromium")
    else {
        return;
    };
    let dir = support::fresh_dir("cli-browser-chart-element");
    let notebook = dir.join("chart.py");
    std::fs::write(
        &notebook,
        "import marimo\n\napp = marimo.App()\n\n\n@app.cell\ndef _():\n    import altair as alt\n    import marimo as mo\n    import pandas as pd\n\n    df = pd.DataFrame({\"x\": [1, 2, 3], \"y\": [3, 1, 2]})\n    chart = mo.ui.altair_chart(alt.Chart(df).mark_point().encode(x=\"x\", y=\"y\"), label=\"picked points\")\n    chart\n    return (chart,)\n\n\n@app.cell\ndef _(chart):\n    f\"selected {len(chart.value)} rows\"\n    return\n",
    )
    .unwrap();
    let page = dir.join("chart.html");
    let result = Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(["export", "html"])
        .arg(&notebook)
        .arg("--python")
        .arg(&python)
        .arg("-o")
        .arg(&page)
        .output()
        .expect("run weir");
    assert_eq!(
        result.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    support::check_in_chromium(
        &page,
        &support::PageCheck {
            wait_for: strings(&[
                ".weir-element[data-kind='altair_chart'] .weir-chart[data-rendered='true'] svg .mark-symbol path",
            ]),
            texts: strings(&["picked points", "selected 0 rows"]),
            absent: strings(&["Could not draw", "rows selected"]),
            selectors: vec![(".weir-chart svg .mark-symbol path".into(), 3)],
            ..Default::default()
        },
    );
    let _ = std::fs::remove_dir_all(&dir);
}
