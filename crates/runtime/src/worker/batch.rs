//! Batched runs (protocol version 4): many cells in one request, with no
//! round trip between them, and the code the worker already holds not sent
//! again.
//!
//! The worker keeps one compiled program per cell id, keyed by a hash of
//! the code and its traceback filename; this side remembers which hash each
//! cell id holds there (a new worker holds nothing; a `delete` naming a
//! cell drops its entry on both sides), so the code crosses only when it
//! changed.

use std::collections::HashMap;
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use crate::error::WorkerError;
use crate::events::{CellOutcome, WorkerEvent};
use crate::message::{BatchEntry, Display, FromWorker, ToWorker};
use crate::pipes::Incoming;

use super::{Worker, stderr_event};

/// While a batch runs with nothing arriving, how often `halt` is asked.
const HALT_POLL: Duration = Duration::from_millis(2);

/// One cell of a batch as the scheduler hands it over; the worker client
/// decides whether its code must travel.
#[derive(Debug, Clone)]
pub struct BatchCell {
    pub cell_id: String,
    pub name: String,
    /// The pseudo-filename tracebacks show.
    pub filename: Option<String>,
    pub code: String,
    /// Names to remove before the cell runs or is skipped.
    pub delete: Vec<String>,
    /// Cell ids of earlier cells of this batch that must end `ok`.
    pub requires: Vec<String>,
    pub display: Option<Display>,
    /// Whether the code may use private `_x` names (see `has_private_names`).
    pub private: bool,
    /// Names to summarise after it runs (`CellOutcome::variables`); empty:
    /// none, and nothing is computed.
    pub summarize: Vec<String>,
}

/// What a batch reports as it goes.
#[derive(Debug)]
pub enum BatchEvent {
    Event(WorkerEvent),
    Done(CellOutcome),
}

/// How a batch ended: `ran` cells were run or skipped, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchEnd {
    pub ran: usize,
    /// It stopped early because of `halt`.
    pub halted: bool,
    /// Cells the worker compiled (the rest came from its cache).
    pub compiled: usize,
}

/// Counters over a worker's life, for tests and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchStats {
    pub batches: u64,
    /// Entries whose code was sent.
    pub code_sent: u64,
    /// Entries sent without code (the worker held it).
    pub code_reused: u64,
    /// Entries the worker compiled.
    pub compiled: u64,
}

/// What the worker holds: cell id -> code hash.
#[derive(Debug, Default)]
pub(crate) struct Held {
    pub(crate) code: HashMap<String, String>,
    pub(crate) stats: BatchStats,
}

fn code_hash(code: &str, filename: Option<&str>) -> String {
    let mut h = blake3::Hasher::new();
    h.update(filename.unwrap_or("").as_bytes());
    h.update(b"\0");
    h.update(code.as_bytes());
    h.finalize().to_hex()[..32].to_owned()
}

impl Worker {
    /// Counters of batched runs and the compile cache.
    pub fn batch_stats(&self) -> BatchStats {
        self.held.stats
    }

    /// Run cells in order in one request. A cell whose `requires` did not
    /// all end `ok` is skipped by the worker (after its `delete`), with no
    /// message: the caller knows the statuses and derives it. Events
    /// arrive as they happen; `halt` is asked between messages (and every
    /// few milliseconds while none arrives): once it says yes, the worker
    /// is told to stop before its next cell.
    pub fn run_batch(
        &mut self,
        cells: Vec<BatchCell>,
        mut halt: impl FnMut() -> bool,
        on_event: &mut dyn FnMut(BatchEvent),
    ) -> Result<BatchEnd, WorkerError> {
        let mut entries = Vec::with_capacity(cells.len());
        for cell in cells {
            let hash = code_hash(&cell.code, cell.filename.as_deref());
            let send = self.held.code.get(&cell.cell_id) != Some(&hash);
            if send {
                self.held.code.insert(cell.cell_id.clone(), hash.clone());
                self.held.stats.code_sent += 1;
            } else {
                self.held.stats.code_reused += 1;
            }
            entries.push(BatchEntry {
                cell_id: cell.cell_id,
                name: cell.name,
                filename_hint: cell.filename,
                code: send.then_some(cell.code),
                code_hash: hash,
                delete: cell.delete,
                requires: cell.requires,
                display: if send { cell.display } else { None },
                private: send && cell.private,
                summarize: cell.summarize,
            });
        }
        self.held.stats.batches += 1;
        for event in self.strays.drain(..) {
            on_event(BatchEvent::Event(event));
        }
        let request = ToWorker::RunBatch { entries };
        self.send(&request, None, &mut |e| on_event(BatchEvent::Event(e)))?;
        let mut running: Option<String> = None;
        let mut halt_sent = false;
        loop {
            let msg = self.next_message_within(
                running.as_deref(),
                &mut |e| on_event(BatchEvent::Event(e)),
                if halt_sent { None } else { Some(HALT_POLL) },
            )?;
            if !halt_sent && halt() {
                self.send(&ToWorker::Halt, running.as_deref(), &mut |e| {
                    on_event(BatchEvent::Event(e))
                })?;
                halt_sent = true;
            }
            let Some(msg) = msg else { continue };
            match msg {
                FromWorker::Started { cell_id } => {
                    running = Some(cell_id.clone());
                    on_event(BatchEvent::Event(WorkerEvent::Started { cell_id }));
                }
                FromWorker::Stream {
                    cell_id,
                    name,
                    source,
                    text,
                    hash,
                } => on_event(BatchEvent::Event(WorkerEvent::Stream {
                    cell_id,
                    name,
                    source,
                    text,
                    hash,
                })),
                FromWorker::Output {
                    cell_id,
                    action,
                    output,
                    at,
                } => on_event(BatchEvent::Event(WorkerEvent::Output {
                    cell_id,
                    action,
                    output,
                    at,
                })),
                FromWorker::Done {
                    cell_id,
                    status,
                    output,
                    error,
                    duration_ns,
                    ui,
                    state,
                    variables,
                } if running.as_deref() == Some(cell_id.as_str()) => {
                    running = None;
                    on_event(BatchEvent::Done(CellOutcome {
                        cell_id,
                        status,
                        output,
                        error,
                        duration: Duration::from_nanos(duration_ns),
                        ui: crate::message::CellUi::boxed(ui, state),
                        variables,
                    }));
                }
                FromWorker::BatchDone {
                    ran,
                    halted,
                    compiled,
                } if running.is_none() => {
                    self.held.stats.compiled += compiled as u64;
                    return Ok(BatchEnd {
                        ran,
                        halted,
                        compiled,
                    });
                }
                other => return Err(self.unexpected("done or batch_done", &other)),
            }
        }
    }

