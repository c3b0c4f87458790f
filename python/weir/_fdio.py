"""fd-level output inside the worker: what reaches fds 1 and 2 (`os.write`,
C extensions, subprocesses) becomes `stream` messages with source "fd".

Each cell gets a pipe that no other cell's writer can reach: while the
cell runs, fds 1 and 2 point at it; when it ends they point back at the
notebook's console pipe.  One forwarding thread polls every open pipe and
sends what it reads, tagged with the pipe's cell.  So:

- at a cell's end the main thread reads the cell's pipe until it is empty
  (under the same lock the forwarder reads with) before it sends `done`:
  everything the cell wrote synchronously is attributed to it, in the same
  ordered stream as `done`, with no marker and no wait on the runtime;
- a child process the cell started keeps the cell's pipe as its fds 1/2, so
  what it prints later is still attributed to that cell (sent on its own,
  after `done`) and never shown under whatever cell runs then.  The pipe is
  closed when its last writer has gone;
- a pipe whose cell left no writer at all (reading it dry at the cell's
  end reached end of file: no child, no kept `os.dup`, anywhere) is given
  to the next cell, with a new write end opened through /proc/self/fd
  (Linux): a fresh pipe per cell cost more than the rest of this module's
  work.  Only end of file proves no one can write to it later;
- within one batch (`run_batch`), a cell that did nothing that could leave
  a writer behind (start a process, duplicate or close fd 1/2: watched by
  an audit hook and by wrappers of `os.dup`/`dup2`/`close`/`closerange` and
  `_posixsubprocess.fork_exec`) hands its pipe straight to the next cell:
  its output is read dry at its end, as always, and the pipe changes owner
  with no system call.  The first cell that might have left a writer, and
  the batch's end, go the whole way above (fds back to the console, read to
  end of file).  Half the per-cell cost of a batch was this module's
  system calls.  Not seen: a process started, or fd 1/2 duplicated, by C
  code with no audit event; what it writes later shows under a later cell
  of the batch instead of its own;
- what is written at the fd level between cells (a C thread, a child of a
  request that was not a cell) is the notebook's own console (`cell_id`
  null).  A C-level thread started by a cell writes to fds 1/2 as they are
  when it writes, which is the console after the cell ended: the fd level
  cannot tell threads apart.

Limit: the forwarder is a Python thread, so it needs the GIL.  C code that
holds the GIL while writing more than a pipe's capacity (1 MiB asked for)
to fd 1/2 would wait for a reader that cannot run; docs/protocol.md.
"""

from __future__ import annotations

import codecs
import os
import select
import threading

READ_CHUNK = 64 * 1024
PIPE_SIZE = 1 << 20
_F_SETPIPE_SZ = 1031  # Linux; elsewhere the default size is kept


def _identity(fd):
    try:
        st = os.fstat(fd)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _pipe():
    r, w = os.pipe()  # both non-inheritable: only fds 1/2 reach children
    os.set_blocking(r, False)
    try:
        import fcntl

        fcntl.fcntl(w, _F_SETPIPE_SZ, PIPE_SIZE)
    except (ImportError, OSError):
        pass  # best effort: only makes a GIL-holding writer likelier to wait
    return r, w


_UTF8 = codecs.getincrementaldecoder("utf-8")

