//! The one narrow door to the file system. Everything the store persists
//! goes through [`Fs`], so the simulated disk (`sim.rs`) can stand in for
//! the real one and crash it.
//!
//! The operations are the ones the write protocol needs and no more: a file
//! is written whole (optionally made durable), appended to (the journal),
//! renamed, and its directory synced. Durability is explicit: nothing is
//! durable until `sync`/`fsync_dir` says so, which is exactly what the
//! simulated page cache models.

use std::ffi::OsString;
use std::fmt::Debug;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;

/// Why a file was refused before its bytes were read: its type (from
/// `fstat` of the opened file, never following a symbolic link), or a
/// length its header (or the caller) rules out. Travels inside an
/// `io::Error` of kind `InvalidData`; [`Refused::of`] gets it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("not a regular file ({0})")]
    NotRegular(&'static str),
    /// The file's length is not the one its header declares.
    #[error("length {actual}, header says {expected}")]
    Length { expected: u64, actual: u64 },
    /// Longer than the structure can be.
    #[error("length {actual} exceeds the limit {limit}")]
    TooLong { limit: u64, actual: u64 },
}

impl Refused {
    pub fn into_io(self) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, self)
    }
    /// The refusal inside an error from [`Fs::read`] / [`Fs::read_range`].
    pub fn of(e: &io::Error) -> Option<Refused> {
        e.get_ref()?.downcast_ref::<Refused>().copied()
    }
}

/// Decides, from a file's first bytes and how many follow them, how many
/// of those to read (or refuses the file unread). See [`Fs::read`].
pub type RestLen<'a> = &'a dyn Fn(&[u8], u64) -> Result<u64, Refused>;

/// A [`RestLen`] that reads the whole file if it is at most `limit` bytes.
pub fn at_most(limit: u64) -> impl Fn(&[u8], u64) -> Result<u64, Refused> {
    move |head, rest| {
        let actual = head.len() as u64 + rest;
        if actual > limit {
            Err(Refused::TooLong { limit, actual })
        } else {
            Ok(rest)
        }
    }
}

/// Chunk size for reads: big enough to amortise syscalls, small enough that
/// the chunk is still in L2 when it is hashed right after being read.
pub const READ_CHUNK: usize = 256 * 1024;

/// An advisory lock on a directory (`flock(2)` on Linux), released when
/// dropped (closing the descriptor releases it, even on a crash).
#[derive(Debug)]
pub struct DirLock {
    _file: Option<File>,
}

impl DirLock {
    /// A lock that excludes nothing, for file systems only one process uses.
    pub fn none() -> DirLock {
        DirLock { _file: None }
    }
}

/// A file kept open so that its identity (device, inode) stays its own:
/// while it is open, the file system cannot give that inode number to a
/// new file, so an equal identity later means the same file.
#[derive(Debug)]
pub struct PinnedFile {
    id: (u64, u64),
    _file: File,
}

impl PinnedFile {
    pub fn id(&self) -> (u64, u64) {
        self.id
    }
}

