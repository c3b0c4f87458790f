"""Compile and run one cell's code in the worker's shared namespace.

The code is registered in `linecache` under the cell's pseudo-filename so
tracebacks show the cell's own lines, numbered from the cell's first line.
A final expression statement is evaluated separately to become the cell's
output.  The cell's private names are renamed first (`_private`).  Top-level `await` is allowed; such code runs on the worker's one
event loop, which persists so tasks may outlive the cell that made them.
"""

from __future__ import annotations

import linecache

# inspect.CO_COROUTINE, without importing inspect (and asyncio, imported
# only when a cell awaits): the worker's start-up time is every run's cost.
_CO_COROUTINE = 0x80

# ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, without importing `ast` (≈ 3 ms) at
# start-up: only cells with private names are parsed in Python now.
_FLAGS = 0x2000


def source_entry(filename: str, code: str):
    """The `linecache` entry for a cell (mtime None: `checkcache` never
    evicts it).  The last line gets its newline: without one, Python
    3.11's traceback puts the carets one column too far right."""
    lines = code.splitlines(True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n"
    return (len(code), None, lines, filename)


def register_source(filename: str, code: str):
    entry = linecache.cache[filename] = source_entry(filename, code)
    return entry


class Compiled:
    """A cell ready to run: its code objects and its private names.

    `temporaries`: the private names the cell binds at its top level, as
    renamed (`_cell_<id>_x`); `kept`: those code running after the cell
    (functions, lambdas, classes, generators of the cell) reads, which must
    outlive the run.  (`_private` has the rule.)
    """

    __slots__ = ("body", "last", "temporaries", "kept")

    def __init__(self, body, last, temporaries, kept):
        self.body = body
        self.last = last
        self.temporaries = temporaries
        self.kept = kept


def compile_cell(code: str, filename: str, cell_id: str = "_") -> Compiled:
    """Parse, rename the cell's private names, and compile."""
    import ast

    from ._private import mangle

    tree = ast.parse(code, filename=filename, mode="exec", type_comments=False)
    temporaries, kept = mangle(tree, cell_id, code)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        expr = ast.Expression(body=tree.body.pop().value)
        last = compile(expr, filename, "eval", flags=_FLAGS, dont_inherit=True)
    body = compile(tree, filename, "exec", flags=_FLAGS, dont_inherit=True)
    return Compiled(body, last, temporaries, kept)


def compile_plain(code: str, filename: str, display) -> Compiled:
    """Compile a cell with no private names straight from its source: no
    syntax tree.  `display` (from the runtime's analysis) says where the
    final expression statement is; the source is cut there, and the
    expression compiled on its own, padded so that its line and column
    are those of the cell (tracebacks point at the cell's own lines)."""
    if not display:
        return Compiled(compile(code, filename, "exec", _FLAGS, True), None, (), ())
    start, end = display["start"], display["end"]
    line, column = display["line"], display["column"]
    body = compile(code[:start], filename, "exec", _FLAGS, True)
    expr = code[start:end]
    if column:
        # eval() refuses leading blanks: an opening bracket takes the
        # first column of the padding (after `x = 1; ` on the same line).
        expr = "(" + " " * (column - 1) + expr + "\n)"
    last = compile("\n" * (line - 1) + expr, filename, "eval", _FLAGS, True)
    return Compiled(body, last, (), ())


class Program:
    """One cell's code as the worker keeps it between runs: compiled on
    first use, then reused while the runtime names the same code hash."""

    __slots__ = ("code_hash", "code", "filename", "cell_id", "display", "private", "compiled", "source")

    def __init__(self, code_hash, code, filename, cell_id, display, private):
        self.code_hash = code_hash
        self.code = code
        self.filename = filename
        self.cell_id = cell_id
        self.display = display
        self.private = private
        self.compiled = None
        self.source = source_entry(filename, code)

    @classmethod
    def missing(cls, code_hash, filename, cell_id):
        return _Missing(code_hash, "", filename, cell_id, None, False)

    def prepare(self):
        compiled = self.compiled
        if compiled is None:
            if self.private:
                compiled = compile_cell(self.code, self.filename, self.cell_id)
            else:
                compiled = compile_plain(self.code, self.filename, self.display)
            self.compiled = compiled
        return compiled


class _Missing(Program):
    __slots__ = ()

    def prepare(self):
        raise RuntimeError(
            "weir: the worker does not hold this cell's code (hash %s); run it again"
            % self.code_hash
        )


class Executor:
    def __init__(self, namespace: dict):
        self.namespace = namespace
        self._loop = None

    def _await(self, coroutine):
        import asyncio

        if self._loop is None or self._loop.is_closed():
            self._loop = asyncio.new_event_loop()
            # Current loop for non-async cells too, so e.g.
            # `asyncio.ensure_future(...)` in one cell lands on the loop that
            # a later cell's `await` runs.
            asyncio.set_event_loop(self._loop)
        task = self._loop.create_task(coroutine)
        try:
            return self._loop.run_until_complete(task)
        except BaseException:
            # Interrupted or failed: do not leave the cell's task half-run
            # on the loop, where the next cell would resume it.
            if not task.done():
                task.cancel()
                try:
                    self._loop.run_until_complete(task)
                except BaseException:
                    pass
            raise

    def _run(self, code):
        result = eval(code, self.namespace)
        if code.co_flags & _CO_COROUTINE:
            result = self._await(result)
        return result

    def run(self, body, last):
        """Run a compiled cell; return the last expression's value."""
        self._run(body)
        if last is None:
            return None
        return self._run(last)


def error_info(exc: BaseException, filename: str, cell_files: dict) -> dict:
    """The `error` object of a `done` message.

    Frames before the cell's own first frame (the worker, asyncio) are
    dropped; `cell_files` maps pseudo-filenames to cell ids so frames in
    other cells (a function defined in one cell, called from another) name
    their cell too.
    """
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename not in cell_files:
        tb = tb.tb_next
    import traceback

    from ._private import demangle

    if isinstance(exc, NameError):
        # As marimo: the message names what the user wrote (`_x`), not the
        # renamed private name (`_cell_c3_x`); `exc.name` keeps the latter.
        exc.args = tuple(demangle(a) if isinstance(a, str) else a for a in exc.args)
    text = demangle("".join(traceback.format_exception(type(exc), exc, tb)))
    frames = []
    for frame in traceback.extract_tb(tb) if tb is not None else []:
        frames.append(
            {
                "filename": frame.filename,
                "lineno": frame.lineno,
                "function": demangle(frame.name),
                "cell_id": cell_files.get(frame.filename),
                "line": frame.line or "",
            }
        )
    if isinstance(exc, SyntaxError) and exc.filename in cell_files:
        frames.append(
            {
                "filename": exc.filename,
                "lineno": exc.lineno,
                "function": "<module>",
                "cell_id": cell_files.get(exc.filename),
                "line": (exc.text or "").rstrip("\n"),
            }
        )
    try:
        message = str(exc)
    except Exception as inner:
        message = "<str failed: %s: %s>" % (type(inner).__name__, inner)
    return {
        "type": type(exc).__qualname__,
        "message": message,
        "traceback": text,
        "frames": frames,
    }
