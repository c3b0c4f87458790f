//! The scheduler's run report, as the page renders it: maps `RunReport`
//! (weir-runtime) to `ExportDocument` (weir-export), so the export crate
//! stays free of the runtime.

use std::path::Path;

use weir_export::{ExportCell, ExportDocument, ExportError};
use weir_project::Project;
use weir_runtime::{CellRun, RunReport, RunStatus, StreamName};

pub fn build(path: &Path, project: &Project, report: &RunReport, when: String) -> ExportDocument {
    let cells = project
        .cells()
        .iter()
        .enumerate()
        .map(|(index, cell)| {
            let mut out = ExportCell {
                name: project.display_name(index),
                code: cell.code.clone(),
                hide_code: cell.options.hide_code,
                status: "not-run".to_string(),
                ..Default::default()
            };
            if let Some(run) = report.cells.get(index) {
                fill(&mut out, run);
            }
            out
        })
        .collect();
    ExportDocument {
        title: title(project, path),
        generated_at: Some(when),
        source: Some(path.display().to_string()),
        cells,
    }
}

fn fill(out: &mut ExportCell, run: &CellRun) {
    out.status = match run.status {
        RunStatus::Ok => "ok",
        RunStatus::Error => "error",
        RunStatus::Stopped => "stopped",
        RunStatus::Interrupted => "interrupted",
        RunStatus::Disabled => "disabled",
        // A finished run_all leaves nothing idle, queued or running; if one
        // did, it did not run.
        RunStatus::NotRun | RunStatus::Idle | RunStatus::Queued | RunStatus::Running => "not-run",
    }
    .to_string();
    out.reason = run.reason.as_ref().map(ToString::to_string);
    out.outputs = run.outputs.clone();
    out.console = run
        .console
        .iter()
        .map(|chunk| {
            let stream = match chunk.stream {
                StreamName::Stdout => "stdout",
                StreamName::Stderr => "stderr",
            };
            (stream.to_string(), chunk.text.clone())
        })
        .collect();
    out.error = run.error.as_ref().map(|e| ExportError {
        exc_type: e.exc_type.clone(),
        message: e.message.clone(),
        traceback: e.traceback.clone(),
    });
}

/// `App(app_title="...")` when it is a plain string literal, else the
/// file's name.
fn title(project: &Project, path: &Path) -> String {
    project
        .notebook()
        .app_options
        .iter()
        .find(|o| o.name == "app_title")
        .and_then(|o| string_literal(&o.value))
        .unwrap_or_else(|| {
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string())
        })
}

/// The value of a simple Python string literal (`"..."` or `'...'`, no
/// prefix); escapes other than `\\`, `\"`, `\'` and `\n` make it `None`,
/// and the caller falls back to the file name.
fn string_literal(source: &str) -> Option<String> {
    let s = source.trim();
    let quote = s.chars().next().filter(|q| *q == '"' || *q == '\'')?;
    let inner = s.strip_prefix(quote)?.strip_suffix(quote)?;
    if inner.starts_with(quote) {
        return None; // triple-quoted or empty-then-junk: keep it simple
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                c @ ('\\' | '"' | '\'') => out.push(c),
                _ => return None,
            },
            c if c == quote => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// The date the page's header shows, RFC 3339 UTC: `SOURCE_DATE_EPOCH`
/// when set (the reproducible-builds convention, so an export can be
/// reproduced byte for byte), else now.
pub fn generated_at() -> String {
    let at = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(|secs| std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
        .unwrap_or_else(std::time::SystemTime::now)
        .max(std::time::UNIX_EPOCH);
    rfc3339(at)
}

fn rfc3339(at: std::time::SystemTime) -> String {
    humantime::format_rfc3339_seconds(at).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let at = |secs| std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
        assert_eq!(rfc3339(at(0)), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(at(951_782_400)), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(at(1_767_323_045)), "2026-01-02T03:04:05Z");
    }

    #[test]
    fn titles() {
        assert_eq!(string_literal("\"Intro\""), Some("Intro".into()));
        assert_eq!(string_literal("'it\\'s'"), Some("it's".into()));
        assert_eq!(string_literal("f\"x{y}\""), None);
        assert_eq!(string_literal("\"\"\"doc\"\"\""), None);
        assert_eq!(string_literal("\"a\" + \"b\""), None);
        assert_eq!(string_literal("\"\\u1234\""), None);
    }
}
