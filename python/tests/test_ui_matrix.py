"""`weir.ui.matrix` (marimo's `mo.ui.matrix`): argument validation when
made, value validation when the page sends a grid."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from weir import ui  # noqa: E402
from weir.ui._core import MIMETYPE  # noqa: E402


class NumpyLike:
    """What the element takes from numpy: `tolist()`."""

    def __init__(self, rows):
        self.rows = rows

    def tolist(self):
        return self.rows


class MatrixTest(unittest.TestCase):
    def test_the_value_is_the_grid_of_floats_and_scalars_broadcast(self):
        m = ui.matrix([[1, 0], [0, 1]], min_value=-5, max_value=5, step=0.5, label="I")
        self.assertEqual(m.value, [[1.0, 0.0], [0.0, 1.0]])
        props = m._repr_mimebundle_()[MIMETYPE]["props"]
        self.assertEqual(props["min_value"], [[-5.0, -5.0], [-5.0, -5.0]])
        self.assertEqual(props["step"], [[0.5, 0.5], [0.5, 0.5]])
        self.assertEqual(props["disabled"], [[False, False], [False, False]])
        self.assertEqual(ui.matrix(NumpyLike([[2, 3]])).value, [[2.0, 3.0]])

    def test_bad_arguments_are_refused_naming_what(self):
        cases = [
            (lambda: ui.matrix([]), "non-empty"),
            (lambda: ui.matrix([[1, 2], [3]]), "row 1 must have 2"),
            (lambda: ui.matrix([[1, "x"]]), r"value\[0\]\[1\] is not a number"),
            (lambda: ui.matrix([[1]], step=0), "step.*positive"),
            (lambda: ui.matrix([[1]], min_value=2, max_value=1), "below max_value"),
            (lambda: ui.matrix([[9]], max_value=5), "outside its bounds"),
            (lambda: ui.matrix([[1, 2], [3, 4]], symmetric=True), "symmetric"),
            (lambda: ui.matrix([[1, 2]], symmetric=True), "square"),
            (lambda: ui.matrix([[1]], row_labels=["a", "b"]), "row_labels has 2"),
            (lambda: ui.matrix([[1]], precision=-1), "precision"),
        ]
        for make, message in cases:
            with self.assertRaisesRegex((ValueError, TypeError), message):
                make()

    def test_a_grid_from_the_page_is_checked_before_it_is_the_value(self):
        m = ui.matrix([[1, 0], [0, 1]], min_value=-5, max_value=5, symmetric=True)
        m._update([[1, 2.5], [2.5, 1]])
        self.assertEqual(m.value, [[1.0, 2.5], [2.5, 1.0]])
        for bad, message in [
            ([[1, 2]], "expected 2 rows"),
            ([[1, 2], [2]], "row 1"),
            ([[1, 9], [9, 1]], "outside its bounds"),
            ([[1, 2], [3, 1]], "not symmetric"),
            ([[1, True], [True, 1]], "not a number"),
        ]:
            with self.assertRaisesRegex(ValueError, message):
                m._update(bad)
        self.assertEqual(m.value, [[1.0, 2.5], [2.5, 1.0]], "a refused grid changes nothing")


if __name__ == "__main__":
    unittest.main()
