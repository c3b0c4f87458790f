"""Short summaries of the names a cell defined, for the editor's variables
panel (docs/protocol.md, `variables`).  Only an editor session asks, and
only for the cell's own definitions: the cost is one `type()` and one
bounded `repr` per name."""

import reprlib

# The preview's length in characters: a panel row, not a value.
MAX_PREVIEW = 120

_repr = reprlib.Repr()
# Containers are summarised element by element with these limits, so a
# million-element list costs a few elements; other objects' own `repr` is
# called and cut (reprlib does that), so a huge repr costs its own time once.
_repr.maxlevel = 2
_repr.maxlist = _repr.maxtuple = _repr.maxset = _repr.maxfrozenset = 8
_repr.maxdeque = _repr.maxarray = 8
_repr.maxdict = 6
_repr.maxstring = MAX_PREVIEW
_repr.maxlong = 40
_repr.maxother = MAX_PREVIEW


def preview(value):
    """`repr(value)`, bounded; a repr that raises is named, not raised."""
    try:
        text = _repr.repr(value)
    except Exception as exc:  # a broken __repr__ is the value's problem
        try:
            name = type(exc).__name__
        except Exception:
            name = "error"
        return "<repr failed: %s>" % name
    if not isinstance(text, str):
        return "<repr is not a string>"
    if len(text) > MAX_PREVIEW:
        text = text[: MAX_PREVIEW - 1] + "\u2026"
    return text


def summarize(namespace, names):
    """`[{"name", "type", "preview"}]` for each of `names` the namespace
    holds now, in the order given."""
    out = []
    for name in names:
        if not isinstance(name, str) or name not in namespace:
            continue
        value = namespace[name]
        try:
            type_name = type(value).__name__
        except Exception:
            type_name = "?"
        out.append({"name": name, "type": str(type_name), "preview": preview(value)})
    return out
