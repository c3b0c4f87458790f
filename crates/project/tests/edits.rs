//! Single-cell edits through the project keep analysis and graph in step
//! with a fresh load of the same notebook.

use weir_project::Project;

const NOTEBOOK: &str = r#"import weir

app = weir.App()


@app.cell
def _():
    a = 1
    return (a,)


@app.cell
def _(a):
    b = a + 1
    return (b,)


@app.cell
def _(b):
    c = b * 2
    return (c,)


if __name__ == "__main__":
    app.run()
"#;

#[test]
fn edit_matches_fresh_load() {
    let mut project = Project::from_source(NOTEBOOK).unwrap();
    // Cut the chain: the last cell no longer reads `b`.
    project.edit_cell(2, "c = a * 2".to_string());
    let written = project.to_source();
    assert!(
        written.contains("def _(a):\n    c = a * 2\n    return\n"),
        "{written}"
    );
    let fresh = Project::from_source(&written).unwrap();
    assert_eq!(project.graph_report(), fresh.graph_report());
    assert_eq!(project.graph_report().cells[2].parents, vec![0]);
}

#[test]
fn stale_set_follows_the_edit() {
    let mut project = Project::from_source(NOTEBOOK).unwrap();
    let id = project.edit_cell(0, "a = 2".to_string());
    let stale: Vec<usize> = project
        .graph()
        .stale(&[id])
        .into_iter()
        .map(|id| project.index_of(id).unwrap())
        .collect();
    assert_eq!(stale, vec![0, 1, 2]);
}

#[test]
fn deleting_a_cell_removes_its_names() {
    let mut project = Project::from_source(NOTEBOOK).unwrap();
    project.delete_cell(1);
    let report = project.graph_report();
    assert_eq!(report.cells.len(), 2);
    assert!(
        report.cells[1].parents.is_empty(),
        "nothing defines `b` any more"
    );
}

#[test]
fn syntax_error_is_reported_at_its_file_position() {
    let source = NOTEBOOK.replace("    b = a + 1\n", "    b = a +\n");
    let project = Project::from_source(&source).unwrap();
    let diagnostics = project.diagnostics();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let d = &diagnostics[0];
    assert_eq!(d.cell, 1);
    // `    b = a +` is line 14 of the file; the error is at its end.
    assert_eq!(d.line, 14, "{d:?}");
    assert!(d.column > 4, "{d:?}");
    // The rest of the notebook is still analysed.
    assert_eq!(project.graph_report().cells[2].refs, vec!["b".to_string()]);
}

#[test]
fn graph_errors_become_diagnostics() {
    let source = NOTEBOOK.replace(
        "    c = b * 2\n    return (c,)",
        "    c = b * 2\n    a = 3\n    return (a, c)",
    );
    let project = Project::from_source(&source).unwrap();
    let codes: Vec<&str> = project
        .diagnostics()
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert!(codes.contains(&"multiply-defined"), "{codes:?}");
    assert!(codes.contains(&"cycle"), "{codes:?}");
}
