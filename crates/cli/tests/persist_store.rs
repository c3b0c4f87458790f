//! `weir store scrub|gc|stats` on real stores: a corrupted object with and
//! without a replica, garbage left by a refresh.

#[path = "persist_common.rs"]
mod common;

use common::*;
use std::path::Path;

fn store_cmd(args: &[&str]) -> (i32, String, String) {
    let out = weir(args, &[]);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn random_notebook(dir: &Path) -> std::path::PathBuf {
    notebook(
        dir,
        "",
        &[(
            "import random\nx = [random.random() for _ in range(50)]",
            "persist=True",
        )],
    )
}

#[test]
fn scrub_repairs_a_corrupted_object_from_a_replica() {
    let d = dir("scrub-replica");
    let nb = random_notebook(&d);
    let replica = d.join("replica");
    let r = replica.to_str().unwrap();
    assert_eq!(exec(&nb, &["--replica", r]).0, 0);
    let primary = d.join("__weir__/store");
    assert_eq!(objects(&primary).len(), objects(&replica).len());
    let victim = objects(&primary).pop().unwrap();
    let good = std::fs::read(replica.join("objects").join(victim.file_name().unwrap())).unwrap();
    flip(&victim);

    let nbs = nb.to_str().unwrap();
    let (code, out, err) = store_cmd(&["store", "scrub", nbs, "--replica", r]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("1 failed, 1 repaired, 1 quarantined, 0 unrepairable"),
        "{out}"
    );
    assert!(out.contains("healthy"), "{out}");
    assert_eq!(
        std::fs::read(&victim).unwrap(),
        good,
        "rewritten from the replica"
    );

    let (code, out, _) = store_cmd(&["store", "scrub", nbs, "--replica", r, "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["failed"], 0, "{v}");
    assert_eq!(v["healthy"], true);

    // A warm run restores through the repaired store.
    let (_, out, _) = exec(&nb, &["--replica", r]);
    assert!(out.contains("restored, verified"), "{out}");
}

#[test]
fn scrub_without_a_replica_quarantines_and_reports_and_exec_recovers() {
    let d = dir("scrub-alone");
    let nb = random_notebook(&d);
    assert_eq!(exec(&nb, &[]).0, 0);
    let store = d.join("__weir__/store");
    let victim = objects(&store).pop().unwrap();
    flip(&victim);
    let s = store.to_str().unwrap();
    let (code, out, err) = store_cmd(&["store", "scrub", "--store", s]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("1 unrepairable"), "{out}");
    assert!(out.contains("NOT healthy"), "{out}");
    assert!(!victim.exists(), "quarantined, never served");
    assert_eq!(
        std::fs::read_dir(store.join("quarantine")).unwrap().count(),
        1
    );

    // exec reports the damaged entry and recomputes it.
    let (code, out, _) = exec(&nb, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("recomputed from its lineage"), "{out}");
    assert!(out.contains("(stored)"), "{out}");
}

#[test]
fn gc_drops_what_no_record_reaches_and_stats_counts() {
    let d = dir("gc");
    let nb = random_notebook(&d);
    assert_eq!(exec(&nb, &[]).0, 0);
    let store = d.join("__weir__/store");
    let before = objects(&store).len();
    // A refresh stores new random values under the same key: the old
    // value's objects are now unreachable.
    assert_eq!(exec(&nb, &["--refresh"]).0, 0);
    assert!(objects(&store).len() > before);

    let nbs = nb.to_str().unwrap();
    let (code, out, err) = store_cmd(&["store", "gc", nbs]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 objects removed"), "{out}");
    assert_eq!(objects(&store).len(), before);

    let (code, out, _) = store_cmd(&["store", "stats", nbs, "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["records"], 1, "{v}");
    assert_eq!(v["objects"], before as u64, "{v}");
    let (_, out, _) = store_cmd(&["store", "stats", nbs]);
    assert!(out.contains("1 records"), "{out}");

    // Still restorable after gc.
    let (_, out, _) = exec(&nb, &[]);
    assert!(out.contains("restored, verified"), "{out}");

    // Looking at a store never creates one.
    let (code, _, err) = store_cmd(&[
        "store",
        "stats",
        "--store",
        d.join("nope").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("no such directory"), "{err}");
}