pub trait Fs: Send + Sync + Debug {
    /// Whether other processes may use the same files at the same time.
    /// False (the default) for a simulated disk, which is one process's
    /// view: locks are then no-ops, and nothing is re-read in case
    /// another process changed it.
    fn multi_process(&self) -> bool {
        false
    }
    /// Takes an advisory lock on the directory `dir`, shared or exclusive,
    /// waiting for it. Locks taken through different calls exclude each
    /// other even within one process.
    fn lock(&self, dir: &Path, exclusive: bool) -> io::Result<DirLock> {
        let _ = (dir, exclusive);
        Ok(DirLock::none())
    }
    /// An identity of the file at `path` (device, inode) that changes when
    /// the file is replaced by a rename; None if this file system cannot
    /// tell.
    fn file_id(&self, path: &Path) -> io::Result<Option<(u64, u64)>> {
        let _ = path;
        Ok(None)
    }
    /// Opens `path` and keeps it open (see [`PinnedFile`]); None if this
    /// file system cannot tell files apart.
    fn pin(&self, path: &Path) -> io::Result<Option<PinnedFile>> {
        let _ = path;
        Ok(None)
    }
    /// Creates `path` and its parents (not durable until the parents'
    /// directories are synced).
    fn create_dir_all(&self, path: &Path) -> io::Result<()>;
    /// Creates or truncates `path` and writes `parts` in order; if `sync`,
    /// the file's data is durable when this returns Ok (fsync).
    fn write_file(&self, path: &Path, parts: &[&[u8]], sync: bool) -> io::Result<()>;
    /// Appends `data` to an existing file; if `sync`, fsyncs it.
    fn append(&self, path: &Path, data: &[u8], sync: bool) -> io::Result<()>;
    /// Atomically replaces `to` with `from` (durable after `fsync_dir`).
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Makes the directory's entries (creations, renames, removals) durable.
    fn fsync_dir(&self, dir: &Path) -> io::Result<()>;
    /// Reads a regular file: its first `head_len` bytes (fewer if it is
    /// shorter) into the first buffer; then `rest(head, n)`, told how many
    /// bytes `n` follow the head, says how many of them to read into the
    /// second buffer (or refuses the file), and `visit` sees each chunk of
    /// those as it arrives so the caller can hash while the chunk is
    /// cache-hot (no second pass, no copy to strip a header). A file that
    /// is not a regular file (FIFO, device, directory, socket, or a
    /// symbolic link: never followed) is refused before any byte is read
    /// (`Refused::NotRegular`), and its open never blocks.
    fn read(
        &self,
        path: &Path,
        head_len: usize,
        rest: RestLen<'_>,
        visit: &mut dyn FnMut(&[u8]),
    ) -> io::Result<(Vec<u8>, Vec<u8>)>;
    /// Reads up to `len` bytes of `path` from `offset`, handing them to
    /// `visit` chunk by chunk and keeping none; returns how many there were
    /// (fewer than `len` at the end of the file). For verifying a large
    /// file in place without holding it, and for hashing disjoint ranges of
    /// one file on several threads. Refuses what `read` refuses. The
    /// default goes through `read`, so a simulated disk's faults still
    /// apply.
    fn read_range(
        &self,
        path: &Path,
        offset: u64,
        len: u64,
        visit: &mut dyn FnMut(&[u8]),
    ) -> io::Result<u64> {
        let (all, _) = self.read(path, usize::MAX, &|_, _| Ok(0), &mut |_| {})?;
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(all.len());
        let end = usize::try_from(len)
            .map_or(all.len(), |l| start.saturating_add(l))
            .min(all.len());
        visit(&all[start..end]);
        Ok((end - start) as u64)
    }
    /// Removes a file.
    fn remove(&self, path: &Path) -> io::Result<()>;
    /// Names of a directory's entries, sorted (determinism).
    fn list(&self, dir: &Path) -> io::Result<Vec<OsString>>;
    /// Whether `path` exists (file or directory).
    fn exists(&self, path: &Path) -> io::Result<bool>;
    /// A file's length in bytes (of the link itself for a symbolic link:
    /// never followed).
    fn len(&self, path: &Path) -> io::Result<u64>;
}

/// Reads up to `want` bytes into `buf`'s spare capacity, without zeroing
/// it first (a zero-fill would be one more pass over every byte).
#[cfg(unix)]
fn read_into_spare(f: &mut File, buf: &mut Vec<u8>, want: usize) -> io::Result<usize> {
    use std::os::fd::AsRawFd;
    let spare = buf.spare_capacity_mut();
    assert!(want <= spare.len());
    // SAFETY: read(2) writes at most `want` bytes into the spare capacity,
    // which is valid for writes; `set_len` then covers exactly the bytes
    // the kernel reported as written.
    let n = unsafe { libc::read(f.as_raw_fd(), spare.as_mut_ptr().cast(), want) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let n = n as usize;
    assert!(n <= want);
    unsafe { buf.set_len(buf.len() + n) };
    Ok(n)
}

#[cfg(not(unix))]
fn read_into_spare(f: &mut File, buf: &mut Vec<u8>, want: usize) -> io::Result<usize> {
    let start = buf.len();
    buf.resize(start + want, 0);
    let r = f.read(&mut buf[start..]);
    buf.truncate(start + *r.as_ref().unwrap_or(&0));
    r
}

/// Large buffers: ask for transparent huge pages, so filling 256 MiB takes
/// ~128 page faults instead of ~65,000 (the faults, not the copy,
/// dominated large reads). Advisory: failure changes nothing.
#[cfg(target_os = "linux")]
fn advise_huge_pages(buf: &mut Vec<u8>) {
    const HUGE: usize = 2 << 20;
    if buf.capacity() < 4 * HUGE {
        return;
    }
    let addr = buf.as_mut_ptr() as usize;
    let start = addr.next_multiple_of(HUGE);
    let end = (addr + buf.capacity()) / HUGE * HUGE;
    if end > start {
        // SAFETY: advice on a range inside our own allocation; no memory
        // is read or written.
        unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE) };
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_: &mut Vec<u8>) {}

/// Opens `path` for reading without following a symbolic link and
/// without blocking (a FIFO would wait for a writer), then checks the
/// opened file's type: the check and the read are on the same file.
fn open_regular(path: &Path) -> io::Result<(File, u64)> {
    let mut opts = OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let f = match opts.open(path) {
        Ok(f) => f,
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(Refused::NotRegular("a symbolic link").into_io());
        }
        Err(e) => return Err(e),
    };
    let m = f.metadata()?;
    let t = m.file_type();
    if !t.is_file() {
        return Err(Refused::NotRegular(file_type_name(&t)).into_io());
    }
    Ok((f, m.len()))
}

fn file_type_name(t: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    }
}

/// The real file system on `std::fs`.
#[derive(Debug, Default, Clone, Copy)]
pub struct RealFs;

impl Fs for RealFs {
    fn multi_process(&self) -> bool {
        true
    }

