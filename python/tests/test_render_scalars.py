"""Exact built-in scalars take a short path in `render` (their bundle is
their repr); anything else, subclasses of those types included, is still
asked for its display methods."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from weir import _render  # noqa: E402


class RenderScalarsTest(unittest.TestCase):
    def test_scalars_render_as_their_repr(self):
        for value in (7, 2.5, 1j, True, "é", b"\x00"):
            self.assertEqual(_render.render(value), {"text/plain": repr(value)})

    def test_a_long_string_is_still_cut(self):
        text = _render.render("x" * (_render.MAX_TEXT + 10))["text/plain"]
        self.assertIn("<truncated:", text)

    def test_a_subclass_of_a_scalar_keeps_its_display_methods(self):
        class Shown(int):
            def _repr_html_(self):
                return "<b>%d</b>" % self

        self.assertEqual(_render.render(Shown(3)), {"text/html": "<b>3</b>", "text/plain": "3"})


if __name__ == "__main__":
    unittest.main()
