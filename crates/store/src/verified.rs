//! Reading a record together with its objects, each verified exactly once.
//!
//! [`Store::get_record`] checks every object a record names, and a caller
//! that then reads them with [`Store::get_object`] reads and hashes every
//! byte a second time. These calls return the objects from that one
//! verified pass instead. With [`Store::get_record_in_place`], an object
//! at least `in_place_from` bytes long whose primary copy verifies is not
//! even kept: the caller gets where its verified payload lies in that
//! file (to map it, say) and the store never holds it in memory.

use std::io;
use std::path::{Path, PathBuf};

use blake3::hazmat::{
    ChainingValue, HasherExt, Mode, left_subtree_len, merge_subtrees_non_root, merge_subtrees_root,
};

use crate::error::{FileKind, Result, StoreError};
use crate::format::{
    BLOCK_LEN, OBJECT_MAGIC, ObjectId, Record, RecordKey, decode_header, verify_object,
};
use crate::fs::{Fs, Refused};
use crate::store::{IntegrityCounters, Store};

/// One object of a record, verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifiedObject {
    /// Its bytes (small objects, and any object whose primary copy was
    /// missing or bad and came from a replica).
    Bytes(Vec<u8>),
    /// Its primary copy verified where it lies.
    InFile(ObjectFile),
}

/// Where a verified object's payload lies. Object files are written once
/// (temporary file, then rename) and never modified in place, so the
/// bytes stay as verified unless something outside the store writes to
/// the file; a file the store quarantines or collects is renamed or
/// unlinked, never truncated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectFile {
    pub id: ObjectId,
    /// The object file in the primary copy.
    pub path: PathBuf,
    /// The payload's offset in the file (after the header).
    pub offset: u64,
    /// The payload's length.
    pub len: u64,
}

impl Store {
    /// The record under `key` and its objects' bytes (in the record's
    /// order), everything verified once, with the same checks, repairs and
    /// errors as [`Store::get_record`] followed by [`Store::get_object`].
    pub fn get_record_with_objects(
        &self,
        key: &RecordKey,
    ) -> Result<Option<(Record, Vec<Vec<u8>>)>> {
        Ok(self
            .get_record_in_place(key, u64::MAX)?
            .map(|(r, objects)| {
                let bytes = objects
                    .into_iter()
                    .map(|o| match o {
                        VerifiedObject::Bytes(b) => b,
                        VerifiedObject::InFile(_) => {
                            unreachable!("nothing is in place at u64::MAX")
                        }
                    })
                    .collect();
                (r, bytes)
            }))
    }

    /// Like [`Store::get_record_with_objects`], but an object of at least
    /// `in_place_from` bytes whose primary copy verifies is returned as
    /// [`VerifiedObject::InFile`] (hashed while streaming through a small
    /// buffer, never held). Any failed or missing copy falls back to the
    /// ordinary verified read with repair, returning bytes.
    pub fn get_record_in_place(
        &self,
        key: &RecordKey,
        in_place_from: u64,
    ) -> Result<Option<(Record, Vec<VerifiedObject>)>> {
        let _l = self.store_lock(false)?;
        let mut t = IntegrityCounters::default();
        let r = self.load_record_in_place(key, in_place_from, &mut t);
        self.count(&t);
        r
    }

    fn load_record_in_place(
        &self,
        key: &RecordKey,
        in_place_from: u64,
        t: &mut IntegrityCounters,
    ) -> Result<Option<(Record, Vec<VerifiedObject>)>> {
        let Some(stored) = self.load_record(key, t, false)? else {
            return Ok(None);
        };
        let objects = load_all(key, &stored.record.objects, |o| {
            self.load_object_in_place(o, in_place_from, t)
        })?;
        Ok(Some((stored.record, objects)))
    }

    fn load_object_in_place(
        &self,
        id: &ObjectId,
        in_place_from: u64,
        t: &mut IntegrityCounters,
    ) -> Result<VerifiedObject> {
        let path = self.copies[0].object(id);
        let large = in_place_from != u64::MAX
            && self
                .fs
                .len(&path)
                .is_ok_and(|n| n >= (BLOCK_LEN as u64).saturating_add(in_place_from));
        if !large {
            return self.load_object(id, t).map(VerifiedObject::Bytes);
        }
        let (head, len, hash) = match self.hash_in_place(&path) {
            Ok(x) => x,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return self
                    .load_object_from(id, t, 1, vec![(0, false)], None)
                    .map(VerifiedObject::Bytes);
            }
            Err(e) if Refused::of(&e).is_some() => {
                t.checked += 1;
                let r = crate::store::refusal(Refused::of(&e).expect("checked"));
                let err = self.corrupt(0, FileKind::Object, &path, &r, &[], t);
                return self
                    .load_object_from(id, t, 1, vec![(0, true)], Some(err))
                    .map(VerifiedObject::Bytes);
            }
            Err(e) => {
                t.checked += 1;
                t.failed += 1;
                let err = StoreError::io(&path, e);
                return self
                    .load_object_from(id, t, 1, vec![(0, true)], Some(err))
                    .map(VerifiedObject::Bytes);
            }
        };
        t.checked += 1;
        match verify_object(&head, len, &hash, id) {
            Ok(()) => {
                t.ok += 1;
                Ok(VerifiedObject::InFile(ObjectFile {
                    id: *id,
                    path,
                    offset: BLOCK_LEN as u64,
                    len,
                }))
            }
            Err(e) => {
                let err = self.corrupt(0, FileKind::Object, &path, &e, &head, t);
                self.load_object_from(id, t, 1, vec![(0, true)], Some(err))
                    .map(VerifiedObject::Bytes)
            }
        }
    }
}

