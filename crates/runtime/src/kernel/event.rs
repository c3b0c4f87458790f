//! What the kernel tells its clients: owned events with sequence numbers,
//! and snapshots of the whole state they can start from.

use std::time::Duration;

use serde::Serialize;
use weir_graph::CellId;

use crate::message::{CellError, MimeBundle, OutputAction, StreamName, VariableSummary};
use crate::persist::CellPersist;
use crate::scheduler::{CellRun, ConsoleChunk, RunStatus};

/// Whether a change runs what it made stale (autorun) or only marks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunMode {
    Autorun,
    Lazy,
}

/// One event, numbered. Sequence numbers start at 1 and have no gaps: a
/// client that holds a snapshot current to `seq` N needs exactly the
/// events N+1, N+2, ... to stay current.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KernelEvent {
    pub seq: u64,
    #[serde(flatten)]
    pub body: EventBody,
}

/// A cell's static facts, as a client shows them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellMeta {
    pub id: u32,
    pub name: String,
    pub code: String,
    pub hide_code: bool,
    pub disabled: bool,
    /// Changes with every code change. Opaque: only equality means
    /// anything. Never reused by any kernel of this process, so a client
    /// holding a version from before a reload cannot match a new cell.
    pub version: u64,
}

/// A cell's place in the dataflow graph (`kernel/graph.rs`): what it
/// defines and reads, and the ids of the cells it reads from (`parents`)
/// and that read it (`children`), each in notebook order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GraphFacts {
    pub defs: Vec<String>,
    pub refs: Vec<String>,
    pub parents: Vec<u32>,
    pub children: Vec<u32>,
}

/// One cell's new [`GraphFacts`], in a `Graph` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellGraph {
    pub id: u32,
    #[serde(flatten)]
    pub facts: GraphFacts,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventBody {
    /// A cell was inserted at notebook position `index`.
    CellInserted {
        index: usize,
        cell: CellMeta,
    },
    CellDeleted {
        id: u32,
    },
    /// A cell moved to notebook position `index`.
    CellMoved {
        id: u32,
        index: usize,
    },
    CellCode {
        id: u32,
        code: String,
        /// The cell's new version.
        version: u64,
    },
    CellRenamed {
        id: u32,
        name: String,
    },
    CellOptions {
        id: u32,
        hide_code: bool,
        disabled: bool,
    },
    /// These cells' places in the graph changed (after the change that
    /// moved them; a new cell's first facts come here too).
    Graph {
        cells: Vec<CellGraph>,
    },
    /// These cells' results may no longer match their code. In autorun
    /// they are queued next; in lazy mode they wait for a run.
    Stale {
        ids: Vec<u32>,
    },
    /// A change was refused (an unknown cell, an invalid name).
    ChangeRefused {
        message: String,
    },
    ModeChanged {
        mode: RunMode,
    },
    /// These cells are queued for the run that starts now, in run order.
    Queued {
        ids: Vec<u32>,
    },
    /// A queued cell the run did not reach (a command arrived first); it is
    /// back to `status` until the next plan queues it again.
    Dequeued {
        id: u32,
        status: RunStatus,
    },
    Started {
        id: u32,
    },
    /// Console text for a cell: the running one, or a finished one whose
    /// thread or child process wrote it (then it comes between other
    /// events, at any time). Text for a cell that no longer exists joins
    /// the notebook console.
    Stream {
        id: u32,
        stream: StreamName,
        text: String,
        /// The worker's integrity hash of `text`, when it sent one.
        #[serde(skip_serializing_if = "Option::is_none")]
        hash: Option<String>,
    },
    /// Text for the notebook's own console, not a cell's: a thread started
    /// between cells, descriptor-level writes while no cell ran, the
    /// worker's own fatal output while idle.
    Console {
        stream: StreamName,
        text: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        hash: Option<String>,
    },
    Output {
        id: u32,
        action: OutputAction,
        output: Option<MimeBundle>,
        /// The position `replace_at` / `remove_at` name.
        #[serde(skip_serializing_if = "Option::is_none")]
        at: Option<usize>,
    },
    /// The cell ran: its final status, outputs and error.
    Finished {
        id: u32,
        status: RunStatus,
        #[serde(rename = "duration_ms", serialize_with = "millis")]
        duration: Duration,
        outputs: Vec<MimeBundle>,
        error: Option<CellError>,
        /// A persistent cell's store outcome (restored, stored, failed
        /// checks); absent for other cells.
        #[serde(skip_serializing_if = "Option::is_none")]
        persist: Option<Box<CellPersist>>,
        /// The names this run defined, summarised (editor sessions only;
        /// absent otherwise, and for a cell ended by an interrupt). Empty
        /// again when the cell next starts, is skipped, or the worker
        /// restarts.
        #[serde(skip_serializing_if = "Option::is_none")]
        variables: Option<Vec<VariableSummary>>,
    },
    /// The cell did not run: why (a sentence, and a stable kind), and the
    /// id of the cell the reason is about, if one (an ancestor that raised,
    /// the other definer of a name): a link that survives moves.
    Skipped {
        id: u32,
        status: RunStatus,
        reason: String,
        reason_kind: String,
        about: Option<u32>,
        /// Every cell the reason names (`about` is the first): all the
        /// cells of a cycle, all the other definers of a name.
        about_all: Vec<u32>,
    },
    /// The worker was replaced by a fresh one; every cell is idle again.
    WorkerRestarted,
    /// The worker died; cells stay as they were until a restart.
    WorkerDied {
        message: String,
    },
    /// An element (`weir.ui`) made by cell `id` now holds `value` (its
    /// front-end form), set by a client.
    UiValue {
        id: u32,
        element_id: String,
        value: serde_json::Value,
    },
    /// A value for an element was refused: an element that no longer
    /// exists (its cell ran again or was deleted) or an invalid value.
    UiValueRefused {
        element_id: String,
        message: String,
    },
    /// Nothing is queued: the kernel waits for commands.
    Idle,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64() * 1000.0)
}

