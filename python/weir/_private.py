"""Cell-private names at run time: marimo's mangling, done in the worker.

A name starting with one underscore (`_x`, `_`, and exactly `__`) is
private to its cell.  The analysis never makes it a def or a ref; at run
time marimo renames it, as it compiles the cell, to `_cell_<cell id><name>`
(`_x` in cell `c3` becomes `_cell_c3_x`), so another cell reading `_x`
looks up a name that does not exist and gets a `NameError`, whatever ran
before it.  This module applies the same rewrite to the cell's syntax tree
(docs/analysis.md, "Private names at run time").

The rule is marimo's `ScopedVisitor` walk, quirks included, because the
renaming depends on the order names are met:

- a private name *bound at the top level* of the cell (assignment target,
  `def`/`class` name, `import ... as _x`, match capture, a walrus in a
  top-level comprehension) is renamed; so is every name in a `global`
  statement, at any depth;
- a private name *read or deleted* anywhere is renamed only if the top
  level has already bound it (in visiting order) and no enclosing function,
  lambda, class or comprehension binds it first.  So `def f(): return _x`
  followed by `_x = 1` reads an unrenamed `_x`, and calling `f()` raises
  `NameError`, as under marimo;
- names bound inside functions, classes, lambdas and comprehensions are
  their own locals and stay as written; `import _thread` (no `as`) keeps
  its name, since the user did not choose it; names inside an
  `except ... as _e:` handler that reuse `_e` are left alone;
- strings are not code: `globals()['_x']` sees no `_x`.

After a run, the cell's private top-level names are deleted from the
namespace (marimo frees them for memory) except those a function, lambda,
class or generator expression of the cell reads, which must outlive the
run for late binding.  Those stay until the cell runs again or is deleted.
"""

from __future__ import annotations

import ast
import re
import sys

_PREFIX = "_cell_"


def is_private(name: str) -> bool:
    return name == "__" or (name.startswith("_") and not name.startswith("__"))


def prefix_of(cell_id: str) -> str:
    """`_cell_<id>`, the id spelled in letters and digits only (the
    runtime's ids are `c<n>`; others are encoded) so that the first `_`
    after the prefix starts the user's name."""
    if not cell_id.isalnum() or not cell_id.isascii():
        cell_id = "".join(c if c.isalnum() and c.isascii() else "x%x" % ord(c) for c in cell_id)
    return _PREFIX + cell_id


_MANGLED = re.compile(r"(?<![\w])_cell_[A-Za-z0-9]+(?=_)")


def demangle(text: str) -> str:
    """`name '_cell_c3_x' is not defined` -> `name '_x' is not defined`."""
    return _MANGLED.sub("", text)


_MODULE, _FUNCTION, _CLASS, _COMPREHENSION, _ANNOTATION = range(5)


class _Block:
    __slots__ = ("defs", "globals", "kind")

    def __init__(self, kind):
        self.defs = set()
        self.globals = set()
        self.kind = kind


# Scopes whose body runs later than the cell (late binding): the private
# names they read must survive the run.
_DEFERRED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.GeneratorExp)


