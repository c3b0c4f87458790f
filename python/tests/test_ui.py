"""`weir.ui` elements: argument validation when made, value validation when
the page sends one, the display bundle; and, in a real worker process, the
`done` report of bound names, `set_ui_value`, stale ids and `weir.state`
(docs/python.md, "Interactive elements"; docs/protocol.md)."""

import datetime
import os
import sys
import unittest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PYTHON_DIR)

import weir  # noqa: E402
from weir import ui  # noqa: E402
from weir.ui._core import MIMETYPE  # noqa: E402

from tests._skip import skip_or_fail  # noqa: E402
from tests.test_private import WorkerProcess  # noqa: E402


class BundleTest(unittest.TestCase):
    def test_bundle_has_id_kind_label_props_value_and_text(self):
        s = ui.slider(0, 10, step=2, value=4, label="n")
        bundle = s._repr_mimebundle_()
        data = bundle[MIMETYPE]
        self.assertEqual(sorted(data), ["id", "kind", "label", "props", "value"])
        self.assertEqual((data["kind"], data["label"], data["value"]), ("slider", "n", 4))
        self.assertEqual(data["props"]["step"], 2)
        self.assertEqual(bundle["text/plain"], "<slider 'n': 4>")

    def test_each_creation_has_its_own_id(self):
        self.assertNotEqual(ui.checkbox().id, ui.checkbox().id)

    def test_value_is_read_only_from_code(self):
        with self.assertRaisesRegex(RuntimeError, "set from the page"):
            ui.switch().value = True

    def test_label_must_be_text(self):
        with self.assertRaisesRegex(TypeError, "label must be a str"):
            ui.checkbox(label=3)

    def test_lazy_attribute_on_the_package(self):
        self.assertIs(weir.ui.slider, ui.slider)


class SliderTest(unittest.TestCase):
    def test_arguments(self):
        with self.assertRaisesRegex(ValueError, r"slider: stop \(1\) must not be less than start"):
            ui.slider(5, 1)
        with self.assertRaisesRegex(ValueError, "step must be positive"):
            ui.slider(0, 1, step=0)
        with self.assertRaisesRegex(TypeError, "start must be a number"):
            ui.slider("0", 1)
        with self.assertRaisesRegex(ValueError, "outside"):
            ui.slider(0, 10, value=11)
        with self.assertRaisesRegex(ValueError, "either steps or start"):
            ui.slider(0, 1, steps=[0, 1])
        with self.assertRaisesRegex(ValueError, "orientation"):
            ui.slider(0, 1, orientation="diagonal")

    def test_values(self):
        s = ui.slider(0, 10, step=2)
        self.assertEqual(s.value, 0)
        s._update(6)
        self.assertEqual(s.value, 6)
        s._update(6.0)
        self.assertIsInstance(s.value, int)
        for bad, why in ((11, "outside"), (3, "step grid"), ("4", "expected a number"),
                         (True, "expected a number"), (float("nan"), "finite")):
            with self.assertRaisesRegex(ValueError, why):
                s._update(bad)
        self.assertEqual(s.value, 6)  # a refused value changes nothing

    def test_steps(self):
        s = ui.slider(steps=[1, 5, 10])
        self.assertEqual(s.value, 1)
        s._update(5)
        with self.assertRaisesRegex(ValueError, "not one of its steps"):
            s._update(4)

    def test_range_slider(self):
        r = ui.range_slider(0, 10)
        self.assertEqual(r.value, [0, 10])
        r._update([2, 3])
        self.assertEqual(r.value, [2, 3])
        with self.assertRaisesRegex(ValueError, "low end 5 is above high end 3"):
            r._update([5, 3])
        with self.assertRaisesRegex(ValueError, "pair"):
            r._update(4)
        with self.assertRaisesRegex(TypeError, "pair"):
            ui.range_slider(0, 10, value=3)


