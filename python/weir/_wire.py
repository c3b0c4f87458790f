"""The worker protocol's frame layer: encode, decode and check frames.

Mirrors `crates/runtime/src/frame.rs`; docs/protocol.md has the byte table.
A frame is a fixed 24-byte little-endian header followed by a payload: a
UTF-8 JSON message (kind 1) or raw bytes (kind 2, the buffers of a value
that a JSON message announced just before).  Every check failure raises `FrameError` naming the frame and the
check, because a corrupted protocol stream must never be used silently.
"""

from __future__ import annotations

import json
import math
import os
import select
import struct
import sys
import threading
import zlib

MAGIC = b"WEIR"
PROTOCOL_VERSION = 4
KIND_JSON = 1
KIND_BINARY = 2
HEADER_LEN = 24
MAX_PAYLOAD = 256 * 1024 * 1024
READ_CHUNK = 64 * 1024
RELAY_CHUNK = 1024 * 1024
# How long the rest of a started frame may take to arrive (see `_fill`).
STALL_SECONDS = 10

# magic, version, kind, flags, seq, payload length, payload crc, header crc
_HEADER = struct.Struct("<4sBBHIIII")
_HEADER_NO_CRC = struct.Struct("<4sBBHIII")


class FrameError(Exception):
    """A frame failed a check.  `check` is a short machine-readable name."""

    def __init__(self, index, check, message, seq=None, kind=None):
        super().__init__(
            "bad frame #%d (seq field %s, kind %s): %s: %s"
            % (index, seq, kind, check, message)
        )
        self.index = index
        self.check = check
        self.detail = message
        self.seq = seq
        self.kind = kind


class EndOfStream(Exception):
    """The peer closed the pipe cleanly, between frames."""


def encode_header(seq: int, payload, kind: int = KIND_JSON) -> bytes:
    """The 24-byte header of the frame carrying `payload` (bytes or a
    memoryview), so large payloads can be written after it uncopied."""
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(
            "payload of %d bytes exceeds the %d byte maximum" % (len(payload), MAX_PAYLOAD)
        )
    head = _HEADER_NO_CRC.pack(
        MAGIC, PROTOCOL_VERSION, kind, 0, seq & 0xFFFFFFFF, len(payload), zlib.crc32(payload)
    )
    return head + struct.pack("<I", zlib.crc32(head))


def encode_frame(seq: int, payload: bytes, kind: int = KIND_JSON) -> bytes:
    return encode_header(seq, payload, kind) + payload


