//! The fake worker's language: one statement a line (see `fake.rs`),
//! parsed whole before any of it runs, as Python compiles a cell first;
//! and errors shaped as the real worker's.

use crate::message::{CellError, TracebackFrame};

/// One line of a cell.
pub(super) struct Line {
    pub lineno: u32,
    pub text: String,
    pub stmt: Stmt,
}

pub(super) enum Stmt {
    Pass,
    Assign(String, Vec<Term>),
    Print(Vec<Term>),
    Del(String),
    Raise(Option<String>),
    Expr(Vec<Term>),
    Spin,
    Exit(i32),
}

pub(super) enum Term {
    Int(i64),
    Name(String),
}

/// The whole cell, or the first line that is not in the language (its
/// number and text): as Python compiles a cell before running any of it.
pub(super) fn parse(code: &str) -> Result<Vec<Line>, (u32, String)> {
    let mut lines = Vec::new();
    for (i, text) in code.lines().enumerate() {
        let lineno = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let stmt = parse_line(text.trim()).ok_or_else(|| (lineno, text.to_owned()))?;
        if !matches!(stmt, Stmt::Pass) {
            lines.push(Line {
                lineno,
                text: text.to_owned(),
                stmt,
            });
        }
    }
    Ok(lines)
}

fn parse_line(line: &str) -> Option<Stmt> {
    if line.is_empty() || line.starts_with('#') || line == "pass" {
        return Some(Stmt::Pass);
    }
    if line == "raise" {
        return Some(Stmt::Raise(None));
    }
    if let Some(kind) = line.strip_prefix("raise ") {
        return is_name(kind.trim()).then(|| Stmt::Raise(Some(kind.trim().to_owned())));
    }
    if let Some(name) = line.strip_prefix("del ") {
        return is_name(name.trim()).then(|| Stmt::Del(name.trim().to_owned()));
    }
    if line == "spin()" {
        return Some(Stmt::Spin);
    }
    if let Some(code) = call_arg(line, "exit") {
        return code.trim().parse().ok().map(Stmt::Exit);
    }
    if let Some(arg) = call_arg(line, "print") {
        return parse_expr(arg).map(Stmt::Print);
    }
    if let Some((target, expr)) = line.split_once('=') {
        let target = target.trim();
        return (is_name(target) && !expr.starts_with('='))
            .then(|| parse_expr(expr).map(|e| Stmt::Assign(target.to_owned(), e)))
            .flatten();
    }
    parse_expr(line).map(Stmt::Expr)
}

/// `f(arg)` → `arg`.
fn call_arg<'a>(line: &'a str, function: &str) -> Option<&'a str> {
    line.strip_prefix(function)?
        .trim_start()
        .strip_prefix('(')?
        .strip_suffix(')')
}

fn parse_expr(expr: &str) -> Option<Vec<Term>> {
    expr.split('+')
        .map(|term| {
            let term = term.trim();
            if let Ok(n) = term.parse::<i64>() {
                Some(Term::Int(n))
            } else if is_name(term) && !is_keyword(term) {
                Some(Term::Name(term.to_owned()))
            } else {
                None
            }
        })
        .collect()
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "pass" | "raise" | "del" | "None" | "True" | "False" | "and" | "or" | "not" | "if"
    )
}

pub(super) fn is_private(name: &str) -> bool {
    name.starts_with('_') && !name.starts_with("__")
}

pub(super) fn name_error(name: &str) -> String {
    format!("name '{name}' is not defined")
}

/// An error shaped as the real worker's (`_execute.error_info`).
pub(super) fn cell_error(
    kind: &str,
    message: &str,
    filename: &str,
    cell_id: &str,
    lineno: u32,
    line: &str,
) -> CellError {
    let last = if message.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {message}")
    };
    CellError {
        exc_type: kind.into(),
        message: message.into(),
        traceback: format!(
            "Traceback (most recent call last):\n  File \"{filename}\", line {lineno}, in <module>\n    {}\n{last}\n",
            line.trim()
        ),
        frames: vec![TracebackFrame {
            filename: filename.into(),
            lineno: Some(lineno),
            function: "<module>".into(),
            cell_id: Some(cell_id.into()),
            line: line.trim().into(),
        }],
    }
}
