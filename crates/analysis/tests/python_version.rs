//! Syntax is judged by the Python that will run the cell.

use weir_analysis::{
    CellErrorKind, DEFAULT_PYTHON_VERSION, PythonVersion, analyze_cell, analyze_cell_for,
};

/// `code` is a syntax error naming `too_old` and accepted from `added` on.
fn needs(code: &str, added: PythonVersion, too_old: PythonVersion) {
    let old = analyze_cell_for(code, too_old);
    let error = old
        .error
        .unwrap_or_else(|| panic!("{code:?} accepted on {too_old}"));
    assert_eq!(error.kind, CellErrorKind::Syntax, "{code:?}");
    assert!(
        error.message.contains(&format!(
            "on Python {too_old} (syntax was added in Python {added})"
        )),
        "{code:?}: {}",
        error.message
    );
    let new = analyze_cell_for(code, added);
    assert_eq!(new.error, None, "{code:?} on {added}");
}

#[test]
fn newer_syntax_is_an_error_naming_both_versions() {
    use PythonVersion as V;
    needs("match x:\n    case 1:\n        y = 1\n", V::PY310, V::PY39);
    needs(
        "try:\n    pass\nexcept* ValueError:\n    pass\n",
        V::PY311,
        V::PY310,
    );
    needs("type X = int\n", V::PY312, V::PY311);
    needs("def f[T](x: T) -> T:\n    return x\n", V::PY312, V::PY311);
    // PEP 701: reusing the outer quote inside an f-string.
    needs("s = f\"{\"a\"}\"\n", V::PY312, V::PY311);
    needs("x = t\"{y}\"\n", V::PY314, V::PY313);
}

#[test]
fn position_is_the_new_syntax() {
    let a = analyze_cell_for("x = 1\ny = 2\ntype T = int\n", PythonVersion::PY311);
    let error = a.error.unwrap();
    assert_eq!((error.line, error.column), (3, 1));
}

#[test]
fn version_dependent_compile_checks_follow_the_target() {
    // An async comprehension inside a sync one, in a coroutine: allowed
    // from 3.11 on.
    let code = "async def f():\n    return [[x async for x in g(n)] for n in range(3)]\n";
    assert!(analyze_cell_for(code, PythonVersion::PY310).error.is_some());
    assert_eq!(analyze_cell_for(code, PythonVersion::PY311).error, None);
}

#[test]
fn the_default_is_the_newest_python() {
    assert_eq!(DEFAULT_PYTHON_VERSION, PythonVersion::PY314);
    assert_eq!(analyze_cell("type X = int\n").error, None);
}