class OtherInputsTest(unittest.TestCase):
    def test_number(self):
        n = ui.number(start=1, stop=5)
        self.assertEqual(n.value, 1)
        n._update(None)
        self.assertIsNone(n.value)
        with self.assertRaisesRegex(ValueError, "above its stop"):
            n._update(6)
        with self.assertRaisesRegex(ValueError, "stop .* must not be less"):
            ui.number(start=3, stop=1)

    def test_text_and_text_area(self):
        t = ui.text(value="a", max_length=3)
        t._update("abc")
        with self.assertRaisesRegex(ValueError, "over max_length 3"):
            t._update("abcd")
        with self.assertRaisesRegex(ValueError, "text: expected text"):
            t._update(3)
        with self.assertRaisesRegex(ValueError, "kind must be one of"):
            ui.text(kind="number")
        with self.assertRaisesRegex(ValueError, "rows must be a positive int"):
            ui.text_area(rows=0)
        with self.assertRaisesRegex(TypeError, "text_area: value must be a str"):
            ui.text_area(value=None)

    def test_checkbox_and_switch(self):
        c = ui.checkbox()
        c._update(True)
        self.assertIs(c.value, True)
        with self.assertRaisesRegex(ValueError, "switch: expected true or false"):
            ui.switch()._update(1)
        with self.assertRaisesRegex(TypeError, "checkbox: value must be True or False"):
            ui.checkbox(value="yes")

    def test_dropdown(self):
        d = ui.dropdown({"one": 1, "two": 2}, value="two")
        self.assertEqual((d.value, d.selected_key), (2, "two"))
        d._update(["one"])
        self.assertEqual(d.value, 1)
        with self.assertRaisesRegex(ValueError, "'three' is not one of its options"):
            d._update(["three"])
        with self.assertRaisesRegex(ValueError, "a choice is required"):
            d._update([])
        free = ui.dropdown(["a", "b"])
        self.assertIsNone(free.value)
        free._update([])
        with self.assertRaisesRegex(ValueError, "value 'c' is not one of its options"):
            ui.dropdown(["a"], value="c")
        with self.assertRaisesRegex(TypeError, "options must be"):
            ui.dropdown("ab")

    def test_radio_and_multiselect(self):
        r = ui.radio(["x", "y"], value="x")
        r._update("y")
        self.assertEqual(r.value, "y")
        with self.assertRaisesRegex(ValueError, "radio: 'z' is not one of"):
            r._update("z")
        m = ui.multiselect({"a": 1, "b": 2, "c": 3}, max_selections=2)
        self.assertEqual(m.value, [])
        m._update(["a", "c"])
        self.assertEqual(m.value, [1, 3])
        with self.assertRaisesRegex(ValueError, "over max_selections 2"):
            m._update(["a", "b", "c"])

    def test_buttons(self):
        b = ui.button(value=0, on_click=lambda n: n + 1)
        self.assertEqual(b.value, 0)
        b._update(1)
        b._update(2)
        self.assertEqual(b.value, 2)
        with self.assertRaisesRegex(ValueError, "click count"):
            b._update(-1)
        with self.assertRaisesRegex(ValueError, "kind must be one of"):
            ui.button(kind="loud")
        rb = ui.run_button()
        self.assertIs(rb.value, False)
        rb._update(1)
        self.assertIs(rb.value, True)

    def test_date(self):
        d = ui.date(start="2024-01-01", stop="2024-12-31", value="2024-06-01")
        self.assertEqual(d.value, datetime.date(2024, 6, 1))
        d._update("2024-02-29")
        self.assertEqual(d.value, datetime.date(2024, 2, 29))
        with self.assertRaisesRegex(ValueError, "after its stop"):
            d._update("2025-01-01")
        with self.assertRaisesRegex(ValueError, "not an ISO date"):
            d._update("yesterday")
        with self.assertRaisesRegex(ValueError, "stop 2023-01-01 is before start"):
            ui.date(start="2024-01-01", stop="2023-01-01")

    def test_on_change_must_be_callable(self):
        with self.assertRaisesRegex(TypeError, "on_change must be callable"):
            ui.checkbox(on_change=3)


