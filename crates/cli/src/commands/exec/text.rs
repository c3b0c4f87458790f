//! The human-readable `weir exec` output.
//!
//! A printer thread owns the terminal, fed by the kernel's events, so it
//! can also act when nothing happens: redraw the progress line's clock and
//! switch a slow cell's output to live.
//!
//! A cell's console text is held until the cell ends, so the header can
//! carry its status ("── cell 2 `_` ─ ok 3 ms", then the text). A cell that
//! runs longer than `LIVE_AFTER` (or prints a lot) goes live instead: a
//! "running" header, its text as it arrives, and a closing header with the
//! status.

use std::io::{self, IsTerminal, Write};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use weir_runtime::kernel::{CellView, EventBody, KernelSnapshot};
use weir_runtime::{CellError, MimeBundle, StreamName};

use super::render;

/// How long a cell's text is held back to print it under its final header.
const LIVE_AFTER: Duration = Duration::from_secs(1);
/// Held text beyond this goes live at once.
const MAX_HELD: usize = 64 * 1024;
/// How often the progress line's clock is redrawn.
const TICK: Duration = Duration::from_millis(100);

enum Msg {
    Started {
        id: u32,
        index: usize,
        name: String,
        since: Instant,
    },
    Stream {
        stream: StreamName,
        text: String,
    },
    Done(Box<Done>),
    End {
        summary: String,
    },
}

/// A finished or skipped cell, owned so it can cross to the printer.
struct Done {
    header: String,
    outputs: Vec<MimeBundle>,
    error: Option<CellError>,
}

pub struct TextPrinter {
    tx: Sender<Msg>,
    thread: Option<JoinHandle<()>>,
    progress: bool,
    /// A cell's start, held back until it matters to the printer: without
    /// a progress line, only a cell that prints needs it before its end.
    /// One wake-up of the printer per cell instead of two, for the common
    /// cell that prints nothing.
    started: std::cell::RefCell<Option<Msg>>,
}

impl TextPrinter {
    /// `total`: the number of cells; the run covers them all. The
    /// progress line is drawn only when stderr is a terminal.
    pub fn start(total: usize) -> io::Result<Self> {
        let (tx, rx) = channel();
        let progress = io::stderr().is_terminal();
        let thread = std::thread::Builder::new()
            .name("weir-exec-printer".into())
            .spawn(move || Printer::new(total, progress).serve(rx))?;
        Ok(TextPrinter {
            tx,
            thread: Some(thread),
            progress,
            started: std::cell::RefCell::new(None),
        })
    }

    /// One kernel event, and the state it led to.
    pub fn event(&self, body: &EventBody, state: &KernelSnapshot) {
        let position = |id: u32| state.cells.iter().position(|c| c.meta.id == id);
        let msg = match body {
            EventBody::Started { id } => {
                let Some(index) = position(*id) else { return };
                let started = Msg::Started {
                    id: *id,
                    index,
                    name: state.cells[index].meta.name.clone(),
                    since: Instant::now(),
                };
                if !self.progress {
                    *self.started.borrow_mut() = Some(started);
                    return;
                }
                started
            }
            // Live console text: the running cell's, a finished cell's
            // thread's, the notebook's own console; printed as it comes.
            EventBody::Stream { stream, text, .. } | EventBody::Console { stream, text, .. } => {
                self.send_started(None);
                Msg::Stream {
                    stream: *stream,
                    text: text.clone(),
                }
            }
            EventBody::Finished { id, .. } | EventBody::Skipped { id, .. } => {
                let Some(index) = position(*id) else { return };
                self.send_started(Some(*id));
                Msg::Done(Box::new(done(index, &state.cells[index])))
            }
            _ => return,
        };
        self.send(msg);
    }

    /// Sends the held start of a cell, unless it is `ending`'s own: the
    /// printer then learns of that cell at its end, as it needs no more.
    fn send_started(&self, ending: Option<u32>) {
        let held = self.started.borrow_mut().take();
        match held {
            Some(Msg::Started { id, .. }) if Some(id) == ending => {}
            Some(started) => self.send(started),
            None => {}
        }
    }

    fn send(&self, msg: Msg) {
        // The printer only stops after `End`; a send error means it
        // panicked, and there is nobody left to print for.
        let _ = self.tx.send(msg);
    }

