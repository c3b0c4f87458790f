//! Batched runs (protocol version 4) over real Python workers: many cells
//! per request, skips decided alike on both sides, the worker's compile
//! cache, the final expression found by the analysis, and `halt`.

mod common;

use weir_runtime::{
    BatchCell, BatchEvent, CellStatus, NotRunReason, RunReport, RunStatus, Session, StreamName,
    WorkerEvent,
};

fn start(cells: &[&str]) -> Session {
    Session::start(common::notebook(cells), common::session_config()).expect("session starts")
}

fn stdout(report: &RunReport, index: usize) -> String {
    report.cells[index].text(StreamName::Stdout)
}

fn plain(report: &RunReport, index: usize) -> String {
    let run = &report.cells[index];
    assert_eq!(run.status, RunStatus::Ok, "cell {index}: {run:?}");
    run.outputs
        .last()
        .and_then(|o| o.get("text/plain"))
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("cell {index} has a text output: {run:?}"))
        .to_owned()
}

#[test]
fn a_raising_cell_skips_its_readers_and_later_cells_still_run_in_one_batch() {
    let mut s = start(&[
        "x = 1",
        "y = x * 2",
        "print('reader', y)",
        "z = y + 1",
        "print('free', x)",
        "print('y' in globals(), 'z' in globals())",
    ]);
    let report = s.run_all(|_| {}).unwrap();
    assert_eq!(stdout(&report, 5), "True True\n");
    let before = s.worker().batch_stats();

    s.project(); // the edit below goes through the project
    let report = s.edit_cell(1, "y = x / 0", |_| {}).unwrap();
    assert_eq!(report.cells[1].status, RunStatus::Error);
    for index in [2, 3] {
        assert_eq!(report.cells[index].status, RunStatus::NotRun);
        assert!(
            matches!(
                report.cells[index].reason.as_ref(),
                Some(NotRunReason::AncestorRaised { ancestor, error_type })
                    if ancestor.index == 1 && error_type == "ZeroDivisionError"
            ),
            "cell {index}: {:?}",
            report.cells[index].reason
        );
    }
    // Every decided cell of the edit's plan went in one request.
    assert_eq!(s.worker().batch_stats().batches, before.batches + 1);

    // A whole run: the unrelated cells run, and the skipped cells' names
    // left the worker (cell 5 reads neither, so it runs).
    let report = s.run_all(|_| {}).unwrap();
    assert_eq!(stdout(&report, 4), "free 1\n");
    assert_eq!(stdout(&report, 5), "False False\n");
    assert_eq!(report.cells[3].status, RunStatus::NotRun);
    assert_eq!(
        report.cells[3].reason.as_ref().unwrap().to_string(),
        "ancestor cell 1 (`_`) raised ZeroDivisionError"
    );
}

#[test]
fn code_the_worker_holds_is_not_sent_again_and_an_edit_is_recompiled() {
    let mut s = start(&["a = 1", "b = a + 1\nb", "c = b * 10\nc"]);
    let report = s.run_all(|_| {}).unwrap();
    assert_eq!(plain(&report, 2), "20");
    let first = s.worker().batch_stats();
    assert_eq!((first.code_sent, first.compiled), (3, 3));

    let report = s.run_all(|_| {}).unwrap();
    assert_eq!(plain(&report, 2), "20");
    let second = s.worker().batch_stats();
    assert_eq!(second.code_sent, 3, "nothing sent again");
    assert_eq!(second.code_reused, 3);
    assert_eq!(second.compiled, 3, "nothing compiled again");

    let report = s.edit_cell(1, "b = a + 5\nb", |_| {}).unwrap();
    assert_eq!(plain(&report, 1), "6");
    assert_eq!(plain(&report, 2), "60");
    let third = s.worker().batch_stats();
    assert_eq!(third.code_sent, 4, "only the edited cell's code");
    assert_eq!(third.compiled, 4, "only the edited cell compiled");

    // A new worker holds nothing.
    s.restart().unwrap();
    let report = s.run_all(|_| {}).unwrap();
    assert_eq!(plain(&report, 2), "60");
    assert_eq!(s.worker().batch_stats().code_sent, 3);
}

