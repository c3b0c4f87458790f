//! `weir store scrub|gc|stats|cache-check|cache-clean`, and where a notebook's store is (shared
//! with `weir exec` and `weir verify`).
//!
//! The store is `--store DIR`, else `$WEIR_STORE`, else `__weir__/store/`
//! beside the notebook; replicas are `--replica DIR` (repeatable), else
//! `$WEIR_STORE_REPLICAS` (colon-separated). Exit status: 0 healthy (or
//! everything found was repaired), 1 problems left, 2 the store cannot be
//! used.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use serde_json::json;
use weir_runtime::launch::{self, StoreLocation};
use weir_store::{Store, StoreConfig};

use crate::cli::{StoreArgs, StoreCommand};

#[path = "store_cache.rs"]
mod cache;

/// The store directory and replicas for a notebook (or none): the rule
/// of `weir_runtime::launch::StoreLocation`, shared with `exec`/`verify`.
fn config(notebook: Option<&Path>, args: &StoreArgs) -> Option<StoreConfig> {
    StoreLocation {
        dir: args.store.clone(),
        replicas: args.replicas.clone(),
        key: None,
    }
    .config(notebook)
}

/// Opens (creating if absent) the store; the error names the directory.
fn open(config: StoreConfig) -> anyhow::Result<Arc<Store>> {
    Ok(launch::open_store(config)?)
}

pub fn run(command: StoreCommand) -> anyhow::Result<ExitCode> {
    let (path, args, json) = match &command {
        StoreCommand::Scrub { path, store, json }
        | StoreCommand::Gc { path, store, json }
        | StoreCommand::Stats { path, store, json } => (path, store, *json),
        StoreCommand::CacheCheck { path, json } => return cache::check(path, *json),
        StoreCommand::CacheClean { path, all, json } => return cache::clean(path, *all, *json),
    };
    let Some(cfg) = config(path.as_deref(), args) else {
        bail!("which store? give a notebook, --store DIR, or set WEIR_STORE");
    };
    let root = cfg.root.clone();
    // Never create a store just to look at it.
    if !root.exists() {
        bail!("store {}: no such directory", root.display());
    }
    let store = open(cfg)?;
    let ctx = || format!("store {}", root.display());
    match command {
        StoreCommand::Scrub { .. } => {
            let r = store.scrub().with_context(ctx)?;
            let c = r.counts;
            if json {
                outln!(
                    "{}",
                    json!({
                        "type": "scrub", "store": root.display().to_string(),
                        "objects": r.objects, "records": r.records,
                        "checked": c.checked, "ok": c.ok, "failed": c.failed,
                        "repaired": c.repaired, "quarantined": c.quarantined,
                        "unrepairable": c.unrepairable, "lost_writes": c.lost_writes,
                        "dangling_records": r.dangling_records,
                        "problems": r.problems, "healthy": r.healthy(),
                    })
                );
            } else {
                outln!(
                    "scrub {}: {} objects, {} records; {} copies checked, {} failed, {} repaired, {} quarantined, {} unrepairable",
                    root.display(),
                    r.objects,
                    r.records,
                    c.checked,
                    c.failed,
                    c.repaired,
                    c.quarantined,
                    c.unrepairable
                );
                for p in &r.problems {
                    outln!("  problem: {p}");
                }
                outln!(
                    "{}",
                    if r.healthy() {
                        "healthy"
                    } else {
                        "NOT healthy: problems remain"
                    }
                );
            }
            Ok(ExitCode::from(if r.healthy() { 0 } else { 1 }))
        }
        StoreCommand::Gc { .. } => {
            let r = store.gc(|_| true).with_context(ctx)?;
            if json {
                outln!(
                    "{}",
                    json!({
                        "type": "gc", "store": root.display().to_string(),
                        "objects_removed": r.objects_removed, "bytes_freed": r.bytes_freed,
                        "skipped": r.skipped,
                    })
                );
            } else if r.skipped {
                outln!(
                    "gc {}: skipped: a record could not be read (run `weir store scrub`); nothing removed",
                    root.display()
                );
            } else {
                outln!(
                    "gc {}: {} objects removed, {} bytes freed",
                    root.display(),
                    r.objects_removed,
                    r.bytes_freed
                );
            }
            Ok(ExitCode::from(if r.skipped { 1 } else { 0 }))
        }
        // Answered above, before any store is opened.
        StoreCommand::CacheCheck { path, json } => cache::check(&path, json),
        StoreCommand::CacheClean { path, all, json } => cache::clean(&path, all, json),
        StoreCommand::Stats { .. } => {
            let s = store.stats().with_context(ctx)?;
            if json {
                outln!(
                    "{}",
                    json!({
                        "type": "stats", "store": root.display().to_string(),
                        "copies": s.copies, "objects": s.objects, "object_bytes": s.object_bytes,
                        "records": s.records, "quarantined_files": s.quarantined_files,
                        "journal_keys": s.journal_keys, "generation": s.generation,
                    })
                );
            } else {
                outln!(
                    "stats {}: {} copies, {} objects ({} bytes), {} records, {} quarantined files",
                    root.display(),
                    s.copies,
                    s.objects,
                    s.object_bytes,
                    s.records,
                    s.quarantined_files
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
