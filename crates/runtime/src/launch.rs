//! Starting a session for a notebook file in one call, for every front
//! end (the `weir` commands that run cells, later the editor server):
//! load the notebook, choose the interpreter, open the store, start the
//! worker. Front ends keep only their own concerns (flags, output, exit
//! codes); the rules live here, once.
//!
//! ```no_run
//! # use weir_runtime::launch::{NotebookLaunch, PersistRequest};
//! let launched = NotebookLaunch::new("nb.py").start()?;
//! let kernel = weir_runtime::kernel::spawn(launched.session, Default::default());
//! # Ok::<(), weir_runtime::launch::LaunchError>(())
//! ```
//!
//! The interpreter (docs/runtime.md, "Where the Python side comes from"):
//! an explicit one wins; else the active virtual environment's
//! `bin/python`; else, when this program is `VENV/bin/<exe>` of a virtual
//! environment (a wheel installed there, run without activating it), that
//! environment's `python`; else `python3` on `PATH`. It is looked up
//! before the worker starts, so a missing one is an error naming it and
//! where the choice came from.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use thiserror::Error;
use weir_project::{LoadError, Project};
use weir_store::{Store, StoreConfig, StoreError, StoreKey};

use crate::persist::{PersistMode, Persistence, Refresh, is_persisted};
use crate::scheduler::{Session, SessionConfig, SessionError};
use crate::snapshots::Snapshots;

/// Where the interpreter choice came from (named in errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterpreterOrigin {
    /// Given by the caller (`--python`).
    Explicit,
    /// `$VIRTUAL_ENV/bin/python`.
    VirtualEnv,
    /// The virtual environment this program is installed in.
    InstalledVenv,
    /// `python3` on `PATH`.
    Path,
}

impl fmt::Display for InterpreterOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InterpreterOrigin::Explicit => "given explicitly",
            InterpreterOrigin::VirtualEnv => "from $VIRTUAL_ENV",
            InterpreterOrigin::InstalledVenv => "the virtual environment weir is installed in",
            InterpreterOrigin::Path => "python3 on PATH",
        })
    }
}

/// The chosen interpreter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpreter {
    pub path: PathBuf,
    pub origin: InterpreterOrigin,
}

/// What the interpreter choice reads from the process, gathered so tests
/// (and a server choosing for a client) can give their own.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `$VIRTUAL_ENV`.
    pub virtual_env: Option<OsString>,
    /// This program's path (`std::env::current_exe`).
    pub exe: Option<PathBuf>,
    /// `$PATH`, to look up a bare name such as `python3`.
    pub path: Option<OsString>,
}

impl Environment {
    pub fn current() -> Self {
        Environment {
            virtual_env: std::env::var_os("VIRTUAL_ENV"),
            exe: std::env::current_exe().ok(),
            path: std::env::var_os("PATH"),
        }
    }

    /// The interpreter to run: see the module documentation for the order.
    pub fn interpreter(&self, explicit: Option<&Path>) -> Interpreter {
        let (path, origin) = if let Some(path) = explicit {
            (path.to_path_buf(), InterpreterOrigin::Explicit)
        } else if let Some(venv) = self.virtual_env.as_ref().filter(|v| !v.is_empty()) {
            (
                PathBuf::from(venv).join("bin").join("python"),
                InterpreterOrigin::VirtualEnv,
            )
        } else if let Some(python) = self.exe.as_deref().and_then(venv_python_beside) {
            (python, InterpreterOrigin::InstalledVenv)
        } else {
            (PathBuf::from("python3"), InterpreterOrigin::Path)
        };
        Interpreter { path, origin }
    }

    /// Whether `python` names a program that exists: a path as given, a
    /// bare name on `PATH`.
    fn exists(&self, python: &Path) -> bool {
        if python.components().count() > 1 {
            return python.is_file();
        }
        let Some(path) = &self.path else {
            return false;
        };
        std::env::split_paths(path).any(|dir| dir.join(python).is_file())
    }
}

