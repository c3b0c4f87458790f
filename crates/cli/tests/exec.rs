//! `weir exec` end to end, with real Python workers.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `$WEIR_TEST_PYTHON` or `python3`.
fn python() -> String {
    std::env::var("WEIR_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn weir_cmd(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_weir"));
    cmd.args(args)
        .env("WEIR_PYTHONPATH", repo().join("python"))
        .stdin(Stdio::null());
    cmd
}

fn exec(path: &Path, extra: &[&str]) -> Output {
    let python = python();
    let mut args = vec!["exec", path.to_str().unwrap(), "--python", &python];
    args.extend_from_slice(extra);
    weir_cmd(&args).output().expect("run weir")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn temp_notebook(name: &str, cells: &[&str]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weir-exec-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut src = String::from("import weir\n\napp = weir.App()\n\n");
    for code in cells {
        src.push_str("@app.cell\ndef _():\n");
        for line in code.lines() {
            src.push_str(&format!("    {line}\n"));
        }
        src.push_str("    return\n\n\n");
    }
    src.push_str("if __name__ == \"__main__\":\n    app.run()\n");
    let path = dir.join(name);
    std::fs::write(&path, src).unwrap();
    path
}

/// Every line parses; returns (cell lines, summary line).
fn json_lines(stdout: &str) -> (Vec<serde_json::Value>, serde_json::Value) {
    let mut values: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let summary = values.pop().expect("a summary line");
    assert_eq!(summary["type"], "summary", "{summary}");
    for v in &values {
        assert_eq!(v["type"], "cell", "{v}");
        for key in [
            "index",
            "name",
            "status",
            "reason",
            "outputs",
            "stdout",
            "stderr",
            "error",
            "duration_ms",
        ] {
            assert!(v.get(key).is_some(), "{key} missing in {v}");
        }
    }
    (values, summary)
}

fn examples() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(repo().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty());
    paths
}

