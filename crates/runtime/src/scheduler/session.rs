//! A notebook being run: a [`Project`], one [`Worker`], and each cell's
//! latest run. The public face of the scheduler; the run loop itself is in
//! `run.rs`.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use thiserror::Error;
use weir_graph::CellId;
use weir_project::{Applied, Change, ChangeError, Project};

use crate::error::{ExitKind, WorkerError};
use crate::python::resolve_python;
use crate::scheduler::event::SessionEvent;
use crate::scheduler::persisting::PersistSession;
use crate::scheduler::report::{CellRun, RunReport};
use crate::worker::{Interrupter, Launcher, UnsolicitedSink, Worker, WorkerConfig};

/// The `weir` package directory of the source checkout this runtime was
/// built from. Used only when it still exists (a development build).
const CHECKOUT_PYTHON_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../python");

/// Where the worker finds the `weir` package, if not in the interpreter's
/// own environment: `$WEIR_PYTHONPATH` when set (and not empty), else the
/// source checkout's `python/` directory when it exists (so `cargo run`
/// works without installing anything), else `None`: the package is
/// installed in the interpreter's environment, as the wheel does.
pub fn default_python_path_extra() -> Option<PathBuf> {
    python_path_from(
        std::env::var_os("WEIR_PYTHONPATH"),
        Path::new(CHECKOUT_PYTHON_DIR),
    )
}

fn python_path_from(env: Option<OsString>, checkout: &Path) -> Option<PathBuf> {
    if let Some(path) = env.filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    checkout
        .is_dir()
        .then(|| checkout.canonicalize().unwrap_or_else(|_| checkout.into()))
}

/// How to start a session's worker: by default a `python -m weir._worker`
/// process, or through any [`Launcher`].
#[derive(Debug, Clone, Default)]
pub struct SessionConfig {
    /// The interpreter; `None` resolves as [`resolve_python`] does
    /// (`$VIRTUAL_ENV/bin/python`, else `python3`).
    pub python: Option<PathBuf>,
    /// The worker's working directory; `None` inherits ours (as
    /// `python nb.py` runs in the caller's directory).
    pub cwd: Option<PathBuf>,
    /// Put first on the worker's `PYTHONPATH` so `weir` imports (see
    /// [`default_python_path_extra`]).
    pub python_path_extra: Option<PathBuf>,
    /// The notebook file. As under `python nb.py`, its directory goes
    /// first on `sys.path` (cells import modules next to the notebook) and
    /// `__file__` names it.
    pub notebook: Option<PathBuf>,
    /// Starts the session's workers, its first and every restart's. `None`:
    /// a `python -m weir._worker` process from the fields above.
    pub launcher: Option<Arc<dyn Launcher>>,
    /// Ask the worker to hash every output and console chunk where it is
    /// made (`crate::integrity`), for a client that checks them (the
    /// editor). Off for `weir exec`, which then pays nothing for it.
    pub hash_outputs: bool,
}

impl SessionConfig {
    /// The configuration `weir exec` uses for a notebook file: default
    /// interpreter and package location, the notebook's directory on the
    /// path.
    pub fn for_notebook(path: &Path) -> Self {
        SessionConfig {
            python: None,
            cwd: None,
            python_path_extra: default_python_path_extra(),
            notebook: Some(path.canonicalize().unwrap_or_else(|_| path.into())),
            launcher: None,
            hash_outputs: false,
        }
    }

    fn worker_config(&self) -> WorkerConfig {
        let mut config = WorkerConfig::new(resolve_python(self.python.as_deref()));
        config.cwd = self.cwd.clone();
        config.python_path_extra = self.python_path_extra.clone();
        if self.hash_outputs {
            config.env.push((
                crate::integrity::HASH_ENV.into(),
                std::ffi::OsString::from("1"),
            ));
        }
        config
    }

    /// Code run once in a new worker to give cells what `python nb.py`
    /// gives them. Not through `PYTHONPATH`: a `json.py` next to the
    /// notebook must not shadow the modules the worker itself imports.
    fn prelude(&self) -> Option<String> {
        let path = self.notebook.as_ref()?;
        let dir = path.parent().unwrap_or(Path::new("."));
        // A JSON string is a valid Python string literal.
        let lit =
            |p: &Path| serde_json::to_string(&p.to_string_lossy()).unwrap_or_else(|_| "''".into());
        Some(format!(
            "import sys as __weir_sys\n\
             __weir_sys.path.insert(0, {})\n\
             del __weir_sys\n\
             __file__ = {}\n",
            lit(dir),
            lit(path)
        ))
    }

