"""Elements made of other elements or data: `table` (row selection is the
value), `form` (the value arrives on submit), `array` and `dictionary`."""

from __future__ import annotations

import math

from ._core import UIElement, fail

# Rows a table sends to the page; past it the page shows a note and the
# rest cannot be selected (a frame of millions of rows is no picker).
MAX_TABLE_ROWS = 10_000

_SELECTIONS = (None, "single", "multi")


def _cell_json(value):
    """A table cell as the page shows it: JSON scalars as they are, anything
    else as its text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    return str(value)


def _frame_rows(data):
    """(rows as dicts, kind) for a pandas or polars frame, without
    importing either (the notebook already did)."""
    module = type(data).__module__.split(".")[0]
    if module == "polars" and hasattr(data, "to_dicts"):
        return data.to_dicts(), "polars"
    if module == "pandas" and hasattr(data, "to_dict"):
        return data.to_dict(orient="records"), "pandas"
    return None, None


class table(UIElement):
    """Rows from a list of dicts (or of plain values), a dict of columns, or
    a pandas/polars frame; the value is the selected rows, in the data's own
    form."""

    _kind = "table"

    def __init__(
        self, data, pagination=None, selection="multi", initial_selection=None,
        page_size=10, show_column_summaries=None, format_mapping=None,
        freeze_columns_left=None, freeze_columns_right=None, text_justify_columns=None,
        wrapped_columns=None, header_tooltip=None, show_download=True, max_columns=50,
        hover_template=None, header_info=None, *, label="", on_change=None, style_cell=None,
        max_height=None,
    ):
        kind = self._kind
        if selection not in _SELECTIONS:
            if selection in ("single-cell", "multi-cell"):
                raise ValueError("table: selection=%r is not supported by weir yet; use "
                                 "'single', 'multi' or None" % selection)
            raise ValueError("table: selection must be 'single', 'multi' or None, got %r"
                             % (selection,))
        if not isinstance(page_size, int) or isinstance(page_size, bool) or page_size < 1:
            raise ValueError("table: page_size must be a positive int, got %r" % (page_size,))
        self._data = data
        rows, self._form = self._rows(data)
        self._rows_all = rows
        columns = []
        for row in rows:
            for key in row:
                if key not in columns:
                    columns.append(key)
        self.selection = selection
        shown = rows[:MAX_TABLE_ROWS]
        props = {
            "columns": [str(c) for c in columns],
            "rows": [[_cell_json(row.get(c)) for c in columns] for row in shown],
            "total_rows": len(rows),
            "selection": selection,
            "pagination": pagination if pagination is not None else len(rows) > page_size,
            "page_size": page_size,
            "max_height": max_height,
        }
        initial = list(initial_selection or [])
        if selection is None and initial:
            raise ValueError("table: initial_selection needs a selection mode")
        if selection == "single" and len(initial) > 1:
            raise ValueError("table: selection='single' allows one initial row, got %d"
                             % len(initial))
        super().__init__(initial, label, props, on_change)

    @staticmethod
    def _rows(data):
        rows, form = _frame_rows(data)
        if rows is not None:
            return rows, form
        if isinstance(data, dict):
            lengths = {len(v) for v in data.values() if isinstance(v, (list, tuple))}
            if len(lengths) > 1 or any(not isinstance(v, (list, tuple)) for v in data.values()):
                raise ValueError("table: a dict must map each column name to a list, "
                                 "all of one length")
            n = lengths.pop() if lengths else 0
            return [{k: v[i] for k, v in data.items()} for i in range(n)], "columns"
        if isinstance(data, (str, bytes)) or not hasattr(data, "__iter__"):
            raise TypeError("table: data must be a list of rows, a dict of columns or a "
                            "dataframe, got %s" % type(data).__name__)
        items = list(data)
        if all(isinstance(item, dict) for item in items):
            return items, "rows"
        return [{"value": item} for item in items], "values"

    def _convert_value(self, value):
        kind = self._kind
        if not isinstance(value, list):
            raise fail(kind, "expected a list of row indices, got %r" % (value,))
        if self.selection is None and value:
            raise fail(kind, "this table has no selection")
        if self.selection == "single" and len(value) > 1:
            raise fail(kind, "one row may be selected, got %d" % len(value))
        limit = min(len(self._rows_all), MAX_TABLE_ROWS)
        for index in value:
            if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < limit:
                raise fail(kind, "row %r is not one of its %d rows" % (index, limit))
        return self._select(value)

    def _select(self, indices):
        data, form = self._data, self._form
        if form == "pandas":
            return data.iloc[list(indices)]
        if form == "polars":
            return data[list(indices)]
        if form == "columns":
            return {k: [v[i] for i in indices] for k, v in data.items()}
        if form == "values":
            items = list(data)
            return [items[i] for i in indices]
        return [self._rows_all[i] for i in indices]

    def _text(self):
        return "<table%s: %d rows, %d selected>" % (
            (" %r" % self._label) if self._label else "", len(self._rows_all),
            len(self._frontend_value or ()))


class form(UIElement):
    """An element whose value arrives only when its submit button is
    pressed (`element.form()`); until then `None`."""

    _kind = "form"

    def __init__(
        self, element, *, label="", bordered=True, loading=False, submit_button_label="Submit",
        submit_button_tooltip=None, submit_button_disabled=False, clear_on_submit=False,
        show_clear_button=False, clear_button_label="Clear", clear_button_tooltip=None,
        validate=None, on_change=None,
    ):
        if not isinstance(element, UIElement):
            raise TypeError("form: element must be a weir.ui element, got %r" % (element,))
        if validate is not None and not callable(validate):
            raise TypeError("form: validate must be callable, got %r" % (validate,))
        self.element = element
        self._validate = validate
        props = {
            "element": element._bundle(), "bordered": bordered, "loading": loading,
            "submit_button_label": str(submit_button_label),
            "submit_button_tooltip": submit_button_tooltip,
            "submit_button_disabled": submit_button_disabled,
            "clear_on_submit": clear_on_submit, "show_clear_button": show_clear_button,
            "clear_button_label": str(clear_button_label),
        }
        super().__init__(None, label, props, on_change)

    def _convert_value(self, value):
        if value is None:
            return None
        try:
            converted = self.element._convert_value(value)
        except ValueError as exc:
            raise fail(self._kind, str(exc))
        if self._validate is not None:
            problem = self._validate(converted)
            if problem:
                raise fail(self._kind, str(problem))
        return converted


class array(UIElement):
    """A list of elements as one element; the value is the list of their
    values."""

    _kind = "array"

    def __init__(self, elements, *, label="", on_change=None):
        self.elements = list(elements)
        for i, element in enumerate(self.elements):
            if not isinstance(element, UIElement):
                raise TypeError("array: item %d is not a weir.ui element: %r" % (i, element))
        props = {"elements": [e._bundle() for e in self.elements]}
        super().__init__([e._frontend_value for e in self.elements], label, props, on_change)

    def _convert_value(self, value):
        if not isinstance(value, list) or len(value) != len(self.elements):
            raise fail(self._kind, "expected a list of %d values, got %r"
                       % (len(self.elements), value))
        out = []
        for i, (element, item) in enumerate(zip(self.elements, value)):
            try:
                out.append(element._convert_value(item))
            except ValueError as exc:
                raise fail(self._kind, "item %d: %s" % (i, exc))
        return out

    def _update(self, value):
        super()._update(value)
        for element, item, converted in zip(self.elements, value, self._value):
            element._frontend_value, element._value = item, converted

    def __getitem__(self, index):
        return self.elements[index]

    def __len__(self):
        return len(self.elements)

    def __iter__(self):
        return iter(self.elements)


class dictionary(UIElement):
    """A dict of elements as one element; the value is the dict of their
    values."""

    _kind = "dictionary"

    def __init__(self, elements, *, label="", on_change=None):
        if not isinstance(elements, dict):
            raise TypeError("dictionary: elements must be a dict of weir.ui elements, got %r"
                            % (elements,))
        for key, element in elements.items():
            if not isinstance(key, str):
                raise TypeError("dictionary: keys must be str, got %r" % (key,))
            if not isinstance(element, UIElement):
                raise TypeError("dictionary: %r is not a weir.ui element: %r" % (key, element))
        self.elements = dict(elements)
        props = {"keys": list(self.elements),
                 "elements": [e._bundle() for e in self.elements.values()]}
        super().__init__({k: e._frontend_value for k, e in self.elements.items()}, label, props,
                         on_change)

    def _convert_value(self, value):
        if not isinstance(value, dict) or set(value) != set(self.elements):
            raise fail(self._kind, "expected values for exactly the keys %r, got %r"
                       % (list(self.elements), value))
        out = {}
        for key, element in self.elements.items():
            try:
                out[key] = element._convert_value(value[key])
            except ValueError as exc:
                raise fail(self._kind, "%r: %s" % (key, exc))
        return out

    def _update(self, value):
        super()._update(value)
        for key, element in self.elements.items():
            element._frontend_value, element._value = value[key], self._value[key]

    def __getitem__(self, key):
        return self.elements[key]

    def __len__(self):
        return len(self.elements)

    def __iter__(self):
        return iter(self.elements)

    def items(self):
        return self.elements.items()

    def keys(self):
        return self.elements.keys()

    def values(self):
        return self.elements.values()
