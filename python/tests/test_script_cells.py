"""Script mode's reading of cells: what it costs, and every cell shape.

`app.run()` reads plainly simple cells from their lines without the parser,
parses other cells one by one, and calls most cells as they are; only cells
with an output expression (or an early `return`) are recompiled, all
together.  These tests pin down that cost, that the line reader agrees
with the parser on every cell it accepts, and that every cell shape still
gives the outputs, defs, order and errors docs/python.md describes.
"""

import ast
import builtins
import io
import os
import py_compile
import sys
import unittest
from contextlib import redirect_stderr, redirect_stdout
from unittest import mock

from tests.test_script_mode import NotebookCase, notebook

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)


def chain(n: int, output: bool = False, reverse: bool = False) -> str:
    """n cells; cell i defines x_i from x_{i-1} (or x_{i+1} when reverse)."""
    parts = ["with app.setup:\n    ORDER = []\n"]
    for i in range(n):
        src = i + 1 if reverse else i - 1
        reads = "" if src < 0 or src >= n else "x_%d" % src
        value = "%s + 1" % reads if reads else "0"
        last = "    x_%d\n" % i if output else ""
        parts.append(
            "@app.cell\ndef _(%s):\n    ORDER.append(%d)\n    x_%d = %s\n%s    return (x_%d,)\n"
            % (reads, i, i, value, last, i)
        )
    return notebook("\n\n".join(parts))


class CountingCase(NotebookCase):
    def run_counted(self, name, source):
        """Import `source` as module `name`, run it, count parses and compiles."""
        self.write(name, source)
        module = __import__(name)
        try:  # its own import compiles it, which is not what is counted
            import weir._cellparse  # noqa: F401
        except ImportError:  # before _cellparse existed
            pass

        parse = mock.patch.object(ast, "parse", wraps=ast.parse)
        comp = mock.patch.object(builtins, "compile", wraps=builtins.compile)
        with parse as parsed, comp as compiled, redirect_stdout(io.StringIO()):
            outputs, defs = module.app.run()
        # ast.parse itself calls compile() with PyCF_ONLY_AST: not a compile.
        compiles = 0
        for call in compiled.call_args_list:
            flags = call.args[3] if len(call.args) > 3 else call.kwargs.get("flags", 0)
            compiles += not flags & ast.PyCF_ONLY_AST
        return module, outputs, defs, parsed.call_count, compiles


class CostTest(CountingCase):
    def test_plain_cells_cost_no_parse_and_no_compile(self):
        module, outputs, defs, parses, compiles = self.run_counted("nb_plain", chain(300))
        self.assertEqual(parses, 0)
        self.assertEqual(compiles, 0)
        self.assertEqual(defs["x_299"], 299)
        self.assertEqual(module.ORDER, list(range(300)))
        self.assertEqual(outputs, [None] * 300)

    def test_cells_with_outputs_compile_together_once(self):
        module, outputs, defs, parses, compiles = self.run_counted(
            "nb_outputs", chain(300, output=True)
        )
        self.assertEqual(parses, 300)  # each cell alone, never the whole file
        self.assertEqual(compiles, 1)
        self.assertEqual(outputs, list(range(300)))
        self.assertEqual(defs["x_299"], 299)


class OrderTest(CountingCase):
    def test_thousand_cells_in_reverse_file_order(self):
        module, outputs, defs, _, _ = self.run_counted("nb_reverse", chain(1000, reverse=True))
        self.assertEqual(module.ORDER, list(range(999, -1, -1)))
        self.assertEqual(defs["x_0"], 999)
        self.assertEqual(len(defs), 1000)

    def test_thousand_cell_chain_as_a_script(self):
        main = "    _, d = app.run()\n    print(d['x_999'], ORDER == sorted(ORDER))\n"
        source = chain(1000).replace("    app.run()\n", main)
        proc = self.run_script("nb_long", source)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout, "999 True\n")


