//! Batched runs: consecutive cells of a plan that need no decision between
//! them from this side go to the worker as one `run_batch`
//! (docs/runtime.md, "Batches").
//!
//! The skip rule is not delegated: the worker skips a cell whose in-batch
//! parents did not end `ok`, and this side, reading results in order,
//! finds the same cells by the same rule (`parent_blocks` over the same
//! statuses) and names the reason itself.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::Ordering;

use weir_graph::CellId;

use crate::error::WorkerError;
use crate::events::WorkerEvent;
use crate::scheduler::blockers::cell_ref;
use crate::scheduler::report::WorkerDeath;
use crate::scheduler::report::{NotRunReason, RunStatus};
use crate::scheduler::run::{
    OnEvent, Ran, filename, finish, mark_skipped, parent_blocks, reset, route_event, run_status,
    worker_cell_id, worker_death,
};
use crate::scheduler::session::{CellState, Session};
use crate::worker::{BatchCell, BatchEvent, display_of, has_private_names};

impl Session {
    /// The cells from `order[position]` (which may run) on that can go in
    /// one batch: it ends before a cell with a static problem or a parent
    /// outside the batch that keeps it from running (its reason is decided
    /// before anything runs, and the first blocking parent in notebook
    /// order must be the one named).
    pub(crate) fn batch_at(
        &self,
        order: &[usize],
        position: usize,
        problems: &HashMap<CellId, NotRunReason>,
    ) -> Vec<usize> {
        let project = &self.project;
        let first = order[position];
        let mut members: HashSet<CellId> = HashSet::from([project.cell_id(first)]);
        let mut cells = vec![first];
        for &index in &order[position + 1..] {
            let id = project.cell_id(index);
            if problems.contains_key(&id) {
                break;
            }
            let blocked = project.graph().parents(id).into_iter().any(|p| {
                !members.contains(&p)
                    && project.index_of(p).is_some_and(|pi| {
                        parent_blocks(project, &self.states, problems, p, pi).is_some()
                    })
            });
            if blocked {
                break;
            }
            members.insert(id);
            cells.push(index);
        }
        cells
    }

    /// Runs `cells` as one batch; returns how many were decided (run or
    /// skipped, in order) and, when the run must halt, why.
    pub(crate) fn run_batch(
        &mut self,
        cells: &[usize],
        problems: &HashMap<CellId, NotRunReason>,
        on_event: &mut OnEvent,
    ) -> (usize, Option<Ran>) {
        let project = &self.project;
        // Each cell's worker id made once (a `format!` each), and looked
        // up by graph id while the entries are built.
        let ids: Vec<String> = cells
            .iter()
            .map(|&index| worker_cell_id(project.cell_id(index)))
            .collect();
        let by_cell: HashMap<CellId, usize> = cells
            .iter()
            .enumerate()
            .map(|(k, &index)| (project.cell_id(index), k))
            .collect();
        let position: HashMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(k, id)| (id.as_str(), k))
            .collect();
        let mut defs: Vec<BTreeSet<String>> = Vec::with_capacity(cells.len());
        let mut batch = Vec::with_capacity(cells.len());
        for (k, &index) in cells.iter().enumerate() {
            let id = project.cell_id(index);
            let analysis = project.analysis(index);
            let code = project.cells()[index].code.clone();
            let name = project.display_name(index);
            // Deleted before it runs or is skipped: what it defined last
            // time and what it defines now (the single-cell path's rule).
            let mut delete = self.states[index].defined.clone();
            delete.extend(analysis.defs.iter().cloned());
            let requires = project
                .graph()
                .parents(id)
                .into_iter()
                .filter_map(|p| by_cell.get(&p).map(|&j| ids[j].clone()))
                .collect();
            let display = display_of(
                &code,
                analysis
                    .last_expression
                    .map(|r| (r.start().to_usize(), r.end().to_usize())),
            );
            batch.push(BatchCell {
                cell_id: ids[k].clone(),
                filename: Some(filename(index, id, &name)),
                name,
                private: has_private_names(&code),
                code,
                delete: delete.into_iter().collect(),
                requires,
                display,
                summarize: if self.summarize_variables {
                    analysis.defs.iter().cloned().collect()
                } else {
                    Vec::new()
                },
            });
            defs.push(analysis.defs.clone());
        }

