"""Layout and display helpers: `weir.hstack`, `vstack`, `tabs`, `accordion`,
`callout`, `stat`, `image`, `download`, `Html`, `as_html`, `plain_text`,
`center`/`left`/`right`.

Each renders as a MIME bundle whose main entry is structured,
`application/vnd.weir.layout+json` = `{"kind", "props", "children"}` with
each child a MIME bundle of its own (rendered when the layout is made), so a
child that is an interactive element keeps its own bundle and stays live in
the editor.  A `text/html` fallback is added when every child has HTML (or
is plain text), for front ends that know no layouts.  Markdown with
objects interpolated (`weir.md(f"pick {slider}")`) becomes the layout kind
`markdown`: the text with a slot marker per object, the objects as
children.  docs/python.md, "Layouts", has the format.
"""

from __future__ import annotations

import base64
import html as _html
import itertools
import mimetypes
import os
import re
import threading

LAYOUT_MIME = "application/vnd.weir.layout+json"

# `format(obj)` in an f-string leaves this marker in the text; `weir.md`
# swaps it for the object's bundle.  A random-looking prefix per process
# keeps user text from forging one by accident.
_EMBED_PREFIX = "weir-embed-%s-" % os.urandom(4).hex()
_EMBED_RE = re.compile(r'<span data-weir-embed="(%s\d+)"></span>' % re.escape(_EMBED_PREFIX))
# The slot marker a front end finds in the rendered markdown (DOMPurify
# keeps `data-` attributes; an empty span is valid inline HTML).
SLOT = '<span data-weir-slot="%d"></span>'
_SLOT_RE = re.compile(r'<span data-weir-slot="(\d+)"></span>')
# Objects formatted into strings, until `md` picks them up.  Bounded: an
# f-string whose text never reaches `md` must not keep its objects alive
# for ever.
_EMBED_LIMIT = 1000
_embedded = {}
_embed_lock = threading.Lock()
_counter = itertools.count()

_JUSTIFY = ("start", "center", "end", "space-between", "space-around")
_ALIGN = ("start", "end", "center", "stretch")
CALLOUT_KINDS = ("neutral", "danger", "warn", "success", "info", "alert")
_CALLOUT_COLOURS = {
    "neutral": "#9ca3af", "danger": "#dc2626", "alert": "#dc2626",
    "warn": "#d97706", "success": "#16a34a", "info": "#2563eb",
}


def embed(obj) -> str:
    """The marker that stands for `obj` in a string handed to `weir.md`:
    what `__format__` of a layout (and of an element) returns, so
    `weir.md(f"pick {slider}")` keeps the slider itself, live."""
    key = _EMBED_PREFIX + str(next(_counter))
    with _embed_lock:
        _embedded[key] = obj
        while len(_embedded) > _EMBED_LIMIT:
            del _embedded[next(iter(_embedded))]
    return '<span data-weir-embed="%s"></span>' % key


def has_embeds(text: str) -> bool:
    return _EMBED_PREFIX in text


def _bundle(obj):
    from ._render import render

    return render(obj) or {"text/plain": ""}


def _child(obj, strings="plain"):
    """A child's bundle; strings are plain text or markdown (as marimo's
    tabs, accordions and callouts read them)."""
    if isinstance(obj, str):
        if strings == "markdown":
            from ._api import md

            return _bundle(md(obj))
        return {"text/plain": obj}
    return _bundle(obj)


def child_html(bundle):
    """A child's HTML for a fallback, or None when it has none."""
    if "text/html" in bundle:
        return bundle["text/html"]
    for mime in ("image/png", "image/jpeg", "image/gif"):
        if mime in bundle:
            return '<img src="data:%s;base64,%s">' % (mime, bundle[mime])
    if "image/svg+xml" in bundle:
        return bundle["image/svg+xml"]
    if set(bundle) <= {"text/plain"}:
        return "<span>%s</span>" % _html.escape(bundle.get("text/plain", ""))
    return None


