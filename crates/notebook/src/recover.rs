//! Reading a file whose module as a whole does not parse (a cell was broken
//! by hand, a merge went wrong). The file is cut into chunks at the lines
//! that start notebook items at column 0; each chunk is parsed on its own,
//! so one broken cell costs only that cell, which is recovered from its text
//! as an unparsable cell.

use ruff_python_ast::Expr;
use ruff_python_parser::parse_expression;
use weir_pysyntax::parse_module;

use crate::classify::{Cx, Found, Item, ItemKind, classify};
use crate::indent::{INDENT, dedent, is_blank};
use crate::lines::Lines;
use crate::model::{CellKind, CellOption, CellOptions, Signature};

const MARKERS: &[&str] = &[
    "@app.",
    "app._unparsable_cell(",
    "with app.setup",
    "async with app.setup",
    "if __name__",
    "app =",
    "app=",
    "import ",
    "__generated_with",
];

/// Items of a file, parsing it chunk by chunk.
pub fn items(lines: &Lines) -> Vec<Item> {
    let src = lines.src;
    let mut starts = vec![0];
    let mut pos = 0;
    while pos < src.len() {
        if pos > 0 && MARKERS.iter().any(|m| src[pos..].starts_with(m)) {
            starts.push(pos);
        }
        pos = lines.next_line(pos);
    }
    starts.push(src.len());
    let mut items = Vec::new();
    for w in starts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let chunk = &src[a..b];
        if is_blank(chunk) {
            continue;
        }
        match parse_module(chunk) {
            Ok(parsed) => {
                let cx = Cx { lines, base: a };
                items.extend(parsed.suite().iter().map(|s| classify(s, &cx)));
            }
            Err(e) => {
                let at = a + usize::from(e.location.start());
                items.push(broken_chunk(lines, a, b, &e.error.to_string(), at));
            }
        }
    }
    items
}

/// A chunk that does not parse: a cell recovered from its text if it looks
/// like one, otherwise an opaque item that is kept verbatim.
fn broken_chunk(lines: &Lines, a: usize, b: usize, message: &str, at: usize) -> Item {
    let src = lines.src;
    // Trailing blank lines belong to the gap after the item.
    let body = src[a..b].trim_end();
    let end = a + body.len();
    let (line, col) = lines.position(at);
    let broken = Some(format!("line {line}, column {col}: {message}"));
    let found = if body.starts_with("@app.cell") {
        text_code_cell(lines, a, end).map(|mut f| {
            f.broken = broken.clone();
            f
        })
    } else if body.starts_with("@app.function") || body.starts_with("@app.class_definition") {
        let code_start = lines.next_line(a).min(end);
        Some(Found {
            kind: CellKind::Unparsable,
            name: def_name(&src[code_start..end]).unwrap_or("_").to_string(),
            code: src[code_start..end].to_string(),
            options: CellOptions::default(),
            is_async: false,
            code_start_line: lines.line_of(code_start),
            code_indent: 0,
            removed: vec![0; src[code_start..end].split('\n').count()],
            signature: None,
            broken: broken.clone(),
        })
    } else if body.starts_with("with app.setup") || body.starts_with("async with app.setup") {
        let code_start = lines.next_line(a).min(end);
        let (code, removed) = dedent(&src[code_start..end], INDENT);
        Some(Found {
            kind: CellKind::Unparsable,
            name: "setup".to_string(),
            code,
            options: CellOptions::default(),
            is_async: false,
            code_start_line: lines.line_of(code_start),
            code_indent: 4,
            removed,
            signature: None,
            broken: broken.clone(),
        })
    } else {
        None
    };
    Item {
        start: a,
        end,
        kind: match found {
            Some(f) => ItemKind::Cell(Box::new(f)),
            None => ItemKind::Other { broken },
        },
    }
}

