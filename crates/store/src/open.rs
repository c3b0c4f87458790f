//! Opening a store: tell a Weir store from anything else, create a fresh
//! one, check versions and identities, repair a damaged marker from the
//! journal header (or a replica), load and merge the journals, and notice
//! a journal that was lost (docs/store.md, "Losing the journal").

use std::io;
use std::path::Path;
use std::sync::Mutex;

use crate::error::{Corruption, FileKind, Result, StoreError};
use crate::format::{
    BLOCK_LEN, DecodeError, FORMAT_VERSION, Ident, JOURNAL_MAGIC, MARKER_MAGIC, decode_ident,
    encode_ident,
};
use crate::fs::{Fs, Refused, at_most};
use crate::journal;
use crate::key::StoreKey;
use crate::store::{
    Dir, IntegrityCounters, JOURNAL_FILE, LAYOUT, MARKER_FILE, Store, StoreConfig, lock,
};

/// What a directory turned out to be.
enum Copy {
    /// Absent or empty: initialise.
    Fresh,
    Existing {
        marker: Option<Result<Ident, DecodeError>>,
        journal: Option<Vec<u8>>,
        /// The journal is not a regular file or is absurdly long: it was
        /// not read (its bytes are empty here) and is moved aside whole.
        journal_refused: bool,
    },
}

/// The longest journal read: 16 Mi entries (compaction keeps a journal
/// within 4x its live keys). Anything longer is damage, not read.
pub(crate) const JOURNAL_MAX: u64 = BLOCK_LEN as u64 * (16 << 20);

/// A marker or journal's bytes; `Err` if the file was refused unread
/// (special file, or longer than `limit`).
fn read_bounded(
    fs: &dyn Fs,
    path: &Path,
    limit: u64,
) -> Result<std::result::Result<Vec<u8>, Refused>> {
    match fs.read(path, BLOCK_LEN, &at_most(limit), &mut |_| {}) {
        Ok((mut head, rest)) => {
            head.extend_from_slice(&rest);
            Ok(Ok(head))
        }
        Err(e) => match Refused::of(&e) {
            Some(r) => Ok(Err(r)),
            None => Err(StoreError::io(path, e)),
        },
    }
}

fn identify(fs: &dyn Fs, d: &Dir) -> Result<Copy> {
    if !fs.exists(&d.root).map_err(|e| StoreError::io(&d.root, e))? {
        return Ok(Copy::Fresh);
    }
    let names = fs.list(&d.root).map_err(|e| match e.kind() {
        io::ErrorKind::NotADirectory => StoreError::NotAStore {
            path: d.root.clone(),
            reason: "not a directory".into(),
        },
        _ => StoreError::io(&d.root, e),
    })?;
    if names.is_empty() {
        return Ok(Copy::Fresh);
    }
    let has = |n: &str| names.iter().any(|x| x == n);
    // A refused marker reads as empty: damaged, rewritten.
    let marker = if has(MARKER_FILE) {
        Some(read_bounded(fs, &d.marker, BLOCK_LEN as u64)?.unwrap_or_default())
    } else {
        None
    };
    let (journal, journal_refused) = if has(JOURNAL_FILE) {
        match read_bounded(fs, &d.journal, JOURNAL_MAX)? {
            Ok(b) => (Some(b), false),
            Err(_) => (Some(Vec::new()), true),
        }
    } else {
        (None, false)
    };
    let foreign = names.iter().find(|n| !LAYOUT.iter().any(|l| *n == *l));
    let newer = |r: &Result<Ident, DecodeError>| {
        if let Err(DecodeError::NewerVersion(v)) = r {
            Some(*v)
        } else {
            None
        }
    };
    let m = marker.as_ref().map(|b| decode_ident(b, &MARKER_MAGIC));
    let j = journal.as_ref().map(|b| decode_ident(b, &JOURNAL_MAGIC));
    if let Some(v) = m.as_ref().and_then(newer).or(j.as_ref().and_then(newer)) {
        return Err(StoreError::NewerFormat {
            path: d.root.clone(),
            found: v,
            supported: FORMAT_VERSION,
        });
    }
    // A crash during `init` leaves only (empty) layout directories: no
    // marker and no journal yet, so nothing was ever acknowledged. Start
    // over rather than refuse the directory.
    if marker.is_none() && journal.is_none() && foreign.is_none() {
        let empty = |p: &Path| fs.list(p).map(|n| n.is_empty()).unwrap_or(true);
        if empty(&d.objects) && empty(&d.records) {
            return Ok(Copy::Fresh);
        }
    }
    let journal_ok = matches!(j, Some(Ok(_)));
    let not_ours = match &marker {
        None => !journal_ok,
        // Not even our magic's prefix and no intact journal header: some
        // other program's file, not a damaged marker.
        Some(b) => !b.starts_with(b"WEIR") && !journal_ok,
    };
    if not_ours {
        let reason = match (&marker, foreign) {
            (Some(_), _) => format!("{MARKER_FILE} is not a Weir store marker"),
            (None, Some(f)) => format!("no {MARKER_FILE} marker; holds {f:?}"),
            (None, None) => format!("no {MARKER_FILE} marker"),
        };
        return Err(StoreError::NotAStore {
            path: d.root.clone(),
            reason,
        });
    }
    Ok(Copy::Existing {
        marker: m,
        journal,
        journal_refused,
    })
}

