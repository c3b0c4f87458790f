//! Syntax is judged by the Python that will run the cells: `weir check`
//! asks the interpreter `weir exec` would run (once, and only when some
//! cell's verdict depends on it) or takes `--python-version`; `weir exec`
//! judges by the worker's own Python.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weir-pysyntax-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn notebook(dir: &Path, cells: &[&str]) -> PathBuf {
    let mut src = String::from("import marimo\n\napp = marimo.App()\n\n");
    for code in cells {
        src.push_str("\n@app.cell\ndef _():\n");
        for line in code.lines() {
            src.push_str(&format!("    {line}\n"));
        }
        src.push_str("    return\n\n");
    }
    src.push_str("\nif __name__ == \"__main__\":\n    app.run()\n");
    let path = dir.join("nb.py");
    std::fs::write(&path, src).unwrap();
    path
}

/// A stand-in interpreter that answers the version probe with `version`
/// and appends a line to `calls` each time it is started.
fn fake_python(dir: &Path, version: &str) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let calls = dir.join("calls");
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let python = bin.join("python");
    std::fs::write(
        &python,
        format!(
            "#!/bin/sh\necho called >> '{}'\necho {version}\n",
            calls.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    (python, calls)
}

fn calls(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |s| s.lines().count())
}

fn weir(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_weir"));
    cmd.args(args)
        .env_remove("VIRTUAL_ENV")
        .env("WEIR_PYTHONPATH", repo().join("python"))
        .stdin(Stdio::null());
    cmd
}

fn run(cmd: &mut Command) -> (Option<i32>, String, String) {
    let out: Output = cmd.output().expect("run weir");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

const PEP695: &str = "type Alias = list[int]";

#[test]
fn check_python_version_flag_decides() {
    let dir = temp_dir("flag");
    let nb = notebook(&dir, &[PEP695, "y = Alias"]);
    let nb = nb.to_str().unwrap();

    let (code, out, err) =
        run(weir(&["check", nb, "--python-version", "3.11"]).arg("--format=json"));
    assert_eq!(code, Some(1), "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["python_version"], "3.11");
    let message = report["diagnostics"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("on Python 3.11 (syntax was added in Python 3.12)"),
        "{message}"
    );

    let (code, out, err) = run(&mut weir(&["check", nb, "--python-version", "3.12"]));
    assert_eq!(code, Some(0), "{out}{err}");

    let (code, _, err) = run(&mut weir(&["check", nb, "--python-version", "eleven"]));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not a Python 3 version"), "{err}");
}

#[test]
fn check_asks_the_interpreter_once_and_only_when_needed() {
    let dir = temp_dir("probe");
    let (python, log) = fake_python(&dir, "3.11.4");
    let nb = notebook(
        &dir,
        &[PEP695, "match 1:\n    case _:\n        pass", "y = Alias"],
    );
    let nb = nb.to_str().unwrap();
    let python = python.to_str().unwrap();

    let (code, out, err) = run(&mut weir(&["check", nb, "--python", python]));
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.contains("Python 3.11 (syntax was added in Python 3.12)"),
        "{out}"
    );
    assert_eq!(calls(&log), 1, "asked once for the whole notebook");

    // The active virtual environment's interpreter, as for `weir exec`.
    let venv = dir.clone();
    let (code, out, _) = run(weir(&["check", nb]).env("VIRTUAL_ENV", &venv));
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(calls(&log), 2);

    // Nothing version-dependent: no process is started.
    let plain = notebook(&dir, &["x = 1", "y = x + 1"]);
    let (code, out, _) = run(&mut weir(&[
        "check",
        plain.to_str().unwrap(),
        "--python",
        python,
    ]));
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(
        calls(&log),
        2,
        "no version probe for a notebook that does not need one"
    );
}

#[test]
fn check_without_an_interpreter_warns_and_accepts_new_syntax() {
    let dir = temp_dir("missing");
    let nb = notebook(&dir, &[PEP695]);
    let missing = dir.join("no-such-python");
    let (code, out, err) = run(&mut weir(&[
        "check",
        nb.to_str().unwrap(),
        "--python",
        missing.to_str().unwrap(),
    ]));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        err.contains("cannot ask") && err.contains("no-such-python"),
        "{err}"
    );
    assert!(err.contains("--python-version"), "{err}");
}

/// `weir exec` judges by the worker's Python: a cell using syntax newer
/// than it is an error cell ("not run: syntax error ..."), its readers are
/// not run either, and the rest runs.
#[test]
fn exec_judges_by_the_worker_python() {
    let python = std::env::var("WEIR_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let probe = Command::new(&python)
        .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
        .output()
        .expect("run python");
    let version = String::from_utf8(probe.stdout).unwrap().trim().to_string();
    let minor: u32 = version.split('.').nth(1).unwrap().parse().unwrap();
    // Syntax one step newer than the worker's Python.
    let (newer, added) = match minor {
        ..=11 => (PEP695, "3.12"),
        12 | 13 => ("x = t\"{1}\"", "3.14"),
        _ => ("lazy import json", "3.15"),
    };
    let dir = temp_dir("exec");
    let nb = notebook(&dir, &[newer, "z = 40 + 2\nprint(z)"]);
    let (code, out, err) = run(&mut weir(&[
        "exec",
        nb.to_str().unwrap(),
        "--python",
        &python,
        "--json",
    ]));
    assert_eq!(code, Some(1), "{out}{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["status"], "not_run", "{out}");
    let reason = lines[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!(
            "on Python {version} (syntax was added in Python {added})"
        )),
        "{reason}"
    );
    assert_eq!(lines[1]["status"], "ok", "{out}");
    assert_eq!(lines[1]["stdout"], "42\n");
}
