//! The store: objects and records in one primary directory and optional
//! replica directories, every write atomic and durable, every read
//! verified, every bad copy quarantined and repaired from a good one.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::error::{Corruption, FileKind, Result, StoreError};
use crate::format::{
    BLOCK_LEN, DecodeError, JournalEntry, MARKER_MAGIC, MAX_RECORD_BODY, MAX_RECORD_META,
    MAX_RECORD_OBJECTS, OBJECT_MAGIC, ObjectId, RECORD_MAGIC, Record, RecordKey, StoredRecord,
    decode_header, decode_record, encode_entry, encode_header, encode_ident, encode_record, to_hex,
    verify_object,
};
use crate::fs::{Fs, RealFs, Refused};
use crate::journal;
use crate::key::StoreKey;

/// Directory layout of one copy (the primary or a replica).
pub const MARKER_FILE: &str = "WEIR-STORE";
pub const JOURNAL_FILE: &str = "journal";
pub const OBJECTS_DIR: &str = "objects";
pub const RECORDS_DIR: &str = "records";
pub const QUARANTINE_DIR: &str = "quarantine";
pub const TMP_DIR: &str = "tmp";
/// Everything a store directory may contain.
pub const LAYOUT: [&str; 6] = [
    MARKER_FILE,
    JOURNAL_FILE,
    OBJECTS_DIR,
    RECORDS_DIR,
    QUARANTINE_DIR,
    TMP_DIR,
];

/// How to open a store.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// The primary directory (e.g. `__weir__/store/` beside the notebook).
    pub root: PathBuf,
    /// Replica directories, each a full copy: writes go to all, reads
    /// repair a bad copy from a good one. Empty for no redundancy.
    pub replicas: Vec<PathBuf>,
    /// The file system; [`RealFs`] unless testing with `SimFs`.
    pub fs: Arc<dyn Fs>,
    /// The key records are authenticated with (docs/store.md, "Trust").
    /// None: this user's key ([`StoreKey::for_user`]), created on first
    /// use, so forgetting to set it never means "no key".
    pub key: Option<StoreKey>,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            root: PathBuf::new(),
            replicas: Vec::new(),
            fs: Arc::new(RealFs),
            key: None,
        }
    }
}

impl StoreConfig {
    pub fn new(root: impl Into<PathBuf>) -> StoreConfig {
        StoreConfig {
            root: root.into(),
            ..StoreConfig::default()
        }
    }
}

/// Integrity events, cumulative for a [`Store`] (and per scrub). Every
/// failed check lands in `failed` and in exactly one of `repaired` or
/// `unrepairable` (or is a journal event, counted on its own).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct IntegrityCounters {
    /// Copies of objects/records verified.
    pub checked: u64,
    /// Copies that verified.
    pub ok: u64,
    /// Copies that failed a check, were missing where expected, or stale.
    pub failed: u64,
    /// Bad or missing copies rewritten from a good copy.
    pub repaired: u64,
    /// Files moved to `quarantine/`.
    pub quarantined: u64,
    /// Objects/records with no good copy left (reported, not served).
    pub unrepairable: u64,
    /// Records older than the journal says (a subset of `unrepairable`
    /// when no copy has the journal's generation).
    pub lost_writes: u64,
    /// Journal files found damaged (other than a torn tail).
    pub journal_damage: u64,
    /// Journal files whose last append was torn (normal after a crash).
    pub journal_torn_tails: u64,
}

impl IntegrityCounters {
    pub(crate) fn add(&mut self, o: &IntegrityCounters) {
        self.checked += o.checked;
        self.ok += o.ok;
        self.failed += o.failed;
        self.repaired += o.repaired;
        self.quarantined += o.quarantined;
        self.unrepairable += o.unrepairable;
        self.lost_writes += o.lost_writes;
        self.journal_damage += o.journal_damage;
        self.journal_torn_tails += o.journal_torn_tails;
    }
}

