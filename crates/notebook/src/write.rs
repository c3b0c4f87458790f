//! `write`: `Notebook` → source text, in marimo's layout.
//!
//! Canonical layout (what marimo 0.25 writes): the header verbatim, the
//! import, `__generated_with` (marimo form), the App line, one blank line,
//! then every cell followed by two blank lines, then the `__main__` footer.
//! Long parameter lists, return tuples and keyword lists are wrapped one
//! item per line once the one-line form would reach 80 columns.
//!
//! A parsed notebook remembers its original text: every cell (and the
//! preamble and footer) whose content the caller did not change is written
//! back byte for byte, so a hand-formatted file only changes where it was
//! edited.

use std::borrow::Cow;

use weir_pysyntax::parse_module;

use crate::indent::{INDENT, indent, is_blank};
use crate::model::{
    Cell, CellKind, CellOptions, Flavor, LineEnding, Notebook, Signature, normalize_newlines,
};
use crate::unparsable;

const MAX_LINE_LENGTH: usize = 80;

/// Write a notebook. `signatures` has one entry per `nb.cells` entry, used
/// for code cells only; a missing entry means "as in the file" (or empty).
/// Every line ends with `nb.line_ending`, including lines of code given with
/// other endings (Python reads them all as one, so nothing changes meaning).
pub fn write(nb: &Notebook, signatures: &[Signature]) -> String {
    let out = write_lf(nb, signatures);
    let out = match normalize_newlines(&out) {
        Cow::Borrowed(_) => out,
        Cow::Owned(normal) => normal,
    };
    match nb.line_ending {
        LineEnding::Lf => out,
        other => out.replace('\n', other.as_str()),
    }
}

fn write_lf(nb: &Notebook, signatures: &[Signature]) -> String {
    let mut out = String::new();
    out.push_str(&nb.header);
    if !nb.header.is_empty() && !nb.header.ends_with('\n') {
        out.push('\n');
    }
    match &nb.origin {
        Some(o)
            if o.flavor == nb.flavor
                && o.generated_with == nb.generated_with
                && o.app_options == nb.app_options =>
        {
            out.push_str(&o.preamble)
        }
        _ => out.push_str(&preamble(nb)),
    }
    out.push('\n');

    // `None` = the preamble; `Some(None)` = a cell built in memory.
    let mut prev: Option<Option<usize>> = None;
    for (i, cell) in nb.cells.iter().enumerate() {
        let signature = signatures.get(i);
        let unchanged = cell.unchanged_origin(signature);
        let gap = match &cell.origin {
            Some(o) if !is_blank(&o.leading) || follows(prev, o.index) => o.leading.as_str(),
            _ if i == 0 => "\n",
            _ => "\n\n",
        };
        out.push_str(gap);
        match unchanged {
            Some(o) => out.push_str(&o.text),
            None => out.push_str(&cell_text(cell, signature)),
        }
        out.push('\n');
        prev = Some(cell.origin.as_ref().map(|o| o.index));
    }

    match &nb.origin {
        Some(o) => {
            let last_is_original = match prev {
                None => o.cell_count == 0,
                Some(p) => p.is_some() && p == o.cell_count.checked_sub(1),
            };
            if !is_blank(&o.tail_gap) || last_is_original {
                out.push_str(&o.tail_gap);
            } else {
                out.push_str("\n\n");
            }
            out.push_str(&o.footer);
        }
        None => {
            out.push_str("\n\n");
            out.push_str("if __name__ == \"__main__\":\n    app.run()\n");
        }
    }
    out
}

/// Whether a cell with original index `index` now directly follows what
/// preceded it in the file (so the blank lines between them still apply).
fn follows(prev: Option<Option<usize>>, index: usize) -> bool {
    match prev {
        None => index == 0,
        Some(Some(p)) => p + 1 == index,
        Some(None) => false,
    }
}

fn preamble(nb: &Notebook) -> String {
    let module = nb.flavor.module();
    let options: Vec<String> = nb
        .app_options
        .iter()
        .map(|o| {
            if o.name.is_empty() {
                o.value.clone()
            } else {
                format!("{}={}", o.name, o.value)
            }
        })
        .collect();
    let app = format_tuple(&format!("app = {module}.App"), "", &options, false, false);
    match (nb.flavor, &nb.generated_with) {
        (Flavor::Marimo, Some(v)) => {
            format!("import marimo\n\n__generated_with = \"{v}\"\n{app}")
        }
        _ => format!("import {module}\n\n{app}"),
    }
}

