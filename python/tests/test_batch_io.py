"""The worker's per-cell I/O in a batch (docs/protocol.md, "Version 4"):
one fd pipe reused from cell to cell while nothing else can write to it,
and each cell's `done` written together with the next frame.

The pipe tests drive a real worker process (`python -m weir._worker`)
over its protocol, as the runtime does; the write tests run a worker in a
child process over a channel that records each write.
"""

import json
import os
import select
import subprocess
import sys
import textwrap
import unittest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PYTHON_DIR)

from weir._wire import Channel  # noqa: E402

# Longest wait for one message: a hang fails the test instead of the suite.
TIMEOUT = 30.0


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
        self.streams = []  # (cell_id, text) of every stream message read
        assert self.receive()["type"] == "ready"

    def receive(self):
        # The channel reads ahead: frames it holds are not on the fd.
        ready = self.channel.pending()
        if not ready:
            ready, _, _ = select.select([self.proc.stdout.fileno()], [], [], TIMEOUT)
        if not ready:
            raise AssertionError("no message from the worker within %ss" % TIMEOUT)
        message = self.channel.receive()
        if message["type"] == "stream":
            self.streams.append((message["cell_id"], message["text"]))
        return message

    def batch(self, cells):
        """Run `[(cell_id, code)]` as one batch; returns {cell_id: done}."""
        entries = [
            {"cell_id": cell_id, "name": "_", "code": code, "code_hash": "h-%s-%d" % (cell_id, hash(code))}
            for cell_id, code in cells
        ]
        self.channel.send({"type": "run_batch", "entries": entries})
        dones = {}
        while True:
            message = self.receive()
            if message["type"] == "done":
                self.assertOk(message)
                dones[message["cell_id"]] = message
            elif message["type"] == "batch_done":
                return dones

    def printed(self, cell_id):
        return "".join(text for origin, text in self.streams if origin == cell_id)

    def wait_for(self, text):
        """Read until some stream message carried `text`; returns its cell."""
        while True:
            for origin, seen in self.streams:
                if text in seen:
                    return origin
            self.receive()

    @staticmethod
    def assertOk(done):
        if done["status"] != "ok":
            raise AssertionError("cell %s: %r" % (done["cell_id"], done["error"]))

    def close(self):
        self.channel.send({"type": "shutdown"})
        self.proc.wait(timeout=30)
        self.channel.close_input()  # the same fd as proc.stdout
        self.proc.stdin.close()


# A cell that prints which pipe its fd 1 is (the pipe's inode).
PIPE_OF_FD1 = "import os\nprint('pipe', os.fstat(1).st_ino)"


def pipe_of(worker, cell_id):
    line = [l for l in worker.printed(cell_id).splitlines() if l.startswith("pipe ")]
    assert len(line) == 1, worker.printed(cell_id)
    return int(line[0].split()[1])


class FdPipeReuseTest(unittest.TestCase):
    def setUp(self):
        self.worker = WorkerProcess()
        self.addCleanup(self.worker.close)

    def test_cells_that_leave_no_writer_share_one_pipe(self):
        w = self.worker
        w.batch([("a", PIPE_OF_FD1 + "\nos.write(1, b'from a\\n')"),
                 ("b", PIPE_OF_FD1 + "\nos.write(2, b'from b\\n')")])
        self.assertEqual(pipe_of(w, "a"), pipe_of(w, "b"))
        self.assertIn("from a\n", w.printed("a"))
        self.assertNotIn("from a", w.printed("b"))
        self.assertIn("from b\n", w.printed("b"))

    def test_silent_cells_of_a_batch_hand_the_pipe_over_with_no_descriptor_work(self):
        w = self.worker
        count = textwrap.dedent(
            """\
            import os
            import weir._fdio as fdio
            calls = []
            real = fdio._dup2
            def counting(fd, fd2):
                calls.append((fd, fd2))
                return real(fd, fd2)
            fdio._dup2 = counting
            """
        )
        w.batch([("p", count), ("a", "x = 1"), ("b", "os.write(1, b'from b\\n')"), ("c", "y = 2"),
                 ("r", "print('dup2 calls', len(calls))\nfdio._dup2 = real")])
        self.assertIn("dup2 calls 0", w.printed("r"))
        self.assertEqual(w.printed("b"), "from b\n")
        # The batch's end points fds 1/2 back at the console: the next
        # batch's first cell gets the pipe afresh, and its text is its own.
        w.batch([("d", "os.write(1, b'from d\\n')")])
        self.assertEqual(w.printed("d"), "from d\n")

    def test_a_child_still_holding_the_pipe_keeps_it_and_its_late_output(self):
        w = self.worker
        # The child prints only once its stdin closes, long after its cell.
        child = textwrap.dedent(
            """\
            import subprocess, sys
            child = subprocess.Popen(
                [sys.executable, "-c", "import sys; sys.stdin.read(); print('late from the child')"],
                stdin=subprocess.PIPE,
            )
            """
        )
        w.batch([("a", PIPE_OF_FD1), ("b", PIPE_OF_FD1 + "\n" + child), ("c", PIPE_OF_FD1)])
        self.assertEqual(pipe_of(w, "a"), pipe_of(w, "b"))
        self.assertNotEqual(pipe_of(w, "b"), pipe_of(w, "c"))
        w.batch([("d", PIPE_OF_FD1 + "\nchild.stdin.close()\nchild.wait()")])
        self.assertEqual(w.wait_for("late from the child"), "b")
        self.assertNotEqual(pipe_of(w, "b"), pipe_of(w, "d"))

    def test_a_forked_child_printing_late_is_shown_under_the_cell_that_forked_it(self):
        w = self.worker
        fork = textwrap.dedent(
            """\
            gate_r, gate_w = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(gate_w)
                os.read(gate_r, 1)  # end of file once the parent closes it
                print("late from the fork", flush=True)
                os._exit(0)
            os.close(gate_r)
            """
        )
        w.batch([("a", PIPE_OF_FD1), ("b", PIPE_OF_FD1 + "\n" + fork), ("c", PIPE_OF_FD1)])
        self.assertEqual(pipe_of(w, "a"), pipe_of(w, "b"))
        self.assertNotEqual(pipe_of(w, "b"), pipe_of(w, "c"))
        w.batch([("d", "os.close(gate_w)\nos.waitpid(pid, 0)"), ("e", PIPE_OF_FD1)])
        self.assertEqual(w.wait_for("late from the fork"), "b")
        self.assertNotIn("late", w.printed("c") + w.printed("d") + w.printed("e"))

    def test_a_kept_duplicate_of_fd_1_keeps_the_pipe_with_its_cell(self):
        w = self.worker
        w.batch([("a", PIPE_OF_FD1 + "\nkept = os.dup(1)"), ("b", PIPE_OF_FD1)])
        self.assertNotEqual(pipe_of(w, "a"), pipe_of(w, "b"))
        w.batch([("c", "os.write(kept, b'through the kept copy\\n')\nos.close(kept)")])
        self.assertEqual(w.wait_for("through the kept copy"), "a")

    def test_a_forked_child_that_exited_leaves_the_pipe_free(self):
        w = self.worker
        fork = "import os\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nos.waitpid(pid, 0)"
        w.batch([("a", PIPE_OF_FD1 + "\n" + fork), ("b", PIPE_OF_FD1)])
        self.assertEqual(pipe_of(w, "a"), pipe_of(w, "b"))