/// The name after `def ` / `class ` on the first such line.
fn def_name(text: &str) -> Option<&str> {
    text.lines().find_map(|l| {
        let rest = l
            .trim_start()
            .strip_prefix("async ")
            .unwrap_or(l.trim_start());
        let rest = rest
            .strip_prefix("def ")
            .or_else(|| rest.strip_prefix("class "))?;
        let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
        Some(&rest[..end])
    })
}

/// `@app.cell ... def NAME(params): body return ...` read line by line, the
/// way Weir and marimo lay it out.
fn text_code_cell(lines: &Lines, a: usize, end: usize) -> Option<Found> {
    let src = lines.src;
    let text = &src[a..end];
    let def_at = text
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .find(|&i| text[i..].starts_with("def ") || text[i..].starts_with("async def "))?;
    let name = def_name(&text[def_at..])?.to_string();
    let is_async = text[def_at..].starts_with("async ");
    // The signature ends at the first line ending in `):` (comments aside).
    let mut sig_end = def_at;
    loop {
        let line_end = text[sig_end..]
            .find('\n')
            .map_or(text.len(), |i| sig_end + i);
        let line = text[sig_end..line_end]
            .split('#')
            .next()
            .unwrap_or("")
            .trim_end();
        if line.ends_with("):") || line.ends_with(':') && line.contains("->") {
            sig_end = line_end;
            break;
        }
        if line_end >= text.len() {
            return None;
        }
        sig_end = line_end + 1;
    }
    let open = text[def_at..sig_end].find('(')? + def_at + 1;
    let close = text[..sig_end].rfind(')')?;
    let params = param_names(text.get(open..close).unwrap_or(""));
    let options = decorator_options(&text[..def_at]);
    let body_start = (a + sig_end + 1).min(end);
    let body = &src[body_start..end];
    // The cell's own `return` is the last line indented exactly four spaces
    // that starts with `return`.
    let ret_at = body
        .split('\n')
        .scan(0usize, |off, l| {
            let at = *off;
            *off += l.len() + 1;
            Some((at, l))
        })
        .filter(|(_, l)| {
            l.strip_prefix("    return")
                .is_some_and(|r| r.is_empty() || r.starts_with([' ', '(', ';']))
        })
        .last()
        .map(|(at, _)| at);
    let (code_text, returns) = match ret_at {
        Some(at) => {
            let t = &body[..at];
            (
                t.strip_suffix('\n').unwrap_or(t),
                return_names(&body[at + 10..]),
            )
        }
        None => (body, Vec::new()),
    };
    let (code, removed) = dedent(code_text, INDENT);
    let kind = if parse_module(&code).is_ok() {
        CellKind::Code
    } else {
        CellKind::Unparsable
    };
    Some(Found {
        kind,
        name,
        code,
        options,
        is_async,
        code_start_line: lines.line_of(body_start),
        code_indent: 4,
        removed,
        signature: Some(Signature { params, returns }),
        broken: None,
    })
}

fn param_names(list: &str) -> Vec<String> {
    list.split(',')
        .map(|p| p.split([':', '=']).next().unwrap_or("").trim())
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

fn return_names(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Keywords of `@app.cell(...)`, read by parsing the decorator expression.
fn decorator_options(decorator: &str) -> CellOptions {
    let mut options = CellOptions::default();
    let expr_text = decorator.trim().trim_start_matches('@');
    let Ok(parsed) = parse_expression(expr_text) else {
        return options;
    };
    if let Expr::Call(call) = parsed.expr() {
        for k in call.arguments.keywords.iter() {
            let value = ruff_text_size::Ranged::range(&k.value);
            let value = &expr_text[value];
            match k.arg.as_ref().map(|a| a.as_str()) {
                Some("hide_code") if matches!(value, "True" | "False") => {
                    options.hide_code = value == "True"
                }
                Some("disabled") if matches!(value, "True" | "False") => {
                    options.disabled = value == "True"
                }
                name => options.other.push(CellOption {
                    name: name.unwrap_or("").to_string(),
                    value: value.to_string(),
                }),
            }
        }
    }
    options
}
