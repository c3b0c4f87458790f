//! The exported page in a real browser: Debian's Chromium, headless, through
//! playwright-core (tests/browser/). Checks that markdown, an HTML table, a
//! PNG (decoded, naturalWidth > 0), plain text and an error all show, and
//! that the page requests nothing but itself.
//!
//! Fails when Chromium, Node or `npm ci` is missing; set WEIR_SKIP_BROWSER=1
//! to skip. scripts/test.sh installs what it needs.

#[path = "../../../tests/browser/support.rs"]
mod support;

use serde_json::json;
use weir_export::{ExportCell, ExportDocument, ExportError, HtmlOptions, render_html, verify};

/// A 4×3 red PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAQAAAADCAIAAAA7ljmRAAAAEElEQVR4nGM4IScHRww4OQD1xwwxB+utmQAAAABJRU5ErkJggg==";

fn one(mime: &str, data: serde_json::Value) -> weir_export::MimeBundle {
    [(mime.to_string(), data)].into()
}

fn document() -> ExportDocument {
    let ok = |name: &str, code: &str, outputs| ExportCell {
        name: name.into(),
        code: code.into(),
        status: "ok".into(),
        outputs,
        ..Default::default()
    };
    ExportDocument {
        title: "Browser check".into(),
        generated_at: Some("2026-01-01".into()),
        source: Some("browser.py".into()),
        cells: vec![
            ok(
                "md",
                "weir.md('...')",
                vec![one("text/markdown", json!("## Markdown heading\n\nSome **bold** words."))],
            ),
            ok(
                "table",
                "df",
                vec![one(
                    "text/html",
                    json!("<table class=\"df\"><thead><tr><th>name</th><th>value</th></tr></thead><tbody><tr><td>alpha</td><td>41</td></tr><tr><td>beta</td><td>42</td></tr></tbody></table>"),
                )],
            ),
            ok("plot", "fig", vec![one("image/png", json!(PNG))]),
            ok(
                "plain",
                "print('</pre><script>document.title = \"pwned\"</script>')",
                vec![one("text/plain", json!("plain </pre><script>x</script> text"))],
            ),
            ExportCell {
                name: "boom".into(),
                code: "1 / 0".into(),
                status: "error".into(),
                error: Some(ExportError {
                    exc_type: "ZeroDivisionError".into(),
                    message: "division by zero".into(),
                    traceback: "Traceback (most recent call last):\n  File \"<cell boom>\", line 1, in <module>\n    1 / 0\nZeroDivisionError: division by zero\n".into(),
                }),
                ..Default::default()
            },
            ExportCell {
                name: "after".into(),
                code: "y = 2".into(),
                status: "not-run".into(),
                reason: Some("an ancestor raised an error".into()),
                ..Default::default()
            },
        ],
    }
}

#[test]
fn exported_page_renders_in_chromium() {
    if support::skipped() {
        return;
    }
    let html = render_html(&document(), &HtmlOptions::default());
    assert!(verify(&html).is_ok());
    let dir = support::fresh_dir("export-browser");
    let page = dir.join("page.html");
    std::fs::write(&page, &html).unwrap();
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
    support::check_in_chromium(
        &page,
        &support::PageCheck {
            texts: strings(&[
                "Browser check",
                "Markdown heading",
                "alpha",
                "42",
                "plain </pre><script>x</script> text",
                "ZeroDivisionError: division by zero",
                "Traceback (most recent call last):",
                "an ancestor raised an error",
                "1 / 0",
            ]),
            // The escaped `<script>` in the code and the output stays text.
            no_selectors: strings(&["script"]),
            title: Some("Browser check".into()),
            selectors: vec![
                ("h2".into(), 1),
                (".weir-markdown strong".into(), 1),
                ("table.df td".into(), 4),
                (".weir-error pre.weir-traceback".into(), 1),
                ("img[src^='data:image/png;base64,']".into(), 1),
            ],
            min_images: 1,
            ..Default::default()
        },
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A Vega-Lite chart, a Plotly figure and LaTeX in markdown, drawn from the
/// libraries inlined into the page (no request leaves it; the CSP has no
/// 'unsafe-eval', so Vega must run on its interpreter).
#[test]
fn charts_and_math_render_offline_in_chromium() {
    if support::skipped() {
        return;
    }
    let cells = vec![
        ExportCell {
            name: "chart".into(),
            status: "ok".into(),
            outputs: vec![one(
                "application/vnd.vegalite.v6+json",
                json!({
                    "data": {"values": [{"k": "alpha", "v": 3}, {"k": "beta", "v": 5}]},
                    "mark": "bar",
                    "params": [{"name": "pick", "select": {"type": "point", "fields": ["k"]}}],
                    "encoding": {
                        "x": {"field": "k", "type": "nominal"},
                        "y": {"field": "v", "type": "quantitative"},
                        "opacity": {"condition": {"param": "pick", "value": 1}, "value": 0.3}
                    }
                }),
            )],
            ..Default::default()
        },
        ExportCell {
            name: "fig".into(),
            status: "ok".into(),
            outputs: vec![one(
                "application/vnd.plotly.v1+json",
                json!({"data": [{"type": "scatter", "x": [1, 2, 3], "y": [2, 1, 3]}],
                       "layout": {"title": {"text": "plotly title"}}}),
            )],
            ..Default::default()
        },
        ExportCell {
            name: "math".into(),
            status: "ok".into(),
            outputs: vec![one(
                "text/markdown",
                json!(
                    "Inline $e^{i\\pi} + 1 = 0$ and display:\n\n$$\\int_0^1 x^2\\,dx = \\frac{1}{3}$$\n"
                ),
            )],
            ..Default::default()
        },
    ];
    let doc = ExportDocument {
        title: "Rich check".into(),
        cells,
        ..Default::default()
    };
    let html = render_html(&doc, &HtmlOptions::default());
    let dir = support::fresh_dir("export-browser-rich");
    let page = dir.join("page.html");
    std::fs::write(&page, &html).unwrap();
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<String>>();
    support::check_in_chromium(
        &page,
        &support::PageCheck {
            wait_for: strings(&[
                ".weir-chart[data-chart='vega-lite'][data-rendered='true'] svg .mark-rect path",
                ".weir-chart[data-chart='plotly'][data-rendered='true'] svg.main-svg",
                ".weir-math[data-typeset='true'] .katex",
            ]),
            texts: strings(&["alpha", "beta", "plotly title"]),
            absent: strings(&["Could not draw", "\\int_0"]),
            selectors: vec![
                (
                    ".weir-chart[data-chart='plotly'] .scatterlayer .trace".into(),
                    1,
                ),
                (".weir-math .katex-html".into(), 2),
                (".weir-math[data-display='true'] .katex-display".into(), 1),
            ],
            ..Default::default()
        },
    );
    let _ = std::fs::remove_dir_all(&dir);
}
