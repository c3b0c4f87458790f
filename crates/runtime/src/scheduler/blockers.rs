//! Why a cell may not run: its own static problems (known before anything
//! runs) and what it inherits from its parents' states.

use std::collections::{BTreeSet, HashMap};

use weir_graph::CellId;
use weir_project::Project;

use crate::scheduler::report::{CellRef, CellRun, NotRunReason, RunStatus};

pub(crate) fn cell_ref(project: &Project, index: usize) -> CellRef {
    CellRef {
        index,
        id: project.cell_id(index).0,
        name: project.display_name(index),
    }
}

fn refs(project: &Project, ids: impl IntoIterator<Item = CellId>) -> Vec<CellRef> {
    ids.into_iter()
        .filter_map(|id| project.index_of(id))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|index| cell_ref(project, index))
        .collect()
}

/// Every cell that cannot run whatever its parents do, and why. When a
/// cell has several problems the first in this order is reported: disabled
/// (the author's choice), syntax error, cycle, multiply defined, deleting
/// another cell's name. One pass over the notebook plus the graph's error
/// lists, which cost O(answer).
pub(crate) fn static_problems(project: &Project) -> HashMap<CellId, NotRunReason> {
    let mut out = HashMap::new();
    for (index, cell) in project.cells().iter().enumerate() {
        if cell.options.disabled {
            out.insert(project.cell_id(index), NotRunReason::Disabled);
        }
    }
    for (index, analysis) in project.analyses().iter().enumerate() {
        if let Some(error) = &analysis.error {
            let (line, column) = project.cells()[index].file_position(error.line, error.column);
            out.entry(project.cell_id(index))
                .or_insert(NotRunReason::SyntaxError {
                    message: error.message.clone(),
                    line,
                    column,
                });
        }
    }
    let graph = project.graph();
    let cyclic = graph.cells_in_cycles();
    let errors = if cyclic.is_empty() {
        // Skip the cycle search when there is no cycle; the other two lists
        // come from per-name indexes.
        weir_graph::GraphErrors {
            multiply_defined: graph.multiply_defined(),
            cycles: Vec::new(),
            deleted_nonlocal: graph.deleted_nonlocal(),
        }
    } else {
        graph.errors()
    };
    for id in cyclic {
        let partners = errors
            .cycles
            .iter()
            .filter(|cycle| cycle.iter().any(|(a, b)| *a == id || *b == id))
            .flat_map(|cycle| cycle.iter().map(|(a, _)| *a))
            .filter(|other| *other != id);
        let with = refs(project, partners);
        out.entry(id).or_insert(NotRunReason::Cycle { with });
    }
    for multi in &errors.multiply_defined {
        for &id in &multi.cells {
            let others = refs(project, multi.cells.iter().copied().filter(|o| *o != id));
            out.entry(id).or_insert(NotRunReason::MultiplyDefined {
                name: multi.name.clone(),
                others,
            });
        }
    }
    for deleted in &errors.deleted_nonlocal {
        out.entry(deleted.deleter)
            .or_insert(NotRunReason::DeletesNonlocal {
                name: deleted.name.clone(),
                definers: refs(project, deleted.definers.iter().copied()),
            });
    }
    out
}

/// What a cell inherits from one parent: `None` when the parent's state
/// lets it run. A parent's own static problem wins over its recorded state
/// (the state may predate an edit that created the problem).
pub(crate) fn inherited(
    parent: CellRef,
    state: &CellRun,
    problem: Option<&NotRunReason>,
) -> Option<NotRunReason> {
    if let Some(problem) = problem {
        return Some(match problem {
            NotRunReason::Disabled => NotRunReason::AncestorDisabled { ancestor: parent },
            other => NotRunReason::AncestorCannotRun {
                ancestor: parent,
                why: other.short().to_owned(),
            },
        });
    }
    match state.status {
        RunStatus::Ok => None,
        RunStatus::Error => Some(NotRunReason::AncestorRaised {
            error_type: state
                .error
                .as_ref()
                .map_or_else(|| "an error".to_owned(), |e| e.exc_type.clone()),
            ancestor: parent,
        }),
        RunStatus::Stopped => Some(NotRunReason::StoppedByAncestor { ancestor: parent }),
        RunStatus::Interrupted => Some(NotRunReason::AncestorInterrupted { ancestor: parent }),
        RunStatus::Disabled => Some(NotRunReason::AncestorDisabled { ancestor: parent }),
        RunStatus::NotRun => Some(match &state.reason {
            Some(reason) if reason.is_inherited() => reason.clone(),
            Some(reason) if reason.is_static() => NotRunReason::AncestorCannotRun {
                ancestor: parent,
                why: reason.short().to_owned(),
            },
            _ => NotRunReason::AncestorNotRun { ancestor: parent },
        }),
        RunStatus::Idle | RunStatus::Queued | RunStatus::Running => {
            Some(NotRunReason::AncestorNotRun { ancestor: parent })
        }
    }
}
