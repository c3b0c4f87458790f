"""The input elements: argument names, defaults and rules as marimo's
`mo.ui.*`, so notebooks written for marimo run unchanged.  Each checks its
arguments when made (a clear `TypeError`/`ValueError` naming the element)
and each value the page sends (`_convert_value`)."""

from __future__ import annotations

import datetime as _dt

from ._core import UIElement, fail, is_number

_BUTTON_KINDS = ("neutral", "success", "warn", "danger")
_TEXT_KINDS = ("text", "password", "email", "url")


def _number_arg(kind, name, value, optional=True):
    if value is None and optional:
        return None
    if not is_number(value):
        raise TypeError("%s: %s must be a number, got %r" % (kind, name, value))
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("%s: %s must be finite, got %r" % (kind, name, value))
    return value


def _bool_arg(kind, name, value):
    if not isinstance(value, bool):
        raise TypeError("%s: %s must be True or False, got %r" % (kind, name, value))
    return value


def _as_number(kind, value):
    """A number the page sent: JSON has no int/float split that matters."""
    if not is_number(value):
        raise fail(kind, "expected a number, got %r" % (value,))
    if value != value or value in (float("inf"), float("-inf")):
        raise fail(kind, "expected a finite number, got %r" % (value,))
    return value


def _on_grid(value, start, step):
    if step is None:
        return True
    k = round((value - start) / step)
    return abs(start + k * step - value) <= 1e-9 * max(1.0, abs(step), abs(value))


def _numeric_type(*values):
    """int when every bound is an int (values then come back as ints)."""
    return int if all(isinstance(v, int) for v in values if v is not None) else float


class slider(UIElement):
    """A numeric slider over [start, stop], or over the explicit `steps`."""

    _kind = "slider"

    def __init__(
        self, start=None, stop=None, step=None, value=None, debounce=False, disabled=False,
        orientation="horizontal", show_value=False, include_input=False, steps=None, *,
        label="", on_change=None, full_width=False,
    ):
        kind = self._kind
        if orientation not in ("horizontal", "vertical"):
            raise ValueError("%s: orientation must be 'horizontal' or 'vertical', got %r"
                             % (kind, orientation))
        if steps is not None:
            if start is not None or stop is not None or step is not None:
                raise ValueError("%s: give either steps or start/stop/step, not both" % kind)
            steps = list(steps)
            if not steps:
                raise ValueError("%s: steps must not be empty" % kind)
            for s in steps:
                _number_arg(kind, "each of steps", s, optional=False)
            start, stop = min(steps), max(steps)
        else:
            if start is None or stop is None:
                raise TypeError("%s: start and stop are required (or give steps)" % kind)
            _number_arg(kind, "start", start, optional=False)
            _number_arg(kind, "stop", stop, optional=False)
            _number_arg(kind, "step", step)
            if stop < start:
                raise ValueError("%s: stop (%r) must not be less than start (%r)"
                                 % (kind, stop, start))
            if step is not None and step <= 0:
                raise ValueError("%s: step must be positive, got %r" % (kind, step))
        self.start, self.stop, self.step, self.steps = start, stop, step, steps
        self._type = _numeric_type(start, stop, step, *(steps or ()))
        if value is None:
            value = steps[0] if steps else start
        _number_arg(kind, "value", value, optional=False)
        for name, flag in (("debounce", debounce), ("disabled", disabled),
                           ("show_value", show_value), ("include_input", include_input),
                           ("full_width", full_width)):
            _bool_arg(kind, name, flag)
        props = {
            "start": start, "stop": stop, "step": step, "steps": steps,
            "debounce": debounce, "disabled": disabled, "orientation": orientation,
            "show_value": show_value, "include_input": include_input, "full_width": full_width,
        }
        super().__init__(value, label, props, on_change)

    def _check_one(self, value):
        kind = self._kind
        value = _as_number(kind, value)
        if self.steps is not None:
            if value not in self.steps:
                raise fail(kind, "%r is not one of its steps %r" % (value, self.steps))
        elif not self.start <= value <= self.stop:
            raise fail(kind, "%r is outside [%r, %r]" % (value, self.start, self.stop))
        elif not _on_grid(value, self.start, self.step):
            raise fail(kind, "%r is not on its step grid (start %r, step %r)"
                       % (value, self.start, self.step))
        if self._type is int and float(value).is_integer():
            return int(value)
        return self._type(value)

    def _convert_value(self, value):
        return self._check_one(value)


