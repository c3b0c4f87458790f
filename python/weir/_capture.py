"""`sys.stdout` / `sys.stderr` inside the worker: text becomes `stream`
messages for the runtime, attributed to the cell whose code is writing.

Attribution (docs/protocol.md, "Version 3"): the main thread writes for the
running cell; an asyncio task for the cell that created it (tasks copy the
context, and `ORIGIN` is a context variable); a thread for the cell whose
code started it (`Thread.start` records it), also after that cell ended;
a `ThreadPoolExecutor` job for the cell that submitted it.  Text with no
origin cell (a thread started between cells) is the notebook's own console
(`cell_id` null).  Each origin has its own buffer, so a thread's partial
line never joins another cell's text.

Text is batched (sent at a newline, past 4 KiB, or when the cell ends) and
cut into chunks of at most CHUNK characters, so a cell printing 100 MB
never builds one huge message on either side.
"""

from __future__ import annotations

import codecs
import contextvars
import io
import sys
import threading

_UNSET = object()
# The cell a piece of code runs for; set by the worker around each cell.
ORIGIN = contextvars.ContextVar("weir_origin_cell", default=_UNSET)


# Called (once, then emptied) just before the first thread a cell starts.
BEFORE_FIRST_CELL_THREAD = []


def origin_cell():
    """The cell id the current code writes for, or None (the console)."""
    cell = ORIGIN.get()
    if cell is not _UNSET:
        return cell
    return getattr(threading.current_thread(), "_weir_origin", None)


def track_origins():
    """Make threads remember the cell that made them (and thread-pool jobs
    the cell that submitted them, see `track_pool_jobs`).  Idempotent;
    patches the `threading` classes of this (worker) process only."""
    start = threading.Thread.start
    if getattr(start, "_weir", False):
        return

    def weir_start(self):
        if not hasattr(self, "_weir_origin"):
            self._weir_origin = origin_cell()
        if self._weir_origin is not None and BEFORE_FIRST_CELL_THREAD:
            # Before the thread exists: it must never see the worker's
            # protocol input (`_wire.Channel.isolate`).
            BEFORE_FIRST_CELL_THREAD.pop()()
        return start(self)

    weir_start._weir = True
    threading.Thread.start = weir_start

    # Threads made below `threading` (`_thread.start_new_thread`, which
    # `threading` itself does not call through the module attribute).
    import _thread

    raw_start = _thread.start_new_thread

    def weir_start_new_thread(function, args, kwargs=None):
        if origin_cell() is not None and BEFORE_FIRST_CELL_THREAD:
            BEFORE_FIRST_CELL_THREAD.pop()()
        if kwargs is None:
            return raw_start(function, args)
        return raw_start(function, args, kwargs)

    _thread.start_new_thread = weir_start_new_thread
    track_pool_jobs()


def track_pool_jobs():
    """Jobs of a `ThreadPoolExecutor` write for the cell that submitted
    them.  Only once `concurrent.futures` is loaded: importing it (and the
    `logging` it pulls in) at start-up would cost every worker ~15 ms, so
    the worker calls this before each cell, a dictionary look-up when there
    is nothing to do.  (Jobs submitted by the cell that first imported it
    are attributed through their pool thread, made by that same cell.)"""
    pool = sys.modules.get("concurrent.futures.thread")
    if pool is None:
        return
    submit = pool.ThreadPoolExecutor.submit
    if getattr(submit, "_weir", False):
        return

    def weir_submit(self, fn, /, *args, **kwargs):
        origin = origin_cell()

        def job():
            token = ORIGIN.set(origin)
            try:
                return fn(*args, **kwargs)
            finally:
                ORIGIN.reset(token)

        return submit(self, job)

    weir_submit._weir = True
    pool.ThreadPoolExecutor.submit = weir_submit


FLUSH_AT = 4 * 1024
CHUNK = 64 * 1024


class CellStream(io.TextIOBase):
    def __init__(self, name: str, fd: int, send, origin=origin_cell):
        super().__init__()
        self._name = name
        self._fd = fd
        self._send = send
        self._origin = origin  # () -> cell id or None
        self._lock = threading.RLock()
        self._pending = {}  # origin cell -> [parts, size]

    # -- the file protocol user code expects ------------------------------
    @property
    def name(self):
        return "<%s>" % self._name

    @property
    def encoding(self):
        return "utf-8"

    @property
    def errors(self):
        return "replace"

    def writable(self):
        return True

    def readable(self):
        return False

    def isatty(self):
        return False

    def fileno(self):
        # fd 1 was pointed at fd 2 by the worker; both reach the runtime's
        # stderr reader, so libraries that write to the fd still get seen.
        return self._fd

    @property
    def buffer(self):
        """The binary layer libraries expect (`sys.stdout.buffer.write(b)`):
        bytes are decoded as UTF-8 and join the same text stream."""
        with self._lock:
            if not hasattr(self, "_buffer"):
                self._buffer = _BinaryWriter(self)
            return self._buffer

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("write() argument must be str, not %s" % type(text).__name__)
        if not text:
            return 0
        cell = self._origin()
        with self._lock:
            pending = self._pending.get(cell)
            if pending is None:
                pending = self._pending[cell] = [[], 0]
            pending[0].append(text)
            pending[1] += len(text)
            if pending[1] > FLUSH_AT or "\n" in text:
                self._drain(cell)
        return len(text)

    def flush(self):
        with self._lock:
            for cell in list(self._pending):
                self._drain(cell)

    def _drain(self, cell):
        pending = self._pending.pop(cell, None)
        if not pending or not pending[0]:
            return
        text = "".join(pending[0])
        for start in range(0, len(text), CHUNK):
            self._send(
                {
                    "type": "stream",
                    "cell_id": cell,
                    "name": self._name,
                    "text": text[start : start + CHUNK],
                }
            )


class _BinaryWriter(io.BufferedIOBase):
    """`CellStream.buffer`: bytes in, text out.  A multi-byte character
    split across two writes is decoded whole (incremental decoder)."""

    def __init__(self, text_stream):
        super().__init__()
        self._text = text_stream
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    @property
    def name(self):
        return self._text.name

    def writable(self):
        return True

    def readable(self):
        return False

    def isatty(self):
        return False

    def fileno(self):
        return self._text.fileno()

    def write(self, data):
        data = memoryview(data).cast("B")
        text = self._decoder.decode(bytes(data))
        if text:
            self._text.write(text)
        return len(data)

    def flush(self):
        self._text.flush()
