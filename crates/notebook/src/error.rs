//! Why a file could not be read as a notebook.

use thiserror::Error;

/// Every variant says what went wrong and, where there is one, where
/// (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FormatError {
    #[error("the file is empty")]
    Empty,
    #[error("not a text file: NUL byte at line {line}, column {column}")]
    Binary { line: u32, column: u32 },
    #[error("not a notebook: {reason}")]
    NotANotebook { reason: String },
    #[error("syntax error at line {line}, column {column} before the first cell: {message}")]
    Syntax {
        line: u32,
        column: u32,
        message: String,
    },
}
