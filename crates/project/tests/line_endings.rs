//! Any line endings (`\n`, `\r\n`, `\r`, mixed), as Python reads them:
//! `fmt` is a fixed point after one run, never makes a file Python compiled
//! one it cannot, the cells read (and so analysed and run) are the same as
//! with `\n` endings, and `check` finds no syntax error Python would not.

use std::path::PathBuf;
use std::process::Command;

use proptest::prelude::*;
use weir_notebook::{Cell, CellKind, LineEnding, Notebook};
use weir_project::{DiagnosticCode, Project};

/// Cell code that is hard on line handling: multi-line strings (whose line
/// breaks are text), the escape `\r` (text, not a line break), comments,
/// continuation lines, brackets over lines, and one raw CR inside a
/// one-line string (which Python reads as a line break: a syntax error).
fn snippet() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,5}".prop_map(|n| format!("{n}_v = 1")),
        "[ a-z]{0,8}".prop_map(|s| format!("s = \"\"\"{s}\n{s}\n  end\"\"\"")),
        Just("t = 'a\\rb\\r\\n'  # escapes, not line breaks".to_string()),
        Just("# just a comment".to_string()),
        Just("total = (1 +\n    2)".to_string()),
        Just("cont = 1 + \\\n    2".to_string()),
        Just("if True:\n    inner = 3\n\n    inner += 1".to_string()),
        Just(format!("bad = 'raw{RAW_CR}cr'")),
    ]
}

/// Stands for a raw CR until the endings are set (the writer would make
/// one a line break).
const RAW_CR: &str = "<RAW-CR>";

fn notebook_lf(cells: &[Vec<String>]) -> String {
    let mut nb = Notebook::new_weir();
    nb.cells
        .push(Cell::new(CellKind::Setup, "setup", "import math"));
    nb.cells.push(Cell::new(
        CellKind::Function,
        "double",
        "def double(v):\n    # doubled\n    return v * 2",
    ));
    for code in cells {
        nb.cells.push(Cell::code("_", code.join("\n")));
    }
    Project::new(nb).to_source()
}

/// `text` with its `\n`s replaced, in order, by `endings` (cycled). An LF
/// right after a CR would join it into one CRLF line break, so a CR is
/// written there instead.
fn with_endings(text: &str, endings: &[LineEnding]) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for (i, piece) in text.split('\n').enumerate() {
        if i > 0 {
            let ending = match endings[(i - 1) % endings.len()] {
                LineEnding::Lf if out.ends_with('\r') => LineEnding::Cr,
                e => e,
            };
            out.push_str(ending.as_str());
        }
        out.push_str(piece);
    }
    out
}

fn ending() -> impl Strategy<Value = LineEnding> {
    prop_oneof![
        Just(LineEnding::Lf),
        Just(LineEnding::CrLf),
        Just(LineEnding::Cr)
    ]
}

/// Whether python3 compiles each text (read as bytes, as it reads files).
fn python_compiles(texts: &[&str]) -> Vec<bool> {
    let dir = std::env::temp_dir().join(format!("weir-line-endings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let paths: Vec<PathBuf> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let p = dir.join(format!("nb{i}.py"));
            std::fs::write(&p, t).unwrap();
            p
        })
        .collect();
    let out = Command::new(std::env::var("WEIR_TEST_PYTHON").unwrap_or("python3".into()))
        .arg("-c")
        .arg(
            "import sys\n\
             for p in sys.argv[1:]:\n\
             \ttry:\n\
             \t\tcompile(open(p, 'rb').read(), p, 'exec'); print('ok')\n\
             \texcept SyntaxError:\n\
             \t\tprint('error')",
        )
        .args(&paths)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l == "ok")
        .collect()
}

fn fmt(text: &str) -> String {
    Project::from_source(text)
        .unwrap_or_else(|e| panic!("{e}\n{text:?}"))
        .to_source()
}

fn codes(text: &str) -> Vec<String> {
    let p = Project::from_source(text).unwrap();
    p.cells().iter().map(|c| c.code.clone()).collect()
}

fn syntax_errors(text: &str) -> usize {
    let p = Project::from_source(text).unwrap();
    p.diagnostics()
        .iter()
        .filter(|d| d.code == DiagnosticCode::SyntaxError)
        .count()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn any_line_endings(
        cells in prop::collection::vec(prop::collection::vec(snippet(), 1..4), 1..4),
        endings in prop::collection::vec(ending(), 1..5),
    ) {
        let lf = notebook_lf(&cells).replace(RAW_CR, "\r");
        let input = with_endings(&lf, &endings);
        let once = fmt(&input);
        let twice = fmt(&once);
        prop_assert_eq!(&twice, &once, "fmt is not a fixed point on {:?}", input);

        // One ending throughout, the file's first; the same file otherwise.
        let first = endings[0];
        prop_assert_eq!(&once, &with_endings(&fmt(&lf), &[first]));
        if endings.iter().all(|e| *e == first) && !lf.contains('\r') {
            prop_assert_eq!(&once, &input, "a uniform file is already canonical");
        }

        // Read as Python reads it: the same cells as with `\n` endings.
        prop_assert_eq!(codes(&input), codes(&lf));
        prop_assert_eq!(codes(&once), codes(&lf));

        let compiled = python_compiles(&[&input, &once]);
        if compiled[0] {
            prop_assert!(compiled[1], "fmt broke a file Python compiled: {:?}", once);
            prop_assert_eq!(syntax_errors(&input), 0, "false syntax error in {:?}", input);
        } else {
            prop_assert!(syntax_errors(&input) > 0, "Python fails on {:?}", input);
        }
    }
}
