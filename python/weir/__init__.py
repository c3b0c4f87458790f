"""Weir: a reactive Python notebook.  This package is what notebook files
import (`weir.App`, `weir.md`, `weir.stop`, `weir.output`) and the worker the
Weir runtime drives (`python -m weir._worker`).  Standard library only;
Python >= 3.9.  See docs/python.md.
"""

from ._api import Markdown, StopCell, md, output, stop

# Must equal the Rust workspace version (Cargo.toml): the runtime refuses a
# worker whose version differs.
__version__ = "0.1.0"

__all__ = [
    "App",
    "Cell",
    "Html",
    "accordion",
    "as_html",
    "callout",
    "center",
    "download",
    "hstack",
    "image",
    "left",
    "plain_text",
    "right",
    "stat",
    "tabs",
    "vstack",
    "Markdown",
    "NotebookError",
    "RunError",
    "StopCell",
    "__version__",
    "md",
    "output",
    "state",
    "status",
    "stop",
    "ui",
]


# Script mode's machinery (`App` and what it needs: `ast`, `heapq`, ...) is
# imported on first use, so the worker, which never runs `App`, starts
# without it: worker start-up is paid on every `weir exec`.
_LAZY = {
    "App": "_app",
    "RunError": "_app",
    "Cell": "_cells",
    "NotebookError": "_cells",
    "state": "_state",
}
# The layout and display helpers (docs/python.md, "Layouts"), also lazily.
_LAZY.update(
    (name, "_layout")
    for name in (
        "Html", "accordion", "as_html", "callout", "center", "download", "hstack", "image",
        "left", "plain_text", "right", "stat", "tabs", "vstack",
    )
)


def __getattr__(name):
    if name in ("ui", "status"):
        # The elements (a subpackage) and the progress indicators are
        # imported when a notebook first uses them.
        from importlib import import_module

        return import_module("." + name, __name__)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError("module 'weir' has no attribute %r" % name)
    from importlib import import_module

    value = getattr(import_module("." + module, __name__), name)
    globals()[name] = value
    return value
