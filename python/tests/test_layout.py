"""Layout and display helpers (`weir.hstack`, ...) and markdown with
objects interpolated: their MIME bundles.  std only."""

import os
import tempfile
import unittest

import weir
from weir._render import render

LAYOUT = "application/vnd.weir.layout+json"


class Live:
    """Stands in for an interactive element: a bundle with no HTML, which
    a layout must carry as it is."""

    def _mime_(self):
        return ("application/vnd.weir.element+json", {"id": "e1"})

    def __format__(self, spec):
        from weir._layout import embed

        return embed(self)


class LayoutTest(unittest.TestCase):
    def test_hstack_keeps_children_as_bundles_and_adds_html_when_all_have_it(self):
        b = render(weir.hstack(["a", weir.Html("<b>b</b>")], justify="center", gap=1))
        data = b[LAYOUT]
        self.assertEqual(data["kind"], "hstack")
        self.assertEqual(data["props"]["justify"], "center")
        self.assertEqual(data["props"]["gap"], 1.0)
        self.assertEqual(data["children"][0], {"text/plain": "a"})
        self.assertEqual(data["children"][1]["text/html"], "<b>b</b>")
        self.assertIn("<b>b</b>", b["text/html"])
        self.assertIn("flex-direction:row", b["text/html"])

    def test_live_child_stays_whole_and_there_is_no_html_fallback(self):
        b = render(weir.vstack([Live(), "x"]))
        self.assertEqual(b[LAYOUT]["children"][0]["application/vnd.weir.element+json"], {"id": "e1"})
        self.assertNotIn("text/html", b)

    def test_nested_layouts(self):
        b = render(weir.vstack([weir.hstack([1, 2]), weir.callout("**hi**", kind="warn")]))
        kids = b[LAYOUT]["children"]
        self.assertEqual(kids[0][LAYOUT]["kind"], "hstack")
        self.assertEqual(kids[1][LAYOUT]["props"]["kind"], "warn")
        # A callout's string is markdown, as in marimo.
        self.assertEqual(kids[1][LAYOUT]["children"][0]["text/markdown"], "**hi**")

    def test_tabs_and_accordion_labels(self):
        t = render(weir.tabs({"One": "x", "Two": weir.Html("<i>y</i>")}))[LAYOUT]
        self.assertEqual(t["props"]["labels"], ["One", "Two"])
        a = render(weir.accordion({"A": weir.Html("1")}, expanded=True))
        self.assertEqual(a[LAYOUT]["props"]["expanded"], [0])
        self.assertIn("<details open><summary>A</summary>1</details>", a["text/html"])

    def test_bad_arguments_name_the_helper(self):
        with self.assertRaisesRegex(ValueError, r"weir.hstack: justify must be one of"):
            weir.hstack([1], justify="middle")
        with self.assertRaisesRegex(ValueError, r"weir.callout: kind"):
            weir.callout("x", kind="loud")
        with self.assertRaisesRegex(TypeError, r"weir.tabs: expected a mapping"):
            weir.tabs(["a"])
        with self.assertRaisesRegex(ValueError, r"weir.vstack: heights has 1 entries for 2 items"):
            weir.vstack([1, 2], heights=[1])

    def test_stat_image_download(self):
        s = render(weir.stat(42, label="answer", caption="up", direction="increase"))
        self.assertEqual(s[LAYOUT]["props"]["value"], "42")
        self.assertIn("answer", s["text/html"])
        png = b"\x89PNG\r\n\x1a\n" + b"0" * 10
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "p.png")
            with open(path, "wb") as f:
                f.write(png)
            i = render(weir.image(path, alt="pic", width=100))
        self.assertTrue(i[LAYOUT]["props"]["src"].startswith("data:image/png;base64,"))
        self.assertIn('width:100px', i["text/html"])
        d = render(weir.download(b"a,b\n", filename="t.csv", mimetype="text/csv", label="CSV"))
        self.assertEqual(d[LAYOUT]["props"]["href"], "data:text/csv;base64,YSxiCg==")
        self.assertIn('download="t.csv"', d["text/html"])
        # marimo's lazy forms: a function, an async function, a data frame.
        async def later():
            return b"x"

        lazy = render(weir.download(later, filename=lambda: "l.txt"))[LAYOUT]["props"]
        self.assertEqual((lazy["href"], lazy["filename"]), ("data:application/octet-stream;base64,eA==", "l.txt"))

        class Frame:
            def to_csv(self):
                return "a\n1\n"

        frame = render(weir.download(Frame(), mimetype="text/csv"))[LAYOUT]["props"]["href"]
        self.assertEqual(frame, "data:text/csv;base64,YQoxCg==")
        with self.assertRaisesRegex(ValueError, "weir.image: 'nope.png' is not a file"):
            weir.image("nope.png")

    def test_plain_text_html_and_as_html(self):
        self.assertEqual(render(weir.plain_text("<a>"))["text/html"], "<pre>&lt;a&gt;</pre>")
        self.assertEqual(weir.as_html(weir.Html("<p>")).text, "<p>")
        live = render(weir.as_html(Live()))
        self.assertIn("application/vnd.weir.element+json", live)


class EmbeddedMarkdownTest(unittest.TestCase):
    def test_interpolated_element_stays_live(self):
        b = render(weir.md(f"pick {Live()} then **go**"))
        data = b[LAYOUT]
        self.assertEqual(data["kind"], "markdown")
        self.assertEqual(data["props"]["text"], 'pick <span data-weir-slot="0"></span> then **go**')
        self.assertEqual(data["children"][0]["application/vnd.weir.element+json"], {"id": "e1"})
        # Front ends that know no layouts still get markdown.
        self.assertTrue(b["text/markdown"].startswith("pick "))

    def test_a_real_element_interpolated_in_markdown_stays_live(self):
        import weir.ui

        slider = weir.ui.slider(0, 10, value=3)
        data = render(weir.md(f"pick {slider}"))[LAYOUT]
        child = data["children"][0]["application/vnd.weir.ui+json"]
        self.assertEqual((child["kind"], child["value"]), ("slider", 3))
        # With a format spec it is its text, as any value.
        self.assertNotIn("data-weir", f"{slider:>5}")

    def test_interpolated_html_fills_markdown_fallback(self):
        b = render(weir.md(f"a {weir.Html('<b>x</b>')} b"))
        self.assertEqual(b["text/markdown"], "a <b>x</b> b")

    def test_md_cleans_its_text_as_marimo_does(self):
        # marimo's md applies inspect.cleandoc: an indented triple-quoted
        # body is not a code block.
        text = weir.md("""
            # Title

            body
            """).text
        self.assertEqual(text, "# Title\n\nbody")

    def test_plain_markdown_is_unchanged(self):
        self.assertEqual(render(weir.md("**x** 1"))["text/markdown"], "**x** 1")
        # Forged markers from user text are not objects.
        text = '<span data-weir-embed="weir-embed-00000000-1"></span>'
        self.assertEqual(render(weir.md(text))["text/markdown"], text)


if __name__ == "__main__":
    unittest.main()
