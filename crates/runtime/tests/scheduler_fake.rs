//! The scheduler's decisions on the in-process fake worker: no process,
//! the real protocol over pipes, milliseconds per test. The fake's little
//! language (`x = y + 1`, `print(x)`, `del x`, `raise`, a last expression,
//! `spin()`, `exit(3)`) is described in `src/worker/fake.rs`.

mod common;

use weir_project::Change;
use weir_runtime::{
    NotRunReason, RunReport, RunStatus, Session, SessionError, SessionEvent, StreamName,
};

fn start(cells: &[&str]) -> (Session, weir_runtime::worker::fake::FakeLauncher) {
    let (config, launcher) = common::fake_config();
    let session = Session::start(common::notebook(cells), config).expect("fake session starts");
    (session, launcher)
}

fn names(launcher: &weir_runtime::worker::fake::FakeLauncher) -> Vec<String> {
    launcher.namespace().expect("a worker started").names()
}

fn plain(report: &RunReport, index: usize) -> Option<&str> {
    report.cells[index]
        .outputs
        .first()?
        .get("text/plain")?
        .as_str()
}

fn reason(report: &RunReport, index: usize) -> &NotRunReason {
    report.cells[index]
        .reason
        .as_ref()
        .unwrap_or_else(|| panic!("cell {index} has a reason: {:?}", report.cells[index]))
}

#[test]
fn cells_run_in_dependency_order_and_their_names_reach_the_namespace() {
    let (mut s, launcher) = start(&["y = x + 1\nprint(y)", "x = 1", "z = y + 10\nz", "_t = 5"]);
    assert_eq!(s.worker().pid(), None, "no process behind the fake");
    let mut started = Vec::new();
    let report = s
        .run_all(|e| {
            if let SessionEvent::CellStarted { index } = e {
                started.push(index);
            }
        })
        .unwrap();
    assert_eq!(started, vec![1, 0, 2, 3]);
    assert!(report.cells.iter().all(|c| c.status == RunStatus::Ok));
    assert_eq!(report.cells[0].text(StreamName::Stdout), "2\n");
    assert_eq!(plain(&report, 2), Some("12"));
    // A private name lives only during its run.
    assert_eq!(names(&launcher), ["x", "y", "z"]);
    assert_eq!(launcher.namespace().unwrap().get("z"), Some(12));
}

#[test]
fn skip_reasons_name_the_cell_they_are_about() {
    let (mut s, _) = start(&[
        "a = missing + 1",  // 0: NameError
        "b = a + 1",        // 1: ancestor raised
        "#disabled\nc = 1", // 2: disabled
        "d = c + 1",        // 3: ancestor disabled
        "e = 1",            // 4: multiply defined
        "e = 2",            // 5: multiply defined
        "f = g + 1",        // 6: cycle
        "g = f + 1",        // 7: cycle
        "h = f + 1",        // 8: ancestor cannot run
        "raise",            // 9: RuntimeError
        "del nowhere",      // 10: NameError from del
        "x = (",            // 11: syntax error (not in the graph)
    ]);
    let report = s.run_all(|_| {}).unwrap();
    let error = |i: usize| report.cells[i].error.as_ref().map(|e| e.exc_type.clone());
    assert_eq!(report.cells[0].status, RunStatus::Error);
    assert_eq!(error(0).as_deref(), Some("NameError"));
    assert_eq!(
        report.cells[0].error.as_ref().unwrap().message,
        "name 'missing' is not defined"
    );
    assert!(
        matches!(reason(&report, 1), NotRunReason::AncestorRaised { ancestor, error_type }
            if ancestor.index == 0 && error_type == "NameError"),
        "{:?}",
        reason(&report, 1)
    );
    assert_eq!(report.cells[2].status, RunStatus::Disabled);
    assert!(
        matches!(reason(&report, 3), NotRunReason::AncestorDisabled { ancestor } if ancestor.index == 2)
    );
    for i in [4, 5] {
        assert!(
            matches!(reason(&report, i), NotRunReason::MultiplyDefined { name, .. } if name == "e")
        );
    }
    for i in [6, 7] {
        assert!(
            matches!(reason(&report, i), NotRunReason::Cycle { .. }),
            "{:?}",
            reason(&report, i)
        );
    }
    assert!(matches!(
        reason(&report, 8),
        NotRunReason::AncestorCannotRun { .. }
    ));
    assert_eq!(error(9).as_deref(), Some("RuntimeError"));
    assert_eq!(error(10).as_deref(), Some("NameError"));
    assert!(matches!(
        reason(&report, 11),
        NotRunReason::SyntaxError { .. }
    ));
}

