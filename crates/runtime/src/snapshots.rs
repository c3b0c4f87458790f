//! Output snapshots: each cell's last outputs, kept in the verified store
//! so a notebook opened afresh shows what its cells last showed, marked
//! with when it was produced, until they run again (docs/persistence.md,
//! "Output snapshots").
//!
//! A snapshot is display only: it restores no value into the worker, so
//! it never stands in for running a cell. That is why it can be keyed by
//! the cell's exact code rather than by its lineage: it answers "what did
//! this code show last time", not "what would it compute now".
//!
//! - **Key**: `derive_key("weir-snapshot v1 record key", notebook path,
//!   BLAKE3 of the code, cell name, occurrence)`. The notebook is named by
//!   its canonical path (as lineage keys do: two notebooks never share an
//!   entry); the occurrence tells apart cells with the same code and name.
//!   The in-memory `CellId` is not stable across opens, so it is not used.
//!   The derive-key context keeps these keys apart from lineage keys in
//!   the same store.
//! - **Record**: one object (the JSON [`SnapshotDoc`]: outputs, console,
//!   error) and JSON metadata ([`SnapshotMeta`]: kind, version, the key's
//!   inputs, status, when it was produced). The store checksums, hashes
//!   and MACs it like every record, so a damaged or forged one is refused
//!   (and quarantined) by the store; the metadata is checked against the
//!   cell it is read for, so a record filed under the wrong key is refused
//!   too.
//! - **Writes** happen on a thread of their own (`Writer`): the kernel
//!   only clones the finished cell's outputs into a channel, so a store
//!   write (fsyncs, milliseconds) never delays the next cell.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use weir_project::Project;
use weir_store::{Record, RecordKey, Store, StoreConfig, StoreError};

use crate::message::{CellError, MimeBundle, StreamName};
use crate::scheduler::{CellRun, ConsoleChunk, RunStatus};

/// Bumped when the layout changes; another version is not shown.
pub const SNAPSHOT_VERSION: u32 = 1;

/// The metadata's `kind`: what tells a snapshot record from a persisted
/// cell's entry when reading a store by hand.
pub const SNAPSHOT_KIND: &str = "weir-snapshot";

/// Console text a snapshot keeps per cell; the rest is counted and noted.
/// Smaller than a live view's (8 MiB): a snapshot is a reminder of what
/// the cell showed, and every open reads every cell's.
pub const MAX_SNAPSHOT_CONSOLE: usize = 1024 * 1024;

const KEY_CONTEXT: &str = "weir-snapshot v1 record key";

/// Where a kernel keeps its cells' snapshots: a store and the notebook
/// file they belong to. The store is opened on first use when it is given
/// as a configuration ([`Snapshots::lazy`]): a notebook that never ran
/// leaves no store behind, and opening reads nothing from a store that
/// does not exist.
#[derive(Clone)]
pub struct Snapshots {
    notebook: PathBuf,
    store: Arc<Mutex<Slot>>,
}

enum Slot {
    Open(Arc<Store>),
    Later(StoreConfig),
    /// Opening failed; why (said once, then snapshots are off).
    Failed(String),
}

impl std::fmt::Debug for Snapshots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshots")
            .field("notebook", &self.notebook)
            .finish_non_exhaustive()
    }
}

impl Snapshots {
    /// Snapshots of `notebook` (named by its canonical path) in `store`.
    pub fn new(store: Arc<Store>, notebook: &Path) -> Self {
        Snapshots {
            notebook: canonical(notebook),
            store: Arc::new(Mutex::new(Slot::Open(store))),
        }
    }

    /// Like [`Snapshots::new`], the store opened (created) on the first
    /// write, or on the first read if its directory exists.
    pub fn lazy(config: StoreConfig, notebook: &Path) -> Self {
        Snapshots {
            notebook: canonical(notebook),
            store: Arc::new(Mutex::new(Slot::Later(config))),
        }
    }

    pub fn notebook(&self) -> &Path {
        &self.notebook
    }

