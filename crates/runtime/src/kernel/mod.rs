//! The kernel: one thread that owns a [`Session`] and serves any number of
//! clients for as long as a notebook is open.
//!
//! - **One owner, one inbox.** Every request is a [`Command`] sent through
//!   a [`KernelHandle`] (cheap to clone, usable from any thread); sending
//!   never blocks. The kernel takes commands between cells: a command that
//!   arrives while a cell runs makes the run stop before its next cell, the
//!   kernel applies every waiting command, then plans again. So an edit to
//!   a queued cell is picked up before it runs, and an edit to the running
//!   cell marks it stale when it ends (and, in autorun, runs it again).
//! - **Changes are data; running is separate.** A `Change` is applied to
//!   the project and graph and reports what became stale. In
//!   [`RunMode::Autorun`] the stale cells are queued at once; in
//!   [`RunMode::Lazy`] they are only marked, until `RunStale`.
//! - **Interrupts do not queue.** [`KernelHandle::interrupt`] signals the
//!   running cell directly, then tells the kernel to drop the rest of its
//!   plan.
//! - **Events are owned, numbered values** ([`KernelEvent`]), delivered to
//!   every subscriber; [`KernelHandle::connect`] returns a snapshot and a
//!   subscription that starts exactly after it (see `hub.rs`).
//! - **Output between runs is published as it comes.** The session's
//!   worker hands text a finished cell's thread or child process writes
//!   (and the notebook's own console) straight to the hub from its I/O
//!   thread, so it reaches subscribers while the kernel is idle too
//!   (`Stream` for its origin cell, or `Console`).

mod batch;
mod edit;
mod event;
mod graph;
mod hub;
mod restore;
mod ui;

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use weir_graph::CellId;
use weir_project::{Applied, Change, ChangeError};

use crate::events::WorkerEvent;
use crate::message::VariableSummary;
use crate::scheduler::{RunReport, Session, SessionError, SessionEvent, SessionInterrupter};
use crate::worker::UnsolicitedSink;

pub use batch::ReportReceiver;
pub use edit::{EditError, OptionsPatch, Saved};
pub use event::{
    CellGraph, CellMeta, CellView, EventBody, GraphFacts, KernelEvent, KernelSnapshot, RunMode,
};
pub use hub::{Delivery, Subscription};
pub use ui::{UiRefusal, UiReply};

use event::id_of;
use hub::Hub;
use restore::Restoring;

/// A subscriber this many events behind is told to resynchronise.
pub const DEFAULT_SUBSCRIBER_LIMIT: usize = 10_000;

/// How a kernel starts.
#[derive(Debug, Clone)]
pub struct KernelConfig {
    pub mode: RunMode,
    /// Events queued for one subscriber before it must resynchronise.
    pub subscriber_limit: usize,
    /// Where cells' last outputs are kept: shown on open, written when a
    /// cell finishes (`restore.rs`). `None`: neither.
    pub snapshots: Option<crate::snapshots::Snapshots>,
    /// Summarise the names each run cell defines (`Variables` events) for
    /// an editor's variables panel. Off for batch clients: it costs the
    /// worker a `repr` per name.
    pub variables: bool,
}

impl Default for KernelConfig {
    fn default() -> Self {
        KernelConfig {
            mode: RunMode::Autorun,
            subscriber_limit: DEFAULT_SUBSCRIBER_LIMIT,
            snapshots: None,
            variables: false,
        }
    }
}

