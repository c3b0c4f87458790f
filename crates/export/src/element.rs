//! Interactive elements (`application/vnd.weir.ui+json`, from `weir.ui`)
//! in a static page: a disabled control showing the element's value, with
//! its label, so the export shows what the notebook showed instead of a
//! blank. Every string of the element's data is escaped: its props are
//! data, never markup.

use std::fmt::Write;

use serde_json::Value;

use crate::escape::{escape_html, push_escaped};

/// The element MIME type.
pub const UI_MIME: &str = "application/vnd.weir.ui+json";

/// Appends the element; `false` (nothing appended) when `data` is not an
/// element's data, so the caller falls back to the bundle's other types.
pub fn render_element(out: &mut String, data: &Value) -> bool {
    let Some(kind) = data.get("kind").and_then(Value::as_str) else {
        return false;
    };
    if !data.get("id").is_some_and(Value::is_string) {
        return false;
    }
    let label = data.get("label").and_then(Value::as_str).unwrap_or("");
    let empty = serde_json::Map::new();
    let props = data
        .get("props")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let value = data.get("value").unwrap_or(&Value::Null);
    let _ = write!(
        out,
        "<div class=\"weir-output weir-element\" data-mime=\"{UI_MIME}\" data-kind=\"{}\"><label>",
        escape_html(kind)
    );
    if !label.is_empty() && !matches!(kind, "button" | "run_button") {
        out.push_str("<span class=\"weir-element-label\">");
        push_escaped(out, label);
        out.push_str("</span> ");
    }
    let number = |key: &str| props.get(key).and_then(Value::as_f64);
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    match kind {
        "slider" | "number" => {
            let kind_attr = if kind == "slider" { "range" } else { "number" };
            let _ = write!(out, "<input type=\"{kind_attr}\" disabled");
            if let Some(start) = number("start") {
                let _ = write!(out, " min=\"{start}\"");
            }
            if let Some(stop) = number("stop") {
                let _ = write!(out, " max=\"{stop}\"");
            }
            let _ = write!(
                out,
                " step=\"any\" value=\"{}\">",
                escape_html(&text(value))
            );
            push_value(out, &text(value));
        }
        "range_slider" => {
            let shown = match value.as_array().map(Vec::as_slice) {
                Some([low, high]) => format!("{} – {}", text(low), text(high)),
                _ => text(value),
            };
            push_value(out, &shown);
        }
        "checkbox" | "switch" => {
            let checked = if value.as_bool() == Some(true) {
                " checked"
            } else {
                ""
            };
            let _ = write!(out, "<input type=\"checkbox\" disabled{checked}>");
        }
        "dropdown" | "multiselect" => {
            let chosen: Vec<&str> = value
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let multiple = if kind == "multiselect" {
                " multiple"
            } else {
                ""
            };
            let _ = write!(out, "<select disabled{multiple}>");
            if kind == "dropdown" && chosen.is_empty() {
                out.push_str("<option selected>--</option>");
            }
            for option in props
                .get("options")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(option) = option.as_str() else {
                    continue;
                };
                let selected = if chosen.contains(&option) {
                    " selected"
                } else {
                    ""
                };
                let _ = write!(out, "<option{selected}>{}</option>", escape_html(option));
            }
            out.push_str("</select>");
        }
        "radio" => {
            for option in props
                .get("options")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(option) = option.as_str() else {
                    continue;
                };
                let checked = if value.as_str() == Some(option) {
                    " checked"
                } else {
                    ""
                };
                let _ = write!(
                    out,
                    "<span class=\"weir-radio\"><input type=\"radio\" disabled{checked}> {}</span> ",
                    escape_html(option)
                );
            }
        }
        "button" | "run_button" => {
            let shown = if label.is_empty() { "button" } else { label };
            let _ = write!(
                out,
                "<button type=\"button\" disabled>{}</button>",
                escape_html(shown)
            );
        }
        "text_area" => {
            let _ = write!(
                out,
                "<textarea disabled>{}</textarea>",
                escape_html(&text(value))
            );
        }
        "text" | "date" => {
            let kind_attr = if kind == "date" { "date" } else { "text" };
            let _ = write!(
                out,
                "<input type=\"{kind_attr}\" disabled value=\"{}\">",
                escape_html(&text(value))
            );
        }
        _ => push_value(out, &format!("{kind}: {}", text(value))),
    }
    out.push_str("</label></div>\n");
    true
}

fn push_value(out: &mut String, shown: &str) {
    out.push_str(" <output class=\"weir-element-value\">");
    push_escaped(out, shown);
    out.push_str("</output>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(data: Value) -> String {
        let mut out = String::new();
        assert!(render_element(&mut out, &data));
        out
    }

    #[test]
    fn a_slider_is_a_disabled_control_showing_its_value() {
        let html = render(json!({"id": "a-1", "kind": "slider", "label": "n",
            "props": {"start": 0, "stop": 10}, "value": 7}));
        assert!(
            html.contains("<input type=\"range\" disabled min=\"0\" max=\"10\""),
            "{html}"
        );
        assert!(html.contains("value=\"7\""), "{html}");
        assert!(
            html.contains("<output class=\"weir-element-value\">7</output>"),
            "{html}"
        );
        assert!(html.contains(">n</span>"), "{html}");
    }

    #[test]
    fn every_string_is_escaped() {
        let html = render(json!({"id": "a", "kind": "dropdown", "label": "<b>x</b>",
            "props": {"options": ["<script>", "b"]}, "value": ["<script>"]}));
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains("<option selected>&lt;script&gt;</option>"),
            "{html}"
        );
        assert!(html.contains("&lt;b&gt;x&lt;/b&gt;"), "{html}");
        let html = render(json!({"id": "a", "kind": "<img src=x>", "value": "\"><x"}));
        assert!(!html.contains("<img") && !html.contains("\"><x"), "{html}");
    }

    #[test]
    fn other_kinds_show_their_values() {
        assert!(render(json!({"id": "a", "kind": "checkbox", "value": true})).contains("checked"));
        assert!(render(json!({"id": "a", "kind": "text", "value": "hi"})).contains("value=\"hi\""));
        assert!(
            render(
                json!({"id": "a", "kind": "radio", "props": {"options": ["x", "y"]},
            "value": "y"})
            )
            .contains("checked> y")
        );
        assert!(
            render(json!({"id": "a", "kind": "range_slider", "value": [1, 3]})).contains("1 – 3")
        );
        assert!(
            render(json!({"id": "a", "kind": "button", "label": "go", "value": 0}))
                .contains("<button type=\"button\" disabled>go</button>")
        );
    }

    #[test]
    fn data_that_is_no_element_is_left_to_the_other_types() {
        let mut out = String::new();
        assert!(!render_element(&mut out, &json!({"kind": "slider"})));
        assert!(!render_element(&mut out, &json!("text")));
        assert!(out.is_empty());
    }
}
