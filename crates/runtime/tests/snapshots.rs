//! Last outputs on open: a kernel snapshots each finished cell in the
//! verified store, and a fresh kernel for the same file shows them (with
//! when they were produced) until the cells run again. Damaged and forged
//! snapshots are never shown, and say so. Real workers, real files.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use weir_project::Project;
use weir_runtime::kernel::{self, Command, KernelConfig, KernelHandle, KernelSnapshot};
use weir_runtime::launch::{NotebookLaunch, PersistRequest, StoreLocation};
use weir_runtime::snapshots::{SNAPSHOT_KIND, SnapshotKey, Snapshots};
use weir_runtime::{PersistAction, RunStatus, StreamName};
use weir_store::{Record, Store, StoreConfig, StoreKey};

/// A fixed key: tests never touch the user's key file.
fn test_key() -> StoreKey {
    StoreKey::from_bytes([7; 32])
}

/// `nb.py` of named cells (`#persist` as a first line marks one persisted).
fn write_notebook(path: &Path, cells: &[(&str, &str)]) {
    let mut src = String::from("import weir\n\napp = weir.App()\n\n");
    for (name, code) in cells {
        let code = match code.strip_prefix("#persist\n") {
            Some(rest) => {
                src.push_str("@app.cell(persist=True)\n");
                rest
            }
            None => {
                src.push_str("@app.cell\n");
                code
            }
        };
        src.push_str(&format!("def {name}():\n"));
        for line in code.lines() {
            src.push_str(&format!("    {line}\n"));
        }
        src.push_str("    return\n\n\n");
    }
    src.push_str("if __name__ == \"__main__\":\n    app.run()\n");
    std::fs::write(path, src).unwrap();
}

struct Files {
    _dir: tempfile::TempDir,
    nb: PathBuf,
    store: PathBuf,
}

fn files(cells: &[(&str, &str)]) -> Files {
    let dir = tempfile::tempdir().unwrap();
    let nb = dir.path().join("nb.py");
    write_notebook(&nb, cells);
    let store = dir.path().join("store");
    Files {
        _dir: dir,
        nb,
        store,
    }
}

fn location(f: &Files) -> StoreLocation {
    StoreLocation {
        dir: Some(f.store.clone()),
        replicas: Vec::new(),
        key: Some(test_key()),
    }
}

/// A kernel for the file, as the editor starts one.
fn open(f: &Files, persist: bool) -> KernelHandle {
    let mut launch = NotebookLaunch::new(&f.nb)
        .python(Some(common::python()))
        .snapshots(location(f));
    if persist {
        launch = launch.persist(PersistRequest::Exec {
            store: location(f),
            refresh: Vec::new(),
            strict: false,
        });
    }
    let launched = launch.start().expect("the session starts");
    kernel::spawn(
        launched.session,
        KernelConfig {
            snapshots: launched.snapshots,
            ..KernelConfig::default()
        },
    )
}

fn run(kernel: &KernelHandle, command: Command) -> KernelSnapshot {
    kernel.send(command).unwrap();
    kernel.wait_idle().unwrap();
    kernel.snapshot()
}

fn stdout(view: &KernelSnapshot, index: usize) -> String {
    view.cells[index]
        .console
        .iter()
        .filter(|c| c.stream == StreamName::Stdout)
        .map(|c| c.text.as_str())
        .collect()
}

fn plain(view: &KernelSnapshot, index: usize) -> Option<String> {
    let out = view.cells[index].outputs.first()?;
    Some(out.get("text/plain")?.as_str()?.to_owned())
}

fn notebook_console(view: &KernelSnapshot) -> String {
    view.console.iter().map(|c| c.text.as_str()).collect()
}

/// Runs every cell on one kernel, then drops it (its writes are done when
/// `shutdown` returns). Returns the times around the run.
fn first_run(f: &Files) -> (SystemTime, SystemTime, KernelSnapshot) {
    let kernel = open(f, false);
    let before = SystemTime::now();
    let view = run(&kernel, Command::RunAll);
    kernel.shutdown();
    (before, SystemTime::now(), view)
}

const CELLS: &[(&str, &str)] = &[
    ("load", "x = 20\nprint('loaded')"),
    ("double", "x * 2"),
    ("fail", "raise ValueError('no')"),
];

/// The key the snapshot of cell `index` is stored under.
fn key_of(f: &Files, index: usize) -> SnapshotKey {
    let config = StoreConfig {
        key: Some(test_key()),
        ..StoreConfig::new(&f.store)
    };
    Snapshots::lazy(config, &f.nb).keys(&Project::load(&f.nb).unwrap())[index].clone()
}

fn store(f: &Files, key: StoreKey) -> Store {
    Store::open(StoreConfig {
        key: Some(key),
        ..StoreConfig::new(&f.store)
    })
    .unwrap()
}

