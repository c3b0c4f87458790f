"""Live progress indicators: `weir.status.progress_bar` and `spinner`
(marimo's `mo.status.*` map onto these; docs/marimo-api.md).

An indicator is one output of the running cell, appended when it is made
and redrawn in place (`replace_at`, docs/protocol.md) as it advances: at
most every `REDRAW_EVERY` seconds, since a loop of a million quick steps
must not send a million messages, and always when it closes, so the last
state shown is the true one.  A spinner is removed when its block ends
unless asked to stay (marimo's rule).  Outside the worker (a notebook run
as a script, or imported) nothing is drawn, and counting still works.
"""

from __future__ import annotations

import time

from . import _context

PROGRESS_MIME = "application/vnd.weir.progress+json"

# Seconds between two redraws of one indicator (marimo waits 0.15 s).
REDRAW_EVERY = 0.1


class Progress:
    """A progress indicator: a bar when `total` is known, else a spinner."""

    def __init__(self, title=None, subtitle=None, total=None, show_rate=True, show_eta=True):
        self.title = title
        self.subtitle = subtitle
        self.total = total
        self.current = 0
        self.closed = False
        self.show_rate = show_rate
        self.show_eta = show_eta
        self._started = time.monotonic()
        self._drawn_at = None
        sink = _context.get_sink()
        self._sink = sink if hasattr(sink, "place") else None
        if self._sink is not None:
            self._sink.place(self)
            self._drawn_at = time.monotonic()

    def update(self, increment=1, title=None, subtitle=None):
        if self.closed:
            raise RuntimeError(
                "a progress indicator cannot be updated after the block or loop that made it ended"
            )
        self.current += increment
        if title is not None:
            self.title = title
        if subtitle is not None:
            self.subtitle = subtitle
        if self._sink is not None and time.monotonic() - self._drawn_at >= REDRAW_EVERY:
            self._redraw()

    def clear(self):
        """Take the indicator out of the cell's output."""
        if self.closed:
            raise RuntimeError("a progress indicator cannot be cleared after it ended")
        if self._sink is not None:
            self._sink.remove(self)
            self._sink = None

    def close(self, remove=False):
        if self.closed:
            return
        self.closed = True  # drawn as done
        if self._sink is not None:
            if remove:
                self._sink.remove(self)
            else:
                self._redraw()

    def _redraw(self):
        self._sink.redraw(self)
        self._drawn_at = time.monotonic()

    # -- what is drawn -----------------------------------------------------
    def _state(self):
        elapsed = time.monotonic() - self._started
        rate = round(self.current / elapsed, 2) if self.show_rate and elapsed > 0 else None
        eta = None
        if self.show_eta and self.total is not None and rate:
            eta = round(max(self.total - self.current, 0) / rate, 2)
        return {
            "title": _text(self.title),
            "subtitle": _text(self.subtitle),
            "current": self.current,
            "total": self.total,
            "rate": rate,
            "eta": eta,
            "done": self.closed,
        }

    def _plain(self, state):
        words = [w for w in (state["title"], state["subtitle"]) if w]
        if state["total"] is not None:
            words.append("%s/%s" % (state["current"], state["total"]))
        elif not words:
            words.append("working" if not state["done"] else "done")
        return " ".join(words)

    def _repr_mimebundle_(self, include=None, exclude=None):
        state = self._state()
        return {PROGRESS_MIME: state, "text/plain": self._plain(state)}


class Spinner(Progress):
    """A progress indicator with no total; `update` changes its words."""

    def __init__(self, title=None, subtitle=None):
        super().__init__(title, subtitle, None, show_rate=False, show_eta=False)

    def update(self, title=None, subtitle=None):
        super().update(1, title, subtitle)


def _text(value):
    return None if value is None else str(value)


class progress_bar:
    """`for x in progress_bar(items): ...` or
    `with progress_bar(total=n) as bar: bar.update()`."""

    def __init__(self, collection=None, *, title=None, subtitle=None, completion_title=None,
                 completion_subtitle=None, total=None, show_rate=True, show_eta=True,
                 remove_on_exit=False, disabled=False):
        if collection is None and total is None:
            raise ValueError("progress_bar: give a collection or total=")
        if total is None and hasattr(collection, "__len__"):
            total = len(collection)
        self.collection = collection
        self.completion_title = completion_title
        self.completion_subtitle = completion_subtitle
        self.remove_on_exit = remove_on_exit
        self.progress = _Disabled() if disabled else Progress(title, subtitle, total, show_rate, show_eta)

    def _finish(self):
        if self.completion_title is not None:
            self.progress.title = self.completion_title
        if self.completion_subtitle is not None:
            self.progress.subtitle = self.completion_subtitle
        self.progress.close(remove=self.remove_on_exit)

    def __iter__(self):
        if self.collection is None:
            raise TypeError("progress_bar: nothing to iterate (no collection given)")
        for item in self.collection:
            yield item
            self.progress.update()
        self._finish()

    async def __aiter__(self):
        async for item in self.collection:
            yield item
            self.progress.update()
        self._finish()

    def __enter__(self):
        return self.progress

    def __exit__(self, *exc):
        self._finish()
        return False


class spinner:
    """`with spinner(title="Loading") as s: ...; s.update(subtitle=...)`."""

    def __init__(self, title=None, subtitle=None, remove_on_exit=True):
        self.remove_on_exit = remove_on_exit
        self.progress = Spinner(title, subtitle)

    def __enter__(self):
        return self.progress

    def __exit__(self, *exc):
        self.progress.close(remove=self.remove_on_exit)
        return False


class _Disabled:
    """`progress_bar(..., disabled=True)`: counts, draws nothing."""

    title = subtitle = None
    current = 0

    def update(self, increment=1, title=None, subtitle=None):
        self.current += increment

    def clear(self):
        pass

    def close(self, remove=False):
        pass
