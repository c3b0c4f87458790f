"""Turn a Python value into a MIME bundle: {"mimetype": data}.

Text data stays a string; bytes (e.g. PNG from `_repr_png_`) become base64
strings; `application/json` carries any JSON value.  A repr method that
raises never fails the cell: the bundle gets a text/plain note instead.
Libraries are never imported here; matplotlib is consulted only when the
user already imported it.
"""

from __future__ import annotations

import base64
import io
import json
import re
import sys

# A single repr larger than this is cut: a frame's payload is capped at
# 256 MiB, and nobody reads a 10 MB repr.
MAX_TEXT = 8 * 1024 * 1024

# A binary output (an image) larger than this, base64-encoded, is replaced
# by a notice with its size: it could not cross the protocol in one frame,
# and no page shows a 100 MB image usefully.  docs/protocol.md.
MAX_BINARY = 32 * 1024 * 1024

# JSON outputs nested deeper than this are refused with a notice: the Rust
# side parses messages with a recursion limit (128 levels, the message
# itself included), and such data is no chart anyone can read.
MAX_JSON_DEPTH = 100

_REPR_METHODS = (
    ("_repr_html_", "text/html"),
    ("_repr_markdown_", "text/markdown"),
    ("_repr_svg_", "image/svg+xml"),
    ("_repr_png_", "image/png"),
    ("_repr_jpeg_", "image/jpeg"),
    ("_repr_latex_", "text/latex"),
    ("_repr_json_", "application/json"),
)


def _failure(method, exc) -> str:
    return "<%s failed: %s: %s>" % (method, type(exc).__name__, exc)


class Refused(Exception):
    """An output that cannot be shown as it is; the message says why."""


def is_json_mimetype(mimetype) -> bool:
    """`application/json` and every `+json` type (Plotly, Vega-Lite,
    Jupyter widgets, ...): their data is a JSON value, not text."""
    mimetype = str(mimetype).split(";")[0].strip().lower()
    return mimetype == "application/json" or mimetype.endswith("+json")


def _json_depth_ok(value, limit) -> bool:
    """Iterative: a hostile value must not overflow our own stack."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list, tuple)):
            if depth > limit:
                return False
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return True


def _json_data(data):
    """A JSON mimetype's data as a JSON value, or Refused."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data).decode("utf-8", "replace")
    if isinstance(data, str):
        # Libraries hand over JSON either as a value or as its text.
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise Refused("not valid JSON text (%s)" % exc)
    if not _json_depth_ok(data, MAX_JSON_DEPTH):
        raise Refused("nested more than %d levels deep" % MAX_JSON_DEPTH)
    try:
        json.dumps(data, allow_nan=False)
    except ValueError as exc:
        # NaN and infinities: Python writes them, JSON has no such values.
        raise Refused("not JSON: %s" % exc)
    except (TypeError, RecursionError) as exc:
        raise Refused("not JSON: %s" % exc)
    return data


def _size(n) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return ("%d %s" % (n, unit)) if unit == "bytes" else ("%.1f %s" % (n, unit))
        n /= 1024.0


def _data(mimetype, data):
    """Make `data` JSON-safe for its mimetype; None means "drop it";
    raises Refused when it cannot be shown (the caller notes why)."""
    if data is None:
        return None
    if is_json_mimetype(mimetype):
        return _json_data(data)
    if isinstance(data, (bytes, bytearray, memoryview)):
        size = len(memoryview(data).cast("B"))
        if (size + 2) // 3 * 4 > MAX_BINARY:
            raise Refused(
                "%s of %s is over the %s output limit; not shown"
                % (mimetype, _size(size), _size(MAX_BINARY))
            )
        return base64.b64encode(bytes(data)).decode("ascii")
    if not isinstance(data, str):
        data = str(data)
    if len(data) > MAX_TEXT:
        data = data[:MAX_TEXT] + "\n<truncated: %d characters in all>" % len(data)
    return data


def _matplotlib_png(value):
    """PNG of a matplotlib figure/artist when matplotlib is already loaded."""
    if "matplotlib" not in sys.modules:
        return None
    try:
        from matplotlib.artist import Artist
        from matplotlib.figure import Figure
    except Exception:
        return None
    figure = None
    if isinstance(value, Figure):
        figure = value
    elif isinstance(value, Artist):
        figure = value.get_figure()
    elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Artist) for v in value):
        figure = value[0].get_figure()  # e.g. the Line2D list from plt.plot
    if figure is None:
        return None
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        # The figure is now displayed; keep pyplot from piling them up.
        pyplot.close(figure)
    return buffer.getvalue()


