//! The run loop: walk a plan in order, decide for each cell whether it may
//! run, run it on the worker, record what happened.
//!
//! The one rule for skipping: a cell runs unless it has a static problem of
//! its own, or some parent's state (from this run, or an earlier one for
//! parents outside the run) does not let it (see `blockers::inherited`).
//! Plans are topological, so every parent inside the run is decided first.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use weir_graph::{CellId, RunPlan};
use weir_project::Project;

use crate::error::WorkerError;
use crate::events::WorkerEvent;
use crate::message::{CellError, CellStatus, OutputAction, ToWorker};
use crate::scheduler::blockers::{cell_ref, inherited, static_problems};
use crate::scheduler::event::SessionEvent;
use crate::scheduler::persisting::{PersistPlan, Restore};
use crate::scheduler::report::{ConsoleChunk, NotRunReason, RunReport, RunStatus, WorkerDeath};
use crate::scheduler::session::{CellState, Session, SessionInterrupter};

/// Console text kept per cell; the rest is still delivered as events but
/// not stored, so a cell printing gigabytes does not fill memory.
const MAX_CONSOLE: usize = 8 * 1024 * 1024;

pub(crate) type OnEvent<'f> = dyn FnMut(SessionEvent<'_>) + 'f;

/// How running one cell ended, for the loop.
pub(crate) enum Ran {
    Finished(RunStatus),
    WorkerDied(WorkerDeath),
}

impl Session {
    /// Run `changed` and everything downstream. Cells whose own static
    /// problems appeared or went away (an edit elsewhere made or fixed a
    /// duplicate definition or a cycle) are added: their recorded state no
    /// longer says the truth.
    pub(crate) fn run_stale(
        &mut self,
        mut changed: Vec<CellId>,
        on_event: &mut OnEvent,
    ) -> RunReport {
        let problems = static_problems(&self.project);
        for (index, state) in self.states.iter().enumerate() {
            let id = self.project.cell_id(index);
            let was_blocked = state
                .run
                .reason
                .as_ref()
                .is_some_and(NotRunReason::is_static);
            if state.run.status != RunStatus::Idle && was_blocked != problems.contains_key(&id) {
                changed.push(id);
            }
        }
        let plan = self.project.graph().stale_plan(&changed);
        self.execute_with(plan, problems, on_event)
    }

    pub(crate) fn execute(&mut self, plan: RunPlan, on_event: &mut OnEvent) -> RunReport {
        let problems = static_problems(&self.project);
        self.execute_with(plan, problems, on_event)
    }

