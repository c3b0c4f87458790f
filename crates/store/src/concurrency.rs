//! Several processes (and several `Store`s in one process) using one store
//! at the same time (docs/store.md, "Concurrency"): the store lock, unique
//! temporary names, catching up with journal entries other processes
//! appended, the pending-object files that keep gc off objects a writer
//! is about to reference, and which leftovers in `tmp/` are abandoned.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use crate::error::{Result, StoreError};
use crate::format::{BLOCK_LEN, ObjectId, decode_entry};
use crate::fs::{DirLock, at_most};
use crate::journal;
use crate::store::{Store, lock};

/// Numbers every temporary and quarantine name of this process: with the
/// pid and the store's random nonce, no two writers (processes, or
/// `Store`s in one process) ever pick the same name.
static SEQ: AtomicU64 = AtomicU64::new(0);

/// Nonces of the `Store`s alive in this process: a pending file of ours
/// whose nonce is not here belongs to a store that is gone.
fn live() -> &'static Mutex<HashSet<u64>> {
    static LIVE: OnceLock<Mutex<HashSet<u64>>> = OnceLock::new();
    LIVE.get_or_init(Default::default)
}

const PENDING_PREFIX: &str = "pending.";
/// More than any pending list can need; a longer file is not read.
const PENDING_MAX: u64 = 64 << 20;

/// A random nonce for a new `Store`, registered as alive until it drops.
pub(crate) fn register_nonce() -> u64 {
    let mut n = [0u8; 8];
    n.copy_from_slice(&crate::unique::unique_bytes(b"store nonce")[..8]);
    let nonce = u64::from_le_bytes(n);
    lock(live()).insert(nonce);
    nonce
}

