//! The worker client: start a worker (by default `python -m weir._worker`,
//! or through any [`Launcher`], see `launch`), run cells, delete names,
//! interrupt, shut down, and notice death.
//!
//! One I/O thread per worker (see `pipes`) polls its protocol pipe and its
//! console (stderr) and feeds a bounded channel that the calling thread drains while
//! it waits for the reply it needs; output the worker sends on its own (a
//! finished cell's thread printing) can go to an [`UnsolicitedSink`]
//! instead, so it is delivered while no request is in flight. Every way the
//! worker can go away ends in EOF on the protocol pipe, so nothing here can
//! hang on a dead worker.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::error::{ExitKind, WorkerError};
use crate::events::{CellOutcome, StreamSource, WorkerEvent, WorkerInfo};
use crate::frame::{self, FrameKind, PROTOCOL_VERSION};
use crate::message::{FromWorker, StreamName, ToWorker};
use crate::pipes::{CHANNEL_BOUND, Incoming, SharedSink, spawn_io};
use crate::python::version_ok;

mod batch;
#[cfg(feature = "fake-worker")]
pub mod fake;
mod launch;
mod lifeline;
mod sink;
mod transfer;
mod ui;
pub use batch::{BatchCell, BatchEnd, BatchEvent, BatchStats, display_of, has_private_names};
pub use launch::{Launched, Launcher, WorkerProcess};
pub use sink::UnsolicitedSink;
pub(crate) use transfer::blake2b_hex;
pub use transfer::{Captured, CapturedValue, RestoreBuffer};
pub use ui::UiValueReply;

/// The runtime's own version; the worker's `weir.__version__` must equal it.
pub const RUNTIME_VERSION: &str = env!("CARGO_PKG_VERSION");

/// How long to wait for late stderr lines after the worker died, so a
/// crash message (e.g. from faulthandler) reaches the caller.
const DEATH_STDERR_GRACE: Duration = Duration::from_millis(300);
/// How long an exiting worker gets before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(5);
/// Startup stderr kept for the error message.
const MAX_STARTUP_STDERR: usize = 64 * 1024;

/// How to start a `python -m weir._worker` process: the default
/// [`Launcher`].
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The interpreter (see [`crate::resolve_python`]).
    pub python: PathBuf,
    /// Prepended to `PYTHONPATH`, e.g. a checkout's `python/` directory so
    /// the `weir` package is importable without installing it.
    pub python_path_extra: Option<PathBuf>,
    /// The worker's working directory (default: inherited).
    pub cwd: Option<PathBuf>,
    /// Extra environment variables for the worker.
    pub env: Vec<(OsString, OsString)>,
    /// How long the worker may take to send `ready`.
    pub ready_timeout: Duration,
    /// Where output the worker sends on its own goes (see
    /// [`UnsolicitedSink`]); also settable later
    /// ([`Worker::set_unsolicited_sink`]).
    pub unsolicited: Option<UnsolicitedSink>,
}

impl WorkerConfig {
    pub fn new(python: impl Into<PathBuf>) -> Self {
        WorkerConfig {
            python: python.into(),
            python_path_extra: None,
            cwd: None,
            env: Vec::new(),
            ready_timeout: Duration::from_secs(30),
            unsolicited: None,
        }
    }
}

/// Interrupts a worker from any thread, e.g. from inside a `run_cell`
/// event callback (SIGINT for a process). It never signals a process that
/// has already been reaped (whose pid may belong to someone else by then).
#[derive(Debug, Clone)]
pub struct Interrupter {
    control: Arc<Mutex<Control>>,
}

impl Interrupter {
    pub fn interrupt(&self) -> Result<(), WorkerError> {
        let mut control = self.control.lock().unwrap_or_else(PoisonError::into_inner);
        let Control { process, reaped } = &mut *control;
        match process.as_mut() {
            Some(process) if !*reaped => process.interrupt().map_err(WorkerError::Io),
            _ => Err(WorkerError::Closed),
        }
    }
}