    /// The store, opening it if needed. `Ok(None)`: reading, and there is
    /// no store yet. `Err`: it cannot be opened (said by the caller once).
    fn store(&self, create: bool) -> Result<Option<Arc<Store>>, String> {
        let mut slot = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        match &*slot {
            Slot::Open(store) => Ok(Some(Arc::clone(store))),
            Slot::Failed(why) => Err(why.clone()),
            Slot::Later(config) => {
                if !create && !config.root.exists() {
                    return Ok(None);
                }
                let root = config.root.clone();
                match Store::open(config.clone()) {
                    Ok(store) => {
                        let store = Arc::new(store);
                        *slot = Slot::Open(Arc::clone(&store));
                        Ok(Some(store))
                    }
                    Err(e) => {
                        let why = format!("store {}: {e}", root.display());
                        *slot = Slot::Failed(why.clone());
                        Err(why)
                    }
                }
            }
        }
    }

    /// Every cell's snapshot key, in notebook order.
    pub fn keys(&self, project: &Project) -> Vec<SnapshotKey> {
        let mut seen: HashMap<([u8; 32], &str), u64> = HashMap::new();
        project
            .cells()
            .iter()
            .map(|cell| {
                let code_hash = *blake3::hash(cell.code.as_bytes()).as_bytes();
                let occurrence = seen.entry((code_hash, cell.name.as_str())).or_insert(0);
                let key = SnapshotKey::new(&self.notebook, code_hash, &cell.name, *occurrence);
                *occurrence += 1;
                key
            })
            .collect()
    }

    /// The snapshot under `key`, every byte verified by the store and its
    /// metadata checked against the cell it is read for. `Ok(None)`: none.
    pub fn load(&self, key: &SnapshotKey) -> Result<Option<Snapshot>, SnapshotError> {
        let store = match self.store(false) {
            Ok(Some(store)) => store,
            Ok(None) => return Ok(None),
            Err(why) => return Err(SnapshotError::Unavailable(why)),
        };
        let Some((record, objects)) = store.get_record_with_objects(&key.record)? else {
            return Ok(None);
        };
        let format = |why: String| SnapshotError::Format {
            key: key.record.to_hex(),
            why,
        };
        let meta: SnapshotMeta = serde_json::from_slice(&record.meta)
            .map_err(|e| format(format!("unreadable metadata: {e}")))?;
        if meta.kind != SNAPSHOT_KIND || meta.v != SNAPSHOT_VERSION {
            return Err(format(format!(
                "not a version {SNAPSHOT_VERSION} snapshot (kind `{}`, version {})",
                meta.kind, meta.v
            )));
        }
        let expected = (
            self.notebook.to_string_lossy(),
            blake3::Hash::from(key.code_hash).to_hex().to_string(),
            key.name.as_str(),
            key.occurrence,
        );
        let found = (
            std::borrow::Cow::Borrowed(meta.notebook.as_str()),
            meta.code_hash.clone(),
            meta.cell.as_str(),
            meta.occurrence,
        );
        if expected != found {
            return Err(format(
                "it was written for another cell or notebook than the key names".into(),
            ));
        }
        let status = status_of(&meta.status)
            .ok_or_else(|| format(format!("unknown status `{}`", meta.status)))?;
        let [doc] = objects.as_slice() else {
            return Err(format(format!("{} objects, expected 1", objects.len())));
        };
        let doc: SnapshotDoc =
            serde_json::from_slice(doc).map_err(|e| format(format!("unreadable document: {e}")))?;
        Ok(Some(Snapshot {
            status,
            produced_at_ms: meta.produced_at_ms,
            duration: meta
                .duration_ms
                .map(|ms| Duration::from_secs_f64(ms.max(0.0) / 1000.0)),
            outputs: doc.outputs,
            console: doc
                .console
                .into_iter()
                .map(|c| ConsoleChunk {
                    stream: c.stream,
                    text: c.text,
                    hash: c.hash,
                })
                .collect(),
            error: doc.error,
        }))
    }

