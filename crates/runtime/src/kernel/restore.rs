//! The kernel's side of showing restored outputs (docs/runtime.md, "Last
//! outputs on open"):
//!
//! - **On open**, each cell whose code matches a snapshot shows it, with
//!   `restored_at`; a snapshot that fails a check is not shown: the cell
//!   stays idle and the notebook console says which cell and what failed.
//! - **When a cell finishes**, its outputs go to the snapshot writer
//!   (a thread of its own: the store's fsyncs never delay the next cell).
//! - **Recompute**: a persisted cell the store can restore is restored
//!   by every run; `Command::Recompute` runs it instead, for that run.
//!
//! Kept apart from `mod.rs` so the kernel's loop only calls in here.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use weir_graph::CellId;

use super::event::{CellView, EventBody, KernelSnapshot};
use super::hub::Hub;
use crate::message::StreamName;
use crate::persist::Refresh;
use crate::scheduler::{ConsoleChunk, RunReport, Session, SessionEvent};
use crate::snapshots::{SnapshotJob, SnapshotKey, Snapshots, Writer};
use weir_store::RecordKey;

/// What the kernel keeps for restored outputs and recomputes.
#[derive(Default)]
pub(super) struct Restoring {
    snapshots: Option<SnapshotHook>,
    /// Persisted cells to recompute (not restore) when they next run.
    recompute: BTreeSet<CellId>,
    /// The session's own refresh setting while a run overrides it.
    saved_refresh: Option<Refresh>,
}

struct SnapshotHook {
    snapshots: Snapshots,
    /// Every cell's key, by notebook index; `None` after a change (code,
    /// names and order decide keys), computed again at the next run.
    keys: Option<Vec<SnapshotKey>>,
    /// The keys this kernel knows to hold a snapshot (shown on open, or
    /// sent to the writer). When the keys are computed again, those no
    /// cell has any more are forgotten: a cell edited a thousand times
    /// keeps one snapshot, not a thousand.
    held: RefCell<HashSet<RecordKey>>,
    /// Dropped with the kernel, which waits for every write sent before.
    writer: Option<Writer>,
}

impl Restoring {
    /// Shows every cell's snapshot in `initial` (the state clients start
    /// from). The writer starts with [`Restoring::start`].
    pub(super) fn open(
        snapshots: Option<Snapshots>,
        session: &Session,
        initial: &mut KernelSnapshot,
    ) -> Self {
        let Some(snapshots) = snapshots else {
            return Restoring::default();
        };
        let keys = snapshots.keys(session.project());
        let mut held = HashSet::new();
        for (index, (view, key)) in initial.cells.iter_mut().zip(&keys).enumerate() {
            match snapshots.load(key) {
                Ok(Some(snapshot)) => {
                    held.insert(key.record);
                    view.status = snapshot.status;
                    view.restored_at = Some(snapshot.produced_at());
                    view.outputs = snapshot.outputs;
                    view.console = snapshot.console;
                    view.error = snapshot.error;
                    view.duration = snapshot.duration;
                }
                Ok(None) => {}
                Err(e) => {
                    let what = if e.is_integrity() {
                        "failed verification"
                    } else {
                        "could not be read"
                    };
                    initial.console.push(ConsoleChunk::new(
                        StreamName::Stderr,
                        &format!(
                            "weir: cell {index} (`{}`): its last output is not shown: the \
                             stored snapshot {what}: {}\n",
                            view.meta.name,
                            e.detail()
                        ),
                    ));
                }
            }
        }
        Restoring {
            snapshots: Some(SnapshotHook {
                snapshots,
                keys: Some(keys),
                held: RefCell::new(held),
                writer: None,
            }),
            ..Restoring::default()
        }
    }

    /// Starts the snapshot writer; a store that stops taking writes is
    /// said once in the notebook console.
    pub(super) fn start(&mut self, hub: &Arc<Hub>) {
        if let Some(hook) = &mut self.snapshots {
            let notices = Arc::clone(hub);
            hook.writer = Some(Writer::spawn(hook.snapshots.clone(), move |text| {
                notices.publish(EventBody::Console {
                    stream: StreamName::Stderr,
                    text,
                    hash: None,
                });
            }));
        }
    }

    /// A change was applied: keys are computed again before the next run.
    pub(super) fn changed(&mut self) {
        if let Some(hook) = &mut self.snapshots {
            hook.keys = None;
        }
    }

    pub(super) fn recompute(&mut self, ids: &[CellId]) {
        self.recompute.extend(ids.iter().copied());
    }

