//! `weir-runtime`: the worker protocol and the Python worker client.
//!
//! The runtime runs notebook cells in a separate process, `python -m
//! weir._worker`, started with the user's interpreter (by default; any
//! [`Launcher`] can start workers, e.g. the in-process fake of feature
//! `fake-worker`). They talk over the
//! worker's stdin/stdout in checksummed, sequenced frames ([`frame`]) that
//! carry JSON messages ([`message`]); [`Worker`] is the client. The protocol
//! is specified in docs/protocol.md. The [`scheduler`] drives one worker over
//! a whole notebook (docs/runtime.md).

pub mod error;
pub mod events;
pub mod frame;
pub mod integrity;
pub mod kernel;
pub mod launch;
pub mod message;
pub mod pcache;
pub mod persist;
mod pipes;
pub mod python;
pub mod scheduler;
pub mod snapshots;
pub mod worker;

pub use error::{ExitKind, MIN_PYTHON, WorkerError};
pub use events::{CellOutcome, StreamSource, WorkerEvent, WorkerInfo};
pub use frame::{Frame, FrameCheck, FrameDecoder, FrameError, FrameKind};
pub use message::{
    BatchEntry, CellError, CellStatus, Display, FromWorker, MessageError, MimeBundle, OutputAction,
    StreamName, ToWorker, TracebackFrame, VariableSummary,
};
pub use persist::{
    CellPersist, PersistAction, PersistMode, PersistTotals, Persistence, Refresh, ValueHash,
};
pub use python::{probe_version, resolve_python};
pub use scheduler::{
    CellRef, CellRun, ConsoleChunk, NotRunReason, RunReport, RunStatus, RunSummary, Session,
    SessionConfig, SessionError, SessionEvent, SessionInterrupter, WorkerDeath,
    default_python_path_extra,
};
pub use worker::{
    BatchCell, BatchEnd, BatchEvent, BatchStats, Captured, CapturedValue, Interrupter, Launched,
    Launcher, RUNTIME_VERSION, RestoreBuffer, UnsolicitedSink, Worker, WorkerConfig, WorkerProcess,
};
