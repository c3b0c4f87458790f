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

/// Chunk size for reads: big enough to amortise syscalls, small enough that
/// the chunk is still in L2 when it is hashed right after being read.
pub const READ_CHUNK: usize = 256 * 1024;

pub trait Fs: Send + Sync + Debug {
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
    /// Reads the whole file: its first `head_len` bytes (fewer if it is
    /// shorter) into the first buffer, the rest into the second, calling
    /// `visit` on each chunk of the rest as it arrives so the caller can hash
    /// while the chunk is cache-hot (no second pass, no copy to strip a
    /// header).
    fn read(
        &self,
        path: &Path,
        head_len: usize,
        visit: &mut dyn FnMut(&[u8]),
    ) -> io::Result<(Vec<u8>, Vec<u8>)>;
    /// Reads up to `len` bytes of `path` from `offset`, handing them to
    /// `visit` chunk by chunk and keeping none; returns how many there were
    /// (fewer than `len` at the end of the file). For verifying a large
    /// file in place without holding it, and for hashing disjoint ranges of
    /// one file on several threads. The default goes through `read`, so a
    /// simulated disk's faults still apply.
    fn read_range(
        &self,
        path: &Path,
        offset: u64,
        len: u64,
        visit: &mut dyn FnMut(&[u8]),
    ) -> io::Result<u64> {
        let (all, _) = self.read(path, usize::MAX, &mut |_| {})?;
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
    /// A file's length in bytes.
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

/// The real file system on `std::fs`.
#[derive(Debug, Default, Clone, Copy)]
pub struct RealFs;

impl Fs for RealFs {
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
        let mut f = OpenOptions::new().append(true).open(path)?;
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
        visit: &mut dyn FnMut(&[u8]),
    ) -> io::Result<(Vec<u8>, Vec<u8>)> {
        let mut f = File::open(path)?;
        let file_len = f.metadata()?.len() as usize;
        let mut head = Vec::with_capacity(head_len.min(file_len) + 1);
        (&mut f).take(head_len as u64).read_to_end(&mut head)?;
        let len = file_len.saturating_sub(head.len());
        // Read straight into the buffer we return: the kernel's copy is the
        // only copy. +1 so a file that grew is noticed by the loop below.
        let mut buf = Vec::with_capacity(len + 1);
        advise_huge_pages(&mut buf);
        loop {
            let start = buf.len();
            if buf.capacity() == start {
                buf.reserve(READ_CHUNK);
            }
            let want = (buf.capacity() - start).min(READ_CHUNK);
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
        let f = File::open(path)?;
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
        Ok(fs::metadata(path)?.len())
    }
}