fn millis_opt<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => millis(d, s),
        None => s.serialize_none(),
    }
}

/// One cell as a client shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellView {
    #[serde(flatten)]
    pub meta: CellMeta,
    pub status: RunStatus,
    /// Its result may not match its code (shown, but marked).
    pub stale: bool,
    pub outputs: Vec<MimeBundle>,
    pub console: Vec<ConsoleChunk>,
    pub error: Option<CellError>,
    /// Why it did not run, when it did not.
    pub reason: Option<String>,
    /// The id of the cell that reason is about, if one.
    pub reason_about: Option<u32>,
    /// The reason's stable kind (`NotRunReason::kind`), when it did not run.
    pub reason_kind: Option<String>,
    /// Every cell the reason names (`reason_about` is the first).
    pub reason_cells: Vec<u32>,
    /// How long its last run took (absent for a cell that did not run).
    #[serde(rename = "duration_ms", serialize_with = "millis_opt")]
    pub duration: Option<Duration>,
    /// A persistent cell's store outcome of its last run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub persist: Option<CellPersist>,
    /// When what it shows was produced (RFC 3339), if that came from the
    /// store rather than a run in this session: a snapshot shown on open,
    /// or a persisted cell the store restored. Cleared when it runs again.
    pub restored_at: Option<String>,
    /// Its place in the dataflow graph.
    #[serde(flatten)]
    pub graph: GraphFacts,
    /// The names its last run defined (editor sessions; else empty).
    pub variables: Vec<VariableSummary>,
    /// Values clients set on the elements this cell's last run made
    /// (element id -> front-end value): what its outputs show now.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub ui_values: std::collections::BTreeMap<String, serde_json::Value>,
    /// Console bytes kept, and not kept, since the cell last started.
    #[serde(skip)]
    console_kept: usize,
    #[serde(skip)]
    console_dropped: u64,
}

/// Console text a cell's view keeps, as its record does
/// (`scheduler/run.rs`, `MAX_CONSOLE`): past it, text still arrives as
/// `stream` events but is only counted, and when the cell finishes a note
/// on stderr says how much was not kept. So a kernel that lives for hours
/// holds a bounded amount per cell, and a view shows what the record does.
pub const MAX_CELL_CONSOLE: usize = 8 * 1024 * 1024;

