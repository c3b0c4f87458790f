"""`marimo.status` in Weir: `progress_bar` and `spinner` with marimo's
signatures.  They iterate and count as marimo's do; Weir shows no live
progress indicator yet, so nothing is displayed (docs/marimo-api.md)."""

from __future__ import annotations


class _Progress:
    def __init__(self, title=None, subtitle=None, total=None):
        self.title = title
        self.subtitle = subtitle
        self.total = total
        self.current = 0
        self.closed = False

    def update(self, increment=1, title=None, subtitle=None):
        self.current += increment
        if title is not None:
            self.title = title
        if subtitle is not None:
            self.subtitle = subtitle

    def clear(self):
        pass

    def close(self):
        self.closed = True


class progress_bar:
    """`for x in mo.status.progress_bar(items): ...` or
    `with mo.status.progress_bar(total=n) as bar: bar.update()`."""

    def __init__(self, collection=None, *, title=None, subtitle=None, completion_title=None,
                 completion_subtitle=None, total=None, show_rate=True, show_eta=True,
                 remove_on_exit=False, disabled=False):
        if collection is None and total is None:
            raise ValueError("marimo.status.progress_bar: give a collection or total=")
        if total is None and hasattr(collection, "__len__"):
            total = len(collection)
        self.collection = collection
        self.progress = _Progress(title, subtitle, total)

    def __iter__(self):
        if self.collection is None:
            raise TypeError("marimo.status.progress_bar: nothing to iterate (no collection given)")
        for item in self.collection:
            yield item
            self.progress.update()
        self.progress.close()

    async def __aiter__(self):
        async for item in self.collection:
            yield item
            self.progress.update()
        self.progress.close()

    def __enter__(self):
        return self.progress

    def __exit__(self, *exc):
        self.progress.close()
        return False


class spinner:
    """`with mo.status.spinner(title="Loading"): ...`."""

    def __init__(self, title=None, subtitle=None, remove_on_exit=True):
        self.progress = _Progress(title, subtitle)

    def __enter__(self):
        return self.progress

    def __exit__(self, *exc):
        self.progress.close()
        return False


def toast(title, description="", kind=None):
    """No toasts in Weir: the call does nothing."""
    return None