    fn execute_with(
        &mut self,
        plan: RunPlan,
        problems: HashMap<CellId, NotRunReason>,
        on_event: &mut OnEvent,
    ) -> RunReport {
        let started = Instant::now();
        self.interrupter.cancel.store(false, Ordering::SeqCst);
        // Cyclic cells never run; deciding them first lets their
        // descendants (which stay in the order) see why.
        let ids: Vec<CellId> = plan.cyclic.iter().chain(&plan.order).copied().collect();
        let order: Vec<usize> = ids
            .iter()
            .filter_map(|id| self.project.index_of(*id))
            .collect();
        // What each cell was before it was queued, for the cells a yield
        // leaves unreached.
        let mut before_queued: HashMap<usize, RunStatus> = HashMap::new();
        for &index in &order {
            before_queued.insert(index, self.states[index].run.status);
            self.states[index].run.status = RunStatus::Queued;
        }
        if !order.is_empty() {
            on_event(SessionEvent::CellsQueued { indices: &order });
        }
        let mut unfinished: Vec<usize> = Vec::new();
        let mut plan = self.persist_begin(&order, &problems);
        // Cells not needed (every reader restored), in run order; run
        // later only if a restore fails and needs them.
        let mut deferred = Deferred::default();
        // Once set, every remaining cell is skipped with this reason.
        let mut halt: Option<NotRunReason> = None;
        let mut interrupted = false;
        let mut worker_died = None;
        // Without persistence no cell needs a decision between cells that
        // only this side can make, so runs go to the worker in batches.
        let batching = self.persist.is_none();
        let mut position = 0;
        while position < order.len() {
            let index = order[position];
            let id = self.project.cell_id(index);
            // An interrupt is checked first: it ends the plan, where a
            // yield only pauses it.
            if halt.is_none() && self.interrupter.requested() {
                halt = Some(NotRunReason::RunInterrupted);
                interrupted = true;
            }
            if halt.is_none() && self.yield_requested() {
                unfinished.extend_from_slice(&order[position..]);
                break;
            }
            let reason = halt
                .clone()
                .or_else(|| problems.get(&id).cloned())
                .or_else(|| self.parent_reason(id, &problems, &deferred));
            if let Some(reason) = reason {
                self.skip(index, reason, on_event);
                position += 1;
                continue;
            }
            if plan.deferrable.contains(&index) {
                deferred.push(index);
                position += 1;
                continue;
            }
            let ran = if batching {
                let cells = self.batch_at(&order, position, &problems);
                let (consumed, ran) = self.run_batch(&cells, &problems, on_event);
                if consumed == 0 && ran.is_none() {
                    if self.yield_requested() || self.interrupter.requested() {
                        continue; // decided at the top of the loop
                    }
                    // Stopped before its first cell by a stray SIGINT:
                    // run that cell on its own so the run moves on.
                    position += 1;
                    self.run_one(index, on_event)
                } else {
                    position += consumed;
                    match ran {
                        Some(ran) => ran,
                        None => continue,
                    }
                }
            } else {
                position += 1;
                self.run_or_restore(index, &mut plan, &mut deferred, &problems, on_event)
            };
            match ran {
                Ran::Finished(RunStatus::Interrupted) => {
                    // An interrupt means "stop", whoever sent it.
                    halt = Some(NotRunReason::RunInterrupted);
                    interrupted = true;
                }
                Ran::Finished(_) => {}
                Ran::WorkerDied(death) => {
                    halt = Some(NotRunReason::WorkerDied {
                        cell: death.cell.clone(),
                        status: death.status.clone(),
                    });
                    worker_died = Some(death);
                }
            }
        }
        if !unfinished.is_empty() {
            // Not needed *so far*: whether they are depends on the new plan.
            unfinished.extend(deferred.take(|_| true));
            for &index in &unfinished {
                self.states[index].run.status = before_queued[&index];
            }
            unfinished.sort_unstable();
        }
        let not_needed = deferred.order.len();
        for index in deferred.order {
            self.skip(index, NotRunReason::NotNeeded, on_event);
        }
        let persist = self.persist_end(not_needed);
        let mut order = order;
        if !unfinished.is_empty() {
            let left: HashSet<usize> = unfinished.iter().copied().collect();
            order.retain(|index| !left.contains(index));
        }
        RunReport {
            cells: if self.report_cells {
                self.cells()
            } else {
                Vec::new()
            },
            order,
            elapsed: started.elapsed(),
            interrupted,
            worker_died,
            persist,
            unfinished,
        }
    }

    pub(crate) fn yield_requested(&self) -> bool {
        self.yield_when
            .as_ref()
            .is_some_and(|flag| flag.load(Ordering::SeqCst))
    }

