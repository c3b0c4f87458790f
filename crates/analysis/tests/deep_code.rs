//! Deep or long code gets a result or a clear error, never a stack
//! overflow (which aborts the process: no panic handler can catch it).
//! Every case runs on a 2 MiB thread, the stack `std::thread::spawn`
//! gives the project's parallel analysis.

use weir_analysis::{CellAnalysis, CellErrorKind, PythonVersion, analyze_cell_for};

fn on_small_stack(code: String, version: PythonVersion) -> CellAnalysis {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || analyze_cell_for(&code, version))
        .unwrap()
        .join()
        .expect("the analysis panicked")
}

fn sum(terms: usize) -> String {
    format!("x = {}\n", vec!["1"; terms].join(" + "))
}

/// Shapes CPython 3.10 compiles (it has no nesting check) and whose names
/// Weir must therefore find.
#[test]
fn long_and_deep_code_analyses_for_python_310() {
    let cases = [
        sum(150_000),
        format!("x = a{}\n", ".b".repeat(10_000)),
        format!("x = f{}\n", "()".repeat(10_000)),
        format!("x = a{}\n", "[0]".repeat(10_000)),
        format!("x = [{}]\n", vec!["1"; 150_000].join(", ")),
        format!("x = {}a\n", "not ".repeat(10_000)),
        format!("x = {}a\n", "a if c else ".repeat(10_000)),
        format!("x: {}\n", vec!["a"; 10_000].join(" + ")),
        format!("def f():\n    return {}\n", vec!["a"; 10_000].join(" | ")),
        format!("x = {}a\n", "lambda: ".repeat(10_000)),
    ];
    for code in cases {
        let head: String = code.chars().take(40).collect();
        let a = on_small_stack(code, PythonVersion::PY310);
        assert_eq!(a.error, None, "{head}");
        assert!(
            a.defs.contains("x") || a.defs.contains("f"),
            "{head}: {:?}",
            a.defs
        );
    }
}

/// CPython 3.11 refuses code nested deeper than 2,994 levels
/// ("RecursionError: maximum recursion depth exceeded during compilation"),
/// 3.13 deeper than 9,998: the cell is a compile error naming the version.
#[test]
fn nesting_beyond_cpython_limit_is_a_compile_error() {
    // `x = 1 + ... + 1` with n terms nests n + 1 levels deep.
    assert_eq!(on_small_stack(sum(2_993), PythonVersion::PY311).error, None);
    let a = on_small_stack(sum(2_994), PythonVersion::PY311);
    let error = a.error.expect("too deep for 3.11");
    assert_eq!(error.kind, CellErrorKind::Compile);
    assert!(error.message.contains("Python 3.11"), "{}", error.message);
    assert!(error.message.contains("2994"), "{}", error.message);
    assert!(a.defs.is_empty());

    assert_eq!(on_small_stack(sum(9_997), PythonVersion::PY313).error, None);
    let big = on_small_stack(sum(150_000), PythonVersion::PY313);
    assert_eq!(big.error.map(|e| e.kind), Some(CellErrorKind::Compile));
}

/// Just under 3.14's limit, where ruff's version-dependent checks walk
/// annotations with visitors of their own.
#[test]
fn deep_annotations_just_under_the_limit() {
    for code in [
        format!("x: {} = 1\n", vec!["a"; 9_000].join(" + ")),
        format!("def f(p: {}):\n    pass\n", vec!["a"; 9_000].join(" + ")),
        format!("def f[T](p: {}):\n    pass\n", vec!["a"; 9_000].join(" + ")),
    ] {
        let head: String = code.chars().take(30).collect();
        let a = on_small_stack(code, PythonVersion::PY314);
        assert_eq!(a.error, None, "{head}");
    }
}

#[test]
fn cpython_tokenizer_limits_are_syntax_errors() {
    let parens = |n: usize| format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n));
    assert_eq!(
        on_small_stack(parens(200), PythonVersion::PY311).error,
        None
    );
    for n in [201, 100_000] {
        let error = on_small_stack(parens(n), PythonVersion::PY311)
            .error
            .expect("too many brackets");
        assert_eq!(error.kind, CellErrorKind::Syntax);
        assert_eq!(error.message, "too many nested parentheses");
        assert_eq!((error.line, error.column), (1, 5 + 200));
    }

    let mut nested_ifs = String::new();
    for i in 0..5_000 {
        nested_ifs.push_str(&format!("{}if x:\n", " ".repeat(i)));
    }
    nested_ifs.push_str(&format!("{}pass\n", " ".repeat(5_000)));
    let error = on_small_stack(nested_ifs, PythonVersion::PY311)
        .error
        .expect("too deep");
    assert_eq!(error.message, "too many levels of indentation");
    // CPython: "too many levels of indentation (line 101)".
    assert_eq!(error.line, 101);

    let tabs = "if x:\n\ty = 1\n        z = 2\n".to_string();
    let error = on_small_stack(tabs, PythonVersion::PY311)
        .error
        .expect("TabError");
    assert_eq!(error.kind, CellErrorKind::Syntax);
    assert_eq!(
        error.message,
        "inconsistent use of tabs and spaces in indentation"
    );
    assert_eq!(error.line, 3);
}
