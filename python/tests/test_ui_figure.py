"""`weir.ui.matplotlib` (marimo's `mo.ui.matplotlib`): the figure and the
axes' geometry it sends the page, and the selection the page sends back
(box or lasso, in data coordinates) with `get_mask` and friends."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from weir import ui  # noqa: E402
from weir.ui._core import MIMETYPE  # noqa: E402

from tests._skip import skip_or_fail  # noqa: E402


class FigureTest(unittest.TestCase):
    def setUp(self):
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
            import numpy as np
        except ImportError:
            skip_or_fail(self, "matplotlib and numpy are not installed")
        self.plt, self.np = plt, np
        self.fig, self.ax = plt.subplots(figsize=(4, 3), dpi=100)
        self.ax.scatter([1, 2, 3], [1, 2, 3])
        self.ax.set_xlim(0, 4)
        self.ax.set_ylim(0, 4)
        self.addCleanup(plt.close, self.fig)

    def test_the_page_gets_the_png_and_where_the_axes_are(self):
        for target in (self.fig, self.ax):
            props = ui.matplotlib(target)._repr_mimebundle_()[MIMETYPE]["props"]
            self.assertEqual((props["width"], props["height"]), (400.0, 300.0))
            self.assertEqual((props["x_bounds"], props["y_bounds"]), ([0.0, 4.0], [0.0, 4.0]))
            left, top, right, bottom = props["axes"]
            self.assertTrue(0 < left < right < 400 and 0 < top < bottom < 300, props["axes"])
            self.assertTrue(props["png"].startswith("iVBORw0KGgo"), "a PNG, base64")

    def test_a_box_or_lasso_selects_the_points_inside_and_nothing_selects_none(self):
        m = ui.matplotlib(self.ax)
        x, y = self.np.array([1, 2, 3]), self.np.array([1, 2, 3])
        self.assertEqual(m.value, {})
        self.assertEqual(m.get_mask(x, y).tolist(), [False, False, False])
        m._update({"mode": "box", "has_selection": True,
                   "selection": {"x_min": 0.5, "x_max": 2.5, "y_min": 0, "y_max": 4}})
        self.assertEqual(m.value.get_mask(x, y).tolist(), [True, True, False])
        self.assertEqual(m.get_bounds(), (0.5, 2.5, 0.0, 4.0))
        self.assertTrue(m.contains_point(1, 1))
        m._update({"mode": "lasso", "has_selection": True,
                   "selection": {"vertices": [[1.5, 0], [4, 0], [4, 4], [1.5, 4]]}})
        self.assertEqual(m.get_indices(x, y).tolist(), [1, 2])
        m._update({})
        self.assertEqual((m.value, m.get_vertices()), ({}, []))

    def test_bad_arguments_and_selections_are_refused(self):
        with self.assertRaisesRegex(TypeError, "Figure with axes, or an Axes"):
            ui.matplotlib("not a figure")
        with self.assertRaisesRegex(ValueError, "modes"):
            ui.matplotlib(self.ax, modes=["circle"])
        self.ax.set_xscale("log")
        with self.assertRaisesRegex(ValueError, "linear"):
            ui.matplotlib(self.ax)
        self.ax.set_xscale("linear")
        m = ui.matplotlib(self.ax)
        for bad in ({"mode": "box", "has_selection": True, "selection": {"x_min": 3, "x_max": 1,
                                                                        "y_min": 0, "y_max": 1}},
                    {"mode": "lasso", "has_selection": True, "selection": {"vertices": [[1, "a"]]}},
                    {"mode": "star", "has_selection": True, "selection": {}},
                    [1, 2]):
            with self.assertRaises(ValueError):
                m._update(bad)
        self.assertEqual(m.value, {}, "a refused selection changes nothing")


if __name__ == "__main__":
    unittest.main()
