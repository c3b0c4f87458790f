//! The scheduler's side of persistent cells: before a run, find which
//! persisted cells the store can restore and which ancestors are then not
//! needed; during it, restore instead of running (verifying every byte) or
//! store after running; when a restore fails, report it and recompute the
//! cell from its lineage, running the ancestors it needs.

use std::collections::{HashMap, HashSet};

use weir_graph::CellId;
use weir_project::{LineageKey, Project};
use weir_store::{IntegrityCounters, Record};

use crate::error::WorkerError;
use crate::message::{CaptureMode, CellError};
use crate::persist::entry::{self, EntryMeta};
use crate::persist::{
    CellPersist, PersistAction, PersistMode, PersistTotals, Persistence, ValueHash, is_persisted,
    salt, utc_text,
};
use crate::scheduler::event::SessionEvent;
use crate::scheduler::report::{ConsoleChunk, NotRunReason, RunStatus};
use crate::scheduler::run::{Ran, worker_death};
use crate::scheduler::session::{CellState, Session};
use crate::worker::Worker;

type OnEvent<'f> = dyn FnMut(SessionEvent<'_>) + 'f;

/// A session's persistence state.
pub(crate) struct PersistSession {
    pub cfg: Persistence,
    /// The worker's Python version: part of the lineage salt.
    pub python: String,
    /// This run's lineage keys, by notebook index.
    pub keys: Vec<Option<LineageKey>>,
    /// Set when a store write failed: no more writes this run, and why.
    pub off: Option<String>,
    pub totals: PersistTotals,
    /// Remarks made about a cell before it runs (a failed restore).
    pub pending: HashMap<usize, CellPersist>,
    /// Cells recomputing because their entry failed a check: storing them
    /// again is a repair.
    pub recovering: HashSet<usize>,
    counters_before: IntegrityCounters,
}

/// Decided before a run.
#[derive(Default)]
pub(crate) struct PersistPlan {
    /// With the entry when it was already loaded (and verified); `None`
    /// when only its record file was seen: it is loaded at restore time.
    pub restorable: HashMap<usize, Option<(EntryMeta, Record)>>,
    /// Cells every reader of which will be restored: deferred, and run
    /// only if a restore fails and needs them.
    pub deferrable: HashSet<usize>,
}

pub(crate) enum Restore {
    Done,
    /// The entry could not be used; the cell must run. `integrity`: the
    /// reason was a failed check. `unloadable`: the bytes were fine but a
    /// value would not unpickle (it refers to a class or function a
    /// deferred ancestor defines): worth one more try once they ran.
    Failed {
        integrity: bool,
        unloadable: bool,
    },
    Halted(Ran),
}

impl PersistSession {
    pub fn new(cfg: Persistence, python: String) -> Self {
        PersistSession {
            cfg,
            python,
            keys: Vec::new(),
            off: None,
            totals: PersistTotals::default(),
            pending: HashMap::new(),
            recovering: HashSet::new(),
            counters_before: IntegrityCounters::default(),
        }
    }

    fn key_hex(&self, index: usize) -> Option<String> {
        self.keys.get(index).copied().flatten().map(|k| k.to_hex())
    }

    fn pending_or_new(&mut self, index: usize, action: PersistAction) -> CellPersist {
        let key = self.key_hex(index);
        let mut info = self
            .pending
            .remove(&index)
            .unwrap_or_else(|| CellPersist::new(key.clone(), action));
        info.key = key;
        info.action = action;
        info
    }

