//! The `weir` binary end to end: real files, real exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn weir(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(args)
        .output()
        .expect("run weir")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weir-cli-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// One line on stderr, naming the file, exit status 2, and no panic.
fn assert_refused(path: &Path, expect_in_message: &str) {
    for cmd in ["check", "graph", "fmt"] {
        let out = weir(&[cmd, path.to_str().unwrap()]);
        let stderr = text(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{cmd} {}: {stderr}",
            path.display()
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "one line expected: {stderr}"
        );
        assert!(stderr.contains(&path.display().to_string()), "{stderr}");
        assert!(
            stderr.contains(expect_in_message),
            "{stderr} should say {expect_in_message:?}"
        );
        // Said once: a cause is not repeated after a message that holds it.
        let tail = stderr.trim_end().rsplit(": ").next().unwrap_or_default();
        assert_eq!(stderr.matches(tail).count(), 1, "repeated: {stderr}");
    }
}

#[test]
fn bad_files_get_one_line_errors() {
    let dir = temp_dir("bad");
    let empty = dir.join("empty.py");
    std::fs::write(&empty, "").unwrap();
    assert_refused(&empty, "empty");

    let binary = dir.join("binary.py");
    std::fs::write(&binary, b"\x7fELF\x02\x01\x01\x00\x00\x00").unwrap();
    assert_refused(&binary, "binary");

    let latin1 = dir.join("latin1.py");
    std::fs::write(&latin1, b"import weir\n# caf\xe9\n").unwrap();
    assert_refused(&latin1, "UTF-8");

    let huge = dir.join("huge.py");
    let file = std::fs::File::create(&huge).unwrap();
    file.set_len(100 * 1024 * 1024).unwrap(); // sparse: costs no disk
    assert_refused(&huge, "refused");

    let script = dir.join("script.py");
    std::fs::write(&script, "print('hello')\n").unwrap();
    assert_refused(&script, "not a notebook");

    assert_refused(&dir.join("missing.py"), "cannot read");
    assert_refused(&dir, "directory");
}

#[test]
fn check_and_graph_work_on_examples_and_marimo_notebooks() {
    let notebooks: Vec<PathBuf> = std::fs::read_dir(repo().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    assert!(!notebooks.is_empty(), "no bundled examples");
    let marimo = repo().join("../shared/conformance/notebooks/sales_analysis.py");
    assert!(marimo.exists(), "{} missing", marimo.display());
    for nb in notebooks.iter().chain([&marimo]) {
        let nb = nb.to_str().unwrap();
        let out = weir(&["check", nb]);
        assert!(
            out.status.success(),
            "check {nb}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        assert!(
            text(&out.stdout).contains("no problems"),
            "{}",
            text(&out.stdout)
        );
        for format in ["mermaid", "dot", "json"] {
            let out = weir(&["graph", nb, "--format", format]);
            assert!(
                out.status.success(),
                "graph {nb} {format}: {}",
                text(&out.stderr)
            );
        }
        let json: serde_json::Value =
            serde_json::from_slice(&weir(&["graph", nb, "--format", "json"]).stdout).unwrap();
        assert!(json["cells"].as_array().unwrap().len() > 1);
    }
    // Saving a valid notebook changes nothing, in either tool's form.
    for nb in notebooks.iter().chain(&marimo_notebooks()) {
        let out = weir(&["fmt", "--check", nb.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{} is not canonical: {}",
            nb.display(),
            text(&out.stdout)
        );
    }
}

#[test]
fn check_reports_errors_with_position_and_fails() {
    let dir = temp_dir("check");
    let nb = dir.join("broken.py");
    std::fs::write(
        &nb,
        "import weir\n\napp = weir.App()\n\n\n@app.cell\ndef _():\n    x = 1\n    return (x,)\n\n\n@app.cell\ndef _():\n    x = 2\n    return (x,)\n\n\nif __name__ == \"__main__\":\n    app.run()\n",
    )
    .unwrap();
    let out = weir(&["check", nb.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("multiply-defined"), "{stdout}");
    assert!(stdout.contains(&format!("{}:8:", nb.display())), "{stdout}");

    let out = weir(&["check", nb.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["errors"], 2);
    assert_eq!(json["diagnostics"][0]["code"], "multiply-defined");
    assert_eq!(json["diagnostics"][0]["cell"], 0);
}

#[test]
fn new_then_fmt_is_a_fixed_point() {
    let dir = temp_dir("new");
    let nb = dir.join("nb.py");
    let out = weir(&["new", nb.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(&nb).unwrap();
    let out = weir(&["new", nb.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "new must not overwrite");
    assert_eq!(std::fs::read_to_string(&nb).unwrap(), written);
    let out = weir(&["check", nb.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    let out = weir(&["fmt", "--check", nb.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stdout));
}

#[test]
fn fmt_rewrites_parameters_from_the_analysis() {
    let dir = temp_dir("fmt");
    let nb = dir.join("nb.py");
    // Hand-written signatures that lie: fmt recomputes them.
    std::fs::write(
        &nb,
        "import weir\n\napp = weir.App()\n\n\n@app.cell\ndef _():\n    a = 1\n    return\n\n\n@app.cell\ndef _(zzz):\n    b = a + 1\n    return\n\n\nif __name__ == \"__main__\":\n    app.run()\n",
    )
    .unwrap();
    let out = weir(&["fmt", "--check", nb.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let out = weir(&["fmt", nb.to_str().unwrap()]);
    assert!(out.status.success());
    let written = std::fs::read_to_string(&nb).unwrap();
    assert!(
        written.contains("def _():\n    a = 1\n    return (a,)"),
        "{written}"
    );
    assert!(
        written.contains("def _(a):\n    b = a + 1\n    return\n"),
        "{written}"
    );
}

#[test]
fn analyze_cells_speaks_jsonl() {
    let dir = temp_dir("analyze");
    let input = dir.join("in.jsonl");
    std::fs::write(
        &input,
        "{\"id\": \"a\", \"code\": \"y = x + len(z)\"}\n{\"id\": \"b\", \"code\": \"return 1\"}\n",
    )
    .unwrap();
    let out = weir(&["debug", "analyze-cells", input.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["id"], "a");
    assert_eq!(lines[0]["defs"], serde_json::json!(["y"]));
    assert_eq!(lines[0]["refs"], serde_json::json!(["x", "z"]));
    assert_eq!(lines[0]["error"], serde_json::Value::Null);
    assert_eq!(lines[1]["error"], "syntax");

    std::fs::write(&input, "not json\n").unwrap();
    let out = weir(&["debug", "analyze-cells", input.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("in.jsonl:1"),
        "{}",
        text(&out.stderr)
    );
}

fn marimo_notebooks() -> Vec<PathBuf> {
    let dir = repo().join("../shared/conformance/notebooks");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    out.sort();
    out
}

#[test]
fn a_closed_stdout_ends_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = temp_dir("pipe");
    let nb = dir.join("big.py");
    // Enough graph output to overflow a pipe buffer many times over.
    let mut source = String::from("import weir\n\napp = weir.App()\n\n\n");
    for i in 0..3000 {
        let (params, code) = if i == 0 {
            (String::new(), "x_0 = 0".to_string())
        } else {
            (format!("x_{}", i - 1), format!("x_{i} = x_{} + 1", i - 1))
        };
        source.push_str(&format!(
            "@app.cell\ndef _({params}):\n    {code}\n    return (x_{i},)\n\n\n"
        ));
    }
    std::fs::write(&nb, source).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(["graph", nb.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first, "flowchart TD\n");
    // The reader is dropped here, as `head -1` would exit.
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(141), "{stderr}");
}