    /// Restore a cell the store has; else (or if that fails) run it, first
    /// running the deferred ancestors it then needs: recomputation from
    /// its lineage.
    fn run_or_restore(
        &mut self,
        index: usize,
        plan: &mut PersistPlan,
        deferred: &mut Deferred,
        problems: &HashMap<CellId, NotRunReason>,
        on_event: &mut OnEvent,
    ) -> Ran {
        let strict = self.persist.as_ref().is_some_and(|p| p.cfg.strict);
        let mut retry = false;
        if let Some(found) = plan.restorable.remove(&index) {
            match self.restore_one(index, found, on_event) {
                Restore::Done => return Ran::Finished(RunStatus::Ok),
                Restore::Halted(ran) => return ran,
                Restore::Failed {
                    integrity: true, ..
                } if strict => {
                    return self.fail_integrity(index, on_event);
                }
                Restore::Failed { unloadable, .. } => retry = unloadable,
            }
        }
        if self
            .persist
            .as_ref()
            .is_some_and(|p| p.cfg.strict && p.recovering.contains(&index))
        {
            return self.fail_integrity(index, on_event);
        }
        let id = self.project.cell_id(index);
        if !deferred.order.is_empty() {
            // Deferred parents, their deferred parents, ...: a parent that
            // was restored or ran already cuts the chain, and so does a
            // deferred parent the store can restore (if that restore fails,
            // its own call here finds what it needs).
            let mut wanted: HashSet<CellId> = HashSet::new();
            let mut stack = vec![id];
            while let Some(c) = stack.pop() {
                for p in self.project.graph().parents(c) {
                    let Some(pi) = self.project.index_of(p) else {
                        continue;
                    };
                    if deferred.contains(&pi)
                        && wanted.insert(p)
                        && !plan.restorable.contains_key(&pi)
                    {
                        stack.push(p);
                    }
                }
            }
            let needed = deferred.take(|i| wanted.contains(&self.project.cell_id(i)));
            let ran_any = !needed.is_empty();
            for a in needed {
                let a_id = self.project.cell_id(a);
                if let Some(reason) = self.parent_reason(a_id, problems, deferred) {
                    self.skip(a, reason, on_event);
                    continue;
                }
                // Recursion only through failed restores, one level per
                // failure in a chain: bounded by the notebook's depth in
                // the worst case, and in practice shallow.
                match self.run_or_restore(a, plan, deferred, problems, on_event) {
                    Ran::Finished(RunStatus::Interrupted) => {
                        return Ran::Finished(RunStatus::Interrupted);
                    }
                    Ran::WorkerDied(death) => return Ran::WorkerDied(death),
                    Ran::Finished(_) => {}
                }
            }
            if let Some(reason) = self.parent_reason(id, problems, deferred) {
                self.skip(index, reason, on_event);
                return Ran::Finished(RunStatus::NotRun);
            }
            if retry && ran_any {
                // The classes and functions its values refer to exist now.
                match self.restore_one(index, None, on_event) {
                    Restore::Done => return Ran::Finished(RunStatus::Ok),
                    Restore::Halted(ran) => return ran,
                    Restore::Failed { .. } => {}
                }
            }
        }
        self.run_one(index, on_event)
    }

    /// The first parent (in notebook order) whose state keeps this cell
    /// from running.
    fn parent_reason(
        &self,
        id: CellId,
        problems: &HashMap<CellId, NotRunReason>,
        deferred: &Deferred,
    ) -> Option<NotRunReason> {
        self.project.graph().parents(id).into_iter().find_map(|p| {
            let index = self.project.index_of(p)?;
            if deferred.contains(&index) {
                // Not run because not needed: its readers were restored.
                return None;
            }
            parent_blocks(&self.project, &self.states, problems, p, index)
        })
    }

    fn skip(&mut self, index: usize, reason: NotRunReason, on_event: &mut OnEvent) {
        // Values computed in an earlier run from inputs that are now stale
        // or broken must not linger where other code could read them.
        // Its private names too, if it ever ran here (a cell that never
        // ran has no duration and costs no round trip).
        let stale = std::mem::take(&mut self.states[index].defined);
        let ran = self.states[index].run.duration.is_some();
        if (ran || !stale.is_empty()) && !self.worker.is_closed() {
            let cell = worker_cell_id(self.project.cell_id(index));
            // A failure here means the worker died; the next cell reports it.
            let _ = self
                .worker
                .delete(&stale.into_iter().collect::<Vec<_>>(), &[cell]);
        }
        mark_skipped(&mut self.states[index], index, reason, on_event);
    }

