"""The worker's integrity rule (weir._integrity) against the vectors the
runtime and the page check too (docs/editor-hash-vectors.json), and
JavaScript's number printing on the cases that tell printers apart.
Random values against the Rust rule: crates/runtime/tests/integrity.rs."""

import json
import os
import sys
import unittest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PYTHON_DIR)

from weir._integrity import bundle_hash, canonical, js_number, stamp, text_hash  # noqa: E402

VECTORS = os.path.join(PYTHON_DIR, "..", "docs", "editor-hash-vectors.json")


class Vectors(unittest.TestCase):
    def test_shared_vectors(self):
        with open(VECTORS, encoding="utf-8") as f:
            vectors = json.load(f)
        for v in vectors["bundles"]:
            rest = {k: x for k, x in v["bundle"].items() if k != "hash"}
            self.assertEqual(canonical(rest), v["canonical"])
            self.assertEqual(bundle_hash(v["bundle"]), v["hash"])
        for v in vectors["texts"]:
            self.assertEqual(text_hash(v["text"]), v["hash"])

    def test_numbers_as_javascript_prints_them(self):
        cases = [
            (1.0, "1"), (-1.5, "-1.5"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
            (1.5e-7, "1.5e-7"), (0.000001, "0.000001"), (-0.0, "0"), (5e-324, "5e-324"),
            (1e16, "10000000000000000"), (2**60, "1152921504606847000"), (2**53, "9007199254740992"),
            # A tie between two shortest strings: JavaScript takes the even one.
            (1007289779541.9062, "1007289779541.9062"),
        ]
        for x, want in cases:
            self.assertEqual(js_number(x), want, x)

    def test_stamp_covers_streams_outputs_and_done(self):
        stream = {"type": "stream", "text": "hi\n"}
        stamp(stream)
        self.assertEqual(stream["hash"], text_hash("hi\n"))
        done = {"type": "done", "output": {"text/plain": "2"}}
        stamp(done)
        self.assertEqual(done["output"]["hash"], bundle_hash({"text/plain": "2"}))
        cleared = {"type": "output", "action": "clear", "output": None}
        stamp(cleared)
        self.assertIsNone(cleared["output"])


if __name__ == "__main__":
    unittest.main()