# Runs a worker in a child process over a channel that records each write
# (the frames in it), then prints the record as JSON on the saved stdout.
RECORDER = textwrap.dedent(
    """\
    import json, os, sys
    sys.path.insert(0, sys.argv[1])
    out = os.fdopen(os.dup(1), "w")
    from weir import _wire, _worker

    class Recording(_wire.Channel):
        def __init__(self):
            r, self._never = os.pipe()  # no halt ever arrives
            super().__init__(r, os.open(os.devnull, os.O_WRONLY))
            self.writes = []

        def _write_all(self, data):
            frames, data = [], bytes(data)
            while data:
                length = int.from_bytes(data[12:16], "little")
                frames.append(json.loads(data[24:24 + length]))
                data = data[24 + length:]
            self.writes.append(frames)

    channel = Recording()
    sys.modules["recording"] = channel
    worker = _worker.Worker(channel, None)
    sys.stdout, sys.stderr = worker.stdout, worker.stderr
    for batch in json.loads(sys.argv[2]):
        worker.run_batch({"entries": [
            {"cell_id": c, "name": "_", "code": code, "code_hash": "h-%s-%d" % (c, hash(code)),
             "delete": delete}
            for c, code, delete in batch
        ]})
    json.dump(channel.writes, out)
    out.flush()
    """
)


def record(batches):
    """The frames of each write a worker made running `batches` of
    `(cell_id, code, delete)`, as `[[(type, cell_id), ...], ...]`."""
    result = subprocess.run(
        [sys.executable, "-c", RECORDER, PYTHON_DIR, json.dumps(batches)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        timeout=60,
    )
    if result.returncode != 0:
        raise AssertionError(result.stderr.decode())
    writes = json.loads(result.stdout)
    return [[(f["type"], f.get("cell_id")) for f in frames] for frames in writes], writes


class CoalescedWritesTest(unittest.TestCase):
    def test_each_done_goes_out_with_the_next_started_or_batch_done(self):
        writes, _ = record([[("a", "x = 1", []), ("b", "y = x + 1", []), ("c", "z = 'é'", [])]])
        self.assertEqual(
            writes,
            [
                [("started", "a")],
                [("done", "a"), ("started", "b")],
                [("done", "b"), ("started", "c")],
                [("done", "c"), ("batch_done", None)],
            ],
        )

    def test_output_of_a_cell_comes_before_its_done_in_order(self):
        writes, _ = record([[("a", "print('hi')", []), ("b", "import os\nos.write(1, b'fd\\n')", [])]])
        frames = [frame for write in writes for frame in write]
        self.assertEqual(
            frames,
            [
                ("started", "a"), ("stream", "a"), ("done", "a"),
                ("started", "b"), ("stream", "b"), ("done", "b"),
                ("batch_done", None),
            ],
        )

    def test_a_done_is_written_before_a_deletion_that_may_run_user_code(self):
        # `d` holds an object whose `__del__` records the frames written so
        # far; the second batch deletes it before cell `d` runs again.
        make = textwrap.dedent(
            """\
            import sys
            class Noted:
                def __del__(self):
                    seen = [f for w in sys.modules["recording"].writes for f in w]
                    print("deleted after", [(f["type"], f.get("cell_id")) for f in seen][-1])
            obj = Noted()
            """
        )
        _, writes = record([
            [("d", make, [])],
            [("a", "x = 1", []), ("d", "obj = None", ["obj"])],
        ])
        notes = [
            f["text"] for w in writes for f in w
            if f["type"] == "stream" and "deleted after" in f["text"]
        ]
        self.assertEqual(notes, ["deleted after ('done', 'a')\n"])

if __name__ == "__main__":
    unittest.main()
