"""A chart selection applied to a data frame, by marimo 0.25.2's rule
(`mo.ui.altair_chart`'s value), for pandas and polars frames without
importing either (the notebook already did).

A selection is what the page sends: for each Vega-Lite selection param, the
value of its Vega signal, `{param: {field: values}}`:

- an interval gives each field its `[low, high]` (both ends included; for a
  binned field the high end is excluded, except in the last bin);
- a point gives each field its list of chosen values, and `vlPoint.or` the
  chosen points themselves, each `{field: value}`: a row matches a point
  when it has all of that point's values;
- a point with neither fields nor encodings gives `_vgsid_`, Vega's row
  numbers (from 1).

Params are ANDed; `pan_zoom*` params (the scales) filter nothing. A field
the frame has no column for is an error; a condition the frame cannot
evaluate (a text column against a number) is left out, as marimo does.
Temporal values arrive as epoch milliseconds (read in the column's time
zone, or local time for a naive column, which is how Vega read them) or
ISO text.
"""

from __future__ import annotations

import datetime as _dt
import sys


class _Frame:
    """The few operations a filter needs, on pandas or polars."""

    def __init__(self, df):
        self.df = df
        self.polars = type(df).__module__.split(".")[0] == "polars"

    def columns(self):
        return [str(c) for c in self.df.columns]

    def col(self, name):
        return self.df[name]

    def isin(self, name, values):
        col = self.col(name)
        return col.is_in(values) if self.polars else col.isin(values)

    def keep(self, mask):
        return _Frame(self.df.filter(mask) if self.polars else self.df[mask])

    def rows(self, positions):
        return _Frame(self.df[positions] if self.polars else self.df.iloc[positions])

    def empty(self):
        return _Frame(self.df.head(0))

    def __len__(self):
        return len(self.df)

    def temporal(self, name):
        """('date' | 'datetime', tz name or None) for a temporal column, else None."""
        dtype = self.col(name).dtype
        if self.polars:
            import polars as pl  # loaded: the frame is polars

            if dtype == pl.Date:
                return "date", None
            if dtype == pl.Datetime:
                return "datetime", getattr(dtype, "time_zone", None)
            return None
        text = str(dtype)
        if text.startswith("datetime64"):
            tz = getattr(dtype, "tz", None)
            return "datetime", (str(tz) if tz is not None else None)
        return None


def is_frame(data):
    module = type(data).__module__.split(".")[0]
    return module in ("pandas", "polars") and hasattr(data, "columns") and hasattr(data, "head")


def empty_like(data):
    """No selection: marimo's value is the data with no rows."""
    if is_frame(data):
        return data.head(0)
    if isinstance(data, dict):
        return {}
    return []


def _coerce(value, temporal):
    if temporal is None:
        return value
    kind, tz = temporal
    try:
        if isinstance(value, str):
            parsed = _dt.datetime.fromisoformat(value)
            if kind == "date":
                return parsed.date()
            return parsed.replace(tzinfo=None) if tz is None and parsed.tzinfo else parsed
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            zone = None
            if tz:
                import zoneinfo

                zone = zoneinfo.ZoneInfo(tz)
            moment = _dt.datetime.fromtimestamp(value / 1000, tz=zone)
            return moment.date() if kind == "date" else moment
    except (ValueError, TypeError, OSError, KeyError):
        pass
    return value


def _numeric_or_date(value):
    if isinstance(value, (int, float, _dt.date)) and not isinstance(value, bool):
        return True
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(value, numpy.number)


def _all(masks):
    out = masks[0]
    for m in masks[1:]:
        out = out & m
    return out


def _any(masks):
    out = masks[0]
    for m in masks[1:]:
        out = out | m
    return out


def _points(frame, fields):
    """The rows matching any of `vlPoint.or`'s points, or None to filter
    field by field instead."""
    vl_point = fields.get("vlPoint")
    points = vl_point.get("or") if isinstance(vl_point, dict) else None
    if not isinstance(points, list) or not points:
        return None
    names = frame.columns()
    per_point = []
    for point in points:
        if not isinstance(point, dict):
            continue
        conditions = [frame.col(f) == _coerce(v, frame.temporal(f))
                      for f, v in point.items() if f in names]
        if conditions:
            per_point.append(_all(conditions))
    if not per_point:
        return None
    try:
        return frame.keep(_any(per_point))
    except Exception:
        return None


def _field(frame, field, values, point, binned):
    """`frame` narrowed by one field's values (unchanged when the condition
    cannot be evaluated)."""
    temporal = frame.temporal(field)
    values = values if isinstance(values, list) else [values]
    resolved = [_coerce(v, temporal) for v in values]
    if temporal is not None and any(isinstance(v, str) for v in resolved):
        return frame
    col = frame.col(field)
    try:
        if point and not binned:
            return frame.keep(frame.isin(field, resolved))
        if len(resolved) == 1:
            return frame.keep(col == resolved[0])
        if len(resolved) == 2 and _numeric_or_date(resolved[0]):
            low, high = resolved
            if binned and high < col.max():
                return frame.keep((col >= low) & (col < high))
            return frame.keep((col >= low) & (col <= high))
        if len(resolved) > 1:
            return frame.keep(frame.isin(field, resolved))
    except Exception:
        pass
    return frame


def filter_frame(df, selection, binned=(), kind="altair_chart"):
    """`df` (pandas or polars) narrowed to the rows `selection` chose.
    ValueError naming `kind` when the selection is malformed or names a
    field the frame lacks."""
    frame = _Frame(df)
    for param, fields in selection.items():
        if param.startswith("pan_zoom"):
            continue
        if set(fields) == {"vlPoint", "_vgsid_"}:
            ids = fields["_vgsid_"]
            ids = ids if isinstance(ids, list) else [ids]
            try:
                positions = [int(i) - 1 for i in ids]
            except (TypeError, ValueError):
                raise ValueError("%s: selection %r has row ids that are not numbers: %r"
                                 % (kind, param, ids))
            if any(p < 0 or p >= len(frame) for p in positions):
                frame = frame.empty()
            else:
                frame = frame.rows(positions)
            continue
        point = "vlPoint" in fields
        if point:
            chosen = _points(frame, fields)
            if chosen is not None:
                frame = chosen
                continue
        names = frame.columns()
        for field, values in fields.items():
            if field in ("vlPoint", "_vgsid_"):
                continue
            if field not in names:
                raise ValueError("%s: selection %r names field %r, which the chart's data has "
                                 "no column for (columns: %s)"
                                 % (kind, param, field, ", ".join(names)))
            frame = _field(frame, field, values, point, field in binned)
    return frame.df
