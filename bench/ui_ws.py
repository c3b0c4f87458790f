#!/usr/bin/env python3
"""Element value to last dependent output, over a WebSocket: Weir vs marimo.

    python3 bench/ui_ws.py --reps 100                   # both, the full run
    python3 bench/ui_ws.py --only weir --reps 3         # smoke run, < 1 min

What is timed (issue 11, "Performance"): a notebook whose first cell makes
`s = mo.ui.slider(0, 100000)` and shows it, and N trivial dependents
(`d_i = s.value + i`, the last expression shows `d_i`) in two shapes:
fan-out (every dependent reads `s.value`) and chain (`d_1` reads `s.value`,
each next `d_i = d_{i-1} + 1`). Either way the last dependent shows
`value + N`. Each sample: a new slider value, timed
- start: just before the client sends the change (`time.perf_counter`);
- end: when the client has received and parsed the message carrying the
  output of the last dependent to show its new value (for fan-out, the
  last of all N to arrive; every dependent's output is checked for its
  own expected value, not just for an event).
After each sample the client waits, untimed, until the kernel says it is
quiet (Weir: the `idle` event; marimo: `completed-run`) so no change
overlaps the next. A few untimed warm-up changes come first. Nearest-rank
p50 and p95, min and max, in ms.

- Weir: `weir edit --headless --port 0 NB` (release build; it prints a URL
  with `?token=`); a WebSocket to `/ws?token=...` as the page opens it
  (docs/editor-protocol.md): `hello`, `run_all` until `idle`, the slider's
  element id from the first cell's `application/vnd.weir.ui+json` output,
  then per sample `set_ui_value` on the socket; the end is the `finished`
  event of the last dependent whose output is the new value.
- marimo 0.25.2: `marimo edit --headless --no-token --skip-update-check
  --port P NB` with `XDG_CONFIG_HOME` a fresh empty directory (default
  config); the client does what marimo's front end does: reads the
  skew-protection `serverToken` from the page, opens `/ws?session_id=...`,
  waits for `kernel-ready`, `POST /api/kernel/instantiate`, finds the
  slider's `object-id` in its cell's HTML output, then per sample
  `POST /api/kernel/set_ui_element_value` (headers `Marimo-Session-Id`,
  `Marimo-Server-Token`, one kept-alive HTTP connection, as `fetch` keeps
  one); the end is the `cell-op` message carrying the last dependent's
  output with the new value.
Both sides use the same client: a small RFC 6455 WebSocket client on the
standard library (below), TCP_NODELAY, so neither pays for a library the
other does not.

Needs: Python 3.9+ (standard library only, for this script); a release
`weir` (`cargo build --release -p weir-cli`; `--weir` to point elsewhere);
for marimo, a `marimo` 0.25.2 executable (`--marimo`, default
`bench/.venv/bin/marimo`: `python3 -m venv bench/.venv &&
bench/.venv/bin/pip install marimo==0.25.2`). Output: one JSON line per
measurement (notebook x tool), then a Markdown table; the first line
records /proc/loadavg, nproc and the CPU model.
"""
from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# (label, dependents, shape)
NOTEBOOKS = [
    ("1", 1, "fan"),
    ("10 fan", 10, "fan"),
    ("10 chain", 10, "chain"),
    ("100 fan", 100, "fan"),
    ("100 chain", 100, "chain"),
]
UI_MIME = "application/vnd.weir.ui+json"


class BenchError(Exception):
    """Something the bench could not do; the message says what and where."""


# ---------------------------------------------------------------- notebooks


def notebook_source(dependents: int, shape: str) -> str:
    """The notebook in marimo's own file form (Weir opens it unchanged)."""
    parts = [
        'import marimo\n\n__generated_with = "0.25.2"\napp = marimo.App()\n\n\n',
        "@app.cell\ndef _():\n    import marimo as mo\n"
        "    s = mo.ui.slider(0, 100000)\n    s\n    return (s,)\n\n\n",
    ]
    for i in range(1, dependents + 1):
        if shape == "chain" and i > 1:
            param, expr = f"d_{i - 1}", f"d_{i - 1} + 1"
        else:
            param, expr = "s", f"s.value + {i}"
        parts.append(
            f"@app.cell\ndef _({param}):\n    d_{i} = {expr}\n    d_{i}\n    return (d_{i},)\n\n\n"
        )
    parts.append('if __name__ == "__main__":\n    app.run()\n')
    return "".join(parts)


