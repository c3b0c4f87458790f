//! Reading a file whose module as a whole does not parse (a cell was broken
//! by hand, a merge went wrong). The file is cut into chunks at the lines
//! that start notebook items at column 0; each chunk is parsed on its own,
//! so one broken cell costs only that cell, which is recovered from its text
//! as an unparsable cell.

use ruff_python_ast::Expr;
use ruff_python_parser::parse_expression;
use weir_pysyntax::{ParsedModule, parse_module};

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

/// Chunks that are cells (the others are the App line, imports, the footer
/// and stray text).
const CELL_STARTS: &[&str] = &[
    "@app.",
    "app._unparsable_cell(",
    "with app.setup",
    "async with app.setup",
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
            Ok(parsed) => classify_all(&mut items, lines, a, &parsed),
            Err(e) => {
                let at = a + usize::from(e.location.start());
                let message = e.error.to_string();
                // Statements before the damaged line, when they parse and
                // the damaged line starts at column 0, are whole statements
                // Python reads the same way: keep them, so the damage costs
                // only the text from its line on (a stray line after a cell
                // or after the App line takes nothing with it). The parser
                // may place the error at the end of the chunk (an unclosed
                // bracket), so a few lines before it are tried. In a cell,
                // only column-0 lines: an indented line there is part of
                // the cell, which is recovered whole.
                let in_cell = CELL_STARTS.iter().any(|m| chunk.starts_with(m));
                let prefix = split_before_damage(lines, a, at.min(b), in_cell);
                match prefix {
                    Some((split, parsed)) => {
                        classify_all(&mut items, lines, a, &parsed);
                        items.push(broken_chunk(lines, split, b, &message, at));
                    }
                    None => items.push(broken_chunk(lines, a, b, &message, at)),
                }
            }
        }
    }
    items
}

/// The items of a chunk that parsed, `base` being where it starts.
fn classify_all(items: &mut Vec<Item>, lines: &Lines, base: usize, parsed: &ParsedModule) {
    let cx = Cx { lines, base };
    items.extend(parsed.suite().iter().map(|s| classify(s, &cx)));
}

/// The last line start in `(a, at]` (at column 0 if `column0`) whose
/// preceding text parses on its own (and is not blank), with that parse. At
/// most a few candidates are parsed, so recovery stays linear.
fn split_before_damage(
    lines: &Lines,
    a: usize,
    at: usize,
    column0: bool,
) -> Option<(usize, ParsedModule)> {
    const TRIES: usize = 4;
    let src = lines.src;
    let mut line = lines.line_start(at);
    let mut tries = 0;
    while line > a && tries < TRIES {
        let text = &src[line..lines.line_content_end(line)];
        let indented = text.starts_with(|c: char| c.is_whitespace());
        if !is_blank(text) && (!column0 || !indented) {
            tries += 1;
            if !is_blank(&src[a..line])
                && let Ok(parsed) = parse_module(&src[a..line])
            {
                return Some((line, parsed));
            }
        }
        line = lines.line_start(line - 1);
    }
    None
}

/// A chunk that does not parse. If it is a notebook item (it starts with a
/// cell decorator, `with app.setup` or `app._unparsable_cell(`), it becomes
/// an unparsable cell and is never dropped: when only the code inside a
/// well-formed frame is broken, the cell's code is that code (so an editor
/// shows what the user wrote in the cell); when the frame itself is broken
/// (the decorator, the `def` line, the `return` line, text after the cell),
/// the code is the whole chunk as written. Either way the code fails to
/// parse where the file does, so the error is reported at its line. Any
/// other chunk is an opaque item kept verbatim.
fn broken_chunk(lines: &Lines, a: usize, b: usize, message: &str, at: usize) -> Item {
    let src = lines.src;
    // Trailing blank lines belong to the gap after the item; trailing
    // whitespace on its last line is the item's.
    let trimmed = src[a..b].trim_end().len();
    let end = if trimmed == 0 {
        a
    } else {
        lines.line_content_end(a + trimmed - 1).min(b)
    };
    let body = &src[a..end];
    let (line, col) = lines.position(at);
    let broken = Some(format!("line {line}, column {col}: {message}"));
    let whole = || Some(whole_chunk(lines, a, end));
    let found = if body.starts_with("@app.cell") {
        text_code_cell(lines, a, end).or_else(whole)
    } else if body.starts_with("@app.function") || body.starts_with("@app.class_definition") {
        text_def_cell(lines, a, end).or_else(whole)
    } else if body.starts_with("with app.setup") || body.starts_with("async with app.setup") {
        text_setup_cell(lines, a, end).or_else(whole)
    } else if body.starts_with("app._unparsable_cell(") {
        whole()
    } else {
        None
    };
    Item {
        start: a,
        end,
        kind: match found {
            Some(mut f) => {
                f.broken = broken;
                ItemKind::Cell(Box::new(f))
            }
            None => ItemKind::Other { broken },
        },
    }
}

