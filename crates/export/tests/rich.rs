//! Charts and math in the export: each library is inlined only into a page
//! that uses it, the chart's JSON wins over the CDN-loading HTML its
//! library also offers, and the page's CSP refuses the network.

use std::collections::BTreeMap;

use serde_json::json;
use weir_export::{
    ExportCell, ExportDocument, HtmlOptions, MimeBundle, choose_mime, render_html, verify,
};

fn bundle(pairs: &[(&str, serde_json::Value)]) -> MimeBundle {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect::<BTreeMap<_, _>>()
}

fn page(outputs: Vec<MimeBundle>) -> String {
    let doc = ExportDocument {
        title: "rich".into(),
        cells: vec![ExportCell {
            name: "_".into(),
            status: "ok".into(),
            outputs,
            ..Default::default()
        }],
        ..Default::default()
    };
    let html = render_html(&doc, &HtmlOptions::default());
    assert!(verify(&html).is_ok());
    html
}

fn vega_spec() -> serde_json::Value {
    json!({"mark": "bar", "data": {"values": [{"x": "a</script><script>alert(1)</script>", "y": 1}]},
           "encoding": {"x": {"field": "x", "type": "nominal"}, "y": {"field": "y", "type": "quantitative"}}})
}

/// Markers that tell which library a page carries.
const VEGA: &str = "var WeirVega=";
const PLOTLY: &str = "plotly.js (cartesian";
const KATEX: &str = "KaTeX parse error";

#[test]
fn chart_json_wins_over_its_cdn_html() {
    let b = bundle(&[
        (
            "text/html",
            json!("<script src=\"https://cdn.example/vega.js\"></script>"),
        ),
        ("application/vnd.vegalite.v6+json", vega_spec()),
        ("text/plain", json!("alt.Chart(...)")),
    ]);
    assert_eq!(choose_mime(&b), Some("application/vnd.vegalite.v6+json"));
    let b = bundle(&[
        ("application/vnd.plotly.v1+json", json!({"data": []})),
        ("text/html", json!("<div/>")),
    ]);
    assert_eq!(choose_mime(&b), Some("application/vnd.plotly.v1+json"));
    // Not an object: not a chart.
    let b = bundle(&[
        ("application/vnd.vegalite.v6+json", json!("x")),
        ("text/plain", json!("p")),
    ]);
    assert_eq!(choose_mime(&b), Some("text/plain"));
}

#[test]
fn a_vega_lite_page_carries_vega_only_and_its_spec_escaped() {
    let html = page(vec![bundle(&[(
        "application/vnd.vegalite.v5+json",
        vega_spec(),
    )])]);
    assert!(html.contains(VEGA), "vega inlined");
    assert!(
        !html.contains(PLOTLY) && !html.contains(KATEX),
        "nothing else inlined"
    );
    assert!(html.contains("<div class=\"weir-chart\" data-chart=\"vega-lite\" data-spec=\"{"));
    // The spec is an attribute value: its markup stays text.
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains("a&lt;/script&gt;&lt;script&gt;alert(1)"));
}

#[test]
fn a_plotly_page_carries_plotly_only() {
    let html = page(vec![bundle(&[(
        "application/vnd.plotly.v1+json",
        json!({"data": [{"type": "scatter", "x": [1, 2], "y": [2, 1]}], "layout": {}}),
    )])]);
    assert!(html.contains(PLOTLY));
    assert!(!html.contains(VEGA) && !html.contains(KATEX));
    assert!(html.contains("data-chart=\"plotly\""));
}

#[test]
fn math_in_markdown_carries_katex_only() {
    let html = page(vec![bundle(&[(
        "text/markdown",
        json!("Euler: $e^{i\\pi} + 1 = 0$"),
    )])]);
    assert!(
        html.contains("<span class=\"weir-math\" data-display=\"false\">e^{i\\pi} + 1 = 0</span>"),
        "{html}"
    );
    assert!(html.contains(KATEX) && html.contains("@font-face"));
    assert!(!html.contains(VEGA) && !html.contains(PLOTLY));
    // Fonts are inlined, never fetched.
    assert!(html.contains("url(data:font/woff2;base64,"));
    assert!(!html.contains("url(fonts/"));
}

#[test]
fn a_page_without_charts_or_math_has_no_script_and_a_csp() {
    let html = page(vec![bundle(&[
        ("text/markdown", json!("costs $5 and $10")),
        ("text/plain", json!("x")),
    ])]);
    assert!(!html.contains("<script"), "no library, no glue");
    assert!(!html.contains(VEGA) && !html.contains(PLOTLY) && !html.contains(KATEX));
    assert!(html.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline';"
    ));
    assert!(html.contains("connect-src 'none'"));
}
