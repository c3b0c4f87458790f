"""Where `weir.output.*` calls go: the runner that is executing a cell.

Script mode (`App.run`) and the worker each install a sink while a cell
runs; outside any cell the calls are no-ops, so notebook code imported as a
module never fails because nothing is listening.
"""

from __future__ import annotations

import threading


class OutputSink:
    """Receives a running cell's explicit output calls."""

    def append(self, obj) -> None:  # pragma: no cover - interface
        pass

    def replace(self, obj) -> None:  # pragma: no cover - interface
        pass

    def clear(self) -> None:  # pragma: no cover - interface
        pass


_lock = threading.Lock()
_sink = None  # type: OutputSink | None


def set_sink(sink):
    """Install `sink` (or None); return the previous one."""
    global _sink
    with _lock:
        previous, _sink = _sink, sink
    return previous


def get_sink():
    return _sink
