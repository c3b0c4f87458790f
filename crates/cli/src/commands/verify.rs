//! `weir verify nb.py`: a reproducibility audit. Re-run the notebook in a
//! fresh worker, restoring nothing and storing nothing, and compare each
//! persisted cell's freshly computed values (canonical value hashes, see
//! python/weir/_valuehash.py) with its stored entry:
//!
//! - `identical`: every name hashes as stored;
//! - `differs`: some names do not (named): non-determinism or a changed
//!   environment the lineage key does not see;
//! - `missing`: no stored entry under the cell's key;
//! - `corrupt`: the stored entry fails verification (the store quarantines
//!   the bad file);
//! - `not_run`: the cell did not end `ok` now, so there is nothing to compare.
//!
//! Exit status: 0 nothing differs and nothing is corrupt, 1 otherwise, 2
//! the notebook, the worker or the store cannot be used.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;
use weir_runtime::RunStatus;
use weir_runtime::launch::{PersistRequest, StoreLocation};
use weir_runtime::persist::entry;
use weir_runtime::persist::is_persisted;

use crate::cli::StoreArgs;

#[derive(Serialize)]
struct CellVerdict {
    #[serde(rename = "type")]
    kind: &'static str,
    index: usize,
    name: String,
    /// identical | differs | missing | corrupt | not_run
    verdict: &'static str,
    /// For `differs`: the names whose values differ (or exist on one side only).
    differing: Vec<String>,
    key: Option<String>,
    detail: Option<String>,
}

pub fn run(
    path: &Path,
    python: Option<PathBuf>,
    json: bool,
    args: &StoreArgs,
) -> anyhow::Result<ExitCode> {
    let request = PersistRequest::Verify {
        store: StoreLocation {
            dir: args.store.clone(),
            replicas: args.replicas.clone(),
            key: None,
        },
    };
    let launched = super::launch::start(path, python, request)?;
    let project = launched.session.project();
    let persisted: Vec<usize> = (0..project.cells().len())
        .filter(|&i| is_persisted(project, i))
        .collect();
    // Computed before the kernel owns the session: the code cannot change
    // during a batch run.
    let keys = launched.session.lineage_keys();
    let open = launched
        .store
        .as_ref()
        .context("verify starts with a store")?;
    let (root, store) = (open.root.clone(), open.store.clone());
    let kernel = super::launch::kernel(launched);
    let ran = super::launch::run_all(&kernel, |_, _| {});
    kernel.shutdown();
    let (report, _) = ran.with_context(|| format!("{}: running the notebook", path.display()))?;

    let mut verdicts = Vec::new();
    for &index in &persisted {
        let run = &report.cells[index];
        let key = keys.get(index).copied().flatten();
        let mut v = CellVerdict {
            kind: "cell",
            index,
            name: run.name.clone(),
            verdict: "missing",
            differing: Vec::new(),
            key: key.map(|k| k.to_hex()),
            detail: None,
        };
        let Some(key) = key else {
            v.detail = Some("the cell has no lineage key, so nothing is stored for it".into());
            verdicts.push(v);
            continue;
        };
        // Every byte of the entry, not just its record: each object is read
        // and verified once, as bytes (nothing is mapped here).
        let stored = entry::load(&store, &key, u64::MAX).map(|found| found.map(|(meta, _)| meta));
        match stored {
            Err(e) => {
                v.verdict = "corrupt";
                v.detail = Some(e.to_string());
            }
            Ok(None) => v.detail = Some("no stored entry for this cell's lineage key".into()),
            Ok(Some(_)) if run.status != RunStatus::Ok => {
                v.verdict = "not_run";
                v.detail = Some(match (&run.reason, &run.error) {
                    (Some(r), _) => r.to_string(),
                    (_, Some(e)) => format!("{}: {}", e.exc_type, e.message),
                    _ => run.status.to_string(),
                });
            }
            Ok(Some(meta)) => {
                let fresh: BTreeMap<&str, &str> = run
                    .persist
                    .as_ref()
                    .map(|p| {
                        p.values
                            .iter()
                            .map(|h| (h.name.as_str(), h.hash.as_str()))
                            .collect()
                    })
                    .unwrap_or_default();
                let old: BTreeMap<&str, &str> = meta
                    .values
                    .iter()
                    .map(|h| (h.name.as_str(), h.hash.as_str()))
                    .collect();
                let mut names: Vec<&str> = fresh.keys().chain(old.keys()).copied().collect();
                names.sort();
                names.dedup();
                v.differing = names
                    .into_iter()
                    .filter(|n| fresh.get(n) != old.get(n))
                    .map(str::to_owned)
                    .collect();
                let whole = entry::result_hash(fresh.iter().map(|(n, h)| (*n, *h)));
                v.verdict = if v.differing.is_empty() && whole == meta.result_hash {
                    "identical"
                } else {
                    "differs"
                };
            }
        }
        verdicts.push(v);
    }

    let count = |w: &str| verdicts.iter().filter(|v| v.verdict == w).count();
    let bad = count("differs") + count("corrupt");
    let status: u8 = if bad > 0 { 1 } else { 0 };
    if json {
        for v in &verdicts {
            outln!("{}", serde_json::to_string(v)?);
        }
        outln!(
            "{}",
            serde_json::json!({
                "type": "summary",
                "path": path.display().to_string(),
                "store": root.display().to_string(),
                "cells": verdicts.len(),
                "identical": count("identical"),
                "differs": count("differs"),
                "missing": count("missing"),
                "corrupt": count("corrupt"),
                "not_run": count("not_run"),
                "exit_status": status,
            })
        );
    } else {
        for v in &verdicts {
            let mut line = format!("cell {} `{}`: {}", v.index, v.name, v.verdict);
            if !v.differing.is_empty() {
                let names: Vec<String> = v.differing.iter().map(|n| format!("`{n}`")).collect();
                line.push_str(&format!(" ({})", names.join(", ")));
            }
            if let Some(d) = &v.detail
                && v.verdict != "identical"
            {
                line.push_str(&format!(": {d}"));
            }
            outln!("{line}");
        }
        outln!(
            "verify: {} persisted cells: {} identical, {} differ, {} missing, {} corrupt, {} not run",
            verdicts.len(),
            count("identical"),
            count("differs"),
            count("missing"),
            count("corrupt"),
            count("not_run")
        );
    }
    Ok(ExitCode::from(status))
}
