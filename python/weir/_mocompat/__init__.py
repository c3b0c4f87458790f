"""marimo's commonly used public API, mapped onto Weir's own.

Inside a Weir worker (and Weir's script mode) `import marimo` loads this
module under the name `marimo` (`weir._mohook`), so notebooks written for
marimo run unchanged.  What is mapped, what is not, and what an
unsupported call raises: docs/marimo-api.md.  Switched off by
`WEIR_MARIMO=real`.
"""

from __future__ import annotations

import contextlib as _contextlib
import io as _io
import os as _os
import pathlib as _pathlib
import sys as _sys
import threading as _threading

import weir as _weir
from weir import _api, _layout
from weir._mocompat import _status as status
from weir._mocompat._cache import cache, lru_cache, persistent_cache
from weir._mocompat._sql import sql

# What marimo version this layer follows; `__weir__` tells it apart from
# the real package.
__version__ = "0.25.2"
__weir__ = True
DOC = "docs/marimo-api.md"

md = _api.md
stop = _api.stop
MarimoStopError = _api.StopCell
Html = _layout.Html
as_html = _layout.as_html
plain_text = _layout.plain_text
hstack = _layout.hstack
vstack = _layout.vstack
tabs = _layout.tabs
accordion = _layout.accordion
callout = _layout.callout
stat = _layout.stat
image = _layout.image
download = _layout.download
center = _layout.center
left = _layout.left
right = _layout.right
Thread = _threading.Thread


class MarimoUnsupported(NotImplementedError):
    """A marimo call Weir's compatibility layer does not provide."""


class _Unsupported:
    """Stands for a marimo name Weir does not provide: calling it (or
    anything under it) raises `MarimoUnsupported` naming the call."""

    def __init__(self, name, why=""):
        self._name = name
        self._why = why

    def __call__(self, *args, **kwargs):
        raise MarimoUnsupported(
            "marimo.%s is not supported by Weir's marimo compatibility layer%s; "
            "see %s (or set WEIR_MARIMO=real to use the real marimo, whose "
            "elements Weir does not render)" % (self._name, self._why, DOC)
        )

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _Unsupported("%s.%s" % (self._name, attr), self._why)

    def __repr__(self):
        return "<unsupported marimo.%s>" % self._name


def _mode():
    from weir import _mohook

    return _mohook.MODE


def App(**options):
    """`marimo.App(...)`: Weir's `App` (options kept as given)."""
    return _weir.App(**options)


def __getattr__(name):
    if name == "ui":
        value = _ui()
    elif name == "Cell":
        value = _weir.Cell
    elif name in _UNSUPPORTED:
        value = _Unsupported(name)
    else:
        raise AttributeError(
            "module 'marimo' (Weir's compatibility layer, %s) has no attribute %r" % (DOC, name)
        )
    globals()[name] = value
    return value


class _Ui:
    """`marimo.ui`: Weir's `weir.ui`, by marimo's names.  A name `weir.ui`
    lacks (or all of them, without `weir.ui`) is unsupported."""

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        module = self._module
        if module is not None and hasattr(module, name):
            return getattr(module, name)
        if name == "tabs":
            # Until weir.ui has tabs: the layout, its `.value` the first tab.
            return _layout.tabs
        why = " yet" if module is not None else " yet (this Weir has no weir.ui)"
        return _Unsupported("ui." + name, why)

    def __repr__(self):
        return "<marimo.ui (weir.ui)>"


def _ui():
    try:
        from weir import ui as module
    except ImportError as exc:
        if getattr(exc, "name", None) not in ("weir", "weir.ui", None):
            raise
        module = None
    return _Ui(module)


# --- state --------------------------------------------------------------


def state(value, allow_self_loops=False):
    """`(getter, setter)`: Weir's `weir.state` when this Weir has it; else a
    plain value holder (setting it re-runs nothing)."""
    real = getattr(_weir, "state", None)
    if real is not None:
        try:
            return real(value, allow_self_loops=allow_self_loops)
        except TypeError:
            return real(value)
    holder = _State(value)
    return holder, holder.set


class _State:
    def __init__(self, value):
        self._value = value

    def __call__(self):
        return self._value

    def set(self, update):
        self._value = update(self._value) if callable(update) else update


# --- output ---------------------------------------------------------------


class _Output:
    append = staticmethod(_api.output.append)
    replace = staticmethod(_api.output.replace)
    clear = staticmethod(_api.output.clear)

    @staticmethod
    def flush():
        pass

    @staticmethod
    def clear_console():
        pass

    replace_at_index = _Unsupported("output.replace_at_index")
    remove = _Unsupported("output.remove")


output = _Output()


# --- the running notebook -------------------------------------------------


class AppMeta:
    """`marimo.app_meta()`: `mode` is "script" under `python nb.py`, else
    `$WEIR_APP_MODE` or "run" in a Weir worker."""

    @property
    def mode(self):
        if _mode() == "script":
            return "script"
        return _os.environ.get("WEIR_APP_MODE") or "run"

    theme = "light"
    request = None

    def __repr__(self):
        return "AppMeta(mode=%r)" % self.mode


def app_meta():
    return AppMeta()


