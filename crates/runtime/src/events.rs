//! What a worker reports to the caller: its identity, events while a cell
//! runs, and how the cell ended.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::message::{
    CellError, CellStatus, MimeBundle, OutputAction, StreamName, VariableSummary,
};

/// What the worker said about itself in `ready`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerInfo {
    pub protocol: u32,
    pub weir_version: String,
    pub python_version: String,
    pub python_executable: String,
    pub pid: u32,
}

/// Where streamed text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamSource {
    /// `sys.stdout` / `sys.stderr` inside the worker.
    #[default]
    Python,
    /// Raw writes to the worker's fd 1 or fd 2 (C extensions,
    /// subprocesses, `os.write`), forwarded by the worker from its own
    /// pipes (docs/protocol.md, "Version 3"), and the worker's own fatal
    /// output. Their order relative to `Python` text is not guaranteed.
    Fd,
}

/// Something that happened while a cell ran, delivered as it arrives.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkerEvent {
    /// The worker began the cell; an interrupt sent from now on lands in it.
    Started { cell_id: String },
    /// Text for the cell `cell_id`: the cell whose code wrote it (a thread
    /// or child process of a finished cell, too), or `None` for the
    /// notebook's own console. It may differ from the running cell.
    Stream {
        cell_id: Option<String>,
        name: StreamName,
        source: StreamSource,
        text: String,
        /// The worker's integrity hash of `text`, when it sent one.
        hash: Option<String>,
    },
    /// `weir.output.append/replace/clear`.
    Output {
        cell_id: String,
        action: OutputAction,
        output: Option<MimeBundle>,
        /// The position `ReplaceAt` / `RemoveAt` name.
        at: Option<usize>,
    },
}

/// How a cell ended.
#[derive(Debug, Clone, PartialEq)]
pub struct CellOutcome {
    pub cell_id: String,
    pub status: CellStatus,
    pub output: Option<MimeBundle>,
    pub error: Option<CellError>,
    pub duration: Duration,
    /// Elements bound to global names, and state setters called (see
    /// `FromWorker::Done`); `None` for a cell that touched neither.
    pub ui: Option<Box<crate::message::CellUi>>,
    /// The names the cell defined, summarised, when its batch entry asked
    /// (`BatchCell::summarize`).
    pub variables: Option<Vec<VariableSummary>>,
}