    /// Stores `job` under its key, replacing the cell's older snapshot.
    /// The object first, the record last: a crash in between leaves an
    /// unreferenced object (for `weir store gc`), never a record naming a
    /// missing one.
    pub fn save(&self, job: &SnapshotJob) -> Result<(), SnapshotError> {
        let store = match self.store(true) {
            Ok(Some(store)) => store,
            Ok(None) => return Ok(()),
            Err(why) => return Err(SnapshotError::Unavailable(why)),
        };
        let doc = SnapshotDoc {
            outputs: job.outputs.clone(),
            console: job
                .console
                .iter()
                .map(|c| StoredChunk {
                    stream: c.stream,
                    text: c.text.clone(),
                    hash: c.hash.clone(),
                })
                .collect(),
            error: job.error.clone(),
        };
        let doc = serde_json::to_vec(&doc).map_err(|e| SnapshotError::Format {
            key: job.key.record.to_hex(),
            why: format!("cannot encode: {e}"),
        })?;
        let meta = SnapshotMeta {
            v: SNAPSHOT_VERSION,
            kind: SNAPSHOT_KIND.into(),
            notebook: self.notebook.to_string_lossy().into_owned(),
            cell: job.key.name.clone(),
            code_hash: blake3::Hash::from(job.key.code_hash).to_hex().to_string(),
            occurrence: job.key.occurrence,
            status: job.status.as_str().into(),
            produced_at_ms: job.produced_at_ms,
            duration_ms: job.duration.map(|d| d.as_secs_f64() * 1000.0),
            console_dropped: job.console_dropped,
        };
        let meta = serde_json::to_vec(&meta).unwrap_or_default();
        let object = store.put_object(&doc)?;
        store.put_record(
            &job.key.record,
            &Record {
                objects: vec![object],
                meta,
            },
        )?;
        Ok(())
    }
}

impl Snapshots {
    /// Removes the snapshot under `key` (a cell whose code, name or place
    /// changed, or that was deleted: no cell of the notebook has that key
    /// any more). Its object is left for `weir store gc`.
    pub fn forget(&self, key: &RecordKey) -> Result<(), SnapshotError> {
        match self.store(false) {
            Ok(Some(store)) => Ok(store.delete_record(key)?),
            Ok(None) => Ok(()),
            Err(why) => Err(SnapshotError::Unavailable(why)),
        }
    }
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// Statuses a finished cell can have (a snapshot is written on `Finished`).
fn status_of(text: &str) -> Option<RunStatus> {
    Some(match text {
        "ok" => RunStatus::Ok,
        "error" => RunStatus::Error,
        "stopped" => RunStatus::Stopped,
        "interrupted" => RunStatus::Interrupted,
        _ => return None,
    })
}

/// A cell's snapshot key and what it was derived from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotKey {
    pub record: RecordKey,
    pub code_hash: [u8; 32],
    pub name: String,
    pub occurrence: u64,
}

impl SnapshotKey {
    pub fn new(notebook: &Path, code_hash: [u8; 32], name: &str, occurrence: u64) -> Self {
        let mut h = blake3::Hasher::new_derive_key(KEY_CONTEXT);
        // Length-prefixed, so no two inputs run together the same way.
        let path = notebook.as_os_str().as_encoded_bytes();
        h.update(&(path.len() as u64).to_le_bytes());
        h.update(path);
        h.update(&code_hash);
        h.update(&(name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update(&occurrence.to_le_bytes());
        SnapshotKey {
            record: RecordKey(*h.finalize().as_bytes()),
            code_hash,
            name: name.to_owned(),
            occurrence,
        }
    }
}

/// The record's metadata (JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotMeta {
    pub v: u32,
    /// Always [`SNAPSHOT_KIND`].
    pub kind: String,
    /// The notebook's canonical path (lossy for a path that is not UTF-8).
    pub notebook: String,
    /// The cell's name in the file (`_` for an anonymous cell).
    pub cell: String,
    /// BLAKE3 (hex) of the cell's code.
    pub code_hash: String,
    /// Among cells with this code and name, which one (0 = first).
    pub occurrence: u64,
    /// `ok`, `error`, `stopped` or `interrupted`.
    pub status: String,
    /// When the outputs were produced: Unix milliseconds.
    pub produced_at_ms: u64,
    pub duration_ms: Option<f64>,
    /// Console bytes past [`MAX_SNAPSHOT_CONSOLE`] that were not kept.
    pub console_dropped: u64,
}

/// The record's one object (JSON): what the cell showed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotDoc {
    pub outputs: Vec<MimeBundle>,
    pub console: Vec<StoredChunk>,
    pub error: Option<CellError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredChunk {
    pub stream: StreamName,
    pub text: String,
    /// The worker's integrity hash, kept so a reopened page checks the
    /// same hash (absent in older snapshots and for the runtime's notes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

/// A snapshot as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub status: RunStatus,
    pub produced_at_ms: u64,
    pub duration: Option<Duration>,
    pub outputs: Vec<MimeBundle>,
    pub console: Vec<ConsoleChunk>,
    pub error: Option<CellError>,
}

impl Snapshot {
    /// When it was produced, RFC 3339 (UTC, seconds).
    pub fn produced_at(&self) -> String {
        rfc3339_ms(self.produced_at_ms)
    }
}

/// RFC 3339 (UTC, whole seconds) for Unix milliseconds.
pub fn rfc3339_ms(ms: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}

/// Why a snapshot is not shown.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The store refused: I/O, or a failed check (damage, a MAC that does
    /// not authenticate; the store quarantined the file).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The record verified but is not a snapshot of this cell.
    #[error("snapshot record {key}: {why}")]
    Format { key: String, why: String },
    /// The store cannot be opened.
    #[error("{0}")]
    Unavailable(String),
}

