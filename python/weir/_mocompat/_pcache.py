"""`mo.persistent_cache`'s disk layer: one verified file per entry under
`<notebook dir>/__weir__/cache/` (docs/persistence.md, "persistent_cache").

Keys are content only (no `id()`), so a key means the same thing in a new
process: the function's code (structure, not file or line), its defaults,
the call's arguments, and the values of the globals and closure variables
it reads.  A value that has no content hash makes the call fall back to
the in-memory cache.

An entry is checked before its pickle is touched: magic, version, a header
checksum, the key it was stored for (a file copied onto another key's name
is refused), the payload's length and BLAKE2b-256, and a MAC (keyed
BLAKE2b) under the user's store key, since unpickling runs code and only
entries the user's own Weir wrote may be loaded (docs/store.md, "Trust").
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import struct
import sys
import types

from .._valuehash import _Hasher
from ._cache import _code_names

MAGIC = b"WEIRPC\r\n"
VERSION = 1
# magic 8, version u32, header length u32, payload length u64, key 32,
# payload hash 32, header checksum 32 (over the bytes before it), MAC 32
# (over the bytes before it).
_FIXED = struct.Struct("<8sIIQ")
HEADER_LEN = _FIXED.size + 32 * 4
_CHECKSUM_AT = _FIXED.size + 64
_MAC_AT = _CHECKSUM_AT + 32
SUFFIX = ".weircache"
KEY_LEN = 32
# Domain separation from every other use of the store key.
_MAC_CONTEXT = b"weir-cache v1 entry MAC"


class Unhashable(Exception):
    """A value in the key has no content hash (its pickle failed)."""


class EntryError(Exception):
    """An entry file failed a check; never used."""


class KeyFileError(Exception):
    """The store key cannot be read or created."""


def _b2(data=b"", **kw):
    return hashlib.blake2b(data, digest_size=32, **kw)


class _ContentHasher(_Hasher):
    """`_valuehash`'s canonical hash, except that nothing falls back to
    a value's type: an unpicklable value is `Unhashable` (two different
    generators must never share a key), and functions hash by their code."""

    def __init__(self):
        super().__init__()
        self.functions = set()

    def digest(self, obj, depth=0):
        if isinstance(obj, types.FunctionType):
            return self.function(obj, depth)
        if getattr(type(obj), "_weir_cached", False):
            # Another cached function (or this one, called recursively).
            return self.function(obj.__wrapped__, depth)
        if isinstance(obj, types.ModuleType):
            return _b2(b"M" + obj.__name__.encode()).digest()
        if isinstance(obj, type):
            # By name: pickle would do the same, and fails for notebook classes.
            return _b2(b"K" + ("%s.%s" % (obj.__module__, obj.__qualname__)).encode()).digest()
        return super().digest(obj, depth)

    @staticmethod
    def _pickled(obj):
        try:
            return pickle.dumps(obj, protocol=5)
        except Exception as e:
            raise Unhashable("%s (%s)" % (type(obj).__qualname__, e)) from None

    def function(self, fn, depth=0):
        if id(fn) in self.functions:
            return _b2(b"recursive:" + fn.__qualname__.encode()).digest()
        self.functions.add(id(fn))
        try:
            h = _b2(b"F")
            h.update(("%s.%s" % (fn.__module__, fn.__qualname__)).encode())
            h.update(code_digest(fn.__code__))
            h.update(self.digest(fn.__defaults__, depth + 1))
            h.update(self.digest(fn.__kwdefaults__, depth + 1))
            self.refs(fn, h, depth)
            return h.digest()
        finally:
            self.functions.discard(id(fn))

    def refs(self, fn, h, depth):
        """The values of the globals and closure variables `fn` reads."""
        scope = getattr(fn, "__globals__", {})
        for name in sorted(_code_names(fn.__code__, set())):
            if name in scope:
                h.update(b"g" + name.encode() + b"=" + self.digest(scope[name], depth + 1))
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            h.update(b"c" + name.encode() + b"=" + self.digest(value, depth + 1))


def code_digest(code):
    """A code object by what it does: bytecode, constants (nested code
    objects recursively), names and signature; not its file or lines, so
    moving a cell or editing another one keeps the key."""
    h = _b2(b"C")
    for part in (code.co_code, repr(code.co_names), repr(code.co_varnames),
                 repr(code.co_freevars), repr(code.co_cellvars)):
        h.update(struct.pack("<Q", len(part)) + (part if isinstance(part, bytes) else part.encode()))
    h.update(struct.pack("<4I", code.co_argcount, code.co_posonlyargcount,
                         code.co_kwonlyargcount, code.co_flags))
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            h.update(b"c" + code_digest(const))
        else:
            # Canonically: a frozenset constant (`x in {"a", "b"}`) has a
            # repr ordered by the process's string-hash seed.
            h.update(b"k" + _ContentHasher().digest(const))
    return h.digest()


def entry_key(fn, args, kwargs):
    """The key (32 bytes) of calling `fn(*args, **kwargs)`; raises
    `Unhashable` naming the part that has no content hash."""
    hasher = _ContentHasher()
    h = _b2(b"weir-persistent-cache v1", person=b"weir-pcache-key")
    h.update(("python %d.%d" % sys.version_info[:2]).encode())
    h.update(hasher.function(fn))
    for i, value in enumerate(args):
        try:
            h.update(b"a" + hasher.digest(value))
        except Unhashable as e:
            raise Unhashable("argument %d: %s" % (i + 1, e)) from None
    for name in sorted(kwargs):
        try:
            h.update(b"k" + name.encode() + b"=" + hasher.digest(kwargs[name]))
        except Unhashable as e:
            raise Unhashable("argument `%s`: %s" % (name, e)) from None
    return h.digest()


# --- the user's store key (crates/store/src/key.rs: the same file, rules) ---


def key_file_path():
    explicit = os.environ.get("WEIR_STORE_KEY_FILE")
    if explicit:
        return explicit
    xdg = os.environ.get("XDG_CONFIG_HOME")
    # The XDG spec ignores a relative XDG_CONFIG_HOME (as the runtime does).
    if xdg and os.path.isabs(xdg):
        return os.path.join(xdg, "weir", "store.key")
    home = os.environ.get("HOME")
    if not home:
        raise KeyFileError("no $HOME or $XDG_CONFIG_HOME to keep the store key in; set WEIR_STORE_KEY_FILE")
    return os.path.join(home, ".config", "weir", "store.key")


def _load_key(path):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError as e:
        raise KeyFileError("store key %s: cannot open: %s" % (path, e.strerror)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise KeyFileError("store key %s: not a regular file" % path)
        if st.st_mode & 0o077:
            raise KeyFileError("store key %s: permissions %04o let other users read or change it; "
                               "it must be readable by you alone (chmod 600 %s)" % (path, st.st_mode & 0o777, path))
        if st.st_uid != os.geteuid():
            raise KeyFileError("store key %s: owned by user %d, not by you (user %d)" % (path, st.st_uid, os.geteuid()))
        if st.st_size != KEY_LEN:
            raise KeyFileError("store key %s: %d bytes; a store key file holds exactly %d" % (path, st.st_size, KEY_LEN))
        data = os.read(fd, KEY_LEN + 1)
        if len(data) != KEY_LEN:
            raise KeyFileError("store key %s: cannot read %d bytes" % (path, KEY_LEN))
        return data
    finally:
        os.close(fd)


def _create_key(path):
    """As the runtime creates it: a fsynced temporary file hard-linked to
    the name, so of two creators exactly one wins; None if it lost."""
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, mode=0o700, exist_ok=True)
    secret = os.urandom(KEY_LEN)
    tmp = os.path.join(directory, ".%s.%d.%s.tmp" % (os.path.basename(path), os.getpid(), os.urandom(4).hex()))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, secret)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return None
    finally:
        os.unlink(tmp)
    return secret


def load_or_create_key():
    path = key_file_path()
    try:
        for _ in range(3):
            secret = _load_key(path)
            if secret is not None:
                return secret
            secret = _create_key(path)
            if secret is not None:
                return secret
    except OSError as e:
        raise KeyFileError("store key %s: %s" % (path, e)) from None
    raise KeyFileError("store key %s: appeared and vanished while being created" % path)


def _mac_key(secret):
    return _b2(_MAC_CONTEXT, key=secret).digest()


# --- entry files ---


def entry_path(directory, key):
    return os.path.join(directory, key.hex() + SUFFIX)


def encode(key, payload, secret):
    fixed = _FIXED.pack(MAGIC, VERSION, HEADER_LEN, len(payload)) + key + _b2(payload).digest()
    checked = fixed + _b2(fixed).digest()
    return checked + _b2(checked, key=_mac_key(secret)).digest()


def write_entry(path, key, payload, secret):
    """Atomically: a temporary sibling, fsynced, renamed over the name, the
    directory fsynced; a crash leaves the old entry or the new one."""
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    header = encode(key, payload, secret)
    tmp = os.path.join(directory, ".%s.%d.%s.tmp" % (os.path.basename(path), os.getpid(), os.urandom(4).hex()))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            view = memoryview(header + payload)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def read_entry(path, key, secret):
    """The verified payload of the entry at `path` for `key`; None if there
    is no entry; `EntryError` (the reason) if it fails any check."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except (FileNotFoundError, NotADirectoryError):
        # No entry (or no cache directory: the write will say why).
        return None
    except OSError as e:
        raise EntryError("cannot open it: %s" % e.strerror) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise EntryError("not a regular file")
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read()
    finally:
        os.close(fd)
    return verify(data, key, secret)


