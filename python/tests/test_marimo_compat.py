"""`import marimo` inside Weir: the compatibility layer (weir._mocompat,
docs/marimo-api.md).  Each case runs in a fresh interpreter, as a worker or
`python nb.py` would, so the import hook never leaks into other tests."""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

from tests._skip import skip_or_fail

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(code, python=sys.executable, env=None, args=(), extra_path=()):
    """Run `code` after installing the hook as the worker does; returns the
    JSON the code prints last."""
    prelude = "from weir import _mohook\n_mohook.install('worker')\n"
    full = dict(os.environ)
    full.pop("WEIR_MARIMO", None)
    full["PYTHONPATH"] = os.pathsep.join([PYTHON_DIR, *extra_path])
    full.update(env or {})
    proc = subprocess.run(
        [python, "-c", prelude + textwrap.dedent(code), *args], capture_output=True, text=True, env=full
    )
    if proc.returncode != 0:
        raise AssertionError("subprocess failed:\n" + proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


class FakeRealMarimo:
    """A directory holding a package named `marimo`, standing for the real
    one being installed."""

    def __enter__(self):
        self._tmp = tempfile.TemporaryDirectory()
        os.mkdir(os.path.join(self._tmp.name, "marimo"))
        with open(os.path.join(self._tmp.name, "marimo", "__init__.py"), "w") as f:
            f.write("REAL = True\n")
        return self._tmp.name

    def __exit__(self, *exc):
        self._tmp.cleanup()


class MarimoCompatTest(unittest.TestCase):
    def test_import_marimo_gives_the_layer_even_when_marimo_is_installed(self):
        with FakeRealMarimo() as site:
            out = run(
                """
                import json, marimo as mo
                print(json.dumps([mo.__weir__, mo.__name__, hasattr(mo, "REAL")]))
                """,
                extra_path=[site],
            )
            self.assertEqual(out, [True, "marimo", False])
            real = run(
                "import json, marimo\nprint(json.dumps(marimo.REAL))",
                env={"WEIR_MARIMO": "real"},
                extra_path=[site],
            )
            self.assertTrue(real)

    def test_md_layouts_and_stop_map_onto_weir(self):
        out = run(
            """
            import json, marimo as mo, weir
            from weir._render import render
            b = render(mo.vstack([mo.md("**a**"), mo.hstack([1, 2])]))
            try:
                mo.stop(True, mo.md("why"))
                stopped = None
            except weir.StopCell as s:
                stopped = s.output.text
            titled = render(mo.md("x").callout(kind="warn", title="T"))["application/vnd.weir.layout+json"]
            tabs = mo.ui.tabs({"A": "a", "B": "b"}) if not hasattr(weir, "ui") else mo.tabs({"A": "a"})
            print(json.dumps([sorted(b), b["application/vnd.weir.layout+json"]["kind"], stopped,
                              mo.md("x").center().kind, mo.MarimoStopError is weir.StopCell,
                              titled["props"], tabs.value, "len" in mo.doc(len).text]))
            """
        )
        self.assertEqual(
            out,
            [["application/vnd.weir.layout+json", "text/plain"], "vstack", "why", "center", True,
             {"kind": "warn", "title": "T"}, "A", True],
        )

    def test_unsupported_calls_name_the_call_and_the_doc(self):
        out = run(
            """
            import json, marimo as mo
            errors = []
            for call in (lambda: mo.mermaid("graph"), lambda: mo.ui.no_such_element(1),
                         lambda: mo.output.replace_at_index(1, 0)):
                try:
                    call()
                except NotImplementedError as exc:
                    errors.append(str(exc))
            try:
                mo.md("{x}").batch(x=1)
            except NotImplementedError as exc:
                errors.append(str(exc))
            try:
                import marimo._runtime.context
            except ModuleNotFoundError as exc:
                errors.append(str(exc))
            try:
                mo.no_such_name
            except AttributeError as exc:
                errors.append(str(exc))
            print(json.dumps(errors))
            """
        )
        self.assertEqual(len(out), 6, out)
        self.assertIn("marimo.mermaid is not supported", out[0])
        self.assertIn("marimo.ui.no_such_element is not supported", out[1])
        self.assertIn("marimo.output.replace_at_index", out[2])
        self.assertIn("Markdown.batch", out[3])
        self.assertIn("'marimo._runtime'", out[4])
        for message in out[:5]:
            self.assertIn("docs/marimo-api.md", message)
        self.assertIn("'no_such_name'", out[5])

    def test_cache_keys_on_arguments_and_globals_read(self):
        out = run(
            """
            import json, marimo as mo
            calls = []
            factor = 2
            @mo.cache
            def f(x, _log=calls):
                _log.append(x)
                return x * factor
            a = [f(1), f(1), f([1, 2]), f([1, 2])]
            factor = 3
            a.append(f(1))
            @mo.lru_cache(maxsize=1)
            def g(x, _log=calls):
                _log.append(("g", x))
                return x
            g(1); g(2); g(1)
            with mo.persistent_cache("block") as c:
                ran = True
            print(json.dumps([a, len(calls), f.hits, f.cache_info().misses, g.cache_info().currsize, ran]))
            """
        )
        self.assertEqual(out, [[2, 2, [1, 2, 1, 2], [1, 2, 1, 2], 3], 6, 2, 3, 1, True])

    def test_state_status_and_runtime_queries(self):
        out = run(
            """
            import json, marimo as mo
            get, set_ = mo.state(1)
            set_(lambda v: v + 1)
            items = list(mo.status.progress_bar([1, 2, 3], title="t"))
            with mo.status.spinner(title="s"):
                pass
            print(json.dumps([get(), items, mo.app_meta().mode, mo.running_in_notebook(),
                              dict(mo.cli_args()), mo.query_params().to_dict()]))
            """
        )
        self.assertEqual(out, [2, [1, 2, 3], "run", True, {}, {}])

    def test_sql_without_duckdb_says_how_to_get_it(self):
        out = run(
            """
            import json, sys
            sys.modules["duckdb"] = None  # as if not installed
            import marimo as mo
            try:
                mo.sql("select 1")
            except ModuleNotFoundError as exc:
                print(json.dumps(str(exc)))
            """
        )
        self.assertIn("marimo.sql needs the duckdb package", out)
        self.assertIn("pip install duckdb", out)

    def test_sql_queries_frames_in_the_callers_scope(self):
        python = os.environ.get("WEIR_TEST_DUCKDB_PYTHON", "")
        if not python or not os.path.exists(python):
            skip_or_fail(self, "no Python with duckdb and pandas (set WEIR_TEST_DUCKDB_PYTHON)")
        out = run(
            """
            import json, marimo as mo, pandas as pd
            people = pd.DataFrame({"name": ["a", "b", "c"], "age": [30, 40, 50]})
            def cell():
                limit = 35
                return mo.sql(f"select name from people where age > {limit} order by name")
            df = cell()
            names = list(df["name"]) if hasattr(df, "columns") else None
            mo.sql("create or replace table t as select 7 as v", output=False)
            # As marimo's SQL tutorial writes it: comments around one statement.
            q = chr(10).join(["", "  -- before", "", "  select count(*) as n from people;", "", "  -- after", "  "])
            n = mo.sql(q, output=False)
            v = mo.sql("select v from t", output=False)
            print(json.dumps([names, int(list(v["v"])[0]), int(list(n["n"])[0])]))
            """,
            python=python,
        )
        self.assertEqual(out, [["b", "c"], 7, 3])


class ScriptModeMarimoTest(unittest.TestCase):
    def test_script_mode_cells_import_the_layer(self):
        with tempfile.TemporaryDirectory() as d, FakeRealMarimo() as site:
            path = os.path.join(d, "nb_mo.py")
            with open(path, "w") as f:
                f.write(textwrap.dedent(
                    """
                    import weir
                    app = weir.App()

                    @app.cell
                    def _():
                        import json
                        import marimo as mo
                        return json, mo

                    @app.cell
                    def _(json, mo):
                        print(json.dumps([mo.__weir__, mo.app_meta().mode, mo.cli_args(),
                                          str(mo.notebook_dir())]))
                        return

                    @app.cell
                    def _(mo):
                        mo.stop(True)
                        z = 1
                        return (z,)

                    @app.cell
                    def _(z):
                        print("never", z)
                        return

                    if __name__ == "__main__":
                        app.run()
                    """
                ))
            env = dict(os.environ, PYTHONPATH=os.pathsep.join([PYTHON_DIR, site]))
            env.pop("WEIR_MARIMO", None)
            proc = subprocess.run(
                [sys.executable, path, "--", "--n", "3", "--name=x"], capture_output=True, text=True, env=env
            )
            self.assertEqual(proc.returncode, 0, proc.stderr)
            lines = proc.stdout.strip().splitlines()
            self.assertEqual(len(lines), 1, proc.stdout)
            self.assertEqual(
                json.loads(lines[0]),
                [True, "script", {"n": 3, "name": "x"}, os.path.realpath(d)],
            )


if __name__ == "__main__":
    unittest.main()