    /// Print the summary, clear the progress line, wait for the printer.
    pub fn finish(mut self, summary: String) {
        let _ = self.tx.send(Msg::End { summary });
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn done(index: usize, run: &CellView) -> Done {
    Done {
        header: render::header(index, run),
        outputs: run.outputs.clone(),
        error: run.error.clone(),
    }
}

/// The running cell, as far as printing is concerned.
struct Running {
    label: String,
    since: Instant,
    held: Vec<(StreamName, String)>,
    held_bytes: usize,
    live: bool,
}

struct Printer {
    total: usize,
    done: usize,
    progress: bool,
    progress_shown: bool,
    started: Instant,
    running: Option<Running>,
    /// Whether our stdout / stderr last ended a line.
    out_at_start: bool,
    err_at_start: bool,
}

impl Printer {
    fn new(total: usize, progress: bool) -> Self {
        Printer {
            total,
            done: 0,
            progress,
            progress_shown: false,
            started: Instant::now(),
            running: None,
            out_at_start: true,
            err_at_start: true,
        }
    }

    fn serve(mut self, rx: Receiver<Msg>) {
        loop {
            let msg = if self.progress || self.running.as_ref().is_some_and(|r| !r.live) {
                match rx.recv_timeout(TICK) {
                    Ok(msg) => msg,
                    Err(RecvTimeoutError::Timeout) => {
                        self.tick();
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            } else {
                match rx.recv() {
                    Ok(msg) => msg,
                    Err(_) => return,
                }
            };
            match msg {
                Msg::Started {
                    index, name, since, ..
                } => {
                    self.running = Some(Running {
                        label: render::label(index, &name),
                        since,
                        held: Vec::new(),
                        held_bytes: 0,
                        live: false,
                    });
                    self.draw_progress();
                }
                Msg::Stream { stream, text } => self.stream(stream, text),
                Msg::Done(done) => {
                    self.cell_done(*done);
                    self.done += 1;
                    self.draw_progress();
                }
                Msg::End { summary } => {
                    self.clear_progress();
                    self.end_lines();
                    outln!("{summary}");
                    let _ = io::stdout().flush();
                    return;
                }
            }
        }
    }

    fn tick(&mut self) {
        let go_live = self
            .running
            .as_ref()
            .is_some_and(|r| !r.live && !r.held.is_empty() && r.since.elapsed() >= LIVE_AFTER);
        if go_live {
            self.go_live();
        }
        self.draw_progress();
    }

    fn stream(&mut self, stream: StreamName, text: String) {
        let Some(running) = self.running.as_mut() else {
            return self.write(stream, &text);
        };
        if running.live {
            return self.write(stream, &text);
        }
        running.held_bytes += text.len();
        running.held.push((stream, text));
        if running.held_bytes > MAX_HELD || running.since.elapsed() >= LIVE_AFTER {
            self.go_live();
        }
    }

    fn go_live(&mut self) {
        let Some(running) = self.running.as_mut() else {
            return;
        };
        running.live = true;
        let held = std::mem::take(&mut running.held);
        let line = format!("── {} ─ running", running.label);
        self.clear_progress();
        self.end_lines();
        outln!("{line}");
        for (stream, text) in held {
            self.write(stream, &text);
        }
        self.draw_progress();
    }

    fn cell_done(&mut self, done: Done) {
        let held = match self.running.take() {
            Some(r) if !r.live => r.held,
            _ => Vec::new(),
        };
        self.clear_progress();
        self.end_lines();
        outln!("{}", done.header);
        self.out_at_start = true;
        for (stream, text) in held {
            self.write(stream, &text);
        }
        self.end_lines();
        for output in &done.outputs {
            let text = render::bundle_text(output);
            if !text.is_empty() {
                outln!("{}", text.trim_end_matches('\n'));
            }
        }
        if let Some(error) = &done.error {
            if error.traceback.is_empty() {
                outln!("{}: {}", error.exc_type, error.message);
            } else {
                out!("{}", error.traceback);
                if !error.traceback.ends_with('\n') {
                    outln!();
                }
            }
        }
        let _ = io::stdout().flush();
    }

    /// Cell text: stdout to our stdout, stderr to our stderr, as
    /// `python nb.py` would print them.
    fn write(&mut self, stream: StreamName, text: &str) {
        if text.is_empty() {
            return;
        }
        self.clear_progress();
        let at_start = text.ends_with('\n');
        match stream {
            StreamName::Stdout => {
                let mut out = io::stdout().lock();
                let _ = out.write_all(text.as_bytes());
                let _ = out.flush();
                self.out_at_start = at_start;
            }
            StreamName::Stderr => {
                // Keep the two streams in order on a shared terminal.
                let _ = io::stdout().flush();
                let mut err = io::stderr().lock();
                let _ = err.write_all(text.as_bytes());
                let _ = err.flush();
                self.err_at_start = at_start;
            }
        }
    }

    /// Finish a partial line a cell left, so the next header starts a line.
    fn end_lines(&mut self) {
        if !self.out_at_start {
            outln!();
            self.out_at_start = true;
        }
        if !self.err_at_start {
            eprintln!();
            self.err_at_start = true;
        }
    }

    fn draw_progress(&mut self) {
        if !self.progress {
            return;
        }
        let mut line = format!(
            "{}/{} cells · {}",
            self.done,
            self.total,
            render::duration(self.started.elapsed())
        );
        if let Some(running) = &self.running {
            let mut label = running.label.clone();
            if label.chars().count() > 40 {
                label = label.chars().take(39).collect::<String>() + "…";
            }
            line = format!("{line} · running {label}");
        }
        let mut err = io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
        self.progress_shown = true;
    }

    fn clear_progress(&mut self) {
        if self.progress_shown {
            let mut err = io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.progress_shown = false;
        }
    }
}