    /// After a persisted cell ran `ok`: hash (verify) or capture and store
    /// its values (exec). Returns an error for the cell in strict mode when
    /// a check failed.
    pub fn after_run(
        &mut self,
        worker: &mut Worker,
        project: &Project,
        index: usize,
        state: &mut CellState,
    ) -> Option<CellError> {
        if !is_persisted(project, index) {
            self.pending.remove(&index);
            return None;
        }
        let mut info = self.pending_or_new(index, PersistAction::NotStored);
        let names: Vec<String> = project.analysis(index).defs.iter().cloned().collect();
        let cell_id = super::run::worker_cell_id(project.cell_id(index));
        let key = self.keys.get(index).copied().flatten();
        let mut strict_error = None;
        let mode = match self.cfg.mode {
            PersistMode::Verify => CaptureMode::Hash,
            PersistMode::Exec => CaptureMode::Store,
        };
        if mode == CaptureMode::Store && key.is_none() {
            info.note = Some(
                "not stored: the cell has no lineage key (it reads a name defined twice, \
                 or an ancestor has none)"
                    .into(),
            );
        } else if mode == CaptureMode::Store
            && let Some(why) = &self.off
        {
            info.note = Some(format!("not stored: the store is unavailable ({why})"));
        } else {
            match worker.capture(&cell_id, &names, mode) {
                Ok(captured) => {
                    info.values = captured
                        .values
                        .iter()
                        .map(|v| ValueHash {
                            name: v.name.clone(),
                            hash: v.value_hash.clone(),
                        })
                        .collect();
                    if mode == CaptureMode::Hash {
                        info.action = PersistAction::Hashed;
                    } else if !captured.unpicklable.is_empty() {
                        let names: Vec<String> = captured
                            .unpicklable
                            .iter()
                            .map(|u| format!("`{}`", u.name))
                            .collect();
                        info.note = Some(format!(
                            "not stored: {} cannot be pickled; the cell runs each time",
                            names.join(", ")
                        ));
                        info.unpicklable = captured.unpicklable;
                    } else if let Some(key) = key {
                        match entry::save(
                            &self.cfg.store,
                            &key,
                            &project.display_name(index),
                            &self.python,
                            &captured.values,
                            &state.run.outputs,
                            &state.run.console,
                            state.run.duration,
                        ) {
                            Ok(_) => {
                                info.action = PersistAction::Stored;
                                self.totals.stored += 1;
                                if self.recovering.remove(&index) {
                                    self.totals.repaired += 1;
                                }
                            }
                            Err(e) => {
                                let why = e.to_string();
                                info.note = Some(format!("not stored: {why}"));
                                self.totals
                                    .warnings
                                    .push(format!("store writes stopped: {why}"));
                                self.off = Some(why);
                            }
                        }
                    }
                }
                Err(e @ WorkerError::TransferHash { .. }) => {
                    self.totals.checks_failed += 1;
                    let label = format!("cell {index} (`{}`)", project.display_name(index));
                    let text = e
                        .to_string()
                        .replacen(&format!("cell {cell_id}"), &label, 1);
                    info.problems.push(text.clone());
                    info.note = Some("not stored: a value failed its check in transit".into());
                    if self.cfg.strict {
                        strict_error = Some(integrity_error(text));
                    }
                }
                Err(e) => {
                    info.problems
                        .push(format!("capturing the values failed: {e}"));
                    info.note = Some("not stored".into());
                }
            }
        }
        self.recovering.remove(&index);
        state.run.persist = Some(info);
        strict_error
    }
}

/// A restore whose entry could not be used: note why; a failed check
/// makes the cell recompute from its lineage (a repair once stored again).
fn entry_failed(
    p: &mut PersistSession,
    index: usize,
    key: &LineageKey,
    e: entry::EntryError,
) -> Restore {
    let integrity = e.is_integrity() || matches!(e, entry::EntryError::Format { .. });
    if matches!(e, entry::EntryError::Format { .. }) {
        p.totals.checks_failed += 1;
    }
    let mut info = CellPersist::new(Some(key.to_hex()), PersistAction::NotStored);
    if integrity {
        info.problems.push(e.to_string());
        info.note =
            Some("recomputed from its lineage: the stored entry failed verification".into());
        p.recovering.insert(index);
    } else {
        info.note = Some(format!("recomputed: the store could not be read ({e})"));
    }
    p.pending.insert(index, info);
    Restore::Failed {
        integrity,
        unloadable: false,
    }
}

fn integrity_error(message: String) -> CellError {
    CellError {
        exc_type: "IntegrityError".into(),
        message,
        traceback: String::new(),
        frames: Vec::new(),
    }
}

impl Session {
    /// Persist to (and restore from) a store from the next run on; `None`
    /// turns it off.
    pub fn set_persistence(&mut self, persistence: Option<Persistence>) {
        let python = self.worker.info().python_version.clone();
        self.persist = persistence.map(|cfg| PersistSession::new(cfg, python));
    }

    /// Every cell's lineage key for this session's worker (Python and
    /// Weir versions as the salt), in notebook order.
    pub fn lineage_keys(&self) -> Vec<Option<LineageKey>> {
        self.project
            .lineage_keys_with(&self.salt(), &self.lineage_inputs)
    }

    fn salt(&self) -> Vec<u8> {
        salt(
            &self.worker.info().python_version,
            self.config.notebook.as_deref(),
        )
    }