    /// Before a run: keys current, and the cells to recompute refreshed
    /// (the persistence path then runs and stores them).
    pub(super) fn before_run(&mut self, session: &mut Session) {
        if let Some(hook) = &mut self.snapshots
            && hook.keys.is_none()
        {
            let keys = hook.snapshots.keys(session.project());
            let current: HashSet<RecordKey> = keys.iter().map(|k| k.record).collect();
            hook.held.get_mut().retain(|key| {
                let kept = current.contains(key);
                if !kept && let Some(writer) = &hook.writer {
                    writer.forget(*key);
                }
                kept
            });
            hook.keys = Some(keys);
        }
        self.recompute
            .retain(|id| session.project().index_of(*id).is_some());
        if self.recompute.is_empty() {
            return;
        }
        let indices: BTreeSet<usize> = self
            .recompute
            .iter()
            .filter_map(|id| session.project().index_of(*id))
            .collect();
        if let Some(p) = session.persist.as_mut() {
            let refresh = match &p.cfg.refresh {
                Refresh::All => Refresh::All,
                Refresh::None => Refresh::Cells(indices),
                Refresh::Cells(cells) => Refresh::Cells(cells | &indices),
            };
            self.saved_refresh = Some(std::mem::replace(&mut p.cfg.refresh, refresh));
        }
    }

    /// The run's events, as they come: a finished cell's outputs are
    /// snapshotted.
    pub(super) fn observe(&self, event: &SessionEvent<'_>) {
        let (Some(hook), SessionEvent::CellFinished { index, run, .. }) = (&self.snapshots, event)
        else {
            return;
        };
        if let (Some(key), Some(writer)) =
            (hook.keys.as_ref().and_then(|k| k.get(*index)), &hook.writer)
        {
            writer.send(SnapshotJob::of(key.clone(), run));
            hook.held.borrow_mut().insert(key.record);
        }
    }

    /// After a run: the session's refresh setting back, and the cells that
    /// were decided no longer to recompute.
    pub(super) fn after_run(
        &mut self,
        session: &mut Session,
        report: &RunReport,
        index_to_id: &[CellId],
    ) {
        if let Some(saved) = self.saved_refresh.take()
            && let Some(p) = session.persist.as_mut()
        {
            p.cfg.refresh = saved;
        }
        for &index in &report.order {
            if let Some(id) = index_to_id.get(index) {
                self.recompute.remove(id);
            }
        }
    }
}

/// `restored_at` for a cell the persistence path restored in a run: when
/// its entry was saved.
pub(super) fn restored_at_of(persist: Option<&crate::persist::CellPersist>) -> Option<String> {
    persist
        .filter(|p| p.action == crate::persist::PersistAction::Restored)
        .and_then(|p| p.saved_at)
        .map(|secs| crate::snapshots::rfc3339_ms(secs.saturating_mul(1000)))
}

/// A view shows no restored output any more.
pub(super) fn clear(view: &mut CellView) {
    view.restored_at = None;
}

#[cfg(test)]
mod tests {
    use super::super::event::{CellMeta, KernelEvent, RunMode};
    use super::*;
    use crate::persist::{CellPersist, PersistAction};
    use crate::scheduler::{CellRun, RunStatus};

    fn restored_view() -> KernelSnapshot {
        let meta = CellMeta {
            id: 1,
            name: "_".into(),
            code: "1".into(),
            hide_code: false,
            disabled: false,
            version: 1,
        };
        let mut view = CellView::from_run(meta, &CellRun::idle(0, 1, "_".into()));
        view.restored_at = Some("2026-12-02T02:30:37Z".into());
        KernelSnapshot {
            seq: 0,
            mode: RunMode::Autorun,
            cells: vec![view],
            running: None,
            console: Vec::new(),
            find_hint: Default::default(),
        }
    }

    fn apply(mut snapshot: KernelSnapshot, body: EventBody) -> Option<String> {
        snapshot.apply(&KernelEvent { seq: 1, body });
        snapshot.cells[0].restored_at.clone()
    }

    #[test]
    fn restored_at_clears_when_the_cell_starts_is_skipped_or_the_worker_restarts() {
        assert_eq!(apply(restored_view(), EventBody::Started { id: 1 }), None);
        let skipped = EventBody::Skipped {
            id: 1,
            status: RunStatus::NotRun,
            reason: "r".into(),
            reason_kind: "k".into(),
            about: None,
            about_all: Vec::new(),
        };
        assert_eq!(apply(restored_view(), skipped), None);
        assert_eq!(apply(restored_view(), EventBody::WorkerRestarted), None);
        // Queued alone does not: the shown output is still the restored one.
        assert!(apply(restored_view(), EventBody::Queued { ids: vec![1] }).is_some());
    }

    #[test]
    fn a_persisted_cell_restored_by_a_run_is_marked_with_when_it_was_saved() {
        let finished = |action| EventBody::Finished {
            id: 1,
            status: RunStatus::Ok,
            duration: std::time::Duration::ZERO,
            outputs: Vec::new(),
            error: None,
            persist: Some(Box::new(CellPersist {
                saved_at: Some(1_709_251_199),
                ..CellPersist::new(None, action)
            })),
            variables: None,
        };
        assert_eq!(
            apply(restored_view(), finished(PersistAction::Restored)).as_deref(),
            Some("2024-02-29T23:59:59Z")
        );
        assert_eq!(
            apply(restored_view(), finished(PersistAction::Stored)),
            None
        );
    }
}
