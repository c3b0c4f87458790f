//! `weir exec` as a kernel client: the session is started by
//! `weir_runtime::launch` (its errors name the interpreter and where the
//! choice came from), and what is printed while the run goes on comes from
//! the kernel's events. Cells that must stay running until the test has
//! seen their output wait for a gate file the test then creates.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python() -> String {
    std::env::var("WEIR_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn weir(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_weir"));
    cmd.args(args)
        .env("WEIR_PYTHONPATH", repo().join("python"))
        .stdin(Stdio::null());
    cmd
}

/// A fresh directory for one test, removed at the end.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("weir-exec-kernel-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn notebook(dir: &Path, cells: &[&str]) -> PathBuf {
    let mut src = String::from("import weir\n\napp = weir.App()\n\n");
    for code in cells {
        src.push_str("@app.cell\ndef _():\n");
        for line in code.lines() {
            src.push_str("    ");
            src.push_str(line);
            src.push('\n');
        }
        src.push_str("    return\n\n\n");
    }
    src.push_str("if __name__ == \"__main__\":\n    app.run()\n");
    let path = dir.join("nb.py");
    std::fs::write(&path, src).unwrap();
    path
}

/// Python that waits until `gate` exists.
fn wait_for(gate: &Path) -> String {
    format!(
        "import os, time\nwhile not os.path.exists({:?}):\n    time.sleep(0.01)",
        gate.to_str().unwrap()
    )
}

fn spawn_exec(path: &Path, extra: &[&str]) -> (Child, BufReader<ChildStdout>) {
    let python = python();
    let mut args = vec!["exec", path.to_str().unwrap(), "--python", &python];
    args.extend_from_slice(extra);
    let mut child = weir(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start weir");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    (child, stdout)
}

/// Reads lines until one satisfies `done`; everything read so far.
fn read_until(stdout: &mut impl BufRead, done: impl Fn(&str) -> bool) -> String {
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        let n = stdout.read_line(&mut line).unwrap();
        assert!(n > 0, "weir ended first: {seen}");
        seen.push_str(&line);
        if done(&line) {
            return seen;
        }
    }
}

#[test]
fn a_cells_text_is_printed_while_it_still_runs() {
    let dir = TempDir::new();
    let gate = dir.path().join("gate");
    let cell = format!("print('waiting', flush=True)\n{}", wait_for(&gate));
    let path = notebook(dir.path(), &[&cell, "print('after')"]);
    let (mut child, mut stdout) = spawn_exec(&path, &[]);
    read_until(&mut stdout, |line| line == "waiting\n");
    std::fs::write(&gate, "").unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0), "{rest}");
    assert!(rest.contains("── cell 0 `_` ─ ok"), "{rest}");
    assert!(rest.contains("after\n"), "{rest}");
    assert!(rest.contains("summary: 2 cells: 2 ok"), "{rest}");
}

#[test]
fn json_lines_come_as_cells_finish() {
    let dir = TempDir::new();
    let gate = dir.path().join("gate");
    let path = notebook(dir.path(), &["print('first')", &wait_for(&gate)]);
    let (mut child, mut stdout) = spawn_exec(&path, &["--json"]);
    let first = read_until(&mut stdout, |_| true);
    let first: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first["index"], 0, "{first}");
    assert_eq!(first["status"], "ok", "{first}");
    assert_eq!(first["stdout"], "first\n", "{first}");
    // Cell 1 is still waiting: its line comes only now.
    std::fs::write(&gate, "").unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0), "{rest}");
    let lines: Vec<serde_json::Value> = rest
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{rest}");
    assert_eq!(lines[0]["index"], 1);
    assert_eq!(lines[1]["type"], "summary");
    assert_eq!(lines[1]["ok"], 2);
}

#[test]
fn a_missing_interpreter_is_named_with_where_it_came_from() {
    let dir = TempDir::new();
    let path = notebook(dir.path(), &["x = 1"]);
    let venv = dir.path().join("gone-venv");
    let out = weir(&["exec", path.to_str().unwrap()])
        .env("VIRTUAL_ENV", &venv)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let expected = venv.join("bin").join("python");
    assert!(stderr.contains(&expected.display().to_string()), "{stderr}");
    assert!(stderr.contains("$VIRTUAL_ENV"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
