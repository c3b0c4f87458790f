//! Restoring large values by mapping verified store object files
//! (docs/persistence.md, "The worker boundary"): correct, writeable, the
//! store never changed by the worker's writes, corruption caught before
//! any mapping, and the frame path when a file cannot be mapped.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use weir_project::Project;
use weir_runtime::persist::entry;
use weir_runtime::{
    PersistAction, PersistMode, Persistence, Refresh, RestoreBuffer, RunReport, RunStatus, Session,
    SessionConfig, StreamName,
};
use weir_store::Store;

/// A store with a fixed key: tests never touch the user's key file.
fn open_test(root: &std::path::Path) -> Result<weir_store::Store, weir_store::StoreError> {
    weir_store::Store::open(weir_store::StoreConfig {
        key: Some(weir_store::StoreKey::from_bytes([1; 32])),
        ..weir_store::StoreConfig::new(root)
    })
}

const MIB5: usize = 5 << 20;

/// A 5 MiB bytearray in a persisted cell (a pattern whose middle byte
/// says whether it is the original), then a cell that mutates it; after
/// `extra` cells (which do not change the persisted cell's key).
fn notebook(extra: &[&str]) -> Project {
    let mut cells: Vec<(&str, &str)> = extra.iter().map(|c| ("", *c)).collect();
    cells.extend([
        ("persist=True", "data = bytearray(range(256)) * (5 * 4096)"),
        (
            "",
            "mid = len(data) // 2\n\
             print('before', len(data), data[0], data[mid], data[-1])\n\
             data[0] = 255\ndata[mid] ^= 1\n\
             print('after', data[0], data[mid])",
        ),
    ]);
    let mut src = String::from("import weir\n\napp = weir.App()\n\n");
    for (opts, code) in cells {
        src.push_str(&format!("@app.cell({opts})\ndef _():\n"));
        for line in code.lines() {
            src.push_str(&format!("    {line}\n"));
        }
        src.push_str("    return\n\n\n");
    }
    src.push_str("if __name__ == \"__main__\":\n    app.run()\n");
    Project::from_source(&src).expect("notebook parses")
}

fn run(root: &Path) -> (RunReport, Arc<Store>) {
    run_project(root, notebook(&[]))
}

fn run_project(root: &Path, project: Project) -> (RunReport, Arc<Store>) {
    let store = Arc::new(open_test(root).expect("store opens"));
    let config = SessionConfig {
        python: Some(common::python()),
        python_path_extra: Some(common::python_dir()),
        ..SessionConfig::default()
    };
    let mut s = Session::start(project, config).expect("session starts");
    s.set_persistence(Some(Persistence {
        store: store.clone(),
        dirs: vec![root.to_path_buf()],
        mode: PersistMode::Exec,
        refresh: Refresh::None,
        strict: false,
    }));
    let report = s.run_all(|_| {}).expect("run");
    (report, store)
}

fn stdout(r: &RunReport, i: usize) -> String {
    r.cells[i].text(StreamName::Stdout)
}

fn action(r: &RunReport, i: usize) -> PersistAction {
    r.cells[i].persist.as_ref().expect("persist info").action
}

/// The one object file of at least 5 MiB (the pickle of `data`).
fn big_object(root: &Path) -> PathBuf {
    let big: Vec<PathBuf> = std::fs::read_dir(root.join("objects"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.metadata().unwrap().len() >= MIB5 as u64)
        .collect();
    assert_eq!(big.len(), 1, "{big:?}");
    big[0].clone()
}

const ORIGINAL: &str = "before 5242880 0 0 255\nafter 255 1\n";

#[test]
fn a_large_value_restores_from_its_mapped_file_writeable_and_the_store_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let (cold, _) = run(&root);
    assert_eq!(action(&cold, 0), PersistAction::Stored);
    assert_eq!(stdout(&cold, 1), ORIGINAL);
    let object = big_object(&root);
    let stored = std::fs::read(&object).unwrap();

    // The entry's large buffer is handed over as its verified file.
    let store = open_test(&root).unwrap();
    let key = cold.cells[0].persist.as_ref().unwrap().key.clone().unwrap();
    let mut raw = [0u8; 32];
    for (i, b) in raw.iter_mut().enumerate() {
        *b = u8::from_str_radix(&key[2 * i..2 * i + 2], 16).unwrap();
    }
    let key = weir_project::LineageKey(raw);
    let (_, loaded) = entry::load(&store, &key, entry::MAP_FROM).unwrap().unwrap();
    let files: Vec<&RestoreBuffer> = loaded
        .values
        .iter()
        .flat_map(|(_, b)| b)
        .filter(|b| matches!(b, RestoreBuffer::File { .. }))
        .collect();
    assert_eq!(files.len(), 1, "one mapped buffer");
    drop(store);

    // Restored (the cell mutating it runs, so it is writeable), twice: the
    // second restore still sees the original bytes, and the file is as
    // stored.
    for _ in 0..2 {
        let (warm, store) = run(&root);
        assert_eq!(action(&warm, 0), PersistAction::Restored);
        assert_eq!(warm.cells[1].status, RunStatus::Ok, "{:?}", warm.cells[1]);
        assert_eq!(stdout(&warm, 1), ORIGINAL);
        assert_eq!(store.integrity_counters().failed, 0);
        assert_eq!(std::fs::read(&object).unwrap(), stored);
    }
}

