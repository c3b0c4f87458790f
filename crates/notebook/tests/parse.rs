//! What `parse` reads out of particular files.

use std::path::{Path, PathBuf};

use weir_notebook::{CellKind, Flavor, FormatError, Notebook, Signature, parse, write};

fn fixture(name: &str) -> (String, Notebook) {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/notebooks")
        .join(name);
    let src = std::fs::read_to_string(&path).unwrap();
    let nb = parse(&src).unwrap();
    (src, nb)
}

#[test]
fn strings_keep_their_lines() {
    let (_, nb) = fixture("strings_and_whitespace.py");
    assert_eq!(nb.flavor, Flavor::Marimo);
    assert_eq!(nb.generated_with.as_deref(), Some("0.25.2"));
    let c = &nb.cells[0];
    assert!(
        c.code
            .starts_with("# a comment before the code\ndoc = \"\"\"\nTriple-quoted text")
    );
    assert!(
        c.code
            .contains("\n  and this one by two more spaces.\n\"\"\"\n")
    );
    assert!(
        c.code
            .ends_with("quotes = '''she said \"\"\"hi\"\"\" and left'''")
    );
    let c = &nb.cells[1];
    assert_eq!(
        c.code,
        "if True:\n  two_space_block = 1   \nif two_space_block:\n\ttabbed = \"tab-indented, inside a space-indented cell\"\n\n\n# blank lines above, trailing spaces on the assignment line"
    );
    assert_eq!(
        c.signature_in_file,
        Some(Signature::new(
            Vec::<String>::new(),
            ["tabbed", "two_space_block"]
        ))
    );
    assert_eq!(nb.cells[3].code, "");
}

#[test]
fn unindented_string_lines_are_not_cut() {
    let (_, nb) = fixture("hand_edited/odd_layout.py");
    assert_eq!(
        nb.cells[0].code,
        "text = \"\"\"\nno indentation inside this string\n  two spaces\nfour spaces\n\"\"\""
    );
    // Tab-indented body: the tab is the indent.
    assert_eq!(nb.cells[1].code, "length = len(text)\t");
    assert_eq!(nb.cells[1].code_indent, 1);
    // Eight-space body.
    assert_eq!(nb.cells[2].code, "doubled = length * 2");
    assert_eq!(nb.cells[2].code_indent, 8);
    assert_eq!(nb.cells[3].kind, CellKind::Function);
    assert_eq!(
        nb.cells[3].code,
        "def helper(x):\n    return x + 1\n    # trailing comment in the function"
    );
    assert_eq!(nb.app_options[0].name, "width");
    assert_eq!(nb.app_options[0].value, "\"medium\"");
}

#[test]
fn file_positions_follow_the_dedent() {
    let (src, nb) = fixture("hand_edited/odd_layout.py");
    let lines: Vec<&str> = src.lines().collect();
    let c = &nb.cells[0];
    // Line 1 of the cell ("text = ...") sits at column 5 of its file line.
    let (l, col) = c.file_position(1, 1);
    assert_eq!(
        &lines[(l - 1) as usize][(col - 1) as usize..],
        "text = \"\"\""
    );
    // Line 2 was not indented in the file: its columns are unchanged.
    let (l, col) = c.file_position(2, 1);
    assert_eq!(col, 1);
    assert_eq!(lines[(l - 1) as usize], "no indentation inside this string");
    let (l, col) = c.file_position(4, 1);
    assert_eq!((col, lines[(l - 1) as usize]), (5, "    four spaces"));
}

#[test]
fn broken_cell_is_recovered_alone() {
    let (src, nb) = fixture("hand_edited/broken_cell.py");
    assert_eq!(nb.cells.len(), 3);
    assert_eq!(nb.cells[0].kind, CellKind::Code);
    assert_eq!(nb.cells[1].kind, CellKind::Unparsable);
    assert_eq!(nb.cells[1].code, "b = a +");
    assert_eq!(nb.cells[2].code, "c = a * 3");
    assert_eq!(nb.cells[2].kind, CellKind::Code);
    assert!(!nb.warnings.is_empty());
    assert!(
        nb.warnings.iter().any(|w| w.line == 12),
        "{:?}",
        nb.warnings
    );
    // Unchanged, it is written back as it was.
    let sigs: Vec<Signature> = nb
        .cells
        .iter()
        .map(|c| c.signature_in_file.clone().unwrap_or_default())
        .collect();
    assert_eq!(write(&nb, &sigs), src);
}

