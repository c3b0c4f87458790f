//! What a batch client (`weir exec`, `weir verify`, `weir export`) needs
//! from the kernel: one run of every cell, its [`RunReport`] as the answer,
//! and the run's progress as ordinary events to its subscription.
//!
//! A reported run is never split. An interactive run yields whenever a
//! command arrives and plans again; a batch run must not, or its report
//! (totals, elapsed time, the persistence plan that decides which cells
//! are "not needed") would cover only a piece of it. So during a reported
//! run commands wait in the inbox; an interrupt still lands at once,
//! because the handle signals the worker directly.

use std::sync::mpsc;

use super::{Command, Kernel, KernelError, KernelHandle};
use crate::scheduler::{RunReport, SessionError};

/// The answer to [`Command::RunAllReport`].
pub type ReportReceiver = mpsc::Receiver<Result<RunReport, SessionError>>;

impl KernelHandle {
    /// Runs every cell as one run; the receiver gets the run's report when
    /// it ends, before the `Idle` event that follows it. Subscribe first
    /// ([`KernelHandle::connect`]) to see the run as it happens.
    pub fn run_all_report(&self) -> Result<ReportReceiver, KernelError> {
        let (reply, receiver) = mpsc::channel();
        self.send(Command::RunAllReport(reply))?;
        Ok(receiver)
    }
}

impl Kernel {
    pub(super) fn run_all_reported(&mut self) -> Result<RunReport, SessionError> {
        if self.session.worker().is_closed() {
            return Err(SessionError::WorkerClosed);
        }
        let yield_when = self.session.yield_when.take();
        // The one run whose report a client reads cell by cell.
        self.session.report_cells = true;
        // Every cell is in this run; nothing pending is left for later.
        self.pending = self
            .session
            .project()
            .graph()
            .order()
            .iter()
            .copied()
            .collect();
        let report = self.run_pending();
        self.session.report_cells = false;
        // State set during a reported run re-runs nothing, as in marimo's
        // script mode (its readers ran once, in this pass).
        self.ui.drop_state_calls();
        self.session.yield_when = yield_when;
        Ok(report)
    }
}
