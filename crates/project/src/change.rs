//! Changes as data: every edit to a notebook is a [`Change`] value, applied
//! with [`Project::apply_change`], addressed by stable [`CellId`]s.
//!
//! Applying a change updates the cells, their analysis and the graph
//! incrementally and reports which cells became *stale*: their result may
//! no longer match the code on screen. It runs nothing; deciding what to run
//! and when is the kernel's job (autorun runs the stale set, lazy mode only
//! marks it). The rule for the stale set:
//! - the changed cell itself (for a code edit, an insert, enabling it);
//! - its descendants before the change (they read names it may no longer
//!   define) and after it (they read names it now defines);
//! - cells whose static problems may have appeared or gone away: the other
//!   definers and deleters of every name the cell defined before or defines
//!   now (a name defined twice, a deleted name another cell defines), and
//!   their descendants, which such a problem blocks or frees. A cycle
//!   through the cell is already covered by its descendants.
//!
//! Moving or renaming a cell, or changing an option that does not affect
//! its result (`hide_code`), makes nothing stale.

use std::collections::BTreeSet;

use weir_graph::CellId;
use weir_notebook::{Cell, CellKind, CellOptions};

use crate::Project;

/// One edit to a notebook.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Replace a cell's code.
    SetCode { cell: CellId, code: String },
    /// Insert a new cell at a notebook position (clamped to the end).
    Insert { at: usize, cell: Box<Cell> },
    /// Move a cell to a notebook position (clamped to the last one).
    Move { cell: CellId, to: usize },
    /// Delete a cell: its names leave the graph with it.
    Delete { cell: CellId },
    /// Rename a code cell (its function name in the file).
    Rename { cell: CellId, name: String },
    /// Replace a cell's options (disabled, hide_code, the rest).
    SetOptions { cell: CellId, options: CellOptions },
}

