//! `weir store cache-check|cache-clean PATH`: the `mo.persistent_cache`
//! entries beside a notebook (`__weir__/cache/`, docs/persistence.md).
//! Exit status: 0 every entry good (or the bad ones removed), 1 bad
//! entries remain, 2 the directory or the store key cannot be used.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::json;
use weir_runtime::pcache;
use weir_store::StoreKey;

fn key() -> anyhow::Result<StoreKey> {
    StoreKey::for_user().context("the store key (entries are authenticated under it)")
}

pub fn check(notebook: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let dir = pcache::cache_dir(notebook);
    let report = pcache::check(&dir, &key()?)?;
    if json {
        let bad: Vec<_> = report
            .bad
            .iter()
            .map(|b| json!({"path": b.path.display().to_string(), "reason": b.reason}))
            .collect();
        outln!(
            "{}",
            json!({
                "type": "cache_check", "cache": dir.display().to_string(),
                "entries": report.entries, "bad": bad,
                "leftovers": report.leftovers.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
                "healthy": report.bad.is_empty(),
            })
        );
    } else {
        outln!(
            "cache {}: {} entries, {} bad",
            dir.display(),
            report.entries,
            report.bad.len()
        );
        for b in &report.bad {
            outln!("  bad: {}: {}", b.path.display(), b.reason);
        }
        for p in &report.leftovers {
            outln!("  leftover: {} (an interrupted write)", p.display());
        }
        outln!(
            "{}",
            if report.bad.is_empty() {
                "healthy"
            } else {
                "NOT healthy: bad entries remain (`weir store cache-clean` removes them)"
            }
        );
    }
    Ok(ExitCode::from(if report.bad.is_empty() { 0 } else { 1 }))
}

pub fn clean(notebook: &Path, all: bool, json: bool) -> anyhow::Result<ExitCode> {
    let dir = pcache::cache_dir(notebook);
    let targets = if all {
        pcache::all_files(&dir)?
    } else {
        let report = pcache::check(&dir, &key()?)?;
        let mut t: Vec<_> = report.bad.into_iter().map(|b| b.path).collect();
        t.extend(report.leftovers);
        t
    };
    let removed = pcache::remove(&targets)?;
    if json {
        outln!(
            "{}",
            json!({
                "type": "cache_clean", "cache": dir.display().to_string(), "all": all,
                "removed": targets.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            })
        );
    } else {
        outln!(
            "cache {}: {} {} removed",
            dir.display(),
            removed,
            if all {
                "files"
            } else {
                "bad entries and leftovers"
            }
        );
        for p in &targets {
            outln!("  removed: {}", p.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
