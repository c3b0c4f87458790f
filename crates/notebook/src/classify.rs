//! Turn one parsed top-level statement into a notebook item, slicing cell
//! code out of the source text by the statement's ranges (never by
//! re-printing the AST), so comments, blank lines, odd indentation and
//! string contents survive exactly.

use ruff_python_ast::{Expr, Keyword, Stmt, StmtClassDef, StmtFunctionDef, StmtWith};
use ruff_text_size::{Ranged, TextRange};

use crate::indent::{INDENT, dedent};
use crate::lines::Lines;
use crate::model::{AppOption, CellKind, CellOption, CellOptions, Flavor, Signature};
use crate::unparsable;

/// A cell as found in the file, before it gets its place in the notebook.
#[derive(Debug)]
pub struct Found {
    pub kind: CellKind,
    pub name: String,
    pub code: String,
    pub options: CellOptions,
    pub is_async: bool,
    pub code_start_line: u32,
    pub code_indent: u32,
    pub removed: Vec<u32>,
    pub signature: Option<Signature>,
    /// Set when the cell was recovered from text because it did not parse.
    pub broken: Option<String>,
}

#[derive(Debug)]
pub enum ItemKind {
    Import(Flavor),
    GeneratedWith(String),
    App(Flavor, Vec<AppOption>),
    Cell(Box<Found>),
    Footer,
    /// Anything else; `broken` holds a syntax error message if it did not parse.
    Other {
        broken: Option<String>,
    },
}

/// A top-level item: `start` is where its first line begins (or its first
/// byte), `end` the end of its last line, before the newline.
#[derive(Debug)]
pub struct Item {
    pub start: usize,
    pub end: usize,
    pub kind: ItemKind,
}

/// Source text and line index, plus the offset of the text the statement was
/// parsed from (non-zero when a chunk of the file was parsed on its own).
pub struct Cx<'a> {
    pub lines: &'a Lines<'a>,
    pub base: usize,
}

impl Cx<'_> {
    fn src(&self) -> &str {
        self.lines.src
    }
    fn abs(&self, r: TextRange) -> (usize, usize) {
        (
            self.base + usize::from(r.start()),
            self.base + usize::from(r.end()),
        )
    }
    fn text(&self, r: TextRange) -> &str {
        let (a, b) = self.abs(r);
        self.src().get(a..b).unwrap_or("")
    }
}

pub fn classify(stmt: &Stmt, cx: &Cx) -> Item {
    let (start, end) = cx.abs(stmt.range());
    let end = cx.lines.line_content_end(end);
    let item = |kind| Item { start, end, kind };
    match stmt {
        Stmt::Import(imp) if imp.names.len() == 1 && imp.names[0].asname.is_none() => {
            match imp.names[0].name.as_str() {
                "marimo" => item(ItemKind::Import(Flavor::Marimo)),
                "weir" => item(ItemKind::Import(Flavor::Weir)),
                _ => item(ItemKind::Other { broken: None }),
            }
        }
        Stmt::Assign(a) if a.targets.len() == 1 => match (&a.targets[0], a.value.as_ref()) {
            (Expr::Name(t), Expr::StringLiteral(s)) if t.id.as_str() == "__generated_with" => {
                item(ItemKind::GeneratedWith(s.value.to_str().to_string()))
            }
            (Expr::Name(t), Expr::Call(call)) if t.id.as_str() == "app" => {
                match app_constructor(&call.func) {
                    Some(flavor) => {
                        let opts = call
                            .arguments
                            .keywords
                            .iter()
                            .map(|k| app_option(k, cx))
                            .collect();
                        item(ItemKind::App(flavor, opts))
                    }
                    None => item(ItemKind::Other { broken: None }),
                }
            }
            _ => item(ItemKind::Other { broken: None }),
        },
        Stmt::With(w) => match setup_cell(w, cx) {
            Some((found, end)) => Item {
                start,
                end,
                kind: ItemKind::Cell(Box::new(found)),
            },
            None => item(ItemKind::Other { broken: None }),
        },
        Stmt::FunctionDef(f) => match function_like(f, cx) {
            Some((found, end)) => Item {
                start,
                end,
                kind: ItemKind::Cell(Box::new(found)),
            },
            None => item(ItemKind::Other { broken: None }),
        },
        Stmt::ClassDef(c) => match class_cell(c, cx) {
            Some((found, end)) => Item {
                start,
                end,
                kind: ItemKind::Cell(Box::new(found)),
            },
            None => item(ItemKind::Other { broken: None }),
        },
        Stmt::Expr(e) => match unparsable_cell(&e.value, cx) {
            Some(found) => item(ItemKind::Cell(Box::new(found))),
            None => item(ItemKind::Other { broken: None }),
        },
        Stmt::If(i) if cx.text(i.test.range()).contains("__name__") => item(ItemKind::Footer),
        _ => item(ItemKind::Other { broken: None }),
    }
}