/// What a client asks of the kernel.
#[derive(Debug)]
pub enum Command {
    /// Apply a change; the result also goes to `reply` when given.
    Change {
        change: Change,
        reply: Option<mpsc::Sender<Result<Applied, ChangeError>>>,
    },
    /// Run these cells, their descendants, and their stale ancestors.
    Run(Vec<CellId>),
    /// [`Command::Run`], but a persisted cell among these is recomputed
    /// (and stored again) instead of restored from the store.
    Recompute(Vec<CellId>),
    /// Run every stale cell.
    RunStale,
    /// Run every cell.
    RunAll,
    SetMode(RunMode),
    /// Drop the rest of the plan (sent by [`KernelHandle::interrupt`] after
    /// it has signalled the running cell).
    DropPlan,
    /// Replace the worker with a fresh one.
    RestartWorker,
    /// Replace a cell's code only if its version is still `base_version`
    /// (the client edited what is current); else answer with the current
    /// code and version.
    SetCodeAt {
        cell: CellId,
        code: String,
        base_version: u64,
        reply: mpsc::Sender<Result<Applied, EditError>>,
    },
    /// Change some of a cell's options, keeping the rest as they are now.
    PatchOptions {
        cell: CellId,
        patch: OptionsPatch,
        reply: mpsc::Sender<Result<Applied, ChangeError>>,
    },
    /// Save the notebook through the project's atomic writer (refused when
    /// the file changed on disk since it was loaded, unless `overwrite`).
    Save {
        path: std::path::PathBuf,
        overwrite: bool,
        reply: mpsc::Sender<Result<Saved, weir_project::SaveError>>,
    },
    /// Answer with the notebook's source as it would be saved now.
    Source(mpsc::Sender<String>),
    /// Answer with the sequence number of the next `Idle` event: once every
    /// command sent before this one is handled and nothing is left to run.
    WhenIdle(mpsc::Sender<u64>),
    /// Run every cell as one uninterrupted run and answer with its report
    /// (for batch clients: `weir exec`, `verify`, `export`). Commands sent
    /// meanwhile wait for the run to end, so it is never split; an
    /// interrupt still stops it. See `batch.rs`.
    RunAllReport(mpsc::Sender<Result<RunReport, SessionError>>),
    /// A value a person set on an element (`weir.ui`): applied between
    /// cells, the latest per element winning over any still waiting; the
    /// cells reading the element then run (see `ui.rs`). `reply` gets
    /// `Err(why)` when it was refused (an element made afresh since, an
    /// invalid value).
    SetUiValue {
        element_id: String,
        value: serde_json::Value,
        reply: Option<UiReply>,
    },
    Shutdown,
}

/// A client's way in. Clone it freely; when the last handle is dropped the
/// kernel shuts down and its worker ends.
#[derive(Clone)]
pub struct KernelHandle {
    inbox: mpsc::Sender<Command>,
    /// Set on every send: the running plan stops before its next cell.
    command_waiting: Arc<AtomicBool>,
    hub: Arc<Hub>,
    interrupter: SessionInterrupter,
    thread: Arc<Mutex<Option<JoinHandle<()>>>>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KernelError {
    #[error("the kernel has shut down")]
    ShutDown,
}

impl KernelHandle {
    /// Queues a command. Never blocks.
    pub fn send(&self, command: Command) -> Result<(), KernelError> {
        self.command_waiting.store(true, Ordering::SeqCst);
        self.inbox.send(command).map_err(|_| KernelError::ShutDown)
    }

    /// Queues a change; the returned receiver gets its result when the
    /// kernel has applied it (between cells).
    pub fn change(
        &self,
        change: Change,
    ) -> Result<mpsc::Receiver<Result<Applied, ChangeError>>, KernelError> {
        let (reply, receiver) = mpsc::channel();
        self.send(Command::Change {
            change,
            reply: Some(reply),
        })?;
        Ok(receiver)
    }

    /// Waits until every command sent before has been handled and nothing
    /// is left to run; returns the sequence number of that `Idle` event.
    pub fn wait_idle(&self) -> Result<u64, KernelError> {
        let (reply, receiver) = mpsc::channel();
        self.send(Command::WhenIdle(reply))?;
        receiver.recv().map_err(|_| KernelError::ShutDown)
    }

