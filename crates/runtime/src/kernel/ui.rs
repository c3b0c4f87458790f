//! Element values and `weir.state` in the kernel (docs/runtime.md,
//! *Element values*).
//!
//! - **Bindings.** When a cell finishes, the worker says which global names
//!   its code touches hold an element; the kernel keeps those the cell
//!   defines (`bound`: cell -> name -> element id). A cell that runs again,
//!   is skipped or is deleted loses its bindings: its elements are made
//!   afresh (new ids) or gone.
//! - **Latest wins.** A value that arrives while a run is in progress
//!   replaces any value still waiting for the same element (`waiting`);
//!   the run stops before its next cell (every command does), the waiting
//!   values are applied once each, and the plan goes on. No queue of
//!   intermediate slider positions ever builds up.
//! - **Who runs.** A value the worker accepted makes the cells that
//!   reference a name bound to the element run, and their descendants
//!   (autorun), or marks them stale (lazy). The creating cell defines the
//!   name, so it never references it and never runs for its own element.
//!   A state setter's call does the same for the readers of its getter's
//!   names, minus the calling cell unless `allow_self_loops`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc;

use weir_graph::CellId;

use crate::message::{CellUi, StateSet};

use super::event::id_of;
use super::{EventBody, Kernel, RunMode};

/// What a client hears back about one value: `Ok` once applied (or
/// superseded by a later value for the same element).
pub type UiReply = mpsc::Sender<Result<(), UiRefusal>>;

/// Why a value was not applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UiRefusal {
    /// No live element has this id: its cell ran again (elements are made
    /// afresh, with new ids) or was deleted, or it never existed.
    #[error("{0}")]
    UnknownElement(String),
    /// The element refused the value (wrong type, out of range).
    #[error("{0}")]
    InvalidValue(String),
    /// The worker could not be asked (it died).
    #[error("{0}")]
    Worker(String),
}

impl UiRefusal {
    /// A stable name for the wire (`refused` replies' `reason`).
    pub fn reason(&self) -> &'static str {
        match self {
            UiRefusal::UnknownElement(_) => "unknown_element",
            UiRefusal::InvalidValue(_) => "invalid_value",
            UiRefusal::Worker(_) => "worker_failed",
        }
    }
}

#[derive(Default)]
pub(super) struct Elements {
    /// Defining cell -> (global name -> element id). An element may be
    /// bound in several cells (`t = s` elsewhere): every such name counts.
    bound: BTreeMap<CellId, BTreeMap<String, String>>,
    /// Values not yet applied, latest per element, in arrival order of
    /// their first value.
    waiting: Vec<(String, serde_json::Value, Vec<UiReply>)>,
    /// State setter calls reported by finished cells, applied after the run.
    state: Vec<StateSet>,
    /// Current value per element id, for lineage keys (front-end form).
    values: BTreeMap<String, serde_json::Value>,
}

impl Elements {
    /// A value from a client: replaces one still waiting for the element.
    pub(super) fn offer(
        &mut self,
        element_id: String,
        value: serde_json::Value,
        reply: Option<UiReply>,
    ) {
        if let Some(entry) = self.waiting.iter_mut().find(|(id, ..)| *id == element_id) {
            entry.1 = value;
            entry.2.extend(reply);
        } else {
            self.waiting
                .push((element_id, value, reply.into_iter().collect()));
        }
    }

    pub(super) fn drop_state_calls(&mut self) {
        self.state.clear();
    }

    pub(super) fn has_waiting(&self) -> bool {
        !self.waiting.is_empty() || !self.state.is_empty()
    }

    /// A cell finished (`ui` what the worker reported) or was skipped
    /// (`None`): its bindings are now the element names it defines.
    pub(super) fn cell_ran(&mut self, cell: CellId, defs: &BTreeSet<String>, ui: Option<&CellUi>) {
        let mut bindings = BTreeMap::new();
        if let Some(ui) = ui {
            for (name, element) in &ui.bindings {
                if defs.contains(name) {
                    bindings.insert(name.clone(), element.clone());
                }
            }
            self.state.extend(ui.state.iter().cloned());
        }
        if let Some(old) = self.bound.remove(&cell) {
            for element in old.values() {
                if !bindings.values().any(|e| e == element) {
                    self.values.remove(element);
                }
            }
        }
        if !bindings.is_empty() {
            self.bound.insert(cell, bindings);
        }
    }

    pub(super) fn cell_deleted(&mut self, cell: CellId) {
        self.cell_ran(cell, &BTreeSet::new(), None);
    }

    pub(super) fn forget_all(&mut self) {
        self.bound.clear();
        self.values.clear();
        self.state.clear();
    }