fn app_constructor(func: &Expr) -> Option<Flavor> {
    let Expr::Attribute(attr) = func else {
        return None;
    };
    let Expr::Name(module) = attr.value.as_ref() else {
        return None;
    };
    if attr.attr.as_str() != "App" {
        return None;
    }
    match module.id.as_str() {
        "marimo" => Some(Flavor::Marimo),
        "weir" => Some(Flavor::Weir),
        _ => None,
    }
}

fn app_option(k: &Keyword, cx: &Cx) -> AppOption {
    match &k.arg {
        Some(name) => AppOption {
            name: name.as_str().to_string(),
            value: cx.text(k.value.range()).to_string(),
        },
        // `**kwargs`: kept whole, with no name.
        None => AppOption {
            name: String::new(),
            value: cx.text(k.range()).to_string(),
        },
    }
}

/// `app.NAME` or `app.NAME(...)`: the attribute and the call's keywords.
fn app_attr(expr: &Expr) -> Option<(&str, &[Keyword])> {
    let (func, keywords): (&Expr, &[Keyword]) = match expr {
        Expr::Call(c) => (&c.func, &c.arguments.keywords),
        other => (other, &[]),
    };
    let Expr::Attribute(attr) = func else {
        return None;
    };
    match attr.value.as_ref() {
        Expr::Name(n) if n.id.as_str() == "app" => Some((attr.attr.as_str(), keywords)),
        _ => None,
    }
}

fn cell_options<'k>(keywords: impl IntoIterator<Item = &'k Keyword>, cx: &Cx) -> CellOptions {
    let mut options = CellOptions::default();
    for k in keywords {
        let value = cx.text(k.value.range());
        let name = k.arg.as_ref().map_or("", |a| a.as_str());
        match (name, value) {
            // Only literal booleans become flags; anything else stays raw.
            ("hide_code", "True" | "False") => options.hide_code = value == "True",
            ("disabled", "True" | "False") => options.disabled = value == "True",
            ("", _) => options.other.push(CellOption {
                name: String::new(),
                value: cx.text(k.range()).to_string(),
            }),
            _ => options.other.push(CellOption {
                name: name.to_string(),
                value: value.to_string(),
            }),
        }
    }
    options
}

/// Offset just past the `:` that ends a compound statement's header, found
/// by scanning from `from` (the end of the last header node).
fn header_colon(cx: &Cx, from: usize) -> usize {
    let src = cx.src();
    let from = cx.lines.floor(from);
    src[from..].find(':').map_or(from, |i| from + i + 1)
}

/// The whitespace that indents the body's first statement, if it stands on
/// its own line below the header; the standard four spaces otherwise.
fn body_prefix<'s>(cx: &'s Cx, first_stmt: usize, body_start: usize) -> &'s str {
    let ls = cx.lines.line_start(first_stmt);
    let ws = &cx.src()[ls..first_stmt];
    if ls >= body_start && !ws.is_empty() && ws.chars().all(|c| c == ' ' || c == '\t') {
        ws
    } else {
        INDENT
    }
}

fn setup_cell(w: &StmtWith, cx: &Cx) -> Option<(Found, usize)> {
    if w.items.len() != 1 || w.items[0].optional_vars.is_some() {
        return None;
    }
    let (attr, keywords) = app_attr(&w.items[0].context_expr)?;
    if attr != "setup" {
        return None;
    }
    let (_, item_end) = cx.abs(w.items[0].range());
    let colon = header_colon(cx, item_end);
    let first = cx.abs(w.body.first()?.range()).0;
    let mut body_start = cx.lines.next_line(colon);
    if first < body_start {
        body_start = first;
    }
    let end = cx.lines.extend_block(cx.abs(w.range()).1).max(body_start);
    let prefix = body_prefix(cx, first, body_start);
    let (code, removed) = dedent(&cx.src()[body_start..end], prefix);
    let found = Found {
        kind: CellKind::Setup,
        name: "setup".to_string(),
        code,
        options: cell_options(keywords, cx),
        is_async: w.is_async,
        code_start_line: cx.lines.line_of(body_start),
        code_indent: prefix.chars().count() as u32,
        removed,
        signature: None,
        broken: None,
    };
    Some((found, end))
}

fn function_like(f: &StmtFunctionDef, cx: &Cx) -> Option<(Found, usize)> {
    let first = f.decorator_list.first()?;
    let (attr, keywords) = app_attr(&first.expression)?;
    match attr {
        "cell" if f.decorator_list.len() == 1 => code_cell(f, keywords, cx),
        "function" => Some(top_level_def(
            CellKind::Function,
            f.name.as_str(),
            first.range(),
            f.range(),
            keywords,
            f.is_async,
            cx,
        )),
        _ => None,
    }
}

