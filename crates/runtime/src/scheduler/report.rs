//! What a run produced, per cell and as a whole: the types the CLI prints
//! and the HTML export renders. All `Serialize`, field names stable.

use std::fmt;
use std::time::Duration;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::message::{CellError, MimeBundle, StreamName};
use crate::persist::{CellPersist, PersistTotals};

/// Where a cell stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Has not run in this session.
    Idle,
    /// Part of the current run, not reached yet.
    Queued,
    Running,
    Ok,
    /// Raised an exception (or the worker died while running it).
    Error,
    /// `weir.stop(True)`: ended early on purpose; not an error.
    Stopped,
    Interrupted,
    /// Skipped; [`CellRun::reason`] says why.
    NotRun,
    /// `disabled=True` in the cell's options.
    Disabled,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Idle => "idle",
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Ok => "ok",
            RunStatus::Error => "error",
            RunStatus::Stopped => "stopped",
            RunStatus::Interrupted => "interrupted",
            RunStatus::NotRun => "not_run",
            RunStatus::Disabled => "disabled",
        }
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Another cell, as messages name it: "cell 3 (`_`)". `index` is its
/// notebook position when the reason was decided (for people); `id` its
/// stable cell id, which stays right after cells move (for links).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellRef {
    pub index: usize,
    pub id: u32,
    pub name: String,
}

impl fmt::Display for CellRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cell {} (`{}`)", self.index, self.name)
    }
}

/// Why a cell did not run.
///
/// The `Ancestor*` reasons name the *root* cause: a cell two steps below a
/// failing cell names the failing cell, not its skipped child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotRunReason {
    /// The cell does not compile; position in the notebook file.
    SyntaxError {
        message: String,
        line: u32,
        column: u32,
    },
    /// The cell is in a dependency cycle (with these cells, when known).
    Cycle {
        with: Vec<CellRef>,
    },
    /// The cell defines `name`, which these other cells define too.
    MultiplyDefined {
        name: String,
        others: Vec<CellRef>,
    },
    /// The cell deletes `name`, which these other cells define.
    DeletesNonlocal {
        name: String,
        definers: Vec<CellRef>,
    },
    /// `disabled=True`.
    Disabled,
    AncestorDisabled {
        ancestor: CellRef,
    },
    /// An ancestor cannot run at all (syntax error, cycle, ...): `why`.
    AncestorCannotRun {
        ancestor: CellRef,
        why: String,
    },
    AncestorRaised {
        ancestor: CellRef,
        error_type: String,
    },
    /// An ancestor called `weir.stop(True)`. Not a failure.
    StoppedByAncestor {
        ancestor: CellRef,
    },
    AncestorInterrupted {
        ancestor: CellRef,
    },
    /// An ancestor outside this run has not run (or was skipped) before.
    AncestorNotRun {
        ancestor: CellRef,
    },
    /// The run was interrupted before this cell's turn.
    RunInterrupted,
    /// The worker died while running `cell`; nothing after it ran.
    WorkerDied {
        cell: CellRef,
        status: String,
    },
    /// Every cell reading this one's names was restored from the store,
    /// so its values were not needed. Not a failure.
    NotNeeded,
}