/// One copy's paths.
#[derive(Debug, Clone)]
pub(crate) struct Dir {
    pub root: PathBuf,
    pub objects: PathBuf,
    pub records: PathBuf,
    pub quarantine: PathBuf,
    pub tmp: PathBuf,
    pub journal: PathBuf,
    pub marker: PathBuf,
}

impl Dir {
    pub fn new(root: &Path) -> Dir {
        Dir {
            root: root.to_path_buf(),
            objects: root.join(OBJECTS_DIR),
            records: root.join(RECORDS_DIR),
            quarantine: root.join(QUARANTINE_DIR),
            tmp: root.join(TMP_DIR),
            journal: root.join(JOURNAL_FILE),
            marker: root.join(MARKER_FILE),
        }
    }
    pub fn object(&self, id: &ObjectId) -> PathBuf {
        self.objects.join(id.to_hex())
    }
    pub fn record(&self, key: &RecordKey) -> PathBuf {
        self.records.join(key.to_hex())
    }
}

/// What one copy holds for a name.
pub(crate) enum Found<T> {
    Good(T),
    Missing,
    Bad(StoreError),
}

/// An open store. Methods take `&self`. Any number of processes, and of
/// `Store`s in one process, may use one store directory at once: they
/// coordinate through the store lock and the journal file, not through
/// memory (docs/store.md, "Concurrency").
#[derive(Debug)]
pub struct Store {
    pub(crate) fs: Arc<dyn Fs>,
    pub(crate) copies: Vec<Dir>,
    pub(crate) store_id: [u8; 16],
    pub(crate) key: StoreKey,
    /// This process's view of the journal. Lock order: the store lock
    /// (flock) first, then this mutex, never the other way round.
    pub(crate) journal: Mutex<journal::State>,
    pub(crate) counters: Mutex<IntegrityCounters>,
    /// Random, per `Store`: part of every temporary name and of the
    /// pending list's name.
    pub(crate) nonce: u64,
    /// Objects stored but not yet named by a record this store wrote,
    /// with how many `put_object` calls each is pending for.
    pub(crate) pending: Mutex<HashMap<ObjectId, u64>>,
}

/// Locks `m`, taking the data even if another thread panicked holding it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Expected/actual strings for a failed check, named after the check.
fn expected_actual(e: &DecodeError, head: &[u8]) -> (String, String) {
    match e {
        DecodeError::Truncated { expected, actual } => {
            (format!("length {expected}"), format!("length {actual}"))
        }
        DecodeError::BadMagic => (
            "magic".into(),
            format!("bytes {}", to_hex(&head[..head.len().min(8)])),
        ),
        DecodeError::BadChecksum { expected, actual } => (
            format!("checksum {expected:016x}"),
            format!("checksum {actual:016x}"),
        ),
        DecodeError::NewerVersion(v) => (
            format!("version <= {}", crate::format::FORMAT_VERSION),
            format!("version {v}"),
        ),
        DecodeError::Malformed(w) => ("well-formed".into(), (*w).into()),
        DecodeError::HashMismatch { expected, actual } => (to_hex(expected), to_hex(actual)),
        DecodeError::BadMac { expected, actual } => (
            format!("MAC {}", to_hex(expected)),
            format!("MAC {}", to_hex(actual)),
        ),
        DecodeError::Unauthenticated(v) => (
            format!(
                "format version {}, with a MAC",
                crate::format::FORMAT_VERSION
            ),
            format!("format version {v}, no MAC"),
        ),
        DecodeError::NotRegular(what) => ("a regular file".into(), (*what).into()),
        DecodeError::TooLong { limit, actual } => {
            (format!("length <= {limit}"), format!("length {actual}"))
        }
    }
}

