//! A persisted cell's entry in the store, under its lineage key.
//!
//! The record's objects are: `[result, buffers...]` where `result` is a
//! JSON document with the cell's outputs and console text, and the buffers
//! are each value's pickle stream and out-of-band buffers (NumPy arrays
//! travel as their own objects, never copied into the pickle). The
//! record's metadata, [`EntryMeta`], says which buffers make which value,
//! with each value's canonical hash (for `weir verify`) and a hash of the
//! whole result. Every object is content-addressed and verified on read by
//! the store; nothing here re-checks what the store already checked.
//! A restore reads each object once ([`load`]); large ones are verified in
//! their files and mapped by the worker (docs/persistence.md).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use weir_project::LineageKey;
use weir_store::{ObjectFile, ObjectId, Record, RecordKey, Store, StoreError, VerifiedObject};

use crate::message::{MimeBundle, StreamName};
use crate::scheduler::ConsoleChunk;
use crate::worker::{CapturedValue, RestoreBuffer};

/// Bumped when the layout changes; an entry of another version is not
/// restored (the cell recomputes and overwrites it).
pub const ENTRY_VERSION: u32 = 1;

/// Objects of at least this many bytes are not sent to the worker: it
/// maps their (verified) files instead. Below it, a frame costs less than
/// opening and mapping a file.
pub const MAP_FROM: u64 = 1 << 20;

/// The record's metadata (JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryMeta {
    pub v: u32,
    /// The cell's display name when saved (for people reading a store).
    pub cell: String,
    /// Unix seconds.
    pub saved_at: u64,
    pub python: String,
    pub weir: String,
    pub duration_ms: Option<f64>,
    /// Hash over every (name, value hash) pair: the result as a whole.
    pub result_hash: String,
    pub values: Vec<EntryValue>,
}

/// One name: its value hash and its buffers (indices into the record's
/// objects; the pickle stream first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryValue {
    pub name: String,
    pub hash: String,
    pub buffers: Vec<usize>,
}

/// Object 0: what the cell showed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultDoc {
    pub outputs: Vec<MimeBundle>,
    pub console: Vec<StoredChunk>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredChunk {
    pub stream: StreamName,
    pub text: String,
    /// The integrity hash the chunk came with (absent in older records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

/// Why an entry could not be used.
#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    /// The store refused: I/O, or a failed integrity check (see
    /// [`StoreError::is_integrity`]).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The record verified but is not an entry this Weir can read.
    #[error("stored entry {key}: {why}")]
    Format { key: String, why: String },
}

impl EntryError {
    pub fn is_integrity(&self) -> bool {
        matches!(self, EntryError::Store(e) if e.is_integrity())
    }
}

pub fn record_key(key: &LineageKey) -> RecordKey {
    RecordKey(key.0)
}

/// The result hash over (name, value hash) pairs, order-independent.
pub fn result_hash<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
    pairs.sort();
    let mut h = blake3::Hasher::new();
    for (name, hash) in pairs {
        h.update(name.as_bytes());
        h.update(b"\0");
        h.update(hash.as_bytes());
        h.update(b"\n");
    }
    h.finalize().to_hex().to_string()
}

/// The entry's record and metadata, verified by the store (the record's
/// checksum and hash; its objects' presence). `Ok(None)`: no entry.
pub fn load_meta(
    store: &Store,
    key: &LineageKey,
) -> Result<Option<(EntryMeta, Record)>, EntryError> {
    let Some(record) = store.get_record(&record_key(key))? else {
        return Ok(None);
    };
    Ok(Some((parse_meta(key, &record)?, record)))
}

/// The metadata of a verified record, checked against it.
fn parse_meta(key: &LineageKey, record: &Record) -> Result<EntryMeta, EntryError> {
    let format = |why: String| EntryError::Format {
        key: key.to_hex(),
        why,
    };
    let meta: EntryMeta = serde_json::from_slice(&record.meta)
        .map_err(|e| format(format!("unreadable metadata: {e}")))?;
    if meta.v != ENTRY_VERSION {
        return Err(format(format!(
            "entry version {} (this Weir reads {ENTRY_VERSION})",
            meta.v
        )));
    }
    let n = record.objects.len();
    if n == 0
        || meta
            .values
            .iter()
            .flat_map(|v| &v.buffers)
            .any(|&i| i == 0 || i >= n)
    {
        return Err(format("buffer indices do not match the record".into()));
    }
    Ok(meta)
}