impl CellView {
    pub(crate) fn from_run(meta: CellMeta, run: &CellRun) -> Self {
        CellView {
            meta,
            status: run.status,
            stale: false,
            outputs: run.outputs.clone(),
            console: run.console.clone(),
            error: run.error.clone(),
            reason: run.reason.as_ref().map(ToString::to_string),
            reason_about: run.reason.as_ref().and_then(|r| r.cell()).map(|c| c.id),
            reason_kind: run.reason.as_ref().map(|r| r.kind().to_owned()),
            reason_cells: run
                .reason
                .as_ref()
                .map(|r| r.cells().iter().map(|c| c.id).collect())
                .unwrap_or_default(),
            duration: run.duration,
            persist: run.persist.clone(),
            restored_at: super::restore::restored_at_of(run.persist.as_ref()),
            graph: GraphFacts::default(),
            variables: Vec::new(),
            ui_values: Default::default(),
            console_kept: run
                .console
                .iter()
                .map(|c| ConsoleChunk::cost(&c.text, c.hash.as_deref()))
                .sum(),
            console_dropped: 0,
        }
    }

    /// Console text of this cell: kept up to [`MAX_CELL_CONSOLE`], counted after.
    fn keep(&mut self, stream: StreamName, text: &str, hash: Option<&str>) {
        let cost = ConsoleChunk::cost(text, hash);
        if self.console_kept + cost > MAX_CELL_CONSOLE {
            self.console_dropped += text.len() as u64;
            return;
        }
        self.console_kept += cost;
        ConsoleChunk::push(&mut self.console, stream, text, hash);
    }

    fn clear_console(&mut self) {
        self.console.clear();
        self.console_kept = 0;
        self.console_dropped = 0;
    }

    fn clear_reason(&mut self) {
        self.reason = None;
        self.reason_about = None;
        self.reason_kind = None;
        self.reason_cells.clear();
    }
}

/// The whole state at one moment: cells in notebook order, and the number
/// of the last event it includes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KernelSnapshot {
    pub seq: u64,
    pub mode: RunMode,
    pub cells: Vec<CellView>,
    /// The cell running now, if any.
    pub running: Option<u32>,
    /// The notebook's own console (`EventBody::Console`).
    pub console: Vec<ConsoleChunk>,
    #[serde(skip)]
    pub(crate) find_hint: FindHint,
}

/// Where the last event's cell was in `cells`: events mostly name that
/// cell or the next (a run goes down the notebook), so `find` looks there
/// before it scans. A scan per event was the kernel's largest cost per
/// cell in a 1,000-cell notebook. Not state: every hint is equal.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FindHint(usize);

impl PartialEq for FindHint {
    fn eq(&self, _: &FindHint) -> bool {
        true
    }
}

impl KernelSnapshot {
    fn find(&mut self, id: u32) -> Option<usize> {
        let hint = self.find_hint.0;
        let at = [hint, hint + 1]
            .into_iter()
            .find(|&i| self.cells.get(i).is_some_and(|c| c.meta.id == id))
            .or_else(|| self.cells.iter().position(|c| c.meta.id == id))?;
        self.find_hint = FindHint(at);
        Some(at)
    }