/// The failed check behind a refusal from [`Fs::read`].
pub(crate) fn refusal(r: Refused) -> DecodeError {
    match r {
        Refused::NotRegular(what) => DecodeError::NotRegular(what),
        Refused::Length { expected, actual } => DecodeError::Truncated { expected, actual },
        Refused::TooLong { limit, actual } => DecodeError::TooLong { limit, actual },
    }
}

/// How much of an object or record file to read after its header: what
/// the header declares, which must be what the file holds; nothing if
/// the header does not decode (its check fails first anyway) or declares
/// more than `limit`.
fn declared(magic: &'static [u8; 8], limit: u64) -> impl Fn(&[u8], u64) -> Result<u64, Refused> {
    move |head, rest| match decode_header(head, magic) {
        Ok(h) if h.len > limit => Err(Refused::TooLong {
            limit: BLOCK_LEN as u64 + limit,
            actual: BLOCK_LEN as u64 + rest,
        }),
        Ok(h) if h.len != rest => Err(Refused::Length {
            expected: h.len,
            actual: rest,
        }),
        Ok(h) => Ok(h.len),
        Err(_) => Ok(0),
    }
}

impl Store {
    /// The integrity events since open: never silent.
    pub fn integrity_counters(&self) -> IntegrityCounters {
        *lock(&self.counters)
    }

    pub(crate) fn count(&self, t: &IntegrityCounters) {
        lock(&self.counters).add(t);
    }

    /// Writes `parts` to `path` atomically and durably: temporary file in
    /// `tmp/`, fsync, rename, fsync of the target directory. On return Ok
    /// the new content is durable under `path`; on error `path` holds the
    /// old content or the new, never a mix.
    pub(crate) fn write_atomic(&self, c: usize, path: &Path, parts: &[&[u8]]) -> Result<()> {
        let d = &self.copies[c];
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = d.tmp.join(format!("{name}.{}", self.unique_suffix()));
        if let Err(e) = self.fs.write_file(&tmp, parts, true) {
            let _ = self.fs.remove(&tmp);
            return Err(StoreError::io(&tmp, e));
        }
        if let Err(e) = self.fs.rename(&tmp, path) {
            let _ = self.fs.remove(&tmp);
            return Err(StoreError::io(path, e));
        }
        let parent = path.parent().expect("store paths have a parent");
        self.fs
            .fsync_dir(parent)
            .map_err(|e| StoreError::io(parent, e))
    }

    /// Moves a bad file to `quarantine/` (never deletes it). None if it
    /// could not be moved (read-only store): it is still never served.
    pub(crate) fn quarantine(
        &self,
        c: usize,
        kind: FileKind,
        path: &Path,
        t: &mut IntegrityCounters,
    ) -> Option<PathBuf> {
        let d = &self.copies[c];
        let name = path.file_name()?.to_string_lossy().into_owned();
        let dest = d
            .quarantine
            .join(format!("{kind}-{name}.{}", self.unique_suffix()).replace(' ', "_"));
        self.fs.rename(path, &dest).ok()?;
        let _ = self.fs.fsync_dir(&d.quarantine);
        let _ = self.fs.fsync_dir(path.parent()?);
        t.quarantined += 1;
        Some(dest)
    }

    /// Builds the Corrupt error for a failed check (named after the file:
    /// the object id or record key) and quarantines the file.
    pub(crate) fn corrupt(
        &self,
        c: usize,
        kind: FileKind,
        path: &Path,
        e: &DecodeError,
        head: &[u8],
        t: &mut IntegrityCounters,
    ) -> StoreError {
        t.failed += 1;
        let (expected, actual) = expected_actual(e, head);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let quarantined = self.quarantine(c, kind, path, t);
        StoreError::Corrupt(Box::new(Corruption {
            kind,
            name,
            path: path.to_path_buf(),
            reason: e.to_string(),
            expected,
            actual,
            quarantined,
        }))
    }