def expected(value: int, i: int, shape: str) -> int:
    """What dependent `i` shows once the slider holds `value`."""
    return value + i  # fan: s.value + i; chain: (s.value + 1) + (i - 1)


# ---------------------------------------------------------------- WebSocket


class WebSocket:
    """A blocking RFC 6455 client: text frames, ping answered, no extensions."""

    def __init__(self, host: str, port: int, path: str, origin: str, timeout: float):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, _, rest = bytes(self.buf).partition(b"\r\n\r\n")
        self.buf = bytearray(rest)
        status = head.split(b"\r\n", 1)[0].decode(errors="replace")
        if " 101 " not in status + " ":
            raise BenchError(f"WebSocket upgrade of {path} refused: {status}")

    def _fill(self) -> None:
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise BenchError("the server closed the WebSocket")
        self.buf += chunk

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        n = len(payload)
        head = bytearray([0x80 | opcode])
        if n < 126:
            head.append(0x80 | n)
        elif n < 1 << 16:
            head.append(0x80 | 126)
            head += n.to_bytes(2, "big")
        else:
            head.append(0x80 | 127)
            head += n.to_bytes(8, "big")
        mask = os.urandom(4)
        head += mask
        masked = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
        self.sock.sendall(bytes(head) + masked)

    def send(self, obj: dict) -> None:
        self._send_frame(0x1, json.dumps(obj).encode())

    def recv(self) -> dict:
        """The next text message, parsed; pings are answered on the way."""
        message = bytearray()
        while True:
            b0, b1 = self._take(2)
            n = b1 & 0x7F
            if n == 126:
                n = int.from_bytes(self._take(2), "big")
            elif n == 127:
                n = int.from_bytes(self._take(8), "big")
            payload = self._take(n)
            opcode = b0 & 0x0F
            if opcode == 0x9:
                self._send_frame(0xA, payload)
            elif opcode == 0x8:
                code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
                raise BenchError(f"the server closed the WebSocket (code {code}): {payload[2:]!r}")
            elif opcode in (0x0, 0x1, 0x2):
                message += payload
                if b0 & 0x80:
                    return json.loads(message)

    def close(self) -> None:
        try:
            self._send_frame(0x8, (1000).to_bytes(2, "big"))
        except OSError:
            pass
        self.sock.close()


# ---------------------------------------------------------------- helpers


