//! How a worker starts: the one seam between "a worker exists" and the
//! client that talks to it.
//!
//! A [`Launcher`] yields the three pipe ends the client needs (the
//! protocol's write end, its read end, and the console read end: the
//! worker's own stderr, its last words when it crashes) and a
//! [`WorkerProcess`] to control what runs behind them. Everything after
//! that (the I/O thread, the `ready` handshake and its checks, framing,
//! death and interrupts) is shared client code in `worker.rs`, so it is the
//! same whatever the launcher.
//!
//! [`WorkerConfig`] is the default launcher: a `python -m weir._worker`
//! subprocess. App mode can later fork workers from a warm, pre-imported
//! parent behind the same trait; tests run the scheduler on an in-process
//! fake (`worker::fake`, feature `fake-worker`).

use std::ffi::OsString;
use std::fmt;
use std::fs::File;
use std::io;
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::error::{ExitKind, WorkerError};
use crate::python::{probe_version, version_ok};
use crate::worker::{WorkerConfig, lifeline};

/// Starts workers. One launcher may start many (a session's restarts go
/// through the launcher that started its first worker).
pub trait Launcher: Send + Sync + fmt::Debug {
    /// Start one worker; it is expected to send `ready` first.
    fn launch(&self) -> Result<Launched, WorkerError>;

    /// How long the worker may take to send `ready`.
    fn ready_timeout(&self) -> Duration {
        Duration::from_secs(30)
    }

    /// Called when a worker ended before `ready`: a more specific error
    /// than `StartupFailed`, if the launcher can find one (an interpreter
    /// too old to even load the worker).
    fn diagnose_early_exit(&self) -> Option<WorkerError> {
        None
    }
}

/// What starting a worker yields.
#[derive(Debug)]
pub struct Launched {
    /// Where frames to the worker are written.
    pub to_worker: File,
    /// Where the worker's frames are read (polled by the I/O thread).
    pub from_worker: File,
    /// The worker's own stderr, read line by line by the same thread: what
    /// the interpreter says when it dies. `None` if the worker has none.
    pub console: Option<File>,
    /// Controls what runs behind the pipes.
    pub process: Box<dyn WorkerProcess>,
    /// What was started, for error messages (the interpreter's path).
    pub program: PathBuf,
}

/// Controls a started worker. Calls come from the client's thread and,
/// for [`interrupt`](Self::interrupt), from any thread; the client
/// serialises them and makes no call after the worker was reaped (a
/// `wait` or `try_wait` that reported its end), so a process id is never
/// signalled once it may belong to someone else.
pub trait WorkerProcess: Send + fmt::Debug {
    /// The operating system's process id, if the worker is a process of
    /// its own.
    fn pid(&self) -> Option<u32>;
    /// Stop the running cell (SIGINT for a process): it ends
    /// `interrupted`; an idle worker ignores it.
    fn interrupt(&mut self) -> io::Result<()>;
    /// End the worker now (SIGKILL for a process).
    fn kill(&mut self) -> io::Result<()>;
    /// How the worker ended, if it has; never blocks.
    fn try_wait(&mut self) -> io::Result<Option<ExitKind>>;
    /// Wait for the worker to end.
    fn wait(&mut self) -> io::Result<ExitKind>;
}

