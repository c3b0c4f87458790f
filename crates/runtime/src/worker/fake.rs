//! An in-process fake worker (feature `fake-worker`), so the scheduler and
//! the kernel can be tested without processes.
//!
//! [`FakeLauncher`] starts a thread that speaks the real protocol (frames
//! from `frame.rs`, messages from `message.rs`) over real pipes, so the
//! whole client path (framing, the I/O thread, the `ready` checks, the
//! scheduler, the kernel) runs as it does with Python; only the code
//! execution is fake. It runs a tiny language, a subset of Python that
//! Weir's analysis reads as it reads any cell, one statement a line:
//!
//! | line | effect |
//! |---|---|
//! | `x = 1`, `y = x + z + 2` | integers, names, `+` |
//! | `print(x + 1)` | a `stdout` stream message `"2\n"` |
//! | `del x` | removes `x` |
//! | `raise`, `raise ValueError` | the cell fails (`RuntimeError`, or that type) |
//! | `x + 1` as the last line | the cell's output, a `text/plain` bundle |
//! | `spin()` | waits until interrupted (status `interrupted`) |
//! | `exit(3)` | the "process" ends with status 3, no `done` |
//! | `pass`, blank lines, `# comments` | nothing |
//!
//! A missing name is a `NameError` with the real worker's status and error
//! shape (`type`, `message`, a Python-like `traceback`, `frames`); a line
//! outside the language is a `SyntaxError` and nothing of the cell runs.
//! Private names (`_x`) live only during their run. `run`'s `delete` list
//! and `delete` messages are honoured; `capture` and `restore` are refused
//! in the protocol's own terms (every value unpicklable; a restore failure,
//! so the runtime runs the cell instead). An interrupt is a flag checked
//! between statements, and ignored while idle, as SIGINT is.
//!
//! The namespace is visible to the test through [`FakeNamespace`]
//! ([`FakeLauncher::namespace`]). Messages are handled in one function,
//! `FakeWorker::dispatch`: a new message type is one arm there.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::error::{ExitKind, WorkerError};
use crate::events::StreamSource;
use crate::frame::{self, FrameDecoder, FrameKind, PROTOCOL_VERSION};
use crate::message::{
    CellError, CellStatus, FromWorker, MimeBundle, RestoreBufferSpec, RestoreFailure, RestoreValue,
    StreamName, ToWorker, Unpicklable,
};
use crate::worker::{Launched, Launcher, RUNTIME_VERSION, WorkerProcess};

mod batch;
mod lang;
use lang::{Line, Stmt, Term, cell_error, is_private, name_error, parse};

/// What the fake says it is, in `ready` and in errors.
const PROGRAM: &str = "<fake worker>";
/// The exit status of a worker that refused a frame (as the real one).
const EXIT_PROTOCOL_ERROR: i32 = 65;
/// The signal a killed fake reports, as a killed process would.
const SIGKILL: i32 = 9;

/// A fake worker's namespace, shared with the test.
#[derive(Debug, Clone, Default)]
pub struct FakeNamespace(Arc<Mutex<BTreeMap<String, i64>>>);

