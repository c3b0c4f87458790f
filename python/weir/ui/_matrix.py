"""`matrix`: a grid of numbers edited in place, with marimo's argument
names; the value is the grid as a list of rows of floats."""

from __future__ import annotations

from ._core import UIElement, fail, is_number


def _rows(value):
    """`value` as a list of lists (a numpy array through `tolist`)."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    return value


def _grid(name, param, rows, cols, convert=float):
    """A scalar broadcast to every cell, or a rows x cols nested list."""
    param = _rows(param)
    if not isinstance(param, (list, tuple)):
        if isinstance(param, bool) and convert is float:
            raise TypeError("matrix: %s must be a number or a grid of numbers, got %r" % (name, param))
        try:
            cell = convert(param)
        except (TypeError, ValueError):
            raise TypeError("matrix: %s must be a number or a %dx%d grid, got %r"
                            % (name, rows, cols, param)) from None
        return [[cell] * cols for _ in range(rows)]
    if len(param) != rows:
        raise ValueError("matrix: %s has %d rows, the matrix %d" % (name, len(param), rows))
    out = []
    for i, row in enumerate(param):
        row = _rows(row)
        if not isinstance(row, (list, tuple)) or len(row) != cols:
            raise ValueError("matrix: %s row %d must have %d entries, got %r" % (name, i, cols, row))
        cells = []
        for j, cell in enumerate(row):
            if convert is float and not is_number(cell):
                raise TypeError("matrix: %s[%d][%d] is not a number: %r" % (name, i, j, cell))
            cells.append(convert(cell))
        out.append(cells)
    return out


class matrix(UIElement):
    """A grid of numbers (`value`: a non-empty list of equal rows, or a 2-D
    numpy array); `min_value`, `max_value`, `step` and `disabled` are one
    value for every cell or a grid of them; `symmetric` keeps [i][j] and
    [j][i] equal."""

    _kind = "matrix"

    def __init__(self, value, *, min_value=None, max_value=None, step=1.0, precision=3,
                 row_labels=None, column_labels=None, symmetric=False, scientific=False,
                 label="", on_change=None, disabled=False):
        data = _rows(value)
        if not isinstance(data, (list, tuple)) or not data:
            raise ValueError("matrix: value must be a non-empty list of rows, got %r" % (value,))
        first = _rows(data[0])
        if not isinstance(first, (list, tuple)) or not first:
            raise ValueError("matrix: value's rows must be non-empty lists, got %r" % (data[0],))
        rows, cols = len(data), len(first)
        data = _grid("value", data, rows, cols)
        low = None if min_value is None else _grid("min_value", min_value, rows, cols)
        high = None if max_value is None else _grid("max_value", max_value, rows, cols)
        steps = _grid("step", step, rows, cols)
        off = _grid("disabled", disabled, rows, cols, convert=bool)
        for i in range(rows):
            for j in range(cols):
                if steps[i][j] <= 0:
                    raise ValueError("matrix: step[%d][%d] must be positive, got %r" % (i, j, steps[i][j]))
                if low and high and low[i][j] >= high[i][j]:
                    raise ValueError("matrix: min_value[%d][%d] (%r) must be below max_value (%r)"
                                     % (i, j, low[i][j], high[i][j]))
                if (low and data[i][j] < low[i][j]) or (high and data[i][j] > high[i][j]):
                    raise ValueError("matrix: value[%d][%d] = %r is outside its bounds" % (i, j, data[i][j]))
        for name, labels, n in (("row_labels", row_labels, rows), ("column_labels", column_labels, cols)):
            if labels is not None and len(labels) != n:
                raise ValueError("matrix: %s has %d entries, the matrix %d" % (name, len(labels), n))
        if symmetric:
            if rows != cols:
                raise ValueError("matrix: symmetric needs a square matrix, got %dx%d" % (rows, cols))
            for i in range(rows):
                for j in range(i + 1, cols):
                    if data[i][j] != data[j][i]:
                        raise ValueError("matrix: symmetric, but value[%d][%d] != value[%d][%d]"
                                         % (i, j, j, i))
        if not isinstance(precision, int) or isinstance(precision, bool) or precision < 0:
            raise ValueError("matrix: precision must be a non-negative integer, got %r" % (precision,))
        self.rows, self.cols = rows, cols
        self._low, self._high, self._symmetric = low, high, bool(symmetric)
        props = {
            "min_value": low, "max_value": high, "step": steps, "precision": precision,
            "row_labels": None if row_labels is None else [str(x) for x in row_labels],
            "column_labels": None if column_labels is None else [str(x) for x in column_labels],
            "symmetric": bool(symmetric), "scientific": bool(scientific), "disabled": off,
        }
        super().__init__(data, label, props, on_change)

    def _convert_value(self, value):
        if not isinstance(value, list) or len(value) != self.rows:
            raise fail(self._kind, "expected %d rows, got %r" % (self.rows, value))
        out = []
        for i, row in enumerate(value):
            if not isinstance(row, list) or len(row) != self.cols:
                raise fail(self._kind, "row %d: expected %d numbers, got %r" % (i, self.cols, row))
            cells = []
            for j, cell in enumerate(row):
                if not is_number(cell):
                    raise fail(self._kind, "[%d][%d] is not a number: %r" % (i, j, cell))
                if (self._low and cell < self._low[i][j]) or (self._high and cell > self._high[i][j]):
                    raise fail(self._kind, "[%d][%d] = %r is outside its bounds" % (i, j, cell))
                cells.append(float(cell))
            out.append(cells)
        if self._symmetric and any(out[i][j] != out[j][i] for i in range(self.rows) for j in range(i)):
            raise fail(self._kind, "not symmetric: %r" % (out,))
        return out