impl SnapshotError {
    /// The error, with what failed said in words when the store's error
    /// only lists ids (a record whose objects failed their checks).
    pub fn detail(&self) -> String {
        match self {
            SnapshotError::Store(StoreError::RecordIncomplete {
                key,
                missing,
                corrupt,
            }) => {
                let ids = |v: &[weir_store::ObjectId]| {
                    v.iter().map(|o| o.to_hex()).collect::<Vec<_>>().join(", ")
                };
                let mut parts = Vec::new();
                if !corrupt.is_empty() {
                    parts.push(format!(
                        "object {} failed its check (header checksum or BLAKE3 content hash) \
                         and was moved to the store's quarantine",
                        ids(corrupt)
                    ));
                }
                if !missing.is_empty() {
                    parts.push(format!("object {} is missing", ids(missing)));
                }
                format!("record {}: {}", key.to_hex(), parts.join("; "))
            }
            other => other.to_string(),
        }
    }

    /// A failed check (as opposed to a store that cannot be read).
    pub fn is_integrity(&self) -> bool {
        match self {
            SnapshotError::Store(e) => e.is_integrity(),
            SnapshotError::Format { .. } => true,
            SnapshotError::Unavailable(_) => false,
        }
    }
}

/// One finished cell to snapshot.
#[derive(Debug, Clone)]
pub struct SnapshotJob {
    pub key: SnapshotKey,
    pub status: RunStatus,
    pub produced_at_ms: u64,
    pub duration: Option<Duration>,
    pub outputs: Vec<MimeBundle>,
    pub console: Vec<ConsoleChunk>,
    pub console_dropped: u64,
    pub error: Option<CellError>,
}

impl SnapshotJob {
    /// The job for a cell that finished as `run` says. A cell the
    /// persistence path restored was produced when its entry was saved.
    pub fn of(key: SnapshotKey, run: &CellRun) -> Self {
        let restored_at = run
            .persist
            .as_ref()
            .filter(|p| p.action == crate::persist::PersistAction::Restored)
            .and_then(|p| p.saved_at);
        let produced_at_ms = match restored_at {
            Some(secs) => secs.saturating_mul(1000),
            None => now_ms(),
        };
        let mut console = Vec::new();
        let mut kept = 0usize;
        let mut dropped = 0u64;
        for chunk in &run.console {
            let room = MAX_SNAPSHOT_CONSOLE - kept;
            if chunk.text.len() <= room {
                kept += chunk.text.len();
                console.push(chunk.clone());
            } else {
                let cut = floor_char_boundary(&chunk.text, room);
                if cut > 0 {
                    // Cut, so the worker's hash no longer covers it.
                    console.push(ConsoleChunk::new(chunk.stream, &chunk.text[..cut]));
                }
                kept += cut;
                dropped += (chunk.text.len() - cut) as u64;
            }
        }
        if dropped > 0 {
            console.push(ConsoleChunk::new(
                StreamName::Stderr,
                &format!("\n[weir: {dropped} more bytes of console output were not kept]\n"),
            ));
        }
        SnapshotJob {
            key,
            status: run.status,
            produced_at_ms,
            duration: run.duration,
            outputs: run.outputs.clone(),
            console,
            console_dropped: dropped,
            error: run.error.clone(),
        }
    }
}