impl FakeNamespace {
    /// The names defined now, sorted.
    pub fn names(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    pub fn get(&self, name: &str) -> Option<i64> {
        self.lock().get(name).copied()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, i64>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Starts fake workers; clone it to keep a handle on what it started after
/// giving it to a session (`SessionConfig::launcher`).
#[derive(Debug, Clone)]
pub struct FakeLauncher {
    python_version: String,
    started: Arc<Mutex<Started>>,
}

#[derive(Debug, Default)]
struct Started {
    launches: usize,
    latest: Option<FakeNamespace>,
}

impl Default for FakeLauncher {
    fn default() -> Self {
        FakeLauncher::new()
    }
}

impl FakeLauncher {
    pub fn new() -> Self {
        FakeLauncher {
            python_version: "3.12.0".into(),
            started: Arc::default(),
        }
    }

    /// The Python version the fake reports in `ready` (the session judges
    /// cells' syntax by it; one below 3.9 is refused as too old).
    pub fn with_python_version(mut self, version: &str) -> Self {
        self.python_version = version.into();
        self
    }

    /// The namespace of the worker started last, if any.
    pub fn namespace(&self) -> Option<FakeNamespace> {
        self.started().latest.clone()
    }

    /// How many workers this launcher (or a clone) has started.
    pub fn launches(&self) -> usize {
        self.started().launches
    }

    fn started(&self) -> std::sync::MutexGuard<'_, Started> {
        self.started.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Launcher for FakeLauncher {
    fn launch(&self) -> Result<Launched, WorkerError> {
        let spawn_error = |source| WorkerError::Spawn {
            path: PathBuf::from(PROGRAM),
            source,
        };
        let (input, to_worker) = pipe().map_err(spawn_error)?;
        let (from_worker, output) = pipe().map_err(spawn_error)?;
        let (console_read, console) = pipe().map_err(spawn_error)?;
        let namespace = FakeNamespace::default();
        let signals = Arc::new(Signals::default());
        let worker = FakeWorker {
            input,
            output,
            console,
            decoder: FrameDecoder::new(),
            stashed: None,
            held: BTreeMap::new(),
            last_status: None,
            send_seq: 0,
            namespace: namespace.clone(),
            signals: Arc::clone(&signals),
            python_version: self.python_version.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("weir-fake-worker".into())
            .spawn(move || worker.serve())
            .map_err(spawn_error)?;
        let mut started = self.started();
        started.launches += 1;
        started.latest = Some(namespace);
        Ok(Launched {
            to_worker,
            from_worker,
            console: Some(console_read),
            process: Box::new(FakeProcess {
                thread: Some(thread),
                status: None,
                signals,
            }),
            program: PathBuf::from(PROGRAM),
        })
    }

    fn ready_timeout(&self) -> Duration {
        Duration::from_secs(10)
    }
}

/// A pipe as (read end, write end).
fn pipe() -> io::Result<(File, File)> {
    let (read, write) = io::pipe()?;
    Ok((
        File::from(OwnedFd::from(read)),
        File::from(OwnedFd::from(write)),
    ))
}

/// Interrupts and kills, from the client to the fake's thread.
#[derive(Debug, Default)]
struct Signals {
    state: Mutex<SignalState>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct SignalState {
    interrupted: bool,
    killed: bool,
}

impl Signals {
    fn lock(&self) -> std::sync::MutexGuard<'_, SignalState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn raise(&self, f: impl FnOnce(&mut SignalState)) {
        f(&mut self.lock());
        self.changed.notify_all();
    }
}

/// The fake's "process": its thread.
#[derive(Debug)]
struct FakeProcess {
    thread: Option<JoinHandle<ExitKind>>,
    status: Option<ExitKind>,
    signals: Arc<Signals>,
}

impl FakeProcess {
    fn join(&mut self) -> ExitKind {
        if let Some(thread) = self.thread.take() {
            // A panic in the fake is a bug in it: reported as an unknown end.
            self.status = Some(thread.join().unwrap_or(ExitKind::Unknown));
        }
        self.status.unwrap_or(ExitKind::Unknown)
    }
}

impl WorkerProcess for FakeProcess {
    fn pid(&self) -> Option<u32> {
        None
    }

    fn interrupt(&mut self) -> io::Result<()> {
        self.signals.raise(|s| s.interrupted = true);
        Ok(())
    }

    /// The thread ends at its next statement, or when it next reads its
    /// input (the client closes that before it kills).
    fn kill(&mut self) -> io::Result<()> {
        self.signals.raise(|s| s.killed = true);
        Ok(())
    }

    fn try_wait(&mut self) -> io::Result<Option<ExitKind>> {
        match &self.thread {
            Some(thread) if !thread.is_finished() => Ok(None),
            _ => Ok(Some(self.join())),
        }
    }

    fn wait(&mut self) -> io::Result<ExitKind> {
        Ok(self.join())
    }
}

/// What the fake does after a message.
enum Flow {
    Go,
    Exit(ExitKind),
}

/// The fake worker's thread: reads frames, answers them.
struct FakeWorker {
    input: File,
    output: File,
    console: File,
    decoder: FrameDecoder,
    /// A whole frame the batch's halt check found buffered; read next.
    stashed: Option<frame::Frame>,
    /// The code the runtime counts as held, per cell: (hash, code,
    /// filename), as the real worker's compile cache (protocol version 4).
    held: BTreeMap<String, (String, String, String)>,
    /// How the last `run` ended, for a batch's `requires`.
    last_status: Option<CellStatus>,
    send_seq: u32,
    namespace: FakeNamespace,
    signals: Arc<Signals>,
    python_version: String,
}

/// A frame the fake could not take: the protocol says so and exits.
struct Refused {
    index: Option<u64>,
    seq: Option<u32>,
    check: String,
    message: String,
}

impl FakeWorker {
    fn serve(mut self) -> ExitKind {
        let status = self.serve_messages();
        if self.signals.lock().killed {
            ExitKind::Signal(SIGKILL)
        } else {
            status
        }
    }

    fn serve_messages(&mut self) -> ExitKind {
        let ready = FromWorker::Ready {
            protocol: u32::from(PROTOCOL_VERSION),
            weir_version: RUNTIME_VERSION.into(),
            python_version: self.python_version.clone(),
            python_executable: PROGRAM.into(),
            pid: 0,
        };
        if self.send(&ready).is_err() {
            return ExitKind::Code(1);
        }
        loop {
            let message = match self.next_message() {
                Ok(Some(message)) => message,
                // End of input between frames: the runtime went away.
                Ok(None) => return ExitKind::Code(0),
                Err(refused) => return self.refuse(refused),
            };
            if self.signals.lock().killed {
                return ExitKind::Signal(SIGKILL);
            }
            match self.dispatch(message) {
                Ok(Flow::Go) => {}
                Ok(Flow::Exit(status)) => return status,
                Err(refused) => return self.refuse(refused),
            }
        }
    }

    /// Every message the runtime sends, answered here.
    fn dispatch(&mut self, message: ToWorker) -> Result<Flow, Refused> {
        let flow = match message {
            ToWorker::Run {
                cell_id,
                name,
                code,
                filename_hint,
                delete,
            } => {
                let filename =
                    filename_hint.unwrap_or_else(|| format!("<cell {name} ({cell_id})>"));
                self.remove(&delete);
                self.run(&cell_id, &filename, &code)
            }
            ToWorker::RunBatch { entries } => self.run_batch(entries),
            // A halt that came after its batch ended: nothing to stop.
            ToWorker::Halt => Flow::Go,
            ToWorker::Delete { names, cells } => {
                // Private names never outlive their run here, so the cells'
                // kept names are always none; their held code goes.
                for cell in &cells {
                    self.held.remove(cell);
                }
                let names_removed = self.remove(&names);
                self.reply(&FromWorker::Deleted { names_removed })
            }
            ToWorker::Capture { cell_id, names, .. } => {
                let unpicklable = names
                    .into_iter()
                    .map(|name| Unpicklable {
                        name,
                        error: "the fake worker keeps no pickles".into(),
                    })
                    .collect();
                self.reply(&FromWorker::Captured {
                    cell_id,
                    values: Vec::new(),
                    unpicklable,
                })
            }
            ToWorker::Restore {
                cell_id, values, ..
            } => {
                self.skip_buffers(&values)?;
                let name = values.first().map(|v| v.name.clone()).unwrap_or_default();
                self.reply(&FromWorker::Restored {
                    cell_id,
                    names: Vec::new(),
                    error: Some(RestoreFailure {
                        name,
                        exc_type: "NotImplementedError".into(),
                        message: "the fake worker cannot restore values".into(),
                        file: false,
                    }),
                })
            }
            // The fake worker makes no elements: every id is unknown.
            ToWorker::SetUiValue { element_id, .. } => self.reply(&FromWorker::UiValueSet {
                element_id: element_id.clone(),
                accepted: false,
                error: Some(format!(
                    "no element {element_id}: the fake worker makes none"
                )),
                value: None,
                state: Vec::new(),
            }),
            ToWorker::Shutdown => Flow::Exit(ExitKind::Code(0)),
        };
        Ok(flow)
    }

    /// Removes names (dunder names are not the runtime's to remove);
    /// returns those that were there.
    fn remove(&mut self, names: &[String]) -> Vec<String> {
        let mut namespace = self.namespace.lock();
        names
            .iter()
            .filter(|name| !name.starts_with("__") && namespace.remove(*name).is_some())
            .cloned()
            .collect()
    }

    fn run(&mut self, cell_id: &str, filename: &str, code: &str) -> Flow {
        self.signals.lock().interrupted = false; // armed: earlier ones were ignored
        let start = Instant::now();
        if self
            .reply(&FromWorker::Started {
                cell_id: cell_id.into(),
            })
            .is_exit()
        {
            return Flow::Exit(ExitKind::Code(1));
        }
        let (status, output, error) = match parse(code) {
            Err((lineno, line)) => {
                let error = cell_error(
                    "SyntaxError",
                    "invalid syntax",
                    filename,
                    cell_id,
                    lineno,
                    &line,
                );
                (CellStatus::Error, None, Some(error))
            }
            Ok(program) => match self.execute(cell_id, filename, &program) {
                Ended::Done(status, output, error) => (status, output, error),
                Ended::Exit(code) => {
                    let note = format!("fake worker: exit({code})\n");
                    let _ = self.console.write_all(note.as_bytes());
                    return Flow::Exit(ExitKind::Code(code));
                }
                Ended::Killed => return Flow::Exit(ExitKind::Signal(SIGKILL)),
            },
        };
        self.last_status = Some(status);
        self.reply(&FromWorker::Done {
            cell_id: cell_id.into(),
            status,
            output,
            error,
            duration_ns: u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX),
            ui: Default::default(),
            state: Vec::new(),
            variables: None,
        })
    }

    fn execute(&mut self, cell_id: &str, filename: &str, program: &[Line]) -> Ended {
        // `_x` names: this run's only (the real worker renames them per
        // cell and frees them after the run).
        let mut private: BTreeMap<String, i64> = BTreeMap::new();
        let last = program.len().saturating_sub(1);
        for (i, line) in program.iter().enumerate() {
            {
                let signals = self.signals.lock();
                if signals.killed {
                    return Ended::Killed;
                }
                if signals.interrupted {
                    return Ended::Done(CellStatus::Interrupted, None, None);
                }
            }
            let fail = |kind: &str, message: String| {
                let error = cell_error(kind, &message, filename, cell_id, line.lineno, &line.text);
                Ended::Done(CellStatus::Error, None, Some(error))
            };
            match &line.stmt {
                Stmt::Pass => {}
                Stmt::Assign(name, expr) => match self.eval(expr, &private) {
                    Ok(value) if is_private(name) => {
                        private.insert(name.clone(), value);
                    }
                    Ok(value) => {
                        self.namespace.lock().insert(name.clone(), value);
                    }
                    Err((kind, message)) => return fail(kind, message),
                },
                Stmt::Print(expr) => match self.eval(expr, &private) {
                    Ok(value) => {
                        let text = format!("{value}\n");
                        let stream = FromWorker::Stream {
                            cell_id: Some(cell_id.into()),
                            name: StreamName::Stdout,
                            source: StreamSource::Python,
                            text,
                            hash: None,
                        };
                        if self.send(&stream).is_err() {
                            return Ended::Exit(1);
                        }
                    }
                    Err((kind, message)) => return fail(kind, message),
                },
                Stmt::Del(name) => {
                    let gone = if is_private(name) {
                        private.remove(name).is_some()
                    } else {
                        self.namespace.lock().remove(name).is_some()
                    };
                    if !gone {
                        return fail("NameError", name_error(name));
                    }
                }
                Stmt::Raise(kind) => {
                    return match kind {
                        Some(kind) => fail(kind, String::new()),
                        None => fail("RuntimeError", "No active exception to reraise".into()),
                    };
                }
                Stmt::Expr(expr) => match self.eval(expr, &private) {
                    Ok(value) if i == last => {
                        let mut bundle = MimeBundle::new();
                        bundle.insert("text/plain".into(), value.to_string().into());
                        return Ended::Done(CellStatus::Ok, Some(bundle), None);
                    }
                    Ok(_) => {}
                    Err((kind, message)) => return fail(kind, message),
                },
                Stmt::Spin => {
                    let signals = self.signals.lock();
                    let signals = self
                        .signals
                        .changed
                        .wait_while(signals, |s| !s.interrupted && !s.killed)
                        .unwrap_or_else(PoisonError::into_inner);
                    if signals.killed {
                        return Ended::Killed;
                    }
                    return Ended::Done(CellStatus::Interrupted, None, None);
                }
                Stmt::Exit(code) => return Ended::Exit(*code),
            }
        }
        Ended::Done(CellStatus::Ok, None, None)
    }

    fn eval(
        &self,
        expr: &[Term],
        private: &BTreeMap<String, i64>,
    ) -> Result<i64, (&'static str, String)> {
        let namespace = self.namespace.lock();
        let mut sum: i64 = 0;
        for term in expr {
            let value = match term {
                Term::Int(n) => *n,
                Term::Name(name) => {
                    let found = if is_private(name) {
                        private.get(name)
                    } else {
                        namespace.get(name)
                    };
                    *found.ok_or_else(|| ("NameError", name_error(name)))?
                }
            };
            sum = sum.checked_add(value).ok_or_else(|| {
                (
                    "OverflowError",
                    "the fake worker's integers are 64-bit".into(),
                )
            })?;
        }
        Ok(sum)
    }

    /// Reads and drops the buffers a `restore` announced as frames.
    fn skip_buffers(&mut self, values: &[RestoreValue]) -> Result<(), Refused> {
        for value in values {
            for buffer in &value.buffers {
                let RestoreBufferSpec::Frames(len) = buffer else {
                    continue;
                };
                let len = usize::try_from(*len).unwrap_or(usize::MAX);
                for _ in frame::split_ranges(len) {
                    match self.next_frame()? {
                        Some(f) if f.kind == FrameKind::Binary => {}
                        _ => {
                            return Err(Refused {
                                index: Some(
                                    u64::from(self.decoder.expected_seq()).saturating_sub(1),
                                ),
                                seq: None,
                                check: "kind".into(),
                                message: "expected a binary frame of a restore".into(),
                            });
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The next message, `None` at end of input between frames.
    fn next_message(&mut self) -> Result<Option<ToWorker>, Refused> {
        let Some(frame) = self.next_frame()? else {
            return Ok(None);
        };
        let index = Some(u64::from(frame.seq));
        let refused = |check: &str, message: String| Refused {
            index,
            seq: Some(frame.seq),
            check: check.into(),
            message,
        };
        if frame.kind != FrameKind::Json {
            return Err(refused(
                "kind",
                "a binary frame no message announced".into(),
            ));
        }
        let value: serde_json::Value =
            serde_json::from_slice(&frame.payload).map_err(|e| refused("json", e.to_string()))?;
        let kind = value
            .get("type")
            .and_then(|t| t.as_str())
            .unwrap_or_default()
            .to_owned();
        serde_json::from_value(value).map(Some).map_err(|e| {
            if KNOWN.contains(&kind.as_str()) {
                refused("message", format!("invalid {kind:?} message: {e}"))
            } else {
                refused("unknown_type", format!("unknown message type {kind:?}"))
            }
        })
    }

    fn next_frame(&mut self) -> Result<Option<frame::Frame>, Refused> {
        if let Some(frame) = self.stashed.take() {
            return Ok(Some(frame));
        }
        let mut buf = [0u8; 64 * 1024];
        loop {
            match self.decoder.next_frame() {
                Ok(Some(frame)) => return Ok(Some(frame)),
                Ok(None) => {}
                Err(e) => return Err(frame_refused(&e)),
            }
            match self.input.read(&mut buf) {
                Ok(0) => {
                    return match self.decoder.finish() {
                        Ok(()) => Ok(None),
                        Err(e) => Err(frame_refused(&e)),
                    };
                }
                Ok(n) => self.decoder.push(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Ok(None),
            }
        }
    }

    fn refuse(&mut self, refused: Refused) -> ExitKind {
        let _ = self.send(&FromWorker::ProtocolError {
            frame_index: refused.index,
            seq: refused.seq,
            check: refused.check,
            message: refused.message,
        });
        ExitKind::Code(EXIT_PROTOCOL_ERROR)
    }

    /// Sends a reply; a runtime that stopped reading ends the fake.
    fn reply(&mut self, message: &FromWorker) -> Flow {
        match self.send(message) {
            Ok(()) => Flow::Go,
            Err(_) => Flow::Exit(ExitKind::Code(1)),
        }
    }

    fn send(&mut self, message: &FromWorker) -> io::Result<()> {
        let payload = serde_json::to_vec(message).map_err(io::Error::other)?;
        let bytes =
            frame::encode(FrameKind::Json, self.send_seq, &payload).map_err(io::Error::other)?;
        self.output.write_all(&bytes)?;
        self.send_seq = self.send_seq.wrapping_add(1);
        Ok(())
    }
}

impl Flow {
    fn is_exit(&self) -> bool {
        matches!(self, Flow::Exit(_))
    }
}

/// The message types `ToWorker` has (an unknown one is refused as such).
const KNOWN: &[&str] = &[
    "run",
    "run_batch",
    "halt",
    "delete",
    "capture",
    "restore",
    "shutdown",
];

fn frame_refused(e: &frame::FrameError) -> Refused {
    let check = match e.check {
        frame::FrameCheck::Magic { .. } => "magic",
        frame::FrameCheck::HeaderCrc { .. } => "header_crc",
        frame::FrameCheck::Version { .. } => "version",
        frame::FrameCheck::Kind { .. } => "kind",
        frame::FrameCheck::Flags { .. } => "flags",
        frame::FrameCheck::Sequence { .. } => "sequence",
        frame::FrameCheck::Length { .. } => "length",
        frame::FrameCheck::PayloadCrc { .. } => "payload_crc",
        frame::FrameCheck::Truncated { .. } => "truncated",
    };
    Refused {
        index: Some(e.index),
        seq: e.seq,
        check: check.into(),
        message: e.to_string(),
    }
}

/// How a cell's execution ended.
enum Ended {
    Done(CellStatus, Option<MimeBundle>, Option<CellError>),
    Exit(i32),
    Killed,
}
