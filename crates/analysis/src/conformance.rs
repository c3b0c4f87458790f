//! The ONE code path shared by `tests/conformance.rs` and the CLI command
//! `weir debug analyze-cells IN.jsonl`.
//!
//! Input line: `{"id": "...", "code": "..."}` (other fields ignored).
//! Output line: `{"id","defs","refs","deleted_refs","builtin_refs","error","language"}`
//! with sorted lists, `error` `null` or `"syntax"` (marimo reports every
//! rejected cell as a `SyntaxError`), `language` `"python"`/`"sql"`, or
//! `null` on error, matching the corpus fields.

use std::fmt;

use serde::Serialize;

use crate::{CellAnalysis, DEFAULT_CELL_ID, Language, PythonVersion, analyze_cell_with_id_for};

/// The answer for one cell, in the corpus's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub id: String,
    pub defs: Vec<String>,
    pub refs: Vec<String>,
    pub deleted_refs: Vec<String>,
    pub builtin_refs: Vec<String>,
    pub error: Option<&'static str>,
    pub language: Option<Language>,
}

/// Why an input line could not be answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConformanceInputError {
    /// The line is not a JSON object.
    InvalidJson(String),
    /// A required string field (`id` or `code`) is missing or not a string.
    MissingField(&'static str),
}

impl fmt::Display for ConformanceInputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidJson(e) => write!(f, "invalid JSON: {e}"),
            Self::MissingField(field) => write!(f, "missing string field `{field}`"),
        }
    }
}

impl std::error::Error for ConformanceInputError {}

/// Answer one input line with one output line (no trailing newline).
pub fn answer_line(line: &str) -> Result<String, ConformanceInputError> {
    let value: serde_json::Value = serde_json::from_str(line)
        .map_err(|e| ConformanceInputError::InvalidJson(e.to_string()))?;
    let field = |name: &'static str| {
        value
            .get(name)
            .and_then(serde_json::Value::as_str)
            .ok_or(ConformanceInputError::MissingField(name))
    };
    let answer = answer(field("id")?, field("code")?);
    serde_json::to_string(&answer).map_err(|e| ConformanceInputError::InvalidJson(e.to_string()))
}

/// The Python the corpus's answers were recorded with.
pub const CORPUS_PYTHON_VERSION: PythonVersion = PythonVersion::PY311;

/// Analyse `code` as marimo's conformance run did (cell id `Hbol`, on
/// Python 3.11).
pub fn answer(id: &str, code: &str) -> Answer {
    from_analysis(
        id,
        &analyze_cell_with_id_for(code, DEFAULT_CELL_ID, CORPUS_PYTHON_VERSION),
    )
}

/// Convert a [`CellAnalysis`] into the corpus's answer shape.
pub fn from_analysis(id: &str, analysis: &CellAnalysis) -> Answer {
    let list = |set: &std::collections::BTreeSet<String>| set.iter().cloned().collect();
    Answer {
        id: id.to_string(),
        defs: list(&analysis.defs),
        refs: list(&analysis.refs),
        deleted_refs: list(&analysis.deleted_refs),
        builtin_refs: list(&analysis.builtin_refs),
        error: analysis.error.as_ref().map(|_| "syntax"),
        language: analysis.error.is_none().then_some(analysis.language),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_round_trip() {
        let out = answer_line(r#"{"id": "a", "code": "y = x + len(z)", "extra": 1}"#).unwrap();
        assert_eq!(
            out,
            r#"{"id":"a","defs":["y"],"refs":["x","z"],"deleted_refs":[],"builtin_refs":["len"],"error":null,"language":"python"}"#
        );
        let err = answer_line(r#"{"id": "b", "code": "x = ("}"#).unwrap();
        assert!(err.contains(r#""error":"syntax""#) && err.contains(r#""language":null"#));
    }

    #[test]
    fn bad_input() {
        assert!(matches!(
            answer_line("nope"),
            Err(ConformanceInputError::InvalidJson(_))
        ));
        assert_eq!(
            answer_line(r#"{"id": "x"}"#),
            Err(ConformanceInputError::MissingField("code"))
        );
        assert_eq!(
            answer_line(r#"{"code": "x"}"#),
            Err(ConformanceInputError::MissingField("id"))
        );
    }
}