def _readable(fd):
    """Whether a read of `fd` would not block (one poll, no wait)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


# This module's own descriptor work goes through the originals: only the
# cells' calls count as "might have left a writer".
_dup2 = os.dup2
_close = os.close

# Audit events of starting another process, which inherits fds 1 and 2.
_SPAWNS = frozenset(
    ("os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.system", "os.exec",
     "subprocess.Popen", "pty.spawn")
)


def _watch_writers(forwarder):
    """Marks `forwarder.risk` when code may leave a writer of fd 1/2 behind
    (module doc).  Installed once per worker: audit hooks cannot be removed."""
    import functools
    import sys

    def hook(event, args):
        if event in _SPAWNS:
            forwarder.risk = True

    sys.addaudithook(hook)

    def touches_std(*fds):
        return any(isinstance(fd, int) and fd in (1, 2) for fd in fds)

    def wrap(module, name, risky):
        original = getattr(module, name, None)
        if original is None:
            return

        @functools.wraps(original)
        def watched(*args, **kwargs):
            try:
                seen = risky(*args, **kwargs)
            except TypeError:  # a call shape not foreseen: assume the worst
                seen = True
            if seen:
                forwarder.risk = True
            return original(*args, **kwargs)

        setattr(module, name, watched)

    wrap(os, "dup", lambda fd, *a, **k: touches_std(fd))
    wrap(os, "dup2", lambda fd, fd2, *a, **k: touches_std(fd, fd2))
    wrap(os, "close", lambda fd, *a, **k: touches_std(fd))
    wrap(os, "closerange", lambda lo, hi, *a, **k: isinstance(lo, int) and lo <= 2 < hi)
    try:
        import _posixsubprocess
    except ImportError:
        return
    wrap(_posixsubprocess, "fork_exec", lambda *a, **k: True)


class _Reader:
    # The decoder is made at the first bytes: most cells write nothing at
    # the fd level, and a codec look-up per cell showed in profiles.
    __slots__ = ("cell_id", "decoder")

    def __init__(self, cell_id):
        self.cell_id = cell_id
        self.decoder = None


class FdForwarder:
    def __init__(self, send):
        self._send = send  # message -> None, from any thread
        self._lock = threading.Lock()
        self._readers = {}  # read fd -> _Reader
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        r, self._console_w = _pipe()
        self._readers[r] = _Reader(None)
        # epoll (Linux): a cell's pipe is watched from the moment it is
        # registered, with no wake-up of the forwarder per cell (a thread
        # switch, and a GIL hand-over, per cell).  Elsewhere: poll, woken.
        self._epoll = select.epoll() if hasattr(select, "epoll") else None
        if self._epoll is not None:
            self._epoll.register(self._wake_r, select.EPOLLIN)
            self._epoll.register(r, select.EPOLLIN)
        self._console_identity = _identity(self._console_w)
        # Which of fds 1/2 the worker manages; a cell that pointed one at
        # its own file keeps it that way (see `end_cell`).
        self._owned = {1: True, 2: True}
        self._cell_r = None
        self._cell_w = None
        self._cell_identity = None
        # (read fd, identity) of the last cell's pipe when it ended with no
        # writer left (`end_cell`), for the next cell; `_reusable` turns
        # off where the write end cannot be reopened.
        self._spare = None
        self._reusable = True
        self._read_failed = False
        # Whether, since the running cell began, anything may have left a
        # writer of fds 1/2 behind (`_watch_writers`).
        self.risk = False
        # Whether the cell pipe in place was handed over by the previous
        # cell of the batch (`end_cell(carry=True)`).
        self._carried = False
        _dup2(self._console_w, 1)
        _dup2(self._console_w, 2)
        _watch_writers(self)
        self._thread = threading.Thread(target=self._loop, name="weir-fd-forwarder", daemon=True)
        self._thread._weir_origin = None
        self._thread.start()

    def private_fds(self):
        """Descriptors a forked child must not keep reading or waking."""
        fds = [self._wake_r, self._wake_w] + list(self._readers)
        if self._spare is not None:
            fds.append(self._spare[0])
        if self._epoll is not None:
            fds.append(self._epoll.fileno())
        return fds

    # -- the main thread, around each cell --------------------------------
    def begin_cell(self, cell_id):
        self.risk = False
        if self._carried:
            # The previous cell of the batch handed its pipe over, read dry.
            self._carried = False
            with self._lock:
                self._readers[self._cell_r].cell_id = cell_id
            return
        r, w, identity = self._reuse()
        if r is None:
            r, w = _pipe()
            identity = None
        with self._lock:
            self._readers[r] = _Reader(cell_id)
            if self._epoll is not None:
                self._epoll.register(r, select.EPOLLIN)
        for fd in (1, 2):
            if self._owned[fd]:
                _dup2(w, fd)
        self._cell_r, self._cell_w = r, w
        self._cell_identity = identity if identity is not None else _identity(w)
        if self._epoll is None:
            self._wake()

    def _reuse(self):
        """The pipe the last cell left with no writer anywhere, with a new
        write end (Linux: opening `/proc/self/fd/N` of a pipe's read end
        gives a write end of the same pipe), or (None, None, None).  A
        fresh pipe costs more (`pipe`, the 1 MiB `F_SETPIPE_SZ`, two
        `close`s) than the rest of the worker's per-cell fd work."""
        spare = self._spare
        if spare is None:
            return None, None, None
        self._spare = None
        r, identity = spare
        try:
            w = os.open("/proc/self/fd/%d" % r, os.O_WRONLY | os.O_CLOEXEC)
        except OSError:
            _close(r)
            self._reusable = False  # no /proc: a fresh pipe per cell
            return None, None, None
        # `r` is still the pipe: a cell that closed or replaced it would
        # have made `end_cell`'s epoll `unregister` fail before it was kept.
        return r, w, identity

    def end_cell(self, carry=False):
        """Point fds 1/2 back at the console and read the cell's pipe dry.
        Returns notes for a cell that closed or redirected fd 1 or 2.
        `carry`: another cell of the batch follows; if this one did nothing
        that could leave a writer, its pipe, read dry, is kept in place for
        it (module doc; `end_run` finishes the batch)."""
        r = self._cell_r
        if carry and not self.risk and r is not None and self._epoll is not None:
            with self._lock:
                reader = self._readers.get(r)
                if reader is not None:
                    # Polled before each read: a cell may have made the
                    # pipe blocking, and no end of file comes while the
                    # pipe is kept.
                    while _readable(r) and self._read(r, watched=True, keep=True):
                        pass
                    self._flush_decoder(reader)
                    self._carried = r in self._readers
            if self._carried:
                return []
        self._carried = False
        notes = []
        for fd, label in ((1, "fd 1 (stdout)"), (2, "fd 2 (stderr)")):
            identity = _identity(fd)
            if identity is None:
                notes.append("weir: this cell closed %s; Weir reopened it\n" % label)
                self._owned[fd] = True
            elif identity in (self._cell_identity, self._console_identity):
                self._owned[fd] = True
            else:
                if self._owned[fd]:
                    notes.append(
                        "weir: this cell pointed %s elsewhere; what is written to it at the "
                        "descriptor level (C libraries, subprocesses) no longer shows here\n" % label
                    )
                self._owned[fd] = False
                continue
            try:
                _dup2(self._console_w, fd)
            except OSError:
                pass
        r, w = self._cell_r, self._cell_w
        self._cell_r = self._cell_w = None
        if r is not None and self._epoll is not None:
            # Taken from the forwarder before our write end closes, so the
            # close does not wake it: a woken forwarder wants the GIL the
            # main thread holds, and that hand-over cost each cell more
            # than everything else it does.  The main thread reads the pipe
            # dry itself; only a pipe a child process still holds goes back
            # to the forwarder.
            with self._lock:
                self._epoll.unregister(r)
        if w is not None:
            _close(w)
        if r is not None:
            with self._lock:
                keep = self._reusable and self._epoll is not None
                self._read_failed = False
                while _readable(r) and self._read(r, watched=False, keep=keep):
                    pass
                if r in self._readers:
                    if self._epoll is not None:
                        self._epoll.register(r, select.EPOLLIN)
                elif keep and not self._read_failed:
                    # End of file: no descriptor anywhere (no child, no
                    # `os.dup` the cell kept) can write to this pipe any
                    # more, so the next cell may have it; nothing written
                    # later can be shown under that cell by mistake.
                    self._spare = (r, self._cell_identity)
        return notes

    def end_run(self):
        """After a batch: a pipe still handed over from its last cell gets
        the whole end (fds back at the console, read to end of file), so
        nothing written between runs shows under that cell by mistake."""
        if self._carried:
            self._carried = False
            return self.end_cell()
        return []

    def _flush_decoder(self, reader):
        """Ends a cell's text at its end: a character cut between two cells
        is not carried into the next one's (lock held)."""
        decoder = reader.decoder
        if decoder is None:
            return
        reader.decoder = None
        text = decoder.decode(b"", True)
        if text:
            self._send(
                {"type": "stream", "cell_id": reader.cell_id, "name": "stderr", "source": "fd", "text": text}
            )

    # -- the forwarding thread --------------------------------------------
    def _wake(self):
        try:
            os.write(self._wake_w, b"!")
        except OSError:
            pass  # full: a wake-up is already pending

    def _loop(self):
        try:
            self._serve()
        except OSError:
            pass  # the protocol pipe is gone: the worker is ending

    def _serve(self):
        if self._epoll is not None:
            while True:
                for fd, _ in self._epoll.poll():
                    self._ready(fd)
        poller = select.poll()
        poller.register(self._wake_r, select.POLLIN)
        watched = set()
        while True:
            with self._lock:
                wanted = set(self._readers)
            for fd in watched - wanted:
                try:
                    poller.unregister(fd)
                except (KeyError, ValueError):
                    pass
            for fd in wanted - watched:
                poller.register(fd, select.POLLIN)
            watched = wanted
            try:
                ready = poller.poll()
            except InterruptedError:
                continue
            for fd, _ in ready:
                self._ready(fd)

    def _ready(self, fd):
        if fd == self._wake_r:
            try:
                os.read(self._wake_r, 4096)
            except OSError:
                pass
            return
        with self._lock:
            self._read(fd)

    def _read(self, fd, watched=True, keep=False):
        """One read of `fd` (lock held): forward it; at end of file, stop
        reading the pipe and close it, unless `keep` (`watched`: the
        forwarder's epoll still has it).  Returns whether there may be
        more."""
        reader = self._readers.get(fd)
        if reader is None:
            return False
        try:
            data = os.read(fd, READ_CHUNK)
        except BlockingIOError:
            return False
        except OSError:
            data = b""
            keep = False  # not a pipe that ended well: closed, never reused
            self._read_failed = True
        decoder = reader.decoder
        if data:
            if decoder is None:
                decoder = reader.decoder = _UTF8("replace")
            text = decoder.decode(data)
        else:
            text = decoder.decode(b"", True) if decoder is not None else ""
            del self._readers[fd]
            if watched and self._epoll is not None:
                self._epoll.unregister(fd)
            if not keep:
                _close(fd)
        if text:
            self._send(
                {
                    "type": "stream",
                    "cell_id": reader.cell_id,
                    "name": "stderr",
                    "source": "fd",
                    "text": text,
                }
            )
        return bool(data)
