//! `parse`: source text → `Notebook`.

use weir_pysyntax::parse_module;

use crate::classify::{Cx, Found, Item, ItemKind, classify};
use crate::error::FormatError;
use crate::indent::is_blank;
use crate::lines::Lines;
use crate::model::{
    Cell, CellOrigin, FormatWarning, LineEnding, Notebook, NotebookOrigin, normalize_newlines,
};
use crate::recover;

/// Read a notebook file. Never panics; a file that is not a notebook at all
/// is an error, a notebook with broken parts loads with those parts kept
/// (as unparsable cells, or verbatim) and listed in `Notebook::warnings`.
///
/// Lines may end in `\n`, `\r\n` or `\r`, mixed, as Python allows: the
/// text is read with every ending made `\n` (so cell code, positions and
/// everything kept for writing back are the same whatever the endings), and
/// the file's first ending is remembered in `Notebook::line_ending`.
pub fn parse(source: &str) -> Result<Notebook, FormatError> {
    if is_blank(source) {
        return Err(FormatError::Empty);
    }
    let line_ending = LineEnding::of(source);
    let source = &*normalize_newlines(source);
    let lines = Lines::new(source);
    if let Some(i) = source.find('\0') {
        let (line, column) = lines.position(i);
        return Err(FormatError::Binary { line, column });
    }
    let items = match parse_module(source) {
        Ok(parsed) => {
            let cx = Cx {
                lines: &lines,
                base: 0,
            };
            parsed.suite().iter().map(|s| classify(s, &cx)).collect()
        }
        Err(_) => recover::items(&lines),
    };
    let mut nb = assemble(&lines, items)?;
    nb.line_ending = line_ending;
    Ok(nb)
}

fn assemble(lines: &Lines, items: Vec<Item>) -> Result<Notebook, FormatError> {
    let src = lines.src;
    let Some(app_at) = items
        .iter()
        .position(|i| matches!(i.kind, ItemKind::App(..)))
    else {
        // Report the first syntax error if there is one: that is likely why
        // the App line was not found.
        for item in &items {
            if let ItemKind::Other {
                broken: Some(message),
            } = &item.kind
            {
                let (line, column) = lines.position(item.start);
                return Err(FormatError::Syntax {
                    line,
                    column,
                    message: message.clone(),
                });
            }
        }
        return Err(FormatError::NotANotebook {
            reason: "no `app = marimo.App(...)` or `app = weir.App(...)` line".to_string(),
        });
    };
    let mut nb = Notebook::default();
    let import_at = items[..app_at]
        .iter()
        .rposition(|i| matches!(i.kind, ItemKind::Import(_)));
    let preamble_start = lines.line_start(items[import_at.unwrap_or(app_at)].start);
    nb.header = src[..preamble_start].to_string();
    if let ItemKind::App(flavor, options) = &items[app_at].kind {
        nb.flavor = *flavor;
        nb.app_options = options.clone();
    }
    if let Some(i) = import_at
        && let ItemKind::Import(flavor) = items[i].kind
        && flavor != nb.flavor
    {
        nb.warnings.push(warning(
            lines,
            items[i].start,
            "the import does not match the App line; using the App's",
        ));
    }
    for item in &items[import_at.unwrap_or(app_at)..app_at] {
        if let ItemKind::GeneratedWith(v) = &item.kind {
            nb.generated_with = Some(v.clone());
        }
    }
    let app_end = items[app_at].end;
    let preamble = src[preamble_start..app_end].to_string();

    let mut cursor = lines.next_line(app_end);
    let mut footer_at = None;
    for item in &items[app_at + 1..] {
        let start = lines.line_start(item.start).max(cursor);
        // Text after the App line that does not parse is an unparsable
        // cell, whatever it is: Python cannot run the file, so the damage
        // must be reported and run as a failing cell, never set aside.
        let recovered;
        let found = match &item.kind {
            ItemKind::Cell(found) => Some(found.as_ref()),
            ItemKind::Other {
                broken: Some(message),
            } => {
                recovered = Found {
                    broken: Some(message.clone()),
                    ..recover::whole_chunk(lines, item.start, item.end)
                };
                Some(&recovered)
            }
            _ => None,
        };
        if let Some(found) = found {
            if let Some(message) = &found.broken {
                nb.warnings.push(warning(
                    lines,
                    item.start,
                    &format!(
                        "cell `{}` does not parse ({message}); kept as an unparsable cell",
                        found.name
                    ),
                ));
            }
            let end = item.end.max(start);
            let index = nb.cells.len();
            nb.cells.push(make_cell(
                found,
                index,
                &src[cursor..start],
                &src[start..end],
            ));
            cursor = lines.next_line(end).max(end);
            continue;
        }
        match &item.kind {
            ItemKind::Footer => {
                footer_at = Some(start);
                break;
            }
            _ => nb.warnings.push(warning(
                lines,
                item.start,
                "statement is not a cell; kept as is",
            )),
        }
    }
    let (tail_gap, footer) = match footer_at {
        Some(f) => (&src[cursor.min(f)..f], &src[f..]),
        None => (&src[cursor.min(src.len())..], ""),
    };
    nb.origin = Some(NotebookOrigin {
        preamble,
        flavor: nb.flavor,
        generated_with: nb.generated_with.clone(),
        app_options: nb.app_options.clone(),
        cell_count: nb.cells.len(),
        tail_gap: tail_gap.to_string(),
        footer: footer.to_string(),
    });
    Ok(nb)
}

fn warning(lines: &Lines, at: usize, message: &str) -> FormatWarning {
    FormatWarning {
        line: lines.line_of(at),
        message: message.to_string(),
    }
}

fn make_cell(found: &Found, index: usize, leading: &str, text: &str) -> Cell {
    Cell {
        kind: found.kind,
        name: found.name.clone(),
        code: found.code.clone(),
        options: found.options.clone(),
        is_async: found.is_async,
        code_start_line: found.code_start_line,
        code_indent: found.code_indent,
        signature_in_file: found.signature.clone(),
        origin: Some(CellOrigin {
            index,
            leading: leading.to_string(),
            text: text.to_string(),
            kind: found.kind,
            name: found.name.clone(),
            code: found.code.clone(),
            options: found.options.clone(),
            is_async: found.is_async,
            signature: found.signature.clone(),
            removed: found.removed.clone(),
        }),
    }
}
