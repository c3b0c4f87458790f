"""`sys.stdout` / `sys.stderr` inside the worker: text becomes `stream`
messages for the runtime.

Text is batched (sent at a newline, past 4 KiB, or when the cell ends) and
cut into chunks of at most CHUNK characters, so a cell printing 100 MB
never builds one huge message on either side.
"""

from __future__ import annotations

import codecs
import io
import threading

FLUSH_AT = 4 * 1024
CHUNK = 64 * 1024


class CellStream(io.TextIOBase):
    def __init__(self, name: str, fd: int, send, current_cell):
        super().__init__()
        self._name = name
        self._fd = fd
        self._send = send
        self._current_cell = current_cell  # () -> cell id or None
        self._lock = threading.RLock()
        self._parts = []
        self._size = 0

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
        with self._lock:
            self._parts.append(text)
            self._size += len(text)
            if self._size > FLUSH_AT or "\n" in text:
                self._drain()
        return len(text)

    def flush(self):
        with self._lock:
            self._drain()

    def _drain(self):
        if not self._parts:
            return
        text = "".join(self._parts)
        self._parts = []
        self._size = 0
        cell = self._current_cell()
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
