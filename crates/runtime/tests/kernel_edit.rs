//! The kernel's editor commands over a real worker: per-cell versions, an
//! edit refused when based on an old version, options patched against the
//! current ones, saving and the source a save writes.

mod common;

use std::sync::mpsc;
use std::time::Duration;

use weir_graph::CellId;
use weir_project::{Change, Project};
use weir_runtime::Session;
use weir_runtime::kernel::{
    self, Command, EditError, EventBody, KernelConfig, KernelHandle, OptionsPatch, RunMode,
};

const DEADLINE: Duration = Duration::from_secs(60);

fn start(project: Project) -> KernelHandle {
    let session = Session::start(project, common::session_config()).expect("session starts");
    kernel::spawn(
        session,
        KernelConfig {
            mode: RunMode::Lazy,
            ..KernelConfig::default()
        },
    )
}

fn version(kernel: &KernelHandle, id: CellId) -> u64 {
    kernel
        .snapshot()
        .cells
        .iter()
        .find(|c| c.meta.id == id.0)
        .unwrap()
        .meta
        .version
}

fn set_code_at(
    kernel: &KernelHandle,
    cell: CellId,
    code: &str,
    base_version: u64,
) -> Result<weir_project::Applied, EditError> {
    let (reply, rx) = mpsc::channel();
    kernel
        .send(Command::SetCodeAt {
            cell,
            code: code.into(),
            base_version,
            reply,
        })
        .unwrap();
    rx.recv_timeout(DEADLINE).unwrap()
}

#[test]
fn versions_change_with_code_and_a_stale_edit_is_refused_with_the_current_code() {
    let kernel = start(common::notebook(&["a = 1", "b = a + 1"]));
    let (snapshot, sub) = kernel.connect();
    let a = CellId(snapshot.cells[0].meta.id);
    let v0 = snapshot.cells[0].meta.version;
    assert_ne!(v0, snapshot.cells[1].meta.version, "versions are unique");

    set_code_at(&kernel, a, "a = 2", v0).expect("current version: applied");
    let v1 = version(&kernel, a);
    assert_ne!(v1, v0);
    let event = loop {
        let kernel::Delivery::Event(event) = sub.recv_timeout(Some(DEADLINE)).unwrap() else {
            panic!("expected events")
        };
        if let EventBody::CellCode { .. } = event.body {
            break event;
        }
    };
    assert_eq!(
        event.body,
        EventBody::CellCode {
            id: a.0,
            code: "a = 2".into(),
            version: v1
        }
    );

    // Another client still at v0.
    let refused = set_code_at(&kernel, a, "a = 3", v0).unwrap_err();
    assert_eq!(
        refused,
        EditError::Stale {
            base_version: v0,
            code: "a = 2".into(),
            version: v1
        }
    );
    assert_eq!(version(&kernel, a), v1, "a refused edit changes nothing");

    // Plain changes bump the version too; an unknown cell is refused.
    let reply = kernel
        .change(Change::SetCode {
            cell: a,
            code: "a = 4".into(),
        })
        .unwrap();
    reply.recv_timeout(DEADLINE).unwrap().unwrap();
    assert_ne!(version(&kernel, a), v1);
    assert!(matches!(
        set_code_at(&kernel, CellId(99), "x", 0),
        Err(EditError::Change(_))
    ));
    kernel.shutdown();
}