    /// Brings the snapshot forward by one event (the next in sequence).
    /// Clients use the same rule to stay current; the kernel uses it for
    /// the state new clients start from.
    pub fn apply(&mut self, event: &KernelEvent) {
        debug_assert_eq!(event.seq, self.seq + 1, "events apply in order, no gaps");
        self.seq = event.seq;
        match &event.body {
            EventBody::CellInserted { index, cell } => {
                let at = (*index).min(self.cells.len());
                self.cells.insert(
                    at,
                    CellView {
                        meta: cell.clone(),
                        status: RunStatus::Idle,
                        stale: false,
                        outputs: Vec::new(),
                        console: Vec::new(),
                        error: None,
                        reason: None,
                        reason_about: None,
                        reason_kind: None,
                        reason_cells: Vec::new(),
                        duration: None,
                        persist: None,
                        restored_at: None,
                        graph: GraphFacts::default(),
                        variables: Vec::new(),
                        ui_values: Default::default(),
                        console_kept: 0,
                        console_dropped: 0,
                    },
                );
            }
            EventBody::CellDeleted { id } => {
                if let Some(i) = self.find(*id) {
                    self.cells.remove(i);
                }
            }
            EventBody::CellMoved { id, index } => {
                if let Some(i) = self.find(*id) {
                    let cell = self.cells.remove(i);
                    let at = (*index).min(self.cells.len());
                    self.cells.insert(at, cell);
                }
            }
            EventBody::CellCode { id, code, version } => {
                if let Some(i) = self.find(*id) {
                    self.cells[i].meta.code = code.clone();
                    self.cells[i].meta.version = *version;
                }
            }
            EventBody::CellRenamed { id, name } => {
                if let Some(i) = self.find(*id) {
                    self.cells[i].meta.name = name.clone();
                }
            }
            EventBody::CellOptions {
                id,
                hide_code,
                disabled,
            } => {
                if let Some(i) = self.find(*id) {
                    self.cells[i].meta.hide_code = *hide_code;
                    self.cells[i].meta.disabled = *disabled;
                }
            }
            EventBody::Graph { cells } => {
                for cell in cells {
                    if let Some(i) = self.find(cell.id) {
                        self.cells[i].graph = cell.facts.clone();
                    }
                }
            }
            EventBody::Stale { ids } => {
                for id in ids {
                    if let Some(i) = self.find(*id) {
                        self.cells[i].stale = true;
                    }
                }
            }
            EventBody::Queued { ids } => {
                for id in ids {
                    if let Some(i) = self.find(*id) {
                        self.cells[i].status = RunStatus::Queued;
                    }
                }
            }
            EventBody::Dequeued { id, status } => {
                if let Some(i) = self.find(*id) {
                    self.cells[i].status = *status;
                }
            }
            EventBody::Started { id } => {
                self.running = Some(*id);
                if let Some(i) = self.find(*id) {
                    let cell = &mut self.cells[i];
                    cell.status = RunStatus::Running;
                    cell.stale = false;
                    cell.outputs.clear();
                    cell.clear_console();
                    cell.error = None;
                    cell.clear_reason();
                    cell.duration = None;
                    cell.persist = None;
                    cell.variables.clear();
                    cell.ui_values.clear();
                    super::restore::clear(cell);
                }
            }
            EventBody::Stream {
                id,
                stream,
                text,
                hash,
            } => match self.find(*id) {
                Some(i) => self.cells[i].keep(*stream, text, hash.as_deref()),
                None => ConsoleChunk::push(&mut self.console, *stream, text, hash.as_deref()),
            },
            EventBody::Console { stream, text, hash } => {
                ConsoleChunk::push(&mut self.console, *stream, text, hash.as_deref())
            }
            EventBody::Output {
                id,
                action,
                output,
                at,
            } => {
                if let Some(i) = self.find(*id) {
                    let outputs = &mut self.cells[i].outputs;
                    crate::message::apply_output(outputs, *action, *at, output.as_ref());
                }
            }
            EventBody::Finished {
                id,
                status,
                duration,
                outputs,
                error,
                persist,
                variables,
            } => {
                if self.running == Some(*id) {
                    self.running = None;
                }
                if let Some(i) = self.find(*id) {
                    let cell = &mut self.cells[i];
                    if let Some(variables) = variables {
                        cell.variables = variables.clone();
                    }
                    cell.status = *status;
                    cell.stale = false;
                    cell.outputs = outputs.clone();
                    cell.error = error.clone();
                    cell.duration = Some(*duration);
                    cell.persist = persist.as_deref().cloned();
                    cell.restored_at = super::restore::restored_at_of(persist.as_deref());
                    if cell.console_dropped > 0 {
                        // As the record says it (scheduler/run.rs, `finish`).
                        cell.console.push(ConsoleChunk::new(
                            StreamName::Stderr,
                            &format!(
                                "\n[weir: {} more bytes of console output were not kept]\n",
                                cell.console_dropped
                            ),
                        ));
                    }
                }
            }
            EventBody::Skipped {
                id,
                status,
                reason,
                reason_kind,
                about,
                about_all,
            } => {
                if let Some(i) = self.find(*id) {
                    let cell = &mut self.cells[i];
                    cell.status = *status;
                    cell.stale = false;
                    cell.outputs.clear();
                    cell.clear_console();
                    cell.error = None;
                    cell.reason = Some(reason.clone());
                    cell.reason_about = *about;
                    cell.reason_kind = Some(reason_kind.clone());
                    cell.reason_cells = about_all.clone();
                    cell.duration = None;
                    cell.persist = None;
                    cell.variables.clear();
                    cell.ui_values.clear();
                    super::restore::clear(cell);
                }
            }
            EventBody::WorkerRestarted => {
                self.running = None;
                self.console.clear();
                for cell in &mut self.cells {
                    cell.status = RunStatus::Idle;
                    cell.outputs.clear();
                    cell.clear_console();
                    cell.error = None;
                    cell.clear_reason();
                    cell.duration = None;
                    cell.persist = None;
                    cell.variables.clear();
                    cell.ui_values.clear();
                    super::restore::clear(cell);
                }
            }
            EventBody::WorkerDied { .. } => self.running = None,
            EventBody::ModeChanged { mode } => self.mode = *mode,
            EventBody::UiValue {
                id,
                element_id,
                value,
            } => {
                if let Some(i) = self.find(*id) {
                    self.cells[i]
                        .ui_values
                        .insert(element_id.clone(), value.clone());
                }
            }
            EventBody::ChangeRefused { .. }
            | EventBody::UiValueRefused { .. }
            | EventBody::Idle => {}
        }
    }
}

