//! HTML escaping. Everything that comes from a notebook and is meant as text
//! (code, plain-text outputs, console output, tracebacks, names, titles)
//! goes through here, so it can never open a tag or close a `<pre>`.

use std::fmt::Write;

/// Escapes text for use in element content and in double- or single-quoted
/// attribute values: `&`, `<`, `>`, `"` and `'`.
///
/// NUL and other C0 control characters except tab, newline and carriage
/// return are written as U+FFFD: they are parse errors in HTML, and a
/// verifier that re-reads the page should see what the browser sees.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    push_escaped(&mut out, text);
    out
}

/// [`escape_html`], appending to `out`.
pub fn push_escaped(out: &mut String, text: &str) {
    let mut start = 0;
    for (i, c) in text.char_indices() {
        let replacement = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&#39;",
            '\t' | '\n' | '\r' => continue,
            c if (c as u32) < 0x20 || c == '\u{7f}' => "\u{fffd}",
            _ => continue,
        };
        out.push_str(&text[start..i]);
        out.push_str(replacement);
        start = i + c.len_utf8();
    }
    out.push_str(&text[start..]);
}

/// A string safe to use as an `id` attribute and URL fragment: ASCII
/// letters, digits, `-` and `_`; anything else becomes `-`.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            out.push(c);
        } else {
            out.push('-');
        }
    }
    out
}

/// Appends `<pre class="CLASS">`, a newline, the escaped text, `</pre>`.
///
/// The newline is there because HTML drops one newline right after `<pre>`:
/// with it, text that itself starts with a newline keeps it.
pub fn push_pre(out: &mut String, class: &str, text: &str) {
    let _ = writeln!(out, "<pre class=\"{class}\">");
    push_escaped(out, text);
    out.push_str("</pre>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape_html(r#"</pre><script>alert("x")</script> & 'y'"#),
            "&lt;/pre&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn keeps_whitespace_and_unicode_replaces_controls() {
        assert_eq!(escape_html("a\tb\nc\r\nδ→"), "a\tb\nc\r\nδ→");
        assert_eq!(escape_html("a\0b\u{1b}[31m"), "a\u{fffd}b\u{fffd}[31m");
    }

    #[test]
    fn slug_is_attribute_safe() {
        assert_eq!(slug("my cell\"><x"), "my-cell---x");
        assert_eq!(slug("_"), "_");
    }
}
