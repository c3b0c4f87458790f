//! Problems in a notebook, each pinned to a cell and a file position.

use serde::Serialize;

use crate::Project;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Stable, machine-readable codes: tools match on these, people read the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosticCode {
    /// The cell's code does not compile (or uses `from m import *`).
    SyntaxError,
    /// Two or more cells define the same global name.
    MultiplyDefined,
    /// Cells read each other's names in a loop.
    Cycle,
    /// A cell deletes (`del x`) a name that another cell defines.
    DeleteNonlocal,
}

impl DiagnosticCode {
    pub fn as_str(self) -> &'static str {
        match self {
            DiagnosticCode::SyntaxError => "syntax-error",
            DiagnosticCode::MultiplyDefined => "multiply-defined",
            DiagnosticCode::Cycle => "cycle",
            DiagnosticCode::DeleteNonlocal => "delete-nonlocal",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: DiagnosticCode,
    /// Index of the cell in notebook order (0-based).
    pub cell: usize,
    /// The cell's display name (`_`, `setup`, `*fn`, or its given name).
    pub cell_name: String,
    /// 1-based line and column in the notebook file.
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl Project {
    /// Every problem in the notebook, ordered by position in the file.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let at = |index: usize, line: u32, column: u32, code, message: String| {
            let (line, column) = self.cells()[index].file_position(line, column);
            Diagnostic {
                severity: Severity::Error,
                code,
                cell: index,
                cell_name: self.display_name(index),
                line,
                column,
                message,
            }
        };
        for (index, analysis) in self.analyses().iter().enumerate() {
            if let Some(error) = &analysis.error {
                out.push(at(
                    index,
                    error.line,
                    error.column,
                    DiagnosticCode::SyntaxError,
                    error.message.clone(),
                ));
            }
        }
        let errors = self.graph().errors();
        for multi in &errors.multiply_defined {
            let indices: Vec<usize> = multi
                .cells
                .iter()
                .filter_map(|id| self.index_of(*id))
                .collect();
            for &index in &indices {
                let others: Vec<String> = indices
                    .iter()
                    .filter(|&&other| other != index)
                    .map(|&other| self.cell_label(other))
                    .collect();
                out.push(at(
                    index,
                    1,
                    1,
                    DiagnosticCode::MultiplyDefined,
                    format!(
                        "`{}` is also defined by {}; a name may be defined by one cell only",
                        multi.name,
                        others.join(", ")
                    ),
                ));
            }
        }
        for id in self.graph().cells_in_cycles() {
            let Some(index) = self.index_of(id) else {
                continue;
            };
            let partners: Vec<String> = errors
                .cycles
                .iter()
                .filter(|cycle| cycle.iter().any(|(from, to)| *from == id || *to == id))
                .flat_map(|cycle| cycle.iter().map(|(from, _)| *from))
                .filter(|other| *other != id)
                .filter_map(|other| self.index_of(other))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .map(|other| self.cell_label(other))
                .collect();
            out.push(at(
                index,
                1,
                1,
                DiagnosticCode::Cycle,
                format!(
                    "this cell is in a dependency cycle with {}; cells in a cycle do not run",
                    if partners.is_empty() {
                        "other cells".to_string()
                    } else {
                        partners.join(", ")
                    }
                ),
            ));
        }
        for deleted in &errors.deleted_nonlocal {
            let Some(index) = self.index_of(deleted.deleter) else {
                continue;
            };
            let definers: Vec<String> = deleted
                .definers
                .iter()
                .filter_map(|id| self.index_of(*id))
                .map(|other| self.cell_label(other))
                .collect();
            out.push(at(
                index,
                1,
                1,
                DiagnosticCode::DeleteNonlocal,
                format!(
                    "`del {}` deletes a name defined by {}; a cell may only delete its own names",
                    deleted.name,
                    definers.join(", ")
                ),
            ));
        }
        out.sort_by_key(|d| (d.line, d.column, d.code));
        out
    }

    /// "cell 3 (`_`)": how messages name another cell.
    pub fn cell_label(&self, index: usize) -> String {
        format!("cell {} (`{}`)", index, self.display_name(index))
    }
}
