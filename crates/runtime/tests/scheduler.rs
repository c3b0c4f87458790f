//! The scheduler over real Python workers: order, edits, deletes, error
//! propagation, stop, disabled cells, static problems, interrupts, death.

mod common;

use std::sync::mpsc;

use weir_runtime::{
    NotRunReason, RunReport, RunStatus, Session, SessionError, SessionEvent, StreamName,
};

fn start(cells: &[&str]) -> Session {
    let config = common::session_config();
    Session::start(common::notebook(cells), config).expect("session starts")
}

/// Runs something, collecting the indices of started cells in order.
fn started(
    f: impl FnOnce(&mut dyn FnMut(SessionEvent<'_>)) -> Result<RunReport, SessionError>,
) -> (RunReport, Vec<usize>) {
    let mut started = Vec::new();
    let report = f(&mut |e| {
        if let SessionEvent::CellStarted { index } = e {
            started.push(index);
        }
    })
    .expect("run");
    (report, started)
}

fn stdout(report: &RunReport, index: usize) -> String {
    report.cells[index].text(StreamName::Stdout)
}

fn reason(report: &RunReport, index: usize) -> &NotRunReason {
    report.cells[index]
        .reason
        .as_ref()
        .unwrap_or_else(|| panic!("cell {index} has a reason: {:?}", report.cells[index]))
}

#[test]
fn runs_in_dependency_order_ties_by_notebook_order() {
    let mut s = start(&[
        "y = x + 1\nprint('y', y)",
        "x = 1\nprint('x', x)",
        "print('independent')",
        "z = y * 10\nz",
        "import weir\nweir.output.append(weir.md('*md*'))",
    ]);
    let mut events = Vec::new();
    let report = s
        .run_all(|e| {
            events.push(match e {
                SessionEvent::CellsQueued { indices } => format!("queued {indices:?}"),
                SessionEvent::CellStarted { index } => format!("started {index}"),
                SessionEvent::CellFinished { index, status, .. } => {
                    format!("finished {index} {status}")
                }
                other => format!("{other:?}")
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .to_owned(),
            })
        })
        .unwrap();
    assert_eq!(report.order, vec![1, 0, 2, 3, 4]);
    let starts: Vec<&String> = events.iter().filter(|e| e.starts_with("started")).collect();
    assert_eq!(
        starts,
        [
            "started 1",
            "started 0",
            "started 2",
            "started 3",
            "started 4"
        ]
    );
    // Everything is queued, in run order, before anything starts; each
    // start is finished before the next begins.
    assert_eq!(events[0], "queued [1, 0, 2, 3, 4]");
    assert_eq!(events[1], "started 1");
    assert_eq!(events.iter().filter(|e| e.ends_with(" ok")).count(), 5);
    assert_eq!(stdout(&report, 0), "y 2\n");
    assert_eq!(stdout(&report, 1), "x 1\n");
    assert_eq!(report.cells[3].outputs[0]["text/plain"], "20");
    assert_eq!(report.cells[4].outputs[0]["text/markdown"], "*md*");
    assert!(report.cells[3].duration.is_some());
    let summary = report.summary();
    assert_eq!((summary.cells, summary.ok, summary.failed), (5, 5, false));
}

#[test]
fn editing_reruns_exactly_the_descendants_and_drops_old_names() {
    let mut s = start(&[
        "a = 1\nb = 2",
        "c = a + 1\nprint(c)",
        "d = 5\nprint('d ran')",
        "print(b)",
    ]);
    let (report, _) = started(|f| s.run_all(f));
    assert!(!report.summary().failed, "{report:?}");
    assert_eq!(stdout(&report, 3), "2\n");

    // `b` leaves cell 0: its old reader re-runs and no longer finds it.
    let (report, order) = started(|f| s.edit_cell(0, "a = 10", f));
    assert_eq!(order, vec![0, 1, 3]);
    assert_eq!(report.order, vec![0, 1, 3]);
    assert_eq!(stdout(&report, 1), "11\n");
    let error = report.cells[3].error.as_ref().expect("NameError");
    assert_eq!(error.exc_type, "NameError");
    assert!(error.message.contains("'b'"), "{}", error.message);
    // Cell 2 was not touched: still ok, its output from the first run.
    assert_eq!(report.cells[2].status, RunStatus::Ok);
    assert_eq!(stdout(&report, 2), "d ran\n");

    // A cell that raises keeps nothing it defined before.
    let (report, _) = started(|f| s.edit_cell(2, "print('d' in globals())", f));
    assert_eq!(stdout(&report, 2), "False\n");
}

#[test]
fn deleting_a_cell_deletes_its_names() {
    let mut s = start(&["x = 1", "print(x)", "w = 3", "probe = 0"]);
    let (report, _) = started(|f| s.run_all(f));
    assert!(!report.summary().failed);

    let (report, order) = started(|f| s.delete_cell(0, f));
    assert_eq!(s.project().cells().len(), 3);
    assert_eq!(order, vec![0], "the old reader (now cell 0) re-runs");
    assert_eq!(report.cells[0].index, 0);
    let error = report.cells[0].error.as_ref().expect("NameError");
    assert_eq!(error.exc_type, "NameError");

    // A cell nobody reads: its names go too.
    let (_, _) = started(|f| s.delete_cell(1, f));
    let (report, _) = started(|f| {
        s.edit_cell(
            1,
            "print(sorted(k for k in ('x', 'w', 'probe') if k in globals()))",
            f,
        )
    });
    assert_eq!(stdout(&report, 1), "[]\n");
}

#[test]
fn private_names_are_private_to_their_cell_at_run_time() {
    // Cell 0's `_k` is read by its function `scale`, so it outlives the
    // run (as `_cell_c0_k`); cell 2 reading `_k` itself finds nothing.
    let probe = "print(sorted(k for k in globals() if k.startswith('_cell_')))";
    let mut s = start(&[
        "_k = 2\n_tmp = 9\ndef scale(v):\n    return v * _k",
        "_m = 1\ndef get_m():\n    return _m\nprint(scale(21))",
        "print(_k)",
        probe,
    ]);
    let (report, _) = started(|f| s.run_all(f));
    assert_eq!(stdout(&report, 1), "42\n");
    let error = report.cells[2].error.as_ref().expect("NameError");
    assert_eq!(error.exc_type, "NameError");
    assert_eq!(error.message, "name '_k' is not defined");
    assert_eq!(stdout(&report, 3), "['_cell_c0_k', '_cell_c1_m']\n");

    // Skipped (its parent now fails): what it kept goes.
    let (report, _) = started(|f| s.edit_cell(0, "_k = 2\nscale = 1 / 0", f));
    assert_eq!(report.cells[1].status, RunStatus::NotRun);
    let (report, _) = started(|f| s.run_cells(&[3], f));
    assert_eq!(stdout(&report, 3), "[]\n");

    // Deleted: likewise.
    let (_, _) = started(|f| s.edit_cell(0, "_k = 3\ndef scale(v):\n    return v * _k", f));
    let (report, _) = started(|f| s.run_cells(&[3], f));
    assert_eq!(stdout(&report, 3), "['_cell_c0_k', '_cell_c1_m']\n");
    let (_, _) = started(|f| s.delete_cell(1, f));
    let (report, _) = started(|f| s.run_cells(&[2], f));
    assert_eq!(stdout(&report, 2), "['_cell_c0_k']\n");
}

#[test]
fn an_error_stops_descendants_and_names_the_ancestor() {
    let mut s = start(&[
        "x = 1",
        "y = x / 0",
        "z = y + 1",
        "w = z",
        "print('independent')",
    ]);
    let (report, order) = started(|f| s.run_all(f));
    assert_eq!(order, vec![0, 1, 4]);
    assert_eq!(report.cells[1].status, RunStatus::Error);
    let error = report.cells[1].error.as_ref().unwrap();
    assert_eq!(error.exc_type, "ZeroDivisionError");
    // The traceback points at the cell and its line.
    assert!(
        error.traceback.contains("<cell 1 `_`>\", line 1"),
        "{}",
        error.traceback
    );
    for index in [2, 3] {
        assert_eq!(report.cells[index].status, RunStatus::NotRun);
        assert_eq!(
            reason(&report, index).to_string(),
            "ancestor cell 1 (`_`) raised ZeroDivisionError"
        );
    }
    assert_eq!(stdout(&report, 4), "independent\n");
    let summary = report.summary();
    assert_eq!(
        (summary.ok, summary.error, summary.not_run, summary.failed),
        (2, 1, 2, true)
    );

    // Fixing the cell runs it and its descendants again.
    let (report, order) = started(|f| s.edit_cell(1, "y = x / 2", f));
    assert_eq!(order, vec![1, 2, 3]);
    assert!(!report.summary().failed, "{report:?}");
}

#[test]
fn weir_stop_halts_descendants_quietly() {
    let mut s = start(&[
        "import weir\nweir.stop(True, weir.md('stopped here'))\nx = 1",
        "print(x)",
        "print('other')",
    ]);
    let (report, order) = started(|f| s.run_all(f));
    assert_eq!(order, vec![0, 2]);
    assert_eq!(report.cells[0].status, RunStatus::Stopped);
    assert_eq!(report.cells[0].error, None);
    assert_eq!(report.cells[0].outputs[0]["text/markdown"], "stopped here");
    assert!(matches!(
        reason(&report, 1),
        NotRunReason::StoppedByAncestor { ancestor } if ancestor.index == 0
    ));
    assert_eq!(
        reason(&report, 1).to_string(),
        "stopped by ancestor cell 0 (`_`)"
    );
    let summary = report.summary();
    assert_eq!(
        (summary.stopped, summary.not_run, summary.failed),
        (1, 1, false)
    );
}

#[test]
fn disabled_cells_and_their_descendants_do_not_run() {
    let mut s = start(&["#disabled\nx = 1", "y = x", "z = y", "print('ok')"]);
    let (report, order) = started(|f| s.run_all(f));
    assert_eq!(order, vec![3]);
    assert_eq!(report.cells[0].status, RunStatus::Disabled);
    assert_eq!(reason(&report, 0), &NotRunReason::Disabled);
    for index in [1, 2] {
        assert_eq!(report.cells[index].status, RunStatus::NotRun);
        assert_eq!(
            reason(&report, index).to_string(),
            "ancestor disabled: cell 0 (`_`)"
        );
    }
    assert!(!report.summary().failed);
}

#[test]
fn static_problems_keep_cells_from_running_and_say_why() {
    let mut s = start(&[
        "x = 1",
        "x = 2",
        "print(x)",
        "a = b",
        "b = a",
        "c = a",
        "print('fine')",
        "oops = (",
    ]);
    let (report, order) = started(|f| s.run_all(f));
    assert_eq!(order, vec![6]);
    // Cyclic cells are decided first.
    assert_eq!(&report.order[..2], &[3, 4]);
    for (index, other) in [(0, 1), (1, 0)] {
        assert_eq!(
            reason(&report, index).to_string(),
            format!("`x` is also defined by cell {other} (`_`)")
        );
    }
    assert_eq!(
        reason(&report, 2).to_string(),
        "ancestor cell 0 (`_`) cannot run: it defines a name another cell defines"
    );
    assert_eq!(
        reason(&report, 3).to_string(),
        "in a dependency cycle with cell 4 (`_`)"
    );
    assert_eq!(
        reason(&report, 4).to_string(),
        "in a dependency cycle with cell 3 (`_`)"
    );
    assert_eq!(
        reason(&report, 5).to_string(),
        "ancestor cell 3 (`_`) cannot run: it is in a dependency cycle"
    );
    let NotRunReason::SyntaxError { line, .. } = reason(&report, 7) else {
        panic!("syntax error expected: {:?}", report.cells[7]);
    };
    // A position in the file: 4 header lines, 6 lines per one-line cell,
    // then cell 7's decorator and `def`: its code is on line 49.
    assert_eq!(*line, 49);
    assert!(report.summary().failed);

    // Renaming the second definer fixes the first one, which now runs.
    let (report, order) = started(|f| s.edit_cell(1, "x2 = 2", f));
    assert_eq!(order, vec![0, 1, 2]);
    assert_eq!(stdout(&report, 2), "1\n");
}

#[test]
fn running_a_cell_whose_parent_never_ran_says_so() {
    let mut s = start(&["x = 1", "print(x)"]);
    let (report, order) = started(|f| s.run_cells(&[1], f));
    assert!(order.is_empty());
    assert_eq!(
        reason(&report, 1).to_string(),
        "ancestor cell 0 (`_`) has not run"
    );
    let (_, order) = started(|f| s.run_cells(&[0], f));
    assert_eq!(order, vec![0, 1]);
    assert!(matches!(
        s.run_cells(&[9], |_| {}),
        Err(SessionError::NoSuchCell { index: 9, len: 2 })
    ));
}

#[test]
fn interrupt_from_another_thread_stops_the_run() {
    let mut s = start(&["print('before')", "while True:\n    pass", "print('after')"]);
    let interrupter = s.interrupter();
    let (tx, rx) = mpsc::channel::<()>();
    let helper = std::thread::spawn(move || {
        rx.recv().expect("the loop cell starts");
        interrupter.interrupt();
    });
    let report = s
        .run_all(|e| {
            if let SessionEvent::CellStarted { index: 1 } = e {
                tx.send(()).unwrap();
            }
        })
        .unwrap();
    helper.join().unwrap();
    assert!(report.interrupted);
    assert_eq!(report.cells[0].status, RunStatus::Ok);
    assert_eq!(report.cells[1].status, RunStatus::Interrupted);
    assert_eq!(reason(&report, 2), &NotRunReason::RunInterrupted);
    assert!(report.summary().failed);

    // The worker survived with its namespace; the next run is not cancelled.
    let (report, order) = started(|f| s.run_cells(&[2], f));
    assert_eq!(order, vec![2]);
    assert_eq!(stdout(&report, 2), "after\n");
}

#[test]
fn worker_death_is_reported_with_status_and_cell() {
    let mut s = start(&["x = 1", "import os\nos._exit(9)", "print(x)"]);
    let (report, order) = started(|f| s.run_all(f));
    assert_eq!(order, vec![0, 1]);
    let death = report.worker_died.as_ref().expect("worker died");
    assert_eq!(death.cell.index, 1);
    assert_eq!(death.status, "exit status 9");
    assert_eq!(report.cells[1].status, RunStatus::Error);
    let error = report.cells[1].error.as_ref().unwrap();
    assert_eq!(error.exc_type, "WorkerDied");
    assert!(error.message.contains("exit status 9"), "{}", error.message);
    assert_eq!(
        reason(&report, 2).to_string(),
        "the worker died (exit status 9) while running cell 1 (`_`)"
    );
    assert!(matches!(s.run_all(|_| {}), Err(SessionError::WorkerClosed)));

    // A fresh worker starts from idle cells.
    s.restart().unwrap();
    assert_eq!(s.cell(0).unwrap().status, RunStatus::Idle);
    let (report, order) = started(|f| s.run_cells(&[0], f));
    assert_eq!(order, vec![0, 2]);
    assert_eq!(stdout(&report, 2), "1\n");
}

#[test]
fn sigkill_mid_cell_does_not_hang() {
    let mut s = start(&[
        "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
        "y = 2",
    ]);
    let (report, _) = started(|f| s.run_all(f));
    assert_eq!(report.worker_died.as_ref().unwrap().status, "signal 9");
    assert_eq!(report.cells[1].status, RunStatus::NotRun);
}

#[test]
fn reports_serialise_for_the_exporter() {
    let mut s = start(&["x = 1\nprint('hi')\nx", "y = x / 0"]);
    let (report, _) = started(|f| s.run_all(f));
    let v = serde_json::to_value(&report).unwrap();
    assert_eq!(v["cells"][0]["status"], "ok");
    assert_eq!(v["cells"][0]["console"][0]["stream"], "stdout");
    assert_eq!(v["cells"][0]["console"][0]["text"], "hi\n");
    assert_eq!(v["cells"][0]["outputs"][0]["text/plain"], "1");
    assert_eq!(v["cells"][1]["error"]["type"], "ZeroDivisionError");
    assert!(v["cells"][1]["duration_ms"].is_number());
    assert!(v["elapsed_ms"].is_number());
}