SHAPES = notebook(
    """
    @app.cell
    def _():
        a, b = 1, 2
        return (a, b)

    @app.cell
    def _():
        c = 3
        return c

    @app.cell
    def _():
        d, e = 4, 5
        return d, e

    @app.cell
    def _():
        f = 6
        f * 10
        return (f,)

    @app.cell
    def _(a):
        a + 100

    @app.cell
    def _():
        weir.output.append("out")
        return

    @app.cell
    def _():
        def helper():
            return "nested return is the helper's own"
        g = helper()
        return (g,)

    @app.cell
    async def _(c):
        import asyncio
        await asyncio.sleep(0)
        k = c + 1
        return (k,)

    @app.cell
    async def _(k):
        import asyncio
        await asyncio.sleep(0)
        k * 2
        return

    @app.cell
    def _():
        m = 7
    """
)


class ShapeTest(CountingCase):
    def test_every_cell_shape_gives_its_outputs_and_defs(self):
        _, outputs, defs, _, _ = self.run_counted("nb_shapes", SHAPES)
        helper = "nested return is the helper's own"
        expected = {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": helper, "k": 4}
        self.assertEqual(defs, expected)
        self.assertEqual(outputs, [None, None, None, 60, 101, "out", None, None, 8, None])

    def test_a_long_string_at_column_0_costs_a_few_parses_not_one_a_line(self):
        text = "".join("line %d\n" % i for i in range(200))
        source = notebook(
            '''
            @app.cell
            def _():
                s = """
            TEXT"""
                s.count("line")
            '''
        ).replace("TEXT", text)
        _, outputs, _, parses, _ = self.run_counted("nb_longstring", source)
        self.assertEqual(outputs, [200])
        self.assertLessEqual(parses, 5)

    def test_a_cell_inside_a_block_is_read_on_its_own(self):
        source = notebook(
            """
            @app.cell
            def _():
                x = 1
                return (x,)

            if True:
                @app.cell
                def _(x):
                    y = x + 1
                    y * 10
                    return (y,)
            """
        )
        _, outputs, defs, _, _ = self.run_counted("nb_block", source)
        self.assertEqual(defs, {"x": 1, "y": 2})
        self.assertEqual(outputs, [None, 20])

    def test_cells_without_source_run_as_they_are_and_define_nothing(self):
        path = self.write(
            "nb_nosource",
            notebook(
                """
                @app.cell
                def _():
                    print("ran without source")
                    x = 1
                    x
                    return (x,)
                """
            ),
        )
        py_compile.compile(path, cfile=os.path.join(self.dir, "nb_nosource.pyc"))
        os.remove(path)
        import nb_nosource

        out = io.StringIO()
        with redirect_stdout(out):
            outputs, defs = nb_nosource.app.run()
        self.assertEqual(out.getvalue(), "ran without source\n")
        self.assertEqual((outputs, defs), ([None], {}))

    def test_a_bad_final_return_is_an_error_before_any_cell_runs(self):
        import weir

        self.write(
            "nb_badreturn",
            notebook(
                """
                @app.cell
                def _():
                    print("must not run")
                    return

                @app.cell
                def _():
                    x = 1
                    return [x]
                """
            ),
        )
        import nb_badreturn

        out = io.StringIO()
        with redirect_stdout(out), self.assertRaises(weir.NotebookError) as caught:
            nb_badreturn.app.run()
        self.assertEqual(out.getvalue(), "")
        self.assertIn("cell 1 '_' (", str(caught.exception))
        self.assertIn("final return must be a tuple of names", str(caught.exception))


# Cells as they appear in a file, each with whether the line reader must
# take it (True) or leave it to the parser (False).  Either way, what it
# says must be what the parser says.
CELLS = [
    (True, "def _():\n    x = 1\n    return (x,)\n"),
    (True, "def _():\n    x = 1\n    return x\n"),
    (True, "def _():\n    x = 1\n    return (x)\n"),
    (True, "def _():\n    x, y = 1, 2\n    return x, y\n"),
    (True, "def _():\n    x = 1\n    return x,\n"),
    (True, "def _():\n    return ()\n"),
    (True, "def _():\n    return\n"),
    (True, "def _():\n    x = 1\n"),
    (True, "def _():\n    x = 1\n    x += 1\n    return(x,)\n"),
    (True, "def _():\n    import math\n    return (math,)\n"),
    (True, "def _():\n    from math import pi\n    return (pi,)\n"),
    (
        True,
        "def _():\n    x = 1  # comment\n# a comment at column 0\n    # return (z,)\n\n"
        "    return (x,)  # done\n",
    ),
    (True, "def _():\n    x = y = 1\n    return (x, y)\n"),
    (True, "def _():\n    x = 1\n    assert x\n    return (x,)\n"),
    (True, "def _():\n    x = 1\n    del x\n    return\n"),
    (True, "def _():\n\tx = 1\n\treturn (x,)\n"),
    (True, "def _():\n    x = 1\n    \t\n    return (x, x)\n"),
    (True, "def _(a, b):\n    c = a + b == 3\n    return (c,)\n"),
    (True, "async def _():\n    x = await g()\n    return (x,)\n"),
    (False, "def _():\n    x = 1\n    x\n"),
    (False, "def _():\n    x = 1\n    x == 2\n    return (x,)\n"),
    (False, "def _():\n    x = 1\n    print(x)\n    return (x,)\n"),
    (False, 'def _():\n    s = """\nreturn (y,)\n"""\n    return (s,)\n'),
    (False, "def _():\n    s = '''\n    return (y,)\n'''\n    return (s,)\n"),
    (False, "def _():\n    x = (1,\n2)\n    return (x,)\n"),
    (False, "def _():\n    x = 1 + \\\n2\n    return (x,)\n"),
    (False, "def _():\n    if True:\n        return (1,)\n    x = 1\n    return (x,)\n"),
    (False, "def _():\n    for i in range(3): return (i,)\n    x = 1\n    return (x,)\n"),
    (False, "def _():\n    def f():\n        return 1\n    g = f()\n    return (g,)\n"),
    (False, "def _():\n    class C: pass\n    return (C,)\n"),
    (False, "def _():\n    x = 1; y = 2\n    return (x, y)\n"),
    (False, "def _():\n    lambda x=1: x\n    return\n"),
    (False, "def _():\n    (y := 2)\n    return (y,)\n"),
    (True, "def _():\n    x = 1  # it's \"quoted\" \\\n    return (x,)\n"),
    (False, "def _():\n    match = 1\n    return (match,)\n"),
    (False, "def _():\n    a = [1]\n    a[0] = 2\n    return (a,)\n"),
    (False, "def _():\n    x: int = 1\n    return (x,)\n"),
    (False, "def _():\n    x = 1\n    ...\n    return (x,)\n"),
    (False, "def _():\n    x = 1\n    return (\n        x,\n    )\n"),
    (False, "def _():\n    \u00e9 = 1\n    return (\u00e9,)\n"),
    (False, "def _(a=(1)):\n    x = a\n    return (x,)\n"),
    (False, "def _():\n    x = 1\n    yield x\n"),
    (False, "def _():\n    yield 1\n    x = 2\n    return (x,)\n"),
    (True, "def _():\n    x = f(g(h(i(1))), [{}])  # ((\n    return (x,)\n"),
    (False, "def _():\n    x = f(  # )\n1)\n    return (x,)\n"),
    (False, "def _():\n    x = [\n        1]\n    return (x,)\n"),
    (True, "def _():\n    x = 1\n    return (x,)"),
    (True, "def _():\n    x = 1\n    x\n    x = 2\n    return (x,)\n"),
    (False, "async def _():\n    await g()\n    return\n"),
    (False, "def _():\n    try:\n        x = 1\n    finally:\n        return (2,)\n    return (x,)\n"),
    (False, 'def _():\n    x = 1\n    "x"\n    return (x,)\n'),
    (False, "def _(\n    a,\n):\n    x = a\n    return (x,)\n"),
]


class LineReaderTest(NotebookCase):
    def test_the_line_reader_agrees_with_the_parser(self):
        from weir import _cellparse, _celltext

        source = "import weir\n\napp = weir.App()\n\nasync def g(): pass\n\n"
        for i, (_, cell) in enumerate(CELLS):
            deco = "@app.cell(hide_code=True)\n" if i % 2 else "@app.cell\n"
            source += "\n" + deco + cell.replace("def _(", "def c%d(" % i, 1) + "\n"
        self.write("nb_reader", source)
        import nb_reader

        lines = source.splitlines(True)
        starts = [sum(map(len, lines[:i])) for i in range(len(lines))]
        self.assertEqual(len(nb_reader.app._cells), len(CELLS))
        for (simple, _), cell in zip(CELLS, nb_reader.app._cells):
            with self.subTest(cell=cell.name):
                name = cell.fn.__code__.co_name
                text = _celltext.read(source, starts[cell.lineno - 1], name)
                if cell.fn.__code__.co_flags & 0x20:
                    text = None  # generators never take the line reader (_cells)
                self.assertEqual(text is not None, simple)
                node = _cellparse.parse_def(lines, cell.lineno, name)
                self.assertIsNotNone(node)
                rewritten = _cellparse.shape(cell, node)
                if text is not None:
                    self.assertIsNone(rewritten)
                    self.assertEqual(text, (cell._mode, cell.defs))

    def test_a_return_of_anything_but_names_is_left_to_the_parser(self):
        from weir import _celltext

        for rest in ("(None,)", "None", "x if y else z", "(a), (b)", "((a, b))", "[a]", "a.b"):
            text = "def _():\n    return %s\n" % rest
            self.assertIsNone(_celltext.read(text, 0, "_"), rest)


class RewriteCompileTest(CountingCase):
    def test_rewritten_cells_follow_the_notebooks_future_imports(self):
        # The rewrite is compiled with the notebook's `from __future__`
        # flags, not with those of weir's own modules.
        body = """
            @app.cell
            def _():
                def f(v: int): ...
                f.__annotations__["v"]
                return
            """
        _, plain, _, _, _ = self.run_counted("nb_nofuture", notebook(body))
        self.assertEqual(plain, [int])
        future = "from __future__ import annotations\n" + notebook(body)
        _, postponed, _, _, _ = self.run_counted("nb_future", future)
        self.assertEqual(postponed, ["int"])


class ErrorTest(NotebookCase):
    def test_errors_name_the_cell_and_its_line_in_both_kinds_of_cell(self):
        proc = self.run_script(
            "nb_errlines",
            notebook(
                """
                @app.cell
                def _():
                    x = 1
                    return (x,)

                @app.cell
                def _(x):
                    y = x / 0
                    return (y,)

                @app.cell
                def _(x):
                    z = [][x]
                    z
                    return

                @app.cell
                def _():
                    _secret = 1
                    _secret
                    return

                @app.cell
                def _():
                    _secret
                    return
                """
            ),
        )
        self.assertEqual(proc.returncode, 1)
        err = proc.stderr
        path = os.path.join(self.dir, "nb_errlines.py")
        self.assertIn("weir: cell 1 '_' (%s:11) raised:" % path, err)
        self.assertIn('nb_errlines.py", line 13, in _\n    y = x / 0', err)
        self.assertIn("weir: cell 2 '_' (%s:16) raised:" % path, err)
        self.assertIn('nb_errlines.py", line 18, in _\n    z = [][x]', err)
        self.assertIn("IndexError", err)
        # A private name stays in its cell whichever way the cell is run.
        self.assertIn("weir: cell 4 '_' (%s:28) raised:" % path, err)
        self.assertIn("NameError: name '_secret' is not defined", err)
        self.assertIn("weir: 3 cell(s) raised an error", err)
        self.assertNotIn("_app.py", err)
        self.assertNotIn("_cells.py", err)


if __name__ == "__main__":
    unittest.main()
