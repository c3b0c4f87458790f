"""The worker: `python -m weir._worker`, driven by the Weir runtime.

The protocol runs over the stdin/stdout the runtime gave us, but user code
and C extensions may write to fds 1 and 2 and read fd 0 at will.  So before
anything else the worker moves the protocol to private descriptors, points
fd 0 at /dev/null and fds 1 and 2 at pipes of its own (`_fdio`), whose
bytes it forwards as `stream` messages.  The runtime's stderr pipe is kept
for the interpreter's own fatal output.  docs/protocol.md describes the
frames and messages.
"""

from __future__ import annotations

import builtins
import io
import os
import signal
import sys
import threading
import time
import types

# Exit status after the runtime sent a frame that failed a check.
EXIT_PROTOCOL_ERROR = 65

_MISSING = object()
# Values whose release runs no user code (no `__del__`, no contents).
_PLAIN = frozenset((int, float, complex, bool, str, bytes, type(None)))
# Signal handlers run on the main thread; only its sends defer SIGINT.
_MAIN_THREAD = threading.main_thread().ident


def _take_protocol_fds():
    """Return (in_fd, out_fd, fatal_fd) private to the worker and point fd 0
    at /dev/null.  `fatal_fd` is a copy of fd 2 as the runtime gave it (its
    stderr pipe): the interpreter's own fatal output goes there, so a dying
    worker's last words reach the runtime even when the forwarding thread
    cannot run any more.  fds 1 and 2 are repointed by `_fdio`."""
    in_fd = os.dup(0)
    out_fd = os.dup(1)
    fatal_fd = os.dup(2)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    # os.dup makes non-inheritable fds: subprocesses never see the protocol.
    return in_fd, out_fd, fatal_fd


def _fatal_stream(fd):
    """`sys.__stderr__` on the runtime's stderr pipe, and faulthandler's
    file: a crash's traceback is written with no help from a thread."""
    stream = io.TextIOWrapper(
        io.FileIO(fd, "w", closefd=False), encoding="utf-8", errors="backslashreplace",
        line_buffering=True,
    )
    try:
        import faulthandler

        faulthandler.enable(stream)
    except Exception:
        pass
    return stream


class _Interrupts:
    """SIGINT raises KeyboardInterrupt only while user code runs.

    While idle, an interrupt is ignored.  While the main thread writes a
    frame (`critical`), it is held back until the frame is out, so that a
    message is never torn in half; then it is raised.
    """

    def __init__(self):
        self.armed = False
        self.critical = 0
        self.pending = False
        # A KeyboardInterrupt this handler raised, as opposed to one the
        # cell's own code raised (an error like any other).
        self.delivered = False
        # While a batch runs, an interrupt between its cells (disarmed)
        # stops the batch before its next cell instead of being ignored.
        self.batch = False
        self.stop = False

    def handler(self, signum, frame):
        if not self.armed:
            if self.batch:
                self.stop = True
            return
        if self.critical:
            self.pending = True
            return
        self.delivered = True
        raise KeyboardInterrupt()

    def arm(self):
        self.pending = False
        self.delivered = False
        self.armed = True

    def disarm(self):
        self.armed = False
        self.pending = False


