"""`weir.ui.altair_chart` (and `mo.ui.altair_chart`): a chart selection as
the page sends it, `{param: {field: values}}`, turned into marimo's value,
the chart's data filtered by it; argument errors. Needs a Python with
altair and pandas (`scripts/test.sh` runs these tests with one); without
them each test fails under CI and is skipped elsewhere."""

import io
import os
import subprocess
import sys
import textwrap
import unittest
from contextlib import redirect_stderr

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PYTHON_DIR)

from weir import ui  # noqa: E402
from weir.ui._core import MIMETYPE  # noqa: E402

from tests._skip import skip_or_fail  # noqa: E402

try:
    import altair as alt
    import pandas as pd
except ImportError:  # pragma: no cover - depends on the interpreter
    alt = pd = None


def cars():
    return pd.DataFrame({
        "hp": [100, 130, 150, 165, 190, 95],
        "mpg": [30.0, 18.0, 15.0, 14.0, 12.0, 26.0],
        "origin": ["Japan", "USA", "USA", "Europe", "USA", "Japan"],
    })


class AltairCase(unittest.TestCase):
    def setUp(self):
        if alt is None:
            skip_or_fail(self, "this Python has no altair and pandas (run with "
                               "target/rich-venv/bin/python, as scripts/test.sh does)")
        self.df = cars()
        self.chart = alt.Chart(self.df).mark_point().encode(x="hp", y="mpg", color="origin")


class ValueTest(AltairCase):
    def test_no_selection_is_the_data_with_no_rows(self):
        c = ui.altair_chart(self.chart)
        self.assertIsInstance(c.value, pd.DataFrame)
        self.assertEqual(list(c.value.columns), ["hp", "mpg", "origin"])
        self.assertEqual(len(c.value), 0)
        self.assertEqual(c.selections, {})
        # Params present but empty (a click on the background) are no selection.
        c._update({"select_point": {}, "select_interval": {"hp": []}})
        self.assertEqual(len(c.value), 0)

    def test_interval_on_x_and_y_keeps_rows_inside_both_ranges_ends_included(self):
        c = ui.altair_chart(self.chart)
        c._update({"select_interval": {"hp": [130, 165], "mpg": [14.0, 17.0]}})
        self.assertEqual(list(c.value["hp"]), [150, 165])
        self.assertEqual(c.selections, {"select_interval": {"hp": [130, 165], "mpg": [14.0, 17.0]}})

    def test_interval_on_one_field(self):
        c = ui.altair_chart(self.chart)
        c._update({"select_interval": {"hp": [90, 130]}})
        self.assertEqual(sorted(c.value["hp"]), [95, 100, 130])

    def test_point_selection_matches_whole_points(self):
        c = ui.altair_chart(self.chart)
        # Two points chosen (shift-click): rows equal to either point, not
        # the cross product of their fields.
        c._update({"select_point": {
            "hp": [130, 95], "mpg": [18.0, 26.0],
            "vlPoint": {"or": [{"hp": 130, "mpg": 18.0}, {"hp": 95, "mpg": 26.0}]}}})
        self.assertEqual(sorted(c.value["hp"]), [95, 130])

    def test_point_selection_on_a_field_without_vlpoint_uses_its_values(self):
        c = ui.altair_chart(self.chart)
        c._update({"legend_selection_origin": {"origin": ["USA"]}})
        self.assertEqual(list(c.value["hp"]), [130, 150, 190])
        c._update({"legend_selection_origin": {
            "origin": ["Japan"], "vlPoint": {"or": [{"origin": "Japan"}]}}})
        self.assertEqual(list(c.value["hp"]), [100, 95])

    def test_params_are_anded_and_pan_zoom_filters_nothing(self):
        c = ui.altair_chart(self.chart)
        c._update({
            "select_interval": {"hp": [90, 160]},
            "legend_selection_origin": {"origin": ["USA"], "vlPoint": {"or": [{"origin": "USA"}]}},
            "pan_zoom": {"hp": [0, 1]},
        })
        self.assertEqual(list(c.value["hp"]), [130, 150])

    def test_row_ids_when_the_point_has_no_fields(self):
        c = ui.altair_chart(self.chart)
        c._update({"select_point": {"_vgsid_": [2, 6], "vlPoint": {"or": [{"_vgsid_": 2}]}}})
        self.assertEqual(list(c.value["hp"]), [130, 95])
        c._update({"select_point": {"_vgsid_": [99], "vlPoint": {"or": [{"_vgsid_": 99}]}}})
        self.assertEqual(len(c.value), 0)

    def test_binned_interval_excludes_the_high_end_except_in_the_last_bin(self):
        chart = alt.Chart(self.df).mark_bar().encode(x=alt.X("hp", bin=True), y="count()")
        c = ui.altair_chart(chart)
        c._update({"select_interval": {"hp": [130, 150]}})
        self.assertEqual(list(c.value["hp"]), [130])
        c._update({"select_interval": {"hp": [165, 190]}})
        self.assertEqual(list(c.value["hp"]), [165, 190])

    def test_temporal_interval_arrives_as_epoch_milliseconds(self):
        import datetime

        df = pd.DataFrame({"day": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-09"]),
                           "n": [1, 2, 3]})
        c = ui.altair_chart(alt.Chart(df).mark_point().encode(x="day:T", y="n"))
        ms = [datetime.datetime(2024, 1, 2).timestamp() * 1000,
              datetime.datetime(2024, 1, 9).timestamp() * 1000]
        c._update({"select_interval": {"day": ms}})
        self.assertEqual(list(c.value["n"]), [2, 3])

    def test_a_field_the_data_lacks_is_refused_naming_it(self):
        c = ui.altair_chart(self.chart)
        with self.assertRaisesRegex(ValueError, "altair_chart: selection 'select_interval' names "
                                                "field 'weight'"):
            c._update({"select_interval": {"weight": [1, 2]}})
        self.assertEqual(c.selections, {})  # nothing changed

    def test_a_malformed_selection_is_refused(self):
        c = ui.altair_chart(self.chart)
        for bad in ([1], {"select_point": [1]}, "x"):
            with self.assertRaisesRegex(ValueError, r"altair_chart: expected a selection"):
                c._update(bad)

    def test_apply_selection_filters_another_frame(self):
        c = ui.altair_chart(self.chart)
        c._update({"select_interval": {"hp": [150, 200]}})
        other = cars().assign(extra=range(6))
        self.assertEqual(list(c.apply_selection(other)["extra"]), [2, 3, 4])
        with self.assertRaisesRegex(TypeError, "apply_selection: expected a pandas"):
            c.apply_selection([1, 2])