#[test]
fn deleting_a_defining_cell_removes_its_names_and_its_readers_fail() {
    let (mut s, launcher) = start(&["x = 1\ny = 2", "z = x + 1", "w = 3"]);
    s.run_all(|_| {}).unwrap();
    assert_eq!(names(&launcher), ["w", "x", "y", "z"]);
    let report = s.delete_cell(0, |_| {}).unwrap();
    // Its names left; its reader re-ran and failed, so `z` is gone too.
    assert_eq!(names(&launcher), ["w"]);
    assert_eq!(report.cells[0].status, RunStatus::Error);
    assert_eq!(
        report.cells[0].error.as_ref().map(|e| e.exc_type.as_str()),
        Some("NameError")
    );
}

#[test]
fn an_edit_removes_the_names_the_cell_no_longer_defines_before_anything_runs() {
    let (mut s, launcher) = start(&["x = 1\ny = 2", "z = y + 1"]);
    s.run_all(|_| {}).unwrap();
    let cell = s.project().cell_id(0);
    s.apply_change(Change::SetCode {
        cell,
        code: "x = 5".into(),
    })
    .unwrap();
    assert_eq!(
        names(&launcher),
        ["x", "z"],
        "y left at once; nothing ran yet"
    );
    let report = s.run_cells(&[0, 1], |_| {}).unwrap();
    assert_eq!(report.cells[1].status, RunStatus::Error);
    assert_eq!(names(&launcher), ["x"]);
    assert_eq!(launcher.namespace().unwrap().get("x"), Some(5));
}

#[test]
fn a_skipped_cell_loses_the_names_it_defined_in_an_earlier_run() {
    let (mut s, launcher) = start(&["a = 1", "b = a + 1"]);
    s.run_all(|_| {}).unwrap();
    assert_eq!(names(&launcher), ["a", "b"]);
    s.edit_cell(0, "a = 1\nraise", |_| {}).unwrap();
    // `a` was set before the raise; `b` was computed from an old `a`.
    assert_eq!(names(&launcher), ["a"]);
}

#[test]
fn an_interrupt_stops_the_running_cell_and_the_rest_of_the_run() {
    let (mut s, launcher) = start(&["a = 1", "spin()\nb = a", "c = b"]);
    let interrupter = s.interrupter();
    let report = s
        .run_all(|e| {
            if let SessionEvent::CellStarted { index: 1 } = e {
                interrupter.interrupt();
            }
        })
        .unwrap();
    assert!(report.interrupted);
    assert_eq!(report.cells[0].status, RunStatus::Ok);
    assert_eq!(report.cells[1].status, RunStatus::Interrupted);
    assert_eq!(reason(&report, 2), &NotRunReason::RunInterrupted);
    // The worker survives, its namespace too.
    assert_eq!(names(&launcher), ["a"]);
    let report = s.edit_cell(1, "b = a", |_| {}).unwrap();
    assert_eq!(report.cells[2].status, RunStatus::Ok);
    assert_eq!(names(&launcher), ["a", "b", "c"]);
}

#[test]
fn worker_death_halts_the_run_and_a_restart_launches_again_through_the_same_launcher() {
    let (mut s, launcher) = start(&["a = 1", "exit(3)", "b = a + 1"]);
    let report = s.run_all(|_| {}).unwrap();
    let death = report.worker_died.as_ref().expect("the worker died");
    assert_eq!(death.cell.index, 1);
    assert_eq!(death.status, "exit status 3");
    assert_eq!(
        report.cells[1].error.as_ref().unwrap().exc_type,
        "WorkerDied"
    );
    // Its last words (on its console) reach the cell that was running.
    assert_eq!(
        report.cells[1].text(StreamName::Stderr),
        "fake worker: exit(3)\n"
    );
    assert!(matches!(
        reason(&report, 2),
        NotRunReason::WorkerDied { .. }
    ));
    assert!(matches!(s.run_all(|_| {}), Err(SessionError::WorkerClosed)));

    s.restart().unwrap();
    assert_eq!(launcher.launches(), 2);
    assert!(names(&launcher).is_empty(), "a fresh namespace");
    assert!(s.cells().iter().all(|c| c.status == RunStatus::Idle));
    let report = s.run_cells(&[0], |_| {}).unwrap();
    assert_eq!(report.cells[0].status, RunStatus::Ok);
    assert_eq!(report.cells[2].status, RunStatus::Ok, "a descendant");
    assert_eq!(names(&launcher), ["a", "b"]);
}
