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
import sys

# A single repr larger than this is cut: a frame's payload is capped at
# 256 MiB, and nobody reads a 10 MB repr.
MAX_TEXT = 8 * 1024 * 1024

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


def _data(mimetype, data):
    """Make `data` JSON-safe for its mimetype; None means "drop it"."""
    if data is None:
        return None
    if isinstance(data, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(data)).decode("ascii")
    if mimetype == "application/json":
        try:
            json.dumps(data)
            return data
        except (TypeError, ValueError):
            return None
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


def render(value):
    """The MIME bundle for `value`, or None when `value` is None."""
    if value is None:
        return None
    bundle = {}
    notes = []

    mime = getattr(value, "_mime_", None)
    if callable(mime) and not isinstance(value, type):
        try:
            mimetype, data = mime()
            data = _data(mimetype, data)
            if data is not None:
                bundle[str(mimetype)] = data
        except Exception as exc:
            notes.append(_failure("_mime_", exc))

    try:
        png = _matplotlib_png(value)
        if png is not None:
            bundle.setdefault("image/png", _data("image/png", png))
    except Exception as exc:
        notes.append(_failure("savefig", exc))

    bundle_method = getattr(value, "_repr_mimebundle_", None)
    if callable(bundle_method) and not isinstance(value, type):
        try:
            result = bundle_method()
            data = result[0] if isinstance(result, tuple) else result
            for mimetype, item in (data or {}).items():
                item = _data(mimetype, item)
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
            except Exception as exc:
                notes.append(_failure(method, exc))

    try:
        plain = _data("text/plain", repr(value))
    except Exception as exc:
        plain = _failure("repr", exc)
    if notes:
        plain = "\n".join([plain] + notes)
    bundle["text/plain"] = plain
    return bundle
