"""Persistent cells, the worker's half: capture a cell's values for the
store, and restore them from bytes the runtime verified.

Capture pickles each name on its own (protocol 5, out-of-band buffers, so a
large NumPy array or Arrow buffer is handed to the pipe without a second
copy), hashes every buffer with BLAKE2b-256 *before* it leaves (the runtime
recomputes the hash, so a corruption between the two processes is caught),
and computes each value's canonical hash for `weir verify`
(`_valuehash`).  A value that cannot be pickled is reported by name.

Restore receives each value's small buffers as binary frames, straight into
preallocated memory, and maps large ones from the store object files the
runtime has just verified (private copy-on-write mappings), then unpickles
over memoryviews of them: NumPy arrays come back backed by those bytes, not
a copy, and stay writeable.

docs/protocol.md has the messages; docs/persistence.md the whole flow.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import mmap
import os
import pickle
import types

from ._valuehash import value_hash

# Test hook: flip a bit of the first buffer *after* it was hashed, as a
# corruption in transit would (crates/cli/tests/persist_boundary.rs).
_CORRUPT_ENV = "WEIR_TEST_CORRUPT_TRANSFER"
# Test hook: refuse to map object files, as a worker that cannot open them
# would, so the runtime's fall-back to frames is exercised
# (crates/runtime/tests/persist_mapped.rs).
_REFUSE_MAP_ENV = "WEIR_TEST_REFUSE_MAP"


class _Pickler(pickle.Pickler):
    """Pickles modules by name (a cell's `import numpy as np` defines `np`):
    restoring re-imports them, as running the cell would."""

    def reducer_override(self, obj):
        if isinstance(obj, types.ModuleType):
            return importlib.import_module, (obj.__name__,)
        return NotImplemented


def _check_not_notebook_definition(value):
    """A function or class defined in the notebook pickles as a bare
    reference to `__main__.name`, which a fresh worker does not have until
    the defining cell runs: refuse it, so the cell runs instead of storing
    an entry that can never be restored."""
    if isinstance(value, (types.FunctionType, type)) and value.__module__ == "__main__":
        raise pickle.PicklingError(
            "%s %r is defined in the notebook; pickle can only refer to it by name"
            % ("class" if isinstance(value, type) else "function", value.__qualname__)
        )


def _dumps(value, buffer_callback=None) -> bytes:
    out = io.BytesIO()
    _Pickler(out, protocol=5, buffer_callback=buffer_callback).dump(value)
    return out.getvalue()


def _buffers_of(value):
    """[main pickle, out-of-band buffers...] as flat byte memoryviews."""
    _check_not_notebook_definition(value)
    oob = []
    main = _dumps(value, buffer_callback=oob.append)
    try:
        raws = [buf.raw() for buf in oob]
    except BufferError:
        # A non-contiguous buffer cannot travel out of band: pickle in-band.
        return [memoryview(_dumps(value))]
    return [memoryview(main)] + [r.cast("B") if r.format != "B" else r for r in raws]


def _digest(view) -> str:
    return hashlib.blake2b(view, digest_size=32).hexdigest()


def capture(worker, message):
    """Reply `captured` with each name's value hash and, in mode "store",
    its pickle buffers (sent as binary frames right after the reply)."""
    cell_id = str(message.get("cell_id"))
    mode = message.get("mode") or "store"
    namespace = worker.namespace
    values, unpicklable, buffers = [], [], []
    for name in message.get("names") or []:
        # Dunder names are the module's (`__builtins__`, `__file__`): never
        # stored, as a restore would refuse them.
        if not isinstance(name, str) or name not in namespace or _is_dunder(name):
            continue
        value = namespace[name]
        entry = {"name": name, "value_hash": value_hash(value)}
        if mode == "store":
            try:
                views = _buffers_of(value)
            except Exception as exc:  # PicklingError, TypeError, ...
                unpicklable.append({"name": name, "error": "%s: %s" % (type(exc).__name__, exc)})
                continue
            entry["buffers"] = [{"len": v.nbytes, "blake2b": _digest(v)} for v in views]
            buffers.extend(views)
        values.append(entry)
    if buffers and os.environ.get(_CORRUPT_ENV):
        damaged = bytearray(buffers[0])
        damaged[len(damaged) // 2] ^= 0x01
        buffers[0] = memoryview(damaged)
    reply = {
        "type": "captured",
        "cell_id": cell_id,
        "values": values,
        "unpicklable": unpicklable,
    }
    worker.send_with_buffers(reply, buffers)


def map_object(path, offset, length):
    """A store object file's payload as a writable memoryview over a private
    copy-on-write mapping: zero copies, NumPy arrays over it stay writeable,
    and writes only ever touch this process's pages, never the file.

    The runtime verified the file (BLAKE3 of the whole payload) just before
    sending the path; the worker does not hash it again (docs/persistence.md,
    "The worker boundary", has the argument and its limits).  mmap offsets
    must be multiples of the allocation granularity, so the whole file is
    mapped and the header sliced off."""
    if os.environ.get(_REFUSE_MAP_ENV):
        raise PermissionError("mapping refused (%s)" % _REFUSE_MAP_ENV)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        size = os.fstat(fd).st_size
        if size != offset + length:
            raise OSError("%s is %d bytes, %d expected" % (path, size, offset + length))
        # ACCESS_COPY: MAP_PRIVATE with PROT_READ|PROT_WRITE (copy-on-write
        # on Windows too).  The mapping outlives the descriptor.
        mapping = mmap.mmap(fd, offset + length, access=mmap.ACCESS_COPY)
    finally:
        os.close(fd)
    return memoryview(mapping)[offset : offset + length]


def _is_dunder(name):
    return name.startswith("__") and name.endswith("__")


def _refuse_names(received, defs):
    """A restore defines only what the cell defines: the `defs` the runtime
    sent with the request (it checked the record against them too).  Any
    other name, or a `__dunder__` one (`__builtins__`, `__file__`), is
    refused before anything is unpickled."""
    allowed = set(d for d in defs or () if isinstance(d, str))
    for name, _ in received:
        if not isinstance(name, str) or _is_dunder(name) or name not in allowed:
            return {
                "name": str(name),
                "type": "RefusedName",
                "message": "the cell does not define %r; a restore sets only its defs" % (name,),
            }
    return None


def restore(worker, message):
    """Read the announced binary frames and map the announced object files,
    unpickle each value into the namespace, reply `restored` (with an
    `error` if a value would not load: the runtime then runs the cell
    instead; `"file": true` if a file could not be mapped: the runtime then
    sends its bytes)."""
    cell_id = str(message.get("cell_id"))
    channel = worker.channel
    from ._wire import MAX_PAYLOAD

    # Every announced frame is read before anything can fail, so the
    # stream stays in step whatever happens below.  A buffer spec is a
    # length (frames follow) or {path, offset, len} (a verified file).
    received = []
    for spec in message.get("values") or []:
        bufs = []
        for buf in spec.get("buffers") or []:
            if isinstance(buf, dict):
                bufs.append(buf)
                continue
            memory = bytearray(buf)
            view = memoryview(memory)
            at = 0
            while True:
                want = min(MAX_PAYLOAD, buf - at)
                at += channel.receive_binary(view[at : at + want])
                if at >= buf:
                    break
            bufs.append(view)
        received.append((spec.get("name"), bufs))
    error = None
    for name, bufs in received:
        for i, buf in enumerate(bufs):
            if isinstance(buf, dict):
                try:
                    bufs[i] = map_object(str(buf["path"]), int(buf["offset"]), int(buf["len"]))
                except Exception as exc:  # OSError, ValueError, KeyError
                    error = {"name": name, "type": type(exc).__qualname__,
                             "message": str(exc), "file": True}
                    break
        if error is not None:
            break
    if error is None:
        error = _refuse_names(received, message.get("defs"))
    restored = []
    if error is None:
        for name, bufs in received:
            try:
                if not bufs:
                    raise ValueError("no buffers")
                worker.namespace[name] = pickle.loads(bufs[0], buffers=bufs[1:])
                restored.append(name)
            except Exception as exc:
                error = {"name": name, "type": type(exc).__qualname__, "message": str(exc)}
                break
    if error is not None:
        for name in restored:
            worker.namespace.pop(name, None)
        restored = []
    worker.send({"type": "restored", "cell_id": cell_id, "names": restored, "error": error})
