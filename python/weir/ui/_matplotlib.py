"""`matplotlib`: a matplotlib figure whose box or lasso selection is the
value (marimo's `mo.ui.matplotlib`).  The figure is drawn once, as a PNG;
the page draws the selection over it and converts it to data coordinates
with the axes' place in the image and their limits (linear axes).  The
value is a dict (`{}` when nothing is selected, else `{"mode": "box" |
"lasso", "has_selection": True, "selection": {...}}`) that can also answer
`get_mask(x, y)`, as the element can."""

from __future__ import annotations

import base64
import io

from ._core import UIElement, fail, is_number

_MODES = ("box", "lasso")


class MatplotlibSelection(dict):
    """The selection, in data coordinates; empty when nothing is selected."""

    def _selection(self):
        return self.get("selection") if self.get("has_selection") else None

    def get_bounds(self):
        """`(x_min, x_max, y_min, y_max)` of the selection, or None."""
        points = self.get_vertices()
        if not points:
            return None
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        return (min(xs), max(xs), min(ys), max(ys))

    def get_vertices(self):
        """A box's four corners or a lasso's path; `[]` when nothing is selected."""
        s = self._selection()
        if s is None:
            return []
        if self.get("mode") == "box":
            x0, x1, y0, y1 = s["x_min"], s["x_max"], s["y_min"], s["y_max"]
            return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        return [(float(x), float(y)) for x, y in s.get("vertices", [])]

    def contains_point(self, x, y):
        return bool(self.get_mask([x], [y])[0])

    def get_mask(self, x, y):
        """Whether each point (x[i], y[i]) is inside the selection: a numpy
        boolean array (a list without numpy); all False when nothing is
        selected."""
        try:
            import numpy as np
        except ImportError:
            np = None
        xs = np.asarray(x, dtype=float) if np is not None else [float(v) for v in x]
        ys = np.asarray(y, dtype=float) if np is not None else [float(v) for v in y]
        s = self._selection()
        if s is None or (self.get("mode") == "lasso" and len(s.get("vertices", [])) < 3):
            return np.zeros(len(xs), dtype=bool) if np is not None else [False] * len(xs)
        if self.get("mode") == "box":
            if np is not None:
                return (xs >= s["x_min"]) & (xs <= s["x_max"]) & (ys >= s["y_min"]) & (ys <= s["y_max"])
            return [s["x_min"] <= a <= s["x_max"] and s["y_min"] <= b <= s["y_max"]
                    for a, b in zip(xs, ys)]
        from matplotlib.path import Path

        inside = Path(s["vertices"]).contains_points(list(zip(xs, ys)))
        return inside if np is not None else [bool(v) for v in inside]

    def get_indices(self, x, y):
        mask = self.get_mask(x, y)
        try:
            import numpy as np

            return np.where(mask)[0]
        except ImportError:
            return [i for i, inside in enumerate(mask) if inside]


def _figure_and_axes(target):
    """The figure and the axes selections are made in: a Figure (its first
    axes) or an Axes (its figure)."""
    if hasattr(target, "get_xlim") and hasattr(target, "figure"):
        return target.figure, target
    axes = getattr(target, "axes", None)
    if hasattr(target, "savefig") and axes:
        return target, axes[0]
    raise TypeError("matplotlib: expected a matplotlib Figure with axes, or an Axes, got %r"
                    % (type(target).__name__,))


class matplotlib(UIElement):
    """A figure (or an Axes: its figure) with box (drag) and lasso
    (shift-drag) selection; `.value` is the selection."""

    _kind = "matplotlib"

    def __init__(self, figure, *, modes=_MODES, selection_color="#3b82f6", selection_opacity=0.15,
                 stroke_width=2, debounce=False, label="", on_change=None):
        fig, ax = _figure_and_axes(figure)
        modes = list(modes)
        if not modes or any(m not in _MODES for m in modes):
            raise ValueError("matplotlib: modes must be some of %r, got %r" % (_MODES, modes))
        for name, v in (("selection_opacity", selection_opacity), ("stroke_width", stroke_width)):
            if not is_number(v) or v < 0:
                raise ValueError("matplotlib: %s must be a non-negative number, got %r" % (name, v))
        if ax.get_xscale() != "linear" or ax.get_yscale() != "linear":
            raise ValueError("matplotlib: only linear axes can be selected on (this one is %s/%s)"
                             % (ax.get_xscale(), ax.get_yscale()))
        dpi = fig.get_dpi()
        width, height = (float(v) * dpi for v in fig.get_size_inches())
        box = ax.get_position()
        png = io.BytesIO()
        fig.savefig(png, format="png", dpi=dpi)
        props = {
            "png": base64.b64encode(png.getvalue()).decode("ascii"),
            "width": width,
            "height": height,
            # The axes in the image, in pixels from its top left corner.
            "axes": [float(v) for v in (box.x0 * width, (1 - box.y1) * height, box.x1 * width, (1 - box.y0) * height)],
            "x_bounds": [float(v) for v in ax.get_xlim()],
            "y_bounds": [float(v) for v in ax.get_ylim()],
            "modes": modes,
            "selection_color": str(selection_color),
            "selection_opacity": selection_opacity,
            "stroke_width": stroke_width,
            "debounce": bool(debounce),
        }
        super().__init__({}, label, props, on_change)

    def _convert_value(self, value):
        if not isinstance(value, dict):
            raise fail(self._kind, "expected a selection object, got %r" % (value,))
        if not value or not value.get("has_selection"):
            return MatplotlibSelection()
        mode, s = value.get("mode"), value.get("selection")
        if mode not in _MODES or not isinstance(s, dict):
            raise fail(self._kind, "not a box or lasso selection: %r" % (value,))
        if mode == "box":
            bounds = [s.get(k) for k in ("x_min", "x_max", "y_min", "y_max")]
            if not all(is_number(b) for b in bounds) or bounds[0] > bounds[1] or bounds[2] > bounds[3]:
                raise fail(self._kind, "a box needs x_min <= x_max and y_min <= y_max: %r" % (s,))
            s = dict(zip(("x_min", "x_max", "y_min", "y_max"), (float(b) for b in bounds)))
        else:
            vertices = s.get("vertices")
            if not isinstance(vertices, list) or not all(
                    isinstance(p, list) and len(p) == 2 and all(is_number(c) for c in p) for p in vertices):
                raise fail(self._kind, "a lasso needs vertices [[x, y], ...]: %r" % (s,))
            s = {"vertices": [[float(a), float(b)] for a, b in vertices]}
        return MatplotlibSelection(mode=mode, has_selection=True, selection=s)

    # marimo offers these on the element too.
    def get_bounds(self):
        return self._value.get_bounds()

    def get_vertices(self):
        return self._value.get_vertices()

    def contains_point(self, x, y):
        return self._value.contains_point(x, y)

    def get_mask(self, x, y):
        return self._value.get_mask(x, y)

    def get_indices(self, x, y):
        return self._value.get_indices(x, y)
