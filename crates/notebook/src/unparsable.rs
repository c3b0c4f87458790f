//! The string literal that holds an unparsable cell's code:
//!
//! ```text
//! app._unparsable_cell(
//!     r"""
//!     y = x +
//!     """,
//!     name="_"
//! )
//! ```
//!
//! marimo writes the code indented by four spaces between a leading and a
//! trailing newline, in a raw triple-quoted string, after replacing every
//! `""` with `"\"` so the code cannot close the string. In a raw string that
//! backslash stays in the value, so reading a raw `"""` string undoes the
//! replacement. Weir writes the same raw form when the code holds no `""`
//! (identical to marimo's output), and otherwise a plain `"""` string with
//! `\` and `"` backslash-escaped, which both tools read back exactly. (Weir
//! also takes that form for code holding `"\"`, which the raw form would
//! make ambiguous.)

use crate::indent::{INDENT, dedent, indent, is_blank};

/// The literal's source text for `code`, already indented as an argument
/// (every non-blank line starts with four spaces), without a trailing comma.
pub fn encode(code: &str) -> String {
    // `"\"` must not occur in the raw form either: reading would take it for
    // marimo's escape.
    if code.contains("\"\"") || code.contains("\"\\\"") {
        let escaped = code.replace('\\', "\\\\").replace('"', "\\\"");
        indent(&format!("\"\"\"\n{escaped}\n\"\"\""))
    } else {
        indent(&format!("r\"\"\"\n{code}\n\"\"\""))
    }
}

/// Recover the code from the literal's decoded value. `raw_double_triple`
/// says the literal was written `r"""..."""` (marimo's escaping applies).
/// Returns the code and the columns removed per line.
pub fn decode(value: &str, raw_double_triple: bool) -> (String, Vec<u32>) {
    let mut body = value.strip_prefix('\n').unwrap_or(value);
    if let Some(i) = body.rfind('\n')
        && is_blank(&body[i + 1..])
    {
        body = &body[..i];
    } else if is_blank(body) && value.starts_with('\n') {
        body = "";
    }
    let (mut code, removed) = dedent(body, INDENT);
    if raw_double_triple {
        code = code.replace("\"\\\"", "\"\"");
    }
    (code, removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_form_matches_marimo() {
        assert_eq!(encode("y = x +"), "    r\"\"\"\n    y = x +\n    \"\"\"");
        assert_eq!(encode(""), "    r\"\"\"\n\n    \"\"\"");
    }

    #[test]
    fn decode_marimo_escape() {
        // marimo wrote `s = """a"""` as `s = "\""a"\""`.
        let (code, _) = decode("\n    s = \"\\\"\"a\"\\\"\"\n    ", true);
        assert_eq!(code, "s = \"\"\"a\"\"\"");
    }
}
