"""A decorated cell function: its parameters, its defs, and how to call it.

Script mode trusts only what the file says: a cell's parameters are the
names it reads and the names in its final `return` are the names it
defines.  To also recover the cell's output (its last expression, which a
plain call would discard) the function is recompiled from its own source
with the final `return` rewritten to hand back both; the file name and line
numbers are kept, so tracebacks point into the notebook file.
"""

from __future__ import annotations

import ast
import textwrap


class NotebookError(Exception):
    """The notebook cannot run: unresolved name, cycle, bad cell shape."""


# Returned by the rewritten function so that a stray early `return` (which
# marimo does not allow in cells) is told apart from the rewritten one.
_TAG = object()


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
            self.params = tuple(code.co_varnames[: code.co_argcount])
            self.filename = code.co_filename
            self.lineno = code.co_firstlineno
            import inspect  # script mode only; the worker never loads it

            self.is_coroutine = inspect.iscoroutinefunction(fn)
        else:
            self.params = ()
            self.filename = "<unparsable cell>"
            self.lineno = 0
            self.is_coroutine = False
        self._analysed = False
        self.defs = ()
        self._runner = None

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
        if self._analysed:
            return
        self._analysed = True
        if self.fn is None:
            return
        rewritten = _rewrite(self.fn, self.label)
        if rewritten is None:
            # No source available (e.g. only a .pyc): call the function as is;
            # its defs cannot be named, so it defines nothing.
            self.defs = ()
            self._runner = None
        else:
            self.defs, self._runner = rewritten

    def invoke(self, args):
        """Call the cell; return (values, output) or a coroutine of them."""
        if self.fn is None:
            compile(self._unparsable_code or "", self.label, "exec")
            raise NotebookError("%s could not be parsed" % self.label)
        if self._runner is None:
            return self.fn(*args)
        return self._runner(*args)

    def unpack(self, result):
        """Split a runner's result into ({name: value}, output)."""
        if isinstance(result, tuple) and len(result) == 3 and result[0] is _TAG:
            _, values, out = result
            return dict(zip(self.defs, values)), out
        return {}, None


def _names(node, label):
    if node is None:
        return ()
    if isinstance(node, ast.Name):
        return (node.id,)
    if isinstance(node, ast.Tuple) and all(isinstance(e, ast.Name) for e in node.elts):
        return tuple(e.id for e in node.elts)
    raise NotebookError(
        "%s: its final return must be a tuple of names, like `return (x, y)`" % label
    )


def _rewrite(fn, label):
    import inspect

    try:
        lines, start = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        return None
    source = textwrap.dedent("".join(lines))
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    if not tree.body or not isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    node = tree.body[0]
    node.decorator_list = []
    body = list(node.body)
    ret = body.pop() if body and isinstance(body[-1], ast.Return) else None
    defs = _names(ret.value if ret is not None else None, label)
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
    # The tag travels as a default argument so no global name is added.
    node.args.kwonlyargs.append(ast.arg(arg="__weir_tag__", annotation=None))
    node.args.kw_defaults.append(ast.Name(id="__weir_tag_value__", ctx=ast.Load()))
    ast.fix_missing_locations(tree)
    ast.increment_lineno(tree, start - 1)
    code = compile(tree, fn.__code__.co_filename, "exec")
    scope = {"__weir_tag_value__": _TAG}
    exec(code, fn.__globals__, scope)
    return defs, scope[node.name]