class BundleAndArgumentsTest(AltairCase):
    def test_bundle_carries_the_spec_and_selection_options(self):
        c = ui.altair_chart(self.chart, chart_selection="interval", legend_selection=["origin"],
                            label="cars")
        data = c._repr_mimebundle_()[MIMETYPE]
        self.assertEqual(data["kind"], "altair_chart")
        self.assertEqual(data["value"], {})
        props = data["props"]
        self.assertEqual((props["chart_selection"], props["legend_selection"]),
                         ("interval", ["origin"]))
        self.assertRegex(props["mime"], r"^application/vnd\.vegalite\.v\d+\+json$")
        self.assertEqual(props["spec"]["mark"], {"type": "point"})
        self.assertEqual(props["spec"]["title"], "cars")
        # Data inline (Altair's default transformer): nothing to fetch.
        self.assertTrue(props["spec"]["datasets"])
        self.assertEqual(c._repr_mimebundle_()["text/plain"], "<altair_chart 'cars': 0 rows selected>")
        self.assertIs(c.dataframe, self.df)
        self.assertEqual(c.mark, "point")  # the chart's attributes, as marimo proxies them

    def test_a_chart_with_its_own_selection_gets_none_added(self):
        own = self.chart.add_params(alt.selection_point(fields=["origin"], name="pick"))
        err = io.StringIO()
        with redirect_stderr(err):
            c = ui.altair_chart(own, chart_selection="point")
        self.assertIs(c._repr_mimebundle_()[MIMETYPE]["props"]["chart_selection"], False)
        self.assertIn("already has a selection param", err.getvalue())
        c._update({"pick": {"origin": ["Europe"], "vlPoint": {"or": [{"origin": "Europe"}]}}})
        self.assertEqual(list(c.value["hp"]), [165])
        legend = self.chart.add_params(alt.selection_point(fields=["origin"], bind="legend"))
        props = ui.altair_chart(legend)._repr_mimebundle_()[MIMETYPE]["props"]
        self.assertEqual((props["chart_selection"], props["legend_selection"]), (True, False))

    def test_not_a_chart_is_refused(self):
        with self.assertRaisesRegex(ValueError, "altair_chart: chart must be an Altair chart.*"
                                                "got DataFrame"):
            ui.altair_chart(self.df)

    def test_bad_options_are_refused(self):
        with self.assertRaisesRegex(ValueError, "chart_selection must be True, False, 'point' or "
                                                "'interval', got 'lasso'"):
            ui.altair_chart(self.chart, chart_selection="lasso")
        with self.assertRaisesRegex(ValueError, "legend_selection must be a bool or a list"):
            ui.altair_chart(self.chart, legend_selection="origin")

    def test_url_data_is_refused_saying_it_cannot_be_filtered(self):
        chart = alt.Chart("https://example.com/cars.json").mark_point().encode(x="hp:Q")
        with self.assertRaisesRegex(ValueError, "the chart's data is the URL "
                                                "'https://example.com/cars.json'.*never loads"):
            ui.altair_chart(chart)
        with self.assertRaisesRegex(ValueError, "is the URL 'cars.csv'"):
            ui.altair_chart(alt.Chart(alt.UrlData("cars.csv")).mark_point())

    def test_without_altair_it_says_to_install_it(self):
        code = textwrap.dedent("""
            import sys
            sys.modules["altair"] = None  # as if not installed
            from weir import ui
            try:
                ui.altair_chart(object())
            except ModuleNotFoundError as exc:
                print(exc)
        """)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=dict(os.environ, PYTHONPATH=PYTHON_DIR), check=True).stdout
        self.assertIn("altair_chart needs the altair package", out)
        self.assertIn("pip install altair", out)

    def test_marimo_names_map_onto_it(self):
        code = textwrap.dedent("""
            import weir._mohook as hook
            hook.install("worker")
            import altair as alt, pandas as pd
            import marimo as mo
            df = pd.DataFrame({"a": [1, 2, 3], "b": [3, 2, 1]})
            c = mo.ui.altair_chart(alt.Chart(df).mark_point().encode(x="a", y="b"),
                                   chart_selection="interval", legend_selection=False, label="L")
            c._update({"select_interval": {"a": [2, 3]}})
            print(type(c).__module__, len(c.value), c.selections)
        """)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=dict(os.environ, PYTHONPATH=PYTHON_DIR))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.strip(),
                         "weir.ui._chart 2 {'select_interval': {'a': [2, 3]}}")


if __name__ == "__main__":
    unittest.main()