class _Mangler(ast.NodeVisitor):
    def __init__(self, prefix: str):
        self.prefix = prefix
        self.blocks = [_Block(_MODULE)]
        self.obscured = []
        self.deferred = 0
        self.late_reads = set()

    # -- helpers ----------------------------------------------------------
    def _mangle(self, name, any_depth=False):
        if is_private(name) and (len(self.blocks) == 1 or any_depth):
            return self.prefix + name
        return name

    def _define(self, name):
        block = self.blocks[0] if name in self.blocks[-1].globals else self.blocks[-1]
        block.defs.add(name)

    def _scoped(self, node, kind, visit=None):
        self.blocks.append(_Block(kind))
        deferred = isinstance(node, _DEFERRED)
        self.deferred += deferred
        try:
            (visit or self._fields)(node)
        finally:
            self.deferred -= deferred
            self.blocks.pop()

    def _fields(self, node):
        ast.NodeVisitor.generic_visit(self, node)

    # -- scopes -------------------------------------------------------------
    def generic_visit(self, node):
        if isinstance(node, ast.ClassDef):
            self._scoped(node, _CLASS)
        elif isinstance(node, ast.Lambda):
            self._scoped(node, _FUNCTION)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._scoped(node, _FUNCTION, self._function_fields)
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            self._scoped(node, _COMPREHENSION, self._comprehension_fields)
        elif isinstance(node, ast.DictComp):
            self._scoped(node, _COMPREHENSION, self._dict_comprehension_fields)
        elif isinstance(node, _TRY):
            self._try(node)
        elif _TYPE_ALIAS is not None and isinstance(node, _TYPE_ALIAS):
            self.visit(node.name)
            self._scoped(node, _ANNOTATION, self._type_alias_fields)
        else:
            self._fields(node)

    def _function_fields(self, node):
        # Type parameters first, so they are bound before the signature.
        for param in getattr(node, "type_params", ()):
            self.visit(param)
        self._fields(node)

    def _comprehension_fields(self, node):
        for generator in node.generators:
            self.visit(generator)
        self.visit(node.elt)

    def _dict_comprehension_fields(self, node):
        for generator in node.generators:
            self.visit(generator)
        self.visit(node.value)
        self.visit(node.key)

    def _type_alias_fields(self, node):
        for param in node.type_params:
            self.visit(param)
        self.visit(node.value)

    def _try(self, node):
        for stmt in node.body:
            self.visit(stmt)
        for handler in node.handlers:
            self.obscured.append(handler.name)
            try:
                self.visit(handler)
            finally:
                self.obscured.pop()
        for stmt in node.orelse:
            self.visit(stmt)
        for stmt in node.finalbody:
            self.visit(stmt)

    # -- definitions --------------------------------------------------------
    def visit_ClassDef(self, node):
        node.name = self._mangle(node.name)
        self.generic_visit(node)
        self._define(node.name)

    def visit_FunctionDef(self, node):
        node.name = self._mangle(node.name)
        if self.blocks[-1].kind != _CLASS:
            # The body may call the function by its name (recursion): bound
            # before the body is visited.  Methods do not see their class's
            # names, so not there.
            self.blocks[-1].defs.add(node.name)
        self.generic_visit(node)
        self._define(node.name)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_arg(self, node):
        node.arg = self._mangle(node.arg)
        self._define(node.arg)
        if node.annotation is not None:
            self.visit(node.annotation)

    def visit_arguments(self, node):
        # Defaults are evaluated before the parameters exist.
        for value in node.kw_defaults:
            if value is not None:
                self.visit(value)
        for value in node.defaults:
            if value is not None:
                self.visit(value)
        for arg in getattr(node, "posonlyargs", ()):
            self.visit(arg)
        for arg in node.args:
            self.visit(arg)
        for arg in node.kwonlyargs:
            self.visit(arg)
        if node.vararg is not None:
            self.visit(node.vararg)
        if node.kwarg is not None:
            self.visit(node.kwarg)

    def visit_Assign(self, node):
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)

    def visit_AugAssign(self, node):
        self.visit(node.value)
        self.visit(node.target)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.annotation)
        self.visit(node.target)

    def visit_comprehension(self, node):
        self.visit(node.iter)
        self.visit(node.target)
        for condition in node.ifs:
            self.visit(condition)

    def visit_NamedExpr(self, node):
        self.visit(node.value)
        if self.blocks[-1].kind == _COMPREHENSION and isinstance(node.target, ast.Name):
            # Binds in the nearest enclosing scope that is not a comprehension.
            for block in reversed(self.blocks):
                if block.kind != _COMPREHENSION:
                    node.target.id = self._mangle(node.target.id, block is self.blocks[0])
                    block.defs.add(node.target.id)
                    break
        else:
            self.visit(node.target)

    def visit_Global(self, node):
        node.names = [self._mangle(name, True) for name in node.names]
        for name in node.names:
            self.blocks[-1].globals.add(name)

    def _alias(self, alias):
        if alias.asname is None:
            return alias.name.split(".")[0]
        alias.asname = self._mangle(alias.asname)
        return alias.asname

    def visit_Import(self, node):
        for alias in node.names:
            self._define(self._alias(alias))

    visit_ImportFrom = visit_Import

    def visit_MatchAs(self, node):
        if node.name is not None:
            node.name = self._mangle(node.name)
            self._define(node.name)
        if node.pattern is not None:
            self.visit(node.pattern)

    def visit_MatchMapping(self, node):
        if node.rest is not None:
            node.rest = self._mangle(node.rest)
            self._define(node.rest)
        for key in node.keys:
            self.visit(key)
        for pattern in node.patterns:
            self.visit(pattern)

    def visit_MatchStar(self, node):
        if node.name is not None:
            node.name = self._mangle(node.name)
            self._define(node.name)

    def _type_param(self, node):
        self._define(node.name)
        bound = getattr(node, "bound", None)
        if bound is not None:
            self.visit(bound)

    visit_TypeVar = visit_ParamSpec = visit_TypeVarTuple = _type_param

    # -- names --------------------------------------------------------------
    def visit_Name(self, node):
        if node.id in self.obscured:
            return
        if isinstance(node.ctx, ast.Store):
            node.id = self._mangle(node.id)
            self._define(node.id)
        elif is_private(node.id):
            # Renamed unless an enclosing function, class or comprehension
            # binds it, or the cell's top level binds it unrenamed (only
            # `import _mod`): also when not (yet) bound, so a recursive
            # `_f` finds itself and another cell's raw `import _mod`
            # never leaks in.
            mangled = self._mangle(node.id, True)
            for block in reversed(self.blocks):
                if block is self.blocks[0]:
                    if mangled in block.defs or node.id not in block.defs:
                        node.id = mangled
                elif node.id in block.defs:
                    break
        if self.deferred:
            self.late_reads.add(node.id)


