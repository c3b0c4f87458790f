//! Static analysis of ONE notebook cell: which global names it defines,
//! reads and deletes, and what it imports. No I/O.
//!
//! # The model (read this first)
//!
//! Weir must build the same dataflow graph as marimo, so this crate
//! reproduces marimo's `ScopedVisitor` (marimo 0.25.2), quirks included,
//! rather than Python's exact semantics. The pipeline for one cell is:
//!
//! 1. **Parse** with `ruff_python_parser` (through `weir-pysyntax`), as the
//!    target [`PythonVersion`] would: a parse error, syntax newer than the
//!    target (`match` before 3.10, `type X = ...` before 3.12, ...) or a
//!    CPython tokenizer limit (201 nested brackets, 100 indentation levels,
//!    inconsistent tabs) becomes [`CellErrorKind::Syntax`] and all name sets
//!    stay empty. Code nested deeper than the target's compiler allows
//!    ([`cpython_nesting_limit`]) is a [`CellErrorKind::Compile`] error.
//! 2. **Compile-time checks** ([`errors`]): the errors CPython raises after
//!    parsing (top-level `return`/`yield`/`break`/`nonlocal`, `global` after
//!    use, duplicate arguments, ...). marimo compiles every cell, so these
//!    make the cell an error too.
//! 3. **Scope walk** ([`scope`]): a stack of *blocks* (module, function,
//!    lambda, class, comprehension). A store defines the name in the current
//!    block; a load that no block on the stack defines becomes a *ref*. A ref
//!    made inside a nested block is forgotten when an enclosing block defines
//!    the name later, because a function body runs after the cell finished
//!    (`def g(): return helper()` then `def helper(): ...` refs nothing).
//!    The module block's defs minus private names are the cell's `defs`.
//! 4. **SQL** ([`sql`]): `mo.sql("...")`-style calls mark the cell as SQL and
//!    add the tables the query reads/creates.
//! 5. **Builtins** ([`is_builtin`]): refs that are builtin names move to
//!    `builtin_refs`.
//!
//! `docs/analysis.md` lists the rules in prose, and the conformance corpus
//! (`../shared/conformance/cells.jsonl`, beside the repository) pins them down;
//! `tests/conformance.rs` runs it.

mod builtins;
pub mod conformance;
mod errors;
mod fingerprint;
mod names;
mod scope;
mod sql;
mod version;

use std::collections::{BTreeMap, BTreeSet};

use ruff_text_size::{TextRange, TextSize};

pub use builtins::is_builtin;
pub use fingerprint::code_fingerprint;
pub use names::{is_private, mangle};
pub use sql::{SqlDef, SqlKind, SqlRef};
pub use version::{
    DEFAULT_PYTHON_VERSION, OLDEST_PYTHON_VERSION, PythonVersion, cpython_nesting_limit,
    parse_python_version,
};

/// Cells shorter than this (in bytes) cannot nest deeper than the smallest
/// depth anything here cares about, so their depth is not measured.
const SHALLOW_SOURCE_BYTES: usize = 200;

/// Cell id used for marimo's name mangling when the caller does not supply
/// one (see [`analyze_cell_with_id`]). It is the id marimo gives the first
/// cell of a notebook, and the id the conformance corpus was produced with.
pub const DEFAULT_CELL_ID: &str = "Hbol";

/// Everything the analysis knows about one cell.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CellAnalysis {
    /// Global names the cell defines (never private `_x` names).
    pub defs: BTreeSet<String>,
    /// Global names the cell reads without having defined them first,
    /// builtins excluded (exactly marimo's `refs` minus builtins). SQL table
    /// refs appear qualified as written (`db.schema.tbl`), lower-cased.
    pub refs: BTreeSet<String>,
    /// Builtin names the cell reads (marimo's `refs` ∩ the builtin set).
    pub builtin_refs: BTreeSet<String>,
    /// Refs removed with `del` (`del x` where `x` belongs to another cell).
    pub deleted_refs: BTreeSet<String>,
    /// The defs a SQL statement created (tables, views, schemas, catalogs),
    /// unless Python code rebound the name after: SQL names are not Python
    /// variables, so the graph links them only to SQL references.
    pub sql_defs: BTreeMap<String, SqlDef>,
    /// The refs a SQL query made (qualified as written, as in `refs`), with
    /// their name parts, so the graph can match them as marimo does.
    pub sql_refs: BTreeMap<String, SqlRef>,
    /// Every import statement's bound names, in source order (including
    /// imports inside functions; see [`Import::top_level`]).
    pub imports: Vec<Import>,
    pub language: Language,
    /// `Some` when marimo would reject the cell; all name sets are then empty.
    pub error: Option<CellError>,
    /// Byte range of the cell's final statement when it is an expression
    /// statement (its value is the cell's output). The worker splits the
    /// source here instead of parsing it again (docs/protocol.md, version 4).
    pub last_expression: Option<TextRange>,
}

/// The cell's language: a cell with a `mo.sql(...)`-style call is `Sql`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Python,
    Sql,
}