    /// The first cell (by id) binding an element, and every global name
    /// bound to it in any cell.
    fn find(&self, element_id: &str) -> Option<(CellId, Vec<String>)> {
        let mut first = None;
        let mut names = Vec::new();
        for (cell, bound) in &self.bound {
            for (name, element) in bound {
                if element == element_id {
                    first.get_or_insert(*cell);
                    names.push(name.clone());
                }
            }
        }
        first.map(|cell| (cell, names))
    }

    /// Global name -> canonical bytes of the value of the element it is
    /// bound to: mixed into the lineage keys of the cells that read it.
    pub(super) fn lineage_inputs(&self) -> BTreeMap<String, Vec<u8>> {
        let mut inputs = BTreeMap::new();
        for names in self.bound.values() {
            for (name, element) in names {
                if let Some(value) = self.values.get(element) {
                    inputs.insert(name.clone(), serde_json::to_vec(value).unwrap_or_default());
                }
            }
        }
        inputs
    }
}

impl Kernel {
    /// Applies the waiting values (each element's latest) and state calls.
    pub(super) fn apply_ui(&mut self) {
        let waiting = std::mem::take(&mut self.ui.waiting);
        for (element_id, value, replies) in waiting {
            let result = self.apply_value(&element_id, value);
            if let Err(refusal) = &result {
                self.hub.publish(EventBody::UiValueRefused {
                    element_id: element_id.clone(),
                    message: refusal.to_string(),
                });
            }
            for reply in replies {
                let _ = reply.send(result.clone());
            }
        }
        let state = std::mem::take(&mut self.ui.state);
        for set in state {
            self.state_set(&set);
        }
    }

    fn apply_value(&mut self, element_id: &str, value: serde_json::Value) -> Result<(), UiRefusal> {
        let Some((creator, names)) = self.ui.find(element_id) else {
            return Err(UiRefusal::UnknownElement(format!(
                "no element {element_id} is bound to a global name: the cell that made it ran \
                 again (which makes its elements afresh), was deleted, or never assigned it to a \
                 global name (only then can cells read it)"
            )));
        };
        let reply = match self.session.worker.set_ui_value(element_id, value) {
            Ok(reply) => reply,
            Err(e) => {
                let message = format!("the worker could not take the value: {e}");
                self.hub.publish(EventBody::WorkerDied {
                    message: message.clone(),
                });
                return Err(UiRefusal::Worker(message));
            }
        };
        if !reply.accepted {
            let why = reply
                .error
                .unwrap_or_else(|| format!("element {element_id} refused the value"));
            // The worker's registry is the authority on which ids live.
            return Err(if why.starts_with("no element ") {
                UiRefusal::UnknownElement(why)
            } else {
                UiRefusal::InvalidValue(why)
            });
        }
        let now = reply.value.unwrap_or(serde_json::Value::Null);
        self.ui.values.insert(element_id.to_owned(), now.clone());
        self.hub.publish(EventBody::UiValue {
            id: id_of(creator),
            element_id: element_id.to_owned(),
            value: now,
        });
        if let Some(error) = reply.error {
            // on_change raised: the value stands; the error is shown.
            self.hub.publish(EventBody::Stream {
                id: id_of(creator),
                stream: crate::StreamName::Stderr,
                text: format!("{error}\n"),
                // Text the runtime wrote: the server hashes it.
                hash: None,
            });
        }
        self.rerun_readers(&names, None);
        for set in reply.state {
            self.state_set(&set);
        }
        Ok(())
    }

    fn state_set(&mut self, set: &StateSet) {
        let caller = set
            .cell_id
            .as_deref()
            .and_then(|c| c.strip_prefix('c')?.parse::<u32>().ok())
            .map(CellId);
        let except = if set.allow_self_loops { None } else { caller };
        self.rerun_readers(&set.names, except);
    }

    /// The cells that reference any of `names` (but `except`) and their
    /// descendants: queued in autorun, marked stale in lazy mode.
    fn rerun_readers(&mut self, names: &[String], except: Option<CellId>) {
        let graph = self.session.project().graph();
        let mut readers: BTreeSet<CellId> = BTreeSet::new();
        for name in names {
            readers.extend(graph.readers(name));
        }
        if let Some(except) = except {
            readers.remove(&except);
        }
        if readers.is_empty() {
            return;
        }
        let readers: Vec<CellId> = readers.into_iter().collect();
        let affected = graph.stale(&readers);
        match self.mode {
            RunMode::Autorun => self.pending.extend(affected),
            RunMode::Lazy => {
                self.stale.extend(affected.iter().copied());
                self.hub.publish(EventBody::Stale {
                    ids: affected.iter().map(|id| id_of(*id)).collect(),
                });
            }
        }
    }
}