/// The default launcher: `python -m weir._worker` as a subprocess in a
/// process group of its own, tied to this process by a lifeline.
impl Launcher for WorkerConfig {
    fn launch(&self) -> Result<Launched, WorkerError> {
        let path = self.python.clone();
        if path.components().count() > 1 && !path.exists() {
            return Err(WorkerError::InterpreterNotFound { path });
        }
        let mut cmd = Command::new(&path);
        cmd.args(["-m", "weir._worker"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(cwd) = &self.cwd {
            // Checked here: a missing cwd would otherwise surface from
            // spawn as NotFound and be mistaken for a missing interpreter.
            if !cwd.is_dir() {
                let source = io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("working directory {} does not exist", cwd.display()),
                );
                return Err(WorkerError::Spawn { path, source });
            }
            cmd.current_dir(cwd);
        }
        let mut pythonpath: Option<OsString> = std::env::var_os("PYTHONPATH");
        for (k, v) in &self.env {
            if k == "PYTHONPATH" {
                pythonpath = Some(v.clone());
            }
            cmd.env(k, v);
        }
        if let Some(extra) = &self.python_path_extra {
            let mut joined = extra.as_os_str().to_owned();
            if let Some(rest) = pythonpath.filter(|p| !p.is_empty()) {
                joined.push(":");
                joined.push(rest);
            }
            cmd.env("PYTHONPATH", joined);
        }
        // Without a lifeline (descriptors exhausted) the worker still runs;
        // only the clean-up of its children on weir's death is lost.
        let lifeline = lifeline::Lifeline::new().ok();
        if let Some(lifeline) = &lifeline {
            lifeline.prepare(&mut cmd);
        }
        let mut child = cmd.spawn().map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => WorkerError::InterpreterNotFound { path: path.clone() },
            _ => WorkerError::Spawn {
                path: path.clone(),
                source,
            },
        })?;
        widen_pipes(&child);
        let pipes = (child.stdin.take(), child.stdout.take(), child.stderr.take());
        let mut process = PythonProcess {
            child,
            _lifeline: lifeline.map(lifeline::Lifeline::into_write_end),
        };
        let (Some(stdin), Some(stdout), Some(stderr)) = pipes else {
            let _ = process.kill();
            let _ = process.wait();
            let source = io::Error::other("child pipes missing");
            return Err(WorkerError::Spawn { path, source });
        };
        Ok(Launched {
            to_worker: File::from(OwnedFd::from(stdin)),
            from_worker: File::from(OwnedFd::from(stdout)),
            console: Some(File::from(OwnedFd::from(stderr))),
            process: Box::new(process),
            program: path,
        })
    }

    fn ready_timeout(&self) -> Duration {
        self.ready_timeout
    }

    /// A too-old interpreter may fail before it can say `ready` (e.g. a
    /// syntax error in the package): ask it its version.
    fn diagnose_early_exit(&self) -> Option<WorkerError> {
        let version = probe_version(&self.python)?;
        (!version_ok(&version)).then(|| WorkerError::PythonTooOld {
            path: self.python.clone(),
            version,
        })
    }
}

/// A `python -m weir._worker` subprocess.
#[derive(Debug)]
struct PythonProcess {
    child: Child,
    /// Held, never written: closing it (when the worker is dropped, or
    /// `weir` ends) makes the worker's reaper end its process group.
    _lifeline: Option<OwnedFd>,
}

impl WorkerProcess for PythonProcess {
    fn pid(&self) -> Option<u32> {
        Some(self.child.id())
    }

    fn interrupt(&mut self) -> io::Result<()> {
        // SAFETY: kill(2) with a pid we spawned and (the client's
        // promise) have not reaped.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGINT) };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    fn kill(&mut self) -> io::Result<()> {
        self.child.kill()
    }

    fn try_wait(&mut self) -> io::Result<Option<ExitKind>> {
        Ok(self.child.try_wait()?.map(ExitKind::from_status))
    }

    fn wait(&mut self) -> io::Result<ExitKind> {
        Ok(ExitKind::from_status(self.child.wait()?))
    }
}

/// Ask for 1 MiB protocol pipes (Linux; the default is 64 KiB): a 100 MB
/// value then crosses in 100 writes, not 1,600. Best effort: the kernel
/// may refuse (`/proc/sys/fs/pipe-max-size`), and that only costs speed.
fn widen_pipes(child: &Child) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        const WIDE: libc::c_int = 1 << 20;
        let fds = [
            child.stdin.as_ref().map(|p| p.as_raw_fd()),
            child.stdout.as_ref().map(|p| p.as_raw_fd()),
        ];
        for fd in fds.into_iter().flatten() {
            // SAFETY: fcntl on a pipe fd we own; failure is ignored.
            unsafe {
                libc::fcntl(fd, libc::F_SETPIPE_SZ, WIDE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = child;
}
