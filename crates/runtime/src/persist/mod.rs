//! Persistent cells: which cells persist, how a session uses the store,
//! and what it reports. The store itself is `weir-store` (verified reads,
//! quarantine, replicas); the stored entry's layout is in [`entry`]; the
//! scheduler's side (restore instead of run, store after a run, ancestors
//! that are not needed) is in `scheduler/persisting.rs`. docs/persistence.md
//! tells the whole story.

pub mod entry;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use weir_notebook::CellKind;
use weir_project::Project;
use weir_store::Store;

use crate::message::Unpicklable;

/// How a session uses a store.
#[derive(Debug, Clone)]
pub struct Persistence {
    pub store: Arc<Store>,
    /// The store's directories (primary, then replicas), for a cheap look
    /// at which entries exist before a run, so entries that turn out not
    /// to be needed are never read. Empty: every persisted cell's entry is
    /// loaded and verified before the run instead.
    pub dirs: Vec<PathBuf>,
    pub mode: PersistMode,
    pub refresh: Refresh,
    /// A failed integrity check (or an unusable store) is an error of the
    /// cell instead of a reported recovery.
    pub strict: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersistMode {
    /// `weir exec`: restore what the store has, store what ran.
    Exec,
    /// `weir verify`: restore nothing, store nothing; hash every persisted
    /// cell's values so they can be compared with the stored ones.
    Verify,
}

/// Which persisted cells recompute and replace their stored entries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Refresh {
    #[default]
    None,
    All,
    Cells(BTreeSet<usize>),
}

impl Refresh {
    pub fn covers(&self, index: usize) -> bool {
        match self {
            Refresh::None => false,
            Refresh::All => true,
            Refresh::Cells(cells) => cells.contains(&index),
        }
    }
}

/// Whether a cell is marked to persist: `@app.cell(persist=True)`, or
/// `App(persist=True)` for every code cell (`persist=False` on a cell
/// opts out). Functions, classes and the setup cell never persist.
pub fn is_persisted(project: &Project, index: usize) -> bool {
    let Some(cell) = project.cells().get(index) else {
        return false;
    };
    if cell.kind != CellKind::Code {
        return false;
    }
    let truthy = |v: &str| v.trim() == "True";
    if let Some(o) = cell.options.other.iter().find(|o| o.name == "persist") {
        return truthy(&o.value);
    }
    project
        .notebook()
        .app_options
        .iter()
        .any(|o| o.name == "persist" && truthy(&o.value))
}

/// What happened to a persisted cell's entry in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PersistAction {
    /// Loaded from the store, every byte verified, instead of running.
    Restored,
    /// Ran and was stored.
    Stored,
    /// Ran and was not stored (see `note` / `unpicklable` / `problems`).
    NotStored,
    /// Ran (verify mode): its value hashes are in `values`.
    Hashed,
}

/// One name's canonical value hash (BLAKE2b-256 hex, `_valuehash.py`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueHash {
    pub name: String,
    pub hash: String,
}

/// A persisted cell's store story in one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellPersist {
    /// The lineage key (hex), if the cell has one.
    pub key: Option<String>,
    pub action: PersistAction,
    /// When the restored entry was saved (Unix seconds, and as text).
    pub saved_at: Option<u64>,
    pub saved_at_text: Option<String>,
    /// Names whose values could not be pickled: the cell runs every time.
    pub unpicklable: Vec<Unpicklable>,
    /// Failed integrity checks on this cell's entry or values, one line
    /// each. Never empty when something failed: never silent.
    pub problems: Vec<String>,
    /// Why the cell ran although it persists, or other remarks
    /// ("refreshed", "recomputed after a failed check", ...).
    pub note: Option<String>,
    /// Each name's value hash (computed by the worker).
    pub values: Vec<ValueHash>,
}

impl CellPersist {
    pub(crate) fn new(key: Option<String>, action: PersistAction) -> Self {
        CellPersist {
            key,
            action,
            saved_at: None,
            saved_at_text: None,
            unpicklable: Vec::new(),
            problems: Vec::new(),
            note: None,
            values: Vec::new(),
        }
    }
}

/// Store totals for one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PersistTotals {
    pub restored: usize,
    pub stored: usize,
    pub not_needed: usize,
    /// Failed integrity checks: the store's (object/record copies that
    /// failed verification) plus values refused at the worker boundary.
    pub checks_failed: u64,
    /// Repairs: copies the store rewrote from a replica, plus entries
    /// recomputed from their lineage and stored again.
    pub repaired: u64,
    /// Store-level problems that turned persistence off for the rest of
    /// the run (read-only, disk full, ...): warnings, not failures.
    pub warnings: Vec<String>,
}

/// "2026-11-26 04:50:05 UTC" for Unix seconds.
pub fn utc_text(secs: u64) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    // RFC 3339 ("2026-11-26T04:50:05Z"), spaced out for people.
    let rfc3339 = humantime::format_rfc3339_seconds(at).to_string();
    format!(
        "{} UTC",
        rfc3339.trim_end_matches('Z').replacen('T', " ", 1)
    )
}

/// The lineage salt: results are valid for one Python, one Weir and one
/// notebook file. (UI-element values do not exist yet; when they do, they
/// join the key.)
///
/// The notebook is named by its canonical absolute path: cells read
/// `__file__` and what derives from it (`Path(__file__).parent / "data"`),
/// which the code and the graph do not show, so two notebooks sharing a
/// store (a copy beside the original) must never get each other's
/// results. The price: a notebook that is moved or renamed (or whose folder
/// is) recomputes its persisted cells once (docs/persistence.md).
pub fn salt(python_version: &str, notebook: Option<&std::path::Path>) -> Vec<u8> {
    let mut salt = format!(
        "python {python_version}; weir {}; notebook ",
        crate::worker::RUNTIME_VERSION
    )
    .into_bytes();
    match notebook {
        Some(path) => {
            let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
            salt.extend_from_slice(path.as_os_str().as_encoded_bytes());
        }
        // No file: `__file__` is unset in the worker.
        None => salt.extend_from_slice(b"<none>"),
    }
    salt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_text_known_dates() {
        assert_eq!(utc_text(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_text(1_709_251_199), "2024-02-29 23:59:59 UTC");
        assert_eq!(utc_text(1_795_409_405), "2026-11-23 04:50:05 UTC");
    }

    #[test]
    fn salt_names_the_notebook_by_its_canonical_path() {
        let dir = std::env::temp_dir().join(format!("weir-salt-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        for name in ["a.py", "b.py"] {
            std::fs::write(dir.join(name), "").unwrap();
        }
        let a = salt("3.11.7", Some(&dir.join("a.py")));
        assert_eq!(a, salt("3.11.7", Some(&dir.join("sub/../a.py"))));
        assert_ne!(a, salt("3.11.7", Some(&dir.join("b.py"))));
        assert_ne!(a, salt("3.11.7", None));
        assert_ne!(a, salt("3.12.1", Some(&dir.join("a.py"))));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn refresh_covers() {
        assert!(!Refresh::None.covers(0));
        assert!(Refresh::All.covers(3));
        assert!(Refresh::Cells([2].into()).covers(2));
        assert!(!Refresh::Cells([2].into()).covers(1));
    }
}
