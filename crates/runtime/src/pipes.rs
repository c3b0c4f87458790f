//! The one thread that reads from a worker: it polls the protocol pipe (the
//! worker's stdout) and the worker's console, its stderr, together
//! (`poll(2)`; a launcher may give no console), decodes
//! frames, and routes what it reads.
//!
//! Everything goes into one bounded channel that the `Worker` drains while
//! it waits for a reply, except *unsolicited* output when a sink is set
//! (see [`crate::worker::UnsolicitedSink`]): a `stream` message that is not
//! for the cell the worker is running (text from a finished cell's thread or
//! child process, or the notebook's own console), and stderr lines while no
//! cell runs. Which cell runs is read off the same ordered stream
//! (`started` .. `done`), so the routing needs no lock and cannot race.
//!
//! The bound is the back-pressure that keeps memory flat: when the runtime
//! does not keep up, this thread blocks, the pipes fill, and the worker's
//! writes wait, so a cell printing 100 MB is never held in memory at once.

use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

use crate::error::WorkerError;
use crate::events::{StreamSource, WorkerEvent};
use crate::frame::{FrameDecoder, FrameKind};
use crate::message::{FromWorker, StreamName};
use crate::worker::UnsolicitedSink;

/// Bytes read from the protocol pipe per `read` call.
const READ_CHUNK: usize = 1024 * 1024;
/// Longest stderr "line" forwarded in one event; longer lines are split.
const MAX_LINE: usize = 64 * 1024;
/// Messages in flight between the I/O thread and the runtime.
pub(crate) const CHANNEL_BOUND: usize = 64;

/// The sink as the I/O thread sees it: settable after the worker started.
pub(crate) type SharedSink = Arc<Mutex<Option<UnsolicitedSink>>>;

/// What the I/O thread hands to the `Worker`.
#[derive(Debug)]
pub(crate) enum Incoming {
    Message(FromWorker),
    /// A binary frame's payload (a buffer announced by `captured`).
    Binary(Vec<u8>),
    /// Bytes from the worker's own stderr (the interpreter's fatal output),
    /// split at newlines (lossy UTF-8).
    StderrLine(String),
    /// A frame or message check failed; protocol reading has stopped.
    Bad(WorkerError),
    /// The protocol pipe closed cleanly between frames.
    Eof,
}

/// Start the I/O thread over a worker's protocol read end and (when it has
/// one) its console read end.
pub(crate) fn spawn_io<P, E>(
    protocol: P,
    console: Option<E>,
    tx: SyncSender<Incoming>,
    sink: SharedSink,
) -> io::Result<thread::JoinHandle<()>>
where
    P: Read + AsRawFd + Send + 'static,
    E: Read + AsRawFd + Send + 'static,
{
    thread::Builder::new()
        .name("weir-worker-io".into())
        .spawn(move || {
            let mut io = Io {
                tx,
                sink,
                ready: false,
                running: None,
                decoder: FrameDecoder::new(),
                line: Vec::new(),
            };
            io.serve(protocol, console);
        })
}

struct Io {
    tx: SyncSender<Incoming>,
    sink: SharedSink,
    /// `ready` was read: before it, everything (startup stderr above all)
    /// goes to the channel, for the startup error.
    ready: bool,
    /// The cell between its `started` and its `done`, as read here.
    running: Option<String>,
    decoder: FrameDecoder,
    line: Vec<u8>,
}

/// Whether the thread goes on.
enum Flow {
    Go,
    Stop,
}