    pub(crate) fn run_one(&mut self, index: usize, on_event: &mut OnEvent) -> Ran {
        let id = self.project.cell_id(index);
        let name = self.project.display_name(index);
        let defs = self.project.analysis(index).defs.clone();
        let code = self.project.cells()[index].code.clone();
        let Session {
            worker,
            states,
            interrupter,
            persist,
            project,
            ..
        } = self;
        let state = &mut states[index];
        reset(state);
        state.run.status = RunStatus::Running;

        // Before the cell runs again, the names it defined (last time and
        // now) leave the namespace: nothing it no longer defines survives.
        // (The worker deletes them on receiving the run request.)
        let mut stale: BTreeSet<String> = std::mem::take(&mut state.defined);
        stale.extend(defs.iter().cloned());
        state.defined = defs;

        let own_id = worker_cell_id(id);
        let request = ToWorker::Run {
            cell_id: own_id.clone(),
            name: name.clone(),
            code,
            filename_hint: Some(filename(index, id, &name)),
            delete: stale.into_iter().collect(),
        };
        let outcome = worker.run(request, |event| {
            route_event(
                project,
                states,
                interrupter,
                index,
                &own_id,
                event,
                on_event,
            )
        });
        let state = &mut states[index];
        match outcome {
            Ok(outcome) => {
                let status = run_status(outcome.status);
                // As in script mode: the last expression's value, if any,
                // is the output; else what `weir.output` calls left.
                if let Some(output) = outcome.output {
                    state.run.outputs = vec![output];
                }
                let mut status = status;
                let mut error = outcome.error;
                if status == RunStatus::Ok
                    && let Some(p) = persist.as_mut()
                    && let Some(e) = p.after_run(worker, project, index, state)
                {
                    status = RunStatus::Error;
                    error = Some(e);
                }
                finish(state, status, error, outcome.duration);
                let run = &state.run;
                on_event(SessionEvent::CellFinished {
                    index,
                    status,
                    duration: outcome.duration,
                    run,
                    ui: outcome.ui.as_deref(),
                    variables: outcome.variables.as_deref(),
                });
                Ran::Finished(status)
            }
            Err(e) => worker_death(state, index, e, on_event),
        }
    }
}

pub(crate) fn run_status(status: CellStatus) -> RunStatus {
    match status {
        CellStatus::Ok => RunStatus::Ok,
        CellStatus::Error => RunStatus::Error,
        CellStatus::Stopped => RunStatus::Stopped,
        CellStatus::Interrupted => RunStatus::Interrupted,
    }
}

/// What parent `p` (at `index`) passes on, if it keeps its readers from
/// running. Most parents are fine, and that is seen without building the
/// reason (a name, a string).
pub(crate) fn parent_blocks(
    project: &Project,
    states: &[CellState],
    problems: &HashMap<CellId, NotRunReason>,
    p: CellId,
    index: usize,
) -> Option<NotRunReason> {
    let problem = problems.get(&p);
    if problem.is_none() && states[index].run.status == RunStatus::Ok {
        return None;
    }
    inherited(cell_ref(project, index), &states[index].run, problem)
}

/// Record a skipped cell (its names were already dealt with).
pub(crate) fn mark_skipped(
    state: &mut CellState,
    index: usize,
    reason: NotRunReason,
    on_event: &mut OnEvent,
) {
    reset(state);
    state.run.status = if reason == NotRunReason::Disabled {
        RunStatus::Disabled
    } else {
        RunStatus::NotRun
    };
    state.run.reason = Some(reason);
    let run = &state.run;
    if let Some(reason) = &run.reason {
        on_event(SessionEvent::CellSkipped { index, reason, run });
    }
}

