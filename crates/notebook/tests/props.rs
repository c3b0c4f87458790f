//! Property tests: any cell code survives write → parse exactly, and parse
//! never panics on anything.

use proptest::prelude::*;
use weir_notebook::{Cell, CellKind, Flavor, Notebook, Signature, parse, write};

/// Lines made of pieces that are hard for an indenting/dedenting format.
fn nasty_line() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\"\"\"".to_string()),
        Just("'''".to_string()),
        Just("\"\"".to_string()),
        Just("\"\\\"".to_string()),
        Just("\\".to_string()),
        Just("\t".to_string()),
        Just("    ".to_string()),
        Just("  ".to_string()),
        Just(" ".to_string()),
        Just("#".to_string()),
        Just("return".to_string()),
        Just("@app.cell".to_string()),
        Just("def _():".to_string()),
        Just("x = 1".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("é∂".to_string()),
        "[a-z_ =+:,.0-9]{0,8}",
    ];
    prop::collection::vec(piece, 0..6).prop_map(|v| v.concat())
}

fn nasty_code() -> impl Strategy<Value = String> {
    prop::collection::vec(nasty_line(), 0..8).prop_map(|v| v.join("\n"))
}

/// Valid Python with strings whose inner lines start anywhere.
fn valid_code() -> impl Strategy<Value = String> {
    let stmt = prop_oneof![
        "[a-z]{1,6}".prop_map(|n| format!("{n}_v = 1")),
        "[ a-z\\t]{0,10}".prop_map(|s| format!("s = \"\"\"\n{s}\n  {s}\n\"\"\"")),
        "[a-z]{1,5}".prop_map(|s| format!("if True:\n\t{s}_t = 2\n\tpass")),
        Just("# only a comment   ".to_string()),
        Just(String::new()),
        Just("   ".to_string()),
        Just("x = r'\\\\'".to_string()),
        Just("t = ('''\n'''\n)".to_string()),
    ];
    prop::collection::vec(stmt, 0..6).prop_map(|v| v.join("\n"))
}

/// Cell names as a `def` line takes them (identifiers, not keywords).
fn name() -> impl Strategy<Value = String> {
    prop_oneof![Just("_".to_string()), "[a-z][a-z0-9_]{0,10}"].prop_filter("keyword", |n| {
        ruff_python_parser::parse_module(&format!("def {n}(): pass")).is_ok()
    })
}

fn check(cells: Vec<Cell>, flavor: Flavor) -> Result<(), TestCaseError> {
    let mut nb = if flavor == Flavor::Weir {
        Notebook::new_weir()
    } else {
        Notebook::new_marimo("0.25.2")
    };
    nb.cells = cells;
    let sigs = vec![Signature::new(["a"], ["b", "c"]); nb.cells.len()];
    let text = write(&nb, &sigs);
    let back = parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
    prop_assert_eq!(back.flavor, flavor);
    prop_assert_eq!(back.cells.len(), nb.cells.len(), "{}", text);
    for (a, b) in nb.cells.iter().zip(&back.cells) {
        prop_assert_eq!(&a.code, &b.code, "{}", text);
        prop_assert_eq!(&a.name, &b.name);
    }
    // And what was read writes back byte for byte, with or without its
    // remembered text.
    prop_assert_eq!(&write(&back, &sigs), &text);
    let mut plain = back.clone();
    plain.origin = None;
    for c in &mut plain.cells {
        c.origin = None;
    }
    prop_assert_eq!(&write(&plain, &sigs), &text);
    Ok(())
}

const CELLS_NOTEBOOK: &str = "import marimo\n\n__generated_with = \"0.25.2\"\napp = marimo.App()\n\nwith app.setup:\n    import math\n\n\n@app.cell\ndef _():\n    x = 1\n    return (x,)\n\n\n@app.function\ndef f(a):\n    return a + 1\n\n\n@app.cell(hide_code=True)\ndef _(x):\n    y = f(x)\n    return (y,)\n\n\n@app.class_definition\nclass C:\n    pass\n\n\nif __name__ == \"__main__\":\n    app.run()\n";