/// The worker's process control, shared by the `Worker` and its
/// interrupters; `reaped` is set, under the same lock, once its end was
/// collected, and after that nothing is sent to it. The `Worker` drops the
/// process when it is dropped, whoever still holds an interrupter: with it
/// go its lifeline and so the worker's children (see `lifeline`).
#[derive(Debug)]
struct Control {
    process: Option<Box<dyn WorkerProcess>>,
    reaped: bool,
}

/// A running worker: by default a `python -m weir._worker` process
/// ([`Worker::spawn`]), or whatever a [`Launcher`] starts.
#[derive(Debug)]
pub struct Worker {
    stdin: Option<File>,
    rx: Receiver<Incoming>,
    /// Received while waiting for something else; read before `rx`.
    pending: VecDeque<Incoming>,
    /// The unsolicited-output sink, shared with the I/O thread.
    sink: SharedSink,
    /// Unsolicited output read while no sink was set, for the next run.
    strays: VecDeque<WorkerEvent>,
    send_seq: u32,
    info: WorkerInfo,
    pid: Option<u32>,
    control: Arc<Mutex<Control>>,
    closed: bool,
    /// The code the worker holds per cell (batched runs).
    held: batch::Held,
}

impl Worker {
    /// Start a `python -m weir._worker` process (the default launcher,
    /// [`WorkerConfig`]) and wait for its `ready` message.
    pub fn spawn(config: WorkerConfig) -> Result<Worker, WorkerError> {
        let unsolicited = config.unsolicited.clone();
        Worker::launch(&config, unsolicited)
    }

    /// Start a worker through `launcher` and wait for its `ready` message,
    /// checked as any worker's is (protocol, Python and `weir` versions).
    /// `unsolicited`: see [`UnsolicitedSink`].
    pub fn launch(
        launcher: &dyn Launcher,
        unsolicited: Option<UnsolicitedSink>,
    ) -> Result<Worker, WorkerError> {
        let Launched {
            to_worker,
            from_worker,
            console,
            process,
            program,
        } = launcher.launch()?;
        let (tx, rx) = sync_channel(CHANNEL_BOUND);
        let sink: SharedSink = Arc::new(Mutex::new(unsolicited));
        let started = spawn_io(from_worker, console, tx, Arc::clone(&sink));
        let mut worker = Worker {
            stdin: Some(to_worker),
            rx,
            pending: VecDeque::new(),
            sink,
            strays: VecDeque::new(),
            send_seq: 0,
            info: WorkerInfo {
                protocol: 0,
                weir_version: String::new(),
                python_version: String::new(),
                python_executable: String::new(),
                pid: 0,
            },
            pid: process.pid(),
            control: Arc::new(Mutex::new(Control {
                process: Some(process),
                reaped: false,
            })),
            closed: false,
            held: batch::Held::default(),
        };
        if let Err(source) = started {
            worker.kill_and_reap();
            return Err(WorkerError::Spawn {
                path: program,
                source,
            });
        }
        worker.info = worker.await_ready(launcher, &program)?;
        Ok(worker)
    }