#[test]
fn a_corrupt_large_object_is_caught_before_mapping_and_recomputed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    run(&root);
    let object = big_object(&root);
    let mut bytes = std::fs::read(&object).unwrap();
    let mid = 64 + (bytes.len() - 64) / 2;
    bytes[mid] ^= 0x04;
    std::fs::write(&object, &bytes).unwrap();

    let (r, _) = run(&root);
    let info = r.cells[0].persist.as_ref().unwrap();
    assert_eq!(info.action, PersistAction::Stored, "recomputed and stored");
    assert!(
        info.problems.iter().any(|p| p.contains("corrupt")),
        "{info:?}"
    );
    // The worker never saw the damaged bytes: the recomputed value is right.
    assert_eq!(stdout(&r, 1), ORIGINAL);
    let totals = r.persist.as_ref().unwrap();
    assert_eq!(
        (totals.checks_failed, totals.repaired),
        (1, 1),
        "{totals:?}"
    );
    let quarantined = std::fs::read_dir(root.join("quarantine")).unwrap().count();
    assert_eq!(quarantined, 1);
    // Stored again: the next run restores it.
    let (r, _) = run(&root);
    assert_eq!(action(&r, 0), PersistAction::Restored);
    assert_eq!(stdout(&r, 1), ORIGINAL);
}

#[test]
fn a_file_the_worker_cannot_map_is_reported_as_such_and_the_worker_stays_usable() {
    let mut w = common::spawn();
    let values = vec![(
        "v".to_string(),
        vec![RestoreBuffer::File {
            path: "/nonexistent/weir/object".into(),
            offset: 64,
            len: 1 << 20,
        }],
    )];
    let failure = w
        .restore_buffers("c0", &["v".to_string()], &values)
        .unwrap()
        .unwrap_err();
    assert!(failure.file, "{failure:?}");
    assert_eq!(failure.name, "v");
    // The frame path still works on the same worker.
    let bytes = b"\x80\x05K).".to_vec(); // pickle of 41
    let ok = w
        .restore_buffers(
            "c2",
            &["n".to_string()],
            &[("n".into(), vec![RestoreBuffer::Bytes(bytes)])],
        )
        .unwrap()
        .unwrap();
    assert_eq!(ok, vec!["n".to_string()]);
    let shown = common::run(&mut w, "c3", "n + 1");
    assert_eq!(shown.plain(), Some("42"));
}

#[test]
fn when_the_worker_cannot_map_a_file_the_bytes_go_as_frames() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    run(&root);
    let (_, store) = run(&root);
    let mapped_checks = store.integrity_counters().checked;
    // An independent first cell runs first (notebook order) and arms the
    // worker's test hook before the restore.
    let hook = "import os\nos.environ['WEIR_TEST_REFUSE_MAP'] = '1'";
    let (r, store) = run_project(&root, notebook(&[hook]));
    let info = r.cells[1].persist.as_ref().unwrap();
    assert_eq!(info.action, PersistAction::Restored, "{info:?}");
    assert!(info.problems.is_empty(), "{info:?}");
    assert_eq!(stdout(&r, 2), ORIGINAL);
    let c = store.integrity_counters();
    assert_eq!(c.failed, 0);
    // The large object was verified once more, as bytes for the frames.
    assert_eq!(c.checked, mapped_checks + 1);
}
