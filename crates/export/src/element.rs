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

/// An `altair_chart` element's Vega-Lite spec: in a static page the
/// element is its chart, drawn as any chart output, its selection inert
/// (nothing reads it).
pub fn chart_spec(data: &Value) -> Option<&Value> {
    if data.get("kind").and_then(Value::as_str) != Some("altair_chart")
        || !data.get("id").is_some_and(Value::is_string)
    {
        return None;
    }
    data.get("props")
        .and_then(|p| p.get("spec"))
        .filter(|spec| spec.is_object())
}

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
        "text_area" | "code_editor" => {
            let _ = write!(
                out,
                "<textarea disabled>{}</textarea>",
                escape_html(&text(value))
            );
        }
        "text" | "date" | "datetime" => {
            let kind_attr = match kind {
                "date" => "date",
                "datetime" => "datetime-local",
                _ => "text",
            };
            let _ = write!(
                out,
                "<input type=\"{kind_attr}\" disabled value=\"{}\">",
                escape_html(&text(value))
            );
        }
        "table" => push_table(out, props, value),
        "file" => {
            let names: Vec<String> = value
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f.get("name").and_then(Value::as_str).map(str::to_owned))
                .collect();
            out.push_str("<input type=\"file\" disabled>");
            push_value(out, &names.join(", "));
        }
        "form" => {
            if let Some(inner) = props.get("element") {
                render_element(out, inner);
            }
            let submit = props
                .get("submit_button_label")
                .and_then(Value::as_str)
                .unwrap_or("Submit");
            let _ = write!(
                out,
                "<button type=\"button\" disabled>{}</button>",
                escape_html(submit)
            );
        }
        "array" | "dictionary" => {
            for item in props
                .get("elements")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                render_element(out, item);
            }
        }
        "matplotlib" => {
            // The figure as drawn; the selection is the page's to make.
            if let Some(png) = props.get("png").and_then(Value::as_str)
                && png
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
            {
                let _ = write!(
                    out,
                    "<img class=\"weir-figure\" alt=\"figure\" src=\"data:image/png;base64,{png}\">"
                );
            }
        }
        "matrix" => push_matrix(out, value),
        _ => push_value(out, &format!("{kind}: {}", text(value))),
    }
    out.push_str("</label></div>\n");
    true
}

/// A table's rows as a static table, the selected ones marked.
fn push_table(out: &mut String, props: &serde_json::Map<String, Value>, value: &Value) {
    let cell = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let selected: Vec<u64> = value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    out.push_str("<table class=\"weir-element-table\"><thead><tr>");
    for column in props
        .get("columns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let _ = write!(out, "<th>{}</th>", escape_html(&cell(column)));
    }
    out.push_str("</tr></thead><tbody>");
    let rows = props.get("rows").and_then(Value::as_array);
    for (i, row) in rows.into_iter().flatten().enumerate() {
        let mark = if selected.contains(&(i as u64)) {
            " class=\"weir-selected\""
        } else {
            ""
        };
        let _ = write!(out, "<tr{mark}>");
        for v in row.as_array().into_iter().flatten() {
            let _ = write!(out, "<td>{}</td>", escape_html(&cell(v)));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

fn push_value(out: &mut String, shown: &str) {
    out.push_str(" <output class=\"weir-element-value\">");
    push_escaped(out, shown);
    out.push_str("</output>");
}

/// A matrix's numbers as a table of disabled fields.
fn push_matrix(out: &mut String, value: &Value) {
    out.push_str("<table class=\"weir-matrix\">");
    for row in value.as_array().into_iter().flatten() {
        out.push_str("<tr>");
        for cell in row.as_array().into_iter().flatten() {
            let _ = write!(
                out,
                "<td><input type=\"number\" disabled value=\"{}\"></td>",
                escape_html(&cell.to_string())
            );
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>");
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
            render(json!({"id": "a", "kind": "datetime", "value": "2024-01-02T03:04:00"}))
                .contains("type=\"datetime-local\" disabled value=\"2024-01-02T03:04:00\"")
        );
        assert!(
            render(json!({"id": "a", "kind": "file", "value": [{"name": "a.csv", "size": 3}]}))
                .contains(">a.csv</output>")
        );
        assert!(
            render(json!({"id": "a", "kind": "button", "label": "go", "value": 0}))
                .contains("<button type=\"button\" disabled>go</button>")
        );
    }

    #[test]
    fn composites_show_their_parts() {
        let table = render(json!({"id": "t", "kind": "table", "value": [1],
            "props": {"columns": ["name"], "rows": [["<a>"], ["bob"]]}}));
        assert!(table.contains("<th>name</th>"), "{table}");
        assert!(table.contains("<td>&lt;a&gt;</td>"), "{table}");
        assert!(
            table.contains("<tr class=\"weir-selected\"><td>bob</td>"),
            "{table}"
        );
        let form = render(json!({"id": "f", "kind": "form", "value": null, "props": {
            "submit_button_label": "Go",
            "element": {"id": "s", "kind": "slider", "props": {}, "value": 2}}}));
        assert!(
            form.contains("data-kind=\"slider\"") && form.contains(">Go</button>"),
            "{form}"
        );
        let array = render(
            json!({"id": "a", "kind": "array", "value": [true], "props": {
            "elements": [{"id": "c", "kind": "checkbox", "props": {}, "value": true}]}}),
        );
        assert!(array.contains("checked"), "{array}");
    }

    #[test]
    fn a_figure_shows_its_image_and_a_matrix_its_numbers() {
        let figure = render(json!({"id": "f", "kind": "matplotlib", "value": {},
            "props": {"png": "iVBORw0KGgo=", "width": 640}}));
        assert!(
            figure.contains("src=\"data:image/png;base64,iVBORw0KGgo=\""),
            "{figure}"
        );
        let forged = render(json!({"id": "f", "kind": "matplotlib", "value": {},
            "props": {"png": "\"><script>"}}));
        assert!(!forged.contains("<script>"), "{forged}");
        let matrix =
            render(json!({"id": "m", "kind": "matrix", "value": [[1.0, 2.5]], "props": {}}));
        assert!(
            matrix.contains("value=\"1.0\"") && matrix.contains("value=\"2.5\""),
            "{matrix}"
        );
    }

    #[test]
    fn a_chart_element_gives_its_spec() {
        let spec = json!({"mark": "point", "data": {"values": [{"a": 1}]}});
        let data = json!({"id": "c", "kind": "altair_chart", "value": {},
            "props": {"spec": spec.clone(), "chart_selection": true}});
        assert_eq!(chart_spec(&data), Some(&spec));
        assert_eq!(
            chart_spec(&json!({"id": "c", "kind": "altair_chart", "props": {"spec": "x"}})),
            None
        );
        assert_eq!(
            chart_spec(&json!({"id": "c", "kind": "slider", "props": {"spec": {}}})),
            None
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
