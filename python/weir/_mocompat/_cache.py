"""`marimo.cache`, `lru_cache`, `persistent_cache` in Weir: memoisation in
the worker's memory, keyed as marimo keys it: the call's arguments and the
values of the globals (and closure variables) the function reads, so a
cell that changes a name the function depends on misses the cache.

`persistent_cache` is the same in-memory cache here: the worker cannot
reach Weir's verified store (the runtime owns it); cells persist through
Weir's own `persist` cell option instead (docs/marimo-api.md).  Used as a
context manager (`with mo.cache("name"):`) the block simply runs: always
correct, never cached.
"""

from __future__ import annotations

import functools
import threading
import types
from collections import OrderedDict

_MISSING = object()


def _code_names(code, out):
    out.update(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _code_names(const, out)
    return out


def _part(value):
    """One piece of a key: the value itself when hashable (equality, as
    functools' caches), else a content hash, else its identity."""
    try:
        hash(value)
        return ("=", value)
    except TypeError:
        pass
    try:
        import pickle

        pickle.dumps(value, protocol=5)
    except Exception:
        return ("id", id(value))
    from .._valuehash import value_hash

    return ("#", value_hash(value))


class CacheInfo(tuple):
    """`(hits, misses, maxsize, currsize)`, as `functools.lru_cache`."""

    def __new__(cls, hits, misses, maxsize, currsize):
        return tuple.__new__(cls, (hits, misses, maxsize, currsize))

    hits = property(lambda self: self[0])
    misses = property(lambda self: self[1])
    maxsize = property(lambda self: self[2])
    currsize = property(lambda self: self[3])

    def __repr__(self):
        return "CacheInfo(hits=%d, misses=%d, maxsize=%r, currsize=%d)" % tuple(self)


class Cached:
    def __init__(self, fn, maxsize=None, pin_modules=False):
        functools.update_wrapper(self, fn)
        self.__wrapped__ = fn
        self.maxsize = maxsize
        self._entries = OrderedDict()
        self._lock = threading.RLock()
        self._names = sorted(_code_names(fn.__code__, set())) if hasattr(fn, "__code__") else []
        self.hits = 0
        self.misses = 0

    def _key(self, args, kwargs):
        fn = self.__wrapped__
        scope = getattr(fn, "__globals__", {})
        refs = []
        for name in self._names:
            value = scope.get(name, _MISSING)
            if value is not _MISSING and not isinstance(value, types.ModuleType):
                refs.append((name, _part(value)))
        closure = tuple(_part(c.cell_contents) for c in (getattr(fn, "__closure__", None) or ()) if _has(c))
        return (
            tuple(_part(a) for a in args),
            tuple(sorted((k, _part(v)) for k, v in kwargs.items())),
            tuple(refs),
            closure,
        )

    def __call__(self, *args, **kwargs):
        key = self._key(args, kwargs)
        with self._lock:
            value = self._entries.get(key, _MISSING)
            if value is not _MISSING:
                self.hits += 1
                self._entries.move_to_end(key)
                return value
            self.misses += 1
        value = self.__wrapped__(*args, **kwargs)
        with self._lock:
            self._entries[key] = value
            if self.maxsize is not None:
                while len(self._entries) > self.maxsize:
                    self._entries.popitem(last=False)
        return value

    def __get__(self, obj, objtype=None):
        return self if obj is None else functools.partial(self, obj)

    def cache_info(self):
        return CacheInfo(self.hits, self.misses, self.maxsize, len(self._entries))

    def cache_clear(self):
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0


def _has(cell):
    try:
        cell.cell_contents
        return True
    except ValueError:
        return False


class _Block:
    """`with mo.cache("name"):`: the block runs every time (see the module
    doc); `.hits` stays 0."""

    def __init__(self, name):
        self.name = name
        self.hits = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _decorator(default_maxsize):
    def make(fn=None, *args, maxsize=default_maxsize, **kwargs):
        if isinstance(fn, str) or (fn is None and "name" in kwargs):
            return _Block(fn if isinstance(fn, str) else kwargs["name"])
        if fn is None:
            return lambda f: Cached(f, maxsize)
        if not callable(fn):
            raise TypeError("marimo cache: expected a function or a block name, got %s" % type(fn).__name__)
        return Cached(fn, maxsize)

    return make


cache = _decorator(None)
lru_cache = _decorator(128)
persistent_cache = _decorator(None)
