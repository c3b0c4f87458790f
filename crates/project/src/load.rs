//! Reading a notebook file: everything that can be wrong with the bytes is
//! caught here, before the format parser sees them, so each case gets an
//! error that names it.

use std::path::{Path, PathBuf};

use weir_notebook::{FormatError, Notebook};

use crate::save::ContentHash;

/// Notebooks larger than this are refused rather than parsed: a real
/// notebook is kilobytes, and a 100 MB "notebook" is almost always a wrong
/// path (a data file, a binary).
pub const MAX_NOTEBOOK_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: is a directory, not a notebook file")]
    Directory { path: PathBuf },
    #[error(
        "{path}: file is {size} bytes; notebooks over {limit} bytes are refused (is this the right file?)"
    )]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error("{path}: binary file (NUL byte at offset {offset}), not a notebook")]
    Binary { path: PathBuf, offset: usize },
    #[error("{path}: not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 { path: PathBuf, offset: usize },
    #[error("{}{source}", path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
    Format {
        path: Option<PathBuf>,
        source: FormatError,
    },
}

/// Parses source text that is already known to be text.
pub(crate) fn parse_source(source: &str) -> Result<Notebook, LoadError> {
    weir_notebook::parse(source).map_err(|source| LoadError::Format { path: None, source })
}

/// The notebook and the hash of the bytes it was read from (what a later
/// save expects to replace).
pub(crate) fn load_path(path: &Path) -> Result<(Notebook, ContentHash), LoadError> {
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(LoadError::Directory {
            path: path.to_path_buf(),
        });
    }
    if meta.len() > MAX_NOTEBOOK_BYTES {
        return Err(LoadError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
            limit: MAX_NOTEBOOK_BYTES,
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let version = ContentHash::of(&bytes);
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(LoadError::Binary {
            path: path.to_path_buf(),
            offset,
        });
    }
    let text = String::from_utf8(bytes).map_err(|e| LoadError::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    let notebook = weir_notebook::parse(&text).map_err(|source| LoadError::Format {
        path: Some(path.to_path_buf()),
        source,
    })?;
    Ok((notebook, version))
}
