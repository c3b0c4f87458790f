//! The entries `mo.persistent_cache` writes under a notebook's
//! `__weir__/cache/` (docs/persistence.md, "`persistent_cache`"): checked
//! and cleaned here for `weir store cache-check` / `cache-clean`. The
//! worker writes and reads them (`python/weir/_mocompat/_pcache.py`); this
//! is the same format's checker, so damage is found without running the
//! notebook. Nothing here unpickles.

use std::io;
use std::path::{Path, PathBuf};

use blake2::digest::{Digest, Mac, consts::U32};
use thiserror::Error;
use weir_store::StoreKey;

/// File magic: `WEIRPC\r\n` (a text-mode transfer mangles it).
pub const MAGIC: &[u8; 8] = b"WEIRPC\r\n";
pub const VERSION: u32 = 1;
/// magic 8, version 4, header length 4, payload length 8, key 32,
/// payload BLAKE2b-256 32, header checksum 32, MAC 32.
pub const HEADER_LEN: usize = 152;
const KEY_AT: usize = 24;
const HASH_AT: usize = 56;
const CHECKSUM_AT: usize = 88;
const MAC_AT: usize = 120;
pub const SUFFIX: &str = ".weircache";
/// The MAC key is `StoreKey::blake2b_subkey(MAC_CONTEXT)`.
pub const MAC_CONTEXT: &[u8] = b"weir-cache v1 entry MAC";

/// The cache directory beside a notebook.
pub fn cache_dir(notebook: &Path) -> PathBuf {
    notebook
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join("__weir__")
        .join("cache")
}

#[derive(Debug, Error)]
pub enum CacheError {
    #[error("cache {}: cannot list: {source}", dir.display())]
    List { dir: PathBuf, source: io::Error },
    #[error("cache entry {}: cannot remove: {source}", path.display())]
    Remove { path: PathBuf, source: io::Error },
}

/// An entry that failed a check, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadEntry {
    pub path: PathBuf,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct CacheReport {
    /// Entry files looked at (`*.weircache`).
    pub entries: usize,
    pub bad: Vec<BadEntry>,
    /// Temporary files a writer left (a crash mid-write); never read.
    pub leftovers: Vec<PathBuf>,
}

type Blake2b256 = blake2::Blake2b<U32>;
type Blake2bMac256 = blake2::Blake2bMac<U32>;

