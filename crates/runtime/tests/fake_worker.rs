//! The fake worker behind the launcher interface: the real client (I/O
//! thread, framing, `ready` checks) talks to it, its errors have the real
//! worker's shape, and what it does not implement it refuses in the
//! protocol's own terms.

mod common;

use weir_runtime::message::CaptureMode;
use weir_runtime::worker::fake::FakeLauncher;
use weir_runtime::{CellStatus, ExitKind, Worker, WorkerError};

fn fake() -> (Worker, FakeLauncher) {
    let launcher = FakeLauncher::new();
    let worker = Worker::launch(&launcher, None).expect("the fake starts");
    (worker, launcher)
}

#[test]
fn a_name_error_has_the_real_workers_status_and_error_shape() {
    let code = "a = 1\ny = a + x + 2";
    let (mut fake, _) = fake();
    let fake_run = common::run(&mut fake, "c1", code);
    let mut real = common::spawn();
    let real_run = common::run(&mut real, "c1", code);
    let (f, r) = (&fake_run.outcome, &real_run.outcome);
    assert_eq!(f.status, CellStatus::Error);
    assert_eq!(f.status, r.status);
    assert_eq!(f.output, r.output);
    let (fe, re) = (f.error.as_ref().unwrap(), r.error.as_ref().unwrap());
    assert_eq!(fe.exc_type, re.exc_type);
    assert_eq!(fe.message, re.message);
    assert_eq!(fe.traceback.lines().last(), re.traceback.lines().last());
    assert_eq!(fe.traceback.lines().next(), re.traceback.lines().next());
    let shape = |e: &weir_runtime::CellError| {
        e.frames
            .iter()
            .map(|f| {
                (
                    f.filename.clone(),
                    f.lineno,
                    f.function.clone(),
                    f.cell_id.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(shape(fe), shape(re));
    fake.shutdown().unwrap();
    real.shutdown().unwrap();
}

#[test]
fn the_handshake_is_checked_by_the_shared_client_code() {
    let (worker, _) = fake();
    assert_eq!(worker.info().python_executable, "<fake worker>");
    assert_eq!(worker.pid(), None);
    assert_eq!(worker.shutdown().unwrap(), ExitKind::Code(0));
    let old = FakeLauncher::new().with_python_version("3.8.10");
    match Worker::launch(&old, None) {
        Err(WorkerError::PythonTooOld { version, .. }) => assert_eq!(version, "3.8.10"),
        other => panic!("expected PythonTooOld, got {other:?}"),
    }
}

#[test]
fn output_streams_and_names_cross_the_real_protocol() {
    let (mut worker, launcher) = fake();
    let ran = common::run(&mut worker, "c1", "a = 2\nprint(a + 1)\n_p = 4\na + _p");
    assert_eq!(ran.outcome.status, CellStatus::Ok);
    assert_eq!(ran.text(weir_runtime::StreamName::Stdout), "3\n");
    assert_eq!(ran.plain(), Some("6"));
    let namespace = launcher.namespace().unwrap();
    assert_eq!(namespace.names(), ["a"]);
    let removed = worker
        .delete_names(&["a".into(), "missing".into(), "__name__".into()])
        .unwrap();
    assert_eq!(removed, ["a"]);
    assert!(namespace.names().is_empty());
    let syntax = common::run(&mut worker, "c2", "b = 1\nb = (");
    assert_eq!(
        syntax.outcome.error.as_ref().map(|e| e.exc_type.as_str()),
        Some("SyntaxError")
    );
    assert!(
        namespace.names().is_empty(),
        "nothing of a cell that does not compile runs"
    );
}

#[test]
fn capture_and_restore_are_refused_and_the_worker_stays_usable() {
    let (mut worker, _) = fake();
    common::run(&mut worker, "c1", "x = 1");
    let captured = worker
        .capture("c1", &["x".into()], CaptureMode::Store)
        .unwrap();
    assert!(captured.values.is_empty());
    assert_eq!(captured.unpicklable.len(), 1);
    assert_eq!(captured.unpicklable[0].name, "x");
    assert!(captured.unpicklable[0].error.contains("fake worker"));
    // The buffers sent after `restore` are read, so the stream stays in step.
    let restored = worker
        .restore(
            "c1",
            &["x".into()],
            &[("x".into(), vec![vec![1, 2, 3], Vec::new()])],
        )
        .unwrap();
    let failure = restored.expect_err("the fake restores nothing");
    assert_eq!(failure.exc_type, "NotImplementedError");
    let ran = common::run(&mut worker, "c2", "x + 1");
    assert_eq!(ran.plain(), Some("2"));
}

#[test]
fn an_unknown_message_is_refused_as_the_real_worker_refuses_it() {
    let (mut worker, _) = fake();
    let payload = br#"{"type":"run_sideways"}"#;
    let seq = worker.next_send_seq();
    let frame = weir_runtime::frame::encode(weir_runtime::FrameKind::Json, seq, payload).unwrap();
    worker.send_raw_for_tests(&frame, true).unwrap();
    match worker.delete_names(&["x".into()]) {
        Err(WorkerError::WorkerRejectedFrame {
            check,
            status,
            frame_index,
            ..
        }) => {
            assert_eq!(check, "unknown_type");
            assert_eq!(frame_index, Some(u64::from(seq)));
            assert_eq!(status, ExitKind::Code(65));
        }
        other => panic!("expected WorkerRejectedFrame, got {other:?}"),
    }
    assert!(worker.is_closed());
}