class _WorkerSink:
    """`weir.output.*` during a run become `output` messages.  It keeps
    which of the cell's outputs is a live progress indicator (`_slots`: an
    indicator, or None for any other output, in output order), so the
    indicator can be redrawn or removed by position (`replace_at`,
    `remove_at`)."""

    def __init__(self, worker, cell_id):
        self._worker = worker
        self._cell_id = cell_id
        self._slots = []

    def _send(self, action, bundle, at=None):
        message = {"type": "output", "cell_id": self._cell_id, "action": action, "output": bundle}
        if at is not None:
            message["at"] = at
        self._worker.send(message)

    def append(self, obj):
        from ._render import render

        self._slots.append(None)
        self._send("append", render(obj))

    def replace(self, obj):
        from ._render import render

        self._slots = [None]
        self._send("replace", render(obj))

    def clear(self):
        self._slots = []
        self._send("clear", None)

    # -- progress indicators (weir._progress) --------------------------------
    def place(self, indicator):
        self._slots.append(indicator)
        self._send("append", indicator._repr_mimebundle_())

    def _position(self, indicator):
        for i, slot in enumerate(self._slots):
            if slot is indicator:
                return i
        return None

    def redraw(self, indicator):
        at = self._position(indicator)
        if at is not None:  # gone with a replace or clear of the cell's output
            self._send("replace_at", indicator._repr_mimebundle_(), at)

    def remove(self, indicator):
        at = self._position(indicator)
        if at is not None:
            del self._slots[at]
            self._send("remove_at", None, at)


