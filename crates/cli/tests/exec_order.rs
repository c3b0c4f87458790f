//! `weir exec` runs cells in marimo's order, with real Python workers, where
//! that order is not the file's.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn exec_json(path: &Path) -> Output {
    let python = std::env::var("WEIR_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    Command::new(env!("CARGO_BIN_EXE_weir"))
        .args([
            "exec",
            path.to_str().unwrap(),
            "--python",
            &python,
            "--json",
        ])
        .env("WEIR_PYTHONPATH", repo().join("python"))
        .stdin(Stdio::null())
        .output()
        .expect("run weir")
}

fn notebook(name: &str, cells: &[&str]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weir-exec-order-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
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
    let path = dir.join("nb.py");
    std::fs::write(&path, src).unwrap();
    path
}

#[test]
fn a_cell_deleting_a_name_runs_after_a_later_cell_reading_it() {
    let path = notebook(
        "del",
        &[
            // The name comes from outside the static graph, so deleting it
            // is not deleting another cell's definition.
            "globals()[\"shared\"] = 41",
            "del shared",
            "print(shared + 1)",
            "print(\"shared\" in globals())",
        ],
    );
    let out = exec_json(&path);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cells: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &serde_json::Value| v["type"] == "cell")
        .collect();
    let cell = |i: u64| cells.iter().find(|c| c["index"] == i).unwrap();
    // The reader, later in the file, ran before the deleter and saw 41.
    assert_eq!(cell(2)["status"], "ok", "{stdout}");
    assert_eq!(cell(2)["stdout"], "42\n");
    assert_eq!(cell(1)["status"], "ok", "{stdout}");
    // And the deleter did run: the name is gone for the last cell.
    assert_eq!(cell(3)["stdout"], "False\n");
}
