//! Deep or long code never aborts `weir` with a stack overflow: each shape
//! gets a result or an error at the cell, from real `weir` processes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weir-deep-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A notebook whose one cell is `code` (one line), then a cell printing
/// `done`, so a run shows whether the rest of the notebook ran.
fn notebook(dir: &Path, code: &str) -> PathBuf {
    let src = format!(
        "import marimo\n\napp = marimo.App()\n\n\n@app.cell\ndef _():\n    {code}\n    return\n\n\n\
         @app.cell\ndef _():\n    print(\"done\")\n    return\n\n\n\
         if __name__ == \"__main__\":\n    app.run()\n"
    );
    let path = dir.join("nb.py");
    std::fs::write(&path, src).unwrap();
    path
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn weir(args: &[&str]) -> Run {
    let python = std::env::var("WEIR_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_weir"));
    cmd.args(args)
        .env_remove("VIRTUAL_ENV")
        .env("WEIR_PYTHONPATH", repo().join("python"))
        .stdin(Stdio::null());
    if matches!(args.first(), Some(&"exec") | Some(&"check")) && !args.contains(&"--python-version")
    {
        cmd.args(["--python", &python]);
    }
    let out = cmd.output().expect("run weir");
    let run = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    // A stack overflow is SIGABRT: no exit code, "overflowed its stack".
    assert!(
        run.code.is_some() && !run.stderr.contains("overflow") && !run.stderr.contains("panicked"),
        "weir {args:?} aborted: {:?} {}",
        run.code,
        run.stderr
    );
    run
}

fn sum(terms: usize) -> String {
    format!("x = {}", vec!["1"; terms].join(" + "))
}

/// The case: a 600 KB cell of `1 + 1 + ...` (150,000 terms).
/// CPython 3.11 and newer refuse it ("RecursionError: maximum recursion
/// depth exceeded during compilation"), so `check` and `exec` report the
/// cell as an error naming the version; 3.10 compiles it, so `check` for
/// 3.10 accepts it; `fmt` keeps the cell's code byte for byte.
#[test]
fn a_600_kb_sum_is_checked_run_and_formatted() {
    let dir = temp_dir("sum");
    let code = sum(150_000);
    assert!(code.len() > 590_000);
    let nb = notebook(&dir, &code);
    let path = nb.to_str().unwrap();

    let check = weir(&["check", path, "--python-version", "3.11"]);
    assert_eq!(check.code, Some(1), "{}", check.stdout);
    assert!(
        check.stdout.contains("code nested too deeply: Python 3.11"),
        "{}",
        check.stdout
    );
    assert!(check.stdout.contains("nb.py:8:"), "{}", check.stdout);

    let check = weir(&["check", path, "--python-version", "3.10"]);
    assert_eq!(check.code, Some(0), "{}", check.stdout);

    let exec = weir(&["exec", path, "--json"]);
    assert_eq!(exec.code, Some(1), "{}{}", exec.stdout, exec.stderr);
    let lines: Vec<serde_json::Value> = exec
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["status"], "not_run", "{}", exec.stdout);
    assert!(
        lines[0]["reason"]
            .as_str()
            .unwrap()
            .contains("nested too deeply")
    );
    assert_eq!(lines[1]["stdout"], "done\n");

    let fmt = weir(&["fmt", path]);
    assert_eq!(fmt.code, Some(0), "{}", fmt.stderr);
    let written = std::fs::read_to_string(&nb).unwrap();
    assert!(written.contains(&code));
    let again = weir(&["fmt", "--check", path]);
    assert_eq!(again.code, Some(0), "{}", again.stdout);
}

/// CPython's tokenizer allows 200 nested brackets; 1,000 is a syntax error
/// at the 201st, for every command that judges syntax, and `fmt`
/// and `graph` still work.
#[test]
fn brackets_nested_past_200_are_a_syntax_error() {
    let dir = temp_dir("parens");
    let nb = notebook(
        &dir,
        &format!("x = {}1{}", "(".repeat(1_000), ")".repeat(1_000)),
    );
    let path = nb.to_str().unwrap();
    let check = weir(&["check", path]);
    assert_eq!(check.code, Some(1), "{}", check.stdout);
    assert!(
        check.stdout.contains(
            "nb.py:8:209: error[syntax-error] in cell 0 (`_`): too many nested parentheses"
        ),
        "{}",
        check.stdout
    );
    let exec = weir(&["exec", path]);
    assert_eq!(exec.code, Some(1), "{}", exec.stdout);
    assert!(
        exec.stdout.contains("too many nested parentheses"),
        "{}",
        exec.stdout
    );
    assert!(exec.stdout.contains("done"), "{}", exec.stdout);
    assert_eq!(weir(&["graph", path]).code, Some(0));
    assert_eq!(weir(&["fmt", "--check", path]).code, Some(0));
}

/// Other long and deep shapes, checked as Python 3.10 (no nesting limit,
/// so Weir must analyse them) and as 3.11 (a clear error when deeper than
/// CPython's compiler allows); a long flat list is fine everywhere.
#[test]
fn other_long_and_deep_shapes() {
    let dir = temp_dir("shapes");
    let flat = format!("x = [{}]", vec!["1"; 150_000].join(", "));
    let nb = notebook(&dir, &flat);
    let path = nb.to_str().unwrap();
    assert_eq!(weir(&["check", path]).code, Some(0));
    let exec = weir(&["exec", path]);
    assert_eq!(exec.code, Some(0), "{}{}", exec.stdout, exec.stderr);
    assert_eq!(weir(&["fmt", "--check", path]).code, Some(0));

    for deep in [
        format!("x = a{}", ".b".repeat(100_000)),
        format!("x = {}a", "lambda: ".repeat(5_000)),
        format!("x = {}a", "a if c else ".repeat(5_000)),
        format!("x = {}a", "not ".repeat(5_000)),
    ] {
        let nb = notebook(&dir, &deep);
        let path = nb.to_str().unwrap();
        let old = weir(&["check", path, "--python-version", "3.10"]);
        assert_eq!(old.code, Some(0), "{}", old.stdout);
        let new = weir(&["check", path, "--python-version", "3.11"]);
        assert_eq!(new.code, Some(1), "{}", new.stdout);
        assert!(new.stdout.contains("nested too deeply"), "{}", new.stdout);
        assert_eq!(weir(&["fmt", path]).code, Some(0));
        assert!(std::fs::read_to_string(&nb).unwrap().contains(&deep));
        assert_eq!(weir(&["fmt", "--check", path]).code, Some(0));
    }
}