/// `DIR/python` (or `python3`) when `exe` is `DIR/<exe>` and
/// `DIR/../pyvenv.cfg` marks a virtual environment. Only then: a bare
/// `/usr/bin/python` beside `/usr/bin/weir` could be any Python.
fn venv_python_beside(exe: &Path) -> Option<PathBuf> {
    let bin = exe.parent()?;
    if !bin.parent()?.join("pyvenv.cfg").is_file() {
        return None;
    }
    ["python", "python3"]
        .iter()
        .map(|name| bin.join(name))
        .find(|p| p.exists())
}

/// Where a notebook's store is: the directory and its replicas as the
/// caller gave them (`None` / empty: the defaults).
#[derive(Debug, Clone, Default)]
pub struct StoreLocation {
    pub dir: Option<PathBuf>,
    pub replicas: Vec<PathBuf>,
    /// The key that authenticates records; `None`: the user's key file
    /// (docs/store.md, "Trust").
    pub key: Option<StoreKey>,
}

impl StoreLocation {
    /// The store's configuration: the given directory, else `$WEIR_STORE`,
    /// else `__weir__/store/` beside the notebook; replicas as given, else
    /// `$WEIR_STORE_REPLICAS` (colon-separated). `None` with neither a
    /// directory nor a notebook.
    pub fn config(&self, notebook: Option<&Path>) -> Option<StoreConfig> {
        let root = self
            .dir
            .clone()
            .or_else(|| {
                std::env::var_os("WEIR_STORE")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            })
            .or_else(|| {
                let nb = notebook?;
                let dir = nb
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                Some(dir.join("__weir__").join("store"))
            })?;
        let replicas = if self.replicas.is_empty() {
            std::env::var("WEIR_STORE_REPLICAS")
                .unwrap_or_default()
                .split(':')
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .collect()
        } else {
            self.replicas.clone()
        };
        Some(StoreConfig {
            root,
            replicas,
            key: self.key.clone(),
            ..StoreConfig::default()
        })
    }
}

/// Opens (creating if absent) a store; the error names its directory.
pub fn open_store(config: StoreConfig) -> Result<Arc<Store>, LaunchError> {
    let root = config.root.clone();
    Store::open(config)
        .map(Arc::new)
        .map_err(|source| LaunchError::Store { root, source })
}

/// Whether and how the session persists cells (docs/persistence.md).
#[derive(Debug, Clone, Default)]
pub enum PersistRequest {
    /// Persistent cells run as plain cells.
    #[default]
    Off,
    /// Restore what the store has, store what ran. `refresh`: cell names
    /// or indices to recompute, `*` for all. A store that cannot be used
    /// is a warning and the run goes on without it, unless `strict`.
    Exec {
        store: StoreLocation,
        refresh: Vec<String>,
        strict: bool,
    },
    /// Restore nothing, store nothing, hash every persisted cell's values
    /// (`weir verify`). The store must open.
    Verify { store: StoreLocation },
}

/// Everything needed to start a session for one notebook file.
#[derive(Debug, Clone)]
pub struct NotebookLaunch {
    pub notebook: PathBuf,
    /// The interpreter, if the caller chose one.
    pub python: Option<PathBuf>,
    pub persist: PersistRequest,
    pub env: Environment,
    /// Keep and show cells' last outputs in this store (an interactive
    /// kernel: `KernelConfig::snapshots`). `None`: no snapshots.
    pub snapshots: Option<StoreLocation>,
    /// The worker hashes outputs at the source (`SessionConfig::hash_outputs`).
    pub hash_outputs: bool,
}

/// A started session, and what the caller may want to report.
pub struct Launched {
    pub session: Session,
    pub interpreter: Interpreter,
    /// The store in use, when persistence is on.
    pub store: Option<OpenStore>,
    /// Things the caller should tell its user (a store that could not be
    /// used, so the run goes on without persistence).
    pub warnings: Vec<String>,
    /// Where the kernel keeps its cells' last outputs, when asked for
    /// ([`NotebookLaunch::snapshots`]); give it to `KernelConfig::snapshots`.
    pub snapshots: Option<Snapshots>,
}

/// The store a session persists to, and its directory (for reports).
pub struct OpenStore {
    pub root: PathBuf,
    pub store: Arc<Store>,
}