#[test]
fn unparsable_cells() {
    let (_, nb) = fixture("unparsable_cells.py");
    let u: Vec<_> = nb
        .cells
        .iter()
        .filter(|c| c.kind == CellKind::Unparsable)
        .collect();
    assert_eq!(u.len(), 3);
    assert_eq!(
        u[0].code,
        "y = x +\n\n# a comment, and a backslash \\ that stays"
    );
    assert_eq!(u[1].name, "shell");
    assert!(u[1].options.hide_code);
    assert_eq!(
        u[2].code,
        "s = \"\"\"an unclosed triple quote\nand a \\ backslash"
    );
}

#[test]
fn setup_function_class() {
    let (_, nb) = fixture("setup_function_class.py");
    let kinds: Vec<_> = nb.cells.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            CellKind::Setup,
            CellKind::Function,
            CellKind::Function,
            CellKind::ClassDefinition,
            CellKind::Code
        ]
    );
    assert!(nb.cells[0].options.hide_code);
    assert_eq!(
        nb.cells[0].code,
        "# Shared imports and constants\nimport math\n\nSCALE = 10"
    );
    assert_eq!(
        nb.cells[2].code,
        "@staticmethod\ndef area(r):\n    return math.pi * r**2"
    );
    assert_eq!(nb.cells[2].name, "area");
    assert_eq!(nb.cells[3].name, "Point");
}

#[test]
fn header_kept_verbatim() {
    let (src, nb) = fixture("header_and_app_options.py");
    assert!(
        nb.header
            .starts_with("#!/usr/bin/env python\n\"\"\"A notebook")
    );
    assert!(
        nb.header
            .ends_with("# A comment after the script block.\n\n")
    );
    assert_eq!(&src[..nb.header.len()], nb.header);
    assert_eq!(nb.app_options.len(), 3);
}

#[test]
fn options_and_async() {
    let (_, nb) = fixture("options_async_long.py");
    assert!(nb.cells[0].options.hide_code);
    assert!(nb.cells[1].options.disabled);
    assert_eq!(nb.cells[2].options.other[0].name, "column");
    assert!(nb.cells[4].is_async);
    assert_eq!(nb.cells[5].name, "named_cell");
    assert_eq!(
        nb.cells[3].signature_in_file.as_ref().unwrap().params.len(),
        4
    );
}

#[test]
fn not_notebooks() {
    assert_eq!(parse(""), Err(FormatError::Empty));
    assert_eq!(parse("  \n\n"), Err(FormatError::Empty));
    assert!(matches!(
        parse("print('hi')\n"),
        Err(FormatError::NotANotebook { .. })
    ));
    assert!(matches!(
        parse("ab\0cd"),
        Err(FormatError::Binary { line: 1, column: 3 })
    ));
    assert!(matches!(
        parse("import marimo\napp = marimo.App(\n"),
        Err(FormatError::Syntax { line: 2, .. })
    ));
}

#[test]
fn starter_round_trips() {
    let nb = Notebook::starter();
    let sigs: Vec<Signature> = vec![
        Signature::new(Vec::<String>::new(), ["weir"]),
        Signature::new(["weir"], Vec::<String>::new()),
        Signature::new(Vec::<String>::new(), ["x"]),
        Signature::new(["x"], ["y"]),
    ];
    let text = write(&nb, &sigs);
    assert!(text.starts_with("import weir\n\napp = weir.App()\n\n@app.cell\ndef _():\n    import weir\n    return (weir,)\n\n\n@app.cell\ndef _(weir):\n"), "{text}");
    assert!(text.ends_with("\n\n\nif __name__ == \"__main__\":\n    app.run()\n"));
    let back = parse(&text).unwrap();
    assert_eq!(write(&back, &sigs), text);
    let codes: Vec<_> = back.cells.iter().map(|c| c.code.as_str()).collect();
    let orig: Vec<_> = nb.cells.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes, orig);
}

#[test]
fn edited_cell_is_rewritten_alone() {
    let (src, mut nb) = fixture("hand_edited/odd_layout.py");
    let mut sigs: Vec<Signature> = nb
        .cells
        .iter()
        .map(|c| c.signature_in_file.clone().unwrap_or_default())
        .collect();
    nb.cells[2].code = "doubled = length * 3".to_string();
    sigs[2] = Signature::new(["length"], ["doubled"]);
    let out = write(&nb, &sigs);
    let expected = src.replace(
        "def _( length ):\n        doubled = length * 2\n        return (doubled,)",
        "def _(length):\n    doubled = length * 3\n    return (doubled,)",
    );
    assert_eq!(out, expected);
}
