//! One open notebook: its kernel, and the feed every connection reads.
//!
//! A forwarder thread subscribes to the kernel and, for each event, folds
//! it into the server's own snapshot, serialises it once (with integrity
//! hashes), keeps it in a bounded buffer and broadcasts it, all under one
//! lock. A connection says hello under the same lock, so it gets either
//! the snapshot or the buffered events after its `since`, then exactly the
//! live events that follow: no gap, no duplicate.
//!
//! Sequence numbers on the wire are the server's: `base` + the kernel's.
//! A reload starts a new kernel (whose events count from 1 again); `base`
//! moves past every number already sent, so an old `since` can never be
//! mistaken for a position in the new kernel's events.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use serde_json::{Value, json};
use tokio::sync::broadcast;
use weir_graph::CellId;
use weir_project::{ContentHash, Project, SaveError};
use weir_runtime::kernel::{
    self, Command, Delivery, EventBody, KernelConfig, KernelHandle, KernelSnapshot, Subscription,
};

use crate::StartSession;
use crate::message::{event_text, stamp_snapshot};

/// Events kept for clients that reconnect with `since`.
const BUFFER_EVENTS: usize = 10_000;
const BUFFER_BYTES: usize = 64 * 1024 * 1024;
/// How long `close` waits for the forwarder to apply what the kernel
/// published (it normally takes microseconds).
const CATCH_UP: std::time::Duration = std::time::Duration::from_secs(10);
/// Items a slow connection may fall behind before it gets a new snapshot.
pub(crate) const BROADCAST_CAPACITY: usize = 4096;

/// What a connection receives from its notebook.
#[derive(Debug, Clone)]
pub enum Item {
    /// A serialised `event` message.
    Event(Arc<str>),
    /// The state was replaced (a reload, or the feed had to resynchronise):
    /// send the client a fresh snapshot.
    Reset,
    /// A message that is not an event (`saved`, `file_changed`); `from` is
    /// the connection that caused it, which has its own reply.
    Notice { from: Option<u64>, text: Arc<str> },
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{0}")]
    Load(#[from] weir_project::LoadError),
    #[error("{0}")]
    Start(String),
}

pub struct Notebook {
    /// Absolute.
    pub path: PathBuf,
    /// As clients name it: relative to the server's root.
    pub rel: String,
    start: StartSession,
    kernel: Mutex<KernelHandle>,
    feed: Arc<Mutex<Feed>>,
    /// Signalled by the forwarder each time it has applied events to
    /// `feed` (paired with that mutex): `close` waits on it to catch up.
    applied: Arc<Condvar>,
    /// Saves, reloads and the watcher's comparisons one at a time, so the
    /// watcher never mistakes our own save for an outside change.
    pub(crate) op: tokio::sync::Mutex<()>,
    _watcher: Option<notify::RecommendedWatcher>,
}

struct Feed {
    /// The kernel's numbering; the wire adds `base`.
    snapshot: KernelSnapshot,
    base: u64,
    /// Bumped by each reload: an old forwarder stops.
    generation: u64,
    buffer: VecDeque<(u64, Arc<str>)>,
    buffer_bytes: usize,
    /// The lowest `since` the buffer can serve.
    floor: u64,
    tx: broadcast::Sender<Item>,
    /// Wire number of the last event that changed the file's content.
    last_edit: u64,
    /// Wire number of the last event the file on disk includes.
    saved_at: u64,
    /// The hash of the file as last loaded or saved.
    disk_hash: Option<ContentHash>,
    /// An outside change was noticed and not yet resolved.
    changed_on_disk: bool,
    /// Above every cell id any kernel of this notebook has used: a reload
    /// numbers the new kernel's cells from here, so a command a client
    /// sent about an old cell never lands on a different new one.
    id_floor: u32,
}

impl Feed {
    fn note_ids(&mut self) {
        let above = self.snapshot.cells.iter().map(|c| c.meta.id + 1).max();
        self.id_floor = self.id_floor.max(above.unwrap_or(0));
    }
    fn seq(&self) -> u64 {
        self.base + self.snapshot.seq
    }
    fn dirty(&self) -> bool {
        self.last_edit > self.saved_at
    }
}

/// How a connection starts: the messages to send, then live items.
pub struct Joined {
    pub messages: Vec<Arc<str>>,
    /// Set when the reply is a resume (events after `since`), not a snapshot.
    pub resumed_at: Option<u64>,
    pub rx: broadcast::Receiver<Item>,
}

pub enum SaveOutcome {
    Saved { hash: ContentHash },
    ChangedOnDisk(String),
    Failed(String),
}

impl Notebook {
    /// Loads the file, starts its session and kernel, and watches the file.
    pub fn open(path: PathBuf, rel: String, start: StartSession) -> Result<Arc<Self>, OpenError> {
        let project = Project::load(&path)?;
        let disk_hash = project.disk_version();
        let started = start(&path, project).map_err(OpenError::Start)?;
        let handle = kernel::spawn(
            started.session,
            KernelConfig {
                snapshots: started.snapshots,
                // The variables panel (docs/editor-protocol.md).
                variables: true,
                ..KernelConfig::default()
            },
        );
        let (tx, _) = broadcast::channel(BROADCAST_CAPACITY);
        let (snapshot, subscription) = handle.connect();
        let feed = Arc::new(Mutex::new(Feed {
            floor: snapshot.seq,
            snapshot,
            base: 0,
            generation: 0,
            buffer: VecDeque::new(),
            buffer_bytes: 0,
            tx,
            last_edit: 0,
            saved_at: 0,
            disk_hash,
            changed_on_disk: false,
            id_floor: 0,
        }));
        lock(&feed).note_ids();
        let applied = Arc::new(Condvar::new());
        forward(
            Arc::clone(&feed),
            Arc::clone(&applied),
            handle.clone(),
            subscription,
            0,
        );
        let (watcher, changes) = crate::watch::watch(&path);
        let notebook = Arc::new(Notebook {
            path,
            rel,
            start,
            kernel: Mutex::new(handle),
            feed,
            applied,
            op: tokio::sync::Mutex::new(()),
            _watcher: watcher,
        });
        if let Some(changes) = changes {
            crate::watch::spawn_checker(Arc::downgrade(&notebook), changes);
        }
        Ok(notebook)
    }