/// The canonical text of one cell, without a final newline.
pub fn cell_text(cell: &Cell, signature: Option<&Signature>) -> String {
    match cell.kind {
        CellKind::Code if parses(&cell.code) => code_cell(cell, signature),
        CellKind::Setup if parses(&cell.code) => setup_cell(cell),
        CellKind::Function | CellKind::ClassDefinition if is_single_def(cell) => {
            let decorator = if cell.kind == CellKind::Function {
                "@app.function"
            } else {
                "@app.class_definition"
            };
            format!(
                "{}\n{}",
                decorator_line(decorator, &cell.options),
                cell.code
            )
        }
        _ => unparsable_cell(cell),
    }
}

fn parses(code: &str) -> bool {
    parse_module(code).is_ok()
}

/// Function/class cell code must be one `def`/`class` (decorators and
/// comments allowed) starting at column 0, or it would not read back as one.
fn is_single_def(cell: &Cell) -> bool {
    use ruff_python_ast::Stmt;
    let Ok(parsed) = parse_module(&cell.code) else {
        return false;
    };
    let body = parsed.suite();
    let first_line_ok = cell
        .code
        .lines()
        .find(|l| !is_blank(l))
        .is_some_and(|l| !l.starts_with([' ', '\t']));
    let trailing_ok = cell.code.lines().last().is_some_and(|l| !is_blank(l));
    first_line_ok
        && trailing_ok
        && body.len() == 1
        && matches!(
            (&body[0], cell.kind),
            (Stmt::FunctionDef(_), CellKind::Function)
                | (Stmt::ClassDef(_), CellKind::ClassDefinition)
        )
}

fn option_texts(options: &CellOptions) -> Vec<String> {
    let mut out = Vec::new();
    let raw = |o: &crate::CellOption| {
        if o.name.is_empty() {
            o.value.clone()
        } else {
            format!("{}={}", o.name, o.value)
        }
    };
    out.extend(options.other.iter().filter(|o| o.name == "column").map(raw));
    if options.disabled {
        out.push("disabled=True".to_string());
    }
    if options.hide_code {
        out.push("hide_code=True".to_string());
    }
    out.extend(options.other.iter().filter(|o| o.name != "column").map(raw));
    out
}

fn decorator_line(decorator: &str, options: &CellOptions) -> String {
    if options.is_default() {
        decorator.to_string()
    } else {
        format_tuple(decorator, "", &option_texts(options), false, false)
    }
}

fn code_cell(cell: &Cell, signature: Option<&Signature>) -> String {
    let fallback;
    let signature = match signature.or(cell.signature_in_file.as_ref()) {
        Some(s) => s,
        None => {
            fallback = Signature::default();
            &fallback
        }
    };
    let prefix = if cell.is_async { "async " } else { "" };
    // A name Python cannot take as a function name (a keyword, say, given
    // to an unparsable cell that was then mended) would make the file not
    // parse: such a cell is written anonymous.
    let name = if is_cell_name(&cell.name) {
        cell.name.as_str()
    } else {
        "_"
    };
    let mut parts = vec![
        decorator_line("@app.cell", &cell.options),
        format_tuple(
            &format!("{prefix}def {name}"),
            ":",
            &signature.params,
            false,
            false,
        ),
    ];
    if !cell.code.is_empty() {
        parts.push(indent(&cell.code));
    }
    parts.push(format_tuple("return ", "", &signature.returns, true, true));
    parts.join("\n")
}

/// A name `def NAME` accepts: an identifier that is not a hard keyword.
/// What a cell can be named (`Change::Rename` checks it; the writer falls
/// back to `_` for anything else).
pub fn is_cell_name(name: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
        "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
        "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return",
        "try", "while", "with", "yield",
    ];
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&name)
}

fn setup_cell(cell: &Cell) -> String {
    let prefix = if cell.is_async { "async " } else { "" };
    let head = if cell.options.is_default() {
        format!("{prefix}with app.setup:")
    } else {
        format!(
            "{prefix}with app.setup({}):",
            option_texts(&cell.options).join(", ")
        )
    };
    // A block needs a statement: comment-only code gets a `pass`, as marimo
    // does (it is then part of the code when read back).
    let has_statement = cell.code.lines().any(|l| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#')
    });
    let code = if has_statement {
        cell.code.clone()
    } else if cell.code.is_empty() {
        "pass".to_string()
    } else {
        format!("{}\npass", cell.code)
    };
    format!(
        "{head}\n{}",
        indent(code.trim_end_matches(|c: char| c.is_whitespace()))
    )
}

