//! Property tests: `analyze_cell` never panics and is deterministic, on
//! arbitrary strings and on mutated corpus snippets.

use proptest::prelude::*;
use weir_analysis::analyze_cell;

/// Corpus snippets to mutate (falls back to a few built-ins without it).
fn snippets() -> &'static [String] {
    static SNIPPETS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    SNIPPETS.get_or_init(load_snippets)
}

fn load_snippets() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/conformance/cells.jsonl"
    );
    let from_corpus: Vec<String> = std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["code"].as_str().map(str::to_string))
        .collect();
    if from_corpus.is_empty() {
        vec![
            "x = [y for y in z]".into(),
            "def f(a=b):\n    global g\n    g = a".into(),
            "mo.sql(f\"SELECT * FROM t WHERE a > {b}\")".into(),
            "match p:\n    case {\"k\": v, **rest}:\n        pass".into(),
        ]
    } else {
        from_corpus
    }
}

#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, String),
    Duplicate(usize, usize),
}

fn apply(code: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = code.chars().collect();
    for edit in edits {
        let n = chars.len().max(1);
        match edit {
            Edit::Delete(at, len) => {
                let start = at % n;
                let end = (start + len).min(chars.len());
                if start < end {
                    chars.drain(start..end);
                }
            }
            Edit::Insert(at, text) => {
                let at = (at % (chars.len() + 1)).min(chars.len());
                chars.splice(at..at, text.chars());
            }
            Edit::Duplicate(at, len) => {
                let start = (at % n).min(chars.len());
                let end = (start + len).min(chars.len());
                let copy: Vec<char> = chars[start..end].to_vec();
                chars.splice(start..start, copy);
            }
        }
    }
    chars.into_iter().collect()
}

fn edit() -> impl Strategy<Value = Edit> {
    let tokens = prop::sample::select(vec![
        "(",
        ")",
        "[",
        "]",
        ":",
        "\n",
        "    ",
        "=",
        ":=",
        "lambda ",
        "def ",
        "class ",
        "global ",
        "nonlocal ",
        "del ",
        "yield ",
        "await ",
        "return ",
        "for ",
        " in ",
        "if ",
        "f\"{",
        "}\"",
        "\"",
        "'",
        "*",
        "**",
        "import ",
        "from ",
        "async ",
        "with ",
        " as ",
        "match ",
        "case ",
        "_",
        "x",
        "mo.sql(",
        "\\",
        "#",
        ";",
        "é",
        "\t",
    ]);
    prop_oneof![
        (any::<usize>(), 0usize..8).prop_map(|(a, l)| Edit::Delete(a, l)),
        (any::<usize>(), tokens).prop_map(|(a, t)| Edit::Insert(a, t.to_string())),
        (any::<usize>(), ".{0,6}").prop_map(|(a, t)| Edit::Insert(a, t)),
        (any::<usize>(), 0usize..20).prop_map(|(a, l)| Edit::Duplicate(a, l)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_strings_never_panic(code in any::<String>()) {
        let first = analyze_cell(&code);
        prop_assert_eq!(&first, &analyze_cell(&code));
        if first.error.is_some() {
            prop_assert!(first.defs.is_empty() && first.refs.is_empty());
        }
    }

    #[test]
    fn mutated_snippets_never_panic(
        index in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let snippets = snippets();
        let code = apply(snippets[index.index(snippets.len())].as_str(), &edits);
        let first = analyze_cell(&code);
        prop_assert_eq!(&first, &analyze_cell(&code));
        if first.error.is_some() {
            prop_assert!(first.defs.is_empty() && first.refs.is_empty()
                && first.builtin_refs.is_empty() && first.deleted_refs.is_empty());
        }
    }
}