    /// Reads and verifies one copy of an object, hashing while reading.
    pub(crate) fn read_object_copy(
        &self,
        c: usize,
        id: &ObjectId,
        t: &mut IntegrityCounters,
    ) -> Found<Vec<u8>> {
        let path = self.copies[c].object(id);
        let mut hasher = blake3::Hasher::new();
        let rest = declared(&OBJECT_MAGIC, u64::MAX);
        let (head, payload) = match self.fs.read(&path, BLOCK_LEN, &rest, &mut |chunk| {
            hasher.update(chunk);
        }) {
            Ok(x) => x,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Found::Missing,
            Err(e) if Refused::of(&e).is_some() => {
                t.checked += 1;
                let r = refusal(Refused::of(&e).expect("checked"));
                return Found::Bad(self.corrupt(c, FileKind::Object, &path, &r, &[], t));
            }
            Err(e) => {
                t.checked += 1;
                t.failed += 1;
                return Found::Bad(StoreError::io(&path, e));
            }
        };
        t.checked += 1;
        match verify_object(
            &head,
            payload.len() as u64,
            hasher.finalize().as_bytes(),
            id,
        ) {
            Ok(()) => {
                t.ok += 1;
                Found::Good(payload)
            }
            Err(e) => Found::Bad(self.corrupt(c, FileKind::Object, &path, &e, &head, t)),
        }
    }