pub(crate) fn id_of(id: CellId) -> u32 {
    id.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(id: u32) -> CellMeta {
        CellMeta {
            id,
            name: "_".into(),
            code: String::new(),
            hide_code: false,
            disabled: false,
            version: 1,
        }
    }

    /// The hint only says where to look first: events for cells far from
    /// it, and cells that moved or went away under it, find the right cell.
    #[test]
    fn events_reach_their_cell_wherever_the_last_one_was() {
        let mut snapshot = KernelSnapshot {
            seq: 0,
            mode: RunMode::Autorun,
            cells: Vec::new(),
            running: None,
            console: Vec::new(),
            find_hint: FindHint::default(),
        };
        let mut seq = 0;
        let mut apply = |snapshot: &mut KernelSnapshot, body: EventBody| {
            seq += 1;
            snapshot.apply(&KernelEvent { seq, body });
        };
        for id in 0..6 {
            apply(
                &mut snapshot,
                EventBody::CellInserted {
                    index: id as usize,
                    cell: meta(id),
                },
            );
        }
        let status = |s: &KernelSnapshot| -> Vec<(u32, RunStatus)> {
            s.cells.iter().map(|c| (c.meta.id, c.status)).collect()
        };
        apply(&mut snapshot, EventBody::Queued { ids: vec![4] });
        apply(&mut snapshot, EventBody::Queued { ids: vec![1] });
        apply(&mut snapshot, EventBody::Queued { ids: vec![5] });
        // The hint points at cell 5 (index 5); cell 5 moves to the front.
        apply(&mut snapshot, EventBody::CellMoved { id: 5, index: 0 });
        apply(&mut snapshot, EventBody::Started { id: 5 });
        apply(&mut snapshot, EventBody::CellDeleted { id: 0 });
        apply(
            &mut snapshot,
            EventBody::Dequeued {
                id: 4,
                status: RunStatus::Idle,
            },
        );
        apply(&mut snapshot, EventBody::Started { id: 1 });
        assert_eq!(
            status(&snapshot),
            vec![
                (5, RunStatus::Running),
                (1, RunStatus::Running),
                (2, RunStatus::Idle),
                (3, RunStatus::Idle),
                (4, RunStatus::Idle),
            ]
        );
        // An event for a cell that is gone changes nothing.
        let before = snapshot.clone();
        apply(&mut snapshot, EventBody::Queued { ids: vec![0] });
        assert_eq!(status(&snapshot), status(&before));
    }
}
