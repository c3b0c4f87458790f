//! `weir graph` shows the edges marimo draws beyond "a def meets a read":
//! a cell deleting a name runs after the cells reading it, and SQL table
//! references resolve to the cells creating (or attaching) what they name.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn notebook(name: &str, cells: &[&str]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weir-graph-links-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut source = String::from("import marimo\n\napp = marimo.App()\n\n");
    for code in cells {
        source.push_str("\n@app.cell\ndef _():\n");
        for line in code.lines() {
            source.push_str("    ");
            source.push_str(line);
            source.push('\n');
        }
        source.push_str("    return\n\n");
    }
    source.push_str("\nif __name__ == \"__main__\":\n    app.run()\n");
    let path = dir.join("nb.py");
    std::fs::write(&path, source).unwrap();
    path
}

fn graph(path: &Path, format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(["graph", path.to_str().unwrap(), "--format", format])
        .output()
        .expect("run weir");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn report(path: &Path) -> Value {
    serde_json::from_str(&graph(path, "json")).unwrap()
}

fn parents(report: &Value, cell: usize) -> Vec<u64> {
    report["cells"][cell]["parents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect()
}

#[test]
fn a_deleting_cell_is_shown_after_the_cells_reading_the_name() {
    // Cell 0 deletes `shared` (made outside the static graph by cell 2);
    // cell 1 reads it, so cell 1 must run first.
    let nb = notebook(
        "del",
        &[
            "del shared",
            "seen = shared + 1",
            "globals()[\"shared\"] = 41",
        ],
    );
    let json = report(&nb);
    assert_eq!(parents(&json, 0), [1]);
    assert_eq!(json["cells"][1]["children"], serde_json::json!([0]));
    assert_eq!(json["run_order"], serde_json::json!([1, 0, 2]));
    assert_eq!(json["cycles"], serde_json::json!([]));

    let mermaid = graph(&nb, "mermaid");
    assert!(mermaid.contains("c1 -->|\"del shared\"| c0"), "{mermaid}");
    let dot = graph(&nb, "dot");
    assert!(dot.contains("c1 -> c0 [label=\"del shared\"];"), "{dot}");
}

#[test]
fn two_cells_deleting_one_name_are_a_cycle() {
    let nb = notebook("del-cycle", &["del shared", "del shared"]);
    let json = report(&nb);
    assert_eq!(json["cycles"], serde_json::json!([[[0, 1], [1, 0]]]));
    assert_eq!(json["run_order"], serde_json::json!([]));
    let mermaid = graph(&nb, "mermaid");
    assert!(mermaid.contains("style c0 stroke:#c00"), "{mermaid}");
}

#[test]
fn sql_refs_are_shown_linked_to_the_attaching_and_creating_cells() {
    let nb = notebook(
        "sql",
        &[
            "_ = mo.sql(\"ATTACH 'warehouse.db' AS wh\")",
            "_ = mo.sql(\"CREATE TABLE wh.orders AS SELECT 1 AS id\")",
            "df = mo.sql(\"SELECT * FROM wh.orders\")",
            "print(orders, df)",
        ],
    );
    let json = report(&nb);
    assert_eq!(parents(&json, 2), [0, 1]);
    // A SQL table is not a Python variable.
    assert_eq!(parents(&json, 3), [2]);
    assert_eq!(json["run_order"], serde_json::json!([0, 1, 2, 3]));
    let mermaid = graph(&nb, "mermaid");
    assert!(mermaid.contains("c0 -->|\"wh.orders\"| c2"), "{mermaid}");
    assert!(mermaid.contains("c1 -->|\"wh.orders\"| c2"), "{mermaid}");
    let dot = graph(&nb, "dot");
    assert!(dot.contains("c0 -> c2 [label=\"wh.orders\"];"), "{dot}");
}