class Html:
    """HTML to display (marimo's `mo.Html`): `.text` is the markup."""

    def __init__(self, text):
        self.text = text.text if isinstance(text, Html) else str(text)

    def _mime_(self):
        return ("text/html", self.text)

    def _repr_html_(self):
        return self.text

    def __format__(self, spec):
        # Static HTML goes into an f-string as its markup, as in marimo; a
        # layout (which may hold live elements) as itself (`Layout`).
        return format(self.text, spec)

    def __repr__(self):
        return "Html(%r)" % (self.text[:200],)

    def center(self):
        return center(self)

    def left(self):
        return left(self)

    def right(self):
        return right(self)

    def callout(self, kind="neutral", title=None):
        return callout(self, kind=kind, title=title)

    def style(self, style=None, **kwargs):
        css = dict(style or {}, **kwargs)
        text = ";".join("%s:%s" % (k.replace("_", "-"), v) for k, v in css.items())
        return Html('<div style="%s">%s</div>' % (_html.escape(text, quote=True), self.text))


class Layout(Html):
    """A structured layout: rendered as `LAYOUT_MIME` plus, when every child
    has HTML, a `text/html` fallback."""

    def __init__(self, kind, props, children, fallback=None):
        self.kind = kind
        self.props = props
        self.children = children
        self._fallback = fallback

    @property
    def text(self):
        return self._html() or ""

    def _html(self):
        htmls = [child_html(c) for c in self.children]
        if any(h is None for h in htmls) or self._fallback is None:
            return None
        return self._fallback(self.props, htmls)

    def _mime_(self):
        return (LAYOUT_MIME, self.data())

    def data(self):
        return {"kind": self.kind, "props": self.props, "children": self.children}

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {LAYOUT_MIME: self.data()}
        html = self._html()
        if html is not None:
            bundle["text/html"] = html
        return bundle

    def _repr_html_(self):
        return self._html()

    def __format__(self, spec):
        return embed(self) if not spec else format(self.text, spec)

    def __repr__(self):
        return "weir.%s(%d children)" % (self.kind, len(self.children))


def _check(name, value, allowed, where):
    if value is not None and value not in allowed:
        raise ValueError(
            "weir.%s: %s must be one of %s, not %r" % (where, name, ", ".join(map(repr, allowed)), value)
        )


def _sizes(value, count, name, where):
    if value is None or value == "equal":
        return value
    sizes = list(value)
    if len(sizes) != count:
        raise ValueError("weir.%s: %s has %d entries for %d items" % (where, name, len(sizes), count))
    return [float(s) for s in sizes]


def _flex_html(direction):
    def render(props, htmls):
        css = ["display:flex", "flex-direction:%s" % direction, "gap:%srem" % props["gap"]]
        if props.get("justify"):
            css.append("justify-content:%s" % props["justify"].replace("start", "flex-start").replace("end", "flex-end"))
        if props.get("align"):
            css.append("align-items:%s" % props["align"].replace("start", "flex-start").replace("end", "flex-end"))
        if props.get("wrap"):
            css.append("flex-wrap:wrap")
        sizes = props.get("widths") or props.get("heights")
        items = []
        for i, h in enumerate(htmls):
            grow = ""
            if sizes == "equal":
                grow = ' style="flex:1"'
            elif isinstance(sizes, list):
                grow = ' style="flex:%s"' % sizes[i]
            items.append("<div%s>%s</div>" % (grow, h))
        return '<div style="%s">%s</div>' % (";".join(css), "".join(items))

    return render


def hstack(items, *, justify="space-between", align=None, wrap=False, gap=0.5, widths=None):
    """Items side by side (marimo's `mo.hstack`)."""
    items = list(items)
    _check("justify", justify, _JUSTIFY, "hstack")
    _check("align", align, _ALIGN, "hstack")
    props = {"justify": justify, "align": align, "wrap": bool(wrap), "gap": float(gap),
             "widths": _sizes(widths, len(items), "widths", "hstack")}
    return Layout("hstack", props, [_child(i) for i in items], _flex_html("row"))