def verify(data, key, secret):
    if len(data) < HEADER_LEN:
        raise EntryError("truncated: %d bytes, shorter than the %d-byte header" % (len(data), HEADER_LEN))
    magic, version, header_len, length = _FIXED.unpack_from(data)
    if magic != MAGIC:
        raise EntryError("not a Weir cache entry (wrong magic %r)" % magic)
    if version != VERSION or header_len != HEADER_LEN:
        raise EntryError("format version %d (header %d bytes); this Weir reads version %d" % (version, header_len, VERSION))
    if _b2(data[:_CHECKSUM_AT]).digest() != data[_CHECKSUM_AT:_MAC_AT]:
        raise EntryError("its header checksum does not match (the header is damaged)")
    stored_key = data[_FIXED.size:_FIXED.size + 32]
    if stored_key != key:
        raise EntryError("it was stored for another key (%s…): copied or renamed onto this name, refused as forged"
                         % stored_key.hex()[:12])
    if len(data) - HEADER_LEN != length:
        raise EntryError("its header says %d payload bytes, the file holds %d (truncated or extended)"
                         % (length, len(data) - HEADER_LEN))
    payload = memoryview(data)[HEADER_LEN:]
    if _b2(payload).digest() != data[_FIXED.size + 32:_CHECKSUM_AT]:
        raise EntryError("its payload fails its BLAKE2b-256 check (damaged)")
    if _b2(data[:_MAC_AT], key=_mac_key(secret)).digest() != data[_MAC_AT:HEADER_LEN]:
        raise EntryError("not authenticated: its MAC does not match this user's store key "
                         "(written with another key, or forged)")
    return payload