# Exact built-in scalars: no display methods, not a figure, so their bundle
# is their repr alone; the checks below cost more than the cell did.
_SCALARS = frozenset((int, float, complex, bool, str, bytes))


def _chart(value):
    """(mimetype, spec) for an Altair chart or a Plotly figure when their
    library is already loaded, else None.  Both libraries' own HTML loads
    the library from a CDN; the front end and the export render these
    JSON types with the libraries Weir bundles instead."""
    altair = sys.modules.get("altair")
    top = getattr(altair, "TopLevelMixin", None) if altair is not None else None
    if top is not None and isinstance(value, top):
        # to_dict() applies the data transformer: data inline, as required.
        spec = value.to_dict()
        match = re.search(r"/vega-lite/v(\d+)", str(spec.get("$schema", "")))
        return "application/vnd.vegalite.v%s+json" % (match.group(1) if match else "5"), spec
    basedatatypes = sys.modules.get("plotly.basedatatypes")
    base = getattr(basedatatypes, "BaseFigure", None) if basedatatypes is not None else None
    if base is not None and isinstance(value, base):
        import plotly.io

        # plotly's encoder turns numpy arrays and dates into JSON.
        return "application/vnd.plotly.v1+json", json.loads(plotly.io.to_json(value, validate=False))
    return None


def render(value):
    """The MIME bundle for `value`, or None when `value` is None."""
    if value is None:
        return None
    if type(value) in _SCALARS:
        return {"text/plain": _data("text/plain", repr(value))}
    bundle = {}
    notes = []

    mime = getattr(value, "_mime_", None)
    if callable(mime) and not isinstance(value, type):
        try:
            mimetype, data = mime()
            data = _data(mimetype, data)
            if data is not None:
                bundle[str(mimetype)] = data
        except Refused as why:
            notes.append("<_mime_ output %s: %s>" % (mimetype, why))
        except Exception as exc:
            notes.append(_failure("_mime_", exc))

    chart = None
    try:
        chart = _chart(value)
        if chart is not None:
            data = _data(chart[0], chart[1])
            if data is not None:
                bundle[chart[0]] = data
    except Refused as why:
        notes.append("<chart: %s>" % why)
    except Exception as exc:
        notes.append(_failure("chart", exc))

    try:
        png = _matplotlib_png(value)
        if png is not None:
            bundle.setdefault("image/png", _data("image/png", png))
    except Refused as why:
        notes.append("<figure: %s>" % why)
    except Exception as exc:
        notes.append(_failure("savefig", exc))

    bundle_method = getattr(value, "_repr_mimebundle_", None)
    if callable(bundle_method) and not isinstance(value, type):
        try:
            result = bundle_method()
            data = result[0] if isinstance(result, tuple) else result
            for mimetype, item in (data or {}).items():
                try:
                    item = _data(mimetype, item)
                except Refused as why:
                    notes.append("<%s output: %s>" % (mimetype, why))
                    continue
                if item is not None:
                    bundle.setdefault(str(mimetype), item)
        except Exception as exc:
            notes.append(_failure("_repr_mimebundle_", exc))

    if not isinstance(value, type):
        for method, mimetype in _REPR_METHODS:
            fn = getattr(value, method, None)
            if not callable(fn) or mimetype in bundle:
                continue
            try:
                data = fn()
                # IPython allows (data, metadata) pairs.
                if isinstance(data, tuple) and len(data) == 2 and isinstance(data[1], dict):
                    data = data[0]
                data = _data(mimetype, data)
                if data is not None:
                    bundle[mimetype] = data
            except Refused as why:
                notes.append("<%s output: %s>" % (method, why))
            except Exception as exc:
                notes.append(_failure(method, exc))

    if chart is not None and chart[0] in bundle:
        # The library's own HTML loads the library from a CDN: never shown.
        bundle.pop("text/html", None)

    try:
        plain = _data("text/plain", repr(value))
    except Exception as exc:
        plain = _failure("repr", exc)
    if notes:
        plain = "\n".join([plain] + notes)
    bundle["text/plain"] = plain
    return bundle