    /// The next protocol message, or `None` when `wait` passed first or a
    /// line of the worker's stderr came instead (delivered to `on_event`),
    /// so the caller can look at its halt flag.
    fn next_message_within(
        &mut self,
        running: Option<&str>,
        on_event: &mut dyn FnMut(WorkerEvent),
        wait: Option<Duration>,
    ) -> Result<Option<FromWorker>, WorkerError> {
        let incoming = match self.pending.pop_front() {
            Some(incoming) => incoming,
            None => match wait {
                None => self.rx.recv().unwrap_or(Incoming::Eof),
                Some(wait) => match self.rx.recv_timeout(wait) {
                    Ok(incoming) => incoming,
                    Err(RecvTimeoutError::Timeout) => return Ok(None),
                    Err(RecvTimeoutError::Disconnected) => Incoming::Eof,
                },
            },
        };
        if let Incoming::StderrLine(text) = incoming {
            on_event(stderr_event(running, text));
            return Ok(None);
        }
        self.pending.push_front(incoming);
        self.next_message(running, on_event).map(Some)
    }

    /// A `delete` naming cells drops their programs in the worker too.
    pub(crate) fn forget_code(&mut self, cells: &[String]) {
        for cell in cells {
            self.held.code.remove(cell);
        }
    }
}

/// Whether `code` may contain a private name (`_x`, `_`, `__`, not a
/// `__dunder__` or `__x`): any identifier-like token so spelled, in
/// strings and comments too. A false yes only costs the parsing path.
pub fn has_private_names(code: &str) -> bool {
    let bytes = code.as_bytes();
    let ident = |b: u8| b == b'_' || b.is_ascii_alphanumeric() || b >= 0x80;
    let mut i = 0;
    while i < bytes.len() {
        if !ident(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && ident(bytes[i]) {
            i += 1;
        }
        let token = &bytes[start..i];
        if token[0] == b'_' && (token.len() == 1 || token[1] != b'_' || token.len() == 2) {
            return true;
        }
    }
    false
}

/// Where the final expression statement (the analysis' byte range) is,
/// as the worker needs it: character offsets for slicing a Python string,
/// and the line and byte column CPython will report.
pub fn display_of(code: &str, range: Option<(usize, usize)>) -> Option<Display> {
    let (start, end) = range?;
    let prefix = code.get(..start)?;
    code.get(start..end)?;
    let bytes = prefix.as_bytes();
    let mut line = 1;
    let mut line_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let brk = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
        if brk {
            line += 1;
            line_start = i + 1;
        }
    }
    let (start_chars, end_chars) = if code.is_ascii() {
        (start, end)
    } else {
        let s = prefix.chars().count();
        (s, s + code[start..end].chars().count())
    };
    Some(Display {
        start: start_chars,
        end: end_chars,
        line,
        column: start - line_start,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_names_are_found_conservatively() {
        assert!(has_private_names("_x = 1"));
        assert!(has_private_names("for _ in range(3): pass"));
        assert!(has_private_names("__ = 1"));
        assert!(has_private_names("s = '_in a string'"));
        assert!(!has_private_names(
            "x = __name__\nclass A:\n    def __init__(self): pass"
        ));
        assert!(!has_private_names("x_1 = 1_000 + y__z"));
    }

    #[test]
    fn display_counts_lines_as_python_does() {
        let d = display_of("x = 1\r\ny = 2; é\n", Some((14, 16))).unwrap();
        assert_eq!((d.line, d.column), (2, 7));
        assert_eq!((d.start, d.end), (14, 15));
        let d = display_of("a\rb", Some((2, 3))).unwrap();
        assert_eq!((d.line, d.column, d.start), (2, 0, 2));
        assert_eq!(display_of("x", None), None);
    }
}