#[test]
fn a_fresh_kernel_shows_each_cells_last_output_and_when_until_it_runs_again() {
    let f = files(CELLS);
    let (before, after, first) = first_run(&f);
    assert_eq!(plain(&first, 1).as_deref(), Some("40"));

    let kernel = open(&f, false);
    let view = kernel.snapshot();
    assert_eq!(notebook_console(&view), "", "no notice: nothing failed");
    assert_eq!(view.cells[0].status, RunStatus::Ok);
    assert_eq!(stdout(&view, 0), "loaded\n");
    assert_eq!(plain(&view, 1).as_deref(), Some("40"));
    assert_eq!(view.cells[2].status, RunStatus::Error);
    assert_eq!(view.cells[2].error.as_ref().unwrap().exc_type, "ValueError");
    for cell in &view.cells {
        let at = cell.restored_at.as_deref().expect("marked restored");
        let at = humantime::parse_rfc3339(at).expect("RFC 3339");
        // Whole seconds: the time it was produced, within the first run.
        assert!(
            at + Duration::from_secs(1) >= before && at <= after,
            "{at:?}"
        );
    }

    // Running a cell (and so its descendant) clears the mark; the cell
    // outside the run keeps it.
    let view = run(
        &kernel,
        Command::Run(vec![weir_graph::CellId(view.cells[0].meta.id)]),
    );
    assert_eq!(view.cells[0].restored_at, None);
    assert_eq!(view.cells[1].restored_at, None);
    assert_eq!(plain(&view, 1).as_deref(), Some("40"));
    assert!(view.cells[2].restored_at.is_some());
    kernel.shutdown();
}

#[test]
fn a_cell_whose_code_changed_shows_nothing_restored() {
    let f = files(CELLS);
    first_run(&f);
    let mut edited = CELLS.to_vec();
    edited[1] = ("double", "x * 3");
    write_notebook(&f.nb, &edited);

    let kernel = open(&f, false);
    let view = kernel.snapshot();
    assert_eq!(view.cells[1].status, RunStatus::Idle);
    assert!(view.cells[1].outputs.is_empty());
    assert_eq!(view.cells[1].restored_at, None);
    assert!(view.cells[0].restored_at.is_some() && view.cells[2].restored_at.is_some());
    assert_eq!(notebook_console(&view), "");
    kernel.shutdown();
}

/// Snapshots follow the notebook: a cell edited and run again keeps one
/// snapshot (its new code's), and a deleted cell's goes at the next run,
/// so a store does not grow with every edit.
#[test]
fn an_edited_or_deleted_cell_leaves_no_snapshot_behind() {
    let f = files(CELLS);
    let before: Vec<SnapshotKey> = (0..3).map(|i| key_of(&f, i)).collect();
    let kernel = open(&f, false);
    let view = run(&kernel, Command::RunAll);
    let id = |i: usize| weir_graph::CellId(view.cells[i].meta.id);
    let change = |change: weir_project::Change| {
        kernel
            .send(Command::Change {
                change,
                reply: None,
            })
            .unwrap();
        run(&kernel, Command::RunAll);
    };
    change(weir_project::Change::SetCode {
        cell: id(1),
        code: "x * 3".into(),
    });
    change(weir_project::Change::Delete { cell: id(2) });
    kernel.shutdown();

    write_notebook(&f.nb, &[CELLS[0], ("double", "x * 3")]);
    let edited = key_of(&f, 1);
    let store = store(&f, test_key());
    let held = |key: &SnapshotKey| store.get_record(&key.record).unwrap().is_some();
    assert!(held(&before[0]), "an unchanged cell keeps its snapshot");
    assert!(held(&edited), "the edited cell's new snapshot");
    assert!(!held(&before[1]), "the edited cell's old snapshot is gone");
    assert!(!held(&before[2]), "the deleted cell's snapshot is gone");

    // And a fresh kernel shows the edited cell's new output.
    let kernel = open(&f, false);
    assert_eq!(plain(&kernel.snapshot(), 1).as_deref(), Some("60"));
    kernel.shutdown();
}

