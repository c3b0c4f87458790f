//! A project's cells are judged by one Python version, which the caller
//! can change after loading (the CLI learns it from the interpreter).

use weir_analysis::{DEFAULT_PYTHON_VERSION, PythonVersion};
use weir_project::{DiagnosticCode, Project};

fn notebook(cells: &[&str]) -> String {
    let mut src = String::from("import marimo\n\napp = marimo.App()\n\n");
    for code in cells {
        src.push_str("\n@app.cell\ndef _():\n");
        for line in code.lines() {
            src.push_str(&format!("    {line}\n"));
        }
        src.push_str("    return\n\n");
    }
    src.push_str("\nif __name__ == \"__main__\":\n    app.run()\n");
    src
}

#[test]
fn changing_the_version_reanalyses_and_updates_the_graph() {
    let mut project = Project::from_source(&notebook(&["type Alias = int", "y = Alias"])).unwrap();
    assert_eq!(project.python_version(), DEFAULT_PYTHON_VERSION);
    assert!(
        project.diagnostics().is_empty(),
        "{:?}",
        project.diagnostics()
    );
    assert!(project.depends_on_python_version());
    let reader = project.cell_id(1);
    assert_eq!(project.graph().parents(reader).len(), 1);

    project.set_python_version(PythonVersion::PY311);
    let diagnostics = project.diagnostics();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0].code, DiagnosticCode::SyntaxError);
    assert!(
        diagnostics[0].message.contains("Python 3.11"),
        "{diagnostics:?}"
    );
    assert!(project.analysis(0).defs.is_empty());
    // The cell that failed defines nothing, so its reader has no parent.
    assert!(project.graph().parents(reader).is_empty());
    // Edits are judged by the same version.
    project.edit_cell(1, "match y:\n    case _:\n        pass".to_string());
    assert!(project.analysis(1).error.is_none());
    project.set_python_version(PythonVersion::PY39);
    assert!(project.analysis(1).error.is_some());

    project.set_python_version(PythonVersion::PY312);
    assert!(project.diagnostics().is_empty());
}

#[test]
fn plain_cells_do_not_depend_on_the_version() {
    let project = Project::from_source(&notebook(&["x = 1", "y = x + 1"])).unwrap();
    assert!(!project.depends_on_python_version());
}