/// `python nb.py` and `weir exec` run the same cells in the same
/// (topological, file-order ties) order, so what the cells print must be
/// the same lines in the same order.
#[test]
fn every_example_runs_and_matches_script_mode() {
    for path in examples() {
        let script = Command::new(python())
            .arg(&path)
            .env("PYTHONPATH", repo().join("python"))
            .stdin(Stdio::null())
            .output()
            .expect("run python");
        assert!(
            script.status.success(),
            "python {}: {}",
            path.display(),
            text(&script.stderr)
        );
        let expected = text(&script.stdout);
        assert!(
            !expected.is_empty(),
            "{} prints nothing: the comparison would be empty",
            path.display()
        );

        let out = exec(&path, &["--json"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "weir exec --json {}: {}",
            path.display(),
            text(&out.stderr)
        );
        let (cells, summary) = json_lines(&text(&out.stdout));
        assert_eq!(summary["exit_status"], 0);
        assert_eq!(summary["cells"], cells.len());
        for cell in &cells {
            assert_eq!(cell["status"], "ok", "{}: {cell}", path.display());
        }
        let printed: String = cells
            .iter()
            .map(|c| c["stdout"].as_str().unwrap())
            .collect();
        assert_eq!(
            printed.lines().collect::<Vec<_>>(),
            expected.lines().collect::<Vec<_>>(),
            "{}",
            path.display()
        );

        let out = exec(&path, &[]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains(&format!("summary: {0} cells: {0} ok", cells.len())),
            "{stdout}"
        );
        for line in expected.lines() {
            assert!(stdout.contains(line), "{line:?} missing from {stdout}");
        }
    }
}

#[test]
fn a_failing_notebook_exits_1_and_says_why() {
    let path = temp_notebook(
        "failing.py",
        &[
            "x = 1\nprint('hello')",
            "y = x / 0",
            "z = y",
            "import weir\nweir.md('**done**')",
        ],
    );
    let out = exec(&path, &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("── cell 0 `_` ─ ok "), "{stdout}");
    assert!(stdout.contains("\nhello\n"), "{stdout}");
    assert!(
        stdout.contains("── cell 1 `_` ─ error ZeroDivisionError\nTraceback"),
        "{stdout}"
    );
    assert!(stdout.contains("File \"<cell 1 `_`>\", line 1"), "{stdout}");
    assert!(
        stdout.contains("── cell 2 `_` ─ not run: ancestor cell 1 (`_`) raised ZeroDivisionError"),
        "{stdout}"
    );
    assert!(
        stdout.contains("**done**"),
        "markdown shown as text: {stdout}"
    );
    assert!(
        stdout.contains("summary: 4 cells: 2 ok, 1 error, 1 not run ("),
        "{stdout}"
    );
    // Not a terminal: no progress line, nothing drawn with escapes.
    assert!(!text(&out.stderr).contains('\x1b'));
}

/// Each cell's printed text comes right under its own header, whether the
/// cells around it print or not (the printer learns of a silent cell only
/// at its end; a printing one before its text).
#[test]
fn printed_text_sits_under_its_own_cells_header() {
    let path = temp_notebook(
        "prints.py",
        &[
            "a = 1",
            "print('from b')",
            "c = 3",
            "import sys\nprint('to err', file=sys.stderr)\nprint('from d')",
            "e = 5",
        ],
    );
    let out = exec(&path, &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("── cell") || l.starts_with("from"))
        .map(|l| l.split(" ─ ").next().unwrap())
        .collect();
    assert_eq!(
        lines,
        [
            "── cell 0 `_`",
            "── cell 1 `_`",
            "from b",
            "── cell 2 `_`",
            "── cell 3 `_`",
            "from d",
            "── cell 4 `_`",
        ],
        "{stdout}"
    );
    assert_eq!(text(&out.stderr), "to err\n");
}

#[test]
fn json_lines_carry_results_and_reasons() {
    let path = temp_notebook(
        "json.py",
        &[
            "import sys\nprint('out')\nprint('err', file=sys.stderr)\n41 + 1",
            "y = 1 / 0",
            "z = y",
            "import weir\nweir.stop(True)\nw = 1",
            "print(w)",
        ],
    );
    let out = exec(&path, &["--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let (cells, summary) = json_lines(&text(&out.stdout));
    let by_index = |i: u64| cells.iter().find(|c| c["index"] == i).unwrap();
    let first = by_index(0);
    assert_eq!(first["stdout"], "out\n");
    assert_eq!(first["stderr"], "err\n");
    assert_eq!(first["outputs"][0]["text/plain"], "42");
    assert!(first["duration_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(by_index(1)["error"]["type"], "ZeroDivisionError");
    assert!(
        by_index(1)["error"]["traceback"]
            .as_str()
            .unwrap()
            .contains("ZeroDivisionError")
    );
    assert_eq!(by_index(2)["status"], "not_run");
    assert_eq!(by_index(2)["reason_kind"], "ancestor_raised");
    assert_eq!(
        by_index(2)["reason"],
        "ancestor cell 1 (`_`) raised ZeroDivisionError"
    );
    assert_eq!(by_index(2)["duration_ms"], serde_json::Value::Null);
    assert_eq!(by_index(3)["status"], "stopped");
    assert_eq!(by_index(4)["reason"], "stopped by ancestor cell 3 (`_`)");
    assert_eq!(summary["exit_status"], 1);
    assert_eq!(
        (
            &summary["ok"],
            &summary["error"],
            &summary["stopped"],
            &summary["not_run"]
        ),
        (&1.into(), &1.into(), &1.into(), &2.into())
    );
}

#[test]
fn stopped_cells_are_not_failures() {
    let path = temp_notebook(
        "stopped.py",
        &["import weir\nweir.stop(True)\nx = 1", "print(x)"],
    );
    let out = exec(&path, &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("not run: stopped by ancestor cell 0 (`_`)"),
        "{stdout}"
    );
}

/// As under `python nb.py`: modules beside the notebook import, even one
/// named like a standard module the worker uses, and `__file__` is set.
#[test]
fn cells_see_the_notebook_directory_and_file() {
    let dir = std::env::temp_dir().join(format!("weir-exec-dir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("helper.py"), "VALUE = 'from helper'\n").unwrap();
    std::fs::write(dir.join("json.py"), "raise ImportError('shadowed')\n").unwrap();
    let nb = temp_notebook(
        "beside.py",
        &["import helper, os\nprint(helper.VALUE)\nprint(os.path.basename(__file__))"],
    );
    let path = dir.join("beside.py");
    std::fs::rename(&nb, &path).unwrap();
    let out = exec(&path, &["--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let (cells, _) = json_lines(&text(&out.stdout));
    assert_eq!(cells[0]["stdout"], "from helper\nbeside.py\n");
}

#[test]
fn a_bad_python_path_exits_2_naming_it() {
    let path = temp_notebook("ok.py", &["x = 1"]);
    let out = weir_cmd(&[
        "exec",
        path.to_str().unwrap(),
        "--python",
        "/nonexistent/bin/python3",
    ])
    .output()
    .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("/nonexistent/bin/python3"), "{stderr}");
    assert!(stderr.contains("not found"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_unusable_notebook_exits_2() {
    let out = exec(Path::new("/nonexistent/nb.py"), &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("/nonexistent/nb.py"), "{stderr}");
}

#[test]
fn worker_death_exits_1_and_names_the_cell() {
    let path = temp_notebook("dies.py", &["import os\nos._exit(7)", "print('never')"]);
    let out = exec(&path, &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("not run: the worker died (exit status 7) while running cell 0 (`_`)"),
        "{stdout}"
    );
}

/// SIGINT to `weir` (as a terminal's Ctrl-C would send, minus the copy the
/// worker gets from the terminal) interrupts the looping cell; the run
/// ends with a summary and status 130. The cell's print reaching us while
/// it still loops shows streams are printed live.
#[test]
fn ctrl_c_interrupts_and_exits_130() {
    let path = temp_notebook(
        "loop.py",
        &[
            "print('looping', flush=True)\nwhile True:\n    pass",
            "print('after')",
        ],
    );
    let python = python();
    let mut child = weir_cmd(&["exec", path.to_str().unwrap(), "--python", &python])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        let n = stdout.read_line(&mut line).unwrap();
        assert!(n > 0, "weir ended before the cell printed: {seen}");
        seen.push_str(&line);
        if line == "looping\n" {
            break;
        }
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let status = child.wait().unwrap();
    seen.push_str(&rest);
    assert_eq!(status.code(), Some(130), "{seen}");
    assert!(seen.contains("── cell 0 `_` ─ interrupted after"), "{seen}");
    assert!(seen.contains("not run: the run was interrupted"), "{seen}");
    assert!(
        seen.contains("summary: 2 cells: 0 ok, 1 interrupted, 1 not run"),
        "{seen}"
    );
}