fn class_cell(c: &StmtClassDef, cx: &Cx) -> Option<(Found, usize)> {
    let first = c.decorator_list.first()?;
    let (attr, keywords) = app_attr(&first.expression)?;
    (attr == "class_definition").then(|| {
        top_level_def(
            CellKind::ClassDefinition,
            c.name.as_str(),
            first.range(),
            c.range(),
            keywords,
            false,
            cx,
        )
    })
}

/// `@app.function` / `@app.class_definition`: the code is everything after
/// the decorator line, not dedented.
fn top_level_def(
    kind: CellKind,
    name: &str,
    decorator: TextRange,
    stmt: TextRange,
    keywords: &[Keyword],
    is_async: bool,
    cx: &Cx,
) -> (Found, usize) {
    let code_start = cx.lines.next_line(cx.abs(decorator).1);
    let end = cx.lines.extend_block(cx.abs(stmt).1).max(code_start);
    let code = cx.src()[code_start..end].to_string();
    let removed = vec![0; code.split('\n').count()];
    let found = Found {
        kind,
        name: name.to_string(),
        code,
        options: cell_options(keywords, cx),
        is_async,
        code_start_line: cx.lines.line_of(code_start),
        code_indent: 0,
        removed,
        signature: None,
        broken: None,
    };
    (found, end)
}

fn code_cell(f: &StmtFunctionDef, keywords: &[Keyword], cx: &Cx) -> Option<(Found, usize)> {
    let src = cx.src();
    let mut header_end = cx.abs(f.parameters.range()).1;
    if let Some(r) = &f.returns {
        header_end = header_end.max(cx.abs(r.range()).1);
    }
    let colon = header_colon(cx, header_end);
    let first = cx.abs(f.body.first()?.range()).0;
    let mut body_start = cx.lines.next_line(colon);
    if first < body_start {
        body_start = first;
    }
    let params = f
        .parameters
        .iter()
        .map(|p| p.name().as_str().to_string())
        .collect();
    let (body, returns, end) = match f.body.last() {
        Some(Stmt::Return(ret)) => {
            let (rs, re) = cx.abs(ret.range());
            let rl = cx.lines.line_start(rs);
            let body = if rl >= body_start && src[rl..rs].trim().is_empty() {
                let text = &src[body_start..rl];
                text.strip_suffix('\n').unwrap_or(text)
            } else {
                src[body_start..rs.max(body_start)].trim_end_matches([' ', '\t', ';'])
            };
            let returns = match ret.value.as_deref() {
                None => Vec::new(),
                Some(Expr::Tuple(t)) => t
                    .elts
                    .iter()
                    .map(|e| cx.text(e.range()).to_string())
                    .collect(),
                Some(e) => vec![cx.text(e.range()).to_string()],
            };
            (body, returns, cx.lines.line_content_end(re))
        }
        _ => {
            let end = cx.lines.extend_block(cx.abs(f.range()).1).max(body_start);
            (&src[body_start..end], Vec::new(), end)
        }
    };
    let prefix = body_prefix(cx, first, body_start);
    let (code, removed) = dedent(body, prefix);
    let found = Found {
        kind: CellKind::Code,
        name: f.name.as_str().to_string(),
        code,
        options: cell_options(keywords, cx),
        is_async: f.is_async,
        code_start_line: cx.lines.line_of(body_start),
        code_indent: prefix.chars().count() as u32,
        removed,
        signature: Some(Signature { params, returns }),
        broken: None,
    };
    Some((found, end))
}

fn unparsable_cell(expr: &Expr, cx: &Cx) -> Option<Found> {
    let Expr::Call(call) = expr else {
        return None;
    };
    let (attr, _) = app_attr(&call.func)?;
    if attr != "_unparsable_cell" {
        return None;
    }
    let Some(Expr::StringLiteral(lit)) = call.arguments.args.first() else {
        return None;
    };
    let value = lit.value.to_str();
    let literal = cx.text(lit.range());
    let raw = literal.starts_with(['r', 'R']) && literal[1..].starts_with("\"\"\"");
    let (code, removed) = unparsable::decode(value, raw);
    let mut name = "_".to_string();
    let mut keywords = Vec::new();
    for k in call.arguments.keywords.iter() {
        match (&k.arg, &k.value) {
            (Some(a), Expr::StringLiteral(s)) if a.as_str() == "name" => {
                name = s.value.to_str().to_string();
            }
            _ => keywords.push(k),
        }
    }
    let (lit_start, _) = cx.abs(lit.range());
    let line = cx.lines.line_of(lit_start) + u32::from(value.starts_with('\n'));
    Some(Found {
        kind: CellKind::Unparsable,
        name,
        code,
        options: cell_options(keywords, cx),
        is_async: false,
        code_start_line: line,
        code_indent: 4,
        removed,
        signature: None,
        broken: None,
    })
}
