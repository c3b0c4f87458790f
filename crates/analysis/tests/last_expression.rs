//! The final expression statement the worker displays, found by the
//! analysis so the worker need not parse the cell again.

use weir_analysis::analyze_cell;

fn last(code: &str) -> Option<&str> {
    let range = analyze_cell(code).last_expression?;
    Some(&code[range.start().to_usize()..range.end().to_usize()])
}

#[test]
fn the_final_expression_statement_and_nothing_else() {
    assert_eq!(last("x = 1\nx"), Some("x"));
    assert_eq!(last("x = 1; x"), Some("x"));
    assert_eq!(last("x = 1\nx;"), Some("x"));
    assert_eq!(last("x = 1\nx  # shown"), Some("x"));
    assert_eq!(last("x = 1\n# a comment\n(x +\n 1)\n\n"), Some("(x +\n 1)"));
    assert_eq!(last("f(1,\n  2)"), Some("f(1,\n  2)"));
    assert_eq!(last("x = 1"), None);
    assert_eq!(last("if x:\n    x"), None);
    assert_eq!(last("def f():\n    pass"), None);
    assert_eq!(last("x = (1"), None, "a syntax error has no display");
}
