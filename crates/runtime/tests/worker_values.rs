//! Values across the worker boundary (capture / restore, binary frames),
//! with real workers.

mod common;

use common::{run, spawn};
use weir_runtime::message::CaptureMode;
use weir_runtime::{CellStatus, StreamName};

#[test]
fn capture_then_restore_in_a_fresh_worker_round_trips() {
    let mut a = spawn();
    let r = run(
        &mut a,
        "c0",
        "v = {'b': bytes(range(256)) * 8192, 's': {'x', 'y'}, 'n': [1, 2.5, None]}\nw = 3",
    );
    assert_eq!(r.outcome.status, CellStatus::Ok);
    let names = vec!["v".to_string(), "w".to_string(), "absent".to_string()];
    let captured = a.capture("c0", &names, CaptureMode::Store).unwrap();
    assert_eq!(
        captured.values.len(),
        2,
        "names not in the namespace are skipped"
    );
    assert!(captured.unpicklable.is_empty());
    let v = &captured.values[0];
    assert_eq!(v.name, "v");
    assert_eq!(v.value_hash.len(), 64);
    assert!(
        v.buffers[0].len() > 2_000_000,
        "the pickle carries the 2 MiB of bytes"
    );

    // Hash-only capture agrees on the value hash and sends no buffers.
    let hashed = a.capture("c0", &names, CaptureMode::Hash).unwrap();
    assert_eq!(hashed.values[0].value_hash, v.value_hash);
    assert!(hashed.values[0].buffers.is_empty());

    let mut b = spawn();
    let values: Vec<(String, Vec<Vec<u8>>)> = captured
        .values
        .iter()
        .map(|v| (v.name.clone(), v.buffers.clone()))
        .collect();
    let restored = b.restore("c0", &names, &values).unwrap().unwrap();
    assert_eq!(restored, vec!["v".to_string(), "w".to_string()]);
    let r = run(
        &mut b,
        "c0",
        "print(len(v['b']), sorted(v['s']), v['n'], w)",
    );
    assert_eq!(
        r.text(StreamName::Stdout),
        "2097152 ['x', 'y'] [1, 2.5, None] 3\n"
    );
    // Same canonical hash in another process (another string-hash seed).
    let again = b.capture("c0", &names, CaptureMode::Hash).unwrap();
    assert_eq!(again.values[0].value_hash, v.value_hash);
}

#[test]
fn unpicklable_values_are_named() {
    let mut a = spawn();
    run(
        &mut a,
        "c0",
        "g = (i for i in range(3))\nf = lambda: 1\nok = 1",
    );
    let names = vec!["g".to_string(), "f".to_string(), "ok".to_string()];
    let captured = a.capture("c0", &names, CaptureMode::Store).unwrap();
    let bad: Vec<&str> = captured
        .unpicklable
        .iter()
        .map(|u| u.name.as_str())
        .collect();
    assert_eq!(bad, vec!["g", "f"]);
    assert_eq!(captured.values.len(), 1);
    assert!(
        captured.unpicklable[0].error.contains("generator"),
        "{:?}",
        captured.unpicklable
    );
}

#[test]
fn a_restore_sets_only_the_names_it_was_told() {
    let mut a = spawn();
    run(&mut a, "c0", "x = 41");
    let captured = a
        .capture("c0", &["x".to_string()], CaptureMode::Store)
        .unwrap();
    let bufs = captured.values[0].buffers.clone();
    let mut b = spawn();
    // Another name, or the module's `__builtins__`, even if "told".
    for (told, name) in [("x", "other"), ("__builtins__", "__builtins__")] {
        let values = vec![
            ("x".to_string(), bufs.clone()),
            (name.to_string(), bufs.clone()),
        ];
        let failure = b
            .restore("c0", &["x".to_string(), told.to_string()], &values)
            .unwrap()
            .unwrap_err();
        assert_eq!(failure.name, name);
        assert_eq!(failure.exc_type, "RefusedName");
    }
    let r = run(
        &mut b,
        "c1",
        "print('x' in globals(), 'other' in globals(), type(__builtins__).__name__)",
    );
    assert_eq!(r.text(StreamName::Stdout), "False False dict\n");
}

#[test]
fn a_value_that_will_not_load_is_reported_and_the_worker_goes_on() {
    let mut a = spawn();
    run(&mut a, "c0", "class Thing:\n    pass\nt = Thing()");
    let captured = a
        .capture("c0", &["t".to_string()], CaptureMode::Store)
        .unwrap();
    let mut b = spawn();
    let values = vec![("t".to_string(), captured.values[0].buffers.clone())];
    let failure = b
        .restore("c0", &["t".to_string()], &values)
        .unwrap()
        .unwrap_err();
    assert_eq!(failure.name, "t");
    assert!(failure.message.contains("Thing"), "{failure:?}");
    let r = run(&mut b, "c0", "print('alive', 't' in globals())");
    assert_eq!(r.text(StreamName::Stdout), "alive False\n");
}

#[test]
fn a_buffer_corrupted_after_hashing_is_a_typed_error() {
    let mut config = common::config();
    config
        .env
        .push(("WEIR_TEST_CORRUPT_TRANSFER".into(), "1".into()));
    let mut a = weir_runtime::Worker::spawn(config).unwrap();
    run(&mut a, "c0", "x = list(range(1000))");
    let err = a
        .capture("c7", &["x".to_string()], CaptureMode::Store)
        .unwrap_err();
    match &err {
        weir_runtime::WorkerError::TransferHash {
            cell_id,
            name,
            buffer,
            expected,
            actual,
        } => {
            assert_eq!((cell_id.as_str(), name.as_str(), *buffer), ("c7", "x", 0));
            assert_ne!(expected, actual);
        }
        other => panic!("{other}"),
    }
    // The frames were intact: the worker still works.
    let r = run(&mut a, "c0", "print(sum(x))");
    assert_eq!(r.text(StreamName::Stdout), "499500\n");
}

/// A value over the 256 MiB frame maximum crosses as several binary
/// frames, both ways.
#[test]
fn a_value_over_the_frame_maximum_is_split_across_frames() {
    let mut a = spawn();
    let r = run(
        &mut a,
        "c0",
        "big = bytearray(300 * 1024 * 1024)\nbig[-1] = 7\nbig[256 * 1024 * 1024] = 9",
    );
    assert_eq!(r.outcome.status, CellStatus::Ok);
    let captured = a
        .capture("c0", &["big".to_string()], CaptureMode::Store)
        .unwrap();
    let total: usize = captured.values[0].buffers.iter().map(Vec::len).sum();
    assert!(total > 300 * 1024 * 1024);
    drop(a);
    let mut b = spawn();
    let values = vec![("big".to_string(), captured.values[0].buffers.clone())];
    drop(captured);
    b.restore("c0", &["big".to_string()], &values)
        .unwrap()
        .unwrap();
    let r = run(
        &mut b,
        "c1",
        "print(len(big), big[-1], big[256 * 1024 * 1024], big[5])",
    );
    assert_eq!(r.text(StreamName::Stdout), "314572800 7 9 0\n");
}