fn floor_char_boundary(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Writes snapshots on a thread of its own. Jobs for one key that pile up
/// are coalesced: only the latest is written. Writing waits until jobs
/// stop coming for [`QUIET`]: a run of many cells sends one job a cell, and
/// the writes (with their fsyncs) then come after the run instead of
/// competing with it for the cores; a snapshot is a convenience, so a
/// crash in that window only means an output is not restored. Dropping it
/// waits for every job sent before.
/// How long the writer waits for more jobs before writing what it has.
pub const QUIET: Duration = Duration::from_millis(20);

pub struct Writer {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

/// What the writer is asked to do for one key.
enum Job {
    Save(Box<SnapshotJob>),
    Forget(RecordKey),
}

impl Job {
    fn key(&self) -> RecordKey {
        match self {
            Job::Save(job) => job.key.record,
            Job::Forget(key) => *key,
        }
    }
}

impl Writer {
    /// Starts the writer. `notice` is told, once, when writes stop (the
    /// store cannot be opened or written): never silent.
    pub fn spawn(snapshots: Snapshots, notice: impl Fn(String) + Send + 'static) -> Self {
        let (jobs, inbox) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("weir-snapshots".into())
            .spawn(move || {
                let mut stopped = false;
                while let Ok(first) = inbox.recv() {
                    let mut batch = vec![first];
                    loop {
                        match inbox.recv_timeout(QUIET) {
                            Ok(job) => batch.push(job),
                            Err(mpsc::RecvTimeoutError::Timeout) => break,
                            Err(mpsc::RecvTimeoutError::Disconnected) => break,
                        }
                    }
                    if stopped {
                        continue;
                    }
                    // The latest job per key, in the order they came: a
                    // save then a forget of one key is a forget, and the
                    // other way round a save.
                    let mut latest: HashMap<RecordKey, usize> = HashMap::new();
                    for (i, job) in batch.iter().enumerate() {
                        latest.insert(job.key(), i);
                    }
                    for (i, job) in batch.iter().enumerate() {
                        if latest.get(&job.key()) != Some(&i) {
                            continue;
                        }
                        let done = match job {
                            Job::Save(job) => snapshots.save(job),
                            Job::Forget(key) => snapshots.forget(key),
                        };
                        if let Err(e) = done {
                            notice(format!(
                                "weir: output snapshots stopped: {e}; the notebook's last outputs \
                                 will not be shown when it is opened again\n"
                            ));
                            stopped = true;
                            break;
                        }
                    }
                }
            })
            .ok();
        Writer {
            jobs: thread.as_ref().map(|_| jobs),
            thread,
        }
    }

    pub fn send(&self, job: SnapshotJob) {
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(Job::Save(Box::new(job)));
        }
    }

    /// Removes the snapshot under `key` (after the saves sent before).
    pub fn forget(&self, key: RecordKey) {
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(Job::Forget(key));
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_depends_on_path_code_name_and_occurrence() {
        let code = *blake3::hash(b"x = 1").as_bytes();
        let other = *blake3::hash(b"x = 2").as_bytes();
        let base = SnapshotKey::new(Path::new("/a/nb.py"), code, "_", 0).record;
        assert_eq!(
            base,
            SnapshotKey::new(Path::new("/a/nb.py"), code, "_", 0).record
        );
        for changed in [
            SnapshotKey::new(Path::new("/a/nb2.py"), code, "_", 0),
            SnapshotKey::new(Path::new("/a/nb.py"), other, "_", 0),
            SnapshotKey::new(Path::new("/a/nb.py"), code, "f", 0),
            SnapshotKey::new(Path::new("/a/nb.py"), code, "_", 1),
        ] {
            assert_ne!(base, changed.record);
        }
    }

    #[test]
    fn console_is_bounded_on_a_char_boundary() {
        let run = CellRun {
            console: vec![ConsoleChunk::new(
                StreamName::Stdout,
                &"é".repeat(MAX_SNAPSHOT_CONSOLE),
            )],
            ..CellRun::idle(0, 0, "_".into())
        };
        let key = SnapshotKey::new(Path::new("/nb.py"), [0; 32], "_", 0);
        let job = SnapshotJob::of(key, &run);
        assert_eq!(job.console[0].text.len(), MAX_SNAPSHOT_CONSOLE);
        assert_eq!(job.console_dropped, MAX_SNAPSHOT_CONSOLE as u64);
        assert!(job.console[1].text.contains("more bytes"));
    }

    #[test]
    fn rfc3339_of_known_times() {
        assert_eq!(rfc3339_ms(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_ms(1_709_251_199_999), "2024-02-29T23:59:59Z");
    }
}