/// What applying one change did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Applied {
    /// The id of an inserted cell.
    pub inserted: Option<CellId>,
    /// A deleted cell, as it was.
    pub deleted: Option<Cell>,
    /// Cells whose results may no longer match their code, in notebook
    /// order. Never contains a deleted cell.
    pub stale: Vec<CellId>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ChangeError {
    #[error("no cell with id {0:?} in this notebook")]
    UnknownCell(CellId),
    #[error("{name:?} is not a valid cell name (a Python identifier)")]
    InvalidName { name: String },
    #[error("the {kind} cell cannot be renamed: its name comes from its code")]
    NotRenamable { kind: &'static str },
}

impl Project {
    /// The ids of all cells, in notebook order.
    pub fn cell_ids(&self) -> &[CellId] {
        &self.ids
    }

    /// The cell with this id, if it exists.
    pub fn cell_by_id(&self, id: CellId) -> Option<&Cell> {
        self.index_of(id).map(|index| &self.notebook.cells[index])
    }

    /// Applies one change (see the module docs for the stale rule).
    pub fn apply_change(&mut self, change: Change) -> Result<Applied, ChangeError> {
        match change {
            Change::SetCode { cell, code } => {
                let index = self.require(cell)?;
                let mut touched = self.touched_names(index);
                let mut stale = self.graph.descendants(&[cell]);
                self.edit_cell(index, code);
                touched.extend(self.graph_defs(cell));
                stale.push(cell);
                stale.extend(self.graph.descendants(&[cell]));
                self.add_neighbours(&touched, &mut stale);
                Ok(self.applied(stale))
            }
            Change::Insert { at, cell } => {
                let id = self.insert_cell(at, *cell);
                let touched = self.graph_defs(id);
                let mut stale = vec![id];
                stale.extend(self.graph.descendants(&[id]));
                self.add_neighbours(&touched, &mut stale);
                Ok(Applied {
                    inserted: Some(id),
                    ..self.applied(stale)
                })
            }
            Change::Move { cell, to } => {
                let index = self.require(cell)?;
                self.move_cell(index, to);
                Ok(Applied::default())
            }
            Change::Delete { cell } => {
                let index = self.require(cell)?;
                let touched = self.touched_names(index);
                let mut stale = self.graph.descendants(&[cell]);
                let removed = self.delete_cell(index);
                self.add_neighbours(&touched, &mut stale);
                Ok(Applied {
                    deleted: Some(removed),
                    ..self.applied(stale)
                })
            }
            Change::Rename { cell, name } => {
                let index = self.require(cell)?;
                let kind = self.notebook.cells[index].kind;
                if !matches!(kind, CellKind::Code | CellKind::Unparsable) {
                    return Err(ChangeError::NotRenamable {
                        kind: kind_name(kind),
                    });
                }
                if !weir_notebook::is_cell_name(&name) {
                    return Err(ChangeError::InvalidName { name });
                }
                self.notebook.cells[index].name = name;
                Ok(Applied::default())
            }
            Change::SetOptions { cell, options } => {
                let index = self.require(cell)?;
                let was_disabled = self.notebook.cells[index].options.disabled;
                let now_disabled = options.disabled;
                self.notebook.cells[index].options = options;
                let mut stale = Vec::new();
                if was_disabled != now_disabled {
                    // Disabling blocks the cell and everything below it;
                    // enabling lets them run again. Either way they are stale.
                    stale.push(cell);
                    stale.extend(self.graph.descendants(&[cell]));
                }
                Ok(self.applied(stale))
            }
        }
    }

    /// Moves the cell at `index` to notebook position `to` (clamped).
    pub fn move_cell(&mut self, index: usize, to: usize) {
        let to = to.min(self.notebook.cells.len() - 1);
        let id = self.ids.remove(index);
        self.ids.insert(to, id);
        let cell = self.notebook.cells.remove(index);
        self.notebook.cells.insert(to, cell);
        let analysis = self.analyses.remove(index);
        self.analyses.insert(to, analysis);
        self.graph.move_to(id, to);
        self.debug_check();
    }

    fn require(&self, id: CellId) -> Result<usize, ChangeError> {
        self.index_of(id).ok_or(ChangeError::UnknownCell(id))
    }

    /// The names whose other definers and deleters a change to the cell at
    /// `index` can affect: what it defines in the graph now.
    fn touched_names(&self, index: usize) -> BTreeSet<String> {
        self.graph_defs(self.ids[index])
    }

    /// Every name the cell defines in the graph, SQL tables (hidden defs)
    /// included: all of them count for names defined twice and deletes.
    fn graph_defs(&self, id: CellId) -> BTreeSet<String> {
        self.graph
            .deps(id)
            .map(|deps| deps.defs.union(&deps.hidden_defs).cloned().collect())
            .unwrap_or_default()
    }

    /// The other definers and deleters of `names`, whose static problems
    /// (a name defined twice, a deleted name defined elsewhere) may have
    /// appeared or gone, and their descendants, which that blocks or frees.
    fn add_neighbours(&self, names: &BTreeSet<String>, stale: &mut Vec<CellId>) {
        let mut neighbours = Vec::new();
        for name in names {
            neighbours.extend(self.graph.definers(name));
            neighbours.extend(self.graph.deleters(name));
        }
        if neighbours.is_empty() {
            return;
        }
        stale.extend(self.graph.descendants(&neighbours));
        stale.extend(neighbours);
    }

    /// Deduplicates `stale`, drops ids no longer in the notebook, and sorts
    /// it into notebook order.
    fn applied(&self, stale: Vec<CellId>) -> Applied {
        let mut positioned: Vec<(usize, CellId)> = stale
            .into_iter()
            .filter_map(|id| self.index_of(id).map(|index| (index, id)))
            .collect();
        positioned.sort_unstable();
        positioned.dedup();
        Applied {
            stale: positioned.into_iter().map(|(_, id)| id).collect(),
            ..Applied::default()
        }
    }
}

fn kind_name(kind: CellKind) -> &'static str {
    match kind {
        CellKind::Setup => "setup",
        CellKind::Function => "@app.function",
        CellKind::ClassDefinition => "@app.class_definition",
        CellKind::Code => "code",
        CellKind::Unparsable => "unparsable",
    }
}