/// The chunk's text as the code of an unparsable cell, not dedented.
pub fn whole_chunk(lines: &Lines, a: usize, end: usize) -> Found {
    let text = &lines.src[a..end];
    let name = if text.starts_with("@app.") {
        text.split('\n')
            .filter(|l| !l.starts_with([' ', '\t']))
            .find_map(def_name)
            .unwrap_or("_")
    } else if text.contains("app.setup") {
        "setup"
    } else {
        "_"
    };
    Found {
        kind: CellKind::Unparsable,
        name: name.to_string(),
        code: text.to_string(),
        options: CellOptions::default(),
        is_async: false,
        code_start_line: lines.line_of(a),
        code_indent: 0,
        removed: vec![0; text.split('\n').count()],
        signature: None,
        broken: None,
    }
}

/// Offset (in `text`) of the first line after the first that starts at
/// column 0 with one of `starts`.
fn column0_line(text: &str, starts: &[&str]) -> Option<usize> {
    text.match_indices('\n')
        .map(|(i, _)| i + 1)
        .find(|&i| starts.iter().any(|s| text[i..].starts_with(s)))
}

/// `@app.function` / `@app.class_definition` whose decorator is intact and
/// whose `def` / `class` does not parse: the code is the definition, as a
/// function or class cell's code is.
fn text_def_cell(lines: &Lines, a: usize, end: usize) -> Option<Found> {
    let src = lines.src;
    let text = &src[a..end];
    let def_at = column0_line(text, &["def ", "async def ", "class ", "@"])?;
    let decorator = text[..def_at].trim_end();
    if parse_module(&format!("{decorator}\ndef _(): pass")).is_err() {
        return None;
    }
    let code = &text[def_at..];
    if parse_module(code).is_ok() {
        return None;
    }
    Some(Found {
        kind: CellKind::Unparsable,
        name: def_name(code).unwrap_or("_").to_string(),
        code: code.to_string(),
        options: decorator_options(decorator),
        is_async: false,
        code_start_line: lines.line_of(a + def_at),
        code_indent: 0,
        removed: vec![0; code.split('\n').count()],
        signature: None,
        broken: None,
    })
}

/// `with app.setup:` whose header is intact and whose body does not parse.
fn text_setup_cell(lines: &Lines, a: usize, end: usize) -> Option<Found> {
    let src = lines.src;
    let text = &src[a..end];
    let header_end = text.find('\n')?;
    if parse_module(&format!("{}\n    pass", &text[..header_end])).is_err() {
        return None;
    }
    let code_start = a + header_end + 1;
    let (code, removed) = dedent(&src[code_start..end], INDENT);
    if parse_module(&code).is_ok() {
        return None;
    }
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
        broken: None,
    })
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
    let def_at = column0_line(text, &["def ", "async def "])?;
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
    let (code_text, returns, ret_text) = match ret_at {
        Some(at) => {
            let t = &body[..at];
            (
                t.strip_suffix('\n').unwrap_or(t),
                return_names(&body[at + 10..]),
                &body[at..],
            )
        }
        None => (body, Vec::new(), ""),
    };
    let (code, removed) = dedent(code_text, INDENT);
    // Only the code may be broken: the frame around it (decorator, `def`
    // line, `return` line and anything after it) must parse on its own, or
    // taking the code alone would hide where the damage is.
    let frame = format!("{}\n    pass\n{ret_text}", &text[..sig_end]);
    if parse_module(&frame).is_err() || parse_module(&code).is_ok() {
        return None;
    }
    Some(Found {
        kind: CellKind::Unparsable,
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