fn unparsable_cell(cell: &Cell) -> String {
    let mut kwargs = Vec::new();
    if !cell.options.is_default() {
        let column = cell
            .options
            .other
            .iter()
            .find(|o| o.name == "column")
            .map_or("None", |o| o.value.as_str());
        kwargs.push(format!("column={column}"));
        kwargs.push(format!("disabled={}", py_bool(cell.options.disabled)));
        kwargs.push(format!("hide_code={}", py_bool(cell.options.hide_code)));
        for o in cell.options.other.iter().filter(|o| o.name != "column") {
            kwargs.push(format!("{}={}", o.name, o.value));
        }
    }
    let name = cell.name.replace('\\', "\\\\").replace('"', "\\\"");
    kwargs.push(format!("name=\"{name}\""));
    format!(
        "app._unparsable_cell(\n{},\n{}{}\n)",
        unparsable::encode(&cell.code),
        INDENT,
        kwargs.join(", ")
    )
}

fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// marimo's tuple formatting: `{before}(a, b){after}` on one line if it fits
/// in 80 columns, otherwise one element per line with a trailing comma.
/// `naked` (for `return`) drops the parentheses: `return a, b`, `return
/// (a,)` for one name, bare `return` for none.
fn format_tuple(
    before: &str,
    after: &str,
    elems: &[String],
    indented: bool,
    naked: bool,
) -> String {
    let finish = |s: String| if indented { indent(&s) } else { s };
    if elems.is_empty() {
        return finish(if naked {
            format!("{before}{after}").trim_end().to_string()
        } else {
            format!("{before}(){after}")
        });
    }
    let mut elems: Vec<String> = elems.to_vec();
    let mut naked = naked;
    if naked && elems.len() == 1 {
        naked = false;
        elems[0].push(',');
    }
    let joined = elems.join(", ");
    let attempt = finish(if naked {
        format!("{before}{joined}{after}").trim_end().to_string()
    } else {
        format!("{before}({joined}){after}")
    });
    if attempt.chars().count() < MAX_LINE_LENGTH {
        return attempt;
    }
    if elems.len() == 1 {
        elems[0] = elems[0].trim_matches(',').to_string();
    }
    let before = before.trim_end();
    let before = if naked || before.ends_with("return") {
        format!("{before} ")
    } else {
        before.to_string()
    };
    finish(format!(
        "{before}(\n{},\n){after}",
        indent(&elems.join(",\n"))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn returns_like_marimo() {
        assert_eq!(format_tuple("return ", "", &[], true, true), "    return");
        assert_eq!(
            format_tuple("return ", "", &s(&["x"]), true, true),
            "    return (x,)"
        );
        assert_eq!(
            format_tuple("return ", "", &s(&["a", "b"]), true, true),
            "    return a, b"
        );
        let long: Vec<String> = (0..12).map(|i| format!("variable_{i}")).collect();
        let out = format_tuple("return ", "", &long, true, true);
        assert!(
            out.starts_with("    return (\n        variable_0,\n"),
            "{out}"
        );
        assert!(out.ends_with("        variable_11,\n    )"), "{out}");
    }

    #[test]
    fn a_name_def_cannot_take_is_written_anonymous() {
        for name in ["if", "class", "a b", "1x", ""] {
            let text = cell_text(&Cell::code(name, "x = 1"), None);
            assert!(text.contains("def _():"), "{name:?}: {text}");
            assert!(parses(&text), "{text}");
        }
        let text = cell_text(&Cell::code("match", "x = 1"), None);
        assert!(text.contains("def match():"), "{text}");
    }

    #[test]
    fn signature_wraps() {
        assert_eq!(
            format_tuple("def _", ":", &s(&["a", "b"]), false, false),
            "def _(a, b):"
        );
        let long: Vec<String> = (0..12).map(|i| format!("variable_{i}")).collect();
        let out = format_tuple("def _", ":", &long, false, false);
        assert!(out.starts_with("def _(\n    variable_0,\n"), "{out}");
        assert!(out.ends_with("    variable_11,\n):"), "{out}");
    }
}