def vstack(items, *, align=None, justify="start", gap=0.5, heights=None):
    """Items one above the other (marimo's `mo.vstack`)."""
    items = list(items)
    _check("justify", justify, _JUSTIFY, "vstack")
    _check("align", align, _ALIGN, "vstack")
    props = {"justify": justify, "align": align, "wrap": False, "gap": float(gap),
             "heights": _sizes(heights, len(items), "heights", "vstack")}
    return Layout("vstack", props, [_child(i) for i in items], _flex_html("column"))


def _labelled(kind, items, where):
    if not hasattr(items, "items"):
        raise TypeError("weir.%s: expected a mapping of label to content, got %s" % (where, type(items).__name__))
    labels = [str(k) for k in items.keys()]
    return labels, [_child(v, "markdown") for v in items.values()]


def _sections_html(open_first):
    def render(props, htmls):
        parts = []
        for i, (label, h) in enumerate(zip(props["labels"], htmls)):
            is_open = " open" if (open_first and i == 0) or i in props.get("expanded", ()) else ""
            parts.append("<details%s><summary>%s</summary>%s</details>" % (is_open, _html.escape(label), h))
        return "<div>%s</div>" % "".join(parts)

    return render


def tabs(tabs, *, value=None):
    """Content under tab labels (marimo's `mo.tabs`); strings are markdown."""
    labels, children = _labelled("tabs", tabs, "tabs")
    if value is not None and str(value) not in labels:
        raise ValueError("weir.tabs: value %r is not one of the labels %r" % (value, labels))
    props = {"labels": labels, "selected": labels.index(str(value)) if value is not None else 0}
    layout = Layout("tabs", props, children, _sections_html(True))
    # marimo's `mo.ui.tabs(...).value`: the selected tab's label.  Static
    # here: choosing another tab on the page re-runs nothing.
    layout.value = labels[props["selected"]] if labels else ""
    return layout


def accordion(items, multiple=False, lazy=False, *, expanded=False):
    """Collapsible sections (marimo's `mo.accordion`); strings are markdown."""
    labels, children = _labelled("accordion", items, "accordion")
    if isinstance(expanded, bool):
        opened = list(range(len(labels))) if expanded else []
    else:
        opened = [labels.index(str(e)) for e in expanded if str(e) in labels]
    props = {"labels": labels, "multiple": bool(multiple), "expanded": opened}
    return Layout("accordion", props, children, _sections_html(False))


def callout(value, kind="neutral", title=None):
    """A highlighted box (marimo's `mo.callout`)."""
    _check("kind", kind, CALLOUT_KINDS, "callout")

    def render(props, htmls):
        title_html = "<strong>%s</strong>" % _html.escape(props["title"]) if props.get("title") else ""
        return '<div style="border-left:4px solid %s;padding:0.5rem 1rem">%s%s</div>' % (
            _CALLOUT_COLOURS[props["kind"]], title_html, htmls[0])

    return Layout("callout", {"kind": kind, "title": title}, [_child(value, "markdown")], render)


def stat(value, label=None, caption=None, direction=None, bordered=False, target_direction="increase", slot=None):
    """A number with a label and caption (marimo's `mo.stat`)."""
    _check("direction", direction, ("increase", "decrease"), "stat")
    _check("target_direction", target_direction, ("increase", "decrease"), "stat")
    props = {"value": str(value), "label": label, "caption": caption, "direction": direction,
             "bordered": bool(bordered), "target_direction": target_direction}

    def render(props, htmls):
        parts = []
        if props["label"]:
            parts.append('<div style="font-size:0.8em;opacity:0.7">%s</div>' % _html.escape(str(props["label"])))
        parts.append('<div style="font-size:1.6em;font-weight:600">%s</div>' % _html.escape(props["value"]))
        if props["caption"]:
            arrow = {"increase": "▲ ", "decrease": "▼ "}.get(props["direction"] or "", "")
            parts.append("<div>%s%s</div>" % (arrow, _html.escape(str(props["caption"]))))
        parts.extend(htmls)
        border = "border:1px solid #ccc;border-radius:6px;" if props["bordered"] else ""
        return '<div style="%spadding:0.5rem">%s</div>' % (border, "".join(parts))

    return Layout("stat", props, [_child(slot)] if slot is not None else [], render)