    /// Reads and verifies one copy of a record file; returns it with its raw bytes.
    pub(crate) fn read_record_copy(
        &self,
        c: usize,
        key: &RecordKey,
        t: &mut IntegrityCounters,
    ) -> Found<(StoredRecord, Vec<u8>)> {
        let path = self.copies[c].record(key);
        let rest = declared(&RECORD_MAGIC, MAX_RECORD_BODY);
        let file = match self.fs.read(&path, BLOCK_LEN, &rest, &mut |_| {}) {
            Ok((mut head, body)) => {
                head.extend_from_slice(&body);
                head
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Found::Missing,
            Err(e) if Refused::of(&e).is_some() => {
                t.checked += 1;
                let r = refusal(Refused::of(&e).expect("checked"));
                return Found::Bad(self.corrupt(c, FileKind::Record, &path, &r, &[], t));
            }
            Err(e) => {
                t.checked += 1;
                t.failed += 1;
                return Found::Bad(StoreError::io(&path, e));
            }
        };
        t.checked += 1;
        match decode_record(&file, key, &self.key) {
            Ok((r, _)) => {
                t.ok += 1;
                Found::Good((r, file))
            }
            Err(e) => Found::Bad(self.corrupt(c, FileKind::Record, &path, &e, &file, t)),
        }
    }

    /// The generation of an intact, authenticated record copy; None for
    /// anything else, which is left untouched and uncounted.
    pub(crate) fn peek_record_generation(&self, c: usize, key: &RecordKey) -> Option<u64> {
        let rest = declared(&RECORD_MAGIC, MAX_RECORD_BODY);
        let (mut file, body) = self
            .fs
            .read(&self.copies[c].record(key), BLOCK_LEN, &rest, &mut |_| {})
            .ok()?;
        file.extend_from_slice(&body);
        decode_record(&file, key, &self.key)
            .ok()
            .map(|(r, _)| r.generation)
    }

    /// Stores `content`; returns its id. Idempotent: an intact existing copy
    /// is kept, a damaged one is quarantined and rewritten.
    pub fn put_object(&self, content: &[u8]) -> Result<ObjectId> {
        // Shared: object writes run side by side, but never beside gc,
        // which must see this object either absent or pending.
        let _l = self.store_lock(false)?;
        let id = ObjectId::of(content);
        let header = encode_header(&OBJECT_MAGIC, content.len() as u64, &id.0);
        let mut t = IntegrityCounters::default();
        let result = (|| {
            for c in 0..self.copies.len() {
                let path = self.copies[c].object(&id);
                if self
                    .fs
                    .exists(&path)
                    .map_err(|e| StoreError::io(&path, e))?
                {
                    match self.read_object_copy(c, &id, &mut t) {
                        Found::Good(_) => continue,
                        Found::Missing => {}
                        Found::Bad(_) => t.repaired += 1,
                    }
                }
                self.write_atomic(c, &path, &[&header, content])?;
            }
            self.pending_add(&id);
            Ok(id)
        })();
        self.count(&t);
        result
    }

    /// Returns the object's bytes, verified. A bad copy is quarantined and,
    /// if another copy is good, rewritten from it.
    pub fn get_object(&self, id: &ObjectId) -> Result<Vec<u8>> {
        let _l = self.store_lock(false)?;
        let mut t = IntegrityCounters::default();
        let r = self.load_object(id, &mut t);
        self.count(&t);
        r
    }

    pub(crate) fn load_object(&self, id: &ObjectId, t: &mut IntegrityCounters) -> Result<Vec<u8>> {
        self.load_object_from(id, t, 0, Vec::new(), None)
    }

    /// [`Store::load_object`] from copy `start` on, when the copies before
    /// it were already tried: `bad` (copy, was-corrupt) and the first error
    /// they gave, so they are repaired and reported as if tried here.
    pub(crate) fn load_object_from(
        &self,
        id: &ObjectId,
        t: &mut IntegrityCounters,
        start: usize,
        mut bad: Vec<(usize, bool)>,
        mut first_err: Option<StoreError>,
    ) -> Result<Vec<u8>> {
        for c in start..self.copies.len() {
            match self.read_object_copy(c, id, t) {
                Found::Good(data) => {
                    self.repair_object(id, &data, &bad, t);
                    return Ok(data);
                }
                Found::Missing => bad.push((c, false)),
                Found::Bad(e) => {
                    bad.push((c, true));
                    first_err.get_or_insert(e);
                }
            }
        }
        match first_err {
            Some(e) => {
                t.unrepairable += 1;
                Err(e)
            }
            None => Err(StoreError::ObjectNotFound(*id)),
        }
    }

    /// Rewrites the copies in `bad` (copy, was-corrupt) from verified bytes.
    pub(crate) fn repair_object(
        &self,
        id: &ObjectId,
        data: &[u8],
        bad: &[(usize, bool)],
        t: &mut IntegrityCounters,
    ) {
        let header = encode_header(&OBJECT_MAGIC, data.len() as u64, &id.0);
        for &(c, corrupt) in bad {
            if !corrupt {
                t.failed += 1; // missing here, present elsewhere: a lost copy
            }
            match self.write_atomic(c, &self.copies[c].object(id), &[&header, data]) {
                Ok(()) => t.repaired += 1,
                Err(_) => t.unrepairable += 1,
            }
        }
    }

    /// Stores `record` under `key` with a fresh generation (returned). Every
    /// object it names must already be stored.
    pub fn put_record(&self, key: &RecordKey, record: &Record) -> Result<u64> {
        if record.objects.len() > MAX_RECORD_OBJECTS || record.meta.len() > MAX_RECORD_META {
            return Err(StoreError::Invalid(format!(
                "record has {} objects and {} metadata bytes (limits {MAX_RECORD_OBJECTS}, {MAX_RECORD_META})",
                record.objects.len(),
                record.meta.len()
            )));
        }
        // Exclusive: generations are taken, and the record and its commit
        // written, in one order that every process's journal agrees on.
        let _l = self.store_lock(true)?;
        for o in &record.objects {
            let p = self.copies[0].object(o);
            if !self.fs.exists(&p).map_err(|e| StoreError::io(&p, e))? {
                return Err(StoreError::ObjectNotFound(*o));
            }
        }
        let mut st = lock(&self.journal);
        self.catch_up(&mut st)?;
        let generation = self.take_generation(&mut st)?;
        let stored = StoredRecord {
            key: *key,
            generation,
            record: record.clone(),
        };
        let (bytes, hash) = encode_record(&stored, &self.key);
        for c in 0..self.copies.len() {
            self.write_atomic(c, &self.copies[c].record(key), &[&bytes])?;
        }
        let mut body_hash = [0u8; 8];
        body_hash.copy_from_slice(&hash[..8]);
        self.journal_append(
            &mut st,
            &JournalEntry::Commit {
                key: *key,
                generation,
                body_hash,
            },
        )?;
        drop(st);
        self.pending_done(&record.objects);
        Ok(generation)
    }

    /// Removes a record (its objects stay until `gc`). The journal remembers
    /// the deletion so an old file coming back is not served.
    pub fn delete_record(&self, key: &RecordKey) -> Result<()> {
        let _l = self.store_lock(true)?;
        self.delete_locked(key)
    }

    /// [`Store::delete_record`] for a caller holding the store lock exclusively.
    pub(crate) fn delete_locked(&self, key: &RecordKey) -> Result<()> {
        let mut st = lock(&self.journal);
        self.catch_up(&mut st)?;
        let generation = self.take_generation(&mut st)?;
        for d in &self.copies {
            let p = d.record(key);
            match self.fs.remove(&p) {
                Ok(()) => self
                    .fs
                    .fsync_dir(&d.records)
                    .map_err(|e| StoreError::io(&d.records, e))?,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::io(&p, e)),
            }
        }
        self.journal_append(
            &mut st,
            &JournalEntry::Delete {
                key: *key,
                generation,
            },
        )
    }