    pub fn kernel(&self) -> KernelHandle {
        lock(&self.kernel).clone()
    }

    /// A client says hello: the events after `since` if the buffer holds
    /// them all, else a snapshot; and a receiver for what follows.
    pub fn join(&self, since: Option<u64>) -> Joined {
        // A client that joins after another got a reply sees that change
        // in its snapshot, not only in the events after it.
        self.catch_up();
        let feed = lock(&self.feed);
        let now = feed.seq();
        let rx = feed.tx.subscribe();
        match since {
            Some(since) if since >= feed.floor && since <= now => Joined {
                messages: feed
                    .buffer
                    .iter()
                    .filter(|(seq, _)| *seq > since)
                    .map(|(_, text)| Arc::clone(text))
                    .collect(),
                resumed_at: Some(now),
                rx,
            },
            _ => Joined {
                messages: vec![self.snapshot_message(&feed).into()],
                resumed_at: None,
                rx,
            },
        }
    }

    fn snapshot_message(&self, feed: &Feed) -> String {
        let mut value = serde_json::to_value(&feed.snapshot).unwrap_or(Value::Null);
        if let Value::Object(object) = &mut value {
            stamp_snapshot(object);
            object.insert("type".into(), "snapshot".into());
            object.insert("seq".into(), feed.seq().into());
            object.insert("dirty".into(), feed.dirty().into());
            object.insert("changed_on_disk".into(), feed.changed_on_disk.into());
            object.insert("path".into(), self.rel.clone().into());
        }
        value.to_string()
    }

    pub fn dirty(&self) -> bool {
        lock(&self.feed).dirty()
    }