class range_slider(slider):
    """Two handles over [start, stop]; the value is `[low, high]`."""

    _kind = "range_slider"

    def __init__(
        self, start=None, stop=None, step=None, value=None, debounce=False, disabled=False,
        orientation="horizontal", show_value=False, steps=None, *, label="", on_change=None,
        full_width=False,
    ):
        if value is None:
            if steps is not None:
                value = [min(steps), max(steps)]
            else:
                value = [start, stop]
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise TypeError("range_slider: value must be a pair [low, high], got %r" % (value,))
        self._pair = list(value)
        super().__init__(
            start, stop, step, value[0], debounce, disabled, orientation, show_value, False,
            steps, label=label, on_change=on_change, full_width=full_width,
        )
        self._frontend_value = list(self._value)

    def _convert_value(self, value):
        if not hasattr(self, "_pair_checked"):
            # Called by the base constructor with the low end only.
            self._pair_checked = True
            value = self._pair
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise fail(self._kind, "expected a pair [low, high], got %r" % (value,))
        low, high = self._check_one(value[0]), self._check_one(value[1])
        if low > high:
            raise fail(self._kind, "low end %r is above high end %r" % (low, high))
        return [low, high]

    def _text(self):
        return "<range_slider%s: %r>" % ((" %r" % self._label) if self._label else "", self._value)


class number(UIElement):
    """A number field, optionally bounded and stepped; empty means None."""

    _kind = "number"

    def __init__(
        self, start=None, stop=None, step=None, value=None, debounce=True, *, label="",
        on_change=None, full_width=False, disabled=False,
    ):
        kind = self._kind
        _number_arg(kind, "start", start)
        _number_arg(kind, "stop", stop)
        _number_arg(kind, "step", step)
        if start is not None and stop is not None and stop < start:
            raise ValueError("%s: stop (%r) must not be less than start (%r)"
                             % (kind, stop, start))
        if step is not None and step <= 0:
            raise ValueError("%s: step must be positive, got %r" % (kind, step))
        self.start, self.stop, self.step = start, stop, step
        if value is None:
            value = start if start is not None else 0
        _number_arg(kind, "value", value)
        _bool_arg(kind, "debounce", debounce)
        _bool_arg(kind, "disabled", disabled)
        props = {"start": start, "stop": stop, "step": step, "debounce": debounce,
                 "disabled": disabled, "full_width": full_width}
        super().__init__(value, label, props, on_change)

    def _convert_value(self, value):
        if value is None:
            return None
        value = _as_number(self._kind, value)
        if self.start is not None and value < self.start:
            raise fail(self._kind, "%r is below its start %r" % (value, self.start))
        if self.stop is not None and value > self.stop:
            raise fail(self._kind, "%r is above its stop %r" % (value, self.stop))
        if isinstance(value, float) and value.is_integer() and _numeric_type(
                self.start, self.stop, self.step) is int:
            return int(value)
        return value


class text(UIElement):
    """A one-line text field."""

    _kind = "text"

    def __init__(
        self, value="", placeholder="", kind="text", max_length=None, disabled=False,
        debounce=True, *, label="", on_change=None, full_width=False,
    ):
        if kind not in _TEXT_KINDS:
            raise ValueError("%s: kind must be one of %s, got %r"
                             % (self._kind, ", ".join(_TEXT_KINDS), kind))
        self._check_common(value, placeholder, max_length)
        self.max_length = max_length
        props = {"placeholder": placeholder, "kind": kind, "max_length": max_length,
                 "disabled": _bool_arg(self._kind, "disabled", disabled),
                 "debounce": debounce, "full_width": full_width}
        super().__init__(value, label, props, on_change)

    def _check_common(self, value, placeholder, max_length):
        if not isinstance(value, str):
            raise TypeError("%s: value must be a str, got %r" % (self._kind, value))
        if not isinstance(placeholder, str):
            raise TypeError("%s: placeholder must be a str, got %r" % (self._kind, placeholder))
        if max_length is not None:
            if not isinstance(max_length, int) or isinstance(max_length, bool) or max_length < 0:
                raise ValueError("%s: max_length must be a non-negative int, got %r"
                                 % (self._kind, max_length))
            if len(value) > max_length:
                raise ValueError("%s: value is %d characters, over max_length %d"
                                 % (self._kind, len(value), max_length))

    def _convert_value(self, value):
        if not isinstance(value, str):
            raise fail(self._kind, "expected text, got %r" % (value,))
        limit = getattr(self, "max_length", None)
        if limit is not None and len(value) > limit:
            raise fail(self._kind, "%d characters, over max_length %d" % (len(value), limit))
        return value


