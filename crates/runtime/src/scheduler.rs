//! The reactive scheduler: runs a notebook's cells on one worker, in
//! dependency order, and keeps each cell's latest result.
//!
//! A [`Session`] joins a `weir_project::Project` (cells, analyses, graph)
//! with a [`crate::Worker`]. Every operation (`run_all`, `run_cells`,
//! `edit_cell`, `delete_cell`) computes a plan from the graph, decides cell
//! by cell whether it may run (`blockers`), runs it (`run`), and returns a
//! [`RunReport`]. Events stream to a callback while it works. The rules,
//! in prose: docs/runtime.md.

mod batch;
mod blockers;
mod event;
mod persisting;
mod report;
mod run;
mod session;

pub use event::SessionEvent;
pub use report::{
    CellRef, CellRun, ConsoleChunk, NotRunReason, RunReport, RunStatus, RunSummary, WorkerDeath,
};
pub use session::{
    Session, SessionConfig, SessionError, SessionInterrupter, default_python_path_extra,
};