class Worker:
    def __init__(self, channel, fatal_fd=None, hashes=False):
        from ._capture import CellStream, track_origins
        from ._execute import Executor
        from ._fdio import FdForwarder

        self.channel = channel
        # An editor session: every output and console chunk leaves with its
        # integrity hash (weir._integrity); `weir exec` never pays for it.
        self._stamp = None
        if hashes:
            from ._integrity import stamp

            self._stamp = stamp
        self.interrupts = _Interrupts()
        self.current_cell = None
        self.cell_files = {}  # pseudo-filename -> cell id
        # cell id -> its private names still in the namespace (read by its
        # functions after the run): dropped when it runs again or is deleted.
        self.private = {}
        # cell id -> its program (code hash, source, compiled code): the
        # runtime sends a cell's code only when it changed (`run_batch`).
        self.programs = {}
        self._parts = None
        # The user's namespace is a real module installed as __main__, so
        # pickling and `sys.modules["__main__"]` lookups find user names.
        main = types.ModuleType("__main__")
        # A dict, as in marimo's kernel (and any imported module): code
        # that inspects `__builtins__` (`__builtins__["print"]`, `in`)
        # works.  marimo also sets `__builtin__` to the same dict.
        main.__dict__["__builtins__"] = builtins.__dict__
        main.__dict__["__builtin__"] = builtins.__dict__
        sys.modules["__main__"] = main
        self.namespace = main.__dict__
        self.executor = Executor(self.namespace)
        self.stdout = CellStream("stdout", 1, self.send)
        self.stderr = CellStream("stderr", 2, self.send)
        self.fatal_fd = fatal_fd
        self.fatal = _fatal_stream(fatal_fd) if fatal_fd is not None else None
        # fds 1 and 2 now point at the worker's own pipes; a cell may close
        # or redirect them (checked at each cell's end by `fdio.end_cell`).
        self.fdio = FdForwarder(self.send)
        track_origins()
        isolate = getattr(channel, "isolate", None)
        if isolate is not None:
            from . import _capture

            _capture.BEFORE_FIRST_CELL_THREAD[:] = [isolate]
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._after_fork_in_child)

    def _after_fork_in_child(self):
        """A child made by `os.fork` (or multiprocessing's fork start
        method) must never speak the protocol: its frames would break the
        parent's sequence.  It loses the protocol descriptors, and its
        `print`s go to fds 1 and 2, the pipe of the cell that forked it,
        which the parent forwards as that cell's console."""
        from . import _wire

        channel = self.channel
        private = [getattr(channel, "_out_fd", None), self.fatal_fd]
        private.extend(self.fdio.private_fds())
        for fd in private:
            if isinstance(fd, int) and fd > 2:
                try:
                    os.close(fd)
                except OSError:
                    pass
        close_input = getattr(channel, "close_input", None)
        if close_input is not None:
            close_input()
        _wire.ACTIVE = None
        self.channel = _ForkedChannel()
        sys.stdout = io.TextIOWrapper(
            io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="replace", line_buffering=True
        )
        sys.stderr = io.TextIOWrapper(
            io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="replace", line_buffering=True
        )

    def send(self, message):
        if self._stamp is not None:
            self._stamp(message)
        if threading.get_ident() != _MAIN_THREAD:
            self.channel.send(message)  # signal handlers run on the main thread
            return
        interrupts = self.interrupts
        interrupts.critical += 1
        try:
            self.channel.send(message)
        finally:
            interrupts.critical -= 1
        if interrupts.pending and interrupts.armed and not interrupts.critical:
            interrupts.pending = False
            interrupts.delivered = True
            raise KeyboardInterrupt()

    def send_later(self, message):
        """`send`, written together with the next frame (`Channel.send_later`),
        for a channel that can; the caller sends or flushes soon."""
        later = getattr(self.channel, "send_later", None)
        if later is None:
            self.send(message)
        else:
            if self._stamp is not None:
                self._stamp(message)
            later(message)

    def flush(self):
        flush = getattr(self.channel, "flush", None)
        if flush is not None:
            interrupts = self.interrupts
            interrupts.critical += 1
            try:
                flush()
            finally:
                interrupts.critical -= 1

    def send_with_buffers(self, message, buffers):
        """A message and its binary frames, as one critical section."""
        interrupts = self.interrupts
        interrupts.critical += 1
        try:
            self.channel.send_with_buffers(message, buffers)
        finally:
            interrupts.critical -= 1

    def hello(self):
        from . import __version__
        from ._wire import PROTOCOL_VERSION

        self.send(
            {
                "type": "ready",
                "protocol": PROTOCOL_VERSION,
                "weir_version": __version__,
                "python_version": "%d.%d.%d" % sys.version_info[:3],
                "python_executable": sys.executable,
                "pid": os.getpid(),
            }
        )

    def serve(self) -> int:
        signal.signal(signal.SIGINT, self.interrupts.handler)
        sys.stdout = self.stdout
        sys.stderr = self.stderr
        if self.fatal is not None:
            sys.__stderr__ = self.fatal
        try:
            self.hello()
            return self._loop()
        finally:
            self.stdout.flush()
            self.stderr.flush()
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__

    def _loop(self) -> int:
        from ._wire import EndOfStream, FrameError

        while True:
            try:
                message = self.channel.receive()
            except EndOfStream:
                return 0  # the runtime went away: nothing left to do
            except FrameError as exc:
                self._protocol_error(exc.index, exc.check, str(exc), exc.seq)
                return EXIT_PROTOCOL_ERROR
            kind = message["type"]
            if kind == "run_batch":
                self.run_batch(message)
            elif kind == "run":
                self.run(message)
            elif kind == "halt":
                pass  # the batch it was meant to stop has already ended
            elif kind == "delete":
                self.delete(message)
            elif kind == "set_ui_value":
                from ._uiflow import set_ui_value

                set_ui_value(self, message)
            elif kind == "capture":
                from ._persist import capture

                capture(self, message)
            elif kind == "restore":
                from ._persist import restore

                try:
                    restore(self, message)
                except FrameError as exc:
                    self._protocol_error(exc.index, exc.check, str(exc), exc.seq)
                    return EXIT_PROTOCOL_ERROR
            elif kind == "shutdown":
                return 0
            else:
                self._protocol_error(
                    self.channel._recv_seq - 1,
                    "unknown_type",
                    "unknown message type %r" % kind,
                    None,
                )
                return EXIT_PROTOCOL_ERROR

    def _protocol_error(self, index, check, text, seq):
        try:
            self.send(
                {
                    "type": "protocol_error",
                    "frame_index": index,
                    "seq": seq,
                    "check": check,
                    "message": text,
                }
            )
        except OSError:
            pass

    def delete(self, message):
        removed = []
        for name in message.get("names") or []:
            if isinstance(name, str) and name in self.namespace and not name.startswith("__"):
                del self.namespace[name]
                removed.append(name)
        for cell_id in message.get("cells") or []:
            removed.extend(self._drop_private(str(cell_id)))
            self._forget_elements(str(cell_id))
            self.programs.pop(str(cell_id), None)
        self.send({"type": "deleted", "names_removed": removed})

    def _forget_elements(self, cell_id):
        """The elements a cell's last run made are gone once it runs again
        or is deleted (only when a notebook has used `weir.ui`)."""
        core = sys.modules.get("weir.ui._core")
        if core is not None:
            core.REGISTRY.forget_cell(cell_id)

    def _drop_private(self, cell_id):
        removed = []
        for name in self.private.pop(cell_id, ()):
            if self.namespace.pop(name, _MISSING) is not _MISSING:
                removed.append(name)
        return removed

    def run(self, message):
        from ._execute import compile_cell

        cell_id = str(message.get("cell_id"))
        name = str(message.get("name") or "_")
        code = message.get("code") or ""
        filename = message.get("filename_hint") or "<cell %s (%s)>" % (name, cell_id)
        self._forget(cell_id, message.get("delete"))
        self._execute(cell_id, filename, code, lambda: compile_cell(code, filename, cell_id))

    def run_batch(self, message):
        """Run entries in order with no round trip between them
        (docs/protocol.md, version 4).  Before each entry: stop if the
        runtime sent `halt` or an interrupt came between cells.  An entry
        whose required entries did not all end ok is skipped (after its
        deletes) with no message: the runtime applies the same rule."""
        interrupts = self.interrupts
        entries = message.get("entries") or ()
        # Every entry's code is kept now, run or not: the runtime counts it
        # as held from the moment it sent it.
        for entry in entries:
            if entry.get("code") is not None:
                self._program(str(entry.get("cell_id")), entry)
        statuses = {}
        ran = compiled = 0
        halted = False
        interrupts.stop = False
        interrupts.batch = True
        try:
            for entry in entries:
                if interrupts.stop:
                    break
                if self._halt_waiting():
                    halted = True
                    break
                cell_id = str(entry.get("cell_id"))
                self._forget(cell_id, entry.get("delete"), quietly=True)
                ran += 1
                blocked = False
                for required in entry.get("requires") or ():
                    if statuses.get(required, "ok") != "ok":
                        blocked = True
                        break
                if blocked:
                    statuses[cell_id] = "skipped"
                    continue
                program = self._held(cell_id, entry)
                if program.compiled is None:
                    compiled += 1
                # Each `done` but the last is written with the next
                # `started` (or `batch_done`): one write and one wake-up of
                # the runtime's reader per cell instead of two.
                status = self._execute(
                    cell_id, program.filename, program.code, program.prepare, program.source,
                    later=True, summarize=entry.get("summarize"),
                )
                statuses[cell_id] = status
                if status == "interrupted":
                    break
        except BaseException:
            self.flush()  # what was sent stays in order before the failure
            raise
        finally:
            interrupts.batch = False
            interrupts.stop = False
            for note in self.fdio.end_run():
                self.stderr.write(note)
            self.stderr.flush()
        uiflow = sys.modules.get("weir._uiflow")
        if uiflow is not None and uiflow._RESET:
            uiflow.after_run()
        self.send({"type": "batch_done", "ran": ran, "halted": halted, "compiled": compiled})

    def _halt_waiting(self):
        """Whether a frame (a `halt`) is waiting: buffered by the channel
        or on the protocol pipe (a poll with no timeout, one system call)."""
        pending = getattr(self.channel, "pending", None)
        return bool(pending()) if pending is not None else False

    def _filename(self, cell_id, entry):
        name = str(entry.get("name") or "_")
        return entry.get("filename_hint") or "<cell %s (%s)>" % (name, cell_id)

    def _program(self, cell_id, entry):
        """Keep an entry's code (sent because it changed) as the cell's
        one program."""
        from ._execute import Program

        self.programs[cell_id] = Program(
            entry.get("code_hash"),
            entry.get("code"),
            self._filename(cell_id, entry),
            cell_id,
            entry.get("display"),
            bool(entry.get("private")),
        )

    def _held(self, cell_id, entry):
        """The program an entry names by its code hash."""
        code_hash = entry.get("code_hash")
        program = self.programs.get(cell_id)
        if program is None or program.code_hash != code_hash:
            # The runtime believed this worker held the code: say so in
            # the cell rather than run something else.
            from ._execute import Program

            program = Program.missing(code_hash, self._filename(cell_id, entry), cell_id)
        return program

    def _forget(self, cell_id, delete, quietly=False):
        """Before a cell runs (or is skipped): what it defined last time,
        and the private names it kept, leave the namespace.  `quietly`: a
        `done` held back (`send_later`) is written before anything is
        freed that may run user code (`__del__`): such code must not delay
        it, nor a crash in it lose it.  Numbers, strings, bytes and None
        run nothing when freed; then the `done` waits for the next frame."""
        namespace = self.namespace
        dropped = []
        for stale in delete or ():
            if isinstance(stale, str) and not stale.startswith("__"):
                dropped.append(namespace.pop(stale, None))
        if quietly:
            for value in dropped:
                if type(value) not in _PLAIN:
                    self.flush()
                    break
            else:
                if self.private.get(cell_id):
                    self.flush()
        dropped = None
        if self.private:
            self._drop_private(cell_id)

    def _execute(self, cell_id, filename, code, prepare, source=None, later=False, summarize=None):
        """Run one cell: `prepare()` gives its compiled code (raising the
        cell's SyntaxError).  Sends `started`, output, `done` (`later`: with
        the next frame, `send_later`); returns the status.  `summarize`:
        names whose summaries `done` carries (docs/protocol.md, "Variable
        summaries"), for an editor session."""
        parts = self._parts
        if parts is None:
            # Imported once, at the first cell: not at start-up, which every
            # run waits for, and not per cell.
            from . import _context
            from ._api import StopCell
            from ._capture import ORIGIN, track_pool_jobs
            from ._execute import error_info, register_source
            from ._render import render

            parts = self._parts = (
                _context, StopCell, ORIGIN, track_pool_jobs, error_info, register_source, render
            )
        _context, StopCell, ORIGIN, track_pool_jobs, error_info, register_source, render = parts
        track_pool_jobs()
        compiled = None
        if source is None:
            register_source(filename, code)
        else:
            sys.modules["linecache"].cache[filename] = source
        self.cell_files[filename] = cell_id
        self.current_cell = cell_id
        self._forget_elements(cell_id)
        origin = ORIGIN.set(cell_id)
        self.fdio.begin_cell(cell_id)
        status, output, error = "ok", None, None
        previous_sink = _context.set_sink(_WorkerSink(self, cell_id))
        start = time.perf_counter_ns()
        interrupts = self.interrupts
        try:
            try:
                # Armed before `started` goes out: an interrupt sent by a
                # runtime that saw `started` is never lost.
                interrupts.arm()
                self.send({"type": "started", "cell_id": cell_id})
                compiled = prepare()
                value = self.executor.run(compiled.body, compiled.last)
                interrupts.disarm()
                if value is not None:
                    output = render(value)
            except KeyboardInterrupt as exc:
                delivered = interrupts.delivered
                interrupts.disarm()
                if delivered:
                    status = "interrupted"
                else:
                    # Raised by the cell's own code: an error of this cell,
                    # not a request to stop the run.
                    status, error = "error", error_info(exc, filename, self.cell_files)
            except StopCell as stop:
                interrupts.disarm()
                status, output = "stopped", render(stop.output)
            except BaseException as exc:
                # SystemExit too: `exit()` in a cell must not end the worker.
                interrupts.disarm()
                status, error = "error", error_info(exc, filename, self.cell_files)
        except KeyboardInterrupt:
            # An interrupt landed in the first instructions of a handler.
            interrupts.disarm()
            status, output, error = "interrupted", None, None
        duration = time.perf_counter_ns() - start
        if isinstance(self.channel, _ForkedChannel):
            # A forked child that ran on to the end of the cell: its copy of
            # the worker has nothing to report and must not linger.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
        if compiled is not None and compiled.temporaries:
            self._free_temporaries(cell_id, compiled)
        _context.set_sink(previous_sink)
        # fd-level output first: all of it is sent before `done`.  A cell
        # of a batch may hand its pipe to the next one (`_fdio`).
        for note in self.fdio.end_cell(carry=later):
            self.stderr.write(note)
        self.stdout.flush()
        self.stderr.flush()
        ORIGIN.reset(origin)
        self.current_cell = None
        done = {
            "type": "done",
            "cell_id": cell_id,
            "status": status,
            "output": output,
            "error": error,
            "duration_ns": duration,
        }
        if summarize and status != "interrupted":
            # In `done` itself: a message of its own cost a write and a
            # wake-up of the runtime's reader per cell.
            from ._variables import summarize as summaries

            done["variables"] = summaries(self.namespace, summarize)
        modules = sys.modules
        if "weir.ui._core" in modules or "weir._state" in modules:
            from ._uiflow import after_cell

            after_cell(self, done, compiled)
        (self.send_later if later else self.send)(done)
        return status

    def _free_temporaries(self, cell_id, compiled):
        """After a run (whatever its status), as marimo: the cell's private
        names go, except those its late-running code reads."""
        namespace = self.namespace
        for name in compiled.temporaries:
            if name not in compiled.kept:
                namespace.pop(name, None)
        if compiled.kept:
            self.private[cell_id] = compiled.kept


