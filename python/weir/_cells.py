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

import ast
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
        if mode == _TAGGED and isinstance(result, tuple) and len(result) == 3:
            if result[0] is _TAG:
                return dict(zip(self.defs, result[1])), result[2]
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
        node = _parse_def(lines, cell.lineno, code.co_name) or _node_from_inspect(cell.fn)
        if node is None:
            continue  # no source: called as is, defines nothing
        node = _shape(cell, node)
        if node is not None:
            rewrites.append((cell, node))
    if rewrites:
        _compile_rewrites(filename, rewrites)


def _parse_def(lines, first, name):
    """The node of the top-level def `name` starting at line `first`; or None.

    Parses that def alone: from its first line up to the next line back at
    column 0 (not blank, not a comment) where the text so far parses.  Any
    earlier cut leaves a string, bracket or continuation open, so the first
    cut that parses is the def's end.  Blank lines in front keep the file's
    line numbers.
    """
    start = first - 1
    if start < 0 or start >= len(lines) or lines[start][:1].isspace():
        return None
    # Past the decorators and the `def` line: they are at column 0 too.
    end = start
    while end < len(lines) and lines[end].startswith("@"):
        end += 1
    end += 1
    while True:
        while end < len(lines):
            text = lines[end]
            if text[:1] and not text[0].isspace() and text[0] != "#":
                break
            end += 1
        try:
            tree = ast.parse("\n" * start + "".join(lines[start:end]))
        except (SyntaxError, ValueError):
            if end >= len(lines):
                return None
            end += 1
            continue
        break
    if len(tree.body) != 1:
        return None
    node = tree.body[0]
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.name != name:
        return None
    line = node.decorator_list[0].lineno if node.decorator_list else node.lineno
    return node if line == first else None


def _node_from_inspect(fn):
    """The def node of `fn` on its own, with the file's line numbers; or None."""
    import inspect
    import textwrap

    try:
        lines, start = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        return None
    try:
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except SyntaxError:
        return None
    if not tree.body or not isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    ast.increment_lineno(tree, start - 1)
    return tree.body[0]


def _shape(cell, node):
    """Set `cell`'s defs and mode from its def node.

    Returns the node rewritten to hand back (_TAG, values, output) when a
    plain call cannot give both, else None.
    """
    body = node.body
    last = body[-1] if body else None
    ret = last if isinstance(last, ast.Return) else None
    value = ret.value if ret is not None else None
    cell.defs = _names(value, cell)
    if ret is not None:
        body = body[:-1]
        last = body[-1] if body else None
    flags = cell.fn.__code__.co_flags
    if not isinstance(last, ast.Expr) and not flags & (_CO_GENERATOR | _CO_ASYNC_GENERATOR):
        if not _returns_early(body):
            if value is None:
                cell._mode = _NOTHING
            elif isinstance(value, ast.Name):
                cell._mode = _SINGLE
            else:
                cell._mode = _TUPLE
            return None
    return _rewrite(node, ret, cell.defs)


def _names(node, cell):
    if node is None:
        return ()
    if isinstance(node, ast.Name):
        return (node.id,)
    if isinstance(node, ast.Tuple):
        names = [e.id for e in node.elts if isinstance(e, ast.Name)]
        if len(names) == len(node.elts):
            return tuple(names)
    raise NotebookError(
        "%s: its final return must be a tuple of names, like `return (x, y)`" % cell.label
    )


# The statements that hold statements of the same function (not def/class,
# whose returns are their own).  Try/Match/TryStar are looked up by name:
# not every supported Python has all of them.
_COMPOUND = tuple(
    getattr(ast, name)
    for name in ("If", "For", "AsyncFor", "While", "With", "AsyncWith", "Try", "TryStar", "Match")
    if hasattr(ast, name)
)


def _returns_early(stmts) -> bool:
    """Whether a `return` of this function's own sits among `stmts`.

    Only compound statements hold other statements, so simple ones are
    passed over without walking their expressions.
    """
    for stmt in stmts:
        if isinstance(stmt, ast.Return):
            return True
        if not isinstance(stmt, _COMPOUND):
            continue
        if _returns_early(getattr(stmt, "body", ())):
            return True
        if _returns_early(getattr(stmt, "orelse", ())):
            return True
        if _returns_early(getattr(stmt, "finalbody", ())):
            return True
        for part in getattr(stmt, "handlers", ()) or getattr(stmt, "cases", ()):
            if _returns_early(part.body):
                return True
    return False


def _rewrite(node, ret, defs):
    """Rewrite `node` in place: the final return hands back (tag, values, output)."""
    node.decorator_list = []
    body = list(node.body)
    if ret is not None:
        body.pop()
    output = ast.Constant(value=None)
    if body and isinstance(body[-1], ast.Expr):
        output = body.pop().value
    anchor = ret if ret is not None else (node.body[-1] if node.body else node)
    values = ast.Tuple(elts=[ast.Name(id=n, ctx=ast.Load()) for n in defs], ctx=ast.Load())
    tagged = ast.Tuple(
        elts=[ast.Name(id="__weir_tag__", ctx=ast.Load()), values, output], ctx=ast.Load()
    )
    new_ret = ast.copy_location(ast.Return(value=tagged), anchor)
    body.append(new_ret)
    node.body = body
    # The tag travels as a keyword-only default so no global name is added;
    # its value is set on the function object (`_compile_rewrites`).
    node.args.kwonlyargs.append(ast.copy_location(ast.arg(arg="__weir_tag__"), node))
    node.args.kw_defaults.append(None)
    ast.fix_missing_locations(new_ret)
    return node


def _compile_rewrites(filename, rewrites):
    """Compile every rewritten cell of one file at once and set its runner."""
    import __future__

    # The notebook's own `from __future__` imports, not this module's.
    features = 0
    for name in __future__.all_feature_names:
        features |= getattr(__future__, name).compiler_flag
    groups = {}
    for cell, node in rewrites:
        key = (id(cell.fn.__globals__), cell.fn.__code__.co_flags & features)
        groups.setdefault(key, []).append((cell, node))
    for (_, flags), group in groups.items():
        module = ast.Module(body=[node for _, node in group], type_ignores=[])
        code = compile(module, filename, "exec", flags=flags, dont_inherit=True)
        # With decorators dropped, each function's first line is its `def`.
        codes = {c.co_firstlineno: c for c in code.co_consts if isinstance(c, types.CodeType)}
        for cell, node in group:
            _set_runner(cell, codes[node.lineno])


def _set_runner(cell, code):
    fn = cell.fn
    runner = types.FunctionType(code, fn.__globals__, fn.__name__, fn.__defaults__)
    runner.__kwdefaults__ = dict(fn.__kwdefaults__ or {}, __weir_tag__=_TAG)
    cell._runner = runner
    cell._mode = _TAGGED
