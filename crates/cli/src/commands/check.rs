use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;
use weir_project::{Diagnostic, Severity};

use crate::cli::TextOrJson;

/// `weir check --format json` prints this object (schema in docs/cli.md).
#[derive(Serialize)]
struct CheckReport<'a> {
    schema_version: u32,
    path: String,
    cells: usize,
    errors: usize,
    warnings: usize,
    diagnostics: &'a [Diagnostic],
}

pub fn run(path: &Path, format: TextOrJson) -> anyhow::Result<ExitCode> {
    let project = super::load(path)?;
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
