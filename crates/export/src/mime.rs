//! One output: pick the richest MIME type in a bundle and render it.
//!
//! Order, richest first: `text/html`, `image/svg+xml`, `image/png`,
//! `image/jpeg`, `image/gif`, `text/markdown`, `application/json`,
//! `text/plain`. A type whose data has the wrong shape (an image that is not
//! base64, a text type that is not a string) is passed over for the next.
//! A bundle with none of these shows a note naming the types it had. An
//! interactive element (`application/vnd.weir.ui+json`) comes before all of
//! them, as a disabled control showing its value (`element.rs`), then a
//! layout (`layout.rs`); then a chart's own JSON (Vega-Lite of any version,
//! Plotly) when its data is an object: the HTML those libraries also offer
//! loads the library from a CDN (see `rich`).

use std::fmt::Write;

use crate::document::MimeBundle;
use crate::escape::push_pre;
use crate::markdown::render_markdown_math;
use crate::rich::{Needs, chart_kind, push_chart};

/// The MIME types rendered, richest first.
pub const MIME_ORDER: &[&str] = &[
    "text/html",
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "image/gif",
    "text/markdown",
    "application/json",
    "text/plain",
];

/// The type [`render_output`] will use for this bundle, if any.
pub fn choose_mime(bundle: &MimeBundle) -> Option<&str> {
    if let Some(chart) = choose_chart(bundle) {
        return Some(chart);
    }
    MIME_ORDER
        .iter()
        .copied()
        .find(|mime| bundle.get(*mime).is_some_and(|data| usable(mime, data)))
}

/// The first chart type (by name, so the choice is stable) whose data is an object.
fn choose_chart(bundle: &MimeBundle) -> Option<&str> {
    bundle
        .iter()
        .find(|(mime, data)| chart_kind(mime).is_some() && data.is_object())
        .map(|(mime, _)| mime.as_str())
}

fn usable(mime: &str, data: &serde_json::Value) -> bool {
    match mime {
        "application/json" => true,
        "image/png" | "image/jpeg" | "image/gif" => data.as_str().is_some_and(is_base64),
        // text/plain may also be any JSON value: it is shown as JSON text.
        "text/plain" => true,
        _ => data.is_string(),
    }
}

/// Base64 (standard alphabet, padding, embedded whitespace allowed) and
/// non-empty. Checked because the data goes into a `src` attribute: anything
/// else could end the attribute, or point the image somewhere else.
fn is_base64(data: &str) -> bool {
    let mut any = false;
    for b in data.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' | b'=' => any = true,
            b' ' | b'\n' | b'\r' | b'\t' => {}
            _ => return false,
        }
    }
    any
}