fn keyed(key: &[u8; 32], data: &[u8]) -> [u8; 32] {
    let mut mac = <Blake2bMac256 as Mac>::new_from_slice(key).expect("32-byte key");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Checks one entry's bytes, in the worker's order: header, magic,
/// version, header checksum, the key it was stored for (`expected_key`,
/// from the file name), length, payload hash, MAC.
pub fn verify(data: &[u8], expected_key: &[u8; 32], mac_key: &[u8; 32]) -> Result<(), String> {
    if data.len() < HEADER_LEN {
        return Err(format!(
            "truncated: {} bytes, shorter than the {HEADER_LEN}-byte header",
            data.len()
        ));
    }
    if &data[..8] != MAGIC {
        return Err("not a Weir cache entry (wrong magic)".into());
    }
    let u32_at = |i: usize| u32::from_le_bytes(data[i..i + 4].try_into().expect("4 bytes"));
    let (version, header_len) = (u32_at(8), u32_at(12));
    if version != VERSION || header_len as usize != HEADER_LEN {
        return Err(format!(
            "format version {version} (header {header_len} bytes); this Weir reads version {VERSION}"
        ));
    }
    if Blake2b256::digest(&data[..CHECKSUM_AT]).as_slice() != &data[CHECKSUM_AT..MAC_AT] {
        return Err("its header checksum does not match (the header is damaged)".into());
    }
    if &data[KEY_AT..HASH_AT] != expected_key {
        return Err(
            "it was stored for another key: copied or renamed onto this name, refused as forged"
                .into(),
        );
    }
    let length = u64::from_le_bytes(data[16..24].try_into().expect("8 bytes"));
    let actual = (data.len() - HEADER_LEN) as u64;
    if length != actual {
        return Err(format!(
            "its header says {length} payload bytes, the file holds {actual} (truncated or extended)"
        ));
    }
    if Blake2b256::digest(&data[HEADER_LEN..]).as_slice() != &data[HASH_AT..CHECKSUM_AT] {
        return Err("its payload fails its BLAKE2b-256 check (damaged)".into());
    }
    if keyed(mac_key, &data[..MAC_AT]) != data[MAC_AT..HEADER_LEN] {
        return Err(
            "not authenticated: its MAC does not match this user's store key \
                    (written with another key, or forged)"
                .into(),
        );
    }
    Ok(())
}

/// The key an entry's name says it holds: 64 hex digits before `SUFFIX`.
fn key_from_name(name: &str) -> Option<[u8; 32]> {
    let hex = name.strip_suffix(SUFFIX)?;
    if hex.len() != 64 {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(key)
}

/// Verifies every entry in `dir` (a directory that does not exist holds
/// none). Files that are not entries (other names) are left alone, except
/// a writer's `.NAME.tmp` leftovers, which are listed.
pub fn check(dir: &Path, key: &StoreKey) -> Result<CacheReport, CacheError> {
    let mut report = CacheReport::default();
    let listing = match std::fs::read_dir(dir) {
        Ok(l) => l,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(report),
        Err(source) => {
            return Err(CacheError::List {
                dir: dir.to_path_buf(),
                source,
            });
        }
    };
    let mac_key = key.blake2b_subkey(MAC_CONTEXT);
    let mut names: Vec<(String, PathBuf)> = Vec::new();
    for entry in listing {
        let entry = entry.map_err(|source| CacheError::List {
            dir: dir.to_path_buf(),
            source,
        })?;
        names.push((
            entry.file_name().to_string_lossy().into_owned(),
            entry.path(),
        ));
    }
    names.sort();
    for (name, path) in names {
        if name.starts_with('.') && name.ends_with(".tmp") {
            report.leftovers.push(path);
            continue;
        }
        if !name.ends_with(SUFFIX) {
            continue;
        }
        report.entries += 1;
        let result = match key_from_name(&name) {
            None => Err("its name is not 64 hex digits (the key's hash) before .weircache".into()),
            Some(expected) => read_regular(&path).and_then(|d| verify(&d, &expected, &mac_key)),
        };
        if let Err(reason) = result {
            report.bad.push(BadEntry { path, reason });
        }
    }
    Ok(report)
}

/// The file's bytes, refusing anything but a regular file (a FIFO would
/// block, a link could point anywhere).
fn read_regular(path: &Path) -> Result<Vec<u8>, String> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("cannot stat it: {e}"))?;
    if !meta.file_type().is_file() {
        return Err("not a regular file".into());
    }
    std::fs::read(path).map_err(|e| format!("cannot read it: {e}"))
}

/// Removes the given files (a missing one is already gone).
pub fn remove(paths: &[PathBuf]) -> Result<usize, CacheError> {
    let mut removed = 0;
    for path in paths {
        match std::fs::remove_file(path) {
            Ok(()) => removed += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(CacheError::Remove {
                    path: path.clone(),
                    source,
                });
            }
        }
    }
    Ok(removed)
}

/// Every entry file and leftover in `dir` (for `cache-clean --all`).
pub fn all_files(dir: &Path) -> Result<Vec<PathBuf>, CacheError> {
    let listing = match std::fs::read_dir(dir) {
        Ok(l) => l,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(CacheError::List {
                dir: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut out = Vec::new();
    for entry in listing {
        let entry = entry.map_err(|source| CacheError::List {
            dir: dir.to_path_buf(),
            source,
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(SUFFIX) || (name.starts_with('.') && name.ends_with(".tmp")) {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mac_key_is_hashlibs_keyed_blake2b() {
        // hashlib.blake2b(b"weir-cache v1 entry MAC", digest_size=32,
        // key=bytes(range(32))).hexdigest(), computed by Python.
        let mut secret = [0u8; 32];
        for (i, b) in secret.iter_mut().enumerate() {
            *b = i as u8;
        }
        let key = StoreKey::from_bytes(secret).blake2b_subkey(MAC_CONTEXT);
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "448c2d655880de95832ca49dccfceb68c800fda5dcd356d014e077c6375aa867"
        );
    }

    #[test]
    fn names_that_are_not_a_key_are_refused() {
        assert!(key_from_name(&format!("{}{SUFFIX}", "ab".repeat(32))).is_some());
        assert!(key_from_name(&format!("{}{SUFFIX}", "zz".repeat(32))).is_none());
        assert!(key_from_name(&format!("{}{SUFFIX}", "ab".repeat(31))).is_none());
        assert!(key_from_name(&format!("{}{SUFFIX}", "é".repeat(32))).is_none());
    }
}