def _json_safe(value, depth=0):
    """`value` with what JSON cannot carry made visible instead: NaN and
    infinities as strings, anything nested past 100 levels as a marker.
    Only used when a message failed to encode, which outputs (checked by
    `_render`) never should."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if depth > 100:
        return "<nested too deep>"
    if isinstance(value, dict):
        return {str(k): _json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v, depth + 1) for v in value]
    return value


# One encoder for every message: `json.dumps` with options builds a new
# one per call, a cost paid twice per cell.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _refuse(value):
    raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)


def _one_shot_encoder():
    """`_ENCODER.encode` without its cost per call: `JSONEncoder` builds a
    new C encoder for every message, most of the time a small message
    takes.  No circular-reference markers: a cycle ends in RecursionError,
    which `encode_message` handles as it handles too deep a value.  Used
    only where it writes what `_ENCODER` writes."""
    try:
        from json.encoder import c_make_encoder, encode_basestring

        encoder = c_make_encoder(None, _refuse, encode_basestring, None, ":", ",", False, False, False)
        sample = {"a": [1, 2.5, None, True, "é\n\u2028"], "b": {"c": -0.0}}
        if "".join(encoder(sample, 0)) != _ENCODER.encode(sample):
            return _ENCODER.encode
    except Exception:
        return _ENCODER.encode
    join = "".join
    return lambda message: join(encoder(message, 0))


_to_json = _one_shot_encoder()


def encode_message(seq: int, message: dict) -> bytes:
    # allow_nan=False: Python would write NaN, which the Rust side (rightly)
    # refuses as not JSON, and a refused frame ends the worker.
    try:
        text = _to_json(message)
    except (ValueError, RecursionError):
        text = json.dumps(
            _json_safe(message), ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )
    try:
        payload = text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates (e.g. from surrogateescape-decoded bytes) are not
        # valid UTF-8 and the Rust side's JSON parser refuses them.
        payload = text.encode("utf-8", "replace")
    return encode_frame(seq, payload)


def check_header(index: int, expected_seq: int, header: bytes):
    """Validate a 24-byte header; return (kind, payload_length, payload_crc)."""
    magic, version, kind, flags, seq, length, pcrc, hcrc = _HEADER.unpack(header)
    if magic != MAGIC:
        raise FrameError(index, "magic", "expected %r, got %r" % (MAGIC, magic))
    actual_hcrc = zlib.crc32(header[:20])
    if actual_hcrc != hcrc:
        raise FrameError(
            index,
            "header_crc",
            "expected %08x, computed %08x" % (hcrc, actual_hcrc),
            seq,
            kind,
        )
    if version != PROTOCOL_VERSION:
        raise FrameError(
            index, "version", "expected %d, got %d" % (PROTOCOL_VERSION, version), seq, kind
        )
    if kind not in (KIND_JSON, KIND_BINARY):
        raise FrameError(
            index, "kind", "expected %d or %d, got %d" % (KIND_JSON, KIND_BINARY, kind), seq, kind
        )
    if flags != 0:
        raise FrameError(index, "flags", "expected 0, got %d" % flags, seq, kind)
    if seq != expected_seq:
        raise FrameError(
            index, "sequence", "expected %d, got %d" % (expected_seq, seq), seq, kind
        )
    if length > MAX_PAYLOAD:
        raise FrameError(
            index, "length", "maximum %d, got %d" % (MAX_PAYLOAD, length), seq, kind
        )
    return kind, length, pcrc


class Channel:
    """The worker's end of the protocol: private fds, sequence counters.

    Sends may come from any thread (user threads print), so sending is
    serialised by a lock; receiving happens on the main thread only.
    """

    def __init__(self, in_fd: int, out_fd: int):
        # Code in this process can find the input descriptor (/proc/self/fd)
        # and a thread of the user's could read it, taking a request meant
        # for us.  Two defences, docs/protocol.md "Private descriptors":
        # - `isolate()`, called before the first thread a cell starts, moves
        #   the descriptor into a reader thread's private descriptor table:
        #   no other thread can name it any more;
        # - until then (and where isolation is impossible) the input is read
        #   non-blocking after a poll, so a stray reader gets EAGAIN rather
        #   than our bytes when nothing waits, and bytes taken from under us
        #   are reported (readable, then empty; or a frame that stops short)
        #   instead of waited for.
        self._in_fd = in_fd
        os.set_blocking(in_fd, False)
        self._poll = select.poll()
        self._poll.register(in_fd, select.POLLIN)
        self._buf = bytearray()
        self._relay = None  # queue of chunks from the private reader thread
        self._eof = False
        self._out_fd = out_fd
        self._send_lock = threading.Lock()
        self._send_seq = 0
        self._recv_seq = 0
        # Frames `send_later` encoded, written ahead of the next frame.
        self._pending = b""

    def isolate(self) -> bool:
        """Move the input descriptor out of the shared descriptor table,
        into a reader thread's own (Linux `unshare(CLONE_FILES)`).  Returns
        whether the input is now private.  Idempotent; main thread only."""
        if self._relay is not None:
            return True
        unshare = _unshare_files()
        if unshare is None:
            return False
        import queue

        relay = queue.SimpleQueue()
        ready = threading.Event()
        outcome = []
        fd = self._in_fd

        def read_for_main():
            try:
                unshare()
            except OSError as exc:
                outcome.append(exc)
                ready.set()
                return
            outcome.append(None)
            ready.set()
            os.set_blocking(fd, True)  # nobody else can reach it now
            while True:
                try:
                    chunk = os.read(fd, RELAY_CHUNK)
                except InterruptedError:
                    continue
                except OSError as exc:
                    relay.put(exc)
                    return
                relay.put(chunk)
                if not chunk:
                    return

        reader = threading.Thread(target=read_for_main, name="weir-protocol-reader", daemon=True)
        reader._weir_origin = None  # the worker's own, not a cell's
        reader.start()
        ready.wait()
        if outcome[0] is not None:
            return False
        # The reader holds its own copy now; drop ours (the table every
        # other thread shares).  Its number may be reused by anything.
        os.close(fd)
        self._poll = None
        self._relay = relay
        return True

    # -- sending ---------------------------------------------------------
    def send(self, message: dict) -> None:
        with self._send_lock:
            frame = encode_message(self._send_seq, message)
            if self._pending:
                frame = self._pending + frame
                self._pending = b""
            self._write_all(frame)
            self._send_seq = (self._send_seq + 1) & 0xFFFFFFFF

    def send_later(self, message: dict) -> None:
        """Encode a message now (it takes its sequence number here, so the
        order of frames is the order of calls) and write it with the next
        frame or `flush`: one write, and one wake-up of the reader, for
        two messages.  The caller must make sure one of those comes soon."""
        with self._send_lock:
            self._pending += encode_message(self._send_seq, message)
            self._send_seq = (self._send_seq + 1) & 0xFFFFFFFF

    def flush(self) -> None:
        """Write what `send_later` holds."""
        with self._send_lock:
            self._flush_pending()

    def _flush_pending(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, b""
            self._write_all(pending)

    def send_raw(self, data: bytes, advance_seq: bool = True) -> None:
        """Write bytes as they are.  Only for tests of the peer's checks."""
        with self._send_lock:
            self._flush_pending()
            self._write_all(data)
            if advance_seq:
                self._send_seq = (self._send_seq + 1) & 0xFFFFFFFF

    def send_with_buffers(self, message: dict, buffers) -> None:
        """Send a JSON message and then each buffer as binary frames, with
        nothing from another thread in between.  A buffer over MAX_PAYLOAD
        is split across frames; an empty one is one empty frame.  Buffers
        are written as they are (memoryviews: no copy)."""
        with self._send_lock:
            self._flush_pending()
            frame = encode_message(self._send_seq, message)
            self._write_all(frame)
            self._send_seq = (self._send_seq + 1) & 0xFFFFFFFF
            for buf in buffers:
                view = memoryview(buf).cast("B")
                for part in split_buffer(view):
                    self._write_all(encode_header(self._send_seq, part, KIND_BINARY))
                    self._write_all(part)
                    self._send_seq = (self._send_seq + 1) & 0xFFFFFFFF

    @property
    def next_send_seq(self) -> int:
        return self._send_seq

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._out_fd, view)
            view = view[written:]

    # -- receiving -------------------------------------------------------
    def pending(self) -> bool:
        """Whether a frame (or part of one) is waiting: buffered here, with
        the reader thread, or on the descriptor.  Never blocks."""
        if self._buf:
            return True
        if self._relay is not None:
            return not self._relay.empty()
        return bool(self._poll.poll(0))

    def close_input(self) -> None:
        """In a forked child: let go of the input.  Once isolated, the
        number in the shared table no longer names it (nor anything of
        ours), so there is nothing to close."""
        if self._relay is None:
            try:
                os.close(self._in_fd)
            except OSError:
                pass

    def _fill(self, index: int, what: str, inside: bool, have: int, want: int, into=None) -> int:
        """Read what is waiting into the buffer (or straight into the
        memoryview `into`, when reading the descriptor directly); how many
        bytes, 0 at end of stream.  Between frames it waits as long as it
        takes; inside one, on the shared descriptor, at most STALL_SECONDS,
        since the runtime writes each frame in one go and only a stolen
        remainder never comes."""
        if self._eof:
            return 0
        if self._relay is not None:
            chunk = self._relay.get()
            if isinstance(chunk, OSError):
                raise FrameError(index, "read", "reading the %s: %s" % (what, chunk))
            if not chunk:
                self._eof = True
                return 0
            self._buf += chunk
            return len(chunk)
        while True:
            ready = self._poll.poll(STALL_SECONDS * 1000 if inside else None)
            if not ready:
                raise FrameError(
                    index, "stalled",
                    "%d of %d bytes of the %s arrived and no more for %d s: another "
                    "thread of this process may be reading the protocol descriptor (fd %d)%s"
                    % (have, want, what, STALL_SECONDS, self._in_fd, _suspects()),
                )
            try:
                # Again before each read: the flag belongs to the open file,
                # which a thread of the user's could have made blocking.
                os.set_blocking(self._in_fd, False)
                if into is not None:
                    n = os.readv(self._in_fd, [into])
                else:
                    chunk = os.read(self._in_fd, READ_CHUNK)
                    self._buf += chunk
                    n = len(chunk)
            except BlockingIOError:
                # Readable a moment ago, empty now: only this thread reads
                # here, so somebody else took the bytes.
                raise FrameError(
                    index, "stolen",
                    "bytes of the %s waiting on the protocol descriptor (fd %d) were taken "
                    "by another reader in this process%s" % (what, self._in_fd, _suspects()),
                )
            except InterruptedError:
                continue
            if not n:
                self._eof = True
            return n

    def _read_exact(self, n: int, index: int, what: str, at_boundary: bool) -> bytes:
        buf = self._buf
        while len(buf) < n:
            have = len(buf)
            # A header may be long in coming (the runtime may be reading a
            # value's buffers from disk before it sends the next frame); the
            # rest of a frame that has begun comes in the same write.
            inside = have > 0 or what != "header"
            if not self._fill(index, what, inside, have, n):
                if at_boundary and have == 0:
                    raise EndOfStream()
                raise FrameError(
                    index, "truncated", "end of stream inside the %s: %d of %d bytes" % (what, have, n)
                )
        data = bytes(buf[:n])
        del buf[:n]
        return data

    def receive(self) -> dict:
        """Read one frame and return its JSON object.  Raises FrameError."""
        index = self._recv_seq
        header = self._read_exact(HEADER_LEN, index, "header", at_boundary=True)
        kind, length, pcrc = check_header(index, self._recv_seq, header)
        seq = self._recv_seq
        if kind != KIND_JSON:
            raise FrameError(index, "kind", "a binary frame where a message was due", seq, kind)
        payload = self._read_exact(length, index, "payload", at_boundary=False)
        actual = zlib.crc32(payload)
        if actual != pcrc:
            raise FrameError(
                index, "payload_crc", "expected %08x, computed %08x" % (pcrc, actual), seq, kind
            )
        self._recv_seq = (self._recv_seq + 1) & 0xFFFFFFFF
        try:
            message = json.loads(payload.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise FrameError(index, "json", "payload is not UTF-8 JSON: %s" % exc, seq, kind)
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise FrameError(
                index, "message", "payload is not a JSON object with a string \"type\"", seq, kind
            )
        return message

    def receive_binary(self, into: memoryview) -> int:
        """Read one binary frame's payload straight into `into` (no copy);
        return its length.  Raises FrameError, also when the frame is not
        binary or longer than `into`."""
        index = self._recv_seq
        header = self._read_exact(HEADER_LEN, index, "header", at_boundary=False)
        kind, length, pcrc = check_header(index, self._recv_seq, header)
        seq = self._recv_seq
        if kind != KIND_BINARY:
            raise FrameError(index, "kind", "a message where a binary frame was due", seq, kind)
        if length > len(into):
            raise FrameError(
                index, "length", "%d bytes where at most %d were announced" % (length, len(into)),
                seq, kind,
            )
        have = 0
        while have < length:
            buf = self._buf
            if buf:
                n = min(len(buf), length - have)
                into[have : have + n] = buf[:n]
                del buf[:n]
                have += n
                continue
            direct = self._relay is None
            n = self._fill(index, "payload", True, have, length, into[have:length] if direct else None)
            if not n:
                raise FrameError(
                    index, "truncated",
                    "end of stream inside the payload: %d of %d bytes" % (have, length),
                )
            if direct:
                have += n
        actual = zlib.crc32(into[:length])
        if actual != pcrc:
            raise FrameError(
                index, "payload_crc", "expected %08x, computed %08x" % (pcrc, actual), seq, kind
            )
        self._recv_seq = (self._recv_seq + 1) & 0xFFFFFFFF
        return length


def _unshare_files():
    """A function giving the calling thread a private copy of the
    descriptor table (`unshare(CLONE_FILES)`), or None where there is
    none (not Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    if hasattr(os, "unshare"):  # Python >= 3.12
        return lambda: os.unshare(os.CLONE_FILES)
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        call = libc.unshare
    except (ImportError, OSError, AttributeError):
        return None

    def unshare():
        if call(0x400) != 0:  # CLONE_FILES
            errno = ctypes.get_errno()
            raise OSError(errno, os.strerror(errno))

    return unshare


def _suspects() -> str:
    """The threads cells started that are still alive, for a message about
    a stolen frame (`_capture.track_origins` tags each with its cell)."""
    named = []
    for thread in threading.enumerate():
        if thread is threading.main_thread():
            continue
        cell = getattr(thread, "_weir_origin", None)
        if cell is not None:
            named.append("%s (started by cell %s)" % (thread.name, cell))
    return ("; threads alive: " + ", ".join(named)) if named else ""


def split_buffer(view: memoryview):
    """The frame payloads one buffer travels in: at least one frame, none
    over MAX_PAYLOAD (the Rust side splits the same way)."""
    if len(view) == 0:
        return [view]
    return [view[i : i + MAX_PAYLOAD] for i in range(0, len(view), MAX_PAYLOAD)]


# The worker's channel while a worker runs in this process; tests of the
# Rust side's frame checks reach it from cell code to send corrupted frames.
ACTIVE = None  # type: Channel | None
