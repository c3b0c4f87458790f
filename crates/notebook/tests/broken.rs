//! A notebook item that does not parse is never dropped: whatever the shape
//! of the damage (decorator, `def` line, body, `return` line, an unclosed
//! string), the item becomes an unparsable cell at its place, its code
//! still fails to parse at the line of the damage, the cells around it load
//! normally, and the file writes back byte for byte.

use ruff_python_parser::parse_module;
use weir_notebook::{Cell, CellKind, Notebook, Signature, parse, write};

const HEAD: &str = "import marimo\n\n__generated_with = \"0.25.2\"\napp = marimo.App()\n\n\n";
/// Lines 7-10 of every test file.
const FIRST: &str = "@app.cell\ndef _():\n    x = 1\n    return (x,)\n\n\n";
/// The broken item starts on this line.
const BROKEN_AT: u32 = 13;
const LAST: &str = "@app.cell\ndef _(y):\n    z = y * 2\n    return\n\n\n";
const FOOT: &str = "if __name__ == \"__main__\":\n    app.run()\n";

fn file(broken: &str) -> String {
    format!("{HEAD}{FIRST}{broken}\n\n\n{LAST}{FOOT}")
}

fn signatures(nb: &Notebook) -> Vec<Signature> {
    nb.cells
        .iter()
        .map(|c| c.signature_in_file.clone().unwrap_or_default())
        .collect()
}

/// The 1-based file line of the first syntax error in a cell's code.
fn error_line(cell: &Cell) -> Option<u32> {
    let err = parse_module(&cell.code).err()?;
    let offset = usize::from(err.location.start()).min(cell.code.len());
    let line = cell.code[..offset].matches('\n').count() as u32 + 1;
    Some(cell.file_position(line, 1).0)
}

/// `broken` is the text of one item; `line` is where (relative to its first
/// line, 0-based) the damage is.
fn check(what: &str, broken: &str, line: u32) {
    let src = file(broken);
    let nb = parse(&src).unwrap_or_else(|e| panic!("{what}: {e}\n{src}"));
    assert_eq!(nb.cells.len(), 3, "{what}: a cell was dropped\n{src}");
    assert_eq!(nb.cells[0].code, "x = 1", "{what}");
    assert_eq!(nb.cells[2].code, "z = y * 2", "{what}");
    assert_eq!(nb.cells[2].kind, CellKind::Code, "{what}");
    let cell = &nb.cells[1];
    assert_eq!(cell.kind, CellKind::Unparsable, "{what}: {cell:?}");
    assert_eq!(
        error_line(cell),
        Some(BROKEN_AT + line),
        "{what}: the cell's code must fail where the file fails: {:?}",
        cell.code
    );
    assert!(
        nb.warnings.iter().any(|w| w.line == BROKEN_AT),
        "{what}: {:?}",
        nb.warnings
    );
    // Kept byte for byte while unchanged.
    assert_eq!(write(&nb, &signatures(&nb)), src, "{what}");
    // Written canonically (as after an edit elsewhere), it reads back the
    // same, still unparsable, and the file then parses as Python.
    let mut plain = nb.clone();
    plain.origin = None;
    for c in &mut plain.cells {
        c.origin = None;
    }
    let canonical = write(&plain, &signatures(&nb));
    assert!(parse_module(&canonical).is_ok(), "{what}:\n{canonical}");
    let again = parse(&canonical).unwrap();
    assert_eq!(again.cells.len(), 3, "{what}");
    assert_eq!(again.cells[1].code, cell.code, "{what}");
    assert_eq!(again.cells[1].kind, CellKind::Unparsable, "{what}");
    assert_eq!(again.cells[1].name, cell.name, "{what}");
}

#[test]
fn broken_signature() {
    check(
        "def line without `):`",
        "@app.cell\ndef _(x:\n    y = x + 1\n    return (y,)",
        2,
    );
    check(
        "function cell with a broken signature",
        "@app.function\ndef f(a, :\n    return a",
        1,
    );
    check(
        "async def with a broken annotation",
        "@app.cell\nasync def _(x) -> :\n    y = 1\n    return (y,)",
        1,
    );
}

#[test]
fn broken_decorator() {
    check(
        "@app.cell followed by garbage",
        "@app.cell\nthis is not python at all\n    y = 1",
        1,
    );
    check(
        "@app.cell followed by a statement, not a def",
        "@app.cell\ny = 1",
        1,
    );
    check(
        "unclosed decorator call",
        "@app.cell(hide_code=True\ndef _():\n    y = 1\n    return (y,)",
        0,
    );
    check(
        "function cell with an unclosed decorator",
        "@app.function(hide_code=True\ndef f(a):\n    return a",
        0,
    );
}

#[test]
fn broken_return_line() {
    check(
        "unclosed return tuple",
        "@app.cell\ndef _():\n    y = 1\n    return (y,",
        3,
    );
    check(
        "return of an expression that does not parse",
        "@app.cell\ndef _():\n    y = 1\n    return y +",
        3,
    );
}

#[test]
fn broken_body() {
    check(
        "body that does not parse",
        "@app.cell\ndef _(x):\n    y = x +\n    return (y,)",
        2,
    );
    check(
        "unterminated triple-quoted string",
        "@app.cell\ndef _():\n    s = \"\"\"never closed\n    return (s,)",
        2,
    );
    check(
        "class cell whose body does not parse",
        "@app.class_definition\nclass C:\n    def f(self) -> :\n        pass",
        2,
    );
    check(
        "setup cell whose body does not parse",
        "with app.setup:\n    import (",
        1,
    );
    check(
        "setup cell whose header does not parse",
        "with app.setup(hide_code=True:\n    import math",
        0,
    );
}

#[test]
fn stray_text_that_does_not_parse_is_a_cell_of_its_own() {
    // After a cell: the cell keeps its code and signature, the stray text
    // becomes the unparsable cell.
    let src = file("@app.cell\ndef _():\n    y = 1\n    return (y,)\n\noops(");
    let nb = parse(&src).unwrap();
    let kinds: Vec<CellKind> = nb.cells.iter().map(|c| c.kind).collect();
    use CellKind::{Code, Unparsable};
    assert_eq!(kinds, [Code, Code, Unparsable, Code], "{src}");
    assert_eq!(nb.cells[1].code, "y = 1");
    assert_eq!(
        nb.cells[1].signature_in_file,
        Some(Signature::new(Vec::<String>::new(), ["y"]))
    );
    assert_eq!(nb.cells[2].code, "oops(");
    assert_eq!(error_line(&nb.cells[2]), Some(BROKEN_AT + 5));
    assert_eq!(write(&nb, &signatures(&nb)), src);

    // Right after the App line: the App line is still found.
    let src = format!("{HEAD}x = (\n\n{FIRST}{LAST}{FOOT}");
    let nb = parse(&src).unwrap();
    let kinds: Vec<CellKind> = nb.cells.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [Unparsable, Code, Code], "{src}");
    assert_eq!(error_line(&nb.cells[0]), Some(7));
    assert_eq!(write(&nb, &signatures(&nb)), src);
}
