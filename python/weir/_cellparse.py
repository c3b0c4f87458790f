"""Script mode's reading of a cell with the parser, and the rewrite.

`_cells` uses this for a cell `_celltext` cannot read: it parses the cell
alone, finds its defs and whether its output must be recovered, and if so
rewrites its final `return` to hand back (tag, values, output); all
rewritten cells of a file are compiled together.
"""

from __future__ import annotations

import ast
import types

from ._cells import (
    _CO_ASYNC_GENERATOR,
    _CO_GENERATOR,
    _NOTHING,
    _SINGLE,
    _TUPLE,
    NotebookError,
    _set_runner,
)


_CUTS = 4


def parse_def(lines, first, name):
    """The node of the top-level def `name` starting at line `first`; or None.

    Parses that def alone: from its first line up to the next line back at
    column 0 (not blank, not a comment) where the text so far parses.  Any
    earlier cut leaves a string, bracket or continuation open, so the first
    cut that parses is the def's end.  Blank lines in front keep the file's
    line numbers.  After a few cuts that do not parse (a long string with
    lines at column 0) this gives up, and `node_from_inspect`, which
    tokenizes instead, takes over rather than parsing ever longer texts.
    """
    start = first - 1
    if start < 0 or start >= len(lines) or lines[start][:1].isspace():
        return None
    # Past the decorators and the `def` line: they are at column 0 too.
    end = start
    while end < len(lines) and lines[end].startswith("@"):
        end += 1
    end += 1
    attempts = 0
    while True:
        while end < len(lines):
            text = lines[end]
            if text[:1] and not text[0].isspace() and text[0] != "#":
                break
            end += 1
        try:
            tree = ast.parse("\n" * start + "".join(lines[start:end]))
        except (SyntaxError, ValueError):
            attempts += 1
            if end >= len(lines) or attempts >= _CUTS:
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


def node_from_inspect(fn):
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


def shape(cell, node):
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
    # its value is set on the function object (`_cells._set_runner`).
    node.args.kwonlyargs.append(ast.copy_location(ast.arg(arg="__weir_tag__"), node))
    node.args.kw_defaults.append(None)
    ast.fix_missing_locations(new_ret)
    return node


def compile_rewrites(filename, rewrites):
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