class text_area(text):
    """A multi-line text field."""

    _kind = "text_area"

    def __init__(
        self, value="", placeholder="", max_length=None, disabled=False, debounce=True,
        rows=None, *, label="", on_change=None, full_width=False,
    ):
        self._check_common(value, placeholder, max_length)
        if rows is not None and (not isinstance(rows, int) or isinstance(rows, bool) or rows < 1):
            raise ValueError("text_area: rows must be a positive int, got %r" % (rows,))
        self.max_length = max_length
        props = {"placeholder": placeholder, "max_length": max_length, "rows": rows,
                 "disabled": _bool_arg(self._kind, "disabled", disabled),
                 "debounce": debounce, "full_width": full_width}
        UIElement.__init__(self, value, label, props, on_change)


class checkbox(UIElement):
    """A checkbox; the value is True or False."""

    _kind = "checkbox"

    def __init__(self, value=False, disabled=False, *, label="", on_change=None):
        _bool_arg(self._kind, "value", value)
        props = {"disabled": _bool_arg(self._kind, "disabled", disabled)}
        super().__init__(value, label, props, on_change)

    def _convert_value(self, value):
        if not isinstance(value, bool):
            raise fail(self._kind, "expected true or false, got %r" % (value,))
        return value


class switch(checkbox):
    """A toggle switch; the value is True or False."""

    _kind = "switch"


def _options(kind, options):
    """Options as an ordered {key: value}: a list's items are their own
    values; keys are what the page shows and sends back."""
    if isinstance(options, dict):
        for key in options:
            if not isinstance(key, str):
                raise TypeError("%s: option keys must be str, got %r" % (kind, key))
        return dict(options)
    if isinstance(options, (str, bytes)) or not hasattr(options, "__iter__"):
        raise TypeError("%s: options must be a list of str or a dict, got %r" % (kind, options))
    result = {}
    for item in options:
        if not isinstance(item, str):
            raise TypeError("%s: options must be str (or use a dict), got %r" % (kind, item))
        result[item] = item
    return result


class _Choice(UIElement):
    def _key(self, key):
        if not isinstance(key, str):
            raise fail(self._kind, "expected an option key (a string), got %r" % (key,))
        if key not in self.options:
            raise fail(self._kind, "%r is not one of its options %r" % (key, list(self.options)))
        return key


class dropdown(_Choice):
    """Choose one option; `value` is the chosen option's value (None for none)."""

    _kind = "dropdown"

    def __init__(
        self, options, value=None, allow_select_none=None, searchable=False, *, label="",
        on_change=None, full_width=False,
    ):
        self.options = _options(self._kind, options)
        if allow_select_none is None:
            allow_select_none = value is None
        _bool_arg(self._kind, "allow_select_none", allow_select_none)
        self.allow_select_none = allow_select_none
        if value is not None and value not in self.options:
            raise ValueError("dropdown: value %r is not one of its options %r"
                             % (value, list(self.options)))
        props = {"options": list(self.options), "allow_select_none": allow_select_none,
                 "searchable": _bool_arg(self._kind, "searchable", searchable),
                 "full_width": full_width}
        super().__init__([] if value is None else [value], label, props, on_change)

    def _convert_value(self, value):
        if not isinstance(value, list) or len(value) > 1:
            raise fail(self._kind, "expected a list of at most one key, got %r" % (value,))
        if not value:
            if not self.allow_select_none:
                raise fail(self._kind, "a choice is required (allow_select_none is False)")
            return None
        return self.options[self._key(value[0])]

    @property
    def selected_key(self):
        return self._frontend_value[0] if self._frontend_value else None


class radio(_Choice):
    """Choose one option from a group of radio buttons."""

    _kind = "radio"

    def __init__(self, options, value=None, inline=False, *, label="", on_change=None,
                 disabled=False):
        self.options = _options(self._kind, options)
        if value is not None and value not in self.options:
            raise ValueError("radio: value %r is not one of its options %r"
                             % (value, list(self.options)))
        props = {"options": list(self.options), "inline": _bool_arg(self._kind, "inline", inline),
                 "disabled": _bool_arg(self._kind, "disabled", disabled)}
        super().__init__(value, label, props, on_change)

    def _convert_value(self, value):
        if value is None:
            return None
        return self.options[self._key(value)]