/// Appends one output, wrapped in `<div class="weir-output" data-mime=...>`.
/// `needs` learns which libraries the output uses.
pub fn render_output(out: &mut String, needs: &mut Needs, bundle: &MimeBundle) {
    if let Some(data) = bundle.get(crate::element::UI_MIME) {
        // A chart element (`altair_chart`) is its chart.
        if let Some(spec) = crate::element::chart_spec(data) {
            needs.vega = true;
            let _ = write!(
                out,
                "<div class=\"weir-output weir-element\" data-mime=\"{}\" data-kind=\"altair_chart\">",
                crate::element::UI_MIME
            );
            push_chart(out, "vega-lite", spec);
            out.push_str("</div>\n");
            return;
        }
        // An interactive element is data, rendered as a static control.
        if crate::element::render_element(out, data) {
            return;
        }
    }
    // A layout renders its children itself (crate::layout); before the
    // richest-type choice, so interactive children are not lost to a
    // fallback.
    if crate::layout::render_layout_output(out, needs, bundle, 0) {
        return;
    }
    let Some(mime) = choose_mime(bundle) else {
        out.push_str("<div class=\"weir-output weir-output-unknown\">");
        let types: Vec<&str> = bundle.keys().map(String::as_str).collect();
        let note = if types.is_empty() {
            "(empty output)".to_string()
        } else {
            format!("(output of type {} not shown)", types.join(", "))
        };
        push_pre(out, "weir-note", &note);
        out.push_str("</div>\n");
        return;
    };
    let _ = write!(out, "<div class=\"weir-output\" data-mime=\"{mime}\">");
    let data = &bundle[mime];
    if let Some(kind) = chart_kind(mime) {
        match kind {
            "plotly" => needs.plotly = true,
            _ => needs.vega = true,
        }
        push_chart(out, kind, data);
        out.push_str("</div>\n");
        return;
    }
    match mime {
        // The notebook's own markup, embedded as it is (docs/export.md).
        "text/html" | "image/svg+xml" => {
            out.push_str(data.as_str().unwrap_or_default());
        }
        "image/png" | "image/jpeg" | "image/gif" => {
            let b64: String = data
                .as_str()
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            let _ = write!(
                out,
                "<img alt=\"output image\" src=\"data:{mime};base64,{b64}\">"
            );
        }
        "text/markdown" => {
            out.push_str("<div class=\"weir-markdown\">");
            let (html, math) = render_markdown_math(data.as_str().unwrap_or_default());
            needs.math |= math;
            out.push_str(&html);
            out.push_str("</div>");
        }
        "application/json" => {
            let text = serde_json::to_string_pretty(data).unwrap_or_default();
            push_pre(out, "weir-json", &text);
        }
        _ => {
            let text = match data.as_str() {
                Some(s) => s.to_string(),
                None => data.to_string(),
            };
            push_pre(out, "weir-plain", &text);
        }
    }
    out.push_str("</div>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bundle(pairs: &[(&str, serde_json::Value)]) -> MimeBundle {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn richest_type_wins() {
        let all = bundle(&[
            ("text/plain", json!("p")),
            ("application/json", json!({"a": 1})),
            ("text/markdown", json!("*m*")),
            ("image/png", json!("iVBORw0KGgo=")),
            ("image/svg+xml", json!("<svg></svg>")),
            ("text/html", json!("<b>h</b>")),
        ]);
        assert_eq!(choose_mime(&all), Some("text/html"));
        let mut b = all.clone();
        b.remove("text/html");
        assert_eq!(choose_mime(&b), Some("image/svg+xml"));
        b.remove("image/svg+xml");
        assert_eq!(choose_mime(&b), Some("image/png"));
        b.remove("image/png");
        assert_eq!(choose_mime(&b), Some("text/markdown"));
        b.remove("text/markdown");
        assert_eq!(choose_mime(&b), Some("application/json"));
        b.remove("application/json");
        assert_eq!(choose_mime(&b), Some("text/plain"));
        b.remove("text/plain");
        assert_eq!(choose_mime(&b), None);
    }

    #[test]
    fn malformed_data_falls_through() {
        // Not base64: could break out of the src attribute.
        let b = bundle(&[
            ("image/png", json!("\" onerror=\"alert(1)")),
            ("text/plain", json!("fallback")),
        ]);
        assert_eq!(choose_mime(&b), Some("text/plain"));
        // HTML that is not a string.
        let b = bundle(&[("text/html", json!(5)), ("text/plain", json!("5"))]);
        assert_eq!(choose_mime(&b), Some("text/plain"));
    }

    #[test]
    fn png_is_a_data_uri() {
        let mut out = String::new();
        render_output(
            &mut out,
            &mut Needs::default(),
            &bundle(&[("image/png", json!("iVBO\nRw0K"))]),
        );
        assert!(
            out.contains("<img alt=\"output image\" src=\"data:image/png;base64,iVBORw0K\">"),
            "{out}"
        );
    }

    #[test]
    fn plain_and_json_are_escaped() {
        let mut out = String::new();
        render_output(
            &mut out,
            &mut Needs::default(),
            &bundle(&[("text/plain", json!("</pre><script>x</script>"))]),
        );
        assert!(out.contains("&lt;/pre&gt;&lt;script&gt;"), "{out}");
        assert!(!out.contains("<script>"), "{out}");
        let mut out = String::new();
        render_output(
            &mut out,
            &mut Needs::default(),
            &bundle(&[("application/json", json!({"k": "</pre>"}))]),
        );
        assert!(
            out.contains("&quot;k&quot;: &quot;&lt;/pre&gt;&quot;"),
            "{out}"
        );
    }

    #[test]
    fn a_chart_element_draws_as_its_chart() {
        let mut out = String::new();
        let mut needs = Needs::default();
        let element = json!({"id": "c", "kind": "altair_chart", "label": "", "value": {},
            "props": {"spec": {"mark": "point", "title": "</div>"}}});
        render_output(
            &mut out,
            &mut needs,
            &bundle(&[
                (crate::element::UI_MIME, element),
                ("text/plain", json!("<altair_chart: 0 rows selected>")),
            ]),
        );
        assert!(needs.vega, "the page must carry Vega");
        assert!(out.contains("data-kind=\"altair_chart\""), "{out}");
        assert!(
            out.contains("class=\"weir-chart\" data-chart=\"vega-lite\""),
            "{out}"
        );
        assert!(
            out.contains("&lt;/div&gt;") && !out.contains("rows selected"),
            "{out}"
        );
    }

    #[test]
    fn unknown_types_are_named() {
        let mut out = String::new();
        render_output(
            &mut out,
            &mut Needs::default(),
            &bundle(&[("application/x-thing", json!("?"))]),
        );
        assert!(
            out.contains("(output of type application/x-thing not shown)"),
            "{out}"
        );
    }
}
