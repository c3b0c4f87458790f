"""`marimo.status` in Weir: `progress_bar` and `spinner` are Weir's own
live indicators (`weir._progress`), with marimo's signatures; `toast`
does nothing (docs/marimo-api.md)."""

from __future__ import annotations

from weir._progress import progress_bar, spinner  # noqa: F401


def toast(title, description="", kind=None):
    """No toasts in Weir: the call does nothing."""
    return None
