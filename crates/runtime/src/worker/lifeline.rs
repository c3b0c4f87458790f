//! No orphans: whatever way `weir` ends (a clean exit, a second Ctrl-C
//! while a cell is stuck in C code, SIGKILL), its worker and everything
//! the worker started end too.
//!
//! - The worker leads a process group of its own, so it and every child it
//!   starts (a `multiprocessing` pool, a `subprocess`) can be ended at once,
//!   and a terminal's Ctrl-C reaches `weir`, which forwards it as an
//!   interrupt, not every process at once.
//! - Not `PR_SET_PDEATHSIG`: it fires when the *thread* that spawned the
//!   worker ends, and workers are spawned on threads that come and go.
//! - A *lifeline* pipe: `weir` holds the only write end; the worker's
//!   reaper process (forked at start-up, `python/weir/_worker.py`) blocks
//!   reading the other end. When `weir` is gone, for any reason, the read
//!   returns end-of-file and the reaper kills the worker's process group,
//!   children included. It is a separate process so that a cell holding
//!   the GIL in C code cannot stop it.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::Command;

/// The environment variable naming the lifeline's read descriptor.
pub(crate) const LIFELINE_ENV: &str = "WEIR_LIFELINE_FD";

/// Both ends until the worker is spawned; then only the write end stays.
pub(crate) struct Lifeline {
    read: OwnedFd,
    write: OwnedFd,
}

impl Lifeline {
    pub(crate) fn new() -> io::Result<Lifeline> {
        let mut fds = [0 as RawFd; 2];
        // SAFETY: pipe2 fills both descriptors on success; each is then
        // owned exactly once. O_CLOEXEC: no other child of `weir` inherits
        // either end.
        let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fresh descriptors from pipe2, owned by nobody else.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        Ok(Lifeline { read, write })
    }

    /// Sets up `cmd` so the worker starts in its own process group and
    /// inherits the read end (only that end).
    pub(crate) fn prepare(&self, cmd: &mut Command) {
        let read_fd = self.read.as_raw_fd();
        cmd.env(LIFELINE_ENV, read_fd.to_string());
        // SAFETY: between fork and exec only async-signal-safe calls are
        // made (setpgid, fcntl), on this process's own descriptors.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setpgid(0, 0) != 0 {
                    return Err(io::Error::last_os_error());
                }
                // The read end survives exec; the write end (still
                // close-on-exec) does not.
                if libc::fcntl(read_fd, libc::F_SETFD, 0) != 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }

    /// After the spawn: the parent keeps only the write end. Dropping it
    /// (with the `Worker`, or by `weir` ending) tells the reaper.
    pub(crate) fn into_write_end(self) -> OwnedFd {
        self.write
    }
}