#[test]
fn the_displayed_expression_is_the_one_the_analysis_found() {
    let mut s = start(&[
        "x = 1; x",
        "y = [1,\n 2]\n(y[0] +\n y[1])",
        "# a comment first\nx + 10  # and after\n# and a last line",
        "x;",
        "z = x\n",
        "s = 'é'; s * 2",
        "_p = 4; _p + x",
    ]);
    let report = s.run_all(|_| {}).unwrap();
    assert_eq!(plain(&report, 0), "1");
    assert_eq!(plain(&report, 1), "3");
    assert_eq!(plain(&report, 2), "11");
    assert_eq!(plain(&report, 3), "1");
    assert!(report.cells[4].outputs.is_empty());
    assert_eq!(plain(&report, 5), "'éé'");
    assert_eq!(plain(&report, 6), "5");
}

#[test]
fn tracebacks_name_the_cells_own_lines_on_every_path() {
    let mut s = start(&[
        "a = 1; 1 / 0",
        "q = 2\n\n(q +\n  undefined_name)",
        "w = 1\nw.nope\nw",
        "_w = 1\n_w.nope",
    ]);
    let report = s.run_all(|_| {}).unwrap();
    let line_of = |index: usize| {
        let error = report.cells[index].error.as_ref().expect("an error");
        let frame = error.frames.last().expect("a frame");
        (frame.lineno, frame.line.clone(), error.traceback.clone())
    };
    let (line, text, tb) = line_of(0);
    assert_eq!((line, text.as_str()), (Some(1), "a = 1; 1 / 0"), "{tb}");
    assert!(
        tb.contains("\n    a = 1; 1 / 0\n           ~~^~~\n"),
        "the carets under `1 / 0`, as Python puts them: {tb}"
    );
    let (line, _, tb) = line_of(1);
    assert!(matches!(line, Some(3) | Some(4)), "{tb}");
    assert!(tb.contains("undefined_name"), "{tb}");
    let (line, text, _) = line_of(2);
    assert_eq!((line, text.as_str()), (Some(2), "w.nope"));
    let (line, text, _) = line_of(3);
    assert_eq!((line, text.as_str()), (Some(2), "_w.nope"));
}

fn cell(id: &str, code: &str, requires: &[&str]) -> BatchCell {
    BatchCell {
        cell_id: id.into(),
        name: "_".into(),
        filename: None,
        code: code.into(),
        delete: Vec::new(),
        requires: requires.iter().map(|r| (*r).into()).collect(),
        display: None,
        private: true,
        summarize: Vec::new(),
    }
}

/// `summarize` names come back in the cell's `done` as `variables`:
/// names the namespace holds, each with its type's name and a bounded
/// preview, whatever its `repr` does (raise, return megabytes); an entry
/// that asks for none gets none.
#[test]
fn a_batch_entry_asking_for_a_summary_gets_its_variables_in_done() {
    let mut worker = common::spawn();
    let code = "class Loud:\n    def __repr__(self):\n        return 'L' * 5_000_000\nclass Broken:\n    def __repr__(self):\n        raise RuntimeError('no')\nloud = Loud()\nbroken = Broken()\nn = 3\nwords = ['a'] * 10_000";
    let mut asks = cell("v1", code, &[]);
    asks.private = false;
    asks.summarize = ["n", "loud", "broken", "words", "missing"]
        .map(String::from)
        .to_vec();
    let quiet = cell("v2", "m = 1", &[]);
    let mut seen = Vec::new();
    worker
        .run_batch(vec![asks, quiet], || false, &mut |e| {
            let BatchEvent::Done(outcome) = e else { return };
            seen.push(outcome.cell_id.clone());
            let Some(variables) = outcome.variables else {
                assert_eq!(outcome.cell_id, "v2", "only v1 asked");
                return;
            };
            assert_eq!(outcome.cell_id, "v1", "only v1 asked");
            let by = |n: &str| variables.iter().find(|v| v.name == n).cloned();
            assert_eq!(
                variables
                    .iter()
                    .map(|v| v.name.as_str())
                    .collect::<Vec<_>>(),
                ["n", "loud", "broken", "words"],
                "in the order asked; a name not defined is left out"
            );
            let n = by("n").unwrap();
            assert_eq!((n.type_name.as_str(), n.preview.as_str()), ("int", "3"));
            let loud = by("loud").unwrap();
            assert_eq!(loud.type_name, "Loud");
            assert!(
                loud.preview.chars().count() <= 120,
                "{}",
                loud.preview.len()
            );
            let broken = by("broken").unwrap();
            assert_eq!(broken.type_name, "Broken");
            assert!(broken.preview.contains("Broken"), "{}", broken.preview);
            let words = by("words").unwrap();
            assert!(words.preview.starts_with("['a', 'a'") && words.preview.len() <= 120);
        })
        .unwrap();
    assert_eq!(seen, ["v1", "v2"]);
}

