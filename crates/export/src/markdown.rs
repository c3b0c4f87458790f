//! `text/markdown` outputs (e.g. `weir.md(...)`) rendered to HTML with
//! pulldown-cmark, CommonMark plus the GitHub extensions people write in
//! notebooks (tables, strikethrough, task lists, footnotes).
//!
//! Raw HTML inside the markdown passes through, as it does in marimo: it is
//! the notebook author's own content, exactly like a `text/html` output.
//!
//! LaTeX: `$...$` and `\(...\)` inline, `$$...$$` and `\[...\]` display (as
//! marimo accepts) become `<span class="weir-math">` holding the escaped
//! TeX, which KaTeX typesets on the page (`rich.rs`).

use std::borrow::Cow;

use pulldown_cmark::{CowStr, Event, Options, Parser, html};

use crate::escape::escape_html;

/// Renders markdown to an HTML fragment.
pub fn render_markdown(text: &str) -> String {
    render_markdown_math(text).0
}

/// The HTML, and whether it holds math (so the page needs KaTeX).
pub fn render_markdown_math(text: &str) -> (String, bool) {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_MATH;
    let source = bracket_delimiters(text);
    let mut math = false;
    let events = Parser::new_ext(&source, options).map(|event| match event {
        Event::InlineMath(tex) => {
            math = true;
            Event::InlineHtml(math_span(&tex, false))
        }
        Event::DisplayMath(tex) => {
            math = true;
            Event::InlineHtml(math_span(&tex, true))
        }
        other => other,
    });
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    html::push_html(&mut out, events);
    (out, math)
}

fn math_span(tex: &str, display: bool) -> CowStr<'static> {
    format!(
        "<span class=\"weir-math\" data-display=\"{display}\">{}</span>",
        escape_html(tex.trim())
    )
    .into()
}

/// `\(x\)` becomes `$x$` and `\[x\]` becomes `$$x$$` outside code (fenced
/// blocks and backtick spans), since CommonMark reads `\(` as an escaped
/// parenthesis. A delimiter with no partner is left alone.
fn bracket_delimiters(text: &str) -> Cow<'_, str> {
    if !text.contains("\\(") && !text.contains("\\[") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut fence: Option<&str> = None;
    let mut pending = String::new();
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (None, Some(m)) => {
                out.push_str(&convert(&std::mem::take(&mut pending)));
                fence = Some(m);
                out.push_str(line);
            }
            (Some(open), Some(m)) if open == m => {
                fence = None;
                out.push_str(line);
            }
            (Some(_), _) => out.push_str(line),
            (None, None) => pending.push_str(line),
        }
    }
    out.push_str(&convert(&pending));
    Cow::Owned(out)
}

/// The conversion for prose (no fences), skipping backtick code spans.
fn convert(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if rest.starts_with('`') {
            let ticks = rest.len() - rest.trim_start_matches('`').len();
            let fence = &rest[..ticks];
            match rest[ticks..].find(fence) {
                Some(end) => {
                    let stop = ticks + end + ticks;
                    out.push_str(&rest[..stop]);
                    rest = &rest[stop..];
                }
                None => {
                    out.push_str(fence);
                    rest = &rest[ticks..];
                }
            }
            continue;
        }
        let pair = if rest.starts_with("\\(") {
            Some(("\\)", "$"))
        } else if rest.starts_with("\\[") {
            Some(("\\]", "$$"))
        } else {
            None
        };
        if let Some((close, dollars)) = pair
            && let Some(end) = rest[2..].find(close)
        {
            out.push_str(dollars);
            out.push_str(rest[2..2 + end].trim());
            out.push_str(dollars);
            rest = &rest[2 + end + 2..];
            continue;
        }
        let c = rest.chars().next().unwrap_or_default();
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_emphasis_lists_tables() {
        let html = render_markdown(
            "# Title\n\nSome *em* and **strong**.\n\n- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |\n",
        );
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<em>em</em>"), "{html}");
        assert!(html.contains("<strong>strong</strong>"), "{html}");
        assert!(html.contains("<li>a</li>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<td>2</td>"), "{html}");
    }

    #[test]
    fn math_becomes_escaped_spans() {
        let (html, math) = render_markdown_math("a $x_1 < y_1$ b\n\n$$\\int_0^1 f$$\n");
        assert!(math);
        assert!(
            html.contains("<span class=\"weir-math\" data-display=\"false\">x_1 &lt; y_1</span>"),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"weir-math\" data-display=\"true\">\\int_0^1 f</span>"),
            "{html}"
        );
        let (html, _) = render_markdown_math("so \\( a \\) and \\[b\\] here");
        assert!(html.contains("data-display=\"false\">a</span>"), "{html}");
        assert!(html.contains("data-display=\"true\">b</span>"), "{html}");
        // No math: no KaTeX needed; code keeps its delimiters.
        let (html, math) = render_markdown_math("`\\(x\\)`\n\n```\n\\[y\\]\n```\n");
        assert!(!math, "{html}");
        assert!(html.contains("<code>\\(x\\)</code>"), "{html}");
        assert!(html.contains("\\[y\\]"), "{html}");
    }

    #[test]
    fn code_spans_are_escaped() {
        let html = render_markdown("`</pre><script>`");
        assert!(
            html.contains("<code>&lt;/pre&gt;&lt;script&gt;</code>"),
            "{html}"
        );
    }
}
