"""Persistent cells, the worker's half: capture a cell's values for the
store, and restore them from bytes the runtime verified.

Capture pickles each name on its own (protocol 5, out-of-band buffers, so a
large NumPy array or Arrow buffer is handed to the pipe without a second
copy), hashes every buffer with BLAKE2b-256 *before* it leaves (the runtime
recomputes the hash, so a corruption between the two processes is caught),
and computes each value's canonical hash for `weir verify`
(`_valuehash`).  A value that cannot be pickled is reported by name.

Restore receives each value's buffers as binary frames, straight into
preallocated memory, and unpickles over memoryviews of it: NumPy arrays
come back backed by the received bytes, not a copy.

docs/protocol.md has the messages; docs/persistence.md the whole flow.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import os
import pickle
import types

from ._valuehash import value_hash

# Test hook: flip a bit of the first buffer *after* it was hashed, as a
# corruption in transit would (crates/cli/tests/persist_boundary.rs).
_CORRUPT_ENV = "WEIR_TEST_CORRUPT_TRANSFER"


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
        if not isinstance(name, str) or name not in namespace:
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


def restore(worker, message):
    """Read the announced binary frames, unpickle each value into the
    namespace, reply `restored` (with an `error` if a value would not
    load: the runtime then runs the cell instead)."""
    cell_id = str(message.get("cell_id"))
    channel = worker.channel
    from ._wire import MAX_PAYLOAD

    # Every announced frame is read before anything can fail, so the
    # stream stays in step whatever happens below.
    received = []
    for spec in message.get("values") or []:
        bufs = []
        for length in spec.get("buffers") or []:
            memory = bytearray(length)
            view = memoryview(memory)
            at = 0
            while True:
                want = min(MAX_PAYLOAD, length - at)
                at += channel.receive_binary(view[at : at + want])
                if at >= length:
                    break
            bufs.append(view)
        received.append((spec.get("name"), bufs))
    restored, error = [], None
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