def percentile(values: list[float], p: float) -> float:
    """Nearest rank."""
    s = sorted(values)
    rank = max(1, -(-p * len(s) // 100))
    return s[int(rank) - 1]


def stats(samples: list[float]) -> dict:
    return {
        "p50_ms": round(percentile(samples, 50), 3),
        "p95_ms": round(percentile(samples, 95), 3),
        "min_ms": round(min(samples), 3),
        "max_ms": round(max(samples), 3),
        "n": len(samples),
    }


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        load = []
    return {"nproc": os.cpu_count(), "cpu": model, "loadavg": load}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def values(count: int, start: int):
    """Distinct slider values, never the one before (so outputs must change)."""
    return [(start + 7919 * k) % 90000 + 1000 for k in range(count)]


# ---------------------------------------------------------------- Weir


class WeirSide:
    name = "weir"

    def __init__(self, binary: Path, nb: Path, timeout: float):
        self.timeout = timeout
        if not binary.exists():
            raise BenchError(f"{binary}: no weir binary (cargo build --release -p weir-cli, or --weir)")
        self.proc = subprocess.Popen(
            [str(binary), "edit", "--headless", "--port", "0", str(nb)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http"):
            stop(self.proc)
            raise BenchError(f"weir edit printed no URL: {line!r} {self.proc.stderr.read()[-2000:]!r}")
        url = urllib.parse.urlsplit(line)
        token = urllib.parse.parse_qs(url.query)["token"][0]
        self.ws = WebSocket(
            url.hostname, url.port, f"/ws?token={token}", f"http://127.0.0.1:{url.port}", timeout
        )
        self.req = 0
        self.unpacked: list[dict] = []

    def _recv(self) -> dict:
        """The next message; a `batch` frame's messages one by one, in order
        (docs/editor-protocol.md), as the page takes them."""
        while not self.unpacked:
            msg = self.ws.recv()
            if msg.get("type") != "batch":
                return msg
            self.unpacked = list(reversed(msg["messages"]))
        return self.unpacked.pop()

    def _send(self, msg: dict) -> None:
        self.req += 1
        msg["req"] = self.req
        self.ws.send(msg)

    def _check(self, msg: dict) -> None:
        if msg.get("type") in ("refused", "error"):
            raise BenchError(f"weir answered {msg}")

    def setup(self) -> None:
        self._send({"type": "hello"})
        while True:
            msg = self._recv()
            self._check(msg)
            if msg.get("type") == "snapshot":
                break
        self.cells = [c["id"] for c in msg["cells"]]
        self._send({"type": "run_all"})
        outputs = {}
        while True:
            msg = self._recv()
            self._check(msg)
            ev = msg.get("event", {}) if msg.get("type") == "event" else {}
            if ev.get("type") == "finished":
                if ev["status"] != "ok":
                    raise BenchError(f"weir: cell {ev['id']} finished {ev['status']}: {ev.get('error')}")
                outputs[ev["id"]] = ev["outputs"]
            elif ev.get("type") == "idle" and len(outputs) == len(self.cells):
                break
        ui = [b[UI_MIME] for b in outputs[self.cells[0]] if UI_MIME in b]
        if not ui:
            raise BenchError(f"weir: the slider cell's output has no {UI_MIME}: {outputs[self.cells[0]]}")
        self.element = ui[0]["id"]
        self.dependents = self.cells[1:]

    def change(self, value: int, shape: str) -> float:
        want = {cid: str(expected(value, i, shape)) for i, cid in enumerate(self.dependents, 1)}
        t0 = time.perf_counter()
        self._send({"type": "set_ui_value", "element_id": self.element, "value": value})
        t1 = None
        while True:
            msg = self._recv()
            self._check(msg)
            if msg.get("type") != "event":
                continue
            ev = msg["event"]
            kind = ev.get("type")
            if kind == "finished" and ev["id"] in want:
                shown = [b.get("text/plain") for b in ev["outputs"]]
                if ev["status"] != "ok" or shown != [want[ev["id"]]]:
                    raise BenchError(f"weir: cell {ev['id']} showed {shown} ({ev['status']}), want {want[ev['id']]}")
                del want[ev["id"]]
                if not want:
                    t1 = time.perf_counter()
            elif kind == "ui_value_refused":
                raise BenchError(f"weir refused the value: {ev}")
            elif kind == "idle" and t1 is not None:
                return (t1 - t0) * 1000

    def close(self) -> None:
        self.ws.close()
        stop(self.proc)


# ---------------------------------------------------------------- marimo


class MarimoSide:
    name = "marimo"

    def __init__(self, binary: Path, nb: Path, timeout: float, config_dir: Path):
        if not binary.exists():
            raise BenchError(f"{binary}: no marimo (see the header, or --marimo)")
        self.port = free_port()
        env = dict(os.environ, XDG_CONFIG_HOME=str(config_dir))
        (config_dir / "marimo").mkdir(parents=True, exist_ok=True)
        (config_dir / "marimo" / "marimo.toml").write_text("")
        self.proc = subprocess.Popen(
            [str(binary), "edit", "--headless", "--no-token", "--skip-update-check",
             "--port", str(self.port), str(nb)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
            cwd=nb.parent,
        )
        deadline = time.monotonic() + timeout
        page = None
        while page is None:
            if self.proc.poll() is not None:
                raise BenchError(f"marimo exited {self.proc.returncode}: {self.proc.stderr.read()[-2000:]!r}")
            if time.monotonic() > deadline:
                stop(self.proc)
                raise BenchError(f"marimo did not serve on port {self.port} within {timeout} s")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
                conn.request("GET", "/")
                resp = conn.getresponse()
                body = resp.read().decode()
                conn.close()
                if resp.status == 200:
                    page = body
            except OSError:
                time.sleep(0.1)  # polling for the server to listen, not a sync
        m = re.search(r'"serverToken":\s*"([^"]*)"', page)
        if not m:
            stop(self.proc)
            raise BenchError("marimo's page carries no serverToken")
        self.server_token = m.group(1)
        self.session = "s_" + os.urandom(6).hex()
        self.ws = WebSocket(
            "127.0.0.1", self.port, f"/ws?session_id={self.session}",
            f"http://127.0.0.1:{self.port}", timeout,
        )
        self.http = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        self.http.connect()
        self.http.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _post_send(self, path: str, body: dict) -> None:
        self.http.request(
            "POST",
            path,
            body=json.dumps(body),
            headers={
                "Content-Type": "application/json",
                "Marimo-Session-Id": self.session,
                "Marimo-Server-Token": self.server_token,
            },
        )

    def _post_done(self, path: str) -> None:
        resp = self.http.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise BenchError(f"marimo: POST {path} answered {resp.status}: {body[:500]!r}")

    def setup(self) -> None:
        while True:
            msg = self.ws.recv()
            if msg.get("op") == "kernel-ready":
                break
        self.cells = list(msg["data"]["cell_ids"])
        self._post_send("/api/kernel/instantiate", {"objectIds": [], "values": [], "autoRun": True})
        self._post_done("/api/kernel/instantiate")
        outputs = {}
        while True:
            msg = self.ws.recv()
            op, data = msg.get("op"), msg.get("data") or {}
            if op == "cell-op" and data.get("output"):
                outputs[data["cell_id"]] = data["output"]
            elif op == "completed-run":
                break
        slider = outputs.get(self.cells[0], {}).get("data", "")
        m = re.search(r"object-id=(?:'|&#x27;|&quot;|\")([^'\"&]+)", slider if isinstance(slider, str) else "")
        if not m:
            raise BenchError(f"marimo: no object-id in the slider cell's output: {str(slider)[:300]}")
        self.element = m.group(1)
        self.dependents = self.cells[1:]
        for i, cid in enumerate(self.dependents, 1):
            shown = self._shown(outputs.get(cid))
            if shown != str(expected(0, i, self.shape)):
                raise BenchError(f"marimo: cell {cid} showed {shown!r} after instantiate")

    @staticmethod
    def _shown(output: dict | None) -> str | None:
        """The text of an output: an int is `text/plain` or a `<pre>`."""
        if not output or not isinstance(output.get("data"), str):
            return None
        return re.sub(r"<[^>]*>", "", output["data"]).strip()

    def change(self, value: int, shape: str) -> float:
        want = {cid: str(expected(value, i, shape)) for i, cid in enumerate(self.dependents, 1)}
        path = "/api/kernel/set_ui_element_value"
        t0 = time.perf_counter()
        self._post_send(path, {"objectIds": [self.element], "values": [value]})
        t1 = None
        while True:
            msg = self.ws.recv()
            op, data = msg.get("op"), msg.get("data") or {}
            if op == "cell-op" and data.get("cell_id") in want and data.get("output"):
                shown = self._shown(data["output"])
                if shown == want[data["cell_id"]]:
                    del want[data["cell_id"]]
                    if not want:
                        t1 = time.perf_counter()
                elif data["output"].get("channel") == "marimo-error":
                    raise BenchError(f"marimo: cell {data['cell_id']} failed: {data['output']}")
            elif op == "completed-run" and t1 is not None:
                break
            elif op == "completed-run" and want:
                raise BenchError(f"marimo: run ended with {len(want)} dependents not showing the value")
        self._post_done(path)
        return (t1 - t0) * 1000

    def close(self) -> None:
        self.ws.close()
        self.http.close()
        stop(self.proc)


# ---------------------------------------------------------------- driver


def measure(side, shape: str, reps: int, warmup: int, seed: int) -> list[float]:
    side.setup()
    samples = []
    for k, v in enumerate(values(warmup + reps, seed)):
        ms = side.change(v, shape)
        if k >= warmup:
            samples.append(ms)
    return samples


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=100, help="timed changes per notebook")
    ap.add_argument("--warmup", type=int, default=5, help="untimed changes first")
    ap.add_argument("--only", choices=["weir", "marimo"], help="one tool only")
    ap.add_argument("--notebooks", default=",".join(n for n, _, _ in NOTEBOOKS),
                    help="comma-separated labels of " + ", ".join(repr(n) for n, _, _ in NOTEBOOKS))
    ap.add_argument("--weir", type=Path, default=REPO / "target/release/weir")
    ap.add_argument("--marimo", type=Path, default=HERE / ".venv/bin/marimo")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds any one wait may take")
    args = ap.parse_args()
    wanted = [s.strip() for s in args.notebooks.split(",") if s.strip()]
    chosen = [nb for nb in NOTEBOOKS if nb[0] in wanted]
    unknown = set(wanted) - {nb[0] for nb in NOTEBOOKS}
    if unknown or not chosen:
        ap.error(f"unknown notebook label(s) {sorted(unknown)}; known: {[n for n, _, _ in NOTEBOOKS]}")
    if args.reps < 1 or args.warmup < 0:
        ap.error("--reps must be at least 1 and --warmup not negative")
    tools = [args.only] if args.only else ["weir", "marimo"]

    info = machine()
    print(json.dumps({"machine": info, "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                      "reps": args.reps, "warmup": args.warmup}), flush=True)
    results = {}
    tmp = Path(tempfile.mkdtemp(prefix="weir-ui-ws-"))
    try:
        for label, n, shape in chosen:
            for tool in tools:
                work = tmp / f"{tool}-{label.replace(' ', '-')}"
                work.mkdir()
                nb = work / "nb.py"
                nb.write_text(notebook_source(n, shape))
                if tool == "weir":
                    side = WeirSide(args.weir, nb, args.timeout)
                else:
                    side = MarimoSide(args.marimo, nb, args.timeout, work / "config")
                side.shape = shape
                try:
                    samples = measure(side, shape, args.reps, args.warmup, seed=n)
                finally:
                    side.close()
                row = {"tool": tool, "notebook": label, "dependents": n, "shape": shape,
                       **stats(samples), "loadavg": machine()["loadavg"]}
                results[(label, tool)] = row
                print(json.dumps(row), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(f"load average at the end: {' '.join(machine()['loadavg'])} (start: {' '.join(info['loadavg'])}); "
          f"{info['nproc']} x {info['cpu']}")
    print()
    head = "| notebook |"
    rule = "|---|"
    for tool in tools:
        head += f" {tool} p50 | {tool} p95 | {tool} min | {tool} max |"
        rule += "---:|---:|---:|---:|"
    if len(tools) == 2:
        head += " marimo / weir (p50) |"
        rule += "---:|"
    print(head)
    print(rule)
    for label, _, _ in chosen:
        line = f"| {label} |"
        for tool in tools:
            r = results[(label, tool)]
            line += f" {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | {r['min_ms']:.2f} | {r['max_ms']:.2f} |"
        if len(tools) == 2:
            line += f" {results[(label, 'marimo')]['p50_ms'] / results[(label, 'weir')]['p50_ms']:.0f}x |"
        print(line)
    print("\n(ms, from sending the change to receiving the last dependent's new output)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"ui_ws.py: {e}", file=sys.stderr)
        sys.exit(1)