/// Whether the process `pid` exists (`kill(pid, 0)`: EPERM means it
/// exists but belongs to someone else).
fn pid_alive(pid: u32) -> bool {
    let Ok(p) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if p <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists.
    if unsafe { libc::kill(p, 0) } == 0 {
        return true;
    }
    std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

impl Store {
    /// `<pid>.<nonce>.<n>`: unique among every writer of this store.
    pub(crate) fn unique_suffix(&self) -> String {
        format!(
            "{}.{:016x}.{}",
            std::process::id(),
            self.nonce,
            SEQ.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// The store lock: `flock` on the primary directory. Exclusive for
    /// whatever changes the journal, the marker or the set of records
    /// (open, record writes and deletes, compaction, gc, each step of a
    /// scrub); shared for object writes and reads (docs/store.md).
    pub(crate) fn store_lock(&self, exclusive: bool) -> Result<DirLock> {
        let root = &self.copies[0].root;
        self.fs
            .lock(root, exclusive)
            .map_err(|e| StoreError::io(root, e))
    }

    /// Applies what other processes appended to the primary journal since
    /// this one last read or wrote it; reloads it whole if it was replaced
    /// (compacted, or rebuilt by an open). Caller holds the store lock, so
    /// no append is in progress: undecodable bytes at the end are a torn
    /// append of a process that died, and the next journal write rewrites
    /// the file (poisoned).
    pub(crate) fn catch_up(&self, st: &mut journal::State) -> Result<()> {
        if !self.fs.multi_process() {
            return Ok(());
        }
        let path = &self.copies[0].journal;
        let id = match self.fs.file_id(path) {
            Ok(id) => id,
            // Gone: the next open sees the loss; nothing to learn here.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(StoreError::io(path, e)),
        };
        let len = self.fs.len(path).map_err(|e| StoreError::io(path, e))?;
        if id.is_some() && id == st.file_id && len == st.file_len {
            return Ok(());
        }
        if id.is_some() && id == st.file_id && len > st.file_len {
            let mut bytes = Vec::new();
            self.fs
                .read_range(path, st.file_len, len - st.file_len, &mut |c| {
                    bytes.extend_from_slice(c)
                })
                .map_err(|e| StoreError::io(path, e))?;
            for chunk in bytes.chunks(BLOCK_LEN) {
                match decode_entry(chunk) {
                    Ok(e) => {
                        st.apply(&e);
                        st.file_len += BLOCK_LEN as u64;
                    }
                    Err(_) => {
                        st.poisoned = true;
                        break;
                    }
                }
            }
            return Ok(());
        }
        // Replaced: the process that rewrote it had caught up first, so
        // the file holds everything acknowledged; take it as the state.
        let (mut head, rest) = self
            .fs
            .read(
                path,
                BLOCK_LEN,
                &at_most(crate::open::JOURNAL_MAX),
                &mut |_| {},
            )
            .map_err(|e| StoreError::io(path, e))?;
        head.extend_from_slice(&rest);
        let p = journal::parse(&head);
        if p.header_error.is_some() || p.store_id != Some(self.store_id) {
            // Damaged under us: leave it to the next open to judge.
            st.poisoned = true;
            return Ok(());
        }
        let mut fresh = journal::State::default();
        p.entries.iter().for_each(|e| fresh.apply(e));
        fresh.next = st.next;
        fresh.marker_high_water = st.marker_high_water;
        fresh.reserved = fresh.reserved.max(st.reserved);
        fresh.used = fresh.used.max(st.used);
        fresh.poisoned = !p.clean();
        self.pin_journal(&mut fresh);
        fresh.file_len = (BLOCK_LEN * (1 + p.entries.len())) as u64;
        *st = fresh;
        Ok(())
    }

    /// Notes the primary journal's identity and length after this process
    /// wrote it whole or read it at open.
    pub(crate) fn note_journal_file(&self, st: &mut journal::State) {
        self.pin_journal(st);
        st.file_len = self.fs.len(&self.copies[0].journal).unwrap_or(0);
    }

    /// Keeps the primary journal open and remembers its identity (None:
    /// unknown, so the next catch-up reads it whole).
    fn pin_journal(&self, st: &mut journal::State) {
        let pin = self.fs.pin(&self.copies[0].journal).ok().flatten();
        st.file_id = pin.as_ref().map(|p| p.id());
        st.pin = pin.map(std::sync::Arc::new);
    }

    fn pending_path(&self) -> PathBuf {
        self.copies[0].tmp.join(format!(
            "{PENDING_PREFIX}{}.{:016x}",
            std::process::id(),
            self.nonce
        ))
    }

    /// Writes this store's pending objects (stored, not yet named by a
    /// record it wrote) where gc reads them. Not fsynced: it matters only
    /// while this process lives.
    fn write_pending(&self, pending: &HashMap<ObjectId, u64>) -> Result<()> {
        let path = self.pending_path();
        if pending.is_empty() {
            return match self.fs.remove(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::io(&path, e)),
                _ => Ok(()),
            };
        }
        let ids: Vec<&[u8]> = pending.keys().map(|id| &id.0[..]).collect();
        self.fs
            .write_file(&path, &ids, false)
            .map_err(|e| StoreError::io(&path, e))
    }

    /// `id` was just stored (caller holds the shared store lock, so gc is
    /// not running): from now until a record of ours names it, gc keeps it.
    /// A list that cannot be written (read-only, full disk) is not an
    /// error: the object is stored; the worst a concurrent gc can then do
    /// is remove it, and the `put_record` naming it fails cleanly
    /// (`ObjectNotFound`), never storing a record without its object.
    pub(crate) fn pending_add(&self, id: &ObjectId) {
        if !self.fs.multi_process() {
            return;
        }
        let mut p = lock(&self.pending);
        *p.entry(*id).or_insert(0) += 1;
        let _ = self.write_pending(&p);
    }

    /// A record naming `ids` is committed: they no longer need protecting.
    pub(crate) fn pending_done(&self, ids: &[ObjectId]) {
        if !self.fs.multi_process() {
            return;
        }
        let mut p = lock(&self.pending);
        let before = p.len();
        for id in ids {
            if let Some(n) = p.get_mut(id) {
                *n -= 1;
                if *n == 0 {
                    p.remove(id);
                }
            }
        }
        if p.len() != before {
            // Failing leaves more protected than needed: safe.
            let _ = self.write_pending(&p);
        }
    }

    /// Every object some live store has pending (caller holds the store
    /// lock exclusively, so no list is being written).
    pub(crate) fn all_pending(&self) -> HashSet<ObjectId> {
        let tmp = &self.copies[0].tmp;
        let mut out = HashSet::new();
        for name in self.fs.list(tmp).unwrap_or_default() {
            let Some(n) = name.to_str() else { continue };
            if !n.starts_with(PENDING_PREFIX) {
                continue;
            }
            if let Ok((mut head, rest)) =
                self.fs
                    .read(&tmp.join(n), 0, &at_most(PENDING_MAX), &mut |_| {})
            {
                head.extend_from_slice(&rest);
                for c in head.chunks_exact(32) {
                    let mut id = [0u8; 32];
                    id.copy_from_slice(c);
                    out.insert(ObjectId(id));
                }
            }
        }
        out
    }

    /// Removes what `tmp/` holds that no one will finish. Called at open,
    /// under the exclusive store lock. Every temporary file is written and
    /// renamed under the store lock (shared or exclusive), so while this
    /// process holds it exclusively, none is in flight: all are abandoned.
    /// A pending list outlives lock sections; it is removed only if its
    /// owner is gone (its pid does not exist, or it is this process's and
    /// its store was dropped). A file system one process uses alone (a
    /// simulated disk) has nothing in flight at open at all.
    pub(crate) fn clean_tmp(&self, c: usize) {
        let d = &self.copies[c];
        let Ok(names) = self.fs.list(&d.tmp) else {
            return;
        };
        for name in names {
            let n = name.to_string_lossy();
            if self.fs.multi_process()
                && let Some(owner) = n.strip_prefix(PENDING_PREFIX)
                && owner_alive(owner)
            {
                continue;
            }
            let _ = self.fs.remove(&d.tmp.join(&name));
        }
    }
}

/// Whether the store that wrote a pending list named `<pid>.<nonce>` may
/// still be running. Unparseable: assumed alive (never guessed away).
fn owner_alive(owner: &str) -> bool {
    let mut parts = owner.split('.');
    let (Some(pid), Some(nonce)) = (parts.next(), parts.next()) else {
        return true;
    };
    let (Ok(pid), Ok(nonce)) = (pid.parse::<u32>(), u64::from_str_radix(nonce, 16)) else {
        return true;
    };
    if pid == std::process::id() {
        lock(live()).contains(&nonce)
    } else {
        pid_alive(pid)
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if self.fs.multi_process() && !lock(&self.pending).is_empty() {
            let _ = self.fs.remove(&self.pending_path());
        }
        lock(live()).remove(&self.nonce);
    }
}
