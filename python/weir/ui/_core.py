"""The element model shared by every `weir.ui` element.

An element is an ordinary Python object whose value a person sets from the
page.  The page and the worker speak in the element's *front-end value*, a
JSON value (a slider's number, a dropdown's list of selected keys); the
element turns it into `.value` (`_convert_value`), refusing anything out of
range or of the wrong type with a `ValueError` that names the element.

Each element gets a fresh id when it is made.  The worker keeps the live
ones in `REGISTRY`, keyed by id and remembering the cell whose run made
them: when that cell runs again its old elements are dropped, so a value
sent for one of them is refused rather than applied to an object nobody
reads any more (docs/python.md, "Interactive elements").
"""

from __future__ import annotations

import itertools
import json
import os

MIMETYPE = "application/vnd.weir.ui+json"

# A per-process prefix: ids from an earlier worker never match this one's.
_PREFIX = os.urandom(4).hex()
_COUNTER = itertools.count(1)


class Registry:
    """Live elements by id, and which cell's run made each."""

    def __init__(self):
        self.elements = {}  # id -> element
        self.by_cell = {}  # cell id -> [element id]

    def add(self, element, cell):
        self.elements[element._id] = element
        if cell is not None:
            self.by_cell.setdefault(cell, []).append(element._id)

    def forget_cell(self, cell):
        """The cell runs again (or is deleted): what it made is gone."""
        for element_id in self.by_cell.pop(cell, ()):
            self.elements.pop(element_id, None)

    def get(self, element_id):
        return self.elements.get(element_id)


REGISTRY = Registry()


def _origin():
    try:
        from .._capture import origin_cell
    except ImportError:  # pragma: no cover - the package is whole
        return None
    return origin_cell()


def _check_label(label):
    if not isinstance(label, str):
        raise TypeError("label must be a str, got %s" % type(label).__name__)
    return label


def _json_text(value):
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return repr(value)


class UIElement:
    """Base class: `.value`, `label`, an id per creation, and the display
    bundle `application/vnd.weir.ui+json`
    (`{"id", "kind", "label", "props", "value"}`)."""

    _kind = "element"

    def __init__(self, value, label="", props=None, on_change=None):
        if on_change is not None and not callable(on_change):
            raise TypeError(
                "%s: on_change must be callable, got %s" % (self._kind, type(on_change).__name__)
            )
        self._label = _check_label(label)
        self._props = dict(props or {})
        self._on_change = on_change
        self._id = "%s-%d" % (_PREFIX, next(_COUNTER))
        self._frontend_value = value
        self._value = self._convert_value(value)
        REGISTRY.add(self, _origin())

    # -- what cells read -------------------------------------------------
    @property
    def value(self):
        return self._value

    @value.setter
    def value(self, _):
        raise RuntimeError(
            "%s: .value is set from the page, not by code; make a new element "
            "with value=... instead" % self._kind
        )

    @property
    def label(self):
        return self._label

    @property
    def id(self):
        return self._id

    # -- what the page sends ----------------------------------------------
    def _convert_value(self, frontend_value):
        """The Python value for a front-end value; ValueError if invalid."""
        return frontend_value

    def _update(self, frontend_value):
        """Apply a value from the page: validate, convert, keep, then call
        `on_change`.  Raises ValueError naming the element when invalid
        (nothing changes then)."""
        value = self._convert_value(frontend_value)
        self._frontend_value = frontend_value
        self._value = value
        if self._on_change is not None:
            self._on_change(value)

    # -- display ------------------------------------------------------------
    def _shown_value(self):
        """The value as the page shows it (the front-end value, unless that
        holds what the page need not get back, like a file's bytes)."""
        return self._frontend_value

    def _bundle(self):
        return {
            "id": self._id,
            "kind": self._kind,
            "label": self._label,
            "props": self._props,
            "value": self._shown_value(),
        }

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {MIMETYPE: self._bundle(), "text/plain": self._text()}

    def _text(self):
        label = (" %r" % self._label) if self._label else ""
        return "<%s%s: %s>" % (self._kind, label, _json_text(self._frontend_value))

    def __repr__(self):
        return self._text()

    def form(self, label="", **options):
        """This element in a form: its value arrives on submit
        (`weir.ui.form`'s options: `submit_button_label`, `validate`, ...)."""
        from ._composite import form

        return form(self, label=label, **options)

    # In an f-string handed to `weir.md` (`weir.md(f"pick {slider}")`) an
    # element stands for itself and stays live (`_layout.embed`); with a
    # format spec it is its text.
    def __format__(self, spec):
        if spec:
            return format(self._text(), spec)
        from .._layout import embed

        return embed(self)


def fail(kind, message):
    return ValueError("%s: %s" % (kind, message))


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)
