"""More inputs: `datetime`, `code_editor`, `refresh` (a timer) and `file`
(an upload), with marimo's argument names."""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import re

from ._core import UIElement, fail, is_number
from ._inputs import text_area

_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}
# A refresh faster than this would run its readers back to back.
MIN_INTERVAL_S = 0.1


def _datetime_arg(name, value):
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.replace(microsecond=0)
    if isinstance(value, _dt.date):
        return _dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return _dt.datetime.fromisoformat(value).replace(microsecond=0)
        except ValueError:
            raise ValueError("datetime: %s %r is not an ISO date and time" % (name, value))
    raise TypeError("datetime: %s must be a datetime or an ISO string, got %r" % (name, value))


class datetime(UIElement):
    """A date and time picker; the value is a `datetime.datetime`."""

    _kind = "datetime"

    def __init__(self, start=None, stop=None, value=None, *, label="", on_change=None,
                 full_width=False, disabled=False, precision="minute"):
        if precision not in ("hour", "minute", "second"):
            raise ValueError("datetime: precision must be 'hour', 'minute' or 'second', got %r"
                             % (precision,))
        start, stop = _datetime_arg("start", start), _datetime_arg("stop", stop)
        if start is not None and stop is not None and stop < start:
            raise ValueError("datetime: stop %s is before start %s" % (stop, start))
        self.start, self.stop = start, stop
        value = _datetime_arg("value", value)
        if value is None:
            value = start or _dt.datetime.now().replace(second=0, microsecond=0)
        props = {"start": start and start.isoformat(), "stop": stop and stop.isoformat(),
                 "precision": precision, "disabled": disabled, "full_width": full_width}
        super().__init__(value.isoformat(), label, props, on_change)

    def _convert_value(self, value):
        if not isinstance(value, str):
            raise fail(self._kind, "expected an ISO date and time, got %r" % (value,))
        try:
            moment = _dt.datetime.fromisoformat(value)
        except ValueError:
            raise fail(self._kind, "%r is not an ISO date and time" % (value,))
        if self.start is not None and moment < self.start:
            raise fail(self._kind, "%s is before its start %s" % (moment, self.start))
        if self.stop is not None and moment > self.stop:
            raise fail(self._kind, "%s is after its stop %s" % (moment, self.stop))
        return moment


class code_editor(text_area):
    """Code in a text area, with its language named (the page shows it
    monospaced)."""

    _kind = "code_editor"

    def __init__(self, value="", language="python", placeholder="", theme=None, disabled=False,
                 min_height=None, max_height=None, show_copy_button=True, debounce=True, *,
                 label="", on_change=None):
        if not isinstance(language, str) or not language:
            raise TypeError("code_editor: language must be a non-empty str, got %r" % (language,))
        super().__init__(value, placeholder, None, disabled, debounce, None, label=label,
                         on_change=on_change)
        self._props["language"] = language


def _seconds(kind, interval):
    if is_number(interval):
        seconds = float(interval)
    elif isinstance(interval, str) and _INTERVAL.match(interval):
        number, unit = _INTERVAL.match(interval).groups()
        seconds = float(number) * _UNIT[unit]
    else:
        raise ValueError("%s: an interval is a number of seconds or text like '1s', '500ms', "
                         "'5m', got %r" % (kind, interval))
    if seconds < MIN_INTERVAL_S:
        raise ValueError("%s: interval %r is under %g s" % (kind, interval, MIN_INTERVAL_S))
    return seconds


class refresh(UIElement):
    """A timer: while an interval is chosen on the page, the value (a tick
    count) goes up once per interval and the cells reading it run."""

    _kind = "refresh"

    def __init__(self, options=None, default_interval=None, *, label="", on_change=None):
        options = list(options or [])
        seconds = [_seconds(self._kind, o) for o in options]
        if default_interval is not None:
            default = _seconds(self._kind, default_interval)
            if options and default not in seconds:
                raise ValueError("refresh: default_interval %r is not one of its options %r"
                                 % (default_interval, options))
        else:
            default = None
        props = {"options": [str(o) for o in options], "seconds": seconds,
                 "default_seconds": default}
        super().__init__(0, label, props, on_change)

    def _convert_value(self, ticks):
        if not isinstance(ticks, int) or isinstance(ticks, bool) or ticks < 0:
            raise fail(self._kind, "expected a tick count, got %r" % (ticks,))
        return ticks


class FileUploadResults:
    """One uploaded file: `name` and `contents` (bytes)."""

    __slots__ = ("name", "contents")

    def __init__(self, name, contents):
        self.name = name
        self.contents = contents

    def __repr__(self):
        return "FileUploadResults(name=%r, contents=<%d bytes>)" % (self.name, len(self.contents))


class file(UIElement):
    """An upload button; the value is a list of `FileUploadResults` (name,
    contents bytes). Files arrive base64-encoded inside one message of at
    most 4 MiB, so about 3 MiB of files in all."""

    _kind = "file"

    def __init__(self, filetypes=None, multiple=False, kind="button", *, label="", on_change=None,
                 max_size=100_000_000):
        if kind not in ("button", "area"):
            raise ValueError("file: kind must be 'button' or 'area', got %r" % (kind,))
        if filetypes is not None:
            filetypes = list(filetypes)
            for t in filetypes:
                if not isinstance(t, str) or not (t.startswith(".") or "/" in t):
                    raise ValueError("file: each filetype is an extension ('.csv') or a MIME "
                                     "type ('image/*'), got %r" % (t,))
        props = {"filetypes": filetypes, "multiple": bool(multiple), "kind": kind,
                 "max_size": max_size}
        self.multiple = bool(multiple)
        super().__init__([], label, props, on_change)

    def _convert_value(self, value):
        if not isinstance(value, list):
            raise fail(self._kind, "expected a list of files, got %r" % (value,))
        if len(value) > 1 and not self.multiple:
            raise fail(self._kind, "one file may be uploaded, got %d" % len(value))
        out = []
        for item in value:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str) \
                    or not isinstance(item.get("contents"), str):
                raise fail(self._kind, "each file is {name, contents (base64)}, got %r"
                           % (item,)[:200])
            try:
                contents = base64.b64decode(item["contents"], validate=True)
            except (binascii.Error, ValueError):
                raise fail(self._kind, "%r: contents are not base64" % item["name"])
            out.append(FileUploadResults(item["name"], contents))
        return out

    def _text(self):
        names = [f.name for f in self._value or ()]
        return "<file%s: %s>" % ((" %r" % self._label) if self._label else "", names)

    # Bytes are not for the page: it is told which files, not what is in them.
    def _shown_value(self):
        return [{"name": f.name, "size": len(f.contents)} for f in self._value or ()]

    def name(self, index=0):
        return self._value[index].name if index < len(self._value) else None

    def contents(self, index=0):
        return self._value[index].contents if index < len(self._value) else None
