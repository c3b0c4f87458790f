"""Cell-private names and `__builtins__` in a real worker process.

The worker (`python -m weir._worker`) is driven over its own protocol with
`weir._wire.Channel`, as the runtime drives it.  docs/analysis.md, "Private
names at run time", has the rule.
"""

import os
import subprocess
import sys
import unittest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PYTHON_DIR)

from weir._wire import Channel  # noqa: E402


class WorkerProcess:
    def __init__(self):
        env = dict(os.environ)
        env["PYTHONPATH"] = PYTHON_DIR + os.pathsep + env.get("PYTHONPATH", "")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "weir._worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self.channel = Channel(self.proc.stdout.fileno(), self.proc.stdin.fileno())
        assert self.channel.receive()["type"] == "ready"

    def run(self, cell_id, code, delete=()):
        self.channel.send(
            {"type": "run", "cell_id": cell_id, "name": "_", "code": code, "delete": list(delete)}
        )
        printed = []
        while True:
            message = self.channel.receive()
            if message["type"] == "stream":
                printed.append(message["text"])
            if message["type"] == "done":
                message["printed"] = "".join(printed)
                return message

    def value(self, cell_id, code):
        done = self.run(cell_id, code)
        if done["status"] != "ok":
            raise AssertionError("cell %s failed: %r" % (cell_id, done["error"]))
        return done["output"]["text/plain"] if done["output"] else None

    def delete(self, names=(), cells=()):
        self.channel.send({"type": "delete", "names": list(names), "cells": list(cells)})
        message = self.channel.receive()
        assert message["type"] == "deleted", message
        return message["names_removed"]

    def close(self):
        self.channel.send({"type": "shutdown"})
        self.proc.wait(timeout=30)
        self.channel.close_input()  # the same fd as proc.stdout
        self.proc.stdin.close()


class PrivateNamesTest(unittest.TestCase):
    def setUp(self):
        self.worker = WorkerProcess()
        self.addCleanup(self.worker.close)

    def assertNameError(self, done, name):
        self.assertEqual(done["status"], "error", done)
        error = done["error"]
        self.assertEqual(error["type"], "NameError")
        self.assertEqual(error["message"], "name '%s' is not defined" % name)
        # Neither the message nor the traceback shows the renamed form.
        self.assertNotIn("_cell_", error["traceback"])

    def test_a_later_cell_never_sees_another_cells_private_name(self):
        w = self.worker
        self.assertEqual(w.value("c0", "_i = 5\nfor _j in range(3):\n    pass\n_i + _j"), "7")
        self.assertNameError(w.run("c1", "_i"), "_i")
        self.assertNameError(w.run("c2", "def g():\n    return _j\ng()"), "_j")
        # A cell's own private names work as usual.
        self.assertEqual(w.value("c3", "_i = 1\n_i += 1\n_i"), "2")

    def test_private_names_are_freed_after_the_run_unless_a_function_reads_them(self):
        w = self.worker
        w.value("c0", "_tmp = [0] * 10\n_k = 3\ndef scale(v):\n    return v * _k")
        self.assertEqual(w.value("c1", "scale(14)"), "42")
        probe = "sorted(k for k in globals() if k.startswith('_cell_'))"
        self.assertEqual(w.value("c2", probe), "['_cell_c0_k']")
        # Re-running the cell drops what its last run kept.
        w.value("c0", "def scale(v):\n    return v * 3")
        self.assertEqual(w.value("c2", probe), "[]")
        # So does deleting it (the runtime names the cell).
        w.value("c0", "_k = 3\ndef scale(v):\n    return v * _k")
        self.assertEqual(w.delete(names=["scale"], cells=["c0"]), ["scale", "_cell_c0_k"])
        self.assertEqual(w.value("c2", probe), "[]")

    def test_functions_classes_comprehensions_fstrings(self):
        w = self.worker
        code = (
            "_x = 2\n"
            "class C:\n"
            "    _y = _x * 2\n"  # a class attribute stays `_y`
            "    def m(self):\n"
            "        return _x\n"
            "def _twice(v):\n"
            "    return v if v > 8 else _twice(v * 2)\n"  # recursion finds itself
            "squares = [_v * _v for _v in range(3)]\n"
            "(C._y, C().m(), _twice(1), squares, f'{_x}!', [_w := 7 for _ in 'a'], _w)"
        )
        self.assertEqual(w.value("c0", code), "(4, 2, 16, [0, 1, 4], '2!', [7], 7)")
        self.assertEqual(w.value("c1", "C().m()"), "2")
        self.assertNameError(w.run("c2", "_v"), "_v")

    def test_global_del_globals_and_raw_imports(self):
        w = self.worker
        code = "_n = 1\ndef read():\n    global _n\n    return _n\nread()"
        self.assertEqual(w.value("c0", code), "1")
        self.assertNameError(w.run("c1", "_n = 1\ndel _n\n_n"), "_n")
        # Strings are not code: `globals()` holds only the renamed form.
        done = w.run("c2", "_z = 1\nglobals()['_z']")
        self.assertEqual(done["error"]["type"], "KeyError")
        # `import _thread` keeps its module's name but stays in its cell.
        self.assertEqual(w.value("c3", "import _thread\n_thread.__name__"), "'_thread'")
        self.assertNameError(w.run("c4", "_thread"), "_thread")

    def test_traceback_frames_name_functions_as_written(self):
        w = self.worker
        done = w.run("c0", "def _fail():\n    return _missing\n_fail()")
        self.assertNameError(done, "_missing")
        self.assertEqual([f["function"] for f in done["error"]["frames"]], ["<module>", "_fail"])

    def test_builtins_is_the_builtins_dict_as_in_marimo(self):
        w = self.worker
        code = (
            "import builtins\n"
            "(type(__builtins__).__name__, __builtins__ is builtins.__dict__,"
            " __builtin__ is builtins.__dict__, __builtins__['len']('abc'))"
        )
        self.assertEqual(w.value("c0", code), "('dict', True, True, 3)")


if __name__ == "__main__":
    unittest.main()
