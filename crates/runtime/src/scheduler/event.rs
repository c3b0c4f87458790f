//! What a session reports while it runs, as it happens.

use std::time::Duration;

use crate::events::StreamSource;
use crate::message::{MimeBundle, OutputAction, StreamName, VariableSummary};
use crate::scheduler::report::{CellRun, NotRunReason, RunStatus};

/// Delivered to the callback of `Session::run_all` and friends, on the
/// calling thread, in order. Cells are named by their notebook index.
///
/// For one run: `CellsQueued` naming every cell of the run first, then per cell
/// in run order either `CellSkipped`, or `CellStarted`, any `Stream` /
/// `Output`, and `CellFinished`. A `Stream` may name another cell than the
/// running one (a finished cell's thread printing), and `Console` text can
/// come at any point.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionEvent<'a> {
    /// The run's cells, in run order: one event for the whole run (an
    /// event per cell cost every client a message per cell).
    CellsQueued { indices: &'a [usize] },
    /// The worker has begun the cell; an interrupt sent from now on lands
    /// in it.
    CellStarted { index: usize },
    Stream {
        index: usize,
        stream: StreamName,
        source: StreamSource,
        text: &'a str,
        /// The worker's integrity hash of `text`, when it sent one.
        hash: Option<&'a str>,
    },
    /// Text for the notebook's own console, not a cell's: written by a
    /// thread started between cells, or at the descriptor level while no
    /// cell ran (docs/protocol.md, "Version 3").
    Console {
        stream: StreamName,
        source: StreamSource,
        text: &'a str,
        hash: Option<&'a str>,
    },
    /// `weir.output.append/replace/clear`, or a progress indicator
    /// redrawn or removed at `at` (`output` is `None` for clear and remove).
    Output {
        index: usize,
        action: OutputAction,
        output: Option<&'a MimeBundle>,
        at: Option<usize>,
    },
    /// The cell ran; `run` is its full record (outputs, console, error).
    CellFinished {
        index: usize,
        status: RunStatus,
        duration: Duration,
        run: &'a CellRun,
        /// Elements the cell's names hold and state setters it called, as
        /// the worker reported them (`None` for most cells).
        ui: Option<&'a crate::message::CellUi>,
        /// The names the cell defined, summarised (only when the session
        /// summarises variables, and not for a cell ended by an interrupt).
        variables: Option<&'a [VariableSummary]>,
    },
    /// The cell did not run, for `reason`.
    CellSkipped {
        index: usize,
        reason: &'a NotRunReason,
        run: &'a CellRun,
    },
}
