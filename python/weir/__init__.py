"""Weir: a reactive Python notebook.  This package is what notebook files
import (`weir.App`, `weir.md`, `weir.stop`, `weir.output`) and the worker the
Weir runtime drives (`python -m weir._worker`).  Standard library only;
Python >= 3.9.  See docs/python.md.
"""

from ._api import Markdown, StopCell, md, output, stop
from ._app import App, RunError
from ._cells import Cell, NotebookError

# Must equal the Rust workspace version (Cargo.toml): the runtime refuses a
# worker whose version differs.
__version__ = "0.1.0"

__all__ = [
    "App",
    "Cell",
    "Markdown",
    "NotebookError",
    "RunError",
    "StopCell",
    "__version__",
    "md",
    "output",
    "stop",
]