    fn take_generation(&self, st: &mut journal::State) -> Result<u64> {
        loop {
            // The marker learns how far the journal reaches before any
            // generation of a new block is used, so a journal that later
            // comes back shorter is known to have lost entries. (Checked
            // on every take: a marker write that failed is retried.)
            if st.marker_high_water < st.reserved {
                self.write_markers(st.reserved)?;
                st.marker_high_water = st.reserved;
            }
            if let Some(g) = st.take() {
                return Ok(g);
            }
            let e = st.reserve_entry();
            self.journal_append(st, &e)?;
        }
    }

    /// Rewrites every copy's marker with the journal's high-water mark.
    pub(crate) fn write_markers(&self, high_water: u64) -> Result<()> {
        let block = encode_ident(&MARKER_MAGIC, &self.store_id, high_water);
        for c in 0..self.copies.len() {
            self.write_atomic(c, &self.copies[c].marker, &[&block])?;
        }
        Ok(())
    }

    /// Appends an entry durably to every copy's journal (rewriting the
    /// journal first if it is due for compaction or an append failed).
    pub(crate) fn journal_append(&self, st: &mut journal::State, e: &JournalEntry) -> Result<()> {
        if st.wants_compaction() {
            self.journal_rewrite(st)?;
        }
        let bytes = encode_entry(e);
        for (c, d) in self.copies.iter().enumerate() {
            if let Err(err) = self.fs.append(&d.journal, &bytes, true) {
                st.poisoned = true;
                return Err(StoreError::io(&d.journal, err));
            }
            if c == 0 {
                // Our own entry: catching up must not apply it twice.
                st.file_len += BLOCK_LEN as u64;
            }
        }
        st.apply(e);
        Ok(())
    }

    /// Replaces every copy's journal with a snapshot of the state.
    pub(crate) fn journal_rewrite(&self, st: &mut journal::State) -> Result<()> {
        let snap = st.snapshot(&self.store_id);
        for c in 0..self.copies.len() {
            self.write_atomic(c, &self.copies[c].journal, &[&snap])?;
        }
        st.entries = (snap.len() / BLOCK_LEN - 1) as u64;
        st.poisoned = false;
        self.note_journal_file(st);
        Ok(())
    }

