//! Cell results as terminal text: MIME bundles, durations, sizes, headers.

use std::time::Duration;

use weir_runtime::kernel::CellView;
use weir_runtime::{MimeBundle, PersistAction, RunStatus, RunSummary};

/// What a terminal shows for one output. Markdown is its source text;
/// images and HTML without a plain-text form become a one-line note with
/// their size.
pub fn bundle_text(bundle: &MimeBundle) -> String {
    let text = |mime: &str| bundle.get(mime).and_then(|v| v.as_str());
    if let Some(md) = text("text/markdown") {
        return md.to_owned();
    }
    for (mime, data) in bundle {
        if mime.starts_with("image/") {
            let len = data.as_str().map_or(0, str::len);
            // Binary images travel as base64: 4 characters per 3 bytes.
            let bytes = if mime == "image/svg+xml" {
                len
            } else {
                len / 4 * 3
            };
            return format!("[{mime}, {}]", size(bytes));
        }
    }
    if let Some(plain) = text("text/plain") {
        return plain.to_owned();
    }
    if let Some(html) = text("text/html") {
        return format!("[html output, {}]", size(html.len()));
    }
    if let Some(json) = bundle.get("application/json") {
        return json.to_string();
    }
    match bundle.iter().next() {
        Some((mime, data)) => {
            let len = data
                .as_str()
                .map_or_else(|| data.to_string().len(), str::len);
            format!("[{mime} output, {}]", size(len))
        }
        None => String::new(),
    }
}

/// `512 B`, `1.2 KB`, `14 KB`, `3.4 MB` (1 KB = 1024 bytes).
pub fn size(bytes: usize) -> String {
    const K: f64 = 1024.0;
    let b = bytes as f64;
    if b < K {
        format!("{bytes} B")
    } else if b < K * K {
        scaled(b / K, "KB")
    } else {
        scaled(b / (K * K), "MB")
    }
}

fn scaled(v: f64, unit: &str) -> String {
    if v < 10.0 {
        format!("{v:.1} {unit}")
    } else {
        format!("{v:.0} {unit}")
    }
}

/// `<1 ms`, `3 ms`, `1.2 s`, `2 min 5 s`.
pub fn duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 1.0 {
        "<1 ms".to_owned()
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else if ms < 60_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else {
        let s = d.as_secs();
        format!("{} min {} s", s / 60, s % 60)
    }
}

/// "cell 3 `_`".
pub fn label(index: usize, name: &str) -> String {
    format!("cell {index} `{name}`")
}

/// "── cell 3 `_` ─ error ZeroDivisionError", for the cell at notebook
/// position `index`.
pub fn header(index: usize, run: &CellView) -> String {
    let what = match run.status {
        RunStatus::Ok
            if run
                .persist
                .as_ref()
                .is_some_and(|p| p.action == PersistAction::Restored) =>
        {
            let saved = run
                .persist
                .as_ref()
                .and_then(|p| p.saved_at_text.clone())
                .unwrap_or_default();
            format!("ok (restored, verified; saved {saved})")
        }
        RunStatus::Ok | RunStatus::Stopped => {
            let took = run.duration.map(duration).unwrap_or_default();
            let stored = match run.persist.as_ref().map(|p| p.action) {
                Some(PersistAction::Stored) => " (stored)",
                _ => "",
            };
            format!("{} {took}{stored}", run.status)
        }
        RunStatus::Error => match &run.error {
            Some(e) => format!("error {}", e.exc_type),
            None => "error".to_owned(),
        },
        RunStatus::Interrupted => match run.duration {
            Some(d) => format!("interrupted after {}", duration(d)),
            None => "interrupted".to_owned(),
        },
        RunStatus::NotRun => match &run.reason {
            Some(reason) => format!("not run: {reason}"),
            None => "not run".to_owned(),
        },
        RunStatus::Disabled => "disabled".to_owned(),
        other => other.to_string(),
    };
    let mut out = format!("── {} ─ {what}", label(index, &run.meta.name));
    if let Some(p) = &run.persist {
        // A failed check is never silent.
        for problem in &p.problems {
            out.push_str(&format!("\n   integrity: {problem}"));
        }
        if let Some(note) = &p.note {
            out.push_str(&format!("\n   store: {note}"));
        }
    }
    out
}

/// "4 cells: 2 ok, 1 error, 1 not run" (zero counts left out).
pub fn summary(s: &RunSummary) -> String {
    let mut parts = vec![format!("{} ok", s.ok)];
    for (n, what) in [
        (s.error, "error"),
        (s.stopped, "stopped"),
        (s.interrupted, "interrupted"),
        (s.not_run, "not run"),
        (s.disabled, "disabled"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    let noun = if s.cells == 1 { "cell" } else { "cells" };
    format!("{} {noun}: {}", s.cells, parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bundle(pairs: &[(&str, serde_json::Value)]) -> MimeBundle {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn bundles_pick_the_readable_form() {
        let md = bundle(&[
            ("text/markdown", json!("# hi")),
            ("text/plain", json!("<Markdown>")),
        ]);
        assert_eq!(bundle_text(&md), "# hi");
        let df = bundle(&[
            ("text/html", json!("<table></table>")),
            ("text/plain", json!("   a\n0  1")),
        ]);
        assert_eq!(bundle_text(&df), "   a\n0  1");
        let html = bundle(&[("text/html", json!("x".repeat(1229)))]);
        assert_eq!(bundle_text(&html), "[html output, 1.2 KB]");
        let png = bundle(&[
            ("image/png", json!("A".repeat(14 * 1024 / 3 * 4))),
            ("text/plain", json!("<Figure>")),
        ]);
        assert_eq!(bundle_text(&png), "[image/png, 14 KB]");
    }

    #[test]
    fn durations_and_sizes() {
        assert_eq!(duration(Duration::from_micros(300)), "<1 ms");
        assert_eq!(duration(Duration::from_millis(3)), "3 ms");
        assert_eq!(duration(Duration::from_millis(1234)), "1.2 s");
        assert_eq!(duration(Duration::from_secs(125)), "2 min 5 s");
        assert_eq!(size(512), "512 B");
        assert_eq!(size(3 * 1024 * 1024 + 400_000), "3.4 MB");
    }

    #[test]
    fn summary_leaves_out_zero_counts() {
        let s = RunSummary {
            cells: 4,
            ok: 2,
            error: 1,
            not_run: 1,
            ..RunSummary::default()
        };
        assert_eq!(summary(&s), "4 cells: 2 ok, 1 error, 1 not run");
    }
}
