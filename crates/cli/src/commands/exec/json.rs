//! `weir exec --json`: one JSON object per line, per finished or skipped
//! cell, then a summary line. Schema in docs/cli.md; bump
//! `SCHEMA_VERSION` when a field changes meaning.

use std::io::{self, Write};
use std::time::Duration;

use serde::Serialize;
use weir_runtime::kernel::CellView;
use weir_runtime::{CellPersist, MimeBundle, PersistTotals, RunReport, StreamName, WorkerDeath};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct CellLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    index: usize,
    name: &'a str,
    status: &'static str,
    reason: Option<&'a str>,
    reason_kind: Option<&'a str>,
    #[serde(serialize_with = "mime_types_only")]
    outputs: &'a [MimeBundle],
    stdout: String,
    stderr: String,
    error: Option<ErrorJson<'a>>,
    duration_ms: Option<f64>,
    /// Persisted cells only: restored or stored, and every failed check.
    #[serde(skip_serializing_if = "Option::is_none")]
    persist: Option<&'a CellPersist>,
}

#[derive(Serialize)]
struct ErrorJson<'a> {
    #[serde(rename = "type")]
    exc_type: &'a str,
    message: &'a str,
    traceback: &'a str,
}

#[derive(Serialize)]
struct SummaryLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    schema_version: u32,
    path: String,
    cells: usize,
    ok: usize,
    error: usize,
    stopped: usize,
    interrupted: usize,
    not_run: usize,
    disabled: usize,
    elapsed_ms: f64,
    worker_died: Option<&'a WorkerDeath>,
    exit_status: u8,
    /// When a store was used: restored / stored / not needed, and
    /// `checks_failed` / `repaired` (never silent).
    #[serde(skip_serializing_if = "Option::is_none")]
    persist: Option<&'a PersistTotals>,
}

/// The outputs' MIME types, without the editor's integrity `hash` a
/// persisted result written by `weir edit` carries: the schema's outputs
/// map MIME types to data and nothing else.
fn mime_types_only<S: serde::Serializer>(
    outputs: &&[MimeBundle],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = serializer.serialize_seq(Some(outputs.len()))?;
    for bundle in outputs.iter() {
        let types: std::collections::BTreeMap<&String, &serde_json::Value> = bundle
            .iter()
            .filter(|(k, _)| k.as_str() != "hash")
            .collect();
        seq.serialize_element(&types)?;
    }
    seq.end()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One cell's line, as the kernel's events left the cell (at notebook
/// position `index`).
pub fn cell(index: usize, cell: &CellView) -> io::Result<()> {
    let line = CellLine {
        kind: "cell",
        index,
        name: &cell.meta.name,
        status: cell.status.as_str(),
        reason: cell.reason.as_deref(),
        reason_kind: cell.reason_kind.as_deref(),
        outputs: &cell.outputs,
        stdout: text(cell, StreamName::Stdout),
        stderr: text(cell, StreamName::Stderr),
        error: cell.error.as_ref().map(|e| ErrorJson {
            exc_type: &e.exc_type,
            message: &e.message,
            traceback: &e.traceback,
        }),
        duration_ms: cell.duration.map(ms),
        persist: cell.persist.as_ref(),
    };
    print_line(&line)
}

/// Everything the cell wrote to one stream, in order.
fn text(cell: &CellView, stream: StreamName) -> String {
    cell.console
        .iter()
        .filter(|chunk| chunk.stream == stream)
        .map(|chunk| chunk.text.as_str())
        .collect()
}

/// The closing line.
pub fn summary(path: &std::path::Path, report: &RunReport, exit_status: u8) -> io::Result<()> {
    let s = report.summary();
    print_line(&SummaryLine {
        kind: "summary",
        schema_version: SCHEMA_VERSION,
        path: path.display().to_string(),
        cells: s.cells,
        ok: s.ok,
        error: s.error,
        stopped: s.stopped,
        interrupted: s.interrupted,
        not_run: s.not_run,
        disabled: s.disabled,
        elapsed_ms: ms(report.elapsed),
        worker_died: report.worker_died.as_ref(),
        exit_status,
        persist: report.persist.as_ref(),
    })
}

fn print_line(value: &impl Serialize) -> io::Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    out.write_all(b"\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outputs_integrity_hash_is_not_part_of_the_schema() {
        let mut bundle = MimeBundle::new();
        bundle.insert("text/plain".into(), "1".into());
        bundle.insert("hash".into(), "ab".repeat(32).into());
        #[derive(Serialize)]
        struct Outputs<'a> {
            #[serde(serialize_with = "mime_types_only")]
            outputs: &'a [MimeBundle],
        }
        let text = serde_json::to_string(&Outputs {
            outputs: std::slice::from_ref(&bundle),
        })
        .unwrap();
        assert_eq!(text, r#"{"outputs":[{"text/plain":"1"}]}"#);
    }
}