#[test]
fn options_are_patched_field_by_field_and_save_writes_what_source_says() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nb.py");
    let mut project = common::notebook(&["a = 1", "b = a + 1"]);
    project.save(&path).unwrap();
    let project = Project::load(&path).unwrap();
    let kernel = start(project);
    let (snapshot, sub) = kernel.connect();
    let a = CellId(snapshot.cells[0].meta.id);

    let patch = |patch: OptionsPatch| {
        let (reply, rx) = mpsc::channel();
        kernel
            .send(Command::PatchOptions {
                cell: a,
                patch,
                reply,
            })
            .unwrap();
        rx.recv_timeout(DEADLINE).unwrap().unwrap();
    };
    patch(OptionsPatch {
        hide_code: Some(true),
        persist: Some(true),
        ..OptionsPatch::default()
    });
    patch(OptionsPatch {
        disabled: Some(true),
        ..OptionsPatch::default()
    });
    let meta = kernel.snapshot().cells[0].meta.clone();
    assert!(meta.hide_code && meta.disabled, "the first patch is kept");

    let (reply, rx) = mpsc::channel();
    kernel.send(Command::Source(reply)).unwrap();
    let source = rx.recv_timeout(DEADLINE).unwrap();
    assert!(source.contains("persist=True"), "{source}");

    let save = |overwrite| {
        let (reply, rx) = mpsc::channel();
        kernel
            .send(Command::Save {
                path: path.clone(),
                overwrite,
                reply,
            })
            .unwrap();
        rx.recv_timeout(DEADLINE).unwrap()
    };
    let saved = save(false).expect("saved");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), source);
    assert_eq!(saved.hash, weir_project::ContentHash::of(source.as_bytes()));
    // The save names the last event it includes: every change before it.
    let mut last_change = 0;
    while let Some(kernel::Delivery::Event(event)) = sub.recv_timeout(Some(Duration::ZERO)) {
        if let EventBody::CellOptions { .. } = event.body {
            last_change = event.seq;
        }
    }
    assert!(last_change > 0 && saved.seq >= last_change, "{saved:?}");
    assert!(saved.seq <= kernel.snapshot().seq);

    std::fs::write(&path, "# someone else\n").unwrap();
    assert!(matches!(
        save(false),
        Err(weir_project::SaveError::ChangedOnDisk { .. })
    ));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "# someone else\n");
    save(true).expect("overwrite is explicit");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), source);
    kernel.shutdown();
}

/// The variables panel's summaries are computed only when the kernel is
/// configured for them (an editor); a batch client's kernel (`weir exec`)
/// asks the worker for nothing.
#[test]
fn variables_are_summarised_only_when_the_kernel_asks() {
    for wanted in [false, true] {
        let project = common::notebook(&["a = 'hi'\nb = [1, 2]", "c = len(a)"]);
        let session = Session::start(project, common::session_config()).expect("session starts");
        let kernel = kernel::spawn(
            session,
            KernelConfig {
                variables: wanted,
                ..KernelConfig::default()
            },
        );
        let (_, sub) = kernel.connect();
        kernel.send(Command::RunAll).unwrap();
        let seq = kernel.wait_idle().unwrap();
        let mut summaries = Vec::new();
        loop {
            let Some(kernel::Delivery::Event(event)) = sub.recv_timeout(Some(DEADLINE)) else {
                panic!("events until idle");
            };
            if let EventBody::Finished {
                id,
                variables: Some(variables),
                ..
            } = &event.body
            {
                summaries.push((*id, variables.clone()));
            }
            if event.seq == seq {
                break;
            }
        }
        if !wanted {
            assert!(summaries.is_empty(), "{summaries:?}");
            assert!(
                kernel
                    .snapshot()
                    .cells
                    .iter()
                    .all(|c| c.variables.is_empty())
            );
            continue;
        }
        let shown: Vec<(String, String, String)> = summaries
            .iter()
            .flat_map(|(_, vs)| vs.iter())
            .map(|v| (v.name.clone(), v.type_name.clone(), v.preview.clone()))
            .collect();
        let own = |n: &str, t: &str, p: &str| (n.to_owned(), t.to_owned(), p.to_owned());
        assert_eq!(
            shown,
            [
                own("a", "str", "'hi'"),
                own("b", "list", "[1, 2]"),
                own("c", "int", "2")
            ]
        );
        let snapshot = kernel.snapshot();
        assert_eq!(snapshot.cells[1].variables[0].name, "c");
        kernel.shutdown();
    }
}