    fn spawn(&self) -> Result<Worker, SessionError> {
        let mut worker = match &self.launcher {
            Some(launcher) => Worker::launch(launcher.as_ref(), None)?,
            None => Worker::spawn(self.worker_config())?,
        };
        if let Some(code) = self.prelude() {
            let outcome = worker.run_cell("weir-prelude", "prelude", &code, |_| {})?;
            if let Some(error) = outcome.error {
                return Err(SessionError::Prelude(error.message));
            }
        }
        Ok(worker)
    }
}

#[derive(Debug, Error)]
pub enum SessionError {
    /// Starting (or talking to) the worker failed.
    #[error(transparent)]
    Worker(#[from] WorkerError),
    /// Setting up the worker's `sys.path` and `__file__` failed.
    #[error("preparing the worker failed: {0}")]
    Prelude(String),
    #[error("no cell {index}: the notebook has {len} cells")]
    NoSuchCell { index: usize, len: usize },
    /// The worker died or was shut down; [`Session::restart`] starts a new one.
    #[error("the worker is not running (it died or was shut down); restart the session")]
    WorkerClosed,
    /// A change named a cell that is not there, or was invalid.
    #[error(transparent)]
    Change(#[from] ChangeError),
}

/// Interrupts a session's run from any thread (a Ctrl-C handler, a UI):
/// the running cell gets `KeyboardInterrupt` and the rest of the run is
/// reported not run. Outside a run it does nothing. Stays valid across
/// [`Session::restart`].
#[derive(Debug, Clone)]
pub struct SessionInterrupter {
    pub(crate) cancel: Arc<AtomicBool>,
    pub(crate) worker: Arc<Mutex<Interrupter>>,
}

impl SessionInterrupter {
    pub fn interrupt(&self) {
        // Flag first: a run that sees `started` after this re-sends the
        // signal, so an interrupt racing with a cell's start is not lost.
        self.cancel.store(true, Ordering::SeqCst);
        let _ = self.signal();
    }

    pub(crate) fn signal(&self) -> Result<(), WorkerError> {
        self.worker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .interrupt()
    }

    pub(crate) fn requested(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }
}

/// One cell's state beyond its public record.
#[derive(Debug, Clone)]
pub(crate) struct CellState {
    pub run: CellRun,
    /// The names this cell defined in the worker when it last ran; deleted
    /// before it runs again or when it is skipped or deleted.
    pub defined: BTreeSet<String>,
    /// Console bytes kept / dropped in the current run (see `MAX_CONSOLE`).
    pub console_bytes: usize,
    pub console_dropped: u64,
}

/// A notebook with a live worker. Cells are named by notebook index.
pub struct Session {
    pub(crate) project: Project,
    pub(crate) worker: Worker,
    pub(crate) config: SessionConfig,
    /// Parallel to the project's cells.
    pub(crate) states: Vec<CellState>,
    pub(crate) interrupter: SessionInterrupter,
    /// Set by [`Session::set_persistence`].
    pub(crate) persist: Option<PersistSession>,
    /// When set and true, a run stops before its next cell and reports the
    /// cells it did not reach as `unfinished` (the kernel sets it when a
    /// command arrives, to re-plan between cells).
    pub(crate) yield_when: Option<Arc<AtomicBool>>,
    /// Given to every worker this session starts (restarts too).
    pub(crate) unsolicited: Option<UnsolicitedSink>,
    /// Whether a `RunReport` carries every cell's record (a copy of all
    /// outputs and consoles); the kernel, which keeps its own, says no.
    pub(crate) report_cells: bool,
    /// Whether each run cell's defined names are summarised for a
    /// variables panel (`SessionEvent::Variables`): an editor's kernel
    /// asks; batch clients do not, and pay nothing.
    pub(crate) summarize_variables: bool,
    /// Global name -> the value a client set on the element it is bound
    /// to (canonical JSON): part of its readers' lineage keys. Kept by the
    /// kernel (`kernel/ui.rs`).
    pub(crate) lineage_inputs: std::collections::BTreeMap<String, Vec<u8>>,
}

impl Session {
    /// Start a worker for the project. Runs nothing. From here on the
    /// cells are judged by the syntax of the worker's Python (a cell using
    /// syntax it lacks is an error cell, not a run that fails).
    pub fn start(mut project: Project, config: SessionConfig) -> Result<Session, SessionError> {
        let worker = config.spawn()?;
        if let Some(version) = weir_project::parse_python_version(&worker.info().python_version) {
            project.set_python_version(version);
        }
        let interrupter = SessionInterrupter {
            cancel: Arc::new(AtomicBool::new(false)),
            worker: Arc::new(Mutex::new(worker.interrupter())),
        };
        let states = (0..project.cells().len())
            .map(|i| CellState {
                run: CellRun::idle(i, project.cell_id(i).0, project.display_name(i)),
                defined: BTreeSet::new(),
                console_bytes: 0,
                console_dropped: 0,
            })
            .collect();
        Ok(Session {
            project,
            worker,
            config,
            states,
            interrupter,
            persist: None,
            yield_when: None,
            unsolicited: None,
            report_cells: true,
            summarize_variables: false,
            lineage_inputs: Default::default(),
        })
    }

    pub fn project(&self) -> &Project {
        &self.project
    }

    pub fn worker(&self) -> &Worker {
        &self.worker
    }

    /// A cell's latest run.
    pub fn cell(&self, index: usize) -> Option<&CellRun> {
        self.states.get(index).map(|s| &s.run)
    }

    /// Every cell's latest run, in notebook order.
    pub fn cells(&self) -> Vec<CellRun> {
        self.states.iter().map(|s| s.run.clone()).collect()
    }

    pub fn interrupter(&self) -> SessionInterrupter {
        self.interrupter.clone()
    }

    /// Where the worker's unsolicited output goes (text a finished cell's
    /// thread or child writes, the notebook's own console), as it arrives,
    /// also between runs; kept for the workers of later restarts. Without
    /// one, such text reaches the next run's callback (`SessionEvent::Stream`
    /// naming its origin cell, or `SessionEvent::Console`).
    pub fn set_unsolicited_sink(&mut self, sink: Option<UnsolicitedSink>) {
        self.unsolicited = sink.clone();
        self.worker.set_unsolicited_sink(sink);
    }

    /// Run every cell, in topological order, ties by notebook order.
    pub fn run_all(
        &mut self,
        on_event: impl FnMut(SessionEvent<'_>),
    ) -> Result<RunReport, SessionError> {
        self.check_alive()?;
        let ids = self.project.graph().order().to_vec();
        let plan = self.project.graph().run_plan(&ids);
        Ok(self.execute(plan, &mut { on_event }))
    }

    /// Run these cells and their descendants (`graph.stale`), in
    /// topological order.
    pub fn run_cells(
        &mut self,
        indices: &[usize],
        on_event: impl FnMut(SessionEvent<'_>),
    ) -> Result<RunReport, SessionError> {
        self.check_alive()?;
        let ids = indices
            .iter()
            .map(|&i| self.id_of(i))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.run_stale(ids, &mut { on_event }))
    }

    /// Replace a cell's code and re-run it and its descendants. Its old
    /// names are deleted from the worker first, so a name the new code no
    /// longer defines is gone.
    pub fn edit_cell(
        &mut self,
        index: usize,
        code: impl Into<String>,
        on_event: impl FnMut(SessionEvent<'_>),
    ) -> Result<RunReport, SessionError> {
        self.check_alive()?;
        let id = self.id_of(index)?;
        // Descendants before the edit too: a cell reading a name the new
        // code no longer defines must re-run (and fail with NameError).
        let mut changed = self.project.graph().descendants(&[id]);
        self.project.edit_cell(index, code.into());
        changed.push(id);
        Ok(self.run_stale(changed, &mut { on_event }))
    }

    /// Delete a cell: its names leave the worker, and its descendants
    /// re-run (failing with `NameError` if they still read those names).
    pub fn delete_cell(
        &mut self,
        index: usize,
        on_event: impl FnMut(SessionEvent<'_>),
    ) -> Result<RunReport, SessionError> {
        self.check_alive()?;
        let id = self.id_of(index)?;
        let descendants = self.project.graph().descendants(&[id]);
        let mut names = std::mem::take(&mut self.states[index].defined);
        names.extend(self.project.analysis(index).defs.iter().cloned());
        self.project.delete_cell(index);
        self.states.remove(index);
        for (i, state) in self.states.iter_mut().enumerate().skip(index) {
            state.run.index = i;
        }
        // Always: its functions may keep private names alive.
        self.worker.delete(
            &names.into_iter().collect::<Vec<_>>(),
            &[super::run::worker_cell_id(id)],
        )?;
        Ok(self.run_stale(descendants, &mut { on_event }))
    }

    /// Applies one change to the notebook and keeps the per-cell records in
    /// step: a new cell starts idle, a moved cell keeps its record, a
    /// deleted cell's names leave the worker at once (program state matches
    /// the code on screen). Runs nothing: what became stale is returned,
    /// and running it is the caller's decision.
    pub fn apply_change(&mut self, change: Change) -> Result<Applied, SessionError> {
        // The cell an edit names (the change itself moves into the project).
        let edited = match &change {
            Change::SetCode { cell, .. } => Some(*cell),
            _ => None,
        };
        // What a delete removes from the worker, known before it happens.
        let deleted = match &change {
            Change::Delete { cell } => Some(*cell),
            _ => None,
        };
        let doomed = match &change {
            Change::Delete { cell } => self.project.index_of(*cell).map(|index| {
                let mut names = self.states[index].defined.clone();
                names.extend(self.project.analysis(index).defs.iter().cloned());
                names
            }),
            _ => None,
        };
        let mut by_id: std::collections::HashMap<CellId, CellState> = self
            .project
            .cell_ids()
            .iter()
            .copied()
            .zip(std::mem::take(&mut self.states))
            .collect();
        let applied = self.project.apply_change(change);
        // Rebuilt whatever the outcome: a refused change leaves the order
        // as it was, and the records go back where they were.
        self.states = (0..self.project.cells().len())
            .map(|index| {
                let id = self.project.cell_id(index);
                let mut state = by_id.remove(&id).unwrap_or_else(|| CellState {
                    run: CellRun::idle(index, id.0, String::new()),
                    defined: BTreeSet::new(),
                    console_bytes: 0,
                    console_dropped: 0,
                });
                state.run.index = index;
                state.run.name = self.project.display_name(index);
                state
            })
            .collect();
        let applied = applied?;
        if let Some(cell) = edited {
            self.forget_names_no_longer_defined(cell)?;
        }
        if let (Some(names), Some(cell)) = (doomed, deleted)
            && !self.worker.is_closed()
        {
            // Always, even with no public names: its functions may keep
            // private names alive.
            self.worker.delete(
                &names.into_iter().collect::<Vec<_>>(),
                &[super::run::worker_cell_id(cell)],
            )?;
        }
        Ok(applied)
    }

    /// After an edit: the names the cell defined when it last ran and no
    /// longer defines leave the worker now, not when it runs again. A
    /// reader that no longer depends on it (and may run before it) must not
    /// see the old value: state matches the code on screen, as in a fresh
    /// run.
    fn forget_names_no_longer_defined(&mut self, cell: CellId) -> Result<(), SessionError> {
        let Some(index) = self.project.index_of(cell) else {
            return Ok(());
        };
        let defs = &self.project.analysis(index).defs;
        let state = &mut self.states[index];
        let gone: Vec<String> = state
            .defined
            .iter()
            .filter(|name| !defs.contains(*name))
            .cloned()
            .collect();
        if gone.is_empty() || self.worker.is_closed() {
            return Ok(());
        }
        state.defined.retain(|name| defs.contains(name));
        self.worker.delete_names(&gone)?;
        Ok(())
    }

    /// Replace a dead (or live) worker with a fresh one; every cell goes
    /// back to idle. The interrupter handles stay valid.
    pub fn restart(&mut self) -> Result<(), SessionError> {
        let mut worker = self.config.spawn()?;
        worker.set_unsolicited_sink(self.unsolicited.clone());
        *self
            .interrupter
            .worker
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = worker.interrupter();
        let old = std::mem::replace(&mut self.worker, worker);
        if !old.is_closed() {
            let _ = old.shutdown();
        }
        for (i, state) in self.states.iter_mut().enumerate() {
            *state = CellState {
                run: CellRun::idle(i, self.project.cell_id(i).0, self.project.display_name(i)),
                defined: BTreeSet::new(),
                console_bytes: 0,
                console_dropped: 0,
            };
        }
        Ok(())
    }

    /// Stop the worker; returns how it exited.
    pub fn shutdown(self) -> Result<ExitKind, SessionError> {
        if self.worker.is_closed() {
            return Err(SessionError::WorkerClosed);
        }
        Ok(self.worker.shutdown()?)
    }

    fn check_alive(&self) -> Result<(), SessionError> {
        if self.worker.is_closed() {
            return Err(SessionError::WorkerClosed);
        }
        Ok(())
    }

    fn id_of(&self, index: usize) -> Result<CellId, SessionError> {
        let len = self.project.cells().len();
        if index >= len {
            return Err(SessionError::NoSuchCell { index, len });
        }
        Ok(self.project.cell_id(index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_path_env_wins_then_checkout() {
        let dir = std::env::temp_dir();
        assert_eq!(
            python_path_from(Some("/opt/weir".into()), &dir),
            Some(PathBuf::from("/opt/weir"))
        );
        assert_eq!(
            python_path_from(Some("".into()), &dir),
            Some(dir.canonicalize().unwrap())
        );
        assert_eq!(
            python_path_from(None, Path::new("/nonexistent/weir/python")),
            None
        );
    }
}