#[test]
fn a_damaged_snapshot_is_not_shown_and_says_which_cell_and_what_failed() {
    let f = files(CELLS);
    first_run(&f);
    let key = key_of(&f, 1);
    let record = store(&f, test_key())
        .get_record(&key.record)
        .unwrap()
        .expect("cell 1 was snapshotted");
    let object = f.store.join("objects").join(record.objects[0].to_hex());
    let mut bytes = std::fs::read(&object).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&object, bytes).unwrap();

    let kernel = open(&f, false);
    let view = kernel.snapshot();
    assert_eq!(view.cells[1].status, RunStatus::Idle);
    assert!(view.cells[1].outputs.is_empty());
    assert_eq!(view.cells[1].restored_at, None);
    let notice = notebook_console(&view);
    assert!(notice.contains("cell 1 (`double`)"), "{notice}");
    assert!(notice.contains("failed verification"), "{notice}");
    assert!(notice.contains("BLAKE3"), "{notice}");
    assert!(notice.contains("quarantine"), "{notice}");
    eprintln!("{notice}");
    assert!(
        std::fs::read_dir(f.store.join("quarantine"))
            .unwrap()
            .count()
            > 0,
        "the damaged object is quarantined"
    );
    // The others are intact and shown.
    assert!(view.cells[0].restored_at.is_some() && view.cells[2].restored_at.is_some());
    // Running the cell writes a good snapshot again.
    let view = run(&kernel, Command::RunAll);
    assert_eq!(plain(&view, 1).as_deref(), Some("40"));
    kernel.shutdown();
    let view = open(&f, false).snapshot();
    assert!(view.cells[1].restored_at.is_some());
    assert_eq!(notebook_console(&view), "");
}

#[test]
fn a_forged_snapshot_is_refused() {
    let f = files(CELLS);
    first_run(&f);
    let key = key_of(&f, 1);
    // Well-formed, every hash valid, but written under another key.
    let forger = store(&f, StoreKey::from_bytes([9; 32]));
    let doc = forger
        .put_object(br#"{"outputs":[{"text/plain":"forged"}],"console":[],"error":null}"#)
        .unwrap();
    let canonical = f.nb.canonicalize().unwrap();
    let meta = serde_json::json!({
        "v": 1, "kind": SNAPSHOT_KIND, "notebook": canonical.to_string_lossy(),
        "cell": "double", "code_hash": blake3::Hash::from(key.code_hash).to_hex().to_string(),
        "occurrence": 0, "status": "ok", "produced_at_ms": 1, "duration_ms": null,
        "console_dropped": 0,
    });
    forger
        .put_record(
            &key.record,
            &Record {
                objects: vec![doc],
                meta: serde_json::to_vec(&meta).unwrap(),
            },
        )
        .unwrap();
    drop(forger);

    let kernel = open(&f, false);
    let view = kernel.snapshot();
    assert_eq!(view.cells[1].status, RunStatus::Idle);
    assert!(view.cells[1].outputs.is_empty());
    let notice = notebook_console(&view);
    assert!(notice.contains("cell 1 (`double`)"), "{notice}");
    assert!(notice.contains("not authenticated"), "{notice}");
    eprintln!("{notice}");
    assert!(!format!("{:?}", view.cells).contains("\"forged\""));
    kernel.shutdown();
}

#[test]
fn a_restored_persisted_cell_is_marked_and_recompute_runs_it() {
    let f = files(&[("draw", "#persist\nimport random\nv = random.random()\nv")]);
    let kernel = open(&f, true);
    let first = run(&kernel, Command::RunAll);
    assert_eq!(
        first.cells[0].persist.as_ref().map(|p| p.action),
        Some(PersistAction::Stored)
    );
    assert_eq!(first.cells[0].restored_at, None);
    let value = plain(&first, 0).expect("an output");
    kernel.shutdown();

    let kernel = open(&f, true);
    // Shown on open, before anything runs.
    let view = kernel.snapshot();
    assert!(view.cells[0].restored_at.is_some());
    assert_eq!(plain(&view, 0).as_ref(), Some(&value));
    let id = weir_graph::CellId(view.cells[0].meta.id);
    // A run restores it from the store: marked restored.
    let view = run(&kernel, Command::Run(vec![id]));
    assert_eq!(
        view.cells[0].persist.as_ref().map(|p| p.action),
        Some(PersistAction::Restored)
    );
    assert!(view.cells[0].restored_at.is_some());
    assert_eq!(plain(&view, 0).as_ref(), Some(&value));
    // Recompute runs it instead, and stores the new result.
    let view = run(&kernel, Command::Recompute(vec![id]));
    assert_eq!(
        view.cells[0].persist.as_ref().map(|p| p.action),
        Some(PersistAction::Stored)
    );
    assert_eq!(view.cells[0].restored_at, None);
    let recomputed = plain(&view, 0).expect("an output");
    assert_ne!(recomputed, value);
    // Only that once: the next run restores the new entry.
    let view = run(&kernel, Command::Run(vec![id]));
    assert_eq!(plain(&view, 0).as_ref(), Some(&recomputed));
    assert!(view.cells[0].restored_at.is_some());
    kernel.shutdown();
    let view = open(&f, true).snapshot();
    assert_eq!(plain(&view, 0).as_ref(), Some(&recomputed));
}