/// A restore defines exactly what running the cell would: every value the
/// record names must be one of the cell's `defs`, once, and never a
/// `__dunder__` name (`__builtins__`, `__file__`, ...). A record naming
/// anything else (forged, or written for another cell) is refused like a
/// corrupt one: reported, never loaded, recomputed.
pub fn check_names(
    key: &LineageKey,
    meta: &EntryMeta,
    defs: &std::collections::BTreeSet<String>,
) -> Result<(), EntryError> {
    let mut seen = std::collections::HashSet::with_capacity(meta.values.len());
    for v in &meta.values {
        let why = if v.name.starts_with("__") && v.name.ends_with("__") {
            "a `__dunder__` name, which no restore may set"
        } else if !defs.contains(&v.name) {
            "a name the cell does not define"
        } else if !seen.insert(v.name.as_str()) {
            "a name it lists twice"
        } else {
            continue;
        };
        return Err(EntryError::Format {
            key: key.to_hex(),
            why: format!("it holds a value for `{}`, {why}", v.name),
        });
    }
    Ok(())
}

/// A loaded entry: what the cell showed and its values' buffers, every
/// byte verified by the store on the way in.
pub struct Loaded {
    pub result: ResultDoc,
    /// Per value: its name and buffers (bytes, or a verified object file
    /// for the worker to map).
    pub values: Vec<(String, Vec<RestoreBuffer>)>,
    /// The object behind each buffer, in the same shape as `values`.
    pub ids: Vec<Vec<ObjectId>>,
}

impl Loaded {
    /// Replace every file buffer by its bytes (verified again by the
    /// store): for when the worker could not map a file.
    pub fn inline_files(&mut self, store: &Store) -> Result<(), EntryError> {
        for ((_, bufs), ids) in self.values.iter_mut().zip(&self.ids) {
            for (b, id) in bufs.iter_mut().zip(ids) {
                if matches!(b, RestoreBuffer::File { .. }) {
                    *b = RestoreBuffer::Bytes(store.get_object(id)?);
                }
            }
        }
        Ok(())
    }
}

/// The values of an entry whose record [`load_meta`] returned (its objects
/// are read, and verified, again).
pub fn load_values(
    store: &Store,
    key: &LineageKey,
    meta: &EntryMeta,
    record: &Record,
) -> Result<Loaded, EntryError> {
    let mut objects = Vec::with_capacity(record.objects.len());
    for id in &record.objects {
        objects.push(VerifiedObject::Bytes(store.get_object(id)?));
    }
    assemble(store, key, meta, record, objects)
}

/// The entry under `key`: record, metadata and values, every object read
/// and verified once. Objects of at least `map_from` bytes whose primary
/// copy verifies stay in their files, for the worker to map
/// ([`RestoreBuffer::File`]). `Ok(None)`: no entry.
pub fn load(
    store: &Store,
    key: &LineageKey,
    map_from: u64,
) -> Result<Option<(EntryMeta, Loaded)>, EntryError> {
    let Some((record, objects)) = store.get_record_in_place(&record_key(key), map_from)? else {
        return Ok(None);
    };
    let meta = parse_meta(key, &record)?;
    let loaded = assemble(store, key, &meta, &record, objects)?;
    Ok(Some((meta, loaded)))
}

