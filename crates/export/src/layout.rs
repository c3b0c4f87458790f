//! Layouts (`application/vnd.weir.layout+json`: `weir.hstack`, `vstack`,
//! `tabs`, `accordion`, `callout`, `stat`, `image`, `download`,
//! `center`/`left`/`right`, markdown with objects interpolated) as static
//! HTML. Each child is a MIME bundle rendered by [`render_output`], so a
//! layout never comes out blank: children show as their richest type.
//! Tabs become sections (the first open) since the page has no script;
//! props are text, escaped, and CSS values come from fixed sets or numbers.
//! A remote image or download is named, not loaded: the page fetches
//! nothing. The format: docs/python.md, "Layouts".

use std::fmt::Write;

use serde_json::Value;

use crate::document::MimeBundle;
use crate::escape::{escape_html, push_escaped, push_pre};
use crate::markdown::render_markdown_math;
use crate::mime::render_output;
use crate::rich::Needs;

pub const LAYOUT_MIME: &str = "application/vnd.weir.layout+json";

/// Layouts nested deeper than this show a note: the data is no page
/// anyone reads, and the walk stays shallow.
const MAX_DEPTH: usize = 32;

struct Layout<'a> {
    kind: &'a str,
    props: &'a serde_json::Map<String, Value>,
    children: Vec<MimeBundle>,
}

fn parse(value: &Value) -> Option<Layout<'_>> {
    static EMPTY: std::sync::OnceLock<serde_json::Map<String, Value>> = std::sync::OnceLock::new();
    let kind = value.get("kind")?.as_str()?;
    let props = match value.get("props") {
        None | Some(Value::Null) => EMPTY.get_or_init(serde_json::Map::new),
        Some(p) => p.as_object()?,
    };
    let children = match value.get("children") {
        None | Some(Value::Null) => Vec::new(),
        Some(c) => c
            .as_array()?
            .iter()
            .map(|b| b.as_object().map(|o| o.clone().into_iter().collect()))
            .collect::<Option<Vec<MimeBundle>>>()?,
    };
    Some(Layout {
        kind,
        props,
        children,
    })
}

/// Appends the layout in `bundle` and returns true, or returns false (and
/// appends nothing) when the bundle holds no valid layout.
pub fn render_layout_output(
    out: &mut String,
    needs: &mut Needs,
    bundle: &MimeBundle,
    depth: usize,
) -> bool {
    let Some(layout) = bundle.get(LAYOUT_MIME).and_then(parse) else {
        return false;
    };
    let _ = write!(
        out,
        "<div class=\"weir-output weir-layout\" data-mime=\"{LAYOUT_MIME}\" data-layout=\"{}\">",
        escape_html(layout.kind)
    );
    if depth >= MAX_DEPTH {
        push_pre(out, "weir-note", "(layout nested too deeply to show)");
    } else {
        render(out, needs, &layout, depth + 1);
    }
    out.push_str("</div>\n");
    true
}

fn text(props: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    match props.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A CSS keyword from a fixed set, or None.
fn keyword(props: &serde_json::Map<String, Value>, key: &str) -> Option<&'static str> {
    match props.get(key)?.as_str()? {
        "start" => Some("flex-start"),
        "end" => Some("flex-end"),
        "center" => Some("center"),
        "stretch" => Some("stretch"),
        "space-between" => Some("space-between"),
        "space-around" => Some("space-around"),
        "flex-start" => Some("flex-start"),
        "flex-end" => Some("flex-end"),
        _ => None,
    }
}

fn child(out: &mut String, needs: &mut Needs, layout: &Layout, index: usize, depth: usize) {
    if let Some(bundle) = layout.children.get(index) {
        render_child(out, needs, bundle, depth);
    }
}

/// One child: a layout through this module (depth counted), anything else
/// through the ordinary output renderer.
fn render_child(out: &mut String, needs: &mut Needs, bundle: &MimeBundle, depth: usize) {
    if !render_layout_output(out, needs, bundle, depth) {
        render_output(out, needs, bundle);
    }
}