impl NotRunReason {
    /// A stable machine-readable name.
    pub fn kind(&self) -> &'static str {
        match self {
            NotRunReason::SyntaxError { .. } => "syntax_error",
            NotRunReason::Cycle { .. } => "cycle",
            NotRunReason::MultiplyDefined { .. } => "multiply_defined",
            NotRunReason::DeletesNonlocal { .. } => "deletes_nonlocal",
            NotRunReason::Disabled => "disabled",
            NotRunReason::AncestorDisabled { .. } => "ancestor_disabled",
            NotRunReason::AncestorCannotRun { .. } => "ancestor_cannot_run",
            NotRunReason::AncestorRaised { .. } => "ancestor_raised",
            NotRunReason::StoppedByAncestor { .. } => "stopped_by_ancestor",
            NotRunReason::AncestorInterrupted { .. } => "ancestor_interrupted",
            NotRunReason::AncestorNotRun { .. } => "ancestor_not_run",
            NotRunReason::RunInterrupted => "run_interrupted",
            NotRunReason::WorkerDied { .. } => "worker_died",
            NotRunReason::NotNeeded => "not_needed",
        }
    }

    /// The other cell this reason is about, if one.
    pub fn cell(&self) -> Option<&CellRef> {
        match self {
            NotRunReason::AncestorDisabled { ancestor }
            | NotRunReason::AncestorCannotRun { ancestor, .. }
            | NotRunReason::AncestorRaised { ancestor, .. }
            | NotRunReason::StoppedByAncestor { ancestor }
            | NotRunReason::AncestorInterrupted { ancestor }
            | NotRunReason::AncestorNotRun { ancestor } => Some(ancestor),
            NotRunReason::WorkerDied { cell, .. } => Some(cell),
            NotRunReason::Cycle { with } => with.first(),
            NotRunReason::MultiplyDefined { others, .. } => others.first(),
            NotRunReason::DeletesNonlocal { definers, .. } => definers.first(),
            NotRunReason::SyntaxError { .. }
            | NotRunReason::Disabled
            | NotRunReason::RunInterrupted
            | NotRunReason::NotNeeded => None,
        }
    }

    /// Every cell the reason names: all the cells of a cycle, all the other
    /// definers of a name, else the one [`NotRunReason::cell`] gives. An
    /// editor links each (a graph error involves more than two cells).
    pub fn cells(&self) -> Vec<&CellRef> {
        match self {
            NotRunReason::Cycle { with } => with.iter().collect(),
            NotRunReason::MultiplyDefined { others, .. } => others.iter().collect(),
            NotRunReason::DeletesNonlocal { definers, .. } => definers.iter().collect(),
            other => other.cell().into_iter().collect(),
        }
    }

    /// Whether a cell skipped for this reason means the run failed. Being
    /// stopped or disabled (or below such a cell) is what the author asked
    /// for, so it is not.
    pub fn is_failure(&self) -> bool {
        !matches!(
            self,
            NotRunReason::Disabled
                | NotRunReason::AncestorDisabled { .. }
                | NotRunReason::StoppedByAncestor { .. }
                | NotRunReason::NotNeeded
        )
    }

    /// A problem of the cell itself, known before anything runs.
    pub(crate) fn is_static(&self) -> bool {
        matches!(
            self,
            NotRunReason::SyntaxError { .. }
                | NotRunReason::Cycle { .. }
                | NotRunReason::MultiplyDefined { .. }
                | NotRunReason::DeletesNonlocal { .. }
                | NotRunReason::Disabled
        )
    }

    /// A reason that names some ancestor as the root cause; a descendant
    /// inherits it unchanged.
    pub(crate) fn is_inherited(&self) -> bool {
        matches!(
            self,
            NotRunReason::AncestorDisabled { .. }
                | NotRunReason::AncestorCannotRun { .. }
                | NotRunReason::AncestorRaised { .. }
                | NotRunReason::StoppedByAncestor { .. }
                | NotRunReason::AncestorInterrupted { .. }
                | NotRunReason::AncestorNotRun { .. }
        )
    }

    /// For a static problem: why the cell cannot run, as a descendant's
    /// message puts it ("ancestor cell 2 (`_`) cannot run: it is in a cycle").
    pub(crate) fn short(&self) -> &'static str {
        match self {
            NotRunReason::SyntaxError { .. } => "it has a syntax error",
            NotRunReason::Cycle { .. } => "it is in a dependency cycle",
            NotRunReason::MultiplyDefined { .. } => "it defines a name another cell defines",
            NotRunReason::DeletesNonlocal { .. } => "it deletes another cell's name",
            _ => "it did not run",
        }
    }
}

fn list(cells: &[CellRef]) -> String {
    cells
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for NotRunReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotRunReason::SyntaxError {
                message,
                line,
                column,
            } => write!(f, "syntax error at line {line}, column {column}: {message}"),
            NotRunReason::Cycle { with } if with.is_empty() => f.write_str("in a dependency cycle"),
            NotRunReason::Cycle { with } => {
                write!(f, "in a dependency cycle with {}", list(with))
            }
            NotRunReason::MultiplyDefined { name, others } => {
                write!(f, "`{name}` is also defined by {}", list(others))
            }
            NotRunReason::DeletesNonlocal { name, definers } => {
                write!(
                    f,
                    "`del {name}` deletes a name defined by {}",
                    list(definers)
                )
            }
            NotRunReason::Disabled => f.write_str("disabled"),
            NotRunReason::AncestorDisabled { ancestor } => {
                write!(f, "ancestor disabled: {ancestor}")
            }
            NotRunReason::AncestorCannotRun { ancestor, why } => {
                write!(f, "ancestor {ancestor} cannot run: {why}")
            }
            NotRunReason::AncestorRaised {
                ancestor,
                error_type,
            } => write!(f, "ancestor {ancestor} raised {error_type}"),
            NotRunReason::StoppedByAncestor { ancestor } => {
                write!(f, "stopped by ancestor {ancestor}")
            }
            NotRunReason::AncestorInterrupted { ancestor } => {
                write!(f, "ancestor {ancestor} was interrupted")
            }
            NotRunReason::AncestorNotRun { ancestor } => {
                write!(f, "ancestor {ancestor} has not run")
            }
            NotRunReason::RunInterrupted => f.write_str("the run was interrupted"),
            NotRunReason::WorkerDied { cell, status } => {
                write!(f, "the worker died ({status}) while running {cell}")
            }
            NotRunReason::NotNeeded => {
                f.write_str("not needed: every cell reading its names was restored")
            }
        }
    }
}