class multiselect(_Choice):
    """Choose any number of options; `value` is the list of their values."""

    _kind = "multiselect"

    def __init__(self, options, value=None, *, label="", on_change=None, full_width=False,
                 max_selections=None):
        self.options = _options(self._kind, options)
        if max_selections is not None and (
                not isinstance(max_selections, int) or isinstance(max_selections, bool)
                or max_selections < 0):
            raise ValueError("multiselect: max_selections must be a non-negative int, got %r"
                             % (max_selections,))
        self.max_selections = max_selections
        value = list(value or [])
        for key in value:
            if key not in self.options:
                raise ValueError("multiselect: value %r is not one of its options %r"
                                 % (key, list(self.options)))
        props = {"options": list(self.options), "max_selections": max_selections,
                 "full_width": full_width}
        super().__init__(value, label, props, on_change)

    def _convert_value(self, value):
        if not isinstance(value, list):
            raise fail(self._kind, "expected a list of keys, got %r" % (value,))
        if self.max_selections is not None and len(value) > self.max_selections:
            raise fail(self._kind, "%d selected, over max_selections %d"
                       % (len(value), self.max_selections))
        return [self.options[self._key(key)] for key in value]


def _button_args(kind, button_kind, disabled):
    if button_kind not in _BUTTON_KINDS:
        raise ValueError("%s: kind must be one of %s, got %r"
                         % (kind, ", ".join(_BUTTON_KINDS), button_kind))
    _bool_arg(kind, "disabled", disabled)


class button(UIElement):
    """A button; each click sets `value` to `on_click(value)` (marimo's
    counter pattern: `on_click=lambda n: n + 1`)."""

    _kind = "button"

    def __init__(
        self, on_click=None, value=None, kind="neutral", disabled=False, tooltip=None, *,
        label="click here", on_change=None, full_width=False, keyboard_shortcut=None,
    ):
        _button_args(self._kind, kind, disabled)
        if on_click is not None and not callable(on_click):
            raise TypeError("button: on_click must be callable, got %r" % (on_click,))
        self._on_click = on_click
        self._initial = value
        props = {"kind": kind, "disabled": disabled, "tooltip": tooltip,
                 "full_width": full_width, "keyboard_shortcut": keyboard_shortcut}
        super().__init__(0, label, props, on_change)

    def _convert_value(self, clicks):
        if not isinstance(clicks, int) or isinstance(clicks, bool) or clicks < 0:
            raise fail(self._kind, "expected a click count, got %r" % (clicks,))
        if clicks == 0:
            return self._initial
        current = getattr(self, "_value", self._initial)
        return self._on_click(current) if self._on_click is not None else current


class run_button(UIElement):
    """A button whose value is True after a click, for the run that click
    causes; then False again (as marimo's)."""

    _kind = "run_button"
    # The worker sets the value back to False when the run that the click
    # caused has ended (`weir._uiflow`).
    _reset_after_run = True

    def __init__(
        self, kind="neutral", disabled=False, tooltip=None, *, label="click to run",
        on_change=None, full_width=False, keyboard_shortcut=None,
    ):
        _button_args(self._kind, kind, disabled)
        props = {"kind": kind, "disabled": disabled, "tooltip": tooltip,
                 "full_width": full_width, "keyboard_shortcut": keyboard_shortcut}
        super().__init__(0, label, props, on_change)

    def _convert_value(self, clicks):
        if not isinstance(clicks, int) or isinstance(clicks, bool) or clicks < 0:
            raise fail(self._kind, "expected a click count, got %r" % (clicks,))
        return clicks > 0

    def _reset(self):
        self._value = False


def _date_arg(name, value):
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError("date: %s %r is not an ISO date (YYYY-MM-DD)" % (name, value))
    raise TypeError("date: %s must be a date or an ISO string, got %r" % (name, value))


class date(UIElement):
    """A date picker; the value is a `datetime.date`."""

    _kind = "date"

    def __init__(self, start=None, stop=None, value=None, *, label="", on_change=None,
                 full_width=False, disabled=False):
        start, stop = _date_arg("start", start), _date_arg("stop", stop)
        if start is not None and stop is not None and stop < start:
            raise ValueError("date: stop %s is before start %s" % (stop, start))
        self.start, self.stop = start, stop
        value = _date_arg("value", value)
        if value is None:
            value = start if start is not None else _dt.date.today()
            if stop is not None and value > stop:
                value = stop
        props = {"start": start and start.isoformat(), "stop": stop and stop.isoformat(),
                 "disabled": disabled, "full_width": full_width}
        super().__init__(value.isoformat(), label, props, on_change)

    def _convert_value(self, value):
        if not isinstance(value, str):
            raise fail(self._kind, "expected an ISO date string, got %r" % (value,))
        try:
            day = _dt.date.fromisoformat(value)
        except ValueError:
            raise fail(self._kind, "%r is not an ISO date (YYYY-MM-DD)" % (value,))
        if self.start is not None and day < self.start:
            raise fail(self._kind, "%s is before its start %s" % (day, self.start))
        if self.stop is not None and day > self.stop:
            raise fail(self._kind, "%s is after its stop %s" % (day, self.stop))
        return day