#[derive(Debug, Error)]
pub enum LaunchError {
    /// The notebook cannot be used; the error names the file.
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("Python interpreter not found: {} ({origin})", python.display())]
    InterpreterNotFound {
        python: PathBuf,
        origin: InterpreterOrigin,
    },
    /// A cell to refresh is not in the notebook.
    #[error("{cell}: no such cell in {}", notebook.display())]
    NoSuchCell { cell: String, notebook: PathBuf },
    /// No store directory could be decided (no notebook to put it beside).
    #[error("which store? give a store directory or set WEIR_STORE")]
    NoStore,
    #[error("store {}: {source}", root.display())]
    Store { root: PathBuf, source: StoreError },
    /// The notebook is fine but its worker could not start.
    #[error("{}: cannot start the Python worker: {source}", notebook.display())]
    Worker {
        notebook: PathBuf,
        source: Box<SessionError>,
    },
}

impl NotebookLaunch {
    /// The notebook at `path`, the default interpreter, no persistence,
    /// this process's environment.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        NotebookLaunch {
            notebook: path.into(),
            python: None,
            persist: PersistRequest::Off,
            env: Environment::current(),
            snapshots: None,
            hash_outputs: false,
        }
    }

    pub fn python(mut self, python: Option<PathBuf>) -> Self {
        self.python = python;
        self
    }

    pub fn persist(mut self, persist: PersistRequest) -> Self {
        self.persist = persist;
        self
    }

    /// Keep cells' last outputs in a store (docs/persistence.md, "Output
    /// snapshots"); the store persisted cells use when it is the same
    /// directory, else opened (created) when a cell first finishes.
    pub fn snapshots(mut self, store: StoreLocation) -> Self {
        self.snapshots = Some(store);
        self
    }

    /// Have the worker hash every output and console chunk (an editor).
    pub fn hash_outputs(mut self, on: bool) -> Self {
        self.hash_outputs = on;
        self
    }

    /// Loads the notebook and starts its worker.
    pub fn start(self) -> Result<Launched, LaunchError> {
        let project = Project::load(&self.notebook)?;
        self.start_with(project)
    }

    /// [`NotebookLaunch::start`] for a notebook already loaded from
    /// `self.notebook`.
    pub fn start_with(self, project: Project) -> Result<Launched, LaunchError> {
        let interpreter = self.env.interpreter(self.python.as_deref());
        let mut warnings = Vec::new();
        // Before the worker: a bad flag or store should not cost a start.
        let persistence = self.persistence(&project, &mut warnings)?;
        if !self.env.exists(&interpreter.path) {
            return Err(LaunchError::InterpreterNotFound {
                python: interpreter.path,
                origin: interpreter.origin,
            });
        }
        let mut config = SessionConfig::for_notebook(&self.notebook);
        config.python = Some(interpreter.path.clone());
        config.hash_outputs = self.hash_outputs;
        let mut session =
            Session::start(project, config).map_err(|source| LaunchError::Worker {
                notebook: self.notebook.clone(),
                source: Box::new(source),
            })?;
        let store = persistence.as_ref().map(|(p, root)| OpenStore {
            root: root.clone(),
            store: Arc::clone(&p.store),
        });
        session.set_persistence(persistence.map(|(p, _)| p));
        let snapshots = self.snapshots.as_ref().and_then(|location| {
            let config = location.config(Some(&self.notebook))?;
            Some(match &store {
                Some(open) if open.root == config.root => {
                    Snapshots::new(Arc::clone(&open.store), &self.notebook)
                }
                _ => Snapshots::lazy(config, &self.notebook),
            })
        });
        Ok(Launched {
            session,
            interpreter,
            store,
            warnings,
            snapshots,
        })
    }

    fn persistence(
        &self,
        project: &Project,
        warnings: &mut Vec<String>,
    ) -> Result<Option<(Persistence, PathBuf)>, LaunchError> {
        let path = &self.notebook;
        match &self.persist {
            PersistRequest::Off => Ok(None),
            PersistRequest::Verify { store } => {
                let config = store.config(Some(path)).ok_or(LaunchError::NoStore)?;
                let root = config.root.clone();
                let store = open_store(config)?;
                Ok(Some((
                    Persistence {
                        store,
                        dirs: Vec::new(),
                        mode: PersistMode::Verify,
                        refresh: Refresh::All,
                        strict: false,
                    },
                    root,
                )))
            }
            PersistRequest::Exec {
                store,
                refresh,
                strict,
            } => {
                let n = project.cells().len();
                if !(0..n).any(|i| is_persisted(project, i)) {
                    return Ok(None);
                }
                let refresh = refresh_of(project, path, refresh)?;
                let Some(config) = store.config(Some(path)) else {
                    return Ok(None);
                };
                let root = config.root.clone();
                let mut dirs = vec![config.root.clone()];
                dirs.extend(config.replicas.iter().cloned());
                match open_store(config) {
                    Ok(store) => Ok(Some((
                        Persistence {
                            store,
                            dirs,
                            mode: PersistMode::Exec,
                            refresh,
                            strict: *strict,
                        },
                        root,
                    ))),
                    Err(e) if *strict => Err(e),
                    Err(e) => {
                        warnings.push(format!("{e}; running without persistence"));
                        Ok(None)
                    }
                }
            }
        }
    }
}

