"""A decorated cell function: its parameters, its defs, and how to call it.

Script mode trusts only what the file says: a cell's parameters are the
names it reads and the names in its final `return` are the names it
defines.  Most cells are called as they are, since their final `return`
already hands back their defs; reading those names costs a scan of the
cell's lines when they are plainly simple (`_celltext`) and a parse of the
cell alone otherwise.  Only a cell whose output (its last expression, which
a plain call would discard) must be recovered, or which has a `return`
before its last statement, is recompiled with the final `return` rewritten
to hand back both; all such cells of one file are compiled together,
keeping the file name and line numbers, so tracebacks point into the
notebook file.
"""

from __future__ import annotations

import types

from . import _celltext


class NotebookError(Exception):
    """The notebook cannot run: unresolved name, cycle, bad cell shape."""


# Returned by the rewritten function so that a stray early `return` (which
# marimo does not allow in cells) is told apart from the rewritten one.
_TAG = object()

# code.co_flags bits (CPython's, stable since 3.5).
_CO_GENERATOR = 0x20
_CO_COROUTINE = 0x80
_CO_ASYNC_GENERATOR = 0x200

# How a cell's result becomes its defs (see `Cell.unpack`).
_NOTHING = _celltext.NOTHING  # no return, bare return, or no source: defines nothing
_TUPLE = _celltext.TUPLE  # called as is; `return (a, b)` gives the values in order
_SINGLE = _celltext.SINGLE  # called as is; `return a` gives the one value
_TAGGED = 3  # the rewritten function: (_TAG, values, output)


class Cell:
    """One `@app.cell` function (or an unparsable cell)."""

    def __init__(self, fn, options: dict, index: int, unparsable_code=None):
        self.fn = fn
        self.options = dict(options)
        self.index = index
        self.name = options.get("name") or getattr(fn, "__name__", "_")
        self._unparsable_code = unparsable_code
        if fn is not None:
            code = fn.__code__
            self.params = code.co_varnames[: code.co_argcount]
            self.filename = code.co_filename
            self.lineno = code.co_firstlineno
            # What inspect.iscoroutinefunction checks for a plain function,
            # without importing inspect (≈ 10 ms) for it.
            self.is_coroutine = bool(code.co_flags & _CO_COROUTINE)
        else:
            self.params = ()
            self.filename = "<unparsable cell>"
            self.lineno = 0
            self.is_coroutine = False
        self._analysed = False
        self.defs = ()
        self._runner = None
        self._mode = _NOTHING

    def __call__(self, *args, **kwargs):
        if self.fn is None:
            raise NotebookError("%s could not be parsed" % self.label)
        return self.fn(*args, **kwargs)

    def __repr__(self):
        return "<weir cell %s>" % self.label

    @property
    def label(self) -> str:
        where = "%s:%d" % (self.filename, self.lineno) if self.lineno else self.filename
        return "cell %d %r (%s)" % (self.index, self.name, where)

    @property
    def disabled(self) -> bool:
        return bool(self.options.get("disabled", False))

    def analyse(self) -> None:
        """Find the defs and build the runner; done once, lazily."""
        analyse_all([self])

    def invoke(self, args):
        """Call the cell; return its raw result (or a coroutine of it)."""
        if self.fn is None:
            compile(self._unparsable_code or "", self.label, "exec")
            raise NotebookError("%s could not be parsed" % self.label)
        if self._runner is None:
            return self.fn(*args)
        return self._runner(*args)

    def unpack(self, result):
        """Split a result of `invoke` into ({name: value}, output)."""
        mode = self._mode
        if mode == _TUPLE:
            return dict(zip(self.defs, result)), None
        if mode == _SINGLE:
            return {self.defs[0]: result}, None
        if mode == _TAGGED:
            if isinstance(result, tuple) and len(result) == 3 and result[0] is _TAG:
                return dict(zip(self.defs, result[1])), result[2]
            # The rewritten function ends by returning the tag: anything
            # else came from a `return` before the cell's end, which
            # defines nothing its readers expect (marimo refuses such a
            # cell: `'return' outside function`; so does `weir exec`).
            raise SyntaxError(
                "%s: 'return' outside function: a `return` before the cell's end "
                "stopped it before it defined %s" % (self.label, ", ".join(self.defs) or "anything")
            )
        return {}, None


def analyse_all(cells) -> None:
    """Find the defs of `cells` and build their runners.

    Raises NotebookError for a cell whose final `return` is not names.
    """
    todo = [c for c in cells if not c._analysed and c.fn is not None]
    for cell in cells:
        cell._analysed = True
    if not todo:
        return
    import gc

    # Parsing makes ~20 objects per line of cell, none of them cyclic; the
    # collector would walk them, and the rewritten cells kept for the one
    # compile, over and over (≈ 30% of a parse).
    enabled = gc.isenabled()
    gc.disable()
    try:
        by_file = {}
        for cell in todo:
            by_file.setdefault(cell.filename, []).append(cell)
        for filename, group in by_file.items():
            _analyse_file(filename, group)
    finally:
        if enabled:
            gc.enable()


def _analyse_file(filename, cells):
    import linecache
    from itertools import accumulate

    lines = linecache.getlines(filename, cells[0].fn.__globals__)
    text = "".join(lines)
    starts = list(accumulate(map(len, lines), initial=0))  # line i+1 starts at starts[i]
    parse = None  # the parser's path, imported for the first cell that needs it
    rewrites = []  # (cell, rewritten node)
    for cell in cells:
        code = cell.fn.__code__
        if 0 < cell.lineno <= len(lines) and not code.co_flags & (
            _CO_GENERATOR | _CO_ASYNC_GENERATOR
        ):
            shape = _celltext.read(text, starts[cell.lineno - 1], code.co_name)
            if shape is not None:
                cell._mode, cell.defs = shape
                continue
        if parse is None:
            from . import _cellparse as parse
        node = parse.parse_def(lines, cell.lineno, code.co_name) or parse.node_from_inspect(cell.fn)
        if node is None:
            continue  # no source: called as is, defines nothing
        node = parse.shape(cell, node)
        if node is not None:
            rewrites.append((cell, node))
    if rewrites:
        parse.compile_rewrites(filename, rewrites)


def _set_runner(cell, code):
    fn = cell.fn
    runner = types.FunctionType(code, fn.__globals__, fn.__name__, fn.__defaults__)
    runner.__kwdefaults__ = dict(fn.__kwdefaults__ or {}, __weir_tag__=_TAG)
    cell._runner = runner
    cell._mode = _TAGGED