_TRY = tuple(getattr(ast, n) for n in ("Try", "TryStar") if hasattr(ast, n))
_TYPE_ALIAS = getattr(ast, "TypeAlias", None) if sys.version_info >= (3, 12) else None


# An identifier starting with `_` (not an attribute): a cell without one
# has nothing to rename, and most cells skip the walk.  Strings and
# comments may match too; they only cost the walk.
_MAYBE_PRIVATE = re.compile(r"(?<![\w.])_")

# Each level of the tree costs the walk about three Python frames; CPython's
# compiler accepts trees deeper than the default limit of 1000 frames
# allows (a 1000-term `a + a + ...`), so the walk gets more room: plenty
# from 3.11 on, where Python-to-Python calls use no C stack, and what an
# 8 MiB C stack surely holds before that.  Deeper still, the cell fails
# with RecursionError, as compiling it would.
_WALK_RECURSION_LIMIT = 30000 if sys.version_info >= (3, 11) else 8000


def mangle(tree: ast.Module, cell_id: str, code: str = None):
    """Rename the cell's private names in place.

    Returns (temporaries, kept): the private names the cell binds at its
    top level (as they appear in the namespace), and the subset to keep
    after the run because code that runs later reads them.  `code`, the
    cell's source, lets a cell without any `_name` skip the walk.
    """
    if code is not None and not _MAYBE_PRIVATE.search(code):
        return set(), set()
    mangler = _Mangler(prefix_of(cell_id))
    limit = sys.getrecursionlimit()
    if limit < _WALK_RECURSION_LIMIT:
        sys.setrecursionlimit(_WALK_RECURSION_LIMIT)
    try:
        mangler.visit(tree)
    finally:
        sys.setrecursionlimit(limit)
    temporaries = {n for n in mangler.blocks[0].defs if is_private(n)}
    return temporaries, temporaries & mangler.late_reads