/// `{"kind": "ancestor_raised", "message": "ancestor cell 3 (`_`) raised
/// ZeroDivisionError", "cell": {"index": 3, "name": "_"}}`: one shape for
/// every reason, so consumers need not know them all.
impl Serialize for NotRunReason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("NotRunReason", 3)?;
        s.serialize_field("kind", self.kind())?;
        s.serialize_field("message", &self.to_string())?;
        s.serialize_field("cell", &self.cell())?;
        s.end()
    }
}

/// Text a cell wrote, in order. Consecutive writes to one stream are
/// merged, except text that carries the worker's integrity hash
/// (an editor session, `SessionConfig::hash_outputs`): each such chunk is
/// one message as the worker sent it, so its hash still covers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsoleChunk {
    pub stream: StreamName,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

/// What a hashed chunk costs beyond its text, counted against a cell's
/// console bound: unmerged chunks must not make the bound meaningless.
pub const HASHED_CHUNK_COST: usize = 96;

impl ConsoleChunk {
    /// Text the runtime wrote itself: no worker hash.
    pub fn new(stream: StreamName, text: &str) -> Self {
        ConsoleChunk {
            stream,
            text: text.to_owned(),
            hash: None,
        }
    }

    /// Appends `text` (with its hash, if any) to a console: merged into
    /// the last chunk when neither carries a hash.
    pub fn push(
        console: &mut Vec<ConsoleChunk>,
        stream: StreamName,
        text: &str,
        hash: Option<&str>,
    ) {
        match console.last_mut() {
            Some(last) if last.stream == stream && last.hash.is_none() && hash.is_none() => {
                last.text.push_str(text)
            }
            _ => console.push(ConsoleChunk {
                stream,
                text: text.to_owned(),
                hash: hash.map(str::to_owned),
            }),
        }
    }

    /// The bytes `text` (with or without a hash) counts for against a bound.
    pub fn cost(text: &str, hash: Option<&str>) -> usize {
        text.len() + if hash.is_some() { HASHED_CHUNK_COST } else { 0 }
    }
}

/// One cell's latest run (or why it did not run).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellRun {
    /// Position in the notebook (0-based).
    pub index: usize,
    /// The cell's stable id (`weir_graph::CellId`): kept across edits,
    /// moves and deletes of other cells.
    pub id: u32,
    /// Display name: `_`, `setup`, `*fn`, or the cell's own name.
    pub name: String,
    pub status: RunStatus,
    /// Set when `status` is `not_run` or `disabled`.
    pub reason: Option<NotRunReason>,
    /// What the cell shows: the last expression's value, else what its
    /// `weir.output.*` calls left. Each a MIME bundle.
    pub outputs: Vec<MimeBundle>,
    pub console: Vec<ConsoleChunk>,
    pub error: Option<CellError>,
    /// How long the code ran, as the worker measured it.
    #[serde(rename = "duration_ms", serialize_with = "millis")]
    pub duration: Option<Duration>,
    /// For a persisted cell (and any cell whose run involved the store):
    /// restored or stored, with what was checked (docs/persistence.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub persist: Option<CellPersist>,
}

impl CellRun {
    pub(crate) fn idle(index: usize, id: u32, name: String) -> Self {
        CellRun {
            index,
            id,
            name,
            status: RunStatus::Idle,
            reason: None,
            outputs: Vec::new(),
            console: Vec::new(),
            error: None,
            duration: None,
            persist: None,
        }
    }

    /// Everything written to one stream, concatenated.
    pub fn text(&self, stream: StreamName) -> String {
        self.console
            .iter()
            .filter(|c| c.stream == stream)
            .map(|c| c.text.as_str())
            .collect()
    }

