"""Run each notebook in bench/compat/notebooks/ with marimo's script mode
(`python nb.py`) and with `weir exec`, in the same Python environment, and
write a table (docs/compat.md says how to read it).

    python3 bench/compat/run.py --python /tmp/mocompat-venv/bin/python \
        [--weir target/debug/weir] [--timeout 120] [--out bench/compat/results]

A notebook "runs" under marimo when `python nb.py` exits 0, and under Weir
when `weir exec` exits 0 (every cell ok, or stopped by `mo.stop`).  For a
failure, the first error is kept and grouped by cause.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
NOTEBOOKS = os.path.join(HERE, "notebooks")

# An output shown as nothing useful: plain text that is only an object's
# default repr (`<marimo._plugins... object at 0x7f...>`).
UNRENDERED = re.compile(r"^<[^\n]* at 0x[0-9a-f]+>$|^<unsupported marimo")


# marimo's own custom elements (`<marimo-slider ...>`), which only marimo's
# front end draws: in any other page they are blank.
MARIMO_ELEMENT = re.compile(r"<marimo-[a-z-]+")


def unrendered(bundle):
    if "application/vnd.weir.layout+json" in bundle or "application/vnd.weir.ui+json" in bundle:
        return False
    html = bundle.get("text/html")
    if isinstance(html, str) and MARIMO_ELEMENT.search(html):
        return True
    if set(bundle) - {"text/plain", "hash"}:
        return False
    return bool(UNRENDERED.match(str(bundle.get("text/plain", ""))))


def cause(text: str) -> str:
    """A failure's group, from its error text."""
    rules = [
        (r"marimo\.ui\.(\w+) is not supported", "mo.ui.{} (not in weir.ui)"),
        (r"marimo\.([\w.]+) is not supported", "unsupported marimo.{}"),
        (r"No module named '([\w.]+)'", "missing module {}"),
        (r"TimeoutExpired", "timeout"),
        (r"Could not establish connection|Failed to download extension", "network needed (DuckDB extension download)"),
        (r"FileNotFoundError[^\n]*'([^']+)'", "file not found {}"),
    ]
    for pattern, label in rules:
        m = re.search(pattern, text)
        if m:
            return label.format(*m.groups())
    last = [l for l in text.strip().splitlines() if l.strip()]
    return (last[-1][:120] if last else "no error text")


def run_marimo(python, path, timeout):
    start = time.perf_counter()
    try:
        proc = subprocess.run([python, os.path.basename(path)], cwd=os.path.dirname(path),
                              capture_output=True, text=True, timeout=timeout,
                              env=dict(os.environ, MPLBACKEND="Agg"))
    except subprocess.TimeoutExpired:
        return {"ok": False, "cause": "timeout", "seconds": timeout}
    result = {"ok": proc.returncode == 0, "seconds": round(time.perf_counter() - start, 2)}
    if not result["ok"]:
        result["cause"] = cause(proc.stderr)
    return result


