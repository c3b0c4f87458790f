"""`weir.App`: the decorators a notebook file uses, and script mode."""

from __future__ import annotations

import builtins
import heapq
import sys

from . import _context, _mohook
from ._api import StopCell
from ._cells import Cell, NotebookError, analyse_all


class RunError(Exception):
    """Raised by `App.run()` outside script mode when cells raised.

    `errors` maps each failed cell's label to its exception; independent
    cells still ran.
    """

    def __init__(self, errors: dict):
        names = ", ".join(errors)
        super().__init__("%d cell(s) raised: %s" % (len(errors), names))
        self.errors = errors


class _Setup:
    """`with app.setup:` or `with app.setup(hide_code=True):`.

    The block is ordinary module-level code, so its names land in the
    module's globals where cells and `@app.function` bodies find them.
    """

    def __init__(self):
        self.options = {}

    def __call__(self, **options):
        self.options = dict(options)
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False


class _Sink(_context.OutputSink):
    """Collects `weir.output.*` calls for `App.run()`'s outputs."""

    def __init__(self):
        self.items = []
        self.used = False

    def append(self, obj):
        self.used = True
        self.items.append(obj)

    def replace(self, obj):
        self.used = True
        self.items = [obj]

    def clear(self):
        self.used = True
        self.items = []

    def value(self):
        if not self.used or not self.items:
            return None
        return self.items[0] if len(self.items) == 1 else list(self.items)


class App:
    """A notebook.  `App(**options)` keeps any options (width, app_title, ...)."""

    def __init__(self, **options):
        self.options = dict(options)
        self._cells = []
        self._setup = _Setup()
        try:
            self._module_name = sys._getframe(1).f_globals.get("__name__")
        except (AttributeError, ValueError):
            self._module_name = None

    # -- decorators ------------------------------------------------------
    def cell(self, fn=None, **options):
        """`@app.cell` or `@app.cell(hide_code=True, ...)`; also on async def."""

        def register(f):
            cell = Cell(f, options, len(self._cells))
            self._cells.append(cell)
            return cell

        return register(fn) if fn is not None else register

    def function(self, fn=None, **options):
        """`@app.function`: a reusable function; returned unchanged."""
        return fn if fn is not None else (lambda f: f)

    def class_definition(self, cls=None, **options):
        """`@app.class_definition`: a reusable class; returned unchanged."""
        return cls if cls is not None else (lambda c: c)

    @property
    def setup(self):
        return self._setup

    def _unparsable_cell(self, code, **options):
        """A cell marimo could not parse, kept as text; it fails when run."""
        options.setdefault("name", "_")
        self._cells.append(Cell(None, options, len(self._cells), unparsable_code=code))

    # -- script mode -----------------------------------------------------
    def run(self):
        """Run every cell in dependency order; return (outputs, defs).

        `outputs` has one entry per cell in file order; `defs` maps every
        name the cells defined to its value.  See docs/python.md.
        """
        script = self._module_name == "__main__"
        # Cells' `import marimo` gets Weir's compatibility layer.
        _mohook.install("script")
        try:
            order, parents = self._plan()
        except NotebookError as exc:
            if script:
                print("weir: error: %s" % exc, file=sys.stderr)
                raise SystemExit(1)
            raise
        for cell in self._cells:
            # Cells see `__builtins__` as a dict, as under marimo (whose
            # script mode runs cells in a fresh module holding the dict);
            # `python nb.py` gives its `__main__` the builtins module.
            scope = getattr(cell.fn, "__globals__", None)
            if scope is not None and scope.get("__builtins__") is builtins:
                scope["__builtins__"] = builtins.__dict__
        outputs = [None] * len(self._cells)
        values = {}
        blocked = set()  # indexes of cells that did not complete
        errors = {}
        loop = None
        try:
            for cell in order:
                if cell.disabled or (blocked and not blocked.isdisjoint(parents[cell.index])):
                    blocked.add(cell.index)
                    continue
                args = [values[p] if p in values else _lookup(cell, p) for p in cell.params]
                sink = _Sink()
                previous = _context.set_sink(sink)
                try:
                    result = cell.invoke(args)
                    if cell.is_coroutine:
                        if loop is None:
                            import asyncio  # lazily: ~30 ms to import, and most notebooks never await

                            loop = asyncio.new_event_loop()
                        result = loop.run_until_complete(result)
                    defined, output = cell.unpack(result)
                except StopCell as stop:
                    blocked.add(cell.index)
                    outputs[cell.index] = stop.output
                    continue
                except Exception as exc:
                    blocked.add(cell.index)
                    errors[cell.label] = exc
                    _print_error(cell, exc)
                    continue
                finally:
                    _context.set_sink(previous)
                values.update(defined)
                outputs[cell.index] = output if output is not None else sink.value()
        finally:
            if loop is not None:
                loop.close()
        if errors:
            if script:
                print("weir: %d cell(s) raised an error" % len(errors), file=sys.stderr)
                raise SystemExit(1)
            raise RunError(errors)
        return outputs, values

    def _plan(self):
        """Order the cells; return (order, {index: parent indexes})."""
        analyse_all(self._cells)
        definer = {}
        for cell in self._cells:
            for name in cell.defs:
                other = definer.get(name)
                if other is not None and other is not cell:
                    raise NotebookError(
                        "%r is defined by both %s and %s" % (name, other.label, cell.label)
                    )
                definer[name] = cell
        parents = {}
        children = {c.index: [] for c in self._cells}
        for cell in self._cells:
            ps = set()
            for name in cell.params:
                source = definer.get(name)
                if source is not None and source is not cell:
                    ps.add(source.index)
                    continue
                if cell.fn is not None and name in cell.fn.__globals__:
                    continue
                if hasattr(builtins, name):
                    continue
                raise NotebookError(
                    "%s reads %r, which no cell defines and the module does not have"
                    % (cell.label, name)
                )
            parents[cell.index] = ps
            for p in ps:
                children[p].append(cell.index)
        # Kahn's algorithm; the heap breaks ties by file order.
        indegree = {i: len(ps) for i, ps in parents.items()}
        ready = [i for i, d in indegree.items() if d == 0]
        heapq.heapify(ready)
        order = []
        while ready:
            i = heapq.heappop(ready)
            order.append(self._cells[i])
            for child in children[i]:
                indegree[child] -= 1
                if indegree[child] == 0:
                    heapq.heappush(ready, child)
        if len(order) != len(self._cells):
            stuck = [c.label for c in self._cells if indegree[c.index] > 0]
            raise NotebookError("cells form a cycle: %s" % ", ".join(stuck))
        return order, parents


def _lookup(cell, name):
    """A parameter no cell defined: a module global or a builtin."""
    if name in cell.fn.__globals__:
        return cell.fn.__globals__[name]
    return getattr(builtins, name)


def _print_error(cell, exc):
    """Print the traceback from the cell's own frame on, not the runner's."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != cell.filename:
        tb = tb.tb_next
    print("weir: %s raised:" % cell.label, file=sys.stderr)
    import traceback

    traceback.print_exception(type(exc), exc, tb or exc.__traceback__, file=sys.stderr)
