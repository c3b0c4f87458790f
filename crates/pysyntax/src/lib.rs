//! Parsing Python for the workspace: the one place that calls ruff's parser
//! on user code.
//!
//! Three things make this more than a re-export:
//!
//! - **Deep trees.** ruff's parser grows its stack as it recurses, but the
//!   tree it returns is freed by Rust's recursive `Drop`: a 600 KB cell of
//!   `1 + 1 + ...` is a left-deep chain of 150,000 `BinOp`s whose drop
//!   overflows any thread's stack and aborts the process. [`ParsedModule`]
//!   takes a large tree apart bottom-up before dropping it ([`dismantle`]),
//!   so dropping never recurses more than two levels. The error path goes
//!   through the same code: ruff's `parse_module` drops the recovered tree
//!   itself on error, so this crate calls `parse_unchecked`.
//! - **Target version** ([`parse_for`]). The tree is the same for every
//!   Python version; what differs is which syntax the version accepts. The
//!   parse keeps ruff's unsupported-syntax errors for the target version
//!   (`match` before 3.10, PEP 695 before 3.12, ...) beside the tree.
//! - **CPython's tokenizer limits** ([`limits`]), which ruff does not have:
//!   more than 200 nested brackets, more than 99 levels of indentation,
//!   indentation whose meaning depends on the width of a tab.

mod dismantle;
pub mod limits;

pub use dismantle::{dismantle, first_too_deep, max_depth};
pub use ruff_python_ast::PythonVersion;
pub use ruff_python_parser::{ParseError, ParseErrorType, UnsupportedSyntaxError};

use ruff_python_ast::{Mod, ModModule, Stmt};
use ruff_python_parser::{Mode, ParseOptions, parse_unchecked};
use ruff_text_size::Ranged;

/// Sources shorter than this cannot nest deep enough (each level costs at
/// least one byte of source) for a plain recursive drop to matter, so the
/// bottom-up dismantling is skipped for them.
const SHALLOW_SOURCE_BYTES: usize = 4096;

/// A module that parsed without syntax errors (unsupported-syntax errors
/// for the target version aside).
pub struct ParsedModule {
    module: ModModule,
    unsupported: Vec<UnsupportedSyntaxError>,
    deep: bool,
}

impl ParsedModule {
    pub fn suite(&self) -> &[Stmt] {
        &self.module.body
    }

    pub fn syntax(&self) -> &ModModule {
        &self.module
    }

    /// Syntax the target version does not accept, in source order (empty
    /// for [`parse_module`], which targets the newest version).
    pub fn unsupported_syntax_errors(&self) -> &[UnsupportedSyntaxError] {
        &self.unsupported
    }
}

impl Drop for ParsedModule {
    fn drop(&mut self) {
        if self.deep {
            dismantle(&mut self.module.body);
        }
    }
}

/// Parse a module as ruff does, for the newest Python it knows, without
/// CPython's tokenizer limits: for reading a notebook file's structure,
/// where the cells' Python version does not matter.
pub fn parse_module(source: &str) -> Result<ParsedModule, ParseError> {
    parse(source, PythonVersion::latest(), false)
}

/// Parse a module as CPython `target` would: `Err` is the first syntax
/// error, ruff's or a CPython tokenizer limit ([`limits`]), whichever comes
/// first; syntax newer (or older) than `target` is reported in
/// [`ParsedModule::unsupported_syntax_errors`].
pub fn parse_for(source: &str, target: PythonVersion) -> Result<ParsedModule, ParseError> {
    parse(source, target, true)
}

fn parse(
    source: &str,
    target: PythonVersion,
    cpython_limits: bool,
) -> Result<ParsedModule, ParseError> {
    let options = ParseOptions::from(Mode::Module).with_target_version(target);
    let parsed = parse_unchecked(source, options);
    let mut first_error = parsed.errors().first().cloned();
    // CPython's tokenizer stops at the limit; at the same place as one of
    // ruff's errors, CPython's message is the one its users know.
    if cpython_limits
        && let Some(limit) = limits::first_violation(source, parsed.tokens())
        && first_error
            .as_ref()
            .is_none_or(|e| limit.start() <= e.location.start())
    {
        first_error = Some(ParseError {
            error: ParseErrorType::OtherError(limit.message().to_string()),
            location: limit.range(),
        });
    }
    let unsupported = parsed.unsupported_syntax_errors().to_vec();
    let Mod::Module(module) = parsed.into_syntax() else {
        unreachable!("Mode::Module always parses to a module")
    };
    let module = ParsedModule {
        module,
        unsupported,
        deep: source.len() >= SHALLOW_SOURCE_BYTES,
    };
    match first_error {
        // `module` is dropped here, dismantled if deep.
        Some(error) => Err(error),
        None => Ok(module),
    }
}

#[cfg(test)]
mod tests;
