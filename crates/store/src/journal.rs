//! The journal: an append-only file of fixed 64-byte checksummed entries
//! that remembers, per record key, the newest generation acknowledged. It is
//! what turns "an old record file came back" (a rename that was reported
//! durable but was not) from silently stale data into a `LostWrite` error.
//!
//! Pure: parsing and the in-memory state. The store does the I/O.

use std::collections::HashMap;

use crate::format::{
    BLOCK_LEN, DecodeError, JOURNAL_MAGIC, JournalEntry, RecordKey, decode_entry, decode_ident,
    encode_entry, encode_ident,
};

/// Generations are reserved in blocks so a `Reserve` entry (one extra
/// fsync) is needed once per this many record writes.
pub const RESERVE_BLOCK: u64 = 1024;

/// Compact (rewrite) a journal once it has this many times more entries
/// than live keys (and at least `COMPACT_MIN` entries).
const COMPACT_FACTOR: u64 = 4;
const COMPACT_MIN: u64 = 4096;

/// What one journal file held.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Store id from an intact header.
    pub store_id: Option<[u8; 16]>,
    /// The header's format version (1: written before records carried a MAC).
    pub version: u16,
    pub header_error: Option<DecodeError>,
    pub entries: Vec<JournalEntry>,
    /// Undecodable entries followed by intact ones: damage, not a tear.
    pub damaged: u64,
    /// Undecodable or partial entries at the end: an append that never
    /// completed (or damage to the last entries, which looks the same).
    pub torn_tail: bool,
}

impl Parsed {
    /// Nothing wrong with this file.
    pub fn clean(&self) -> bool {
        self.header_error.is_none() && self.damaged == 0 && !self.torn_tail
    }
}

pub fn parse(bytes: &[u8]) -> Parsed {
    let mut p = Parsed::default();
    match decode_ident(bytes, &JOURNAL_MAGIC) {
        Ok(id) => {
            p.store_id = Some(id.store_id);
            p.version = id.version;
        }
        Err(e) => p.header_error = Some(e),
    }
    let body = bytes.get(BLOCK_LEN..).unwrap_or(&[]);
    let mut bad_run = 0u64;
    for chunk in body.chunks(BLOCK_LEN) {
        match decode_entry(chunk) {
            Ok(e) => {
                p.damaged += bad_run;
                bad_run = 0;
                p.entries.push(e);
            }
            Err(_) => bad_run += 1,
        }
    }
    p.torn_tail = bad_run > 0;
    p
}

/// The newest thing the journal knows about one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyState {
    pub generation: u64,
    pub deleted: bool,
    pub body_hash: [u8; 8],
}

/// The merged state of all copies' journals.
#[derive(Debug, Default, Clone)]
pub struct State {
    pub keys: HashMap<RecordKey, KeyState>,
    /// Highest generation reserved (durably) so far.
    pub reserved: u64,
    /// The journal was lost and rebuilt when generations up to here may
    /// have been in use: records at or below it need a commit entry naming
    /// their exact generation to be served (0: never lost).
    pub floor: u64,
    /// Next generation to hand out; `finish_load` starts it after everything
    /// reserved, so a reopened store never reuses one.
    pub next: u64,
    /// Entries in the journal files (for compaction).
    pub entries: u64,
    /// What every copy's marker is known to say (a generation above it
    /// is handed out only after the markers are rewritten).
    pub marker_high_water: u64,
    /// An append failed: the file's tail is unknown, so the next journal
    /// write rewrites it whole instead of appending after unknown bytes.
    pub poisoned: bool,
    /// Highest generation of any commit or delete applied, this process's
    /// or another's: a generation is handed out only above it, so a key's
    /// generations rise in journal order whoever writes them.
    pub used: u64,
    /// The primary journal as last read or written (file identity, bytes
    /// applied): what catching up with other processes starts from. The
    /// file is kept open (`pin`) so that its inode number cannot be given
    /// to a later rewrite, which would then pass for the same file.
    pub file_id: Option<(u64, u64)>,
    pub file_len: u64,
    pub pin: Option<std::sync::Arc<crate::fs::PinnedFile>>,
}

impl State {
    pub fn apply(&mut self, e: &JournalEntry) {
        self.entries += 1;
        match *e {
            JournalEntry::Commit {
                key,
                generation,
                body_hash,
            } => {
                self.used = self.used.max(generation);
                self.note(key, generation, false, body_hash)
            }
            JournalEntry::Delete { key, generation } => {
                self.used = self.used.max(generation);
                self.note(key, generation, true, [0; 8])
            }
            JournalEntry::Reserve { upto } => self.reserved = self.reserved.max(upto),
            JournalEntry::Floor { upto } => {
                self.floor = self.floor.max(upto);
                self.reserved = self.reserved.max(upto);
            }
        }
    }

