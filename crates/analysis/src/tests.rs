//! Unit tests for rules beyond (or at the edges of) the conformance corpus.

use super::*;

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[track_caller]
fn check(code: &str, defs: &[&str], refs: &[&str]) {
    let a = analyze_cell(code);
    assert_eq!(a.error, None, "unexpected error for {code:?}");
    assert_eq!(a.defs, set(defs), "defs of {code:?}");
    assert_eq!(a.refs, set(refs), "refs of {code:?}");
}

#[track_caller]
fn check_error(code: &str) {
    let a = analyze_cell(code);
    assert!(
        a.error.is_some(),
        "expected an error for {code:?}, got {a:?}"
    );
    assert!(a.defs.is_empty() && a.refs.is_empty() && a.builtin_refs.is_empty());
}

#[test]
fn later_definitions_resolve_captures_only() {
    check(
        "def f():\n    return later\nlater = 1",
        &["f", "later"],
        &[],
    );
    check("print(later)\nlater = 1", &["later"], &["later"]);
    check("g = lambda: h()\nh = 1", &["g", "h"], &[]);
    // A default is (per marimo) visited inside the function's block.
    check("def f(x=later):\n    pass\nlater = 1", &["f", "later"], &[]);
}

#[test]
fn for_target_is_bound_before_iter() {
    // Python's ast field order visits the target first (marimo quirk).
    check("for x in x:\n    pass", &["x"], &[]);
}

#[test]
fn nested_comprehension_and_walrus_scopes() {
    check("[[(w := j) for j in i] for i in rows]", &["w"], &["rows"]);
    check("f = lambda: [(z := 1) for _ in r]", &["f"], &["r"]);
    check(
        "class C:\n    y = 1\n    z = [y for _ in range(3)]",
        &["C"],
        &[],
    );
}

#[test]
fn obscured_exception_names() {
    check(
        "try:\n    pass\nexcept E as err:\n    err = 1\n    print(err)",
        &[],
        &["E"],
    );
    check(
        "err = 0\ntry:\n    pass\nexcept E as err:\n    pass",
        &["err"],
        &["E"],
    );
}

#[test]
fn globals_and_private_names() {
    check(
        "def f():\n    global _p\n    _p = 1",
        &["f"],
        &["_cell_Hbol_p"],
    );
    let a = analyze_cell_with_id("global _q", "abcd");
    assert_eq!(a.refs, set(&["_cell_abcd_q"]));
    // The later global store resolves the read as a capture (marimo).
    check(
        "def f():\n    global g\n    print(g)\n    g = 1",
        &["f", "g"],
        &[],
    );
    check("def f():\n    global g\n    return g", &["f"], &["g"]);
}

#[test]
fn deletes() {
    let a = analyze_cell("def f():\n    del gone");
    assert_eq!(a.deleted_refs, set(&["gone"]));
    assert_eq!(a.refs, set(&["gone"]));
    let a = analyze_cell("del print");
    assert_eq!(a.builtin_refs, set(&["print"]));
    assert_eq!(a.deleted_refs, set(&["print"]));
}

