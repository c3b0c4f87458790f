"""Integrity hashes, computed where output is made (docs/editor-protocol.md,
"Integrity"; the same rule as crates/runtime/src/integrity.rs and
frontend/src/integrity.ts).

- Console text: hex BLAKE2b-256 of its UTF-8.
- A MIME bundle: hex BLAKE2b-256 of its canonical JSON: the bundle without
  its "hash" key, no whitespace, object keys sorted by UTF-16 code units,
  strings escaped as `JSON.stringify` escapes them, numbers printed as
  JavaScript prints them (`String(x)`): the browser hashes the value
  `JSON.parse` gives it, so the rule is defined on values, in JavaScript's
  terms.

Only a session that asks (`WEIR_HASH_OUTPUTS=1` at start, the editor) pays
for this: `weir exec` never hashes.
"""

from __future__ import annotations

import hashlib
import json

HASH_ENV = "WEIR_HASH_OUTPUTS"
HASH_KEY = "hash"

# Escapes exactly `"`, `\` and control characters (`\n`, `\u0001`, ...),
# as JSON.stringify does; the C version when the interpreter has it.
_escape = json.encoder.encode_basestring

_MAX_SAFE = 2**53


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=32).hexdigest()


def text_hash(text: str) -> str:
    return _digest(text.encode("utf-8", "surrogatepass"))


def bundle_hash(bundle: dict) -> str:
    parts = []
    _write_object(parts, bundle, skip_hash=True)
    return _digest("".join(parts).encode("utf-8", "surrogatepass"))


def canonical(value) -> str:
    parts = []
    _write(parts, value)
    return "".join(parts)


def js_number(x) -> str:
    """`Number.prototype.toString()` of the double JavaScript parses `x` as."""
    if isinstance(x, int):
        if -_MAX_SAFE <= x <= _MAX_SAFE:
            return str(x)
        try:
            x = float(x)
        except OverflowError:
            return "null"  # JSON.parse gives Infinity; stringify writes null
    if x != x or x in (float("inf"), float("-inf")):
        return "null"
    if x == 0:
        return "0"  # -0 too
    sign = "-" if x < 0 else ""
    # repr gives the shortest digits that round-trip, as JavaScript does;
    # only where the decimal point goes differs.
    text = repr(abs(x))
    mantissa, _, exp = text.partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = whole + frac
    point = len(whole) + (int(exp) if exp else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = _closest(stripped.rstrip("0"), point, abs(x))
    k, n = len(digits), point
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        e_text = ("+" if e >= 0 else "-") + str(abs(e))
        body = digits + "e" + e_text if k == 1 else digits[0] + "." + digits[1:] + "e" + e_text
    return sign + body


def _closest(digits, point, x):
    """Of the shortest digit strings that read back as `x`, the one
    closest to its exact value, the even one on a tie (ECMA-262
    Number::toString). `repr` is shortest too but may pick the other
    neighbour on a tie: 1007289779541.90625 is `...9063` to Python and
    `...9062` to JavaScript."""
    k = len(digits)
    exp = point - k
    best, best_gap = digits, None
    for delta in (-1, 1):
        alt = str(int(digits) + delta)
        if len(alt) != k or float(alt + "e" + str(exp)) != x:
            continue
        from decimal import Decimal

        exact = Decimal(x)
        if best_gap is None:
            best_gap = abs(Decimal(best + "e" + str(exp)) - exact)
        gap = abs(Decimal(alt + "e" + str(exp)) - exact)
        if gap < best_gap or (gap == best_gap and int(alt) % 2 == 0):
            best, best_gap = alt, gap
    return best.rstrip("0") or best


def _key(key) -> str:
    # As json.dumps turns a non-string key into the string the page sees.
    if isinstance(key, str):
        return key
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, float):
        return repr(key)
    return str(key)


def _utf16(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _write_object(parts, obj, skip_hash=False):
    items = [(_key(k), v) for k, v in obj.items()]
    if skip_hash:
        items = [(k, v) for k, v in items if k != HASH_KEY]
    items.sort(key=lambda kv: _utf16(kv[0]))
    parts.append("{")
    first = True
    for key, value in items:
        if not first:
            parts.append(",")
        first = False
        parts.append(_escape(key))
        parts.append(":")
        _write(parts, value)
    parts.append("}")


def _write(parts, value):
    if value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, str):
        parts.append(_escape(value))
    elif isinstance(value, (int, float)):
        parts.append(js_number(value))
    elif isinstance(value, dict):
        _write_object(parts, value)
    elif isinstance(value, (list, tuple)):
        parts.append("[")
        for i, item in enumerate(value):
            if i:
                parts.append(",")
            _write(parts, item)
        parts.append("]")
    else:
        # json.dumps would have refused it; the page gets what it got.
        parts.append(_escape(str(value)))


def stamp(message: dict) -> None:
    """Adds the hash of what a worker message carries: a `stream`'s text,
    an `output`'s or `done`'s bundle (in the bundle, under "hash")."""
    kind = message.get("type")
    if kind == "stream":
        message[HASH_KEY] = text_hash(message["text"])
    elif kind == "output" or kind == "done":
        bundle = message.get("output")
        if isinstance(bundle, dict):
            bundle[HASH_KEY] = bundle_hash(bundle)
