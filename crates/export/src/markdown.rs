//! `text/markdown` outputs (e.g. `weir.md(...)`) rendered to HTML with
//! pulldown-cmark, CommonMark plus the GitHub extensions people write in
//! notebooks (tables, strikethrough, task lists, footnotes).
//!
//! Raw HTML inside the markdown passes through, as it does in marimo: it is
//! the notebook author's own content, exactly like a `text/html` output.

use pulldown_cmark::{Options, Parser, html};

/// Renders markdown to an HTML fragment.
pub fn render_markdown(text: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    html::push_html(&mut out, Parser::new_ext(text, options));
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
    fn code_spans_are_escaped() {
        let html = render_markdown("`</pre><script>`");
        assert!(
            html.contains("<code>&lt;/pre&gt;&lt;script&gt;</code>"),
            "{html}"
        );
    }
}
