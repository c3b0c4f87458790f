"""`weir.status`: live progress indicators in a cell's output
(`progress_bar`, `spinner`; docs/python.md, "Progress")."""

from ._progress import Progress, Spinner, progress_bar, spinner

__all__ = ["Progress", "Spinner", "progress_bar", "spinner"]
