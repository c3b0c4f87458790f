"""A canonical hash of a Python value, stable across processes.

`weir verify` re-runs a notebook in a fresh worker and compares what each
persisted cell computed with what was stored.  Pickle bytes cannot be
compared: under string-hash randomisation a set of strings pickles in a
different order in every process.  So values are hashed by structure:

- None, bool, int, float, complex, str, bytes: their value, tagged by type;
- list and tuple: their elements in order;
- dict: its items sorted by the hash of each key (equal dicts hash equal
  whatever their insertion order);
- set and frozenset: their elements' hashes, sorted;
- numpy arrays (only if numpy is already imported): dtype, shape and the
  bytes of a C-contiguous copy (object arrays element by element);
- pandas Series/DataFrame/Index (only if pandas is already imported):
  `pandas.util.hash_pandas_object` plus columns, index names and dtypes;
- anything else: its pickle (protocol 5).  Such objects can hash
  differently across processes (a set inside a user class, say), so `weir
  verify` may call them "differs" when they are not: documented in
  docs/persistence.md.

The digest is BLAKE2b-256 (hashlib, standard library), hex.
"""

from __future__ import annotations

import hashlib
import math
import pickle
import struct
import sys

_MAX_DEPTH = 200


def _h(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


class _Hasher:
    def __init__(self):
        self.active = set()  # ids on the current path: cycles

    def digest(self, obj, depth=0) -> bytes:
        if depth > _MAX_DEPTH:
            return _h(b"deep:" + self._pickled(obj))
        if obj is None:
            return _h(b"N")
        t = type(obj)
        if t is bool:
            return _h(b"B1" if obj else b"B0")
        if t is int:
            return _h(b"I" + str(obj).encode("ascii"))
        if t is float:
            if math.isnan(obj):
                return _h(b"Fnan")
            return _h(b"F" + struct.pack("<d", obj))
        if t is complex:
            return _h(b"C" + self.digest(obj.real) + self.digest(obj.imag))
        if t is str:
            return _h(b"S" + obj.encode("utf-8", "surrogatepass"))
        if t is bytes or t is bytearray:
            return _h(b"Y" + bytes(obj))
        if t in (list, tuple, dict, set, frozenset):
            key = id(obj)
            if key in self.active:
                return _h(b"cycle")
            self.active.add(key)
            try:
                return self._container(obj, t, depth)
            finally:
                self.active.discard(key)
        special = self._library(obj, depth)
        if special is not None:
            return special
        return _h(b"P" + type(obj).__qualname__.encode() + b":" + self._pickled(obj))

    def _container(self, obj, t, depth):
        h = hashlib.blake2b(digest_size=32)
        if t is list or t is tuple:
            h.update(b"L" if t is list else b"T")
            h.update(struct.pack("<Q", len(obj)))
            for item in obj:
                h.update(self.digest(item, depth + 1))
        elif t is dict:
            h.update(b"D")
            items = sorted(
                (self.digest(k, depth + 1), self.digest(v, depth + 1)) for k, v in obj.items()
            )
            h.update(struct.pack("<Q", len(items)))
            for k, v in items:
                h.update(k)
                h.update(v)
        else:
            h.update(b"E" if t is set else b"Z")
            items = sorted(self.digest(item, depth + 1) for item in obj)
            h.update(struct.pack("<Q", len(items)))
            for item in items:
                h.update(item)
        return h.digest()

    def _library(self, obj, depth):
        np = sys.modules.get("numpy")
        if np is not None and isinstance(obj, np.ndarray):
            h = hashlib.blake2b(digest_size=32)
            h.update(b"A" + obj.dtype.str.encode() + repr(obj.shape).encode())
            if obj.dtype.hasobject:
                for item in obj.ravel().tolist():
                    h.update(self.digest(item, depth + 1))
            else:
                h.update(memoryview(np.ascontiguousarray(obj)).cast("B"))
            return h.digest()
        pd = sys.modules.get("pandas")
        if pd is not None and isinstance(obj, (pd.DataFrame, pd.Series, pd.Index)):
            h = hashlib.blake2b(digest_size=32)
            h.update(b"pandas:" + type(obj).__name__.encode())
            try:
                hashed = pd.util.hash_pandas_object(obj, index=not isinstance(obj, pd.Index))
                h.update(hashed.to_numpy().tobytes())
            except TypeError:
                h.update(self._pickled(obj))
            h.update(repr(getattr(obj, "shape", None)).encode())
            if isinstance(obj, pd.DataFrame):
                h.update(self.digest([str(c) for c in obj.columns], depth + 1))
                h.update(self.digest([str(d) for d in obj.dtypes], depth + 1))
            else:
                h.update(str(getattr(obj, "dtype", "")).encode())
            h.update(self.digest([str(n) for n in getattr(obj, "index", obj).names], depth + 1))
            return h.digest()
        return None

    @staticmethod
    def _pickled(obj) -> bytes:
        try:
            return pickle.dumps(obj, protocol=5)
        except Exception:
            # Not picklable: only its type says anything stable about it.
            return b"unpicklable:" + type(obj).__module__.encode() + b"." + type(obj).__qualname__.encode()


def value_hash(obj) -> str:
    """BLAKE2b-256 (hex) of `obj`'s canonical form (see the module doc)."""
    return _Hasher().digest(obj).hex()
