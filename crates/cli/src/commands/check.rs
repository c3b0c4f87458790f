use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;
use weir_project::{Diagnostic, PythonVersion, Severity};

use crate::cli::TextOrJson;

/// `weir check --format json` prints this object (schema in docs/cli.md).
#[derive(Serialize)]
struct CheckReport<'a> {
    schema_version: u32,
    path: String,
    cells: usize,
    /// The Python version whose syntax the cells were judged by.
    python_version: String,
    errors: usize,
    warnings: usize,
    diagnostics: &'a [Diagnostic],
}

/// Whose syntax the cells are judged by.
pub enum Judge {
    /// `--python-version`.
    Version(PythonVersion),
    /// The interpreter `weir exec` would run (`--python`, else resolved as
    /// for `exec`).
    Interpreter(Option<PathBuf>),
}

pub fn run(path: &Path, format: TextOrJson, judge: Judge) -> anyhow::Result<ExitCode> {
    let mut project = super::load(path)?;
    match judge {
        Judge::Version(version) => project.set_python_version(version),
        // Asking costs a process start: only when some cell's verdict
        // depends on the answer.
        Judge::Interpreter(python) if project.depends_on_python_version() => {
            let python = weir_runtime::resolve_python(python.as_deref());
            match super::interpreter::version_of(&python) {
                Some(version) => project.set_python_version(version),
                None => eprintln!(
                    "weir: warning: cannot ask {} its version; judging syntax as Python {} \
                     (pass --python or --python-version)",
                    python.display(),
                    project.python_version()
                ),
            }
        }
        Judge::Interpreter(_) => {}
    }
    let diagnostics = project.diagnostics();
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    match format {
        TextOrJson::Json => {
            let report = CheckReport {
                schema_version: 1,
                path: path.display().to_string(),
                cells: project.cells().len(),
                python_version: project.python_version().to_string(),
                errors,
                warnings,
                diagnostics: &diagnostics,
            };
            outln!("{}", serde_json::to_string_pretty(&report)?);
        }
        TextOrJson::Text => {
            for d in &diagnostics {
                let severity = match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                outln!(
                    "{}:{}:{}: {severity}[{}] in {}: {}",
                    path.display(),
                    d.line,
                    d.column,
                    d.code.as_str(),
                    project.cell_label(d.cell),
                    d.message
                );
            }
            let cells = project.cells().len();
            if diagnostics.is_empty() {
                outln!("{}: {cells} cells, no problems", path.display());
            } else {
                outln!(
                    "{}: {cells} cells, {errors} errors, {warnings} warnings",
                    path.display()
                );
            }
        }
    }
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
