//! Property tests: rendering never panics, and text meant as text never
//! comes out as markup.

use proptest::prelude::*;
use serde_json::json;
use weir_export::{ExportCell, ExportDocument, ExportError, HtmlOptions, render_html, verify};

/// The contents of every `<pre class="CLASS">` block.
fn pre_blocks<'a>(html: &'a str, class: &str) -> Vec<&'a str> {
    let open = format!("<pre class=\"{class}\">");
    let mut blocks = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(&open) {
        let after = &rest[at + open.len()..];
        let end = after.find("</pre>").expect("every <pre> is closed");
        blocks.push(&after[..end]);
        rest = &after[end..];
    }
    blocks
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Mostly markup-ish characters, so `<`, `&` and `</pre>` come up often.
fn texty() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::string::string_regex("([<>&\"'/a-z \n]|</pre>|<script>|&amp;)*").unwrap(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn never_panics_and_pre_blocks_hold_no_markup(
        title in texty(), name in texty(), code in texty(), plain in texty(),
        html_out in texty(), md in texty(), console in texty(), status in texty(),
        tb in texty(), include_code in any::<bool>(), hide in any::<bool>(),
    ) {
        let doc = ExportDocument {
            title: title.clone(),
            generated_at: Some(name.clone()),
            source: None,
            cells: vec![
                ExportCell {
                    name: name.clone(),
                    code: code.clone(),
                    hide_code: hide,
                    status: status.clone(),
                    reason: Some(title.clone()),
                    outputs: vec![
                        [("text/plain".to_string(), json!(plain))].into(),
                        [("text/html".to_string(), json!(html_out))].into(),
                        [("text/markdown".to_string(), json!(md))].into(),
                        [("image/png".to_string(), json!(plain))].into(),
                    ],
                    console: vec![("stdout".into(), console.clone())],
                    error: Some(ExportError { exc_type: name, message: plain.clone(), traceback: tb }),
                },
            ],
        };
        let html = render_html(&doc, &HtmlOptions { include_code });
        prop_assert!(verify(&html).is_ok());

        // Our plain-text output's block is the first weir-plain block: the
        // HTML and markdown outputs come after it.
        let plains = pre_blocks(&html, "weir-plain");
        prop_assert!(!plains.is_empty());
        let block = plains[0];
        prop_assert!(!block.contains('<'), "unescaped < in {block:?}");
        let shown = unescape(block.strip_prefix('\n').unwrap_or(block));
        let expected: String = plain.chars().map(|c| {
            if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') || c == '\u{7f}' { '\u{fffd}' } else { c }
        }).collect();
        prop_assert_eq!(shown, expected);

        for class in ["weir-source", "weir-console weir-stdout", "weir-traceback"] {
            for block in pre_blocks(&html, class) {
                prop_assert!(!block.contains('<'), "unescaped < in {class}: {block:?}");
            }
        }
        if include_code && !code.is_empty() {
            let sources = pre_blocks(&html, "weir-source");
            prop_assert_eq!(sources.len(), 1);
        } else {
            prop_assert!(pre_blocks(&html, "weir-source").is_empty());
        }
    }
}