    /// Whether this cell makes the run a failure (see
    /// [`NotRunReason::is_failure`]).
    pub fn is_failure(&self) -> bool {
        match self.status {
            RunStatus::Error | RunStatus::Interrupted => true,
            RunStatus::NotRun => self.reason.as_ref().is_none_or(NotRunReason::is_failure),
            _ => false,
        }
    }

    /// "cell 3 (`_`)".
    pub fn label(&self) -> CellRef {
        CellRef {
            index: self.index,
            id: self.id,
            name: self.name.clone(),
        }
    }
}

/// The worker process ended during a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkerDeath {
    /// The cell it was running.
    pub cell: CellRef,
    /// "exit status 9", "signal 9", or the protocol error that ended it.
    pub status: String,
}

/// The result of one `run_all` / `run_cells` / `edit_cell` / `delete_cell`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunReport {
    /// Every cell of the notebook, in notebook order, as it stands after
    /// the run (cells outside the run keep their earlier state).
    pub cells: Vec<CellRun>,
    /// The cells this run decided about (ran or skipped), in that order.
    pub order: Vec<usize>,
    #[serde(rename = "elapsed_ms", serialize_with = "millis_required")]
    pub elapsed: Duration,
    /// The run was interrupted (a cell ended `interrupted`).
    pub interrupted: bool,
    pub worker_died: Option<WorkerDeath>,
    /// Store totals of this run, when persistence is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub persist: Option<PersistTotals>,
    /// Cells of the plan the run did not reach because it was asked to
    /// yield (the kernel re-plans between cells); they keep their earlier
    /// records. Always empty outside a kernel.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unfinished: Vec<usize>,
}

/// Counts over the cells of one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    pub cells: usize,
    pub ok: usize,
    pub error: usize,
    pub stopped: usize,
    pub interrupted: usize,
    pub not_run: usize,
    pub disabled: usize,
    /// Some cell failed or could not run for a reason that is a failure.
    pub failed: bool,
}

impl RunReport {
    /// The cells of this run, in run order.
    pub fn ran(&self) -> impl Iterator<Item = &CellRun> {
        self.order.iter().map(|&i| &self.cells[i])
    }

    pub fn summary(&self) -> RunSummary {
        let mut s = RunSummary::default();
        for cell in self.ran() {
            s.cells += 1;
            match cell.status {
                RunStatus::Ok => s.ok += 1,
                RunStatus::Error => s.error += 1,
                RunStatus::Stopped => s.stopped += 1,
                RunStatus::Interrupted => s.interrupted += 1,
                RunStatus::Disabled => s.disabled += 1,
                RunStatus::NotRun | RunStatus::Idle | RunStatus::Queued | RunStatus::Running => {
                    s.not_run += 1
                }
            }
            s.failed |= cell.is_failure();
        }
        s
    }
}

fn millis<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_some(&(d.as_secs_f64() * 1000.0)),
        None => s.serialize_none(),
    }
}

fn millis_required<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(index: usize) -> CellRef {
        CellRef {
            index,
            id: index as u32,
            name: "_".into(),
        }
    }

    #[test]
    fn reasons_read_well_and_serialise_uniformly() {
        let r = NotRunReason::AncestorRaised {
            ancestor: cell(3),
            error_type: "ZeroDivisionError".into(),
        };
        assert_eq!(
            r.to_string(),
            "ancestor cell 3 (`_`) raised ZeroDivisionError"
        );
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["kind"], "ancestor_raised");
        assert_eq!(v["cell"]["index"], 3);
        assert_eq!(v["message"], r.to_string());
        let v = serde_json::to_value(NotRunReason::Disabled).unwrap();
        assert_eq!(v["cell"], serde_json::Value::Null);
    }

    #[test]
    fn stopped_and_disabled_are_not_failures() {
        let mut run = CellRun::idle(0, 0, "_".into());
        run.status = RunStatus::NotRun;
        run.reason = Some(NotRunReason::StoppedByAncestor { ancestor: cell(1) });
        assert!(!run.is_failure());
        run.reason = Some(NotRunReason::RunInterrupted);
        assert!(run.is_failure());
        run.status = RunStatus::Stopped;
        run.reason = None;
        assert!(!run.is_failure());
    }

    #[test]
    fn cell_run_serialises_duration_in_ms() {
        let mut run = CellRun::idle(2, 2, "_".into());
        run.duration = Some(Duration::from_micros(1500));
        let v = serde_json::to_value(&run).unwrap();
        assert_eq!(v["duration_ms"], 1.5);
        assert_eq!(v["status"], "idle");
    }
}
