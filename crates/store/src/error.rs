//! Typed errors. Every integrity failure names what failed, where, the
//! expected and the actual hash (or checksum), and where the bad file went.

use std::io;
use std::path::{Path, PathBuf};

use crate::format::{ObjectId, RecordKey};

/// Which on-disk structure a failure is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Object,
    Record,
    Journal,
    Marker,
}

impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FileKind::Object => "object",
            FileKind::Record => "record",
            FileKind::Journal => "journal",
            FileKind::Marker => "store marker",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The directory exists and holds something that is not a Weir store.
    #[error("{path}: not a Weir store ({reason})", path = .path.display())]
    NotAStore { path: PathBuf, reason: String },

    /// Written by a newer Weir; this one must not touch it.
    #[error("{path}: store format version {found} is newer than the supported {supported}", path = .path.display())]
    NewerFormat {
        path: PathBuf,
        found: u16,
        supported: u16,
    },

    /// The file system refused a write (EROFS, EACCES). Reads still work.
    #[error("{path}: store is read-only ({source})", path = .path.display())]
    ReadOnly { path: PathBuf, source: io::Error },

    /// ENOSPC/EDQUOT: nothing was acknowledged; the store stays consistent.
    #[error("{path}: disk full ({source})", path = .path.display())]
    DiskFull { path: PathBuf, source: io::Error },

    #[error("{path}: I/O error: {source}", path = .path.display())]
    Io { path: PathBuf, source: io::Error },

    /// A checksum or hash check failed; see [`Corruption`].
    #[error("{0}")]
    Corrupt(Box<Corruption>),

    #[error("object {0} not found")]
    ObjectNotFound(ObjectId),

    /// The journal says this record was written at `expected` but the disk
    /// holds an older generation (`found`) or nothing: a write that was
    /// acknowledged came undone (a rename that never became durable).
    #[error("record {key}: lost write: journal has generation {expected}, disk has {found}",
        found = match .found { Some(g) => format!("generation {g}"), None => "no record".to_string() })]
    LostWrite {
        key: RecordKey,
        expected: u64,
        found: Option<u64>,
    },

    /// The record is intact but objects it refers to are missing or corrupt
    /// in every copy; it is not served.
    #[error("record {key} refers to {} missing and {} corrupt objects (first: {first})", .missing.len(), .corrupt.len(),
        first = .missing.first().or(.corrupt.first()).map(|o| o.to_hex()).unwrap_or_default())]
    RecordIncomplete {
        key: RecordKey,
        missing: Vec<ObjectId>,
        corrupt: Vec<ObjectId>,
    },

    /// The journal that should vouch for this record's generation was lost
    /// (deleted, emptied, unreadable, or behind the marker's high-water
    /// mark) and rebuilt at `floor`: an intact record at or below it may
    /// be an old version put back, so it is not served until rewritten.
    #[error(
        "record {key}: generation {found} cannot be vouched for: the store's journal was lost and rebuilt (at generation {floor}); not served"
    )]
    JournalLost {
        key: RecordKey,
        found: u64,
        floor: u64,
    },

    /// The store key (docs/store.md, "Trust") cannot be used: its file
    /// has loose permissions, the wrong size, another owner, ...
    #[error("store key {path}: {reason}", path = .path.display())]
    Key { path: PathBuf, reason: String },

    /// Refused input (too many objects in a record, metadata too large, ...).
    #[error("invalid argument: {0}")]
    Invalid(String),
}

impl StoreError {
    /// Maps an I/O error at `path` to the typed error callers act on.
    pub fn io(path: &Path, source: io::Error) -> StoreError {
        let path = path.to_path_buf();
        match source.kind() {
            io::ErrorKind::ReadOnlyFilesystem | io::ErrorKind::PermissionDenied => {
                StoreError::ReadOnly { path, source }
            }
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
                StoreError::DiskFull { path, source }
            }
            _ => StoreError::Io { path, source },
        }
    }

    /// True for failures of an integrity check (as opposed to I/O or usage).
    pub fn is_integrity(&self) -> bool {
        matches!(
            self,
            StoreError::Corrupt(_)
                | StoreError::LostWrite { .. }
                | StoreError::JournalLost { .. }
                | StoreError::RecordIncomplete { .. }
        )
    }
}

/// A failed check. `name` is the object id / record key (hex) or the
/// structure's name; `expected`/`actual` name what the failed check compared
/// (hashes, checksums or lengths; `actual` is what is on disk). The file was
/// moved to `quarantined` (None if it could not be moved, e.g. read-only:
/// it is still never served).
#[derive(Debug, thiserror::Error)]
#[error("{kind} {name} failed verification at {path}: {reason}; expected {expected}, actual {actual}{q}",
    path = .path.display(),
    q = match .quarantined { Some(q) => format!("; moved to {}", q.display()), None => String::new() })]
pub struct Corruption {
    pub kind: FileKind,
    pub name: String,
    pub path: PathBuf,
    pub reason: String,
    pub expected: String,
    pub actual: String,
    pub quarantined: Option<PathBuf>,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