def run_weir(weir, python, path, timeout, python_dir):
    env = dict(os.environ, MPLBACKEND="Agg", WEIR_PYTHONPATH=python_dir)
    env.pop("WEIR_MARIMO", None)
    start = time.perf_counter()
    try:
        proc = subprocess.run([weir, "exec", path, "--python", python, "--json"],
                              capture_output=True, text=True, timeout=timeout, env=env,
                              cwd=os.path.dirname(path))
    except subprocess.TimeoutExpired:
        return {"ok": False, "cause": "timeout", "seconds": timeout}
    result = {"ok": proc.returncode == 0, "seconds": round(time.perf_counter() - start, 2)}
    blank = outputs = 0
    first_error = None
    for line in proc.stdout.splitlines():
        try:
            cell = json.loads(line)
        except ValueError:
            continue
        if cell.get("type") != "cell":
            continue
        for bundle in cell.get("outputs") or []:
            outputs += 1
            blank += unrendered(bundle)
        if cell.get("status") == "error" and first_error is None:
            error = cell.get("error") or {}
            first_error = "%s: %s" % (error.get("type"), error.get("message"))
        elif cell.get("status") == "not_run" and first_error is None and cell.get("reason"):
            # Refused before running (a name defined twice, a cycle).
            reason = cell["reason"]
            if not reason.startswith(("ancestor", "stopped")):
                first_error = "not run: " + reason
    result["outputs"] = outputs
    result["unrendered_outputs"] = blank
    if not result["ok"]:
        result["cause"] = cause(first_error or proc.stderr)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", required=True, help="the environment's interpreter (with marimo)")
    parser.add_argument("--weir", default=os.path.join(REPO, "target", "debug", "weir"))
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument("--python-dir", default=os.path.join(REPO, "python"),
                        help="where the worker imports `weir` from (default: this checkout's python/)")
    args = parser.parse_args()
    version = subprocess.run([args.python, "-c", "import marimo; print(marimo.__version__)"],
                             capture_output=True, text=True).stdout.strip()
    rows = []
    for name in sorted(os.listdir(NOTEBOOKS)):
        if not name.endswith(".py"):
            continue
        path = os.path.join(NOTEBOOKS, name)
        row = {"notebook": name, "marimo": run_marimo(args.python, path, args.timeout),
               "weir": run_weir(args.weir, args.python, path, args.timeout, args.python_dir)}
        rows.append(row)
        print("%-45s marimo %-4s weir %-4s %s" % (
            name, "ok" if row["marimo"]["ok"] else "FAIL", "ok" if row["weir"]["ok"] else "FAIL",
            row["weir"].get("cause") or row["marimo"].get("cause") or ""), flush=True)
    meta = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": platform.platform(),
            "cpus": os.cpu_count(), "python": args.python, "marimo": version,
            "weir_python_dir": args.python_dir,
            "command": " ".join([os.path.relpath(sys.argv[0], REPO)] + sys.argv[1:])}
    with open(args.out + ".json", "w") as f:
        json.dump({"meta": meta, "rows": rows}, f, indent=1)
    with open(args.out + ".md", "w") as f:
        f.write(table(meta, rows))
    print(table(meta, rows))


def table(meta, rows):
    lines = ["<!-- written by bench/compat/run.py -->",
             "%s; %s, %s CPUs; marimo %s; `%s`" % (meta["date"], meta["machine"], meta["cpus"],
                                                 meta["marimo"], meta["command"]), "",
             "| notebook | marimo script mode | weir exec | Weir outputs unrendered / all | why |",
             "|---|---|---|---|---|"]
    for r in rows:
        m, w = r["marimo"], r["weir"]
        why = w.get("cause") if not w["ok"] else (m.get("cause") or "")
        lines.append("| %s | %s | %s | %s/%s | %s |" % (
            r["notebook"], "ok" if m["ok"] else "fails", "ok" if w["ok"] else "fails",
            w.get("unrendered_outputs", "-"), w.get("outputs", "-"), (why or "").replace("|", "\\|")))
    both = sum(r["marimo"]["ok"] and r["weir"]["ok"] for r in rows)
    lines += ["", "%d notebooks: marimo runs %d, Weir runs %d, both %d; of those marimo runs, Weir fails %d." % (
        len(rows), sum(r["marimo"]["ok"] for r in rows), sum(r["weir"]["ok"] for r in rows), both,
        sum(r["marimo"]["ok"] and not r["weir"]["ok"] for r in rows))]
    groups = {}
    for r in rows:
        if r["marimo"]["ok"] and not r["weir"]["ok"]:
            groups.setdefault(r["weir"]["cause"], []).append(r["notebook"])
    if groups:
        lines += ["", "Weir failures where marimo runs, by cause:", ""]
        for c, names in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            lines.append("- %s (%d): %s" % (c, len(names), ", ".join(names)))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
