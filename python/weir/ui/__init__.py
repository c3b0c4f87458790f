"""`weir.ui`: interactive elements.  An element is a value in the graph:
when a person changes it on the page, the cells that read the global name
it is bound to run again, with no callback code (docs/python.md,
"Interactive elements").  Names, arguments and defaults are marimo's
`mo.ui.*`."""

from ._chart import altair_chart
from ._composite import array, dictionary, form, table
from ._core import MIMETYPE, UIElement
from ._matplotlib import matplotlib
from ._matrix import matrix
from ._more import code_editor, datetime, file, refresh
from ._inputs import (
    button,
    checkbox,
    date,
    dropdown,
    multiselect,
    number,
    radio,
    range_slider,
    run_button,
    slider,
    switch,
    text,
    text_area,
)

__all__ = [
    "MIMETYPE",
    "UIElement",
    "altair_chart",
    "array",
    "button",
    "checkbox",
    "code_editor",
    "date",
    "datetime",
    "dictionary",
    "dropdown",
    "file",
    "form",
    "matplotlib",
    "matrix",
    "multiselect",
    "number",
    "radio",
    "range_slider",
    "refresh",
    "run_button",
    "slider",
    "switch",
    "table",
    "text",
    "text_area",
]