/// Payloads up to this size are hashed by one thread; larger ones are cut
/// into BLAKE3 subtrees of at most this size, hashed on parallel threads
/// (each reading its own range), and merged: the same hash, about half the
/// wall time on two free cores.
const SUBTREE_MAX: u64 = 16 << 20;

impl Store {
    /// An object file's header, payload length and the BLAKE3 of its
    /// payload, read in place (nothing the size of the file is held).
    fn hash_in_place(&self, path: &Path) -> io::Result<(Vec<u8>, u64, [u8; 32])> {
        let fs = &*self.fs;
        let file_len = fs.len(path)?;
        let mut head = Vec::with_capacity(BLOCK_LEN);
        fs.read_range(path, 0, BLOCK_LEN as u64, &mut |c| {
            head.extend_from_slice(c)
        })?;
        let len = file_len.saturating_sub(head.len() as u64);
        let base = head.len() as u64;
        // The header's length must be the file's before a byte of the
        // payload is read (a 50 GB sparse file under a valid-looking header
        // is refused here, not hashed); a header that does not decode
        // fails its own check in the caller.
        match decode_header(&head, &OBJECT_MAGIC) {
            Ok(h) if h.len != len => {
                return Err(Refused::Length {
                    expected: h.len,
                    actual: len,
                }
                .into_io());
            }
            Ok(_) => {}
            Err(_) => return Ok((head, len, [0; 32])),
        }
        if len <= SUBTREE_MAX {
            let mut h = blake3::Hasher::new();
            let n = fs.read_range(path, base, len, &mut |c| {
                h.update(c);
            })?;
            return Ok((head, n, *h.finalize().as_bytes()));
        }
        let ((ln, l), (rn, r)) = halves(fs, path, base, 0, len)?;
        // A short read (the file shrank meanwhile) gives a length the
        // header check refuses, whatever the hash.
        let hash = merge_subtrees_root(&l, &r, Mode::Hash);
        Ok((head, ln + rn, *hash.as_bytes()))
    }
}

/// The chaining values of the two subtrees of the `len` payload bytes
/// starting at payload offset `start`, the left one on another thread.
fn halves(
    fs: &dyn Fs,
    path: &Path,
    base: u64,
    start: u64,
    len: u64,
) -> io::Result<((u64, ChainingValue), (u64, ChainingValue))> {
    let left = left_subtree_len(len);
    let (l, r) = std::thread::scope(|s| {
        let l = s.spawn(|| subtree(fs, path, base, start, left));
        let r = subtree(fs, path, base, start + left, len - left);
        (l.join().unwrap_or_else(|p| std::panic::resume_unwind(p)), r)
    });
    Ok((l?, r?))
}

/// One subtree's chaining value (and how many bytes were read).
fn subtree(
    fs: &dyn Fs,
    path: &Path,
    base: u64,
    start: u64,
    len: u64,
) -> io::Result<(u64, ChainingValue)> {
    if len > SUBTREE_MAX {
        let ((ln, l), (rn, r)) = halves(fs, path, base, start, len)?;
        return Ok((ln + rn, merge_subtrees_non_root(&l, &r, Mode::Hash)));
    }
    let mut h = blake3::Hasher::new();
    h.set_input_offset(start);
    let n = fs.read_range(path, base + start, len, &mut |c| {
        h.update(c);
    })?;
    if n != len {
        return Ok((n, [0; 32]));
    }
    Ok((n, h.finalize_non_root()))
}

/// Loads every object a record names with `load`, in order. Missing and
/// corrupt objects are collected, not stopped at, so the error names all of
/// them (`RecordIncomplete`); any other error ends the walk.
pub(crate) fn load_all<T>(
    key: &RecordKey,
    objects: &[ObjectId],
    mut load: impl FnMut(&ObjectId) -> Result<T>,
) -> Result<Vec<T>> {
    let (mut missing, mut corrupt) = (Vec::new(), Vec::new());
    let mut loaded = Vec::with_capacity(objects.len());
    for o in objects {
        match load(o) {
            Ok(v) => loaded.push(v),
            Err(StoreError::ObjectNotFound(_)) => missing.push(*o),
            Err(e) if e.is_integrity() => corrupt.push(*o),
            Err(e) => return Err(e),
        }
    }
    if !missing.is_empty() || !corrupt.is_empty() {
        return Err(StoreError::RecordIncomplete {
            key: *key,
            missing,
            corrupt,
        });
    }
    Ok(loaded)
}