fn render(out: &mut String, needs: &mut Needs, layout: &Layout, depth: usize) {
    let p = layout.props;
    let count = layout.children.len();
    match layout.kind {
        "hstack" | "vstack" => {
            let row = layout.kind == "hstack";
            let mut css = format!(
                "display:flex;flex-direction:{};gap:{}rem",
                if row { "row" } else { "column" },
                p.get("gap").and_then(Value::as_f64).unwrap_or(0.5)
            );
            if let Some(j) = keyword(p, "justify") {
                let _ = write!(css, ";justify-content:{j}");
            }
            if let Some(a) = keyword(p, "align") {
                let _ = write!(css, ";align-items:{a}");
            }
            if p.get("wrap").and_then(Value::as_bool) == Some(true) {
                css.push_str(";flex-wrap:wrap");
            }
            let sizes = p.get(if row { "widths" } else { "heights" });
            let _ = write!(out, "<div style=\"{css}\">");
            for i in 0..count {
                let flex = match sizes {
                    Some(Value::String(s)) if s == "equal" => Some(1.0),
                    Some(Value::Array(a)) => a.get(i).and_then(Value::as_f64),
                    _ => None,
                };
                match flex {
                    Some(f) => {
                        let _ = write!(out, "<div style=\"flex:{f};min-width:0\">");
                    }
                    None => out.push_str("<div style=\"min-width:0\">"),
                }
                child(out, needs, layout, i, depth);
                out.push_str("</div>");
            }
            out.push_str("</div>");
        }
        "center" | "left" | "right" => {
            let justify = keyword(p, "justify").unwrap_or("center");
            let _ = write!(
                out,
                "<div style=\"display:flex;justify-content:{justify}\">"
            );
            for i in 0..count {
                child(out, needs, layout, i, depth);
            }
            out.push_str("</div>");
        }
        "tabs" | "accordion" => {
            let labels = p.get("labels").and_then(Value::as_array);
            let expanded: Vec<u64> = p
                .get("expanded")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_u64).collect())
                .unwrap_or_default();
            let selected = p.get("selected").and_then(Value::as_u64).unwrap_or(0);
            for i in 0..count {
                let open = if layout.kind == "tabs" {
                    i as u64 == selected
                } else {
                    expanded.contains(&(i as u64))
                };
                let label = labels
                    .and_then(|l| l.get(i))
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| (i + 1).to_string());
                out.push_str(if open {
                    "<details class=\"weir-section\" open><summary>"
                } else {
                    "<details class=\"weir-section\"><summary>"
                });
                push_escaped(out, &label);
                out.push_str("</summary>");
                child(out, needs, layout, i, depth);
                out.push_str("</details>");
            }
        }
        "callout" => {
            let kind = p.get("kind").and_then(Value::as_str).unwrap_or("neutral");
            let colour = match kind {
                "danger" | "alert" => "#dc2626",
                "warn" => "#d97706",
                "success" => "#16a34a",
                "info" => "#2563eb",
                _ => "#9ca3af",
            };
            let _ = write!(
                out,
                "<div class=\"weir-callout\" style=\"border-left:4px solid {colour};padding:.4rem .8rem\">"
            );
            if let Some(title) = text(p, "title") {
                out.push_str("<strong>");
                push_escaped(out, &title);
                out.push_str("</strong>");
            }
            for i in 0..count {
                child(out, needs, layout, i, depth);
            }
            out.push_str("</div>");
        }
        "stat" => {
            let bordered = p.get("bordered").and_then(Value::as_bool) == Some(true);
            out.push_str(if bordered {
                "<div class=\"weir-stat\" style=\"border:1px solid var(--border);border-radius:6px;padding:.4rem .6rem\">"
            } else {
                "<div class=\"weir-stat\" style=\"padding:.4rem .6rem\">"
            });
            if let Some(label) = text(p, "label") {
                out.push_str("<div style=\"font-size:.8rem;color:var(--muted)\">");
                push_escaped(out, &label);
                out.push_str("</div>");
            }
            out.push_str("<div style=\"font-size:1.5rem;font-weight:600\">");
            push_escaped(out, &text(p, "value").unwrap_or_default());
            out.push_str("</div>");
            if let Some(caption) = text(p, "caption") {
                let arrow = match p.get("direction").and_then(Value::as_str) {
                    Some("increase") => "▲ ",
                    Some("decrease") => "▼ ",
                    _ => "",
                };
                out.push_str("<div>");
                push_escaped(out, &format!("{arrow}{caption}"));
                out.push_str("</div>");
            }
            for i in 0..count {
                child(out, needs, layout, i, depth);
            }
            out.push_str("</div>");
        }
        "image" => {
            let src = text(p, "src").unwrap_or_default();
            if !src.starts_with("data:") {
                push_pre(
                    out,
                    "weir-note",
                    &format!("(image {src} not embedded: the page loads nothing from the network)"),
                );
                return;
            }
            let mut css = String::new();
            for key in ["width", "height"] {
                if let Some(v) = text(p, key) {
                    let _ = write!(css, "{key}:{};", escape_html(&v));
                }
            }
            let _ = write!(
                out,
                "<img src=\"{}\" alt=\"{}\" style=\"{css}\">",
                escape_html(&src),
                escape_html(&text(p, "alt").unwrap_or_default())
            );
            if let Some(caption) = text(p, "caption") {
                out.push_str("<div class=\"weir-meta\">");
                push_escaped(out, &caption);
                out.push_str("</div>");
            }
        }
        "download" => {
            let href = text(p, "href").unwrap_or_default();
            let label = text(p, "label").unwrap_or_else(|| "Download".into());
            let disabled = p.get("disabled").and_then(Value::as_bool) == Some(true);
            if disabled || !href.starts_with("data:") {
                out.push_str("<span>");
                push_escaped(out, &label);
                out.push_str("</span>");
            } else {
                let _ = write!(
                    out,
                    "<a href=\"{}\" download=\"{}\">{}</a>",
                    escape_html(&href),
                    escape_html(&text(p, "filename").unwrap_or_else(|| "download".into())),
                    escape_html(&label)
                );
            }
        }
        "markdown" => {
            let (html, math) = render_markdown_math(&text(p, "text").unwrap_or_default());
            needs.math |= math;
            out.push_str("<div class=\"weir-markdown\">");
            out.push_str(&fill_slots(&html, |out, i| {
                out.push_str("<span class=\"weir-inline\" style=\"display:inline-block;vertical-align:middle\">");
                child(out, needs, layout, i, depth);
                out.push_str("</span>");
            }));
            out.push_str("</div>");
        }
        other => {
            push_pre(out, "weir-note", &format!("(layout {other})"));
            for i in 0..count {
                child(out, needs, layout, i, depth);
            }
        }
    }
}

