//! Indenting cell code into a function body and taking it back out.
//!
//! The rule (marimo's, via `textwrap.indent`): writing adds four spaces to
//! every line that is not whitespace-only — including lines inside
//! multi-line strings. Reading removes the indent prefix from every
//! non-blank line that starts with it and leaves every other line alone, so
//! a hand-edited string line with less indentation is kept as written
//! rather than having characters cut off it, and whitespace-only lines keep
//! exactly the whitespace they have. Both sides use the same notion of
//! "blank", which is what makes `dedent(indent(code)) == code` for any code.

pub const INDENT: &str = "    ";

/// Whitespace-only (or empty) line.
pub fn is_blank(line: &str) -> bool {
    line.chars().all(char::is_whitespace)
}

/// Add `INDENT` to every non-blank line. Lines are split on `\n` only.
pub fn indent(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + code.len() / 8 + 8);
    for (i, line) in code.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if !is_blank(line) {
            out.push_str(INDENT);
        }
        out.push_str(line);
    }
    out
}

/// Remove `prefix` from every non-blank line that starts with it. Returns
/// the code and, per line, how many columns were removed.
pub fn dedent(text: &str, prefix: &str) -> (String, Vec<u32>) {
    let mut out = String::with_capacity(text.len());
    let mut removed = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if !prefix.is_empty() && !is_blank(line) && line.starts_with(prefix) {
            out.push_str(&line[prefix.len()..]);
            removed.push(prefix.chars().count() as u32);
        } else {
            out.push_str(line);
            removed.push(0);
        }
    }
    (out, removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_odd_lines() {
        for code in [
            "",
            "x = 1",
            "s = '''\nunindented\n  two\n'''",
            "\n\n",
            "  \n\t\nx",
            "if x:\n\ty = 1",
        ] {
            assert_eq!(dedent(&indent(code), INDENT).0, code, "{code:?}");
        }
    }

    #[test]
    fn dedent_leaves_short_lines_alone() {
        let (code, removed) = dedent("    a = '''\nb\n  c\n    '''", INDENT);
        assert_eq!(code, "a = '''\nb\n  c\n'''");
        assert_eq!(removed, vec![4, 0, 0, 4]);
    }
}