    /// The journal was lost: it vouches for nothing written so far. Every
    /// commit is forgotten (a newer one for the same key may have been
    /// among the lost entries) and records up to `upto` are held back
    /// until rewritten. Deletes stay: they only ever hide a record.
    pub fn lose(&mut self, upto: u64) {
        self.keys.retain(|_, s| s.deleted);
        self.floor = self.floor.max(upto);
        self.reserved = self.reserved.max(upto);
    }

    /// Records a key's generation if it is the newest seen.
    pub fn note(&mut self, key: RecordKey, generation: u64, deleted: bool, body_hash: [u8; 8]) {
        let s = KeyState {
            generation,
            deleted,
            body_hash,
        };
        match self.keys.get(&key) {
            Some(old) if old.generation >= generation => {}
            _ => {
                self.keys.insert(key, s);
            }
        }
        // Never hand out a generation a record already carries.
        self.reserved = self.reserved.max(generation);
    }

    /// Takes the next generation; `None` if a `Reserve` entry must be made
    /// durable first (the caller appends `reserve_entry()` then retries).
    pub fn take(&mut self) -> Option<u64> {
        assert!(self.next > 0, "finish_load not called");
        let g = self.next.max(self.used + 1);
        if g > self.reserved {
            return None;
        }
        self.next = g + 1;
        Some(g)
    }

    /// After loading: hand out generations only above everything that may
    /// have been reserved or used before.
    pub fn finish_load(&mut self) {
        self.next = self.reserved + 1;
    }

    pub fn reserve_entry(&self) -> JournalEntry {
        JournalEntry::Reserve {
            upto: self.next.max(self.used + 1).max(self.reserved + 1) + RESERVE_BLOCK - 1,
        }
    }

    pub fn wants_compaction(&self) -> bool {
        self.poisoned
            || (self.entries >= COMPACT_MIN
                && self.entries > COMPACT_FACTOR * (self.keys.len() as u64 + 1))
    }

    /// A whole journal file holding exactly this state.
    pub fn snapshot(&self, store_id: &[u8; 16]) -> Vec<u8> {
        let mut keys: Vec<_> = self.keys.iter().collect();
        keys.sort_by_key(|(k, _)| **k);
        let mut out = Vec::with_capacity(BLOCK_LEN * (keys.len() + 2));
        out.extend_from_slice(&encode_ident(&JOURNAL_MAGIC, store_id, 0));
        let upto = self.reserved.max(self.next.saturating_sub(1));
        out.extend_from_slice(&encode_entry(&JournalEntry::Reserve { upto }));
        if self.floor > 0 {
            out.extend_from_slice(&encode_entry(&JournalEntry::Floor { upto: self.floor }));
        }
        for (key, s) in keys {
            let e = if s.deleted {
                JournalEntry::Delete {
                    key: *key,
                    generation: s.generation,
                }
            } else {
                JournalEntry::Commit {
                    key: *key,
                    generation: s.generation,
                    body_hash: s.body_hash,
                }
            };
            out.extend_from_slice(&encode_entry(&e));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_parses_back_to_the_same_state() {
        let mut s = State::default();
        let k = |b| RecordKey([b; 32]);
        s.apply(&JournalEntry::Reserve { upto: 1024 });
        s.next = 1025;
        s.apply(&JournalEntry::Reserve { upto: 2048 });
        assert_eq!(s.take(), Some(1025));
        s.apply(&JournalEntry::Commit {
            key: k(1),
            generation: 5,
            body_hash: [1; 8],
        });
        s.apply(&JournalEntry::Commit {
            key: k(1),
            generation: 3,
            body_hash: [2; 8],
        });
        s.apply(&JournalEntry::Delete {
            key: k(2),
            generation: 9,
        });
        s.apply(&JournalEntry::Floor { upto: 7 });
        let p = parse(&s.snapshot(&[3; 16]));
        assert!(p.clean());
        assert_eq!(p.store_id, Some([3; 16]));
        let mut t = State::default();
        p.entries.iter().for_each(|e| t.apply(e));
        t.finish_load();
        assert_eq!(t.keys, s.keys);
        assert_eq!(t.floor, 7, "the floor survives compaction");
        assert!(t.take().is_none(), "a reopened store reserves afresh");
        t.apply(&t.reserve_entry());
        assert!(t.take().unwrap() > 1025, "generations never go back");
    }

    #[test]
    fn torn_tail_versus_damage() {
        let mut s = State::default();
        s.note(RecordKey([1; 32]), 1, false, [0; 8]);
        s.note(RecordKey([2; 32]), 2, false, [0; 8]);
        let mut f = s.snapshot(&[0; 16]);
        f.extend_from_slice(&[7; 30]);
        let p = parse(&f);
        assert!(p.torn_tail && p.damaged == 0);
        f[BLOCK_LEN + 70] ^= 1;
        let p = parse(&f);
        assert_eq!(p.damaged, 1);
    }
}