    /// Before a run: keys, restorable entries, deferrable ancestors.
    pub(crate) fn persist_begin(
        &mut self,
        order: &[usize],
        problems: &HashMap<CellId, NotRunReason>,
    ) -> PersistPlan {
        let mut plan = PersistPlan::default();
        if self.persist.is_none() {
            // No store: no keys either (they hash every cell's code).
            return plan;
        }
        let keys = self
            .project
            .lineage_keys_with(&self.salt(), &self.lineage_inputs);
        let Some(p) = self.persist.as_mut() else {
            return plan;
        };
        p.keys = keys;
        p.totals = PersistTotals::default();
        p.pending.clear();
        p.recovering.clear();
        p.off = None;
        p.counters_before = p.cfg.store.integrity_counters();
        if p.cfg.mode != PersistMode::Exec {
            return plan;
        }
        for &index in order {
            let id = self.project.cell_id(index);
            if problems.contains_key(&id)
                || !is_persisted(&self.project, index)
                || p.cfg.refresh.covers(index)
            {
                if p.cfg.refresh.covers(index) && is_persisted(&self.project, index) {
                    let mut info = CellPersist::new(p.key_hex(index), PersistAction::NotStored);
                    info.note = Some("refreshed: recomputed and stored again".into());
                    p.pending.insert(index, info);
                }
                continue;
            }
            let Some(key) = p.keys[index] else { continue };
            if !p.cfg.dirs.is_empty() {
                // A cheap look (no reads): every byte is verified when the
                // entry is restored, and an entry that is never restored
                // (not needed) is never read. Workaround for weir-store
                // having no "does this record exist" call: its layout is
                // `DIR/records/<key hex>` in every copy.
                let hex = key.to_hex();
                if p.cfg
                    .dirs
                    .iter()
                    .any(|d| d.join("records").join(&hex).is_file())
                {
                    plan.restorable.insert(index, None);
                }
                continue;
            }
            match entry::load_meta(&p.cfg.store, &key) {
                Ok(Some(found)) => {
                    plan.restorable.insert(index, Some(found));
                }
                Ok(None) => {}
                Err(e) => {
                    let mut info = CellPersist::new(Some(key.to_hex()), PersistAction::NotStored);
                    if e.is_integrity() {
                        info.problems.push(e.to_string());
                        info.note = Some(
                            "recomputed from its lineage: the stored entry failed verification"
                                .into(),
                        );
                        p.recovering.insert(index);
                    } else if let entry::EntryError::Format { .. } = e {
                        p.totals.checks_failed += 1;
                        info.problems.push(e.to_string());
                        info.note = Some("recomputed: the stored entry is unreadable".into());
                        p.recovering.insert(index);
                    } else {
                        info.note = Some(format!("recomputed: the store could not be read ({e})"));
                    }
                    p.pending.insert(index, info);
                }
            }
        }
        // Reverse run order: children are decided before their parents.
        let position: HashMap<usize, usize> =
            order.iter().enumerate().map(|(i, &c)| (c, i)).collect();
        // A restorable cell can be deferred too: if all its readers are
        // restored, even its restore is not needed.
        for &index in order.iter().rev() {
            if problems.contains_key(&self.project.cell_id(index)) {
                continue;
            }
            let children = self.project.graph().children(self.project.cell_id(index));
            let all_restored = !children.is_empty()
                && children.iter().all(|c| {
                    self.project.index_of(*c).is_some_and(|ci| {
                        position.contains_key(&ci)
                            && (plan.restorable.contains_key(&ci) || plan.deferrable.contains(&ci))
                    })
                });
            if all_restored {
                plan.deferrable.insert(index);
            }
        }
        plan
    }

    /// After a run: the totals, with the store's own counts folded in.
    pub(crate) fn persist_end(
        &mut self,
        not_needed: usize,
    ) -> Option<crate::persist::PersistTotals> {
        let p = self.persist.as_mut()?;
        let now = p.cfg.store.integrity_counters();
        p.totals.checks_failed += now.failed.saturating_sub(p.counters_before.failed);
        p.totals.repaired += now.repaired.saturating_sub(p.counters_before.repaired);
        p.totals.not_needed = not_needed;
        Some(p.totals.clone())
    }