    #[cfg(unix)]
    fn lock(&self, dir: &Path, exclusive: bool) -> io::Result<DirLock> {
        use std::os::fd::AsRawFd;
        use std::os::unix::fs::OpenOptionsExt;
        let f = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
            .open(dir)?;
        let op = if exclusive {
            libc::LOCK_EX
        } else {
            libc::LOCK_SH
        };
        loop {
            // SAFETY: flock(2) on a descriptor we own; no memory is touched.
            if unsafe { libc::flock(f.as_raw_fd(), op) } == 0 {
                return Ok(DirLock { _file: Some(f) });
            }
            let e = io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EINTR) => {}
                // No locking on this file system (some network mounts):
                // one process at a time, as before locks existed, rather
                // than no store at all.
                Some(libc::ENOLCK) | Some(libc::EOPNOTSUPP) => return Ok(DirLock::none()),
                _ => return Err(e),
            }
        }
    }

    #[cfg(unix)]
    fn file_id(&self, path: &Path) -> io::Result<Option<(u64, u64)>> {
        use std::os::unix::fs::MetadataExt;
        let m = fs::symlink_metadata(path)?;
        Ok(Some((m.dev(), m.ino())))
    }

    #[cfg(unix)]
    fn pin(&self, path: &Path) -> io::Result<Option<PinnedFile>> {
        use std::os::unix::fs::MetadataExt;
        let (f, _) = open_regular(path)?;
        let m = f.metadata()?;
        Ok(Some(PinnedFile {
            id: (m.dev(), m.ino()),
            _file: f,
        }))
    }

    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        fs::create_dir_all(path)
    }

    fn write_file(&self, path: &Path, parts: &[&[u8]], sync: bool) -> io::Result<()> {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?;
        for p in parts {
            f.write_all(p)?;
        }
        if sync {
            f.sync_all()?;
        }
        Ok(())
    }

    fn append(&self, path: &Path, data: &[u8], sync: bool) -> io::Result<()> {
        let mut opts = OpenOptions::new();
        opts.append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // Never append through a link, never wait on a FIFO.
            opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
        }
        let mut f = opts.open(path)?;
        f.write_all(data)?;
        if sync {
            f.sync_data()?;
        }
        Ok(())
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }

    fn fsync_dir(&self, dir: &Path) -> io::Result<()> {
        File::open(dir)?.sync_all()
    }

    fn read(
        &self,
        path: &Path,
        head_len: usize,
        rest: RestLen<'_>,
        visit: &mut dyn FnMut(&[u8]),
    ) -> io::Result<(Vec<u8>, Vec<u8>)> {
        let (mut f, file_len) = open_regular(path)?;
        let file_len = usize::try_from(file_len).unwrap_or(usize::MAX);
        let mut head = Vec::with_capacity(head_len.min(file_len));
        (&mut f).take(head_len as u64).read_to_end(&mut head)?;
        let remaining = file_len.saturating_sub(head.len());
        let len = rest(&head, remaining as u64).map_err(Refused::into_io)?;
        let len = usize::try_from(len).unwrap_or(usize::MAX).min(remaining);
        // Read straight into the buffer we return: the kernel's copy is the
        // only copy. One byte more than expected, so a file that grew is
        // noticed (its length then fails the caller's check), and never
        // more than that, whatever keeps being appended.
        let cap = len + 1;
        let mut buf = Vec::with_capacity(cap);
        advise_huge_pages(&mut buf);
        loop {
            let start = buf.len();
            if start == cap {
                break;
            }
            let want = (cap - start).min(READ_CHUNK);
            match read_into_spare(&mut f, &mut buf, want) {
                Ok(0) => break,
                Ok(_) => visit(&buf[start..]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok((head, buf))
    }

    #[cfg(unix)]
    fn read_range(
        &self,
        path: &Path,
        offset: u64,
        len: u64,
        visit: &mut dyn FnMut(&[u8]),
    ) -> io::Result<u64> {
        use std::os::unix::fs::FileExt;
        let (f, _) = open_regular(path)?;
        // One chunk-sized buffer, reused: it stays in cache between the
        // kernel's copy and the visitor (a hash), and nothing the size of
        // the range is allocated (no page faults, no zero-fill).
        let mut chunk = vec![0u8; READ_CHUNK.min(usize::try_from(len).unwrap_or(READ_CHUNK))];
        let mut done = 0u64;
        while done < len {
            let want = chunk
                .len()
                .min(usize::try_from(len - done).unwrap_or(usize::MAX));
            match f.read_at(&mut chunk[..want], offset + done) {
                Ok(0) => break,
                Ok(n) => {
                    visit(&chunk[..n]);
                    done += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        fs::remove_file(path)
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<OsString>> {
        let mut names = Vec::new();
        for e in fs::read_dir(dir)? {
            names.push(e?.file_name());
        }
        names.sort();
        Ok(names)
    }

    fn exists(&self, path: &Path) -> io::Result<bool> {
        path.try_exists()
    }

    fn len(&self, path: &Path) -> io::Result<u64> {
        Ok(fs::symlink_metadata(path)?.len())
    }
}
