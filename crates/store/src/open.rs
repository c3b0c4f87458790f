//! Opening a store: tell a Weir store from anything else, create a fresh
//! one, check versions and identities, repair a damaged marker from the
//! journal header (or a replica), load and merge the journals.

use std::io;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

use crate::error::{Corruption, FileKind, Result, StoreError};
use crate::format::{
    DecodeError, FORMAT_VERSION, JOURNAL_MAGIC, MARKER_MAGIC, decode_ident, encode_ident,
};
use crate::fs::Fs;
use crate::journal;
use crate::store::{
    Dir, IntegrityCounters, JOURNAL_FILE, LAYOUT, MARKER_FILE, Store, StoreConfig, lock,
};

/// What a directory turned out to be.
enum Copy {
    /// Absent or empty: initialise.
    Fresh,
    Existing {
        marker: Option<Result<[u8; 16], DecodeError>>,
        journal: Option<Vec<u8>>,
    },
}

fn read_all(fs: &dyn Fs, path: &Path) -> Result<Vec<u8>> {
    fs.read(path, usize::MAX, &mut |_| {})
        .map(|(h, _)| h)
        .map_err(|e| StoreError::io(path, e))
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
    let marker = if has(MARKER_FILE) {
        Some(read_all(fs, &d.marker)?)
    } else {
        None
    };
    let journal = if has(JOURNAL_FILE) {
        Some(read_all(fs, &d.journal)?)
    } else {
        None
    };
    let foreign = names.iter().find(|n| !LAYOUT.iter().any(|l| *n == *l));
    let newer = |r: &Result<[u8; 16], DecodeError>| {
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
    Ok(Copy::Existing { marker: m, journal })
}

/// A new store id: unique enough to tell stores apart (not a secret).
fn fresh_id(root: &Path) -> [u8; 16] {
    static N: AtomicU64 = AtomicU64::new(0);
    let mut h = blake3::Hasher::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    h.update(&now.to_le_bytes());
    h.update(&std::process::id().to_le_bytes());
    h.update(
        &N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            .to_le_bytes(),
    );
    h.update(root.as_os_str().as_encoded_bytes());
    let mut id = [0u8; 16];
    id.copy_from_slice(&h.finalize().as_bytes()[..16]);
    id
}

impl Store {
    /// Opens (creating if absent or empty) the store at `config.root` and
    /// its replicas.
    pub fn open(config: StoreConfig) -> Result<Store> {
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
        let kinds = copies
            .iter()
            .map(|d| identify(&*fs, d))
            .collect::<Result<Vec<_>>>()?;

        // The store's identity: from any intact marker or journal header.
        let mut store_id = None;
        for (d, k) in copies.iter().zip(&kinds) {
            let Copy::Existing { marker, journal } = k else {
                continue;
            };
            let j = journal.as_ref().map(|b| decode_ident(b, &JOURNAL_MAGIC));
            for id in [marker.clone(), j].into_iter().flatten().flatten() {
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
            journal: Mutex::new(journal::State::default()),
            counters: Mutex::new(IntegrityCounters::default()),
            seq: AtomicU64::new(0),
        };
        let mut t = IntegrityCounters::default();
        let mut journals: Vec<Option<Vec<u8>>> = Vec::new();
        let mut fresh = Vec::new();
        for (c, k) in kinds.into_iter().enumerate() {
            match k {
                Copy::Fresh => {
                    store.init(c)?;
                    journals.push(None);
                    fresh.push(c);
                }
                Copy::Existing { marker, journal } => {
                    store.ensure_dirs(c)?;
                    if !matches!(marker, Some(Ok(_))) {
                        t.failed += 1;
                        if marker.is_some() {
                            store.quarantine(c, FileKind::Marker, &store.copies[c].marker, &mut t);
                        }
                        match store.write_atomic(
                            c,
                            &store.copies[c].marker,
                            &[&encode_ident(&MARKER_MAGIC, &store_id)],
                        ) {
                            Ok(()) => t.repaired += 1,
                            Err(StoreError::ReadOnly { .. }) => t.unrepairable += 1,
                            Err(e) => return Err(e),
                        }
                    }
                    store.clean_tmp(c);
                    journals.push(journal);
                }
            }
        }
        store.load_journals(&journals, &fresh, &mut t)?;
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
        let header = encode_ident(&JOURNAL_MAGIC, &self.store_id);
        self.write_atomic(c, &d.journal, &[&header])?;
        self.write_atomic(
            c,
            &d.marker,
            &[&encode_ident(&MARKER_MAGIC, &self.store_id)],
        )
    }

    /// Leftover temporary files are writes that were never acknowledged.
    fn clean_tmp(&self, c: usize) {
        let d = &self.copies[c];
        if let Ok(names) = self.fs.list(&d.tmp) {
            for n in names {
                let _ = self.fs.remove(&d.tmp.join(n));
            }
        }
    }

    /// Merges every copy's journal. A damaged copy is rewritten from the
    /// merged state if some copy is intact; if none is, the state is rebuilt
    /// from the record files (reported: lost-write detection for the lost
    /// entries is gone).
    fn load_journals(
        &self,
        journals: &[Option<Vec<u8>>],
        fresh: &[usize],
        t: &mut IntegrityCounters,
    ) -> Result<()> {
        let mut st = journal::State::default();
        let mut any_clean = false;
        let mut damaged = false;
        let mut rewrite = false;
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
                self.quarantine_copy_of_journal(c, bytes, t);
            }
        }
        if any_clean {
            // Every acknowledged entry is in the intact copy.
            t.repaired += bad_copies;
        } else if damaged {
            {
                // No intact journal: take generations from the records so
                // none is ever reused, and accept what is on disk.
                t.unrepairable += 1;
                let mut scratch = IntegrityCounters::default();
                for c in 0..self.copies.len() {
                    for name in self.fs.list(&self.copies[c].records).unwrap_or_default() {
                        let Some(key) = name.to_str().and_then(crate::format::RecordKey::from_hex)
                        else {
                            continue;
                        };
                        if let crate::store::Found::Good((r, _)) =
                            self.read_record_copy(c, &key, &mut scratch)
                        {
                            let h = blake3::hash(
                                &crate::format::encode_record(&r).0[crate::format::BLOCK_LEN..],
                            );
                            let mut bh = [0u8; 8];
                            bh.copy_from_slice(&h.as_bytes()[..8]);
                            st.note(key, r.generation, false, bh);
                        }
                    }
                }
                // Bad record files met here are quarantined and counted.
                t.add(&IntegrityCounters {
                    checked: 0,
                    ok: 0,
                    ..scratch
                });
            }
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
        *lock(&self.journal) = st;
        Ok(())
    }

    /// Keeps the damaged journal's bytes for inspection before it is rewritten.
    fn quarantine_copy_of_journal(&self, c: usize, bytes: &[u8], t: &mut IntegrityCounters) {
        let d = &self.copies[c];
        let dest = d.quarantine.join(format!(
            "journal.{}.{}",
            std::process::id(),
            self.seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
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