def running_in_notebook():
    return _mode() == "worker"


class QueryParams(dict):
    """`marimo.query_params()`: empty outside a served app (Weir serves
    none), settable within the run."""

    def get_all(self, key):
        value = self.get(key)
        return [] if value is None else (value if isinstance(value, list) else [value])

    def set(self, key, value):
        self[key] = value

    def append(self, key, value):
        self[key] = self.get_all(key) + [value]

    def remove(self, key, value=None):
        if value is None:
            self.pop(key, None)
        else:
            rest = [v for v in self.get_all(key) if v != value]
            self[key] = rest

    def to_dict(self):
        return dict(self)


_query = QueryParams()


def query_params():
    return _query


def _number(text):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


class CLIArgs(dict):
    """`marimo.cli_args()`: `--name value` pairs after the notebook on the
    command line (`python nb.py -- --n 3`); numbers are converted."""

    def get_all(self, key):
        value = self.get(key)
        return [] if value is None else (value if isinstance(value, list) else [value])


def _parse_args(argv):
    args = CLIArgs()
    i = 0
    while i < len(argv):
        item = argv[i]
        i += 1
        if not item.startswith("-") or item == "--":
            continue
        name = item.lstrip("-")
        if "=" in name:
            name, value = name.split("=", 1)
        elif i < len(argv) and not argv[i].startswith("-"):
            value = argv[i]
            i += 1
        else:
            value = ""
        value = _number(value)
        if name in args:
            previous = args[name]
            args[name] = (previous if isinstance(previous, list) else [previous]) + [value]
        else:
            args[name] = value
    return args


def cli_args():
    return _parse_args(_sys.argv[1:] if _mode() == "script" else [])


def notebook_dir():
    """The notebook's directory (the caller's `__file__`), or None."""
    path = _sys._getframe(1).f_globals.get("__file__")
    return _pathlib.Path(path).resolve().parent if path else None


def notebook_location():
    path = _sys._getframe(1).f_globals.get("__file__")
    return _pathlib.Path(path).resolve().parent if path else None


# --- small display helpers ------------------------------------------------


class _Mime:
    def __init__(self, mimetype, data, plain):
        self._mimetype, self._data, self._plain = mimetype, data, plain

    def _mime_(self):
        return (self._mimetype, self._data)

    def __repr__(self):
        return self._plain


def json(data, label=None):
    """`marimo.json(data)`: the data as a JSON output."""
    import json as _json

    return _Mime("application/json", data, _json.dumps(data, default=str)[:2000])


def plain(value):
    """`marimo.plain(value)`: the value's plain-text repr only."""
    return _Mime("text/plain", repr(value), repr(value))


def iframe(html, *, width="100%", height="400px"):
    import html as _html

    return Html('<iframe srcdoc="%s" width="%s" height="%s" style="border:0"></iframe>'
                % (_html.escape(str(html), quote=True), width, height))


def icon(icon, *, size=None, color=None, inline=True, flip=None, rotate=None, style=None):
    """`marimo.icon("lucide:x")`: Weir loads no icon sets (nothing from the
    network), so the icon is an empty span named by its title."""
    import html as _html

    name = _html.escape(str(icon), quote=True)
    return Html('<span class="weir-icon" title="%s" aria-label="%s"></span>' % (name, name))


def doc(obj):
    """`marimo.doc(obj)`: the object's docstring, as text."""
    import inspect

    text = inspect.getdoc(obj) or "(no documentation)"
    name = getattr(obj, "__qualname__", None) or type(obj).__name__
    return plain_text("%s\n\n%s" % (name, text))


def tree(items, *, label=None):
    """`marimo.tree(items)`: nested lists and dicts, shown as indented text."""
    import pprint

    if not isinstance(items, (list, tuple, dict)):
        raise TypeError("marimo.tree: expected a list, tuple or dict, got %s" % type(items).__name__)
    text = pprint.pformat(items, width=80, sort_dicts=False)
    return plain_text(text if label is None else "%s\n%s" % (label, text))


def lazy(element, show_loading_indicator=False):
    """`marimo.lazy`: Weir renders it at once."""
    return element() if callable(element) else element


class _Mpl:
    @staticmethod
    def interactive(figure):
        """`marimo.mpl.interactive(fig)`: shown as a static image."""
        return figure


mpl = _Mpl()


@_contextlib.contextmanager
def capture_stdout():
    buffer = _io.StringIO()
    with _contextlib.redirect_stdout(buffer):
        yield buffer


@_contextlib.contextmanager
def capture_stderr():
    buffer = _io.StringIO()
    with _contextlib.redirect_stderr(buffer):
        yield buffer


@_contextlib.contextmanager
def redirect_stdout():
    """Printed text already shows in the cell's console under Weir."""
    yield


@_contextlib.contextmanager
def redirect_stderr():
    yield


# marimo's public names Weir does not provide: calling one raises
# MarimoUnsupported naming it.
_UNSUPPORTED = frozenset(
    """ai audio carousel create_asgi_app defs file image_compare
    inspect islands latex MarimoIslandGenerator mermaid nav_menu pdf refs
    routes show_code sidebar style video watch anywidget""".split()
)
