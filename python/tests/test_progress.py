"""Live progress indicators (`weir.status`, marimo's `mo.status`) in a real
worker: one output appended when made, redrawn in place (`replace_at`)
as it advances, its last state drawn when it ends, a spinner removed
(`remove_at`) when its block ends (docs/protocol.md, `output`)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.test_batch_io import WorkerProcess  # noqa: E402

PROGRESS = "application/vnd.weir.progress+json"

# Redraw at every step: the throttle is a matter of time, and a test must
# not depend on how fast the machine is.
NO_THROTTLE = "import weir._progress as _p\n_p.REDRAW_EVERY = 0\n"


class ProgressTest(unittest.TestCase):
    def setUp(self):
        self.worker = WorkerProcess()
        self.addCleanup(self.worker.close)

    def run_cell(self, code):
        """The cell's `output` messages and its `done`."""
        w = self.worker
        w.channel.send({"type": "run_batch", "entries": [
            {"cell_id": "c", "name": "_", "code": code, "code_hash": "h%d" % hash(code)}]})
        outputs, done = [], None
        while True:
            message = w.receive()
            if message["type"] == "output":
                outputs.append(message)
            elif message["type"] == "done":
                done = message
            elif message["type"] == "batch_done":
                w.assertOk(done)
                return outputs, done

    def test_a_bar_is_appended_then_redrawn_in_place_and_ends_complete(self):
        outputs, _ = self.run_cell(
            NO_THROTTLE
            + "import weir\nprint_me = weir.output.append('before')\n"
            + "for i in weir.status.progress_bar(range(3), title='Loading', completion_title='Loaded'):\n"
            + "    pass\n"
            + "weir.output.append('after')\n"
        )
        actions = [(m["action"], m.get("at")) for m in outputs]
        self.assertEqual(
            actions,
            [("append", None), ("append", None), ("replace_at", 1), ("replace_at", 1),
             ("replace_at", 1), ("replace_at", 1), ("append", None)],
        )
        states = [m["output"][PROGRESS] for m in outputs if m["output"] and PROGRESS in m["output"]]
        self.assertEqual([s["current"] for s in states], [0, 1, 2, 3, 3])
        self.assertEqual(states[0]["total"], 3)
        self.assertEqual(states[0]["title"], "Loading")
        self.assertFalse(states[-2]["done"])
        self.assertTrue(states[-1]["done"])
        self.assertEqual(states[-1]["title"], "Loaded")
        self.assertEqual(outputs[-2]["output"]["text/plain"], "Loaded 3/3")

    def test_a_spinner_is_removed_when_its_block_ends_unless_asked_to_stay(self):
        outputs, _ = self.run_cell(
            NO_THROTTLE
            + "import marimo as mo\n"
            + "with mo.status.spinner(title='Working') as s:\n"
            + "    s.update('Almost')\n"
            + "with mo.status.spinner(title='Kept', remove_on_exit=False):\n"
            + "    pass\n"
        )
        actions = [(m["action"], m.get("at")) for m in outputs]
        self.assertEqual(
            actions,
            [("append", None), ("replace_at", 0), ("remove_at", 0), ("append", None), ("replace_at", 0)],
        )
        self.assertEqual(outputs[1]["output"][PROGRESS]["title"], "Almost")
        self.assertIsNone(outputs[1]["output"][PROGRESS]["total"])
        self.assertTrue(outputs[-1]["output"][PROGRESS]["done"])

    def test_redraws_are_throttled_and_the_last_state_is_always_drawn(self):
        outputs, _ = self.run_cell(
            "import weir._progress as _p\n_p.REDRAW_EVERY = 3600\n"
            "import weir\nfor i in weir.status.progress_bar(range(1000)):\n    pass\n"
        )
        self.assertEqual([(m["action"], m.get("at")) for m in outputs],
                         [("append", None), ("replace_at", 0)])
        self.assertEqual(outputs[-1]["output"][PROGRESS]["current"], 1000)

    def test_an_indicator_whose_output_was_replaced_is_not_redrawn_over_another(self):
        outputs, _ = self.run_cell(
            NO_THROTTLE
            + "import weir\nbar = weir.status.progress_bar(total=2)\n"
            + "with bar as p:\n    p.update()\n    weir.output.replace('mine')\n    p.update()\n"
        )
        self.assertEqual([(m["action"], m.get("at")) for m in outputs],
                         [("append", None), ("replace_at", 0), ("replace", None)])

    def test_updating_after_the_end_is_an_error_as_in_marimo(self):
        w = self.worker
        code = "import weir\nfor i in (bar := weir.status.progress_bar([1])):\n    pass\nbar.progress.update()\n"
        w.channel.send({"type": "run_batch", "entries": [
            {"cell_id": "e", "name": "_", "code": code, "code_hash": "he"}]})
        while True:
            message = w.receive()
            if message["type"] == "done":
                self.assertEqual(message["status"], "error")
                self.assertIn("cannot be updated", message["error"]["message"])
            if message["type"] == "batch_done":
                break


if __name__ == "__main__":
    unittest.main()
