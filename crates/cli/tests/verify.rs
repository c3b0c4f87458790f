//! `weir verify`: the reproducibility audit, with real workers (each with
//! its own string-hash seed, so set order differs between processes).

#[path = "persist_common.rs"]
mod common;

use common::*;
use std::path::Path;

fn verify(nb: &Path, extra: &[&str]) -> (i32, String, String) {
    let py = python();
    let mut args = vec!["verify", nb.to_str().unwrap(), "--python", &py];
    args.extend_from_slice(extra);
    let out = weir(&args, &[]);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn deterministic(dir: &Path) -> std::path::PathBuf {
    notebook(
        dir,
        "",
        &[
            (
                "words = {'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'}\n\
                 table = {'b': [1, 2.5, None], 'a': ('x', b'y'), 'n': {frozenset({'p', 'q'})}}",
                "persist=True",
            ),
            ("total = len(words) + len(table)", "persist=True"),
        ],
    )
}

#[test]
fn a_deterministic_notebook_verifies_identical_across_processes() {
    let d = dir("verify-same");
    let nb = deterministic(&d);
    let (code, out, err) = verify(&nb, &[]);
    assert_eq!(code, 0, "missing is not a failure: {out}{err}");
    assert!(out.contains("cell 0 `_`: missing"), "{out}");

    assert_eq!(exec(&nb, &[]).0, 0);
    // Several fresh workers, each with its own hash seed.
    for _ in 0..3 {
        let (code, out, err) = verify(&nb, &[]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains("cell 0 `_`: identical"), "{out}");
        assert!(out.contains("cell 1 `_`: identical"), "{out}");
        assert!(out.contains("2 identical, 0 differ"), "{out}");
    }
}

#[test]
fn an_unseeded_random_cell_is_named_as_differing() {
    let d = dir("verify-random");
    let nb = notebook(
        &d,
        "",
        &[
            ("stable = [1, 2, 3]", "persist=True"),
            ("import random\nx = random.random()\ny = 7", "persist=True"),
        ],
    );
    assert_eq!(exec(&nb, &[]).0, 0);
    let (code, out, err) = verify(&nb, &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("cell 0 `_`: identical"), "{out}");
    assert!(
        out.contains("cell 1 `_`: differs (`x`)"),
        "only x differs: {out}"
    );

    let (code, out, _) = verify(&nb, &["--json"]);
    assert_eq!(code, 1);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines[1]["verdict"], "differs", "{}", lines[1]);
    assert_eq!(lines[1]["differing"], serde_json::json!(["x"]));
    let summary = lines.last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["differs"], 1);
    assert_eq!(summary["identical"], 1);
    assert_eq!(summary["exit_status"], 1);
}

#[test]
fn a_corrupt_entry_is_reported_as_corrupt() {
    let d = dir("verify-corrupt");
    let nb = deterministic(&d);
    assert_eq!(exec(&nb, &[]).0, 0);
    for o in objects(&d.join("__weir__/store")) {
        flip(&o);
    }
    let (code, out, err) = verify(&nb, &["--json"]);
    assert_eq!(code, 1, "{out}{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["verdict"], "corrupt", "{}", lines[0]);
    assert!(
        lines[0]["detail"].as_str().unwrap().contains("corrupt"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.last().unwrap()["corrupt"], 2);
}
