//! `weir graph --format json` must agree with the graph marimo computes for
//! every notebook in ../shared/conformance/notebooks (see its README).

use std::path::PathBuf;

use serde_json::Value;
use weir_project::Project;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/notebooks")
}

fn names(value: &Value) -> Vec<String> {
    let mut out: Vec<String> = value
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    out.sort();
    out
}

#[test]
fn graphs_agree_with_marimo() {
    let dir = corpus_dir();
    assert!(
        dir.is_dir(),
        "conformance notebooks not found at {} (CI lays shared/ beside the repo)",
        dir.display()
    );
    let mut checked = 0;
    let mut problems = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.extension().and_then(|e| e.to_str()) != Some("py") {
            continue;
        }
        let expected_path = path.with_extension("expected.json");
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(&expected_path).unwrap()).unwrap();
        let project = Project::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let got = serde_json::to_value(project.graph_report()).unwrap();
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        let exp_cells = expected["cells"].as_array().unwrap();
        let got_cells = got["cells"].as_array().unwrap();
        if exp_cells.len() != got_cells.len() {
            problems.push(format!(
                "{file}: {} cells, marimo has {}",
                got_cells.len(),
                exp_cells.len()
            ));
            continue;
        }
        for (exp, got) in exp_cells.iter().zip(got_cells) {
            let i = exp["index"].as_u64().unwrap();
            for field in ["defs", "refs", "builtin_refs", "deleted_refs"] {
                if names(&exp[field]) != names(&got[field]) {
                    problems.push(format!(
                        "{file} cell {i} {field}: expected {} got {}",
                        exp[field], got[field]
                    ));
                }
            }
            for field in ["name", "parents", "error"] {
                if exp[field] != got[field] {
                    problems.push(format!(
                        "{file} cell {i} {field}: expected {} got {}",
                        exp[field], got[field]
                    ));
                }
            }
        }
        let multi = |v: &Value| -> Vec<(String, Value)> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|m| (m["name"].as_str().unwrap().to_string(), m["cells"].clone()))
                .collect()
        };
        if multi(&expected["multiply_defined"]) != multi(&got["multiply_defined"]) {
            problems.push(format!(
                "{file} multiply_defined: expected {} got {}",
                expected["multiply_defined"], got["multiply_defined"]
            ));
        }
        for field in ["cycles", "cells_in_cycles"] {
            if expected[field] != got[field] {
                problems.push(format!(
                    "{file} {field}: expected {} got {}",
                    expected[field], got[field]
                ));
            }
        }
        if names(&expected["deleted_nonlocal"]) != names(&got["deleted_nonlocal"]) {
            problems.push(format!(
                "{file} deleted_nonlocal: expected {} got {}",
                expected["deleted_nonlocal"], got["deleted_nonlocal"]
            ));
        }
        checked += 1;
    }
    eprintln!(
        "conformance notebooks: {checked} checked, {} problems",
        problems.len()
    );
    println!(
        "conformance notebooks: {checked} checked, {} problems",
        problems.len()
    );
    assert!(
        checked >= 8,
        "expected at least 8 notebooks, found {checked}"
    );
    assert!(
        problems.is_empty(),
        "disagreements with marimo:\n{}",
        problems.join("\n")
    );
}