impl Io {
    fn serve<P: Read + AsRawFd, E: Read + AsRawFd>(
        &mut self,
        mut protocol: P,
        mut stderr: Option<E>,
    ) {
        let mut buf = vec![0u8; READ_CHUNK];
        let mut protocol_open = true;
        let mut stderr_open = stderr.is_some();
        while protocol_open || stderr_open {
            let mut fds = [
                poll_fd(protocol_open.then(|| protocol.as_raw_fd())),
                poll_fd(
                    stderr
                        .as_ref()
                        .filter(|_| stderr_open)
                        .map(|e| e.as_raw_fd()),
                ),
            ];
            // SAFETY: two valid pollfd structs; a negative fd is ignored.
            let rc = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
            if rc < 0 {
                if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                let _ = self
                    .tx
                    .send(Incoming::Bad(io::Error::last_os_error().into()));
                return;
            }
            // The protocol's frames first, then stderr, then the protocol's
            // end: a worker writes a cell's `started` before any of that
            // cell's last words, so both arriving in one round must keep
            // that order (the text belongs to the cell it names as
            // running), and a dying worker's last words still come before
            // the end of stream that reports its death.
            let mut eof = None;
            if protocol_open && fds[0].revents != 0 {
                match read_some(&mut protocol, &mut buf) {
                    Ok(0) => {
                        protocol_open = false;
                        let last = match self.decoder.finish() {
                            Ok(()) => Incoming::Eof,
                            Err(e) => Incoming::Bad(e.into()),
                        };
                        eof = Some(last);
                    }
                    Ok(n) => {
                        self.decoder.push(&buf[..n]);
                        if let Flow::Stop = self.frames() {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = self.tx.send(Incoming::Bad(e.into()));
                        return;
                    }
                }
            }
            if let Some(stderr) = stderr
                .as_mut()
                .filter(|_| stderr_open && fds[1].revents != 0)
            {
                match read_some(stderr, &mut buf[..MAX_LINE]) {
                    Ok(0) | Err(_) => {
                        stderr_open = false;
                        if !self.line.is_empty() {
                            let line = std::mem::take(&mut self.line);
                            if let Flow::Stop = self.stderr_line(line) {
                                return;
                            }
                        }
                    }
                    Ok(n) => {
                        if let Flow::Stop = self.stderr_bytes(&buf[..n]) {
                            return;
                        }
                    }
                }
            }
            if let Some(last) = eof {
                let _ = self.tx.send(last);
            }
        }
    }

    fn frames(&mut self) -> Flow {
        loop {
            let item = match self.decoder.next_frame() {
                Ok(None) => return Flow::Go,
                Ok(Some(frame)) if frame.kind == FrameKind::Binary => {
                    Incoming::Binary(frame.payload)
                }
                Ok(Some(frame)) => match FromWorker::decode(&frame.payload) {
                    Ok(msg) => match self.route(msg) {
                        Some(msg) => Incoming::Message(msg),
                        None => continue,
                    },
                    Err(error) => Incoming::Bad(WorkerError::Message {
                        index: u64::from(frame.seq),
                        seq: frame.seq,
                        error,
                    }),
                },
                Err(e) => Incoming::Bad(e.into()),
            };
            let stop = matches!(item, Incoming::Bad(_));
            if self.tx.send(item).is_err() || stop {
                return Flow::Stop; // the Worker is gone, or the stream is unusable
            }
        }
    }

    /// Keeps track of the running cell; hands unsolicited streams to the
    /// sink (returning `None`) when there is one.
    fn route(&mut self, msg: FromWorker) -> Option<FromWorker> {
        match &msg {
            FromWorker::Ready { .. } => self.ready = true,
            FromWorker::Started { cell_id } => self.running = Some(cell_id.clone()),
            FromWorker::Done { .. } => self.running = None,
            FromWorker::Stream { cell_id, .. }
                if self.running.is_none() || *cell_id != self.running =>
            {
                if let Some(sink) = self.sink() {
                    let FromWorker::Stream {
                        cell_id,
                        name,
                        source,
                        text,
                        hash,
                    } = msg
                    else {
                        unreachable!("matched above")
                    };
                    (sink.0)(WorkerEvent::Stream {
                        cell_id,
                        name,
                        source,
                        text,
                        hash,
                    });
                    return None;
                }
            }
            _ => {}
        }
        Some(msg)
    }

    fn sink(&self) -> Option<UnsolicitedSink> {
        if !self.ready {
            return None;
        }
        self.sink
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn stderr_bytes(&mut self, mut bytes: &[u8]) -> Flow {
        while !bytes.is_empty() {
            let room = MAX_LINE - self.line.len();
            let take = match bytes.iter().take(room).position(|&b| b == b'\n') {
                Some(i) => i + 1,
                None => bytes.len().min(room),
            };
            self.line.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.line.ends_with(b"\n") || self.line.len() >= MAX_LINE {
                let line = std::mem::take(&mut self.line);
                if let Flow::Stop = self.stderr_line(line) {
                    return Flow::Stop;
                }
            }
        }
        Flow::Go
    }

    /// A line of the worker's own stderr: the running cell's when one runs
    /// (a crash report), else the notebook console's.
    fn stderr_line(&mut self, line: Vec<u8>) -> Flow {
        let text = String::from_utf8_lossy(&line).into_owned();
        if self.running.is_none()
            && let Some(sink) = self.sink()
        {
            (sink.0)(WorkerEvent::Stream {
                cell_id: None,
                name: StreamName::Stderr,
                source: StreamSource::Fd,
                text,
                hash: None,
            });
            return Flow::Go;
        }
        match self.tx.send(Incoming::StderrLine(text)) {
            Ok(()) => Flow::Go,
            Err(_) => Flow::Stop,
        }
    }
}

fn poll_fd(fd: Option<std::os::fd::RawFd>) -> libc::pollfd {
    libc::pollfd {
        fd: fd.unwrap_or(-1),
        events: libc::POLLIN,
        revents: 0,
    }
}

fn read_some<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}
