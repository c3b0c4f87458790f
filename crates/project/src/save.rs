//! Saving: the one atomic writer for notebook files (and anything else the
//! CLI writes whole, such as an HTML export).
//!
//! A save must never lose an edit, either to a crash or to another program.
//! - Crash: the bytes go to a uniquely named sibling, are synced, renamed
//!   over the target, and the directory is synced so the rename survives.
//!   A crash leaves either the old file or the new one, never half of each.
//! - Another program: a save names the content it expects to replace (the
//!   hash of the bytes it loaded). If the file on disk is no longer that,
//!   someone else changed it since (another editor, `git checkout`), and the
//!   save is refused: the caller decides whether to reload or overwrite.
//!   The check and the rename are two steps, so a writer that slips into
//!   that gap of microseconds is not caught; everything slower is.
//!
//! The file's mode is kept, and a symlink is followed: the file it points
//! to is replaced, the link stays a link.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The BLAKE3 hash of a file's whole content: how a save names the version
/// of the file it expects to replace.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentHash([u8; 32]);

impl ContentHash {
    pub fn of(bytes: &[u8]) -> Self {
        ContentHash(*blake3::hash(bytes).as_bytes())
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lower-case hex, 64 characters.
    pub fn to_hex(&self) -> String {
        blake3::Hash::from_bytes(self.0).to_hex().to_string()
    }
}

impl std::fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ContentHash({})", &self.to_hex()[..16])
    }
}

impl std::fmt::Display for ContentHash {
    /// The first 16 hex digits: enough for a person to tell versions apart.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex()[..16])
    }
}

/// What the caller believes is at the path it saves to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// Nothing: a new file. An existing file is never overwritten.
    Absent,
    /// The file with exactly this content (what was loaded or last saved).
    Content(ContentHash),
    /// Whatever is there is replaced (an export's output file).
    Anything,
}

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error(
        "{path}: changed on disk since it was loaded (expected version {expected}, found {}); not overwritten: reload it, or save again to overwrite",
        found.map(|h| format!("version {h}")).unwrap_or_else(|| "no file".to_string())
    )]
    ChangedOnDisk {
        path: PathBuf,
        expected: ContentHash,
        /// `None`: the file was deleted (or moved away) since.
        found: Option<ContentHash>,
    },
    #[error("{path}: already exists; not overwritten")]
    AlreadyExists { path: PathBuf },
    #[error("{path}: cannot save: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Writes `contents` to `path` atomically and durably, refusing when what
/// is on disk is not what `expected` says. Returns the hash of what is now
/// on disk.
pub fn save_file(
    path: &Path,
    contents: &[u8],
    expected: Expected,
) -> Result<ContentHash, SaveError> {
    let io = |source| SaveError::Io {
        path: path.to_path_buf(),
        source,
    };
    let target = resolve_symlink(path).map_err(io)?;
    let existing = std::fs::metadata(&target);
    match expected {
        Expected::Anything => {}
        Expected::Absent => {
            if existing.is_ok() {
                return Err(SaveError::AlreadyExists {
                    path: path.to_path_buf(),
                });
            }
        }
        Expected::Content(expected) => {
            let found = match std::fs::read(&target) {
                Ok(bytes) => Some(ContentHash::of(&bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(io(e)),
            };
            if found != Some(expected) {
                return Err(SaveError::ChangedOnDisk {
                    path: path.to_path_buf(),
                    expected,
                    found,
                });
            }
        }
    }
    let mode = existing.ok().map(|m| m.permissions());
    write_replacing(&target, contents, mode, expected == Expected::Absent).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists && expected == Expected::Absent {
            SaveError::AlreadyExists {
                path: path.to_path_buf(),
            }
        } else {
            io(e)
        }
    })?;
    Ok(ContentHash::of(contents))
}

/// The file a save replaces: the target of a symlink (followed to the end),
/// so saving through a link updates what it points to.
fn resolve_symlink(path: &Path) -> std::io::Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => match std::fs::canonicalize(path) {
            Ok(target) => Ok(target),
            // A dangling link: create the file it names.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let link = std::fs::read_link(path)?;
                Ok(parent_dir(path).join(link))
            }
            Err(e) => Err(e),
        },
        _ => Ok(path.to_path_buf()),
    }
}

fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A sibling name no other save (in this process or another) is using:
/// process id, a per-process counter and the clock.
fn temporary_sibling(target: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    parent_dir(target).join(format!(
        ".{name}.weir-tmp-{}-{}-{nanos:08x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

fn write_replacing(
    target: &Path,
    contents: &[u8],
    mode: Option<std::fs::Permissions>,
    no_clobber: bool,
) -> std::io::Result<()> {
    let tmp = temporary_sibling(target);
    let result = (|| {
        // create_new: never write into a file someone else made under this name.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(contents)?;
        if let Some(mode) = mode {
            file.set_permissions(mode)?;
        }
        file.sync_all()?;
        drop(file);
        if no_clobber {
            // A hard link fails if the target appeared meanwhile, where a
            // rename would silently replace it. File systems without hard
            // links fall back to check-then-rename.
            match std::fs::hard_link(&tmp, target) {
                Ok(()) => std::fs::remove_file(&tmp)?,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(e),
                Err(_) if target.exists() => {
                    return Err(std::io::ErrorKind::AlreadyExists.into());
                }
                Err(_) => std::fs::rename(&tmp, target)?,
            }
        } else {
            std::fs::rename(&tmp, target)?;
        }
        std::fs::File::open(parent_dir(target))?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
