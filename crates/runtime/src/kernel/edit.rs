//! Commands an editor needs beyond plain changes: an edit checked against
//! the version the client saw, options changed field by field, and saving
//! the notebook the kernel owns.
//!
//! They live in the kernel because only the kernel thread holds the
//! project: checking a version (or reading the current options) and
//! applying the change must be one step, or two clients could both pass
//! the check and the later one silently overwrite the earlier.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use weir_graph::CellId;
use weir_notebook::CellOption;
use weir_project::{Applied, Change, ChangeError, ContentHash, SaveError};

use super::Kernel;

/// Versions come from one counter for the whole process, so no two
/// kernels (a notebook and its reload) ever hand out the same one.
static NEXT_VERSION: AtomicU64 = AtomicU64::new(1);

pub(super) fn next_version() -> u64 {
    NEXT_VERSION.fetch_add(1, Ordering::Relaxed)
}

/// Why a versioned edit was not applied.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EditError {
    /// The cell changed since the client's version: here is what it is now.
    #[error("the cell changed since version {base_version} (now version {version})")]
    Stale {
        base_version: u64,
        code: String,
        version: u64,
    },
    #[error(transparent)]
    Change(#[from] ChangeError),
}

/// Options to change; `None` keeps the current value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OptionsPatch {
    pub disabled: Option<bool>,
    pub hide_code: Option<bool>,
    /// The `persist=True` cell option (docs/persistence.md).
    pub persist: Option<bool>,
}

/// A save that happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    /// The hash of the file now on disk.
    pub hash: ContentHash,
    /// The number of the last event the saved notebook includes: a change
    /// with a later event is not in the file.
    pub seq: u64,
}

impl Kernel {
    pub(super) fn set_code_at(
        &mut self,
        cell: CellId,
        code: String,
        base_version: u64,
    ) -> Result<Applied, EditError> {
        let current = self
            .session
            .project()
            .cell_by_id(cell)
            .ok_or(ChangeError::UnknownCell(cell))?;
        let version = self.versions.get(&cell).copied().unwrap_or(0);
        if version != base_version {
            return Err(EditError::Stale {
                base_version,
                code: current.code.clone(),
                version,
            });
        }
        Ok(self.apply(Change::SetCode { cell, code })?)
    }

    pub(super) fn patch_options(
        &mut self,
        cell: CellId,
        patch: OptionsPatch,
    ) -> Result<Applied, ChangeError> {
        let current = self
            .session
            .project()
            .cell_by_id(cell)
            .ok_or(ChangeError::UnknownCell(cell))?;
        let mut options = current.options.clone();
        if let Some(disabled) = patch.disabled {
            options.disabled = disabled;
        }
        if let Some(hide_code) = patch.hide_code {
            options.hide_code = hide_code;
        }
        if let Some(persist) = patch.persist {
            options.other.retain(|o| o.name != "persist");
            if persist {
                options.other.push(CellOption {
                    name: "persist".into(),
                    value: "True".into(),
                });
            }
        }
        self.apply(Change::SetOptions { cell, options })
    }

    pub(super) fn save(&mut self, path: &Path, overwrite: bool) -> Result<Saved, SaveError> {
        let hash = self.session.project.save_as(path, overwrite)?;
        Ok(Saved {
            hash,
            seq: self.hub.seq(),
        })
    }
}
