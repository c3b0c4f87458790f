use super::*;

fn chain(n: usize, sep: &str) -> String {
    format!("x = {}\n", vec!["1"; n].join(sep))
}

/// Each of these built a tree whose plain `Drop` overflowed the stack of a
/// 2 MiB thread (the size `std::thread::spawn` gives, which the project's
/// parallel analysis uses).
#[test]
fn deep_trees_drop_without_overflow() {
    let sources = [
        chain(150_000, " + "),
        format!("x = a{}\n", ".b".repeat(100_000)),
        format!("x = f{}\n", "()".repeat(100_000)),
        format!("x = {}1\n", "-".repeat(100_000)),
        format!("x = {}1\n", "lambda: ".repeat(20_000)),
        // A syntax error at the end: the error path drops the tree too.
        format!("{}\n)", chain(150_000, " + ")),
    ];
    for source in sources {
        let outcome = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                let parsed = parse_module(&source);
                parsed.is_ok()
            })
            .unwrap()
            .join();
        assert!(outcome.is_ok(), "the parse or drop panicked");
    }
}

#[test]
fn too_deep_is_found_and_shallow_is_not() {
    let parsed = parse_module(&chain(5_000, " + ")).unwrap();
    // Statement at level 1, then 4,999 BinOps, then the first `1`.
    assert_eq!(max_depth(parsed.suite()), 5_001);
    assert_eq!(first_too_deep(parsed.suite(), 5_001), None);
    let at = first_too_deep(parsed.suite(), 5_000).expect("the first operand is at 5,001");
    assert_eq!(u32::from(at.start()), 4);
}

#[test]
fn cpython_bracket_limit() {
    let nested = |n: usize| format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n));
    assert!(parse_for(&nested(200), PythonVersion::PY311).is_ok());
    let err = parse_for(&nested(201), PythonVersion::PY311).err().unwrap();
    assert_eq!(err.error.to_string(), "too many nested parentheses");
    assert_eq!(u32::from(err.location.start()), 4 + 200);
    // The structural parse has no such limit.
    assert!(parse_module(&nested(201)).is_ok());
    // Mixed kinds count together, as in CPython.
    let mixed = format!("x = {}1{}\n", "([{".repeat(67), "}])".repeat(67));
    assert!(parse_for(&mixed, PythonVersion::PY311).is_err());
}

#[test]
fn cpython_indentation_limit() {
    let nested = |levels: usize| {
        let mut s = String::new();
        for i in 0..levels {
            s.push_str(&format!("{}if x:\n", " ".repeat(i)));
        }
        s.push_str(&format!("{}pass\n", " ".repeat(levels)));
        s
    };
    assert!(parse_for(&nested(99), PythonVersion::PY311).is_ok());
    let err = parse_for(&nested(100), PythonVersion::PY311).err().unwrap();
    assert_eq!(err.error.to_string(), "too many levels of indentation");
}

#[test]
fn unsupported_syntax_depends_on_the_target() {
    let code = "type Alias = list[int]\n";
    let old = parse_for(code, PythonVersion::PY311).unwrap();
    let message = old.unsupported_syntax_errors()[0].to_string();
    assert!(
        message.contains("3.11") && message.contains("3.12"),
        "{message}"
    );
    assert!(
        parse_for(code, PythonVersion::PY312)
            .unwrap()
            .unsupported_syntax_errors()
            .is_empty()
    );
}

/// CPython compares each line's indentation twice, with tabs as 8 columns
/// and as 1, and rejects a line whose two comparisons disagree (TabError).
#[test]
fn cpython_tab_consistency() {
    let inconsistent = [
        "if x:\n\ty = 1\n        z = 2\n",
        "if x:\n    y = 1\n\tz = 2\n",
        "if x:\n  \ty = 1\n\tz = 2\n",
        "if x:\n\tif y:\n\t\tpass\n        pass\n",
        "if x:\n        if y:\n\t    pass\n",
    ];
    for code in inconsistent {
        let err = parse_for(code, PythonVersion::PY311).err();
        let message = err.map(|e| e.error.to_string());
        assert_eq!(
            message.as_deref(),
            Some("inconsistent use of tabs and spaces in indentation"),
            "{code:?}"
        );
    }
    for code in [
        "if x:\n\ty = 1\n\tz = 2\n",
        "if x:\n\tif y:\n\t    pass\n",
        // Inside brackets and after comments, indentation is not compared.
        "x = [\n\t1,\n        2]\n",
        "if x:\n    y = 1\n\t# a comment\n    z = 2\n",
    ] {
        assert!(parse_for(code, PythonVersion::PY311).is_ok(), "{code:?}");
    }
}
