//! The file format never loses or damages text, end to end on real files:
//! a cell that does not parse is reported at its line by `check`, shown as
//! a failed cell by `exec` (real Python worker) and kept byte for byte by
//! `fmt`; and any line endings are read as Python reads them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python() -> String {
    std::env::var("WEIR_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn weir(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(args)
        .env("WEIR_PYTHONPATH", repo().join("python"))
        .stdin(Stdio::null())
        .output()
        .expect("run weir")
}

fn run(cmd: &str, path: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let python = python();
    let mut args = vec![cmd, path.to_str().unwrap()];
    if cmd == "exec" {
        args.extend(["--python", &python]);
    }
    args.extend_from_slice(extra);
    let out = weir(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        out.status.code(),
        format!("{}{stderr}", String::from_utf8_lossy(&out.stdout)),
    )
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weir-file-text-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Whether python3 compiles the file (as bytes, the way it reads files).
fn python_compiles(path: &Path) -> bool {
    Command::new(python())
        .args([
            "-c",
            "import sys; compile(open(sys.argv[1], 'rb').read(), 'nb', 'exec')",
        ])
        .arg(path)
        .stderr(Stdio::null())
        .status()
        .expect("run python3")
        .success()
}

const HEAD: &str =
    "import weir\n\napp = weir.App()\n\n\n@app.cell\ndef _():\n    x = 1\n    return (x,)\n\n\n";
const TAIL: &str = "\n\n\n@app.cell\ndef _(x):\n    print('last', x)\n    return\n\n\nif __name__ == \"__main__\":\n    app.run()\n";
/// The broken item starts on this line of the file.
const AT: usize = 12;

#[test]
fn a_cell_that_does_not_parse_is_reported_shown_and_kept() {
    // (what, item text, the lines of the item `check` may name)
    let cases: &[(&str, &str, std::ops::RangeInclusive<usize>)] = &[
        (
            "def line",
            "@app.cell\ndef _(x:\n    y = x + 1\n    return (y,)",
            AT + 1..=AT + 2,
        ),
        (
            "decorator then garbage",
            "@app.cell\nthis is not python\n    y = 1",
            AT + 1..=AT + 1,
        ),
        (
            "return line",
            "@app.cell\ndef _():\n    y = 1\n    return (y,",
            AT + 3..=AT + 3,
        ),
        (
            "body",
            "@app.cell\ndef _(x):\n    y = x +\n    return (y,)",
            AT + 2..=AT + 2,
        ),
        (
            "function signature",
            "@app.function\ndef f(a, :\n    return a",
            AT + 1..=AT + 1,
        ),
        (
            "unterminated triple-quoted string",
            "@app.cell\ndef _():\n    s = \"\"\"never closed\n    return (s,)",
            AT + 2..=AT + 2,
        ),
    ];
    for (what, item, lines) in cases {
        let src = format!("{HEAD}{item}{TAIL}");
        let path = temp_file("broken.py", src.as_bytes());
        assert!(!python_compiles(&path), "{what}: the case must be broken");

        let (code, out) = run("check", &path, &[]);
        assert_eq!(code, Some(1), "{what}: {out}");
        let named: Vec<usize> = out
            .lines()
            .filter(|l| l.contains("error[syntax-error]"))
            .filter_map(|l| l.split(':').nth(1)?.parse().ok())
            .collect();
        assert_eq!(named.len(), 1, "{what}: {out}");
        assert!(lines.contains(&named[0]), "{what}: {out}");
        assert!(out.contains("3 cells"), "{what}: {out}");

        let (code, out) = run("exec", &path, &[]);
        assert_eq!(code, Some(1), "{what}: {out}");
        assert!(out.contains("── cell 0 `_` ─ ok"), "{what}: {out}");
        assert!(
            out.contains(&format!("─ not run: syntax error at line {}", named[0])),
            "{what}: {out}"
        );
        assert!(
            out.contains("last 1"),
            "{what}: the cells after it run: {out}"
        );
        assert!(out.contains("summary: 3 cells"), "{what}: {out}");

        let (code, out) = run("fmt", &path, &["--check"]);
        assert_eq!(code, Some(0), "{what}: {out}");
        let (code, out) = run("fmt", &path, &[]);
        assert_eq!(code, Some(0), "{what}: {out}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            src,
            "{what}: fmt changed the file"
        );
    }
}

/// A notebook whose cells depend on how lines are read: a multi-line
/// string (its line break is text), the escape `\r` (text, not a line
/// break), a continuation line, a setup cell and a function cell.
const ENDINGS_NOTEBOOK: &str = "import weir\n\napp = weir.App()\n\nwith app.setup:\n    import math\n\n\n@app.function\ndef double(v):\n    # doubled\n    return v * 2\n\n\n@app.cell\ndef _():\n    s = \"\"\"first\nsecond\"\"\"\n    t = \"a\\rb\"\n    n = double(len(s.splitlines())) + \\\n        int(math.sqrt(4))\n    return n, s, t\n\n\n@app.cell\ndef _(n, s, t):\n    print(repr(s), repr(t), n)\n    return\n\n\nif __name__ == \"__main__\":\n    app.run()\n";

const EXPECTED: &str = "'first\\nsecond' 'a\\rb' 6";

#[test]
fn any_line_endings_check_exec_and_fmt() {
    let mixed = {
        let mut out = String::new();
        for (i, line) in ENDINGS_NOTEBOOK.split('\n').enumerate() {
            if i > 0 {
                out.push_str(["\r\n", "\n", "\r"][(i - 1) % 3]);
            }
            out.push_str(line);
        }
        out
    };
    let cases = [
        ("lf", ENDINGS_NOTEBOOK.to_string(), "\n"),
        ("crlf", ENDINGS_NOTEBOOK.replace('\n', "\r\n"), "\r\n"),
        ("cr", ENDINGS_NOTEBOOK.replace('\n', "\r"), "\r"),
        ("mixed", mixed, "\r\n"),
    ];
    for (what, src, first) in cases {
        let path = temp_file(&format!("{what}.py"), src.as_bytes());
        assert!(python_compiles(&path), "{what}");

        let (code, out) = run("check", &path, &[]);
        assert_eq!(code, Some(0), "{what}: {out}");
        assert!(out.contains("4 cells, no problems"), "{what}: {out}");

        let (code, out) = run("exec", &path, &[]);
        assert_eq!(code, Some(0), "{what}: {out}");
        assert!(out.contains(EXPECTED), "{what}: {out}");

        // Script mode agrees: what the notebook prints is what Python does.
        let script = Command::new(python())
            .arg(&path)
            .env("PYTHONPATH", repo().join("python"))
            .output()
            .expect("run python");
        assert!(
            String::from_utf8_lossy(&script.stdout).contains(EXPECTED),
            "{what}: {}",
            String::from_utf8_lossy(&script.stderr)
        );

        let (code, out) = run("fmt", &path, &[]);
        assert_eq!(code, Some(0), "{what}: {out}");
        let once = std::fs::read_to_string(&path).unwrap();
        if what == "mixed" {
            assert!(out.contains("reformatted"), "{what}: {out}");
        } else {
            assert!(out.contains("already canonical"), "{what}: {out}");
            assert_eq!(once, src, "{what}");
        }
        assert_eq!(
            once,
            ENDINGS_NOTEBOOK.replace('\n', first),
            "{what}: one line ending throughout, the file's first"
        );
        assert!(python_compiles(&path), "{what}");
        let (code, out) = run("fmt", &path, &["--check"]);
        assert_eq!(code, Some(0), "{what}: fmt is not a fixed point: {out}");
        let (_, out) = run("fmt", &path, &[]);
        assert!(out.contains("already canonical"), "{what}: {out}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), once, "{what}");
    }
}