    fn await_ready(
        &mut self,
        launcher: &dyn Launcher,
        path: &Path,
    ) -> Result<WorkerInfo, WorkerError> {
        let timeout = launcher.ready_timeout();
        let deadline = Instant::now() + timeout;
        let mut stderr = String::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let incoming = match self.rx.recv_timeout(left) {
                Ok(i) => i,
                Err(RecvTimeoutError::Timeout) => {
                    self.kill_and_reap();
                    return Err(WorkerError::StartupTimeout {
                        path: path.to_path_buf(),
                        waited: timeout,
                    });
                }
                Err(RecvTimeoutError::Disconnected) => Incoming::Eof,
            };
            match incoming {
                Incoming::StderrLine(line) => {
                    if stderr.len() < MAX_STARTUP_STDERR {
                        stderr.push_str(&line);
                    }
                }
                Incoming::Message(FromWorker::Ready {
                    protocol,
                    weir_version,
                    python_version,
                    python_executable,
                    pid,
                }) => {
                    let info = WorkerInfo {
                        protocol,
                        weir_version,
                        python_version,
                        python_executable,
                        pid,
                    };
                    if let Err(e) = check_ready(path, &info) {
                        self.kill_and_reap();
                        return Err(e);
                    }
                    return Ok(info);
                }
                Incoming::Binary(_) => {
                    self.kill_and_reap();
                    return Err(WorkerError::UnexpectedMessage {
                        expected: "ready",
                        got: "a binary frame".into(),
                    });
                }
                Incoming::Message(other) => {
                    self.kill_and_reap();
                    return Err(WorkerError::UnexpectedMessage {
                        expected: "ready",
                        got: message_type(&other).into(),
                    });
                }
                Incoming::Bad(e) => {
                    self.kill_and_reap();
                    return Err(e);
                }
                Incoming::Eof => {
                    let status = self.reap();
                    // Drain what stderr said on the way out.
                    self.drain_stderr(|line| {
                        if stderr.len() < MAX_STARTUP_STDERR {
                            stderr.push_str(&line);
                        }
                    });
                    if let Some(error) = launcher.diagnose_early_exit() {
                        return Err(error);
                    }
                    return Err(WorkerError::StartupFailed {
                        path: path.to_path_buf(),
                        status,
                        stderr,
                    });
                }
            }
        }
    }

    /// What the worker reported about itself.
    pub fn info(&self) -> &WorkerInfo {
        &self.info
    }

    /// The worker's process id; `None` for a worker that is not a process
    /// of its own (an in-process fake).
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// A handle that can interrupt the running cell from another thread or
    /// from a `run_cell` callback.
    pub fn interrupter(&self) -> Interrupter {
        Interrupter {
            control: Arc::clone(&self.control),
        }
    }

    /// Interrupt (SIGINT): the running cell ends with status
    /// `Interrupted`; an idle worker ignores it.
    pub fn interrupt(&self) -> Result<(), WorkerError> {
        self.interrupter().interrupt()
    }

    /// Whether the worker can still take commands.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Set (or remove) the sink for unsolicited output; output kept while
    /// there was none goes to the new sink at once.
    pub fn set_unsolicited_sink(&mut self, sink: Option<UnsolicitedSink>) {
        *self.sink.lock().unwrap_or_else(PoisonError::into_inner) = sink.clone();
        if let Some(sink) = sink {
            for event in self.strays.drain(..) {
                (sink.0)(event);
            }
        }
    }

    /// A `stream` message read while waiting for another reply.
    pub(crate) fn stray_message(&mut self, msg: FromWorker) {
        if let FromWorker::Stream {
            cell_id,
            name,
            source,
            text,
            hash,
        } = msg
        {
            self.stray(WorkerEvent::Stream {
                cell_id,
                name,
                source,
                text,
                hash,
            });
        }
    }

    /// Unsolicited output read while waiting for a reply: to the sink, or
    /// kept for the next run's callback.
    pub(crate) fn stray(&mut self, event: WorkerEvent) {
        let sink = self
            .sink
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match sink {
            Some(sink) => (sink.0)(event),
            None => self.strays.push_back(event),
        }
    }

    /// Run a cell (pseudo-filename `<cell NAME (CELL_ID)>`), delivering
    /// events as they arrive; returns when the worker reports `done`.
    pub fn run_cell(
        &mut self,
        cell_id: &str,
        name: &str,
        code: &str,
        on_event: impl FnMut(WorkerEvent),
    ) -> Result<CellOutcome, WorkerError> {
        self.run(
            ToWorker::Run {
                cell_id: cell_id.to_owned(),
                name: name.to_owned(),
                code: code.to_owned(),
                filename_hint: None,
                delete: Vec::new(),
            },
            on_event,
        )
    }

    /// Like [`run_cell`](Self::run_cell) with a full `Run` message (e.g. to
    /// choose the traceback filename). Other message kinds are refused.
    pub fn run(
        &mut self,
        request: ToWorker,
        mut on_event: impl FnMut(WorkerEvent),
    ) -> Result<CellOutcome, WorkerError> {
        let ToWorker::Run { cell_id, .. } = &request else {
            return Err(WorkerError::UnexpectedMessage {
                expected: "a run request",
                got: "another request".into(),
            });
        };
        let cell_id = cell_id.clone();
        let running = Some(cell_id.as_str());
        for event in self.strays.drain(..) {
            on_event(event);
        }
        self.send(&request, running, &mut on_event)?;
        loop {
            let msg = self.next_message(running, &mut on_event)?;
            match msg {
                FromWorker::Started { cell_id } => on_event(WorkerEvent::Started { cell_id }),
                FromWorker::Stream {
                    cell_id,
                    name,
                    source,
                    text,
                    hash,
                } => on_event(WorkerEvent::Stream {
                    cell_id,
                    name,
                    source,
                    text,
                    hash,
                }),
                FromWorker::Output {
                    cell_id,
                    action,
                    output,
                    at,
                } => on_event(WorkerEvent::Output {
                    cell_id,
                    action,
                    output,
                    at,
                }),
                FromWorker::Done {
                    cell_id: done_id,
                    status,
                    output,
                    error,
                    duration_ns,
                    ui,
                    state,
                    variables,
                } if done_id == cell_id => {
                    return Ok(CellOutcome {
                        cell_id: done_id,
                        status,
                        output,
                        error,
                        duration: Duration::from_nanos(duration_ns),
                        ui: crate::message::CellUi::boxed(ui, state),
                        variables,
                    });
                }
                other => return Err(self.unexpected("done", &other)),
            }
        }
    }

    /// Delete names from the worker's namespace; returns those that existed.
    /// Streams from background threads arriving meanwhile go to the
    /// unsolicited sink (or the next run's callback).
    pub fn delete_names(&mut self, names: &[String]) -> Result<Vec<String>, WorkerError> {
        self.delete(names, &[])
    }

    /// [`Worker::delete_names`], and also the private names the cells
    /// `cells` (worker cell ids) left behind.
    pub fn delete(
        &mut self,
        names: &[String],
        cells: &[String],
    ) -> Result<Vec<String>, WorkerError> {
        let request = ToWorker::Delete {
            names: names.to_vec(),
            cells: cells.to_vec(),
        };
        let mut ignore = |_: WorkerEvent| {};
        self.forget_code(cells);
        self.send(&request, None, &mut ignore)?;
        loop {
            match self.next_message(None, &mut ignore)? {
                FromWorker::Deleted { names_removed } => return Ok(names_removed),
                msg @ FromWorker::Stream { .. } => self.stray_message(msg),
                FromWorker::Output { .. } => {}
                other => return Err(self.unexpected("deleted", &other)),
            }
        }
    }

    /// Ask the worker to exit and wait for it (killing it after a grace
    /// period); returns how it exited.
    pub fn shutdown(mut self) -> Result<ExitKind, WorkerError> {
        if self.closed {
            return Err(WorkerError::Closed);
        }
        let mut ignore = |_: WorkerEvent| {};
        // A worker that already died is reported as such by `send`.
        self.send(&ToWorker::Shutdown, None, &mut ignore)?;
        self.stdin = None;
        self.closed = true;
        Ok(self.wait_or_kill(EXIT_GRACE))
    }

    /// Write raw bytes to the worker's protocol pipe. Only for tests of the
    /// worker's frame checks; `seq_used` advances the sequence counter.
    #[doc(hidden)]
    pub fn send_raw_for_tests(&mut self, bytes: &[u8], seq_used: bool) -> io::Result<()> {
        let stdin = self.stdin.as_mut().ok_or(io::ErrorKind::BrokenPipe)?;
        stdin.write_all(bytes)?;
        stdin.flush()?;
        if seq_used {
            self.send_seq = self.send_seq.wrapping_add(1);
        }
        Ok(())
    }

    /// The sequence number the next frame to the worker will carry.
    #[doc(hidden)]
    pub fn next_send_seq(&self) -> u32 {
        self.send_seq
    }

    fn send(
        &mut self,
        msg: &ToWorker,
        running: Option<&str>,
        on_event: &mut dyn FnMut(WorkerEvent),
    ) -> Result<(), WorkerError> {
        if self.closed {
            return Err(WorkerError::Closed);
        }
        let bytes = match frame::encode(FrameKind::Json, self.send_seq, &msg.encode()) {
            Ok(b) => b,
            Err(e) => {
                return Err(WorkerError::Io(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    e,
                )));
            }
        };
        let written = match self.stdin.as_mut() {
            Some(stdin) => stdin.write_all(&bytes).and_then(|_| stdin.flush()),
            None => Err(io::ErrorKind::BrokenPipe.into()),
        };
        match written {
            Ok(()) => {
                self.send_seq = self.send_seq.wrapping_add(1);
                Ok(())
            }
            // The pipe broke: the worker is gone; find out how.
            Err(_) => Err(self.death(running, on_event)),
        }
    }

    /// The next protocol message; stderr lines go to `on_event` meanwhile.
    fn next_message(
        &mut self,
        running: Option<&str>,
        on_event: &mut dyn FnMut(WorkerEvent),
    ) -> Result<FromWorker, WorkerError> {
        loop {
            match self.next_incoming() {
                Incoming::StderrLine(text) => on_event(stderr_event(running, text)),
                Incoming::Message(FromWorker::ProtocolError {
                    frame_index,
                    check,
                    message,
                    ..
                }) => return Err(self.rejected(frame_index, check, message)),
                Incoming::Message(msg) => return Ok(msg),
                Incoming::Binary(_) => {
                    self.kill_and_reap();
                    return Err(WorkerError::UnexpectedMessage {
                        expected: "a message",
                        got: "a binary frame".into(),
                    });
                }
                Incoming::Bad(err) => {
                    // The stream cannot be trusted any more: end the worker.
                    self.kill_and_reap();
                    return Err(err);
                }
                Incoming::Eof => return Err(self.death(running, on_event)),
            }
        }
    }

    /// The next item from the reader threads, items put aside first.
    fn next_incoming(&mut self) -> Incoming {
        match self.pending.pop_front() {
            Some(i) => i,
            None => self.rx.recv().unwrap_or(Incoming::Eof),
        }
    }

    /// The worker said `protocol_error` about a frame we sent and is
    /// exiting: wait for it (closing the `Worker`) and say why.
    fn rejected(
        &mut self,
        frame_index: Option<u64>,
        check: String,
        message: String,
    ) -> WorkerError {
        let status = self.wait_or_kill(EXIT_GRACE);
        WorkerError::WorkerRejectedFrame {
            frame_index,
            check,
            message,
            status,
        }
    }

    /// The worker went away unasked: collect its status, its last stderr
    /// lines, and say which cell was running, or, when it left because it
    /// refused a frame, which frame and why.
    fn death(
        &mut self,
        running: Option<&str>,
        on_event: &mut dyn FnMut(WorkerEvent),
    ) -> WorkerError {
        let status = self.wait_or_kill(EXIT_GRACE);
        // The process is gone, but what it wrote last (a protocol_error
        // naming the frame it refused, its final stderr lines) may still be
        // in the reader threads: a broken pipe on our side can be noticed
        // before they deliver. So read until both pipes are drained (or a
        // short grace), queued messages first.
        let mut refused = None;
        let queued: Vec<Incoming> = self.pending.drain(..).collect();
        let deadline = Instant::now() + DEATH_STDERR_GRACE;
        let mut queued = queued.into_iter();
        loop {
            let incoming = match queued.next() {
                Some(incoming) => incoming,
                None => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    match self.rx.recv_timeout(left) {
                        Ok(incoming) => incoming,
                        Err(_) => break, // timed out, or both readers finished
                    }
                }
            };
            match incoming {
                Incoming::Message(FromWorker::ProtocolError {
                    frame_index,
                    check,
                    message,
                    ..
                }) if refused.is_none() => refused = Some((frame_index, check, message)),
                Incoming::StderrLine(text) => on_event(stderr_event(running, text)),
                _ => {}
            }
        }
        match refused {
            Some((frame_index, check, message)) => WorkerError::WorkerRejectedFrame {
                frame_index,
                check,
                message,
                status,
            },
            None => WorkerError::WorkerDied {
                status,
                running_cell: running.map(str::to_owned),
            },
        }
    }

    fn unexpected(&mut self, expected: &'static str, got: &FromWorker) -> WorkerError {
        self.kill_and_reap();
        WorkerError::UnexpectedMessage {
            expected,
            got: message_type(got).into(),
        }
    }

    fn drain_stderr(&mut self, mut deliver: impl FnMut(String)) {
        let deadline = Instant::now() + DEATH_STDERR_GRACE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(Incoming::StderrLine(text)) => deliver(text),
                Ok(_) => {}
                Err(_) => return, // timed out, or both readers finished
            }
        }
    }

    /// Wait for the worker to end, polling so an interrupter never
    /// signals a reaped pid; kill it if it outlives `grace`.
    fn wait_or_kill(&mut self, grace: Duration) -> ExitKind {
        self.stdin = None;
        self.closed = true;
        let deadline = Instant::now() + grace;
        loop {
            {
                let mut control = self.control.lock().unwrap_or_else(PoisonError::into_inner);
                let Control { process, reaped } = &mut *control;
                let Some(process) = process.as_mut().filter(|_| !*reaped) else {
                    return ExitKind::Unknown;
                };
                match process.try_wait() {
                    Ok(Some(status)) => {
                        *reaped = true;
                        return status;
                    }
                    Ok(None) if Instant::now() >= deadline => {
                        let _ = process.kill();
                        let status = process.wait();
                        *reaped = true;
                        return status.unwrap_or(ExitKind::Unknown);
                    }
                    Ok(None) => {}
                    Err(_) => {
                        *reaped = true;
                        return ExitKind::Unknown;
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn reap(&mut self) -> ExitKind {
        self.wait_or_kill(EXIT_GRACE)
    }

    fn kill_and_reap(&mut self) {
        self.wait_or_kill(Duration::ZERO);
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let reaped = self
            .control
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .reaped;
        if !reaped {
            // Closing stdin lets an idle worker exit on its own; a busy one
            // is killed shortly after.
            self.wait_or_kill(Duration::from_millis(200));
        }
        self.control
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .process = None;
    }
}

pub(crate) fn stderr_event(running: Option<&str>, text: String) -> WorkerEvent {
    WorkerEvent::Stream {
        cell_id: running.map(str::to_owned),
        name: StreamName::Stderr,
        source: StreamSource::Fd,
        text,
        hash: None,
    }
}

fn message_type(msg: &FromWorker) -> &'static str {
    match msg {
        FromWorker::Ready { .. } => "ready",
        FromWorker::Started { .. } => "started",
        FromWorker::Stream { .. } => "stream",
        FromWorker::Output { .. } => "output",
        FromWorker::Done { .. } => "done",
        FromWorker::BatchDone { .. } => "batch_done",
        FromWorker::Deleted { .. } => "deleted",
        FromWorker::Captured { .. } => "captured",
        FromWorker::Restored { .. } => "restored",
        FromWorker::UiValueSet { .. } => "ui_value_set",
        FromWorker::ProtocolError { .. } => "protocol_error",
    }
}

fn check_ready(path: &Path, info: &WorkerInfo) -> Result<(), WorkerError> {
    if info.protocol != u32::from(PROTOCOL_VERSION) {
        return Err(WorkerError::ProtocolVersionMismatch {
            expected: u32::from(PROTOCOL_VERSION),
            actual: info.protocol,
        });
    }
    if !version_ok(&info.python_version) {
        return Err(WorkerError::PythonTooOld {
            path: path.to_path_buf(),
            version: info.python_version.clone(),
        });
    }
    if info.weir_version != RUNTIME_VERSION {
        return Err(WorkerError::VersionMismatch {
            runtime: RUNTIME_VERSION.into(),
            worker: info.weir_version.clone(),
            python_executable: info.python_executable.clone(),
        });
    }
    Ok(())
}