class CompositeTest(unittest.TestCase):
    def test_table_rows_columns_and_selection(self):
        rows = [{"a": 1, "b": "x"}, {"a": 2, "c": object()}]
        t = ui.table(rows)
        props = t._bundle()["props"]
        self.assertEqual(props["columns"], ["a", "b", "c"])
        self.assertEqual(props["rows"][0], [1, "x", None])
        self.assertIsInstance(props["rows"][1][2], str)  # not JSON: shown as text
        self.assertEqual(t.value, [])
        t._update([1, 0])
        self.assertEqual(t.value, [rows[1], rows[0]])
        with self.assertRaisesRegex(ValueError, "row 2 is not one of its 2 rows"):
            t._update([2])
        with self.assertRaisesRegex(ValueError, "list of row indices"):
            t._update(1)

    def test_table_data_forms_and_arguments(self):
        columns = ui.table({"a": [1, 2, 3]}, selection="single", initial_selection=[0])
        self.assertEqual(columns.value, {"a": [1]})
        with self.assertRaisesRegex(ValueError, "one row may be selected"):
            columns._update([0, 1])
        values = ui.table(["p", "q"])
        values._update([1])
        self.assertEqual(values.value, ["q"])
        with self.assertRaisesRegex(ValueError, "all of one length"):
            ui.table({"a": [1], "b": [1, 2]})
        with self.assertRaisesRegex(ValueError, "not supported by weir yet"):
            ui.table([], selection="multi-cell")
        with self.assertRaisesRegex(ValueError, "this table has no selection"):
            ui.table([{"a": 1}], selection=None)._update([0])
        with self.assertRaisesRegex(TypeError, "data must be"):
            ui.table(3)
        with self.assertRaisesRegex(ValueError, "page_size"):
            ui.table([], page_size=0)

    def test_table_of_a_pandas_frame_selects_a_frame(self):
        try:
            import pandas as pd
        except ImportError:
            skip_or_fail(self, "pandas is not installed")
        frame = pd.DataFrame({"name": ["ann", "bob", "cy"], "n": [1, 2, 3]})
        t = ui.table(frame, selection="single")
        props = t._bundle()["props"]
        self.assertEqual(props["columns"], ["name", "n"])
        self.assertEqual(props["rows"][2], ["cy", 3])
        t._update([1])
        self.assertEqual(list(t.value["name"]), ["bob"])
        self.assertEqual(type(t.value).__name__, "DataFrame")

    def test_form_value_arrives_on_submit_and_is_validated(self):
        f = ui.slider(0, 10).form(submit_button_label="Go")
        self.assertIsNone(f.value)
        self.assertEqual(f._bundle()["props"]["element"]["kind"], "slider")
        f._update(4)
        self.assertEqual(f.value, 4)
        with self.assertRaisesRegex(ValueError, "form: slider: 40 is outside"):
            f._update(40)
        odd = ui.number().form(validate=lambda v: None if v % 2 else "must be odd")
        with self.assertRaisesRegex(ValueError, "form: must be odd"):
            odd._update(2)
        with self.assertRaisesRegex(TypeError, "form: element must be"):
            ui.form(3)

    def test_array_and_dictionary(self):
        a = ui.array([ui.slider(0, 5), ui.checkbox()], label="both")
        self.assertEqual(a.value, [0, False])
        a._update([3, True])
        self.assertEqual((a.value, a[0].value, len(a)), ([3, True], 3, 2))
        with self.assertRaisesRegex(ValueError, "array: item 0: slider: 9 is outside"):
            a._update([9, True])
        with self.assertRaisesRegex(ValueError, "list of 2 values"):
            a._update([1])
        with self.assertRaisesRegex(TypeError, "array: item 1 is not a weir.ui element"):
            ui.array([ui.checkbox(), 3])
        d = ui.dictionary({"name": ui.text(), "ok": ui.switch()})
        d._update({"name": "x", "ok": True})
        self.assertEqual(d.value, {"name": "x", "ok": True})
        self.assertEqual(d["name"].value, "x")
        with self.assertRaisesRegex(ValueError, "exactly the keys"):
            d._update({"name": "x"})
        with self.assertRaisesRegex(TypeError, "keys must be str"):
            ui.dictionary({1: ui.text()})


