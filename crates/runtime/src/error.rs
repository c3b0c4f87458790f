//! Everything that can go wrong talking to a worker, as one typed error.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

use crate::frame::FrameError;
use crate::message::MessageError;

/// How a worker process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    /// Exited with this status (`os._exit(7)` gives `Code(7)`).
    Code(i32),
    /// Killed by this signal number (SIGKILL gives `Signal(9)`).
    Signal(i32),
    /// The status could not be collected.
    Unknown,
}

impl ExitKind {
    pub(crate) fn from_status(status: std::process::ExitStatus) -> Self {
        use std::os::unix::process::ExitStatusExt;
        match (status.code(), status.signal()) {
            (Some(code), _) => ExitKind::Code(code),
            (None, Some(sig)) => ExitKind::Signal(sig),
            _ => ExitKind::Unknown,
        }
    }
}

impl fmt::Display for ExitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitKind::Code(c) => write!(f, "exit status {c}"),
            ExitKind::Signal(s) => write!(f, "signal {s}"),
            ExitKind::Unknown => f.write_str("unknown status"),
        }
    }
}

/// The oldest Python the worker supports.
pub const MIN_PYTHON: (u32, u32) = (3, 9);

#[derive(Debug, Error)]
pub enum WorkerError {
    #[error("Python interpreter not found: {}", path.display())]
    InterpreterNotFound { path: PathBuf },

    #[error("could not start Python interpreter {}: {source}", path.display())]
    Spawn {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error(
        "Python {version} at {} is too old: Weir needs Python >= {}.{}",
        path.display(), MIN_PYTHON.0, MIN_PYTHON.1
    )]
    PythonTooOld { path: PathBuf, version: String },

    #[error(
        "the worker ({}) ended before it was ready ({status}); is the `weir` package \
         importable by this interpreter? Its stderr:\n{stderr}",
        path.display()
    )]
    StartupFailed {
        path: PathBuf,
        status: ExitKind,
        stderr: String,
    },

    #[error("the worker ({}) sent nothing within {waited:?} of starting", path.display())]
    StartupTimeout { path: PathBuf, waited: Duration },

    #[error(
        "version mismatch: the runtime is weir {runtime} but the worker's `weir` package \
         (imported by {python_executable}) is {worker}; install the matching package"
    )]
    VersionMismatch {
        runtime: String,
        worker: String,
        python_executable: String,
    },

    #[error("protocol version mismatch: the runtime speaks {expected}, the worker {actual}")]
    ProtocolVersionMismatch { expected: u32, actual: u32 },

    /// A frame from the worker failed a check.
    #[error("from the worker: {0}")]
    Frame(#[from] FrameError),

    /// A well-formed frame from the worker carried a bad message.
    #[error("from the worker: message in frame #{index} (seq {seq}): {error}")]
    Message {
        index: u64,
        seq: u32,
        error: MessageError,
    },

    #[error("the worker sent {got:?} while the runtime waited for {expected}")]
    UnexpectedMessage { expected: &'static str, got: String },

    /// The worker refused a frame the runtime sent and exited.
    #[error("the worker rejected frame #{frame_index:?} ({check}): {message}; worker {status}")]
    WorkerRejectedFrame {
        frame_index: Option<u64>,
        check: String,
        message: String,
        status: ExitKind,
    },

    /// The worker process ended without being asked to.
    #[error("the worker died ({status}){}", match running_cell {
        Some(c) => format!(" while running cell {c:?}"),
        None => String::new(),
    })]
    WorkerDied {
        status: ExitKind,
        running_cell: Option<String>,
    },

    /// A buffer from the worker does not hash to what the worker said it
    /// hashed to before sending: damaged in transit (or in memory). The
    /// value is refused; nothing is stored.
    #[error(
        "cell {cell_id}: value `{name}` (buffer {buffer}) failed its BLAKE2b-256 check \
         crossing from the worker: the worker sent {expected}, the runtime computed {actual}"
    )]
    TransferHash {
        cell_id: String,
        name: String,
        buffer: usize,
        expected: String,
        actual: String,
    },

    /// The worker was shut down or failed earlier; spawn a new one.
    #[error("the worker is no longer running")]
    Closed,

    #[error("worker I/O: {0}")]
    Io(#[from] io::Error),
}
