//! The graph as data: the schema `weir graph --format json` prints
//! (documented in docs/cli.md; other tools read it, so fields are only ever
//! added, and `schema_version` changes when one changes meaning).

use serde::Serialize;

use weir_analysis::Language;
use weir_notebook::CellKind;

use crate::Project;

pub const GRAPH_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GraphReport {
    pub schema_version: u32,
    pub cells: Vec<CellReport>,
    pub multiply_defined: Vec<MultiplyDefinedReport>,
    /// Each cycle as a sorted list of `[from, to]` edges (cell indices).
    pub cycles: Vec<Vec<[usize; 2]>>,
    pub cells_in_cycles: Vec<usize>,
    /// Names some cell deletes that another cell defines.
    pub deleted_nonlocal: Vec<String>,
    /// The order `weir exec` runs the cells in: a topological order, ties
    /// broken by notebook order; cells that cannot run (syntax errors,
    /// cycles) are left out.
    pub run_order: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellReport {
    pub index: usize,
    pub name: String,
    pub kind: &'static str,
    pub defs: Vec<String>,
    pub refs: Vec<String>,
    pub builtin_refs: Vec<String>,
    pub deleted_refs: Vec<String>,
    pub parents: Vec<usize>,
    pub children: Vec<usize>,
    /// `null`, or a short reason (`"syntax"`) when the cell does not compile.
    pub error: Option<String>,
    pub language: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MultiplyDefinedReport {
    pub name: String,
    pub cells: Vec<usize>,
}

impl Project {
    pub fn graph_report(&self) -> GraphReport {
        let graph = self.graph();
        let indices = |ids: Vec<weir_graph::CellId>| -> Vec<usize> {
            let mut out: Vec<usize> = ids.into_iter().filter_map(|id| self.index_of(id)).collect();
            out.sort_unstable();
            out
        };
        let cells = self
            .cells()
            .iter()
            .zip(self.analyses())
            .enumerate()
            .map(|(index, (cell, analysis))| {
                let id = self.cell_id(index);
                CellReport {
                    index,
                    name: self.display_name(index),
                    kind: kind_name(cell.kind),
                    defs: analysis.defs.iter().cloned().collect(),
                    refs: analysis.refs.iter().cloned().collect(),
                    builtin_refs: analysis.builtin_refs.iter().cloned().collect(),
                    deleted_refs: analysis.deleted_refs.iter().cloned().collect(),
                    parents: indices(graph.parents(id)),
                    children: indices(graph.children(id)),
                    // marimo reports every compile failure as a SyntaxError.
                    error: analysis.error.as_ref().map(|_| "syntax".to_string()),
                    language: match analysis.language {
                        Language::Python => "python",
                        Language::Sql => "sql",
                    },
                }
            })
            .collect();
        let errors = graph.errors();
        let mut cycles: Vec<Vec<[usize; 2]>> = errors
            .cycles
            .iter()
            .map(|cycle| {
                let mut edges: Vec<[usize; 2]> = cycle
                    .iter()
                    .filter_map(|(from, to)| Some([self.index_of(*from)?, self.index_of(*to)?]))
                    .collect();
                edges.sort_unstable();
                edges
            })
            .collect();
        cycles.sort();
        let mut deleted_nonlocal: Vec<String> = errors
            .deleted_nonlocal
            .iter()
            .map(|d| d.name.clone())
            .collect();
        deleted_nonlocal.sort();
        deleted_nonlocal.dedup();
        let runnable: Vec<weir_graph::CellId> = self
            .analyses()
            .iter()
            .enumerate()
            .filter(|(_, a)| a.error.is_none())
            .map(|(index, _)| self.cell_id(index))
            .collect();
        GraphReport {
            schema_version: GRAPH_SCHEMA_VERSION,
            cells,
            multiply_defined: errors
                .multiply_defined
                .iter()
                .map(|m| MultiplyDefinedReport {
                    name: m.name.clone(),
                    cells: indices(m.cells.clone()),
                })
                .collect(),
            cycles,
            cells_in_cycles: indices(graph.cells_in_cycles().into_iter().collect()),
            deleted_nonlocal,
            run_order: graph
                .run_order(&runnable)
                .into_iter()
                .filter_map(|id| self.index_of(id))
                .collect(),
        }
    }
}

fn kind_name(kind: CellKind) -> &'static str {
    match kind {
        CellKind::Code => "code",
        CellKind::Setup => "setup",
        CellKind::Function => "function",
        CellKind::ClassDefinition => "class_definition",
        CellKind::Unparsable => "unparsable",
    }
}
