//! Each cell's place in the dataflow graph, for an editor's dependency
//! panel and graph view: the names it defines and reads, the cells it
//! reads from and the cells that read it. Kept in the snapshot (so a
//! client connecting later has it) and kept current by `Graph` events,
//! computed from the project's graph with no I/O when a change is applied.
//!
//! A change only moves edges that touch the cell it names (an edge is a
//! fact about two cells' names), so the cells whose facts can change are
//! that cell and its neighbours before and after the change; only those
//! are recomputed, and only the ones that differ are published.

use std::collections::{BTreeSet, HashMap};

use weir_graph::CellId;
use weir_project::Project;

use super::event::{CellGraph, GraphFacts, id_of};

/// One cell's facts now, or `None` for a cell that does not exist.
pub(super) fn facts(project: &Project, id: CellId) -> Option<GraphFacts> {
    let index = project.index_of(id)?;
    let analysis = project.analysis(index);
    let graph = project.graph();
    Some(GraphFacts {
        defs: analysis.defs.iter().cloned().collect(),
        refs: analysis.refs.iter().cloned().collect(),
        parents: graph.parents(id).into_iter().map(id_of).collect(),
        children: graph.children(id).into_iter().map(id_of).collect(),
    })
}

/// The cell and its direct parents and children.
pub(super) fn around(project: &Project, id: CellId) -> BTreeSet<CellId> {
    let graph = project.graph();
    let mut out: BTreeSet<CellId> = graph.parents(id).into_iter().collect();
    out.extend(graph.children(id));
    if project.index_of(id).is_some() {
        out.insert(id);
    }
    out
}

/// The facts the kernel last published, per cell.
#[derive(Default)]
pub(super) struct Published(HashMap<CellId, GraphFacts>);

impl Published {
    pub(super) fn all(project: &Project) -> Self {
        Published(
            project
                .cell_ids()
                .iter()
                .filter_map(|&id| Some((id, facts(project, id)?)))
                .collect(),
        )
    }

    pub(super) fn get(&self, id: CellId) -> GraphFacts {
        self.0.get(&id).cloned().unwrap_or_default()
    }

    /// Recomputes `cells`; returns those whose facts changed (deleted
    /// cells are forgotten: their `CellDeleted` says it).
    pub(super) fn refresh(
        &mut self,
        project: &Project,
        cells: impl IntoIterator<Item = CellId>,
    ) -> Vec<CellGraph> {
        let mut changed = Vec::new();
        for id in cells {
            match facts(project, id) {
                None => {
                    self.0.remove(&id);
                }
                Some(now) => {
                    if self.0.get(&id) != Some(&now) {
                        self.0.insert(id, now.clone());
                        changed.push(CellGraph {
                            id: id_of(id),
                            facts: now,
                        });
                    }
                }
            }
        }
        // In notebook order: a client applying them needs none, but a
        // reader of the stream finds them where the cells are.
        changed.sort_by_key(|c| project.index_of(CellId(c.id)));
        changed
    }
}