/// 1-based numbers of the lines that begin a cell in a file that does not
/// parse as a whole.
fn cell_markers(src: &str) -> Vec<u32> {
    const MARKERS: &[&str] = &[
        "@app.cell",
        "@app.function",
        "@app.class_definition",
        "with app.setup",
        "async with app.setup",
        "app._unparsable_cell",
    ];
    let is_marker = |l: &str| {
        MARKERS.iter().any(|m| {
            l.strip_prefix(m)
                .is_some_and(|r| !r.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
        })
    };
    src.split('\n')
        .enumerate()
        .filter(|(_, l)| is_marker(l))
        .map(|(i, _)| i as u32 + 1)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Damage anywhere among the cells never drops one: in a file that no
    /// longer parses, every line that begins a cell begins a cell, an
    /// unparsable cell's code still fails to parse (so it is reported), and
    /// the file writes back byte for byte.
    #[test]
    fn damaged_cells_are_never_dropped(cut in 0usize..1000, insert in nasty_line()) {
        let base = CELLS_NOTEBOOK;
        let from = base.find("with app.setup").unwrap();
        let to = base.find("if __name__").unwrap();
        let mut at = from + cut % (to - from + 1);
        while !base.is_char_boundary(at) { at -= 1; }
        let src = format!("{}{}{}", &base[..at], insert, &base[at..]);
        let nb = parse(&src).map_err(|e| TestCaseError::fail(format!("{e}\n{src}")))?;
        let sigs: Vec<Signature> = nb.cells.iter().map(|c| c.signature_in_file.clone().unwrap_or_default()).collect();
        prop_assert_eq!(&write(&nb, &sigs), &src);
        if ruff_python_parser::parse_module(&src).is_err() {
            // Every line that begins a cell begins one: some cell's code
            // starts between it and the next such line.
            let markers = cell_markers(&src);
            for (i, &m) in markers.iter().enumerate() {
                let next = markers.get(i + 1).copied().unwrap_or(u32::MAX);
                prop_assert!(
                    nb.cells.iter().any(|c| (m..next).contains(&c.code_start_line)),
                    "no cell for line {}\n{}", m, src
                );
            }
        }
        for c in &nb.cells {
            if c.kind == CellKind::Unparsable {
                prop_assert!(ruff_python_parser::parse_module(&c.code).is_err(), "{:?}\n{}", c.code, src);
            }
        }
    }

    #[test]
    fn any_code_survives(codes in prop::collection::vec((name(), nasty_code()), 1..4), marimo in any::<bool>()) {
        let cells = codes.into_iter().map(|(n, c)| Cell::code(n, c)).collect();
        check(cells, if marimo { Flavor::Marimo } else { Flavor::Weir })?;
    }

    #[test]
    fn valid_code_stays_code(codes in prop::collection::vec((name(), valid_code()), 1..4)) {
        let cells: Vec<Cell> = codes.into_iter().map(|(n, c)| Cell::code(n, c)).collect();
        check(cells.clone(), Flavor::Weir)?;
        let nb = Notebook { cells, ..Notebook::new_weir() };
        let text = write(&nb, &vec![Signature::default(); nb.cells.len()]);
        for c in parse(&text).unwrap().cells {
            prop_assert_eq!(c.kind, CellKind::Code);
        }
    }

    #[test]
    fn unparsable_code_survives(codes in prop::collection::vec(nasty_code(), 1..4)) {
        let cells = codes.into_iter().map(|c| Cell::new(CellKind::Unparsable, "_", c)).collect();
        check(cells, Flavor::Marimo)?;
    }

    #[test]
    fn parse_never_panics(s in any::<String>()) {
        let _ = parse(&s);
    }

    #[test]
    fn parse_never_panics_on_bytes(b in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse(&String::from_utf8_lossy(&b));
    }

    #[test]
    fn parse_never_panics_on_mangled_notebooks(
        cut in 0usize..2000,
        insert in nasty_line(),
    ) {
        let base = "import marimo\n\n__generated_with = \"0.25.2\"\napp = marimo.App()\n\n@app.cell\ndef _():\n    x = \"\"\"\n    a\n    \"\"\"\n    return (x,)\n\n\napp._unparsable_cell(\n    r\"\"\"\n    y = x +\n    \"\"\",\n    name=\"_\"\n)\n\n\nwith app.setup:\n    import math\n\n\n@app.function\ndef f():\n    return 1\n\n\nif __name__ == \"__main__\":\n    app.run()\n";
        let mut at = cut % (base.len() + 1);
        while !base.is_char_boundary(at) { at -= 1; }
        let mangled = format!("{}{}{}", &base[..at], insert, &base[at..]);
        let _ = parse(&mangled);
        let truncated = &base[..at];
        let _ = parse(truncated);
    }
}