    /// Waits until the forwarder has applied every event the kernel has
    /// published so far: it normally takes microseconds. Bounded: a
    /// forwarder that died must not hang a join or the shutdown (then what
    /// it did not apply is missing from a snapshot, or not seen as
    /// unsaved, and that is said).
    fn catch_up(&self) {
        let deadline = std::time::Instant::now() + CATCH_UP;
        let mut feed = lock(&self.feed);
        loop {
            // Read again each time: a reload swaps the kernel (numbered
            // afresh) just after it resets the copy.
            if feed.snapshot.seq >= self.kernel().seq() {
                return;
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                eprintln!(
                    "weir: {}: the editor's copy of the notebook is behind the kernel; \
                     what it has not seen is missing from it (and from a save at exit)",
                    self.rel
                );
                return;
            }
            let slice = (deadline - now).min(std::time::Duration::from_millis(50));
            feed = self
                .applied
                .wait_timeout(feed, slice)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Tells every connection something that is not an event.
    pub fn notify(&self, from: Option<u64>, message: Value) {
        let _ = lock(&self.feed).tx.send(Item::Notice {
            from,
            text: message.to_string().into(),
        });
    }

    /// Saves through the kernel (which owns the project and its atomic
    /// writer). Blocking.
    pub fn save(&self, overwrite: bool) -> SaveOutcome {
        let (reply, result) = mpsc::channel();
        let sent = self.kernel().send(Command::Save {
            path: self.path.clone(),
            overwrite,
            reply,
        });
        let Ok(Ok(result)) = sent.map(|()| result.recv()) else {
            return SaveOutcome::Failed("the kernel has shut down".into());
        };
        match result {
            Ok(saved) => {
                let mut feed = lock(&self.feed);
                feed.saved_at = feed.saved_at.max(feed.base + saved.seq);
                feed.disk_hash = Some(saved.hash);
                feed.changed_on_disk = false;
                SaveOutcome::Saved { hash: saved.hash }
            }
            Err(e @ SaveError::ChangedOnDisk { .. }) => SaveOutcome::ChangedOnDisk(e.to_string()),
            Err(e) => SaveOutcome::Failed(e.to_string()),
        }
    }

    /// The notebook's source as it would be saved now. Blocking.
    pub fn source(&self) -> Option<String> {
        let (reply, source) = mpsc::channel();
        self.kernel().send(Command::Source(reply)).ok()?;
        source.recv().ok()
    }

    /// Loads the file again into a new kernel; every connection gets a
    /// fresh snapshot. Blocking.
    pub fn reload(&self) -> Result<(), OpenError> {
        let mut project = Project::load(&self.path)?;
        project.renumber_from(lock(&self.feed).id_floor);
        let disk_hash = project.disk_version();
        let started = (self.start)(&self.path, project).map_err(OpenError::Start)?;
        let handle = kernel::spawn(
            started.session,
            KernelConfig {
                snapshots: started.snapshots,
                // The variables panel (docs/editor-protocol.md).
                variables: true,
                ..KernelConfig::default()
            },
        );
        let (snapshot, subscription) = handle.connect();
        let generation = {
            let mut feed = lock(&self.feed);
            let base = feed.seq() + 1;
            feed.generation += 1;
            feed.base = base;
            feed.floor = base + snapshot.seq;
            feed.snapshot = snapshot;
            feed.buffer.clear();
            feed.buffer_bytes = 0;
            feed.last_edit = base;
            feed.saved_at = base;
            feed.disk_hash = disk_hash;
            feed.changed_on_disk = false;
            feed.note_ids();
            let _ = feed.tx.send(Item::Reset);
            feed.generation
        };
        forward(
            Arc::clone(&self.feed),
            Arc::clone(&self.applied),
            handle.clone(),
            subscription,
            generation,
        );
        let old = std::mem::replace(&mut *lock(&self.kernel), handle);
        std::thread::spawn(move || {
            let _ = old.interrupt();
            old.shutdown();
        });
        Ok(())
    }

    /// Whether the file on disk is what we last loaded or saved; if not,
    /// marks the outside change and tells the clients (once per change).
    pub(crate) fn check_disk(&self) {
        let found = std::fs::read(&self.path).ok().map(|b| ContentHash::of(&b));
        let mut feed = lock(&self.feed);
        let changed = found != feed.disk_hash;
        if changed && !feed.changed_on_disk {
            feed.changed_on_disk = true;
            let _ = feed.tx.send(Item::Notice {
                from: None,
                text: json!({"type": "file_changed", "path": self.rel})
                    .to_string()
                    .into(),
            });
        } else if !changed {
            feed.changed_on_disk = false;
        }
    }

    /// At exit: unsaved edits go to the file through the atomic writer,
    /// unless it changed on disk; then beside it, as
    /// `<name>.weir-unsaved`. Then the kernel stops (its worker with it).
    /// Returns what it did, for the person.
    pub fn close(&self) -> Option<String> {
        let kernel = self.kernel();
        let _ = kernel.interrupt();
        // Whether there are unsaved edits is read from the events: first
        // let the forwarder apply every event the kernel has published (an
        // edit whose reply a client already has may not be applied yet).
        self.catch_up();
        let note = if self.dirty() {
            Some(match self.save(false) {
                SaveOutcome::Saved { .. } => format!("saved unsaved edits to {}", self.rel),
                SaveOutcome::ChangedOnDisk(_) | SaveOutcome::Failed(_) => {
                    self.keep_beside().unwrap_or_else(|e| e)
                }
            })
        } else {
            None
        };
        kernel.shutdown();
        note
    }

    fn keep_beside(&self) -> Result<String, String> {
        let source = self
            .source()
            .ok_or_else(|| format!("{}: unsaved edits lost: the kernel is gone", self.rel))?;
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(".weir-unsaved");
        let beside = self.path.with_file_name(name);
        weir_project::save_file(&beside, source.as_bytes(), weir_project::Expected::Anything)
            .map_err(|e| format!("{}: unsaved edits lost: {e}", self.rel))?;
        Ok(format!(
            "{} changed on disk; unsaved edits kept in {}",
            self.rel,
            beside.display()
        ))
    }
}

/// Whether an event changes what a save would write.
fn edits_file(body: &EventBody) -> bool {
    matches!(
        body,
        EventBody::CellInserted { .. }
            | EventBody::CellDeleted { .. }
            | EventBody::CellMoved { .. }
            | EventBody::CellCode { .. }
            | EventBody::CellRenamed { .. }
            | EventBody::CellOptions { .. }
    )
}

/// The forwarder thread for one kernel (see the module docs).
fn forward(
    feed: Arc<Mutex<Feed>>,
    applied: Arc<Condvar>,
    kernel: KernelHandle,
    first: Subscription,
    generation: u64,
) {
    let spawned = std::thread::Builder::new()
        .name("weir-forward".into())
        .spawn(move || {
            let mut subscription = first;
            loop {
                match subscription.recv() {
                    Delivery::Event(event) => {
                        let mut feed = lock(&feed);
                        if feed.generation != generation {
                            return;
                        }
                        feed.snapshot.apply(&event);
                        if let EventBody::CellInserted { cell, .. } = &event.body {
                            feed.id_floor = feed.id_floor.max(cell.id + 1);
                        }
                        let seq = feed.base + event.seq;
                        let text: Arc<str> = event_text(&event, seq).into();
                        if edits_file(&event.body) {
                            feed.last_edit = seq;
                        }
                        feed.buffer_bytes += text.len();
                        feed.buffer.push_back((seq, Arc::clone(&text)));
                        while feed.buffer.len() > BUFFER_EVENTS || feed.buffer_bytes > BUFFER_BYTES
                        {
                            let Some((dropped, old)) = feed.buffer.pop_front() else {
                                break;
                            };
                            feed.buffer_bytes -= old.len();
                            feed.floor = dropped;
                        }
                        let _ = feed.tx.send(Item::Event(text));
                        drop(feed);
                        applied.notify_all();
                    }
                    Delivery::Resync => {
                        // We fell behind the kernel: start again from its
                        // snapshot; connections get it too.
                        let (snapshot, fresh) = kernel.connect();
                        let mut feed = lock(&feed);
                        if feed.generation != generation {
                            return;
                        }
                        feed.floor = feed.base + snapshot.seq;
                        feed.snapshot = snapshot;
                        feed.buffer.clear();
                        feed.buffer_bytes = 0;
                        let _ = feed.tx.send(Item::Reset);
                        subscription = fresh;
                        drop(feed);
                        applied.notify_all();
                    }
                    Delivery::Closed => return,
                }
            }
        });
    if let Err(e) = spawned {
        eprintln!("weir: cannot start a forwarder thread: {e}");
    }
}

/// The cell id type the kernel speaks.
pub fn cell(id: u32) -> CellId {
    CellId(id)
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `Path` of a notebook relative to `root`, with `/` separators.
pub fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}