/// A new store id: unique enough to tell stores apart (not a secret).
fn fresh_id(root: &Path) -> [u8; 16] {
    let mut id = [0u8; 16];
    id.copy_from_slice(&crate::unique::unique_bytes(root.as_os_str().as_encoded_bytes())[..16]);
    id
}

impl Store {
    /// Opens (creating if absent or empty) the store at `config.root` and
    /// its replicas.
    pub fn open(config: StoreConfig) -> Result<Store> {
        let key = match config.key.clone() {
            Some(k) => k,
            None => StoreKey::for_user()?,
        };
        let fs = config.fs.clone();
        let mut roots = vec![config.root.clone()];
        roots.extend(config.replicas.iter().cloned());
        for (i, r) in roots.iter().enumerate() {
            if roots[..i].contains(r) {
                return Err(StoreError::Invalid(format!(
                    "{} is given twice",
                    r.display()
                )));
            }
        }
        let copies: Vec<Dir> = roots.iter().map(|r| Dir::new(r)).collect();
        // Everything from here on runs under the exclusive store lock, so
        // of several processes opening a new store at once exactly one
        // creates it and the others open what it created, and no one
        // reads a journal or marker another is rewriting.
        let root = &config.root;
        if !fs.exists(root).map_err(|e| StoreError::io(root, e))? {
            match fs.create_dir_all(root) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(StoreError::io(root, e)),
            }
        }
        let _lock = fs.lock(root, true).map_err(|e| match e.kind() {
            io::ErrorKind::NotADirectory => StoreError::NotAStore {
                path: root.clone(),
                reason: "not a directory".into(),
            },
            _ => StoreError::io(root, e),
        })?;
        let kinds = copies
            .iter()
            .map(|d| identify(&*fs, d))
            .collect::<Result<Vec<_>>>()?;

        // The store's identity: from any intact marker or journal header.
        let mut store_id = None;
        let mut marker_high_water = 0;
        for (d, k) in copies.iter().zip(&kinds) {
            let Copy::Existing {
                marker, journal, ..
            } = k
            else {
                continue;
            };
            if let Some(Ok(m)) = marker {
                marker_high_water = marker_high_water.max(m.high_water);
            }
            let j = journal.as_ref().map(|b| decode_ident(b, &JOURNAL_MAGIC));
            let idents = [marker.clone(), j].into_iter().flatten().flatten();
            for id in idents.map(|i| i.store_id) {
                match store_id {
                    None => store_id = Some(id),
                    Some(s) if s != id => {
                        return Err(StoreError::NotAStore {
                            path: d.root.clone(),
                            reason: format!(
                                "belongs to another store (id {})",
                                crate::format::to_hex(&id)
                            ),
                        });
                    }
                    Some(_) => {}
                }
            }
        }
        let any_existing = kinds.iter().any(|k| matches!(k, Copy::Existing { .. }));
        let store_id = match store_id {
            Some(id) => id,
            None if !any_existing => fresh_id(&config.root),
            None => {
                // Existing copies, but no intact identity block anywhere.
                let d = &copies[0];
                let (reason, expected, actual) = match kinds.iter().find_map(|k| match k {
                    Copy::Existing {
                        marker: Some(Err(e)),
                        ..
                    } => Some(e.clone()),
                    _ => None,
                }) {
                    Some(DecodeError::BadChecksum { expected, actual }) => (
                        "marker and journal header both damaged".to_string(),
                        format!("checksum {expected:016x}"),
                        format!("checksum {actual:016x}"),
                    ),
                    e => (
                        format!("marker and journal header both damaged ({e:?})"),
                        "intact marker".into(),
                        "damaged".into(),
                    ),
                };
                return Err(StoreError::Corrupt(Box::new(Corruption {
                    kind: FileKind::Marker,
                    name: "WEIR-STORE".into(),
                    path: d.marker.clone(),
                    reason,
                    expected,
                    actual,
                    quarantined: None,
                })));
            }
        };

