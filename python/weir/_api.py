"""What cell code calls: `weir.md`, `weir.stop`, `weir.output`."""

from __future__ import annotations

from . import _context


class Markdown:
    """Markdown text to display; renders as text/markdown."""

    def __init__(self, text: str):
        self.text = str(text)

    def _mime_(self):
        return ("text/markdown", self.text)

    def _repr_markdown_(self):
        return self.text

    def __repr__(self):
        return "Markdown(%r)" % (self.text,)

    def __str__(self):
        return self.text

    # marimo's `mo.md(...).center()` and friends (docs/marimo-api.md).
    def center(self):
        from ._layout import center

        return center(self)

    def left(self):
        from ._layout import left

        return left(self)

    def right(self):
        from ._layout import right

        return right(self)

    def callout(self, kind="neutral", title=None):
        from ._layout import callout

        return callout(self, kind=kind, title=title)

    def batch(self, **elements):
        """marimo's `mo.md("{x}").batch(x=...)`: `weir.ui.batch` when this
        Weir has it."""
        try:
            from . import ui
        except ImportError:
            ui = None
        make = getattr(ui, "batch", None)
        if make is None:
            raise NotImplementedError(
                "Markdown.batch (marimo's mo.md(...).batch) is not supported yet: "
                "weir.ui has no batch (see docs/marimo-api.md)"
            )
        return make(self, elements)


def md(text: str) -> Markdown:
    """Markdown output: `weir.md(f"**y** is {y}")`.  Objects formatted
    into the text (a layout, an element: `weir.md(f"pick {slider}")`) stay
    themselves, live (`_layout.EmbeddedMarkdown`).  The text is cleaned
    as marimo's `md` cleans it (`inspect.cleandoc`: the common indentation
    of a triple-quoted string in an indented cell is not a code block)."""
    from inspect import cleandoc  # lazily: the worker starts without `inspect`

    text = cleandoc(str(text))
    if "data-weir-embed" in text:
        from ._layout import EmbeddedMarkdown, has_embeds

        if has_embeds(text):
            return EmbeddedMarkdown(text)
    return Markdown(text)


class StopCell(BaseException):
    """Raised by `weir.stop`; the runner stops the cell and its descendants.

    A BaseException so that a cell's `except Exception:` does not swallow it.
    """

    def __init__(self, output=None):
        super().__init__("weir.stop")
        self.output = output


def stop(condition, output=None) -> None:
    """If `condition` is true, stop this cell here and skip its descendants.

    `output`, if given, becomes the cell's output.  Nothing is reported as an
    error: stopping is a normal outcome.
    """
    if condition:
        raise StopCell(output)


class _Output:
    """`weir.output`: replace, append to, or clear the running cell's output.

    Outside a running cell (e.g. when a notebook is imported) these do
    nothing.
    """

    @staticmethod
    def append(obj) -> None:
        sink = _context.get_sink()
        if sink is not None:
            sink.append(obj)

    @staticmethod
    def replace(obj) -> None:
        sink = _context.get_sink()
        if sink is not None:
            sink.replace(obj)

    @staticmethod
    def clear() -> None:
        sink = _context.get_sink()
        if sink is not None:
            sink.clear()


output = _Output()