fn assemble(
    store: &Store,
    key: &LineageKey,
    meta: &EntryMeta,
    record: &Record,
    objects: Vec<VerifiedObject>,
) -> Result<Loaded, EntryError> {
    let mut objects: Vec<Option<VerifiedObject>> = objects.into_iter().map(Some).collect();
    // Object 0 is needed here, as bytes (a result document large enough to
    // have stayed in its file is read, and verified, once more).
    let result_bytes = match objects[0].take() {
        Some(VerifiedObject::Bytes(b)) => b,
        _ => store.get_object(&record.objects[0])?,
    };
    let result: ResultDoc =
        serde_json::from_slice(&result_bytes).map_err(|e| EntryError::Format {
            key: key.to_hex(),
            why: format!("unreadable result document: {e}"),
        })?;
    let mut values = Vec::with_capacity(meta.values.len());
    let mut ids = Vec::with_capacity(meta.values.len());
    for v in &meta.values {
        let mut bufs = Vec::with_capacity(v.buffers.len());
        for &i in &v.buffers {
            // An object used twice (equal buffers) was verified once; its
            // second use is read again.
            bufs.push(match objects[i].take() {
                Some(VerifiedObject::Bytes(b)) => RestoreBuffer::Bytes(b),
                Some(VerifiedObject::InFile(f)) => file_buffer(f),
                None => RestoreBuffer::Bytes(store.get_object(&record.objects[i])?),
            });
        }
        values.push((v.name.clone(), bufs));
        ids.push(v.buffers.iter().map(|&i| record.objects[i]).collect());
    }
    let mut loaded = Loaded {
        result,
        values,
        ids,
    };
    // A path the worker cannot be told (not UTF-8) travels as bytes.
    if loaded
        .values
        .iter()
        .flat_map(|(_, b)| b)
        .any(|b| matches!(b, RestoreBuffer::File { path, .. } if path.is_empty()))
    {
        loaded.inline_files(store)?;
    }
    Ok(loaded)
}

/// A verified object file as a buffer for the worker: an absolute path
/// (the worker's working directory may differ from ours), or an empty
/// one when the path cannot travel as UTF-8 (then it is read instead).
fn file_buffer(f: ObjectFile) -> RestoreBuffer {
    let path = std::path::absolute(&f.path)
        .ok()
        .and_then(|p| p.into_os_string().into_string().ok())
        .unwrap_or_default();
    RestoreBuffer::File {
        path,
        offset: f.offset,
        len: f.len,
    }
}

/// Store a cell's result under its key, replacing any older entry.
/// Objects first, the record last: a crash in between leaves unreferenced
/// objects (for `weir store gc`), never a record naming missing objects.
#[allow(clippy::too_many_arguments)]
pub fn save(
    store: &Store,
    key: &LineageKey,
    cell: &str,
    python: &str,
    values: &[CapturedValue],
    outputs: &[MimeBundle],
    console: &[ConsoleChunk],
    duration: Option<Duration>,
) -> Result<EntryMeta, StoreError> {
    let doc = ResultDoc {
        outputs: outputs.to_vec(),
        console: console
            .iter()
            .map(|c| StoredChunk {
                stream: c.stream,
                text: c.text.clone(),
                hash: c.hash.clone(),
            })
            .collect(),
    };
    let doc_bytes = serde_json::to_vec(&doc).unwrap_or_default();
    let mut objects: Vec<ObjectId> = vec![store.put_object(&doc_bytes)?];
    let mut entry_values = Vec::with_capacity(values.len());
    for v in values {
        let mut indices = Vec::with_capacity(v.buffers.len());
        for b in &v.buffers {
            indices.push(objects.len());
            objects.push(store.put_object(b)?);
        }
        entry_values.push(EntryValue {
            name: v.name.clone(),
            hash: v.value_hash.clone(),
            buffers: indices,
        });
    }
    let meta = EntryMeta {
        v: ENTRY_VERSION,
        cell: cell.to_owned(),
        saved_at: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        python: python.to_owned(),
        weir: crate::worker::RUNTIME_VERSION.to_owned(),
        duration_ms: duration.map(|d| d.as_secs_f64() * 1000.0),
        result_hash: result_hash(
            values
                .iter()
                .map(|v| (v.name.as_str(), v.value_hash.as_str())),
        ),
        values: entry_values,
    };
    let meta_bytes = serde_json::to_vec(&meta).unwrap_or_default();
    store.put_record(
        &record_key(key),
        &Record {
            objects,
            meta: meta_bytes,
        },
    )?;
    Ok(meta)
}