/// `html` with each `<span data-weir-slot="N"></span>` (passed through by
/// the markdown renderer as inline HTML) replaced by child N.
fn fill_slots(html: &str, mut put: impl FnMut(&mut String, usize)) -> String {
    const OPEN: &str = "<span data-weir-slot=\"";
    const CLOSE: &str = "\"></span>";
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        let after = &rest[at + OPEN.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        match (
            after[..digits].parse::<usize>(),
            after[digits..].starts_with(CLOSE),
        ) {
            (Ok(i), true) => {
                put(&mut out, i);
                rest = &after[digits + CLOSE.len()..];
            }
            _ => {
                out.push_str(OPEN);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bundle(value: Value) -> MimeBundle {
        [(LAYOUT_MIME.to_string(), value)].into()
    }

    fn html(value: Value) -> String {
        let mut out = String::new();
        assert!(render_layout_output(
            &mut out,
            &mut Needs::default(),
            &bundle(value),
            0
        ));
        out
    }

    #[test]
    fn stacks_render_every_child() {
        let out = html(
            json!({"kind": "hstack", "props": {"justify": "start", "gap": 1},
            "children": [{"text/plain": "a<"}, {"text/markdown": "**b**"}]}),
        );
        assert!(
            out.contains("display:flex;flex-direction:row;gap:1rem;justify-content:flex-start"),
            "{out}"
        );
        assert!(out.contains("a&lt;"), "{out}");
        assert!(out.contains("<strong>b</strong>"), "{out}");
    }

    #[test]
    fn props_are_escaped_and_css_comes_from_fixed_sets() {
        let out = html(
            json!({"kind": "vstack", "props": {"justify": "x;background:url(evil)"},
            "children": []}),
        );
        assert!(!out.contains("evil"), "{out}");
        let out = html(
            json!({"kind": "stat", "props": {"value": "<b>1</b>", "label": "n"}, "children": []}),
        );
        assert!(out.contains("&lt;b&gt;1&lt;/b&gt;"), "{out}");
        let out = html(
            json!({"kind": "image", "props": {"src": "https://example.com/a.png"}, "children": []}),
        );
        assert!(!out.contains("<img"), "{out}");
    }

    #[test]
    fn markdown_slots_hold_their_children() {
        let out = html(json!({"kind": "markdown",
            "props": {"text": "pick <span data-weir-slot=\"0\"></span> *now*"},
            "children": [{"text/html": "<input type=range>"}]}));
        assert!(out.contains("pick <span class=\"weir-inline\""), "{out}");
        assert!(out.contains("<input type=range>"), "{out}");
        assert!(out.contains("<em>now</em>"), "{out}");
        assert!(!out.contains("data-weir-slot"), "{out}");
    }

    #[test]
    fn tabs_and_accordions_are_sections() {
        let out = html(
            json!({"kind": "tabs", "props": {"labels": ["A", "<B>"], "selected": 1},
            "children": [{"text/plain": "a"}, {"text/plain": "b"}]}),
        );
        assert!(
            out.contains("<details class=\"weir-section\"><summary>A</summary>"),
            "{out}"
        );
        assert!(
            out.contains("<details class=\"weir-section\" open><summary>&lt;B&gt;</summary>"),
            "{out}"
        );
    }

    #[test]
    fn invalid_layouts_fall_back_and_deep_ones_stop() {
        let mut out = String::new();
        assert!(!render_layout_output(
            &mut out,
            &mut Needs::default(),
            &bundle(json!({"kind": 1})),
            0
        ));
        assert!(out.is_empty());
        let mut deep = json!({"kind": "vstack", "children": [{"text/plain": "leaf"}]});
        for _ in 0..40 {
            deep = json!({"kind": "vstack", "children": [bundle(deep)]});
        }
        let out = html(deep);
        assert!(out.contains("nested too deeply"), "{out}");
    }
}