class MoreInputsTest(unittest.TestCase):
    def test_datetime(self):
        d = ui.datetime(start="2024-01-01T00:00", value="2024-01-02T03:04")
        self.assertEqual(d.value, datetime.datetime(2024, 1, 2, 3, 4))
        d._update("2024-05-06T07:08")
        self.assertEqual(d.value.month, 5)
        with self.assertRaisesRegex(ValueError, "before its start"):
            d._update("2023-01-01T00:00")
        with self.assertRaisesRegex(ValueError, "not an ISO date and time"):
            d._update("noon")
        with self.assertRaisesRegex(ValueError, "precision"):
            ui.datetime(precision="day")

    def test_code_editor(self):
        c = ui.code_editor("x = 1", language="sql")
        self.assertEqual(c._bundle()["props"]["language"], "sql")
        c._update("select 1")
        self.assertEqual(c.value, "select 1")
        with self.assertRaisesRegex(TypeError, "language"):
            ui.code_editor(language="")

    def test_refresh(self):
        r = ui.refresh(["1s", "5m", 2], default_interval="1s")
        self.assertEqual(r._bundle()["props"]["seconds"], [1.0, 300.0, 2.0])
        r._update(4)
        self.assertEqual(r.value, 4)
        with self.assertRaisesRegex(ValueError, "under 0.1 s"):
            ui.refresh(["10ms"])
        with self.assertRaisesRegex(ValueError, "an interval is"):
            ui.refresh(["soon"])
        with self.assertRaisesRegex(ValueError, "not one of its options"):
            ui.refresh(["1s"], default_interval="2s")
        with self.assertRaisesRegex(ValueError, "tick count"):
            r._update(-1)

    def test_file(self):
        import base64

        f = ui.file(filetypes=[".csv"])
        f._update([{"name": "a.csv", "contents": base64.b64encode(b"x,y").decode()}])
        self.assertEqual((f.name(), f.contents()), ("a.csv", b"x,y"))
        self.assertEqual(f._bundle()["value"], [{"name": "a.csv", "size": 3}])
        with self.assertRaisesRegex(ValueError, "one file may be uploaded"):
            f._update([{"name": "a", "contents": ""}, {"name": "b", "contents": ""}])
        with self.assertRaisesRegex(ValueError, "not base64"):
            f._update([{"name": "a", "contents": "!!"}])
        with self.assertRaisesRegex(ValueError, "filetype"):
            ui.file(filetypes=["csv"])


class WorkerFlowTest(unittest.TestCase):
    def setUp(self):
        self.worker = WorkerProcess()
        self.addCleanup(self.worker.close)

    def set_value(self, element_id, value):
        self.worker.channel.send({"type": "set_ui_value", "element_id": element_id, "value": value})
        reply = self.worker.channel.receive()
        self.assertEqual(reply["type"], "ui_value_set", reply)
        return reply

    def test_done_names_bound_elements_and_values_flow(self):
        w = self.worker
        done = w.run("c1", "import weir\ns = weir.ui.slider(0, 10)\ns")
        self.assertEqual(done["status"], "ok", done)
        element_id = done["ui"]["s"]
        self.assertEqual(done["output"][MIMETYPE]["id"], element_id)
        reply = self.set_value(element_id, 7)
        self.assertTrue(reply["accepted"], reply)
        self.assertEqual(reply["value"], 7)
        self.assertEqual(w.value("c2", "s.value * 2"), "14")
        bad = self.set_value(element_id, 70)
        self.assertFalse(bad["accepted"])
        self.assertIn("slider: 70 is outside [0, 10]", bad["error"])
        # Re-running the creating cell makes the element afresh.
        again = w.run("c1", "import weir\ns = weir.ui.slider(0, 10)\ns")
        self.assertNotEqual(again["ui"]["s"], element_id)
        stale = self.set_value(element_id, 3)
        self.assertFalse(stale["accepted"])
        self.assertIn("ran again or was deleted", stale["error"])

    def test_a_state_setter_reports_the_getters_names(self):
        w = self.worker
        w.run("c1", "import weir\nget, set_ = weir.state(1)")
        done = w.run("c2", "set_(get() + 1)")
        self.assertEqual(
            done["state"], [{"names": ["get"], "cell_id": "c2", "allow_self_loops": False}]
        )
        self.assertEqual(w.value("c3", "get()"), "2")
        self.assertNotIn("state", w.run("c4", "x = 1"))

    def batch(self, cell_id, code):
        """One cell as a `run_batch`, as the runtime runs cells; what it printed."""
        self.worker.channel.send({"type": "run_batch", "entries": [
            {"cell_id": cell_id, "name": "_", "code": code, "code_hash": str(hash(code))}]})
        printed = []
        while True:
            message = self.worker.channel.receive()
            if message["type"] == "stream":
                printed.append(message["text"])
            if message["type"] == "batch_done":
                return "".join(printed)

    def test_a_run_button_is_true_for_the_run_its_click_causes(self):
        w = self.worker
        element_id = w.run("c1", "import weir\nrb = weir.ui.run_button()\nrb")["ui"]["rb"]
        self.assertEqual(self.batch("c2", "print(rb.value)"), "False\n")
        self.assertTrue(self.set_value(element_id, 1)["accepted"])
        self.assertEqual(self.batch("c2", "print(rb.value)"), "True\n")
        self.assertEqual(self.batch("c2", "print(rb.value)"), "False\n")