    /// Restore a cell from its entry instead of running it.
    pub(crate) fn restore_one(
        &mut self,
        index: usize,
        found: Option<(EntryMeta, Record)>,
        on_event: &mut OnEvent,
    ) -> Restore {
        let Some(p) = self.persist.as_mut() else {
            return Restore::Failed {
                integrity: false,
                unloadable: false,
            };
        };
        let Some(key) = p.keys.get(index).copied().flatten() else {
            return Restore::Failed {
                integrity: false,
                unloadable: false,
            };
        };
        let fetched = match found {
            Some((meta, record)) => {
                entry::load_values(&p.cfg.store, &key, &meta, &record).map(|l| Some((meta, l)))
            }
            None => entry::load(&p.cfg.store, &key, entry::MAP_FROM),
        };
        let (meta, mut loaded) = match fetched {
            Ok(Some(x)) => x,
            Ok(None) => {
                let mut info = CellPersist::new(Some(key.to_hex()), PersistAction::NotStored);
                info.note = Some("ran: the stored entry is gone (deleted meanwhile)".into());
                p.pending.insert(index, info);
                return Restore::Failed {
                    integrity: false,
                    unloadable: false,
                };
            }
            Err(e) => return entry_failed(p, index, &key, e),
        };
        let defs = self.project.analysis(index).defs.clone();
        if let Err(e) = entry::check_names(&key, &meta, &defs) {
            return entry_failed(p, index, &key, e);
        }
        let allowed: Vec<String> = defs.iter().cloned().collect();
        let cell_id = super::run::worker_cell_id(self.project.cell_id(index));
        let state = &mut self.states[index];
        let mut stale = std::mem::take(&mut state.defined);
        stale.extend(defs.iter().cloned());
        if let Err(e) = self.worker.delete(
            &stale.into_iter().collect::<Vec<_>>(),
            std::slice::from_ref(&cell_id),
        ) {
            return Restore::Halted(worker_death(state, index, e, on_event));
        }
        let mut restored = self
            .worker
            .restore_buffers(&cell_id, &allowed, &loaded.values);
        if matches!(&restored, Ok(Err(f)) if f.file) {
            // The worker could not map a verified object file (nothing was
            // restored): send the bytes instead.
            if let Err(e) = loaded.inline_files(&p.cfg.store) {
                return entry_failed(p, index, &key, e);
            }
            restored = self
                .worker
                .restore_buffers(&cell_id, &allowed, &loaded.values);
        }
        match restored {
            Ok(Ok(_)) => {}
            Ok(Err(failure)) => {
                let mut info = CellPersist::new(Some(key.to_hex()), PersistAction::NotStored);
                info.note = Some(format!(
                    "recomputed: the stored value `{}` would not load ({}: {})",
                    failure.name, failure.exc_type, failure.message
                ));
                p.pending.insert(index, info);
                return Restore::Failed {
                    integrity: false,
                    unloadable: true,
                };
            }
            Err(e) => return Restore::Halted(worker_death(state, index, e, on_event)),
        }
        state.defined = defs;
        super::run::reset(state);
        state.run.status = RunStatus::Ok;
        state.run.outputs = loaded.result.outputs;
        state.run.console = loaded
            .result
            .console
            .into_iter()
            .map(|c| ConsoleChunk {
                stream: c.stream,
                text: c.text,
                hash: c.hash,
            })
            .collect();
        state.run.duration = meta
            .duration_ms
            .map(|ms| std::time::Duration::from_secs_f64(ms.max(0.0) / 1000.0));
        let mut info = CellPersist::new(Some(key.to_hex()), PersistAction::Restored);
        info.saved_at = Some(meta.saved_at);
        info.saved_at_text = Some(utc_text(meta.saved_at));
        info.values = meta
            .values
            .iter()
            .map(|v| ValueHash {
                name: v.name.clone(),
                hash: v.hash.clone(),
            })
            .collect();
        if p.pending.remove(&index).is_some() {
            info.note = Some(
                "restored after running the cells that define what its values refer to".into(),
            );
        }
        state.run.persist = Some(info);
        p.totals.restored += 1;
        // The same events as a run, so every consumer shows it alike.
        on_event(SessionEvent::CellStarted { index });
        let run = &state.run;
        for chunk in &run.console {
            on_event(SessionEvent::Stream {
                index,
                stream: chunk.stream,
                source: crate::events::StreamSource::Python,
                text: &chunk.text,
                hash: chunk.hash.as_deref(),
            });
        }
        on_event(SessionEvent::CellFinished {
            index,
            status: RunStatus::Ok,
            duration: run.duration.unwrap_or_default(),
            run,
            ui: None,
            variables: None,
        });
        Restore::Done
    }

    /// `--strict`: a failed check ends the cell with an `IntegrityError`.
    pub(crate) fn fail_integrity(&mut self, index: usize, on_event: &mut OnEvent) -> Ran {
        let info = self.persist.as_mut().and_then(|p| p.pending.remove(&index));
        let message = info
            .as_ref()
            .and_then(|i| i.problems.first().cloned())
            .unwrap_or_else(|| "the stored entry failed verification".into());
        let state = &mut self.states[index];
        super::run::reset(state);
        state.run.status = RunStatus::Error;
        state.run.error = Some(integrity_error(format!("{message} (--strict)")));
        state.run.persist = info;
        let run = &state.run;
        on_event(SessionEvent::CellFinished {
            index,
            status: RunStatus::Error,
            duration: std::time::Duration::ZERO,
            run,
            ui: None,
            variables: None,
        });
        Ran::Finished(RunStatus::Error)
    }
}