/// One name bound by an import statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The Python name the statement binds (`np` for `import numpy as np`,
    /// `a` for `import a.b.c`).
    pub bound_name: String,
    /// The module as written, relative dots included (`numpy`, `a.b.c`,
    /// `..shared.models`, `.` for `from . import x`).
    pub module: String,
    /// `from m import x` -> `Some("x")`; `import m` -> `None`.
    pub imported: Option<String>,
    /// Number of leading dots of a relative `from` import (0 if absolute).
    pub level: u32,
    /// `false` when the import sits inside a function or class body.
    pub top_level: bool,
    /// Byte range of the whole statement within the cell.
    pub range: TextRange,
    /// 1-based line of the statement within the cell.
    pub line: u32,
    /// 1-based column (in characters) of the statement.
    pub column: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CellErrorKind {
    /// The parser rejected the cell.
    Syntax,
    /// `from m import *` (marimo's `ImportStarError`, a `SyntaxError`).
    ImportStar,
    /// Parses, but CPython's compiler rejects it (top-level `return`,
    /// `global` after use, `nonlocal` at module level, ...).
    Compile,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    pub kind: CellErrorKind,
    pub message: String,
    /// 1-based line within the cell.
    pub line: u32,
    /// 1-based column within the line, counted in characters.
    pub column: u32,
}

/// Analyse one cell's source for [`DEFAULT_PYTHON_VERSION`]. Never panics.
pub fn analyze_cell(code: &str) -> CellAnalysis {
    analyze_cell_for(code, DEFAULT_PYTHON_VERSION)
}

/// Analyse one cell's source as Python `version` would judge it: syntax the
/// version does not have is a syntax error naming the version.
pub fn analyze_cell_for(code: &str, version: PythonVersion) -> CellAnalysis {
    analyze_cell_with_id_for(code, DEFAULT_CELL_ID, version)
}

/// Like [`analyze_cell`], with the cell id marimo would use to mangle
/// private names. The id only matters for `global _x`, which marimo reports
/// as the ref `_cell_<id>_x`.
pub fn analyze_cell_with_id(code: &str, cell_id: &str) -> CellAnalysis {
    analyze_cell_with_id_for(code, cell_id, DEFAULT_PYTHON_VERSION)
}

/// [`analyze_cell_with_id`] for Python `version`.
pub fn analyze_cell_with_id_for(code: &str, cell_id: &str, version: PythonVersion) -> CellAnalysis {
    let parsed = match weir_pysyntax::parse_for(code, version) {
        Ok(parsed) => parsed,
        Err(err) => {
            return error_analysis(
                code,
                CellErrorKind::Syntax,
                err.error.to_string(),
                err.location.start(),
            );
        }
    };
    if let Some(err) = parsed.unsupported_syntax_errors().first() {
        return error_analysis(
            code,
            CellErrorKind::Syntax,
            err.to_string(),
            err.range.start(),
        );
    }
    let module = parsed.syntax();

    // Each level of nesting takes at least one byte, so short cells are
    // never deep and skip the measuring walk.
    let depth = if code.len() > SHALLOW_SOURCE_BYTES {
        weir_pysyntax::max_depth(&module.body)
    } else {
        0
    };
    if let Some(limit) = cpython_nesting_limit(version)
        && depth > limit
        && let Some(at) = weir_pysyntax::first_too_deep(&module.body, limit)
    {
        let message = format!(
            "code nested too deeply: Python {version} compiles at most {limit} levels of \
             nested statements and expressions (it raises RecursionError)"
        );
        return error_analysis(code, CellErrorKind::Compile, message, at.start());
    }

    if let Some((message, at)) = errors::first_compile_error(code, &module.body, version, depth) {
        return error_analysis(code, CellErrorKind::Compile, message, at);
    }

    let walk = scope::walk(code, &module.body, cell_id);
    if let Some(at) = walk.star_import {
        return error_analysis(
            code,
            CellErrorKind::ImportStar,
            "Importing symbols with `import *` is not allowed in marimo".to_string(),
            at,
        );
    }

    let last_expression = match module.body.last() {
        Some(ruff_python_ast::Stmt::Expr(stmt)) => Some(stmt.range),
        _ => None,
    };
    let mut analysis = CellAnalysis {
        last_expression,
        defs: walk.defs,
        sql_defs: walk.sql_defs,
        sql_refs: walk.sql_refs,
        imports: walk.imports,
        language: if walk.is_sql {
            Language::Sql
        } else {
            Language::Python
        },
        ..CellAnalysis::default()
    };
    for (name, deleted) in walk.refs {
        if deleted {
            analysis.deleted_refs.insert(name.clone());
        }
        if is_builtin(&name) {
            analysis.builtin_refs.insert(name);
        } else {
            analysis.refs.insert(name);
        }
    }
    analysis
}

fn error_analysis(code: &str, kind: CellErrorKind, message: String, at: TextSize) -> CellAnalysis {
    let (line, column) = line_column(code, at);
    CellAnalysis {
        error: Some(CellError {
            kind,
            message,
            line,
            column,
        }),
        ..CellAnalysis::default()
    }
}

/// 1-based (line, column-in-characters) of byte offset `at` in `code`.
/// Offsets past the end or inside a character are clamped, never panic.
pub(crate) fn line_column(code: &str, at: TextSize) -> (u32, u32) {
    let mut at = (u32::from(at) as usize).min(code.len());
    while !code.is_char_boundary(at) {
        at -= 1;
    }
    let before = &code[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

#[cfg(test)]
mod tests;