#[test]
fn the_worker_skips_by_requires_deletes_first_and_stops_at_halt() {
    let mut worker = common::spawn();
    let mut setup = cell("c0", "old = 1\nkept = 2", &[]);
    setup.private = false;
    let end = worker
        .run_batch(vec![setup], || false, &mut |_| {})
        .unwrap();
    assert_eq!((end.ran, end.halted, end.compiled), (1, false, 1));

    let mut fails = cell("c1", "raise ValueError('no')", &[]);
    fails.delete = vec!["old".into()];
    let skipped = cell("c2", "print('never')", &["c1"]);
    let mut free = cell("c3", "print('old' in globals(), kept)", &[]);
    free.requires = vec!["c0".into()]; // not in this batch: no constraint
    let mut done = Vec::new();
    let mut text = String::new();
    let end = worker
        .run_batch(vec![fails, skipped, free], || false, &mut |e| match e {
            BatchEvent::Done(outcome) => done.push((outcome.cell_id, outcome.status)),
            BatchEvent::Event(WorkerEvent::Stream { text: t, .. }) => text.push_str(&t),
            BatchEvent::Event(_) => {}
        })
        .unwrap();
    assert_eq!(end.ran, 3);
    assert_eq!(
        done,
        vec![
            ("c1".to_owned(), CellStatus::Error),
            ("c3".to_owned(), CellStatus::Ok)
        ]
    );
    assert_eq!(text, "False 2\n");

    // `halt` asked once the first cell has started (which waits until
    // the halt frame is on the worker's protocol descriptor): the second
    // cell never starts.
    let slow = cell(
        "c4",
        "import select, weir._wire as _w\nselect.select([_w.ACTIVE._in_fd], [], [], 60)",
        &[],
    );
    let after = cell("c5", "print('after')", &[]);
    let seen = std::cell::Cell::new(false);
    let mut started = Vec::new();
    let end = worker
        .run_batch(vec![slow, after], || seen.get(), &mut |e| {
            if let BatchEvent::Event(WorkerEvent::Started { cell_id }) = e {
                started.push(cell_id);
                seen.set(true);
            }
        })
        .unwrap();
    assert_eq!((end.ran, end.halted), (1, true));
    assert_eq!(started, vec!["c4".to_owned()]);
    // The cell it never reached: its code was kept all the same.
    let sent = worker.batch_stats().code_sent;
    let mut text = String::new();
    worker
        .run_batch(
            vec![cell("c5", "print('after')", &[])],
            || false,
            &mut |e| {
                if let BatchEvent::Event(WorkerEvent::Stream { text: t, .. }) = e {
                    text.push_str(&t);
                }
            },
        )
        .unwrap();
    assert_eq!(worker.batch_stats().code_sent, sent, "not sent again");
    assert_eq!(text, "after\n");
    // The worker is in step: a late `halt` outside a batch is ignored.
    let ran = common::run(&mut worker, "c6", "print('still here')");
    assert_eq!(ran.text(StreamName::Stdout), "still here\n");
}

#[test]
fn an_interrupt_mid_batch_stops_the_cell_and_the_rest_does_not_run() {
    let mut s = start(&[
        "print('before')",
        "import time\nwhile True:\n    time.sleep(0.001)",
        "print('after')",
        "y = 2",
    ]);
    let interrupter = s.interrupter();
    let before = s.worker().batch_stats().batches;
    let report = s
        .run_all(|e| {
            if let weir_runtime::SessionEvent::CellStarted { index: 1 } = e {
                interrupter.interrupt();
            }
        })
        .unwrap();
    assert_eq!(s.worker().batch_stats().batches, before + 1, "one batch");
    assert!(report.interrupted);
    assert_eq!(stdout(&report, 0), "before\n");
    assert_eq!(report.cells[1].status, RunStatus::Interrupted);
    for index in [2, 3] {
        assert_eq!(
            report.cells[index].reason.as_ref(),
            Some(&NotRunReason::RunInterrupted),
            "cell {index}"
        );
    }
    // The worker and its namespace survive; the next run is not cancelled.
    let report = s.run_cells(&[3], |_| {}).unwrap();
    assert_eq!(report.cells[3].status, RunStatus::Ok);
}
