//! Runs marimo's conformance corpus (`shared/conformance/cells.jsonl`, next
//! to the workspace) through `weir_analysis::conformance::answer` and fails
//! on any disagreement that is not an allowed, documented difference.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;
use weir_analysis::conformance::{Answer, answer};

/// Deliberate differences from marimo. Mirrors the table in
/// `docs/analysis.md` ("Deliberate differences"); keep both in sync.
const ALLOWED_DIFFERENCES: &[&str] = &[];

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance")
}

fn list(v: &Value, field: &str) -> BTreeSet<String> {
    v.get(field)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn differences(expected: &Value, got: &Answer) -> Vec<String> {
    let mut out = Vec::new();
    for (field, got_list) in [
        ("defs", &got.defs),
        ("refs", &got.refs),
        ("deleted_refs", &got.deleted_refs),
        ("builtin_refs", &got.builtin_refs),
    ] {
        let want = list(expected, field);
        let have: BTreeSet<String> = got_list.iter().cloned().collect();
        if want != have {
            let missing: Vec<_> = want.difference(&have).collect();
            let extra: Vec<_> = have.difference(&want).collect();
            out.push(format!("{field}: missing {missing:?}, extra {extra:?}"));
        }
    }
    let want_error = expected.get("error").and_then(Value::as_str);
    if want_error != got.error {
        out.push(format!(
            "error: expected {want_error:?}, got {:?}",
            got.error
        ));
    }
    if want_error.is_none() {
        let want_language = expected.get("language").and_then(Value::as_str);
        let have_language = got.language.map(|l| match l {
            weir_analysis::Language::Python => "python",
            weir_analysis::Language::Sql => "sql",
        });
        if want_language.is_some() && want_language != have_language {
            out.push(format!(
                "language: expected {want_language:?}, got {have_language:?}"
            ));
        }
    }
    out
}

#[test]
fn marimo_conformance_corpus() {
    let path = corpus_dir().join("cells.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "conformance corpus not found at {} ({e}); it lives in shared/conformance next to the workspace (CI has it)",
            path.display()
        )
    });
    let (mut agree, mut disagree, mut unexpected) = (0, 0, Vec::new());
    let mut total = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).expect("corpus line is JSON");
        let id = case["id"].as_str().expect("id").to_string();
        let code = case["code"].as_str().expect("code");
        total += 1;
        let diffs = differences(&case, &answer(&id, code));
        if diffs.is_empty() {
            agree += 1;
        } else {
            disagree += 1;
            if !ALLOWED_DIFFERENCES.contains(&id.as_str()) {
                unexpected.push(format!(
                    "- {id}: {}\n    | {}",
                    diffs.join("; "),
                    code.replace('\n', "\n    | ")
                ));
            }
        }
    }
    let summary = format!("conformance: {agree} agree, {disagree} disagree (of {total})");
    println!("{summary}");
    eprintln!("{summary}");
    assert!(total > 0, "empty corpus at {}", path.display());
    assert!(
        unexpected.is_empty(),
        "{summary}\nunexpected disagreements:\n{}",
        unexpected.join("\n")
    );
}

/// PEP 695 snippets have no recorded answers. Syntax is judged by the
/// Python that will run the cell: under 3.11 (the corpus's Python) each is
/// a syntax error naming 3.11 and the version that added the syntax, and
/// under that version it analyses cleanly, defining its one name. That
/// version is 3.12 except for `py312-005`, whose type-parameter default
/// (`V = Default`) is PEP 696, added in 3.13: CPython 3.12.1 rejects it too.
#[test]
fn py312_cells_need_python_312() {
    use weir_analysis::{CellErrorKind, PythonVersion, analyze_cell_for};
    let path = corpus_dir().join("py312-cells.jsonl");
    let Ok(text) = std::fs::read_to_string(&path) else {
        panic!("py312 corpus not found at {}", path.display());
    };
    let mut cases = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).expect("JSON");
        let code = case["code"].as_str().expect("code");
        let id = case["id"].as_str().expect("id");
        let needs = if id == "py312-005" {
            PythonVersion::PY313
        } else {
            PythonVersion::PY312
        };

        let old = analyze_cell_for(code, PythonVersion::PY311);
        let error = old
            .error
            .as_ref()
            .unwrap_or_else(|| panic!("{id}: accepted on 3.11"));
        assert_eq!(error.kind, CellErrorKind::Syntax, "{id}: {error:?}");
        let names = format!("on Python 3.11 (syntax was added in Python {needs})");
        assert!(error.message.ends_with(&names), "{id}: {}", error.message);
        assert!(old.defs.is_empty(), "{id}: an error cell defines nothing");

        let just_before = PythonVersion {
            major: 3,
            minor: needs.minor - 1,
        };
        assert!(analyze_cell_for(code, just_before).error.is_some(), "{id}");
        let new = analyze_cell_for(code, needs);
        assert!(new.error.is_none(), "{id}: {:?}", new.error);
        assert_eq!(new.defs.len(), 1, "{id}: {:?}", new.defs);
        cases += 1;
    }
    assert!(cases > 0, "empty py312 corpus");
}
