//! The store key: a per-user secret, kept outside every store, under which
//! each record carries a MAC (keyed BLAKE3). Values are pickles, and
//! loading a pickle runs code, so a record is loaded only if it was
//! written by someone holding this key; hashes and checksums alone say
//! "intact", not "written by you" (anyone who can write the directory can
//! make them valid). docs/store.md, "Trust".
//!
//! The key file is 32 random bytes, mode 0600, owned by the user:
//! `$WEIR_STORE_KEY_FILE`, else `$XDG_CONFIG_HOME/weir/store.key`, else
//! `~/.config/weir/store.key`. It is created on first use, atomically: the
//! bytes go to a temporary file opened with `O_EXCL`, which is fsynced and
//! then hard-linked to the final name; `link` fails if the name exists, so
//! of two processes creating it at once exactly one wins and the other
//! reads the winner's complete file. A key file others can read or write,
//! of the wrong size or not a regular file is refused, never "fixed".

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Result, StoreError};

/// Length of the secret (and of the key file).
pub const KEY_LEN: usize = 32;

/// Domain separation: the MAC key is derived from the secret for this one
/// use, so the same secret could key other things without confusion.
const RECORD_MAC_CONTEXT: &str = "weir-store v2 record MAC";

/// A store key. `Debug` never shows the secret.
#[derive(Clone)]
pub struct StoreKey([u8; KEY_LEN]);

/// Constant-time, like every comparison of secrets.
impl PartialEq for StoreKey {
    fn eq(&self, other: &StoreKey) -> bool {
        blake3::Hash::from_bytes(self.0) == blake3::Hash::from_bytes(other.0)
    }
}

impl Eq for StoreKey {}

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(..)")
    }
}

fn key_error(path: &Path, reason: impl Into<String>) -> StoreError {
    StoreError::Key {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

impl StoreKey {
    /// A key from its bytes (tests, and callers that keep the secret
    /// elsewhere).
    pub const fn from_bytes(secret: [u8; KEY_LEN]) -> StoreKey {
        StoreKey(secret)
    }

    /// The MAC of a record body (everything before the MAC itself).
    pub(crate) fn record_mac(&self, signed: &[u8]) -> [u8; 32] {
        let mac_key = blake3::derive_key(RECORD_MAC_CONTEXT, &self.0);
        *blake3::keyed_hash(&mac_key, signed).as_bytes()
    }

    /// A 32-byte key for another use of the same secret: keyed BLAKE2b-256
    /// of `context` under the secret. The worker's `persistent_cache`
    /// entries (docs/persistence.md) are authenticated under such a key,
    /// derived with BLAKE2b because the worker has only Python's hashlib.
    pub fn blake2b_subkey(&self, context: &[u8]) -> [u8; 32] {
        use blake2::digest::{Mac, consts::U32};
        let mut mac = <blake2::Blake2bMac<U32> as Mac>::new_from_slice(&self.0)
            .expect("a 32-byte key is within BLAKE2b's 64");
        mac.update(context);
        mac.finalize().into_bytes().into()
    }

    /// Where this user's key file is: `$WEIR_STORE_KEY_FILE`, else
    /// `$XDG_CONFIG_HOME/weir/store.key`, else `$HOME/.config/weir/store.key`.
    pub fn user_key_file() -> Result<PathBuf> {
        let var = |n: &str| std::env::var_os(n).filter(|v| !v.is_empty());
        if let Some(p) = var("WEIR_STORE_KEY_FILE") {
            return Ok(PathBuf::from(p));
        }
        // The XDG spec ignores a relative XDG_CONFIG_HOME.
        if let Some(p) = var("XDG_CONFIG_HOME").map(PathBuf::from)
            && p.is_absolute()
        {
            return Ok(p.join("weir").join("store.key"));
        }
        match var("HOME") {
            Some(h) => Ok(PathBuf::from(h).join(".config/weir/store.key")),
            None => Err(key_error(
                Path::new("store.key"),
                "no $HOME or $XDG_CONFIG_HOME to keep the store key in; set WEIR_STORE_KEY_FILE",
            )),
        }
    }

    /// This user's key, created on first use.
    pub fn for_user() -> Result<StoreKey> {
        StoreKey::load_or_create(&StoreKey::user_key_file()?)
    }

    /// Reads the key file at `path`, creating it (atomically, mode 0600)
    /// if it does not exist.
    pub fn load_or_create(path: &Path) -> Result<StoreKey> {
        // Creation loses a race only to a file that then exists: the
        // second load finds it. A third round means it keeps vanishing.
        for _ in 0..3 {
            if let Some(k) = load(path)? {
                return Ok(k);
            }
            if let Some(k) = create(path)? {
                return Ok(k);
            }
        }
        Err(key_error(
            path,
            "the key file appeared and vanished while being created; try again",
        ))
    }
}

/// The key in `path`, None if there is no such file.
fn load(path: &Path) -> Result<Option<StoreKey>> {
    let mut opts = OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // A FIFO in its place must not block the open.
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let mut f = match opts.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(key_error(path, format!("cannot open: {e}"))),
    };
    let m = f
        .metadata()
        .map_err(|e| key_error(path, format!("cannot stat: {e}")))?;
    if !m.file_type().is_file() {
        return Err(key_error(path, "not a regular file"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let mode = m.mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(key_error(
                path,
                format!(
                    "permissions {mode:04o} let other users read or change it; it must be \
                     readable by you alone (chmod 600 {})",
                    path.display()
                ),
            ));
        }
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if m.uid() != me {
            return Err(key_error(
                path,
                format!("owned by user {}, not by you (user {me})", m.uid()),
            ));
        }
    }
    if m.len() != KEY_LEN as u64 {
        return Err(key_error(
            path,
            format!(
                "{} bytes; a store key file holds exactly {KEY_LEN}",
                m.len()
            ),
        ));
    }
    let mut secret = [0u8; KEY_LEN];
    f.read_exact(&mut secret)
        .map_err(|e| key_error(path, format!("cannot read: {e}")))?;
    Ok(Some(StoreKey(secret)))
}

/// Creates the key file; None if another process created it first.
fn create(path: &Path) -> Result<Option<StoreKey>> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| key_error(path, format!("cannot create {}: {e}", dir.display())))?;
    let mut secret = [0u8; KEY_LEN];
    File::open("/dev/urandom")
        .and_then(|mut r| r.read_exact(&mut secret))
        .map_err(|e| key_error(path, format!("no randomness for a new key: {e}")))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = dir.join(format!(".{name}.{}.{nanos}.tmp", std::process::id()));
    let written = (|| {
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(&secret)?;
        f.sync_all()?;
        // The complete, durable file appears under the final name at once,
        // and only if no other process's did.
        std::fs::hard_link(&tmp, path)
    })();
    let _ = std::fs::remove_file(&tmp);
    match written {
        Ok(()) => {
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(Some(StoreKey(secret)))
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(None),
        Err(e) => Err(key_error(path, format!("cannot create: {e}"))),
    }
}
