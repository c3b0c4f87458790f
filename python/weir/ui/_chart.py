"""`altair_chart`: an Altair chart whose selection is the value, with
marimo's arguments and value (`mo.ui.altair_chart`, marimo 0.25.2).

The page draws the chart with Weir's own Vega (no network) and, as marimo
does, adds selection params when the chart has none of its own: a point
selection (click) and an interval selection (drag) for `chart_selection`,
a legend selection per legend field for `legend_selection`
(frontend/src/chart-select.ts). When a person selects, the page sends each
param's Vega signal value, `{param: {field: values}}`; that is the
front-end value and `.selections`, and `.value` is the chart's data
narrowed to the selected rows (`_chartfilter`): with nothing selected, the
data with no rows, as marimo gives.
"""

from __future__ import annotations

import sys

from ._chartfilter import empty_like, filter_frame, is_frame
from ._core import UIElement, fail

_CHART_SELECTIONS = (True, False, "point", "interval")


def _altair():
    try:
        import altair
    except ImportError:
        raise ModuleNotFoundError(
            "altair_chart needs the altair package, which this Python does not have "
            "(pip install altair)", name="altair")
    return altair


def _params(chart, altair):
    try:
        params = chart.params
    except Exception:
        return []
    if params is altair.Undefined or not isinstance(params, (list, tuple)):
        return []
    kinds = (altair.SelectionParameter, altair.TopLevelSelectionParameter)
    return [p for p in params if isinstance(p, kinds)]


def _own_selection(chart, altair):
    """The chart has a selection param of its own (not bound to a widget or
    the legend): marimo adds none then."""
    return any(getattr(p, "bind", altair.Undefined) is altair.Undefined
               for p in _params(chart, altair))


def _own_legend(chart, altair):
    return any(getattr(p, "bind", None) == "legend" for p in _params(chart, altair))


def _binned_fields(spec):
    out = set()
    for channel in (spec.get("encoding") or {}).values():
        if isinstance(channel, dict) and channel.get("bin") and isinstance(channel.get("field"), str):
            out.add(channel["field"])
    return out


class altair_chart(UIElement):
    """A selectable Altair chart. `.value` is its data filtered by the
    selection (a frame of the data's kind); `.selections` the raw selection;
    `.dataframe` the unfiltered data; `apply_selection(df)` filters another
    frame by the selection."""

    _kind = "altair_chart"

    def __init__(self, chart, chart_selection=True, legend_selection=True, *, label="",
                 on_change=None):
        altair = _altair()
        if not isinstance(chart, altair.TopLevelMixin):
            raise ValueError("altair_chart: chart must be an Altair chart (alt.Chart, a layer or "
                             "a concat), got %s" % type(chart).__name__)
        if chart_selection is None:
            chart_selection = False
        if legend_selection is None:
            legend_selection = False
        if chart_selection not in _CHART_SELECTIONS or chart_selection in (0, 1) and not \
                isinstance(chart_selection, bool):
            raise ValueError("altair_chart: chart_selection must be True, False, 'point' or "
                             "'interval', got %r" % (chart_selection,))
        if not isinstance(legend_selection, bool):
            if not isinstance(legend_selection, (list, tuple)) or not all(
                    isinstance(f, str) for f in legend_selection):
                raise ValueError("altair_chart: legend_selection must be a bool or a list of "
                                 "field names, got %r" % (legend_selection,))
            legend_selection = list(legend_selection)
        data = chart.data
        if isinstance(data, str) or isinstance(getattr(data, "url", None), str):
            url = data if isinstance(data, str) else data.url
            raise ValueError(
                "altair_chart: the chart's data is the URL %r; Weir never loads data from the "
                "network or a path, so the chart could not draw and its selection could not "
                "filter it. Pass the data itself (a pandas or polars DataFrame)" % (url,))
        if _own_selection(chart, altair):
            if isinstance(chart_selection, str):
                sys.stderr.write("altair_chart: the chart already has a selection param; "
                                 "ignoring chart_selection=%r\n" % (chart_selection,))
            chart_selection = False
        if _own_legend(chart, altair):
            legend_selection = False
        from .._render import _chart

        mime, spec = _chart(chart)
        if label:
            spec["title"] = label
        self._chart = chart
        self.dataframe = None if data is altair.Undefined else data
        self._binned = _binned_fields(spec)
        self._transforms = bool(spec.get("transform"))
        self._chart_selection = {}
        props = {"spec": spec, "mime": mime, "chart_selection": chart_selection,
                 "legend_selection": legend_selection}
        super().__init__({}, label, props, on_change)

    @property
    def selections(self):
        """The selection as the page sent it: {param: {field: values}}."""
        return self._chart_selection

    def _convert_value(self, selection):
        if not isinstance(selection, dict) or not all(
                isinstance(k, str) and isinstance(v, dict) for k, v in selection.items()):
            raise fail(self._kind, "expected a selection {param: {field: values}}, got %r"
                       % (selection,))
        value = self._select(selection)
        self._chart_selection = selection
        return value

    def _select(self, selection):
        data = self.dataframe
        if not any(_leaves(v) for v in selection.values()):
            return [] if data is None else empty_like(data)
        if not is_frame(data):
            # A layer or concat has no data of its own, and a list of rows
            # cannot be filtered by field: as marimo, the data as it is.
            if data is None:
                sys.stderr.write("altair_chart: this chart has no data of its own (a layer or "
                                 "concat); use .apply_selection(df) to filter a frame\n")
            return data
        if self._transforms:
            try:
                data = self._chart.transformed_data()
            except ImportError as exc:
                sys.stderr.write("altair_chart: the chart's transforms could not be applied "
                                 "(%s); filtering the untransformed data\n" % exc)
        return filter_frame(data, selection, self._binned, self._kind)

    def apply_selection(self, df):
        """`df` filtered by the current selection (for a layered chart,
        whose data is not its own)."""
        if not is_frame(df):
            raise TypeError("altair_chart.apply_selection: expected a pandas or polars "
                            "DataFrame, got %s" % type(df).__name__)
        return filter_frame(df, self._chart_selection, self._binned, self._kind)

    def _text(self):
        value = self._value
        rows = len(value) if hasattr(value, "__len__") else "?"
        label = (" %r" % self._label) if self._label else ""
        return "<altair_chart%s: %s rows selected>" % (label, rows)

    # marimo proxies the chart's own attributes (`chart.mark`, `.encoding`);
    # public ones only, so display hooks (`_repr_html_`, `_mime_`) probed
    # by the renderer are never the bare chart's.
    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._chart, name)


def _leaves(value):
    """Whether a selection part holds any value (marimo flattens it)."""
    if isinstance(value, dict):
        return any(_leaves(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_leaves(v) for v in value) if value else False
    return True