/// `*` for every persisted cell, else each cell by name, display name or
/// index.
fn refresh_of(project: &Project, path: &Path, cells: &[String]) -> Result<Refresh, LaunchError> {
    if cells.iter().any(|r| r == "*") {
        return Ok(Refresh::All);
    }
    if cells.is_empty() {
        return Ok(Refresh::None);
    }
    let n = project.cells().len();
    let mut found = std::collections::BTreeSet::new();
    for r in cells {
        let index = r.parse::<usize>().ok().filter(|&i| i < n).or_else(|| {
            (0..n).find(|&i| project.cells()[i].name == *r || project.display_name(i) == *r)
        });
        match index {
            Some(i) => found.insert(i),
            None => {
                return Err(LaunchError::NoSuchCell {
                    cell: r.clone(),
                    notebook: path.to_path_buf(),
                });
            }
        };
    }
    Ok(Refresh::Cells(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(virtual_env: Option<&str>, exe: Option<&Path>) -> Environment {
        Environment {
            virtual_env: virtual_env.map(OsString::from),
            exe: exe.map(Path::to_path_buf),
            path: None,
        }
    }

    #[test]
    fn explicit_then_virtual_env_then_installed_venv_then_python3() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(dir.path().join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        std::fs::write(bin.join("python3"), "").unwrap();
        let exe = bin.join("weir");

        let chosen = env(Some("/venv"), Some(&exe)).interpreter(Some(Path::new("/x/python")));
        assert_eq!(chosen.path, PathBuf::from("/x/python"));
        assert_eq!(chosen.origin, InterpreterOrigin::Explicit);

        let chosen = env(Some("/venv"), Some(&exe)).interpreter(None);
        assert_eq!(chosen.path, PathBuf::from("/venv/bin/python"));
        assert_eq!(chosen.origin, InterpreterOrigin::VirtualEnv);

        // An empty $VIRTUAL_ENV is no virtual environment.
        let chosen = env(Some(""), Some(&exe)).interpreter(None);
        assert_eq!(chosen.path, bin.join("python3"));
        assert_eq!(chosen.origin, InterpreterOrigin::InstalledVenv);

        let chosen = env(None, Some(Path::new("/usr/bin/weir"))).interpreter(None);
        assert_eq!(chosen.path, PathBuf::from("python3"));
        assert_eq!(chosen.origin, InterpreterOrigin::Path);
    }

    #[test]
    fn python_beside_a_venv_binary() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let exe = bin.join("weir");
        std::fs::write(bin.join("python3"), "").unwrap();
        // Not a venv without pyvenv.cfg.
        assert_eq!(venv_python_beside(&exe), None);
        std::fs::write(dir.path().join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        assert_eq!(venv_python_beside(&exe), Some(bin.join("python3")));
        std::fs::write(bin.join("python"), "").unwrap();
        assert_eq!(venv_python_beside(&exe), Some(bin.join("python")));
    }

    #[test]
    fn bare_names_are_looked_up_on_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("mypython"), "").unwrap();
        let env = Environment {
            path: Some(
                std::env::join_paths(["/nonexistent", dir.path().to_str().unwrap()]).unwrap(),
            ),
            ..Environment::default()
        };
        assert!(env.exists(Path::new("mypython")));
        assert!(!env.exists(Path::new("no-such-python")));
        assert!(env.exists(&dir.path().join("mypython")));
        assert!(!env.exists(&dir.path().join("other")));
    }
}