/// One event of the running cell (`index`, worker id `own_id`): text a
/// thread or child of another cell wrote goes to that cell's console (or
/// the notebook's), never this one's.
pub(crate) fn route_event(
    project: &Project,
    states: &mut [CellState],
    interrupter: &SessionInterrupter,
    index: usize,
    own_id: &str,
    event: WorkerEvent,
    on_event: &mut OnEvent,
) {
    match event {
        WorkerEvent::Stream {
            cell_id,
            name: stream,
            source,
            text,
            hash,
        } if cell_id.as_deref() != Some(own_id) => {
            let origin = cell_id
                .as_deref()
                .and_then(|c| index_of_worker_cell(project, c));
            match origin {
                Some(origin) => {
                    keep_console(&mut states[origin], stream, &text, hash.as_deref());
                    on_event(SessionEvent::Stream {
                        index: origin,
                        stream,
                        source,
                        text: &text,
                        hash: hash.as_deref(),
                    });
                }
                None => on_event(SessionEvent::Console {
                    stream,
                    source,
                    text: &text,
                    hash: hash.as_deref(),
                }),
            }
        }
        WorkerEvent::Started { .. } => {
            if interrupter.requested() {
                // Interrupted between our check and the worker arming
                // its handler: the first signal was ignored, send again.
                let _ = interrupter.signal();
            }
            on_event(SessionEvent::CellStarted { index });
        }
        WorkerEvent::Stream {
            name: stream,
            source,
            text,
            hash,
            ..
        } => {
            keep_console(&mut states[index], stream, &text, hash.as_deref());
            on_event(SessionEvent::Stream {
                index,
                stream,
                source,
                text: &text,
                hash: hash.as_deref(),
            });
        }
        WorkerEvent::Output {
            action, output, at, ..
        } => {
            crate::message::apply_output(
                &mut states[index].run.outputs,
                action,
                at,
                output.as_ref(),
            );
            let output = match action {
                OutputAction::Clear | OutputAction::RemoveAt => None,
                _ => output.as_ref(),
            };
            on_event(SessionEvent::Output {
                index,
                action,
                output,
                at,
            });
        }
    }
}

/// Cells not needed this run (every reader restored), in run order, with a
/// set beside the order so membership tests stay O(1): parents are checked
/// against it for every cell, and a linear scan would make a long warm
/// pipeline quadratic.
#[derive(Default)]
pub(crate) struct Deferred {
    order: Vec<usize>,
    members: HashSet<usize>,
}

impl Deferred {
    fn push(&mut self, index: usize) {
        if self.members.insert(index) {
            self.order.push(index);
        }
    }

    fn contains(&self, index: &usize) -> bool {
        self.members.contains(index)
    }

    /// Removes and returns, in run order, the cells `wanted` selects.
    fn take(&mut self, mut wanted: impl FnMut(usize) -> bool) -> Vec<usize> {
        let (taken, kept): (Vec<usize>, Vec<usize>) = self.order.iter().partition(|&&i| wanted(i));
        for i in &taken {
            self.members.remove(i);
        }
        self.order = kept;
        taken
    }
}

/// The id a cell has in the worker: stable across moves, and (letters and
/// digits only) the worker's prefix for its private names, `_cell_c3_x`.
pub(crate) fn worker_cell_id(id: CellId) -> String {
    format!("c{}", id.0)
}

/// The notebook index of the cell a worker cell id names, if it still
/// exists (`None` also for the prelude's id).
pub(crate) fn index_of_worker_cell(project: &Project, worker_id: &str) -> Option<usize> {
    let id = worker_id.strip_prefix('c')?.parse::<u32>().ok()?;
    project.index_of(CellId(id))
}

/// Tracebacks name the cell by index and display name; the id keeps the
/// name unique once cells have moved (linecache and the worker's
/// filename → cell map must never mix two cells up).
pub(crate) fn filename(index: usize, id: CellId, name: &str) -> String {
    if id.0 as usize == index {
        format!("<cell {index} `{name}`>")
    } else {
        format!("<cell {index} `{name}` #{}>", id.0)
    }
}

