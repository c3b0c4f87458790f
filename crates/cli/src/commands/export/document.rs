//! The kernel's cells after a run, as the page renders them: maps
//! `CellView`s (weir-runtime) to an `ExportDocument` (weir-export), so the
//! export crate stays free of the runtime.

use std::path::Path;

use weir_export::{ExportCell, ExportDocument, ExportError};
use weir_project::Project;
use weir_runtime::kernel::{CellView, KernelSnapshot};
use weir_runtime::{RunStatus, StreamName};

/// The page for the kernel's state after the run: every cell in notebook
/// order, as a client sees it (text a finished cell's threads wrote during
/// later cells included).
pub fn build(path: &Path, title: String, state: &KernelSnapshot, when: String) -> ExportDocument {
    let cells = state.cells.iter().map(cell).collect();
    ExportDocument {
        title,
        generated_at: Some(when),
        source: Some(path.display().to_string()),
        cells,
    }
}

fn cell(view: &CellView) -> ExportCell {
    ExportCell {
        name: view.meta.name.clone(),
        code: view.meta.code.clone(),
        hide_code: view.meta.hide_code,
        status: match view.status {
            RunStatus::Ok => "ok",
            RunStatus::Error => "error",
            RunStatus::Stopped => "stopped",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Disabled => "disabled",
            // A finished run of every cell leaves nothing idle, queued or
            // running; if one did, it did not run.
            RunStatus::NotRun | RunStatus::Idle | RunStatus::Queued | RunStatus::Running => {
                "not-run"
            }
        }
        .to_string(),
        reason: view.reason.clone(),
        outputs: view.outputs.clone(),
        console: view
            .console
            .iter()
            .map(|chunk| {
                let stream = match chunk.stream {
                    StreamName::Stdout => "stdout",
                    StreamName::Stderr => "stderr",
                };
                (stream.to_string(), chunk.text.clone())
            })
            .collect(),
        error: view.error.as_ref().map(|e| ExportError {
            exc_type: e.exc_type.clone(),
            message: e.message.clone(),
            traceback: e.traceback.clone(),
        }),
    }
}

/// `App(app_title="...")` when it is a plain string literal, else the
/// file's name.
pub fn title(project: &Project, path: &Path) -> String {
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