    /// Stops the running cell now and drops the rest of the plan.
    pub fn interrupt(&self) -> Result<(), KernelError> {
        self.interrupter.interrupt();
        self.send(Command::DropPlan)
    }

    /// The current state and every event after it, with no gap.
    pub fn connect(&self) -> (KernelSnapshot, Subscription) {
        self.hub.connect(None)
    }

    /// [`KernelHandle::connect`] with this subscriber's own queue limit
    /// (instead of [`KernelConfig::subscriber_limit`]).
    pub fn connect_with_limit(&self, limit: usize) -> (KernelSnapshot, Subscription) {
        self.hub.connect(Some(limit))
    }

    pub fn snapshot(&self) -> KernelSnapshot {
        self.hub.snapshot()
    }

    /// The sequence number of the last event published to subscribers.
    pub fn seq(&self) -> u64 {
        self.hub.seq()
    }

    /// Where cell `id` is now, as far as the kernel has answered: a change
    /// is published before its reply is sent, so a client that saw the
    /// reply to a delete gets `None` here (a server's own copy of the
    /// state, fed by the events, may not have caught up yet).
    pub fn index_of(&self, id: u32) -> Option<usize> {
        self.hub.index_of(id)
    }

    /// Stops the kernel and its worker, waiting for the kernel thread (it
    /// finishes the running cell first; interrupt before to cut it short).
    pub fn shutdown(&self) {
        let _ = self.send(Command::Shutdown);
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

/// Starts a kernel thread that owns `session`.
pub fn spawn(session: Session, config: KernelConfig) -> KernelHandle {
    let (inbox, commands) = mpsc::channel();
    let command_waiting = Arc::new(AtomicBool::new(false));
    let versions: HashMap<CellId, u64> = session
        .project()
        .cell_ids()
        .iter()
        .map(|&id| (id, edit::next_version()))
        .collect();
    let published = graph::Published::all(session.project());
    let mut initial = initial_snapshot(&session, &versions, config.mode, &published);
    let mut restoring = Restoring::open(config.snapshots, &session, &mut initial);
    let hub = Arc::new(Hub::new(initial, config.subscriber_limit));
    restoring.start(&hub);
    let interrupter = session.interrupter();
    let mut kernel = Kernel {
        session,
        hub: Arc::clone(&hub),
        commands,
        command_waiting: Arc::clone(&command_waiting),
        mode: config.mode,
        pending: BTreeSet::new(),
        stale: BTreeSet::new(),
        idle_waiters: Vec::new(),
        versions,
        restoring,
        published,
        ui: ui::Elements::default(),
    };
    kernel.session.summarize_variables = config.variables;
    kernel.session.yield_when = Some(Arc::clone(&command_waiting));
    // The kernel keeps every cell's state in its snapshot: a copy of all
    // records per run would cost it time proportional to the notebook.
    kernel.session.report_cells = false;
    let sink_hub = Arc::clone(&hub);
    kernel
        .session
        .set_unsolicited_sink(Some(UnsolicitedSink::new(move |event| {
            if let WorkerEvent::Stream {
                cell_id,
                name,
                text,
                hash,
                ..
            } = event
            {
                sink_hub.publish(unsolicited(cell_id.as_deref(), name, text, hash));
            }
        })));
    let thread = std::thread::Builder::new()
        .name("weir-kernel".into())
        .spawn(move || kernel.serve())
        .expect("spawn the kernel thread");
    KernelHandle {
        inbox,
        command_waiting,
        hub,
        interrupter,
        thread: Arc::new(Mutex::new(Some(thread))),
    }
}

fn initial_snapshot(
    session: &Session,
    versions: &HashMap<CellId, u64>,
    mode: RunMode,
    published: &graph::Published,
) -> KernelSnapshot {
    let project = session.project();
    let cells = (0..project.cells().len())
        .map(|index| {
            let run = session.cell(index).expect("one record per cell");
            let mut view = CellView::from_run(meta(session, versions, index), run);
            view.graph = published.get(project.cell_id(index));
            view
        })
        .collect();
    KernelSnapshot {
        seq: 0,
        mode,
        cells,
        running: None,
        console: Vec::new(),
        find_hint: Default::default(),
    }
}

/// The event for text a worker sent on its own: its origin cell's console
/// (worker cell ids are `c<id>`), else the notebook's.
fn unsolicited(
    cell_id: Option<&str>,
    stream: crate::StreamName,
    text: String,
    hash: Option<String>,
) -> EventBody {
    match cell_id.and_then(|c| c.strip_prefix('c')?.parse::<u32>().ok()) {
        Some(id) => EventBody::Stream {
            id,
            stream,
            text,
            hash,
        },
        None => EventBody::Console { stream, text, hash },
    }
}

fn meta(session: &Session, versions: &HashMap<CellId, u64>, index: usize) -> CellMeta {
    let project = session.project();
    let cell = &project.cells()[index];
    let id = project.cell_id(index);
    CellMeta {
        id: id_of(id),
        name: project.display_name(index),
        code: cell.code.clone(),
        hide_code: cell.options.hide_code,
        disabled: cell.options.disabled,
        version: versions.get(&id).copied().unwrap_or(0),
    }
}

struct Kernel {
    session: Session,
    hub: Arc<Hub>,
    commands: mpsc::Receiver<Command>,
    command_waiting: Arc<AtomicBool>,
    mode: RunMode,
    /// Cells to run, decided in topological order by the next plan.
    pending: BTreeSet<CellId>,
    /// Cells whose results may not match their code.
    stale: BTreeSet<CellId>,
    /// Answered at the next `Idle`.
    idle_waiters: Vec<mpsc::Sender<u64>>,
    /// Every cell's version (see `CellMeta::version`).
    versions: HashMap<CellId, u64>,
    /// Snapshots shown on open and written as cells finish; recomputes.
    restoring: Restoring,
    /// Every cell's graph facts as last published (`graph.rs`).
    published: graph::Published,
    /// Element bindings, waiting values, state calls (`ui.rs`).
    ui: ui::Elements,
}

/// Whether the kernel goes on after a command.
enum Next {
    Continue,
    Stop,
}

impl Kernel {
    fn serve(mut self) {
        // `Idle` answers work: none is published before the first command,
        // so a client waiting for `Idle` after a command sees the one that
        // follows it.
        let mut worked = false;
        loop {
            // Commands that arrived while the last plan ran (a batch may end
            // before its halt reaches the worker) are taken before the
            // kernel says it is idle: `Idle` means nothing is left to do.
            if self.pending.is_empty()
                && worked
                && let Next::Stop = self.drain()
            {
                break;
            }
            if self.pending.is_empty() {
                if worked {
                    let seq = self.hub.publish(EventBody::Idle);
                    for waiter in self.idle_waiters.drain(..) {
                        let _ = waiter.send(seq);
                    }
                }
                worked = true;
                let Ok(command) = self.commands.recv() else {
                    break; // every handle is gone
                };
                if let Next::Stop = self.handle(command) {
                    break;
                }
            }
            if let Next::Stop = self.drain() {
                break;
            }
            if !self.pending.is_empty() {
                self.run_pending();
            }
        }
        // The worker first: a client told `Closed` can rely on it being gone.
        let Kernel { session, hub, .. } = self;
        let _ = session.shutdown();
        hub.close();
    }

    /// Handles every command waiting now.
    fn drain(&mut self) -> Next {
        self.command_waiting.store(false, Ordering::SeqCst);
        loop {
            match self.commands.try_recv() {
                Ok(command) => {
                    if let Next::Stop = self.handle(command) {
                        return Next::Stop;
                    }
                }
                Err(mpsc::TryRecvError::Empty) => {
                    // A reported run (`weir exec`) is one pass over the
                    // cells, as marimo's script mode: values and state calls
                    // wait for the interactive runs after it.
                    if self.ui.has_waiting() && !self.session.report_cells {
                        self.apply_ui();
                    }
                    return Next::Continue;
                }
                Err(mpsc::TryRecvError::Disconnected) => return Next::Stop,
            }
        }
    }

    fn handle(&mut self, command: Command) -> Next {
        match command {
            Command::Change { change, reply } => {
                let result = self.apply(change);
                if let Some(reply) = reply {
                    let _ = reply.send(result);
                }
            }
            Command::Recompute(ids) => {
                self.restoring.recompute(&ids);
                return self.handle(Command::Run(ids));
            }
            Command::Run(ids) => {
                let graph = self.session.project().graph();
                let wanted = graph.stale(&ids);
                let stale_ancestors: Vec<CellId> = graph
                    .ancestors(&ids)
                    .into_iter()
                    .filter(|id| self.stale.contains(id))
                    .collect();
                self.pending.extend(wanted);
                self.pending.extend(stale_ancestors);
            }
            Command::RunStale => self.pending.extend(self.stale.iter().copied()),
            Command::RunAll => {
                let all = self.session.project().cell_ids().to_vec();
                self.pending.extend(all);
            }
            Command::SetMode(mode) => {
                self.mode = mode;
                self.hub.publish(EventBody::ModeChanged { mode });
                if mode == RunMode::Autorun {
                    self.pending.extend(self.stale.iter().copied());
                }
            }
            Command::DropPlan => self.pending.clear(),
            Command::RestartWorker => {
                self.pending.clear();
                self.ui.forget_all();
                let body = match self.session.restart() {
                    Ok(()) => EventBody::WorkerRestarted,
                    Err(e) => EventBody::WorkerDied {
                        message: e.to_string(),
                    },
                };
                self.hub.publish(body);
            }
            Command::SetCodeAt {
                cell,
                code,
                base_version,
                reply,
            } => {
                let _ = reply.send(self.set_code_at(cell, code, base_version));
            }
            Command::PatchOptions { cell, patch, reply } => {
                let _ = reply.send(self.patch_options(cell, patch));
            }
            Command::Save {
                path,
                overwrite,
                reply,
            } => {
                let _ = reply.send(self.save(&path, overwrite));
            }
            Command::Source(reply) => {
                let _ = reply.send(self.session.project().to_source());
            }
            Command::WhenIdle(reply) => self.idle_waiters.push(reply),
            Command::RunAllReport(reply) => {
                let _ = reply.send(self.run_all_reported());
            }
            Command::SetUiValue {
                element_id,
                value,
                reply,
            } => self.ui.offer(element_id, value, reply),
            Command::Shutdown => return Next::Stop,
        }
        Next::Continue
    }

    fn apply(&mut self, change: Change) -> Result<Applied, ChangeError> {
        let structural = describe(&change);
        let renames_cells = matches!(
            structural,
            Structural::Inserted
                | Structural::Moved(_)
                | Structural::Deleted(_)
                | Structural::Renamed(_)
        );
        self.restoring.changed();
        let target = target_of(&change);
        let mut touched = target
            .map(|id| graph::around(self.session.project(), id))
            .unwrap_or_default();
        let applied = match self.session.apply_change(change) {
            Ok(applied) => applied,
            Err(crate::SessionError::Change(e)) => {
                self.hub.publish(EventBody::ChangeRefused {
                    message: e.to_string(),
                });
                return Err(e);
            }
            Err(other) => {
                // The change was applied; only deleting names in a dead
                // worker failed. The worker's death is reported when a run
                // next needs it.
                self.hub.publish(EventBody::WorkerDied {
                    message: other.to_string(),
                });
                return Ok(Applied::default());
            }
        };
        let project = self.session.project();
        let body = match structural {
            Structural::Code(id, code) => {
                let version = edit::next_version();
                self.versions.insert(id, version);
                EventBody::CellCode {
                    id: id_of(id),
                    code,
                    version,
                }
            }
            Structural::Inserted => {
                let id = applied.inserted.expect("an insert reports its id");
                let index = project.index_of(id).expect("inserted cells exist");
                self.versions.insert(id, edit::next_version());
                EventBody::CellInserted {
                    index,
                    cell: meta(&self.session, &self.versions, index),
                }
            }
            Structural::Moved(id) => EventBody::CellMoved {
                id: id_of(id),
                index: project.index_of(id).expect("moved cells exist"),
            },
            Structural::Deleted(id) => {
                self.pending.remove(&id);
                self.stale.remove(&id);
                self.versions.remove(&id);
                self.ui.cell_deleted(id);
                EventBody::CellDeleted { id: id_of(id) }
            }
            Structural::Renamed(id) => EventBody::CellRenamed {
                id: id_of(id),
                name: project.display_name(project.index_of(id).expect("renamed cells exist")),
            },
            Structural::Options(id, hide_code, disabled) => EventBody::CellOptions {
                id: id_of(id),
                hide_code,
                disabled,
            },
        };
        self.hub.publish(body);
        if let Some(id) = target.or(applied.inserted) {
            touched.extend(graph::around(self.session.project(), id));
        }
        let cells = self.published.refresh(self.session.project(), touched);
        if !cells.is_empty() {
            self.hub.publish(EventBody::Graph { cells });
        }
        if !applied.stale.is_empty() {
            self.stale.extend(applied.stale.iter().copied());
            self.hub.publish(EventBody::Stale {
                ids: applied.stale.iter().map(|id| id_of(*id)).collect(),
            });
            if self.mode == RunMode::Autorun {
                self.pending.extend(applied.stale.iter().copied());
            }
        }
        if renames_cells {
            self.decide_again_reasons_naming_cells();
        }
        Ok(applied)
    }

    /// After a change that moves cells or renames one, the cells that did
    /// not run for a reason naming cells (by position and name: "ancestor
    /// cell 3 (`load`) raised", and for a blocked descendant the first
    /// blocking parent in notebook order) are decided again. Nothing runs,
    /// as what blocked them still does; their reasons then name the cells
    /// where and as they are now, as a fresh run's would. Stale cells are
    /// left to the run that decides them anyway.
    fn decide_again_reasons_naming_cells(&mut self) {
        let project = self.session.project();
        for (index, id) in project.cell_ids().iter().enumerate() {
            let names_cells = self.session.cell(index).is_some_and(|run| {
                run.status == crate::RunStatus::NotRun
                    && run
                        .reason
                        .as_ref()
                        .is_some_and(|r| r.is_static() || r.is_inherited())
            });
            if names_cells && !self.stale.contains(id) {
                self.pending.insert(*id);
            }
        }
    }

    /// Runs the pending cells until done or until a command arrives.
    fn run_pending(&mut self) -> RunReport {
        let ids: Vec<CellId> = std::mem::take(&mut self.pending).into_iter().collect();
        let index_to_id: Vec<CellId> = self.session.project().cell_ids().to_vec();
        let plan = self.session.project().graph().run_plan(&ids);
        let hub = Arc::clone(&self.hub);
        self.session.lineage_inputs = self.ui.lineage_inputs();
        self.restoring.before_run(&mut self.session);
        let restoring = &self.restoring;
        let mut ran_ui: Vec<(usize, Option<crate::message::CellUi>)> = Vec::new();
        let report = self.session.execute(plan, &mut |event| {
            restoring.observe(&event);
            match &event {
                SessionEvent::CellFinished { index, ui, .. } => {
                    ran_ui.push((*index, ui.cloned()));
                }
                SessionEvent::CellSkipped { index, .. } => ran_ui.push((*index, None)),
                _ => {}
            }
            hub.publish(convert(&event, &index_to_id));
        });
        for (index, ui) in ran_ui {
            let defs = &self.session.project().analysis(index).defs;
            self.ui.cell_ran(index_to_id[index], defs, ui.as_ref());
        }
        self.restoring
            .after_run(&mut self.session, &report, &index_to_id);
        for &index in &report.order {
            self.stale.remove(&index_to_id[index]);
        }
        for &index in &report.unfinished {
            // Not reached: back to what it was, and planned again next.
            let id = index_to_id[index];
            let status = self
                .session
                .cell(index)
                .map(|r| r.status)
                .unwrap_or(crate::RunStatus::Idle);
            self.hub.publish(EventBody::Dequeued {
                id: id_of(id),
                status,
            });
            self.pending.insert(id);
        }
        if let Some(death) = &report.worker_died {
            self.pending.clear();
            self.hub.publish(EventBody::WorkerDied {
                message: format!("{} ({}); restart the worker", death.cell, death.status),
            });
        }
        report
    }
}

/// The structural event a change will produce, captured before it is
/// applied (the change value moves into the session).
enum Structural {
    Code(CellId, String),
    Inserted,
    Moved(CellId),
    Deleted(CellId),
    Renamed(CellId),
    Options(CellId, bool, bool),
}

/// The existing cell a change names (an insert names none yet).
fn target_of(change: &Change) -> Option<CellId> {
    match change {
        Change::SetCode { cell, .. }
        | Change::Move { cell, .. }
        | Change::Delete { cell }
        | Change::Rename { cell, .. }
        | Change::SetOptions { cell, .. } => Some(*cell),
        Change::Insert { .. } => None,
    }
}

fn describe(change: &Change) -> Structural {
    match change {
        Change::SetCode { cell, code } => Structural::Code(*cell, code.clone()),
        Change::Insert { .. } => Structural::Inserted,
        Change::Move { cell, .. } => Structural::Moved(*cell),
        Change::Delete { cell } => Structural::Deleted(*cell),
        Change::Rename { cell, .. } => Structural::Renamed(*cell),
        Change::SetOptions { cell, options } => {
            Structural::Options(*cell, options.hide_code, options.disabled)
        }
    }
}

fn convert(event: &SessionEvent<'_>, index_to_id: &[CellId]) -> EventBody {
    let id = |index: &usize| id_of(index_to_id[*index]);
    match event {
        SessionEvent::CellsQueued { indices } => EventBody::Queued {
            ids: indices.iter().map(id).collect(),
        },
        SessionEvent::CellStarted { index } => EventBody::Started { id: id(index) },
        SessionEvent::Stream {
            index,
            stream,
            text,
            hash,
            ..
        } => EventBody::Stream {
            id: id(index),
            stream: *stream,
            text: (*text).to_owned(),
            hash: hash.map(str::to_owned),
        },
        SessionEvent::Console {
            stream, text, hash, ..
        } => EventBody::Console {
            stream: *stream,
            text: (*text).to_owned(),
            hash: hash.map(str::to_owned),
        },
        SessionEvent::Output {
            index,
            action,
            output,
            at,
        } => EventBody::Output {
            id: id(index),
            action: *action,
            output: output.cloned(),
            at: *at,
        },
        SessionEvent::CellFinished {
            index,
            status,
            duration,
            run,
            variables,
            ..
        } => EventBody::Finished {
            id: id(index),
            status: *status,
            duration: *duration,
            outputs: run.outputs.clone(),
            error: run.error.clone(),
            persist: run.persist.clone().map(Box::new),
            variables: variables.map(<[VariableSummary]>::to_vec),
        },
        SessionEvent::CellSkipped { index, reason, run } => EventBody::Skipped {
            id: id(index),
            status: run.status,
            reason: reason.to_string(),
            reason_kind: reason.kind().to_string(),
            about: reason.cell().map(|c| c.id),
            about_all: reason.cells().iter().map(|c| c.id).collect(),
        },
    }
}