    /// The record under `key`, verified, with its objects verified present.
    pub fn get_record(&self, key: &RecordKey) -> Result<Option<Record>> {
        Ok(self.get_record_versioned(key)?.map(|s| s.record))
    }

    /// Like [`Store::get_record`], with the record's generation.
    pub fn get_record_versioned(&self, key: &RecordKey) -> Result<Option<StoredRecord>> {
        let _l = self.store_lock(false)?;
        let mut t = IntegrityCounters::default();
        let r = self.load_record(key, &mut t, true);
        self.count(&t);
        r
    }

    /// Resolves a record across copies against the journal: newest intact
    /// copy wins if it is at least as new as the journal says; stale,
    /// missing and corrupt copies are repaired from it. Caller holds the
    /// store lock (shared at least: no record write is in flight).
    pub(crate) fn load_record(
        &self,
        key: &RecordKey,
        t: &mut IntegrityCounters,
        check_objects: bool,
    ) -> Result<Option<StoredRecord>> {
        let (expected, floor) = {
            let mut st = lock(&self.journal);
            // Another process may have written or deleted it since: judge
            // the disk against the journal as it is now, not as it was.
            self.catch_up(&mut st)?;
            (st.keys.get(key).copied(), st.floor)
        };
        let found: Vec<Found<(StoredRecord, Vec<u8>)>> = (0..self.copies.len())
            .map(|c| self.read_record_copy(c, key, t))
            .collect();
        let best = found
            .iter()
            .filter_map(|f| {
                if let Found::Good((r, b)) = f {
                    Some((r, b))
                } else {
                    None
                }
            })
            .max_by_key(|(r, _)| r.generation);
        let first_err = found.iter().position(|f| matches!(f, Found::Bad(_)));
        if let Some(x) = expected
            && x.deleted
            && best.is_none_or(|(r, _)| r.generation <= x.generation)
        {
            return Ok(None);
        }
        let Some((best, bytes)) = best else {
            if let Some(i) = first_err {
                t.unrepairable += 1;
                let Some(Found::Bad(e)) = found.into_iter().nth(i) else {
                    unreachable!()
                };
                return Err(e);
            }
            return match expected {
                Some(x) if !x.deleted => {
                    t.failed += 1;
                    t.lost_writes += 1;
                    t.unrepairable += 1;
                    Err(StoreError::LostWrite {
                        key: *key,
                        expected: x.generation,
                        found: None,
                    })
                }
                _ => Ok(None),
            };
        };
        // Below the floor only a commit entry naming this very generation
        // vouches for a record: the journal that knew about newer ones
        // was lost.
        let vouched = expected.is_some_and(|x| !x.deleted && x.generation == best.generation);
        if best.generation <= floor && !vouched {
            t.failed += 1;
            t.lost_writes += 1;
            t.unrepairable += 1;
            return Err(StoreError::JournalLost {
                key: *key,
                found: best.generation,
                floor,
            });
        }
        if let Some(x) = expected
            && !x.deleted
            && x.generation > best.generation
        {
            t.failed += 1;
            t.lost_writes += 1;
            t.unrepairable += 1;
            return Err(StoreError::LostWrite {
                key: *key,
                expected: x.generation,
                found: Some(best.generation),
            });
        }
        for (c, f) in found.iter().enumerate() {
            let stale = match f {
                Found::Good((r, _)) => r.generation < best.generation,
                Found::Missing => true,
                Found::Bad(_) => false, // counted as failed already
            };
            if !stale && !matches!(f, Found::Bad(_)) {
                continue;
            }
            if stale {
                t.failed += 1;
            }
            match self.write_atomic(c, &self.copies[c].record(key), &[bytes]) {
                Ok(()) => t.repaired += 1,
                Err(_) => t.unrepairable += 1,
            }
        }
        if check_objects {
            crate::verified::load_all(key, &best.record.objects, |o| self.load_object(o, t))?;
        }
        Ok(Some(best.clone()))
    }
}