#[test]
fn imports_are_recorded() {
    let a = analyze_cell(
        "import numpy as np\nfrom ..pkg.mod import thing as t\ndef f():\n    import os.path",
    );
    let got: Vec<_> = a
        .imports
        .iter()
        .map(|i| {
            (
                i.bound_name.as_str(),
                i.module.as_str(),
                i.imported.as_deref(),
                i.top_level,
                i.line,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("np", "numpy", None, true, 1),
            ("t", "..pkg.mod", Some("thing"), true, 2),
            ("os", "os.path", None, false, 4),
        ]
    );
}

#[test]
fn compile_errors() {
    for code in [
        "return 1",
        "yield x",
        "continue",
        "for x in y:\n    pass\nelse:\n    break",
        "def f():\n    nonlocal q",
        "class C:\n    return 1",
        "def f(a, a):\n    pass",
        "f(a=1, a=2)",
        "print(x)\nglobal x",
        "def f():\n    import x\n    global x",
        "def f(x):\n    global x",
        "__debug__ = 1",
        "def f():\n    await g()",
        "x = 1\nfrom __future__ import annotations",
        "from __future__ import braces",
        "*a, *b = c",
        "def f():\n    from m import *",
        "[(yield) for _ in y]",
    ] {
        check_error(code);
    }
}

#[test]
fn notebook_async_is_allowed() {
    check("await f()", &[], &["f"]);
    check("[await g(v) for v in vs]", &[], &["g", "vs"]);
    check("async with a as b:\n    pass", &["b"], &["a"]);
}

#[test]
fn error_position_is_one_based_characters() {
    let a = analyze_cell("é = 1\nx = (");
    let err = a.error.expect("error");
    assert_eq!(err.kind, CellErrorKind::Syntax);
    assert_eq!(err.line, 2);
    let a = analyze_cell("from m import *");
    let err = a.error.expect("error");
    assert_eq!(
        (err.kind, err.line, err.column),
        (CellErrorKind::ImportStar, 1, 1)
    );
    let a = analyze_cell("x = 1\n  break");
    assert!(a.error.is_some());
}

#[test]
fn pep695() {
    check("type Vector = list[float]", &["Vector"], &[]);
    check("type Pair[T] = tuple[T, T]", &["Pair"], &[]);
    check(
        "def first[T](xs: list[T]) -> T:\n    return xs[0]",
        &["first"],
        &[],
    );
    check(
        "class Box[T](Base[T]):\n    def get(self) -> T: ...",
        &["Box"],
        &["Base"],
    );
    check(
        "class R[K: Hashable, V = Default]:\n    pass",
        &["R"],
        &["Default", "Hashable"],
    );
    check(
        "type Json = dict[str, \"Json\"] | list[Json]",
        &["Json"],
        &[],
    );
}

#[test]
fn sql_cells() {
    let a =
        analyze_cell("df = mo.sql(f\"SELECT * FROM events JOIN t2 USING (id) WHERE d > {since}\")");
    assert_eq!(a.language, Language::Sql);
    assert_eq!(a.refs, set(&["events", "mo", "since", "t2"]));
    // A placeholder in table position does not parse: Python names only.
    let a = analyze_cell("mo.sql(f\"SELECT * FROM {tbl}\")");
    assert_eq!(a.refs, set(&["mo", "tbl"]));
    let a = analyze_cell("mo.sql('CREATE TABLE t AS SELECT 1; SELECT * FROM t')");
    assert_eq!(a.defs, set(&["t"]));
    assert_eq!(a.refs, set(&["mo"]));
    // Two positional args: not a SQL call.
    assert_eq!(analyze_cell("mo.sql(q, x)").language, Language::Python);
    // Keyword arguments are allowed.
    assert_eq!(
        analyze_cell("mo.sql(q, output=False)").language,
        Language::Sql
    );
    assert_eq!(
        analyze_cell("duckdb.execute('SELECT * FROM x')").refs,
        set(&["duckdb", "x"])
    );
}

#[test]
fn sql_names_carry_what_they_are() {
    use crate::{SqlDef, SqlKind};
    let def = |kind, qualified: &str| SqlDef {
        kind,
        qualified: qualified.to_string(),
    };
    let a = analyze_cell(
        "mo.sql(\"ATTACH 'data/wh.duckdb' AS wh; CREATE TABLE Raw.Sales AS SELECT 1; \
         CREATE VIEW v AS SELECT 1; CREATE SCHEMA staging\")",
    );
    assert_eq!(a.defs, set(&["sales", "staging", "v", "wh"]));
    assert_eq!(a.sql_defs["wh"], def(SqlKind::Catalog, "wh"));
    assert_eq!(a.sql_defs["sales"], def(SqlKind::Table, "raw.sales"));
    assert_eq!(a.sql_defs["sales"].parts(), ["raw", "sales"]);
    assert_eq!(a.sql_defs["v"], def(SqlKind::View, "v"));
    assert_eq!(a.sql_defs["staging"], def(SqlKind::Schema, "staging"));
    // ATTACH without AS names the catalog after the file, marimo's way.
    let a = analyze_cell("mo.sql(\"ATTACH DATABASE IF NOT EXISTS 'md:shop'\")");
    assert_eq!(a.sql_defs["shop"], def(SqlKind::Catalog, "shop"));
    // A Python binding after the SQL one makes the name a Python variable.
    let a = analyze_cell("t = mo.sql('CREATE TABLE t AS SELECT 1')");
    assert!(a.sql_defs.is_empty());
    assert_eq!(a.defs, set(&["t"]));

    let a = analyze_cell("mo.sql('SELECT * FROM Wh.Main.Sales JOIN s.t USING (id) JOIN df')");
    assert_eq!(a.refs, set(&["df", "mo", "s.t", "wh.main.sales"]));
    let parts = |r: &str| a.sql_refs[r].parts.clone();
    assert_eq!(parts("wh.main.sales"), ["wh", "main", "sales"]);
    assert_eq!(parts("s.t"), ["s", "t"]);
    assert_eq!(parts("df"), ["df"]);
    assert!(!a.sql_refs.contains_key("mo"));
}

#[test]
fn deep_nesting_does_not_overflow() {
    let code = format!("x = {}1{}", "(".repeat(5000), ")".repeat(5000));
    let _ = analyze_cell(&code);
    let code = format!("x = {}1", "-".repeat(20000));
    let _ = analyze_cell(&code);
}