def _start_reaper():
    """Fork the reaper (crates/runtime/src/worker/lifeline.rs): a small
    process that waits for `weir` to go away (end of file on the lifeline
    pipe, whose only write end `weir` holds) and then kills this worker's
    process group, the worker's own children included.  A separate process,
    so that a cell stuck in C code holding the GIL cannot keep it from
    acting.  Without the variable (a worker started by hand) nothing
    happens."""
    value = os.environ.pop("WEIR_LIFELINE_FD", None)
    if not value:
        return
    try:
        fd = int(value)
        os.fstat(fd)
    except (ValueError, OSError):
        return
    leader = os.getpid()
    try:
        pid = os.fork()
    except OSError:
        os.close(fd)
        return
    if pid == 0:
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            # Hold nothing but the lifeline: above all not the protocol
            # pipes, whose end of file tells `weir` that the worker died.
            os.closerange(0, fd)
            os.closerange(fd + 1, 65536)
            while True:
                try:
                    if not os.read(fd, 1):
                        break
                except InterruptedError:
                    continue
                except OSError:
                    break
            # Only the group the worker leads: never the caller's own group.
            if os.getpgrp() == leader:
                os.killpg(leader, signal.SIGKILL)
        finally:
            os._exit(0)
    os.close(fd)


class _ForkedChannel:
    """The protocol as a forked child sees it: gone."""

    def send(self, message):
        raise RuntimeError("weir: a forked child process cannot send to the notebook")

    def send_with_buffers(self, message, buffers):
        self.send(message)

    def receive(self):
        raise RuntimeError("weir: a forked child process cannot read the protocol")


def main() -> int:
    from . import _wire

    _start_reaper()
    # `import marimo` in a cell gets Weir's compatibility layer
    # (docs/marimo-api.md); only a finder now, nothing imported.
    from . import _mohook

    _mohook.install("worker")
    # Read and removed, so that cells and their subprocesses never see it.
    hashes = os.environ.pop("WEIR_HASH_OUTPUTS", None) == "1"
    in_fd, out_fd, fatal_fd = _take_protocol_fds()
    channel = _wire.Channel(in_fd, out_fd)
    _wire.ACTIVE = channel
    return Worker(channel, fatal_fd, hashes).serve()


if __name__ == "__main__":
    sys.exit(main())