pub(crate) fn reset(state: &mut CellState) {
    state.run.persist = None;
    state.run.reason = None;
    state.run.outputs.clear();
    state.run.console.clear();
    state.run.error = None;
    state.run.duration = None;
    state.console_bytes = 0;
    state.console_dropped = 0;
}

pub(crate) fn keep_console(
    state: &mut CellState,
    stream: crate::message::StreamName,
    text: &str,
    hash: Option<&str>,
) {
    let cost = ConsoleChunk::cost(text, hash);
    if state.console_bytes + cost > MAX_CONSOLE {
        state.console_dropped += text.len() as u64;
        return;
    }
    state.console_bytes += cost;
    ConsoleChunk::push(&mut state.run.console, stream, text, hash);
}

pub(crate) fn finish(
    state: &mut CellState,
    status: RunStatus,
    error: Option<CellError>,
    duration: Duration,
) {
    if state.console_dropped > 0 {
        state.run.console.push(ConsoleChunk::new(
            crate::message::StreamName::Stderr,
            &format!(
                "\n[weir: {} more bytes of console output were not kept]\n",
                state.console_dropped
            ),
        ));
    }
    state.run.status = status;
    state.run.error = error;
    state.run.duration = Some(duration);
}

/// The worker died (or the protocol failed) while this cell was being
/// handled: end the cell `error` (`WorkerDied`) and halt the run.
pub(crate) fn worker_death(
    state: &mut CellState,
    index: usize,
    error: WorkerError,
    on_event: &mut OnEvent,
) -> Ran {
    let status = match &error {
        WorkerError::WorkerDied { status, .. } => status.to_string(),
        other => other.to_string(),
    };
    state.run.status = RunStatus::Error;
    state.run.error = Some(CellError {
        exc_type: "WorkerDied".into(),
        message: format!("the worker process ended ({status}) while running this cell"),
        traceback: String::new(),
        frames: Vec::new(),
    });
    let cell = state.run.label();
    finish_death(state, index, cell, status, on_event)
}

fn finish_death(
    state: &mut CellState,
    index: usize,
    cell: crate::scheduler::report::CellRef,
    status: String,
    on_event: &mut OnEvent,
) -> Ran {
    let error = state.run.error.take();
    finish(state, RunStatus::Error, error, Duration::ZERO);
    let run = &state.run;
    on_event(SessionEvent::CellFinished {
        index,
        status: RunStatus::Error,
        duration: Duration::ZERO,
        run,
        ui: None,
        variables: None,
    });
    Ran::WorkerDied(WorkerDeath { cell, status })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::report::CellRun;

    #[test]
    fn filenames_are_unique_per_cell() {
        assert_eq!(filename(3, CellId(3), "_"), "<cell 3 `_`>");
        assert_eq!(filename(2, CellId(3), "_"), "<cell 2 `_` #3>");
        assert_ne!(filename(2, CellId(2), "f"), filename(2, CellId(3), "f"));
    }

    #[test]
    fn console_merges_and_caps() {
        use crate::message::StreamName;
        let mut state = CellState {
            run: CellRun::idle(0, 0, "_".into()),
            defined: BTreeSet::new(),
            console_bytes: 0,
            console_dropped: 0,
        };
        keep_console(&mut state, StreamName::Stdout, "a", None);
        keep_console(&mut state, StreamName::Stdout, "b", None);
        keep_console(&mut state, StreamName::Stderr, "c", None);
        assert_eq!(state.run.console.len(), 2);
        assert_eq!(state.run.text(StreamName::Stdout), "ab");
        let big = "x".repeat(MAX_CONSOLE);
        keep_console(&mut state, StreamName::Stdout, &big, None);
        assert_eq!(state.console_dropped, MAX_CONSOLE as u64);
        finish(&mut state, RunStatus::Ok, None, Duration::ZERO);
        assert!(state.run.text(StreamName::Stderr).contains("not kept"));
    }
}
