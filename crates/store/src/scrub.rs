//! Whole-store passes: scrub (verify every copy of everything, repair what
//! a good copy allows), gc (drop what no record reaches), stats.

use std::collections::{BTreeSet, HashSet};

use crate::error::{FileKind, Result, StoreError};
use crate::format::{ObjectId, RecordKey};
use crate::store::{Found, IntegrityCounters, Store, lock};

/// What a scrub saw and did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ScrubReport {
    /// Distinct objects and records examined (over all copies).
    pub objects: u64,
    pub records: u64,
    /// checked / ok / failed / repaired / quarantined / unrepairable / lost writes.
    pub counts: IntegrityCounters,
    /// Intact records that name objects with no good copy.
    pub dangling_records: u64,
    /// One line per problem not repaired (first 100).
    pub problems: Vec<String>,
}

impl ScrubReport {
    /// Nothing wrong was found (or everything found was repaired).
    pub fn healthy(&self) -> bool {
        self.counts.unrepairable == 0 && self.dangling_records == 0
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct GcReport {
    pub records_removed: u64,
    pub objects_removed: u64,
    pub bytes_freed: u64,
    /// Objects kept because some record could not be read: gc never guesses.
    pub skipped: bool,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StoreStats {
    pub copies: usize,
    /// In the primary.
    pub objects: u64,
    pub object_bytes: u64,
    pub records: u64,
    pub quarantined_files: u64,
    /// Keys the journal tracks, and its highest reserved generation.
    pub journal_keys: u64,
    pub generation: u64,
    pub integrity: IntegrityCounters,
}

impl Store {
    fn names<T>(
        &self,
        dir: impl Fn(usize) -> std::path::PathBuf,
        parse: impl Fn(&str) -> Option<T>,
        strays: &mut Vec<(usize, std::path::PathBuf)>,
    ) -> Result<BTreeSet<T>>
    where
        T: Ord,
    {
        let mut out = BTreeSet::new();
        for c in 0..self.copies.len() {
            let d = dir(c);
            for n in self.fs.list(&d).map_err(|e| StoreError::io(&d, e))? {
                match n.to_str().and_then(&parse) {
                    Some(x) => {
                        out.insert(x);
                    }
                    None => strays.push((c, d.join(n))),
                }
            }
        }
        Ok(out)
    }

    /// Verifies every copy of every object and record; repairs from a good
    /// copy where there is one; quarantines what fails; reports the rest.
    ///
    /// Beside writers: each object and each record is checked under the
    /// exclusive store lock, so no write of it is half done while it is
    /// looked at; what was removed since the listing (gc, a delete) is
    /// skipped, and objects written since are checked when a record
    /// names them.
    pub fn scrub(&self) -> Result<ScrubReport> {
        let mut r = ScrubReport::default();
        let mut t = IntegrityCounters::default();
        let mut strays = Vec::new();
        {
            let _l = self.store_lock(true)?;
            self.catch_up(&mut lock(&self.journal))?;
        }
        let ids = self.names(
            |c| self.copies[c].objects.clone(),
            ObjectId::from_hex,
            &mut strays,
        )?;
        let mut keys = self.names(
            |c| self.copies[c].records.clone(),
            RecordKey::from_hex,
            &mut strays,
        )?;
        // A key the journal knows but no copy has is a lost write too.
        keys.extend(
            lock(&self.journal)
                .keys
                .iter()
                .filter(|(_, s)| !s.deleted)
                .map(|(k, _)| *k),
        );
        for (c, path) in strays {
            let _l = self.store_lock(true)?;
            // Not ours (or a name damaged in a directory block): keep it,
            // out of the way, and say so.
            t.failed += 1;
            t.unrepairable += 1;
            r.problems.push(format!("stray file {}", path.display()));
            self.quarantine(c, FileKind::Object, &path, &mut t);
        }
        let mut good = HashSet::new();
        // Listed, then gone when checked: removed by a gc since the
        // listing, and perhaps stored again since (a writer putting the
        // same content), so a record naming one is checked again below.
        let mut vanished = HashSet::new();
        for id in &ids {
            let _l = self.store_lock(true)?;
            let mut bad = Vec::new();
            let mut data = None;
            let mut err = None;
            for c in 0..self.copies.len() {
                match self.read_object_copy(c, id, &mut t) {
                    Found::Good(d) => data = Some(d),
                    Found::Missing => bad.push((c, false)),
                    Found::Bad(e) => {
                        bad.push((c, true));
                        err.get_or_insert(e);
                    }
                }
            }
            if data.is_none() && err.is_none() {
                // Every copy is gone: removed (gc) since the listing.
                vanished.insert(*id);
                continue;
            }
            r.objects += 1;
            match data {
                Some(d) => {
                    self.repair_object(id, &d, &bad, &mut t);
                    good.insert(*id);
                }
                None => {
                    t.unrepairable += 1;
                    if r.problems.len() < 100 {
                        r.problems.push(
                            err.map(|e| e.to_string())
                                .unwrap_or_else(|| format!("object {id} vanished")),
                        );
                    }
                }
            }
        }
        for key in &keys {
            let _l = self.store_lock(true)?;
            r.records += 1;
            match self.load_record(key, &mut t, false) {
                Ok(Some(rec)) => {
                    // Objects stored after the listing (or removed and
                    // stored again since) are checked now.
                    for o in &rec.record.objects {
                        if !good.contains(o)
                            && (!ids.contains(o) || vanished.contains(o))
                            && self.load_object(o, &mut t).is_ok()
                        {
                            good.insert(*o);
                        }
                    }
                    if rec.record.objects.iter().any(|o| !good.contains(o)) {
                        r.dangling_records += 1;
                        if r.problems.len() < 100 {
                            r.problems
                                .push(format!("record {key} refers to missing or corrupt objects"));
                        }
                    }
                }
                Ok(None) => {}
                Err(e) if e.is_integrity() => {
                    if r.problems.len() < 100 {
                        r.problems.push(e.to_string());
                    }
                }
                Err(e) => return Err(e),
            }
        }
        self.count(&t);
        r.counts = t;
        Ok(r)
    }

    /// Removes the records `keep` rejects, then every object no remaining
    /// record reaches and no live store has pending (stored, not yet named
    /// by its record). Runs under the exclusive store lock: no object or
    /// record write is in flight meanwhile.
    pub fn gc(&self, keep: impl Fn(&RecordKey) -> bool) -> Result<GcReport> {
        let _l = self.store_lock(true)?;
        self.catch_up(&mut lock(&self.journal))?;
        let mut report = GcReport::default();
        let mut t = IntegrityCounters::default();
        let mut strays = Vec::new();
        let keys = self.names(
            |c| self.copies[c].records.clone(),
            RecordKey::from_hex,
            &mut strays,
        )?;
        let mut live = HashSet::new();
        for key in &keys {
            if !keep(key) {
                self.delete_locked(key)?;
                report.records_removed += 1;
                continue;
            }
            match self.load_record(key, &mut t, false) {
                Ok(Some(r)) => live.extend(r.record.objects),
                Ok(None) => {}
                Err(e) if e.is_integrity() => report.skipped = true,
                Err(e) => return Err(e),
            }
        }
        self.count(&t);
        if report.skipped {
            return Ok(report);
        }
        // A writer between `put_object` and `put_record`: about to be
        // reachable.
        live.extend(self.all_pending());
        let ids = self.names(
            |c| self.copies[c].objects.clone(),
            ObjectId::from_hex,
            &mut strays,
        )?;
        for id in ids.iter().filter(|id| !live.contains(*id)) {
            for d in &self.copies {
                let p = d.object(id);
                report.bytes_freed += self.fs.len(&p).unwrap_or(0);
                match self.fs.remove(&p) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(StoreError::io(&p, e)),
                }
            }
            report.objects_removed += 1;
        }
        for d in &self.copies {
            self.fs
                .fsync_dir(&d.objects)
                .map_err(|e| StoreError::io(&d.objects, e))?;
        }
        let mut st = lock(&self.journal);
        self.catch_up(&mut st)?;
        self.journal_rewrite(&mut st)?;
        Ok(report)
    }

    /// Counts from the primary's directories (no verification).
    pub fn stats(&self) -> Result<StoreStats> {
        let d = &self.copies[0];
        let list = |p: &std::path::Path| self.fs.list(p).map_err(|e| StoreError::io(p, e));
        let objects = list(&d.objects)?;
        let mut object_bytes = 0;
        for n in &objects {
            object_bytes += self.fs.len(&d.objects.join(n)).unwrap_or(0);
        }
        let st = lock(&self.journal);
        Ok(StoreStats {
            copies: self.copies.len(),
            objects: objects.len() as u64,
            object_bytes,
            records: list(&d.records)?.len() as u64,
            quarantined_files: list(&d.quarantine)?.len() as u64,
            journal_keys: st.keys.values().filter(|k| !k.deleted).count() as u64,
            generation: st.reserved,
            integrity: self.integrity_counters(),
        })
    }
}