_PNG, _JPEG, _GIF = b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF8"


def _sniff(data: bytes, default="application/octet-stream"):
    if data.startswith(_PNG):
        return "image/png"
    if data.startswith(_JPEG):
        return "image/jpeg"
    if data.startswith(_GIF):
        return "image/gif"
    if data[:5] == b"<?xml" or data[:4] == b"<svg":
        return "image/svg+xml"
    return default


def _data_uri(data, mimetype, where):
    """`data` (bytes, a file-like object, a path, a URL or data: URI)
    as something an `src`/`href` can hold."""
    if hasattr(data, "read"):
        data = data.read()
    if isinstance(data, str):
        if data.startswith(("data:", "http://", "https://")):
            return data, mimetype
        if os.path.isfile(data):
            mimetype = mimetype or mimetypes.guess_type(data)[0]
            with open(data, "rb") as f:
                data = f.read()
        elif where == "download":
            data = data.encode("utf-8")
            mimetype = mimetype or "text/plain"
        else:
            raise ValueError("weir.%s: %r is not a file, a URL or bytes" % (where, data[:200]))
    elif hasattr(data, "__fspath__"):
        path = os.fspath(data)
        mimetype = mimetype or mimetypes.guess_type(path)[0]
        with open(path, "rb") as f:
            data = f.read()
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("weir.%s: expected bytes, a file or a path, got %s" % (where, type(data).__name__))
    data = bytes(data)
    mimetype = mimetype or _sniff(data)
    return "data:%s;base64,%s" % (mimetype, base64.b64encode(data).decode("ascii")), mimetype


def _size(v):
    return "%spx" % v if isinstance(v, (int, float)) else v


def image(src, alt=None, width=None, height=None, rounded=False, style=None, caption=None):
    """An image from bytes, a file, a path or a URL (marimo's `mo.image`)."""
    uri, _ = _data_uri(src, None, "image")
    props = {"src": uri, "alt": alt, "width": _size(width), "height": _size(height),
             "rounded": bool(rounded), "caption": caption}

    def render(props, htmls):
        css = []
        if props["width"]:
            css.append("width:%s" % props["width"])
        if props["height"]:
            css.append("height:%s" % props["height"])
        if props["rounded"]:
            css.append("border-radius:8px")
        img = '<img src="%s" alt="%s" style="%s">' % (
            _html.escape(props["src"], quote=True), _html.escape(props["alt"] or "", quote=True), ";".join(css))
        if props["caption"]:
            return "<figure>%s<figcaption>%s</figcaption></figure>" % (img, _html.escape(str(props["caption"])))
        return img

    return Layout("image", props, [], render)


