"""Script mode: `python nb.py` and programmatic `app.run()`; std only."""

import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def notebook(body: str) -> str:
    return "import weir\n\napp = weir.App()\n\n" + textwrap.dedent(body) + (
        '\n\nif __name__ == "__main__":\n    app.run()\n'
    )


class NotebookCase(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = self._tmp.name
        sys.path.insert(0, self.dir)

    def tearDown(self):
        sys.path.remove(self.dir)
        for name in list(sys.modules):
            if name.startswith("nb_"):
                del sys.modules[name]
        self._tmp.cleanup()

    def write(self, name: str, source: str) -> str:
        path = os.path.join(self.dir, name + ".py")
        with open(path, "w") as f:
            f.write(source)
        return path

    def run_script(self, name: str, source: str):
        path = self.write(name, source)
        env = dict(os.environ)
        env["PYTHONPATH"] = PYTHON_DIR + os.pathsep + env.get("PYTHONPATH", "")
        return subprocess.run(
            [sys.executable, path], capture_output=True, text=True, env=env, cwd=self.dir
        )


class ScriptModeTest(NotebookCase):
    def test_cells_run_in_dependency_order_with_file_order_ties(self):
        proc = self.run_script(
            "nb_order",
            notebook(
                """
                with app.setup:
                    import math

                @app.cell
                def _(x):
                    print("second, reads x =", x)
                    y = x + 1
                    return (y,)

                @app.cell
                def _():
                    print("independent")
                    return

                @app.cell
                def _():
                    print("first")
                    x = math.floor(1.5)
                    return (x,)

                @app.cell(hide_code=True)
                async def _(y):
                    import asyncio
                    await asyncio.sleep(0)
                    print("async got", double(y))
                    return

                @app.function
                def double(v):
                    return 2 * v
                """
            ),
        )
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(
            proc.stdout.splitlines(),
            ["independent", "first", "second, reads x = 1", "async got 4"],
        )

    def test_private_names_stay_in_their_cell_and_builtins_is_a_dict(self):
        # As in the worker (tests/test_private.py) and under marimo.
        proc = self.run_script(
            "nb_private",
            notebook(
                """
                @app.cell
                def _():
                    _i = 5
                    x = _i + 1
                    print(type(__builtins__).__name__, __builtins__["len"]("ab"))
                    return (x,)

                @app.cell
                def _(x):
                    print(x, _i)
                    return
                """
            ),
        )
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertEqual(proc.stdout, "dict 2\n")
        self.assertIn("NameError: name '_i' is not defined", proc.stderr)

    def test_errors_stop_descendants_only_and_exit_1(self):
        proc = self.run_script(
            "nb_err",
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
                def _(y):
                    print("never", y)
                    return

                @app.cell
                def _(x):
                    print("independent", x)
                    return
                """
            ),
        )
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(proc.stdout, "independent 1\n")
        self.assertIn("ZeroDivisionError", proc.stderr)
        # The traceback points into the notebook file at the failing line.
        self.assertIn("nb_err.py\", line 13", proc.stderr)
        self.assertNotIn("_app.py", proc.stderr)

    def test_weir_stop_halts_descendants_quietly(self):
        proc = self.run_script(
            "nb_stop",
            notebook(
                """
                @app.cell
                def _():
                    weir.stop(True)
                    x = 1
                    return (x,)

                @app.cell
                def _(x):
                    print("never", x)
                    return

                @app.cell
                def _():
                    weir.stop(False)
                    print("not stopped")
                    return
                """
            ),
        )
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout, "not stopped\n")
        self.assertEqual(proc.stderr, "")

    def test_disabled_cells_skip_with_descendants(self):
        proc = self.run_script(
            "nb_disabled",
            notebook(
                """
                @app.cell(disabled=True)
                def _():
                    x = 1
                    print("disabled ran")
                    return (x,)

                @app.cell
                def _(x):
                    print("child ran")
                    return

                @app.cell
                def _():
                    print("other ran")
                    return
                """
            ),
        )
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout, "other ran\n")

    def test_unresolved_name_is_a_clear_error(self):
        proc = self.run_script(
            "nb_unresolved",
            notebook(
                """
                @app.cell
                def _(nowhere):
                    print(nowhere)
                    return
                """
            ),
        )
        self.assertEqual(proc.returncode, 1)
        self.assertIn("reads 'nowhere', which no cell defines", proc.stderr)
        self.assertEqual(proc.stdout, "")

    def test_a_return_before_the_cells_end_is_an_error_of_that_cell(self):
        # marimo refuses such a cell (`'return' outside function`), and so
        # does `weir exec`; script mode must not hand its readers an
        # AttributeError from the runner instead.
        proc = self.run_script(
            "nb_stray_return",
            notebook(
                """
                @app.cell
                def _():
                    x = 1
                    if x:
                        return
                    y = 2
                    return (y,)

                @app.cell
                def _(y):
                    print("reader ran", y)
                    return
                """
            ),
        )
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("'return' outside function", proc.stderr)
        self.assertIn("cell 0", proc.stderr)
        self.assertNotIn("AttributeError", proc.stderr)
        self.assertNotIn("reader ran", proc.stdout)

    def test_cycle_and_duplicate_definitions_are_errors(self):
        cycle = self.run_script(
            "nb_cycle",
            notebook(
                """
                @app.cell
                def _(b):
                    a = b
                    return (a,)

                @app.cell
                def _(a):
                    b = a
                    return (b,)
                """
            ),
        )
        self.assertEqual(cycle.returncode, 1)
        self.assertIn("cycle", cycle.stderr)
        dup = self.run_script(
            "nb_dup",
            notebook(
                """
                @app.cell
                def _():
                    a = 1
                    return (a,)

                @app.cell
                def _():
                    a = 2
                    return (a,)
                """
            ),
        )
        self.assertEqual(dup.returncode, 1)
        self.assertIn("'a' is defined by both", dup.stderr)


class ImportTest(NotebookCase):
    SOURCE = notebook(
        """
        with app.setup:
            FACTOR = 3

        @app.cell
        def _():
            print("cell ran")
            x = 2
            return (x,)

        @app.cell
        def _(x):
            weir.md(f"x is {x}")
            return

        @app.cell
        def _(x):
            weir.output.append("a")
            weir.output.append("b")
            return

        @app.function
        def triple(v):
            return FACTOR * v

        @app.function(hide_code=True)
        def quad(v):
            return 4 * v

        @app.class_definition
        class Point:
            def __init__(self, x):
                self.x = x
        """
    )

    def test_from_import_of_functions_and_classes(self):
        self.write("nb_import", self.SOURCE)
        from nb_import import Point, quad, triple  # noqa: E402

        self.assertEqual(triple(2), 6)
        self.assertEqual(quad(2), 8)
        self.assertEqual(Point(5).x, 5)

    def test_importing_runs_no_cells_and_run_returns_outputs_and_defs(self):
        self.write("nb_prog", self.SOURCE)
        import io
        from contextlib import redirect_stdout

        captured = io.StringIO()
        with redirect_stdout(captured):
            import nb_prog  # noqa: F401
        self.assertEqual(captured.getvalue(), "")
        with redirect_stdout(captured):
            outputs, defs = nb_prog.app.run()
        self.assertEqual(captured.getvalue(), "cell ran\n")
        self.assertEqual(defs, {"x": 2})
        self.assertIsNone(outputs[0])
        self.assertEqual(outputs[1]._repr_markdown_(), "x is 2")
        self.assertEqual(outputs[2], ["a", "b"])

    def test_programmatic_errors_raise_run_error(self):
        import weir

        self.write(
            "nb_raises",
            notebook(
                """
                @app.cell
                def _():
                    raise ValueError("boom")
                """
            ),
        )
        import nb_raises
        import io
        from contextlib import redirect_stderr

        with redirect_stderr(io.StringIO()):
            with self.assertRaises(weir.RunError) as caught:
                nb_raises.app.run()
        (error,) = caught.exception.errors.values()
        self.assertIsInstance(error, ValueError)


class ApiTest(unittest.TestCase):
    def test_version_matches_the_cargo_workspace(self):
        import re

        import weir

        root = os.path.dirname(PYTHON_DIR)
        with open(os.path.join(root, "Cargo.toml")) as f:
            cargo = f.read()
        match = re.search(r'\[workspace\.package\][^\[]*?version = "([^"]+)"', cargo)
        self.assertIsNotNone(match)
        self.assertEqual(weir.__version__, match.group(1))

    def test_app_keeps_options_and_md_has_mime(self):
        import weir

        app = weir.App(width="medium", app_title="T", anything=1)
        self.assertEqual(app.options, {"width": "medium", "app_title": "T", "anything": 1})
        m = weir.md("**b**")
        self.assertEqual(m._mime_(), ("text/markdown", "**b**"))
        self.assertEqual(m._repr_markdown_(), "**b**")

    def test_output_helpers_are_harmless_outside_a_run(self):
        import weir

        weir.output.append(1)
        weir.output.replace(2)
        weir.output.clear()

    def test_stop_is_not_caught_by_except_exception(self):
        import weir

        with self.assertRaises(weir.StopCell):
            try:
                weir.stop(True, "out")
            except Exception:  # noqa: BLE001 - the point of the test
                self.fail("weir.stop was swallowed")


class RenderTest(unittest.TestCase):
    def test_bundles(self):
        from weir._render import render

        class Html:
            def _repr_html_(self):
                return "<i>x</i>"

        class Png:
            def _repr_png_(self):
                return b"\x89PNG"

        class BadRepr:
            def __repr__(self):
                raise ValueError("nope")

        self.assertIsNone(render(None))
        self.assertEqual(render(3), {"text/plain": "3"})
        self.assertEqual(render(Html())["text/html"], "<i>x</i>")
        self.assertEqual(render(Png())["image/png"], "iVBORw==")
        self.assertEqual(render(BadRepr()), {"text/plain": "<repr failed: ValueError: nope>"})
        self.assertNotIn("matplotlib", sys.modules)


class WireTest(unittest.TestCase):
    def test_header_checks(self):
        from weir import _wire

        frame = _wire.encode_message(0, {"type": "x"})
        self.assertEqual(len(frame), _wire.HEADER_LEN + len(b'{"type":"x"}'))
        _wire.check_header(0, 0, frame[:24])
        for i in range(24 * 8):
            bad = bytearray(frame[:24])
            bad[i // 8] ^= 1 << (i % 8)
            with self.assertRaises(_wire.FrameError):
                _wire.check_header(0, 0, bytes(bad))
        with self.assertRaises(_wire.FrameError) as caught:
            _wire.check_header(3, 3, frame[:24])
        self.assertEqual(caught.exception.check, "sequence")


if __name__ == "__main__":
    unittest.main()