        let store = Store {
            fs: fs.clone(),
            copies,
            store_id,
            key,
            journal: Mutex::new(journal::State::default()),
            counters: Mutex::new(IntegrityCounters::default()),
            nonce: crate::concurrency::register_nonce(),
            pending: Mutex::new(Default::default()),
        };
        let mut t = IntegrityCounters::default();
        let mut journals: Vec<Option<Vec<u8>>> = Vec::new();
        let mut refused = Vec::new();
        let mut fresh = Vec::new();
        // Per copy: the marker as found (None: missing or damaged).
        let mut markers: Vec<Option<Ident>> = Vec::new();
        for (c, k) in kinds.into_iter().enumerate() {
            match k {
                Copy::Fresh => {
                    store.init(c)?;
                    journals.push(None);
                    refused.push(false);
                    fresh.push(c);
                    markers.push(Some(Ident {
                        store_id,
                        version: FORMAT_VERSION,
                        high_water: 0,
                    }));
                }
                Copy::Existing {
                    marker,
                    journal,
                    journal_refused,
                } => {
                    store.ensure_dirs(c)?;
                    let intact = marker.as_ref().and_then(|m| m.as_ref().ok()).copied();
                    if intact.is_none() {
                        t.failed += 1;
                        if marker.is_some() {
                            store.quarantine(c, FileKind::Marker, &store.copies[c].marker, &mut t);
                        }
                    }
                    markers.push(intact);
                    store.clean_tmp(c);
                    journals.push(journal);
                    refused.push(journal_refused);
                }
            }
        }
        let reserved =
            store.load_journals(&journals, &refused, &fresh, marker_high_water, &mut t)?;
        // Markers are rewritten after the journals are loaded, so each
        // carries the journal's high-water mark: a damaged or missing one
        // (a repair), one of format version 1 (an upgrade: an older Weir
        // then refuses the store instead of writing unauthenticated
        // records into it), or one behind the journal (a crash between a
        // reserve and the marker update).
        let mut all_current = true;
        for (c, m) in markers.iter().enumerate() {
            let current =
                m.is_some_and(|m| m.version == FORMAT_VERSION && m.high_water == reserved);
            if current {
                continue;
            }
            let block = encode_ident(&MARKER_MAGIC, &store_id, reserved);
            match store.write_atomic(c, &store.copies[c].marker, &[&block]) {
                Ok(()) if m.is_none() => t.repaired += 1,
                Ok(()) => {}
                Err(StoreError::ReadOnly { .. }) => {
                    all_current = false;
                    if m.is_none() {
                        t.unrepairable += 1;
                    }
                }
                Err(e) => return Err(e),
            }
        }
        if all_current {
            lock(&store.journal).marker_high_water = reserved;
        }
        store.count(&t);
        Ok(store)
    }

    fn ensure_dirs(&self, c: usize) -> Result<()> {
        let d = &self.copies[c];
        let mut created = false;
        for p in [&d.objects, &d.records, &d.quarantine, &d.tmp] {
            if !self.fs.exists(p).map_err(|e| StoreError::io(p, e))? {
                self.fs
                    .create_dir_all(p)
                    .map_err(|e| StoreError::io(p, e))?;
                created = true;
            }
        }
        if created {
            self.fs
                .fsync_dir(&d.root)
                .map_err(|e| StoreError::io(&d.root, e))?;
        }
        Ok(())
    }

    /// A new, empty copy: directories, an empty journal, then the marker
    /// last (a crash before it leaves no marker: the next open re-inits).
    fn init(&self, c: usize) -> Result<()> {
        let d = &self.copies[c];
        self.fs
            .create_dir_all(&d.root)
            .map_err(|e| StoreError::io(&d.root, e))?;
        self.ensure_dirs(c)?;
        self.fs
            .fsync_dir(&d.root)
            .map_err(|e| StoreError::io(&d.root, e))?;
        if let Some(parent) = d.root.parent().filter(|p| !p.as_os_str().is_empty()) {
            self.fs
                .fsync_dir(parent)
                .map_err(|e| StoreError::io(parent, e))?;
        }
        let header = encode_ident(&JOURNAL_MAGIC, &self.store_id, 0);
        self.write_atomic(c, &d.journal, &[&header])?;
        self.write_atomic(
            c,
            &d.marker,
            &[&encode_ident(&MARKER_MAGIC, &self.store_id, 0)],
        )
    }

    /// Merges every copy's journal; returns the highest generation
    /// reserved. A damaged copy is rewritten from the merged state if some
    /// copy is intact. If none is (every copy absent, emptied, refused or
    /// damaged), or the journals reach less far than a marker says they
    /// did, the journal was lost: it can no longer tell an old record put
    /// back from the current one, so it vouches for nothing written so far
    /// (a `floor` above every generation that may have been used, records
    /// at or below it are `JournalLost` until rewritten).
    fn load_journals(
        &self,
        journals: &[Option<Vec<u8>>],
        refused: &[bool],
        fresh: &[usize],
        marker_high_water: u64,
        t: &mut IntegrityCounters,
    ) -> Result<u64> {
        let mut st = journal::State::default();
        let mut any_clean = false;
        let mut damaged = false;
        let mut rewrite = false;
        let mut older_format = false;
        let mut bad_copies = 0;
        for (c, j) in journals.iter().enumerate() {
            if fresh.contains(&c) {
                continue;
            }
            let Some(bytes) = j else {
                bad_copies += 1;
                t.failed += 1;
                t.journal_damage += 1;
                damaged = true;
                rewrite = true;
                continue;
            };
            let p = journal::parse(bytes);
            p.entries.iter().for_each(|e| st.apply(e));
            let foreign = p.store_id.is_some_and(|id| id != self.store_id);
            if p.header_error.is_none() && p.version < FORMAT_VERSION {
                older_format = true;
                rewrite = true;
            }
            if p.clean() && !foreign {
                any_clean = true;
                continue;
            }
            rewrite = true;
            bad_copies += 1;
            if p.torn_tail {
                t.journal_torn_tails += 1;
            }
            if p.damaged > 0 || p.header_error.is_some() || foreign {
                t.failed += 1;
                t.journal_damage += 1;
                damaged = true;
                if refused[c] {
                    // Not read at all (a FIFO, a link, absurdly long): move
                    // the thing itself aside.
                    let path = self.copies[c].journal.clone();
                    self.quarantine(c, FileKind::Journal, &path, t);
                } else {
                    self.quarantine_copy_of_journal(c, bytes, t);
                }
            }
        }
        let behind_marker = marker_high_water > st.reserved;
        if behind_marker {
            // Whole entries (at least a reserve) are gone from every copy.
            t.failed += 1;
            t.journal_damage += 1;
        }
        if (damaged && !any_clean) || behind_marker {
            t.unrepairable += 1;
            rewrite = true;
            // Above every generation that may have been handed out: the
            // marker's mark, and any record's generation on disk.
            // Only authenticated records count (a forged generation must
            // not move the floor); bad ones are left where they are, for
            // the read that needs them to report and quarantine.
            let mut floor = st.reserved.max(marker_high_water);
            for c in 0..self.copies.len() {
                for name in self.fs.list(&self.copies[c].records).unwrap_or_default() {
                    let Some(key) = name.to_str().and_then(crate::format::RecordKey::from_hex)
                    else {
                        continue;
                    };
                    if let Some(g) = self.peek_record_generation(c, &key) {
                        floor = floor.max(g);
                    }
                }
            }
            st.lose(floor);
        } else if any_clean {
            // Every acknowledged entry is in the intact copy.
            t.repaired += bad_copies;
        }
        if older_format {
            // Format 1 commits vouch for records that never load (no MAC).
            st.keys.retain(|_, s| s.deleted);
        }
        st.finish_load();
        if rewrite || !fresh.is_empty() {
            match self.journal_rewrite(&mut st) {
                Ok(()) => {}
                // Read-only: serve reads; a write would fail anyway.
                Err(StoreError::ReadOnly { .. }) => st.poisoned = true,
                Err(e) => return Err(e),
            }
        }
        let reserved = st.reserved;
        self.note_journal_file(&mut st);
        *lock(&self.journal) = st;
        Ok(reserved)
    }

    /// Keeps the damaged journal's bytes for inspection before it is rewritten.
    fn quarantine_copy_of_journal(&self, c: usize, bytes: &[u8], t: &mut IntegrityCounters) {
        let d = &self.copies[c];
        let dest = d
            .quarantine
            .join(format!("journal.{}", self.unique_suffix()));
        if self.fs.write_file(&dest, &[bytes], true).is_ok()
            && self.fs.fsync_dir(&d.quarantine).is_ok()
        {
            t.quarantined += 1;
        }
    }
}

/// Convenience for tests and tools: a store on the real file system.
pub fn open_dir(root: &Path) -> Result<Store> {
    Store::open(StoreConfig {
        root: root.to_path_buf(),
        ..StoreConfig::default()
    })
}