def _await(coroutine):
    """The value of an awaitable `download` data function, on a private
    loop (the cell's own loop, if any, is left alone)."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        loop = asyncio.new_event_loop()
        try:
            return loop.run_until_complete(coroutine)
        finally:
            loop.close()
    coroutine.close()
    raise TypeError(
        "weir.download: an async data function cannot be awaited inside an async cell; "
        "await it in the cell and pass the bytes"
    )


def _frame_bytes(data):
    """A data frame as CSV bytes (pandas `to_csv`, polars `write_csv`)."""
    if isinstance(data, (bytes, bytearray, memoryview, str)) or hasattr(data, "read"):
        return data
    for method in ("write_csv", "to_csv"):
        fn = getattr(data, method, None)
        if callable(fn):
            text = fn()
            return text.encode("utf-8") if isinstance(text, str) else text
    return data


def download(data, filename=None, mimetype=None, disabled=False, *, label="Download"):
    """A download link for bytes, text or a file (marimo's `mo.download`)."""
    if callable(data):
        # marimo calls it on click; Weir has the bytes ready in the page.
        data = data()
    if callable(filename):
        filename = filename()
    if hasattr(data, "__await__"):
        data = _await(data)
    data = _frame_bytes(data)
    uri, mimetype = _data_uri(data, mimetype, "download")
    props = {"href": uri, "filename": filename or "download", "mimetype": mimetype,
             "label": str(label), "disabled": bool(disabled)}

    def render(props, htmls):
        if props["disabled"]:
            return "<span>%s</span>" % _html.escape(props["label"])
        return '<a href="%s" download="%s">%s</a>' % (
            _html.escape(props["href"], quote=True), _html.escape(props["filename"], quote=True),
            _html.escape(props["label"]))

    return Layout("download", props, [], render)


def _justify(kind):
    def make(item):
        def render(props, htmls):
            return '<div style="display:flex;justify-content:%s">%s</div>' % (props["justify"], htmls[0])

        justify = {"center": "center", "left": "flex-start", "right": "flex-end"}[kind]
        return Layout(kind, {"justify": justify}, [_child(item)], render)

    make.__name__ = kind
    make.__doc__ = "Align an item %s (marimo's `mo.%s`)." % (kind, kind)
    return make


center = _justify("center")
left = _justify("left")
right = _justify("right")


def plain_text(text):
    """Text shown as is, monospace (marimo's `mo.plain_text`)."""
    return Html("<pre>%s</pre>" % _html.escape(str(text)))


class _Bundle(Html):
    """An already rendered bundle (what `as_html` gives for a rich value)."""

    def __init__(self, bundle):
        self.bundle = bundle

    @property
    def text(self):
        return child_html(self.bundle) or _html.escape(self.bundle.get("text/plain", ""))

    def _mime_(self):
        return ("text/plain", self.bundle.get("text/plain", ""))

    def __repr__(self):
        return self.bundle.get("text/plain", "")

    def _repr_mimebundle_(self, include=None, exclude=None):
        return dict(self.bundle)

    def __format__(self, spec):
        return embed(self) if not spec else format(self.text, spec)


def as_html(value):
    """`value` as something with HTML (marimo's `mo.as_html`): its rich
    output kept whole, so an element inside stays live."""
    if isinstance(value, Html):
        return value
    bundle = _child(value)
    if set(bundle) <= {"text/html", "text/plain"} and "text/html" in bundle:
        return Html(bundle["text/html"])
    return _Bundle(bundle)


class EmbeddedMarkdown(Layout):
    """`weir.md` text with objects interpolated: kind `markdown`, props
    `{"text"}` with `<span data-weir-slot="N"></span>` where child N goes.
    Its `text/markdown` fallback holds each child's HTML (or plain text)."""

    def __init__(self, text):
        children = []

        def swap(match):
            obj = _embedded.get(match.group(1))
            if obj is None:
                return ""
            children.append(_bundle(obj))
            return SLOT % (len(children) - 1)

        self.source = _EMBED_RE.sub(swap, text)
        super().__init__("markdown", {"text": self.source}, children)

    def markdown_fallback(self):
        def fill(match):
            bundle = self.children[int(match.group(1))]
            html = child_html(bundle)
            return html if html is not None else _html.escape(bundle.get("text/plain", ""))

        return _SLOT_RE.sub(fill, self.source)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {LAYOUT_MIME: self.data(), "text/markdown": self.markdown_fallback()}

    def _repr_markdown_(self):
        return self.markdown_fallback()

    def __str__(self):
        return self.markdown_fallback()