        let Session {
            worker,
            states,
            interrupter,
            project,
            yield_when,
            ..
        } = self;
        let project = &*project;
        // Next batch position not yet decided; the running cell.
        let mut next = 0usize;
        let mut running: Option<usize> = None;
        let mut interrupted = false;
        // Cells the worker skipped (by the shared rule) up to position `k`.
        let decide_skips =
            |states: &mut [CellState], next: &mut usize, k: usize, on_event: &mut OnEvent| {
                while *next < k {
                    let index = cells[*next];
                    let id = project.cell_id(index);
                    let reason = project
                        .graph()
                        .parents(id)
                        .into_iter()
                        .find_map(|p| {
                            let pi = project.index_of(p)?;
                            parent_blocks(project, states, problems, p, pi)
                        })
                        .unwrap_or_else(|| {
                            // The worker skipped what this side would have run:
                            // a disagreement that must not pass silently.
                            NotRunReason::AncestorNotRun {
                                ancestor: cell_ref(project, index),
                            }
                        });
                    let state = &mut states[index];
                    state.defined.clear();
                    mark_skipped(state, index, reason, on_event);
                    *next += 1;
                }
            };
        let halt = || {
            interrupter.requested()
                || yield_when
                    .as_ref()
                    .is_some_and(|flag| flag.load(Ordering::SeqCst))
        };
        let result = worker.run_batch(batch, halt, &mut |event| match event {
            BatchEvent::Event(WorkerEvent::Started { cell_id }) => {
                let Some(&k) = position.get(cell_id.as_str()) else {
                    return;
                };
                decide_skips(states, &mut next, k, on_event);
                let index = cells[k];
                let state = &mut states[index];
                reset(state);
                state.run.status = RunStatus::Running;
                state.defined = std::mem::take(&mut defs[k]);
                running = Some(k);
                next = k + 1;
                route_event(
                    project,
                    states,
                    interrupter,
                    index,
                    &cell_id,
                    WorkerEvent::Started {
                        cell_id: cell_id.clone(),
                    },
                    on_event,
                );
            }
            BatchEvent::Event(event) => match running {
                Some(k) => {
                    route_event(
                        project,
                        states,
                        interrupter,
                        cells[k],
                        &ids[k],
                        event,
                        on_event,
                    );
                }
                // Between cells only text of a cell's thread or child (or
                // the notebook's console) can come; it names its origin.
                None => {
                    if let WorkerEvent::Stream { .. } = event {
                        route_event(
                            project,
                            states,
                            interrupter,
                            usize::MAX,
                            "",
                            event,
                            on_event,
                        );
                    }
                }
            },
            BatchEvent::Done(outcome) => {
                let Some(k) = running.take() else { return };
                let index = cells[k];
                let state = &mut states[index];
                let status = run_status(outcome.status);
                if let Some(output) = outcome.output {
                    state.run.outputs = vec![output];
                }
                finish(state, status, outcome.error, outcome.duration);
                interrupted |= status == RunStatus::Interrupted;
                let run = &state.run;
                on_event(crate::scheduler::SessionEvent::CellFinished {
                    index,
                    status,
                    duration: outcome.duration,
                    run,
                    ui: outcome.ui.as_deref(),
                    variables: outcome.variables.as_deref(),
                });
            }
        });
        match result {
            Ok(end) => {
                let ran = end.ran.min(cells.len());
                decide_skips(states, &mut next, ran, on_event);
                let halt = interrupted.then_some(Ran::Finished(RunStatus::Interrupted));
                (ran, halt)
            }
            Err(error) if running.is_none() && next >= cells.len() => {
                // Every cell had ended: the death belongs to none of them.
                let last = cells[cells.len() - 1];
                let status = match &error {
                    WorkerError::WorkerDied { status, .. } => status.to_string(),
                    other => other.to_string(),
                };
                let cell = cell_ref(project, last);
                (
                    cells.len(),
                    Some(Ran::WorkerDied(WorkerDeath { cell, status })),
                )
            }
            Err(error) => {
                // The cell that was running, or the next one this side
                // would have run, ends `WorkerDied`.
                let k = running.unwrap_or(next).min(cells.len() - 1);
                let index = cells[k];
                let ran = worker_death(&mut states[index], index, error, on_event);
                (k + 1, Some(ran))
            }
        }
    }
}
