"""`bench/ui_ws.py` keeps working (docs/benchmarks.md, "Element value to last
dependent output, over a WebSocket"): its smoke run against a real `weir
edit`, and its check that each dependent shows the new value rather than
just finishing. Nothing is timed here; marimo is not needed.

The `weir` binary: `$WEIR_BIN`, else `target/debug/weir` (built by `cargo
test`, which scripts/test.sh runs before these tests), else
`target/release/weir`.
"""

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from tests._skip import skip_or_fail

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "bench" / "ui_ws.py"


def weir_binary():
    env = os.environ.get("WEIR_BIN")
    if env:
        return Path(env)
    for build in ("debug", "release"):
        path = REPO / "target" / build / "weir"
        if path.exists():
            return path
    return None


def load_bench():
    spec = importlib.util.spec_from_file_location("ui_ws", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class UiWsBenchTest(unittest.TestCase):
    def setUp(self):
        self.weir = weir_binary()
        if self.weir is None or not self.weir.exists():
            skip_or_fail(self, "no weir binary (cargo build -p weir-cli, or set WEIR_BIN)")

    def test_smoke_run_measures_every_notebook_and_prints_the_table(self):
        out = subprocess.run(
            [sys.executable, str(SCRIPT), "--only", "weir", "--reps", "3", "--warmup", "1",
             "--weir", str(self.weir)],
            capture_output=True, text=True, timeout=300,
        )
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]
        self.assertEqual(len(lines[0]["machine"]["loadavg"]), 3)
        rows = {r["notebook"]: r for r in lines[1:]}
        self.assertEqual(sorted(rows), sorted(["1", "10 fan", "10 chain", "100 fan", "100 chain"]))
        for label, row in rows.items():
            self.assertEqual((row["tool"], row["n"]), ("weir", 3), label)
            self.assertTrue(0 < row["min_ms"] <= row["p50_ms"] <= row["p95_ms"] <= row["max_ms"], row)
        self.assertIn("| 100 chain |", out.stdout)

    def test_a_dependent_showing_another_value_is_an_error_not_a_sample(self):
        bench = load_bench()
        with tempfile.TemporaryDirectory() as tmp:
            nb = Path(tmp) / "nb.py"
            # The second dependent shows s.value + 3 where the bench expects + 2.
            nb.write_text(bench.notebook_source(2, "fan").replace("s.value + 2", "s.value + 3"))
            side = bench.WeirSide(self.weir, nb, 60)
            try:
                side.setup()
                with self.assertRaisesRegex(bench.BenchError, r"showed \['1003'\].*want 1002"):
                    side.change(1000, "fan")
            finally:
                side.close()

    def test_the_chain_notebook_reads_each_previous_dependent(self):
        bench = load_bench()
        src = bench.notebook_source(3, "chain")
        self.assertIn("def _(s):\n    d_1 = s.value + 1\n    d_1\n", src)
        self.assertIn("def _(d_2):\n    d_3 = d_2 + 1\n    d_3\n", src)
        self.assertEqual([bench.expected(10, i, "chain") for i in (1, 2, 3)], [11, 12, 13])


if __name__ == "__main__":
    unittest.main()
