"""`marimo.cache`, `lru_cache`, `persistent_cache` in Weir: memoisation
keyed as marimo keys it: the call's arguments and the values of the globals
(and closure variables) the function reads, so a cell that changes a name
the function depends on misses the cache.

`cache` and `lru_cache` live in the worker's memory.  `persistent_cache`
also keeps each result in a verified file under the notebook's
`__weir__/cache/` (`_pcache`), so a new worker or run reads it back
instead of calling the function; a file that fails a check is reported in
the cell's console and rewritten by calling the function again.  Used as a
context manager (`with mo.cache("name"):`) the block simply runs: always
correct, never cached (docs/marimo-api.md).
"""

from __future__ import annotations

import functools
import os
import pickle
import sys
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
    _weir_cached = True

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


class PersistentCached(Cached):
    """`Cached`, with each result also in a verified file: the memory layer
    first, then the file, then the function (whose result is written)."""

    def __init__(self, fn, save_path=None):
        super().__init__(fn, None)
        self._save_path = save_path
        self._noted = set()

    def _note(self, kind, text):
        # One note per kind and function: a fallback is not an error.
        if kind not in self._noted:
            self._noted.add(kind)
            print("weir: persistent_cache `%s`: %s" % (self.__name__, text), file=sys.stderr)

    def _directory(self):
        if self._save_path is not None:
            return os.path.abspath(os.fspath(self._save_path))
        path = getattr(self.__wrapped__, "__globals__", {}).get("__file__")
        if not path:
            return None
        return os.path.join(os.path.dirname(os.path.abspath(path)), "__weir__", "cache")

    def _disk_key(self, args, kwargs):
        """(directory, key, secret), or None to use the memory layer alone."""
        from . import _pcache

        directory = self._directory()
        if directory is None:
            self._note("dir", "no notebook directory (no `__file__`); results are cached in memory only")
            return None
        try:
            key = _pcache.entry_key(self.__wrapped__, args, kwargs)
        except _pcache.Unhashable as e:
            self._note("hash", "%s has no content hash, so calls like this one are cached in memory only" % e)
            return None
        except Exception as e:  # noqa: BLE001 - a library's hash failing (RecursionError, ValueError, ...)
            self._note("hash", "a value could not be hashed (%s: %s); calls like this one are cached in memory only"
                       % (type(e).__name__, e))
            return None
        try:
            secret = _secret()
        except _pcache.KeyFileError as e:
            self._note("key", "%s; results are cached in memory only" % e)
            return None
        return directory, key, secret

    def __call__(self, *args, **kwargs):
        disk = self._disk_key(args, kwargs)
        if disk is None:
            return super().__call__(*args, **kwargs)
        from . import _pcache

        directory, key, secret = disk
        memo = ("disk", key)
        with self._lock:
            value = self._entries.get(memo, _MISSING)
            if value is not _MISSING:
                self.hits += 1
                return value
        path = _pcache.entry_path(directory, key)
        failed = None
        try:
            payload = _pcache.read_entry(path, key, secret)
        except _pcache.EntryError as e:
            payload, failed = None, "failed its check: %s" % e
        if payload is not None:
            try:
                value = pickle.loads(payload)
            except Exception as e:
                failed = "passed its checks but its value does not load (%s: %s)" % (type(e).__name__, e)
            else:
                with self._lock:
                    self.hits += 1
                    self._entries[memo] = value
                return value
        if failed is not None:
            # Never silent: the cell's console names the file.
            print(
                "weir: persistent_cache `%s`: cache entry %s %s; not used: calling `%s` again and rewriting it"
                % (self.__name__, path, failed, self.__name__),
                file=sys.stderr,
            )
        with self._lock:
            self.misses += 1
        value = self.__wrapped__(*args, **kwargs)
        with self._lock:
            self._entries[memo] = value
        try:
            data = pickle.dumps(value, protocol=5)
        except Exception as e:
            self._note("pickle", "its result cannot be pickled (%s: %s); cached in memory only" % (type(e).__name__, e))
            return value
        try:
            _pcache.write_entry(path, key, data, secret)
        except OSError as e:
            self._note("write", "cannot write %s (%s); cached in memory only" % (path, e))
        return value


_SECRETS = {}


def _secret():
    """The user's store key, read (or created) once per key file."""
    from . import _pcache

    path = _pcache.key_file_path()
    if path not in _SECRETS:
        _SECRETS[path] = _pcache.load_or_create_key()
    return _SECRETS[path]


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


def persistent_cache(fn=None, *args, name=None, save_path=None, **kwargs):
    """marimo's signature: a decorator (`save_path`: the entries' directory
    instead of the notebook's `__weir__/cache/`), or `with
    persistent_cache("name"):` (the block runs)."""
    if isinstance(fn, str) or (fn is None and name is not None):
        return _Block(fn if isinstance(fn, str) else name)
    if fn is None:
        return lambda f: PersistentCached(f, save_path)
    if not callable(fn):
        raise TypeError("marimo cache: expected a function or a block name, got %s" % type(fn).__name__)
    return PersistentCached(fn, save_path)


cache = _decorator(None)
lru_cache = _decorator(128)
