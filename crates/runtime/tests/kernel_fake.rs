//! The kernel on the in-process fake worker: restarts go through the
//! session's launcher, and reasons that name other cells follow the
//! notebook as it is now (regressions found by `kernel_fake_props.rs`).

mod common;

use weir_graph::CellId;
use weir_notebook::Cell;
use weir_project::Change;
use weir_runtime::kernel::{self, Command, KernelConfig, KernelHandle, KernelSnapshot, RunMode};
use weir_runtime::worker::fake::FakeLauncher;
use weir_runtime::{RunStatus, Session};

fn start(cells: &[&str], mode: RunMode) -> (KernelHandle, FakeLauncher) {
    let (config, launcher) = common::fake_config();
    let session = Session::start(common::notebook(cells), config).expect("fake session starts");
    let kernel = kernel::spawn(
        session,
        KernelConfig {
            mode,
            ..KernelConfig::default()
        },
    );
    (kernel, launcher)
}

fn names(launcher: &FakeLauncher) -> Vec<String> {
    launcher.namespace().expect("a worker started").names()
}

fn change(kernel: &KernelHandle, change: Change) {
    kernel
        .change(change)
        .unwrap()
        .recv()
        .unwrap()
        .expect("change applies");
    kernel.wait_idle().unwrap();
}

fn id(snapshot: &KernelSnapshot, index: usize) -> CellId {
    CellId(snapshot.cells[index].meta.id)
}

fn view<'a>(snapshot: &'a KernelSnapshot, code: &str) -> &'a kernel::CellView {
    snapshot
        .cells
        .iter()
        .find(|c| c.meta.code == code)
        .unwrap_or_else(|| panic!("a cell {code:?}"))
}

#[test]
fn the_kernel_runs_on_the_fake_and_restarts_through_its_launcher() {
    let (config, launcher) = common::fake_config();
    let session = Session::start(common::notebook(&["a = 1", "b = a + 1\nb"]), config).unwrap();
    let kernel = kernel::spawn(
        session,
        KernelConfig {
            mode: RunMode::Autorun,
            ..KernelConfig::default()
        },
    );
    kernel.send(Command::RunAll).unwrap();
    kernel.wait_idle().unwrap();
    let snapshot = kernel.snapshot();
    assert_eq!(
        snapshot.cells[1].outputs[0]["text/plain"].as_str(),
        Some("2")
    );
    assert_eq!(names(&launcher), ["a", "b"]);

    kernel.send(Command::RestartWorker).unwrap();
    kernel.wait_idle().unwrap();
    assert_eq!(launcher.launches(), 2);
    assert!(names(&launcher).is_empty(), "the new worker starts empty");
    kernel.send(Command::RunAll).unwrap();
    kernel.wait_idle().unwrap();
    assert_eq!(names(&launcher), ["a", "b"]);
    kernel.shutdown();
}

#[test]
fn after_a_move_a_reason_names_the_first_blocking_parent_in_the_new_order() {
    for mode in [RunMode::Autorun, RunMode::Lazy] {
        let (kernel, _) = start(&["a = x", "b = y", "c = a + b"], mode);
        kernel.send(Command::RunAll).unwrap();
        kernel.wait_idle().unwrap();
        let before = kernel.snapshot();
        let (a, b) = (id(&before, 0), id(&before, 1));
        let c = view(&before, "c = a + b");
        assert_eq!(c.status, RunStatus::NotRun);
        assert_eq!(c.reason_about, Some(a.0));

        change(&kernel, Change::Move { cell: b, to: 0 });
        let after = kernel.snapshot();
        let c = view(&after, "c = a + b");
        assert_eq!(c.status, RunStatus::NotRun, "{mode:?}");
        assert_eq!(c.reason_about, Some(b.0), "{mode:?}: {c:#?}");
        assert_eq!(
            c.reason.as_deref(),
            Some("ancestor cell 0 (`_`) raised NameError"),
            "{mode:?}"
        );
        assert!(!c.stale);
        kernel.shutdown();
    }
}

#[test]
fn after_an_insert_or_a_rename_a_reason_names_the_cell_where_and_as_it_is_now() {
    let (kernel, launcher) = start(&["a = x", "c = a + 1"], RunMode::Lazy);
    kernel.send(Command::RunAll).unwrap();
    kernel.wait_idle().unwrap();
    let a = id(&kernel.snapshot(), 0);
    assert_eq!(
        view(&kernel.snapshot(), "c = a + 1").reason.as_deref(),
        Some("ancestor cell 0 (`_`) raised NameError")
    );
    change(
        &kernel,
        Change::Insert {
            at: 0,
            cell: Box::new(Cell::code("_", "z = 1")),
        },
    );
    change(
        &kernel,
        Change::Rename {
            cell: a,
            name: "load".into(),
        },
    );
    let snapshot = kernel.snapshot();
    assert_eq!(
        view(&snapshot, "c = a + 1").reason.as_deref(),
        Some("ancestor cell 1 (`load`) raised NameError")
    );
    // Deciding again ran nothing: in lazy mode the new cell waits.
    assert_eq!(view(&snapshot, "z = 1").status, RunStatus::Idle);
    assert!(view(&snapshot, "z = 1").stale);
    assert!(names(&launcher).is_empty());
    kernel.shutdown();
}
