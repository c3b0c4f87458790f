//! Real `weir` processes using one `__weir__/store` at the same moment:
//! first runs racing to create it, overlapping `--refresh` runs, a run
//! beside `weir store gc` and `weir store scrub`. Zero false reports, zero
//! lost results: every process succeeds, none says "not stored", "lost"
//! or reports damage, and a later run restores the result.

#[path = "persist_common.rs"]
mod common;

use common::*;
use std::path::Path;
use std::process::{Child, Command, Stdio};

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(args)
        .env("WEIR_PYTHONPATH", repo().join("python"))
        .env_remove("WEIR_STORE")
        .env_remove("WEIR_STORE_REPLICAS")
        .env("WEIR_STORE_KEY_FILE", test_key_file())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn weir")
}

/// Runs every command at once; asserts each succeeded without a false
/// report; returns their stdout.
fn all_at_once(cmds: &[Vec<String>]) -> Vec<String> {
    let children: Vec<Child> = cmds
        .iter()
        .map(|c| spawn(&c.iter().map(String::as_str).collect::<Vec<_>>()))
        .collect();
    let mut outs = Vec::new();
    for (c, child) in cmds.iter().zip(children) {
        let o = child.wait_with_output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(0), "{c:?}: {out}{err}");
        for bad in [
            "not stored",
            "lost",
            "not a Weir store",
            "another store",
            "warning",
        ] {
            assert!(
                !out.contains(bad) && !err.contains(bad),
                "{c:?} says {bad:?}: {out}{err}"
            );
        }
        outs.push(out);
    }
    outs
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

fn exec_cmd(nb: &Path, extra: &[&str]) -> Vec<String> {
    let mut v = vec!["exec".to_string(), nb.display().to_string()];
    v.extend(["--python".to_string(), python()]);
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

/// A later run restores the stored result and reports nothing wrong.
fn restores(nb: &Path) {
    let (code, out, err) = exec(nb, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("restored, verified"), "{out}{err}");
    assert!(!out.contains("lost") && !err.contains("lost"), "{out}{err}");
}

#[test]
fn first_runs_at_once_make_one_store() {
    let d = dir("conc-first");
    let nb = random_notebook(&d);
    let cmds: Vec<_> = (0..6).map(|_| exec_cmd(&nb, &[])).collect();
    for out in all_at_once(&cmds) {
        assert!(
            out.contains("(stored)") || out.contains("restored"),
            "{out}"
        );
    }
    restores(&nb);
}

#[test]
fn overlapping_refresh_runs_make_no_false_lost_write() {
    let d = dir("conc-refresh");
    let nb = random_notebook(&d);
    assert_eq!(exec(&nb, &[]).0, 0);
    let cmds: Vec<_> = (0..6).map(|_| exec_cmd(&nb, &["--refresh"])).collect();
    all_at_once(&cmds);
    restores(&nb);
    restores(&nb);
}

#[test]
fn runs_beside_gc_and_scrub_are_stored_and_scrub_sees_no_damage() {
    let d = dir("conc-gc");
    let nb = random_notebook(&d);
    assert_eq!(exec(&nb, &[]).0, 0);
    let nbs = nb.display().to_string();
    let store = |what: &str| vec!["store".to_string(), what.to_string(), nbs.clone()];
    let cmds = vec![
        exec_cmd(&nb, &["--refresh"]),
        store("gc"),
        store("scrub"),
        exec_cmd(&nb, &["--refresh"]),
        store("gc"),
        store("scrub"),
    ];
    for (c, out) in cmds.iter().zip(all_at_once(&cmds)) {
        if c[1] == "scrub" {
            assert!(
                out.contains("healthy")
                    && out.contains(" 0 failed")
                    && out.contains(" 0 unrepairable"),
                "{out}"
            );
        }
    }
    restores(&nb);
}

/// The interleaving that made later runs report a false lost write: run
/// X stores its first cell (taking a block of generations), run Y opens
/// after that (taking a higher block) and stores both cells, then X stores
/// its second cell. X's cell 1 waits on FIFOs the test controls, so the
/// order is exact, with no timing.
#[test]
fn a_run_storing_after_a_later_run_makes_no_false_lost_write() {
    let d = dir("conc-interleave");
    let nb = notebook(
        &d,
        "",
        &[
            (
                "import random\nx = [random.random() for _ in range(5)]",
                "persist=True",
            ),
            (
                "import os\n_f = os.environ.get(\"WEIR_TEST_FIFO\")\nif _f:\n    open(_f + \".ready\", \"w\").write(\"ready\")\n    open(_f + \".go\").read()\ny = len(x) + random.random()",
                "persist=True",
            ),
        ],
    );
    assert_eq!(exec(&nb, &[]).0, 0);
    let sig = d.join("sig");
    for end in ["ready", "go"] {
        let p = format!("{}.{end}", sig.display());
        assert!(Command::new("mkfifo").arg(&p).status().unwrap().success());
    }
    let x = Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(exec_cmd(&nb, &["--refresh"]))
        .env("WEIR_PYTHONPATH", repo().join("python"))
        .env_remove("WEIR_STORE")
        .env_remove("WEIR_STORE_REPLICAS")
        .env("WEIR_STORE_KEY_FILE", test_key_file())
        .env("WEIR_TEST_FIFO", &sig)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // X ran and stored cell 0 and is now inside cell 1.
    let ready = std::fs::read_to_string(format!("{}.ready", sig.display())).unwrap();
    assert_eq!(ready, "ready");
    // Y: a whole --refresh run while X waits.
    let (code, out, err) = exec(&nb, &["--refresh"]);
    assert_eq!(code, 0, "{out}{err}");
    std::fs::write(format!("{}.go", sig.display()), "go").unwrap();
    let o = x.wait_with_output().unwrap();
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(!out.contains("not stored"), "{out}{err}");
    restores(&nb);
}
