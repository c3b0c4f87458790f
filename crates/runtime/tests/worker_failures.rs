//! Real Python workers failing: death mid-cell, corrupted frames in both
//! directions, bad interpreters, version mismatches.

mod common;
#[path = "../../../tests/support/skip.rs"]
mod skip;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{config, python, python_dir, run, spawn};
use weir_runtime::frame::{FrameDecoder, FrameKind, encode};
use weir_runtime::{CellStatus, ExitKind, FrameCheck, Worker, WorkerConfig, WorkerError};

#[test]
fn os_exit_mid_cell_is_reported_with_status_and_cell() {
    let mut w = spawn();
    run(&mut w, "a", "x = 1");
    let err = w
        .run_cell("dies", "_", "print('bye')\nimport os\nos._exit(7)", |_| {})
        .unwrap_err();
    match err {
        WorkerError::WorkerDied {
            status,
            running_cell,
        } => {
            assert_eq!(status, ExitKind::Code(7));
            assert_eq!(running_cell.as_deref(), Some("dies"));
        }
        other => panic!("expected WorkerDied, got {other:?}"),
    }
    assert!(w.is_closed());
    assert!(matches!(
        w.run_cell("again", "_", "1", |_| {}),
        Err(WorkerError::Closed)
    ));
    assert!(matches!(w.interrupt(), Err(WorkerError::Closed)));
}

#[test]
fn sigkill_mid_cell_is_reported_with_the_signal() {
    let mut w = spawn();
    let err = w
        .run_cell(
            "killed",
            "_",
            "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
            |_| {},
        )
        .unwrap_err();
    let text = err.to_string();
    match err {
        WorkerError::WorkerDied {
            status,
            running_cell,
        } => {
            assert_eq!(status, ExitKind::Signal(9));
            assert_eq!(running_cell.as_deref(), Some("killed"));
        }
        other => panic!("expected WorkerDied, got {other:?}"),
    }
    assert!(
        text.contains("signal 9") && text.contains("\"killed\""),
        "{text}"
    );
}

#[test]
fn killed_from_outside_while_idle_is_noticed_on_next_command() {
    let mut w = spawn();
    // SAFETY: signalling the worker we spawned and still own.
    unsafe { libc::kill(w.pid().expect("a process") as libc::pid_t, libc::SIGKILL) };
    let err = w.run_cell("c", "_", "1", |_| {}).unwrap_err();
    assert!(
        matches!(
            err,
            WorkerError::WorkerDied {
                status: ExitKind::Signal(9),
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_corrupted_frame_from_the_worker_is_a_typed_error() {
    let mut w = spawn();
    // Cell code reaches the worker's private channel and sends a stream
    // message whose payload has one bit flipped.
    let code = r#"
import weir._wire as wire
ch = wire.ACTIVE
frame = bytearray(wire.encode_message(ch.next_send_seq, {"type": "stream", "cell_id": "x", "name": "stdout", "text": "hello"}))
frame[30] ^= 0x04
ch.send_raw(bytes(frame))
"#;
    let err = w.run_cell("bad", "_", code, |_| {}).unwrap_err();
    match &err {
        WorkerError::Frame(frame) => {
            assert!(
                matches!(frame.check, FrameCheck::PayloadCrc { .. }),
                "{frame}"
            );
            // ready (0) and started (1) came before it.
            assert_eq!(frame.index, 2);
            assert_eq!(frame.seq, Some(2));
        }
        other => panic!("expected a frame error, got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("bad frame #2") && text.contains("payload CRC-32"),
        "{text}"
    );
    assert!(w.is_closed());
}

#[test]
fn a_worker_frame_with_a_flipped_header_bit_fails_the_header_check() {
    // Talk to a worker by hand: read its `ready` frame, flip one bit of the
    // length field, and decode.
    let mut child = Command::new(python())
        .args(["-m", "weir._worker"])
        .env("PYTHONPATH", python_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut header = [0u8; 24];
    out.read_exact(&mut header).unwrap();
    let len = u32::from_le_bytes(header[12..16].try_into().unwrap()) as usize;
    let mut payload = vec![0u8; len];
    out.read_exact(&mut payload).unwrap();
    drop(child.stdin.take()); // EOF: the worker exits 0
    assert!(child.wait().unwrap().success());

    let mut good = header.to_vec();
    good.extend(&payload);
    let mut d = FrameDecoder::new();
    d.push(&good);
    assert!(d.next_frame().unwrap().is_some(), "the real frame decodes");

    let mut bad = good.clone();
    bad[13] ^= 0x10;
    let mut d = FrameDecoder::new();
    d.push(&bad);
    let err = d.next_frame().unwrap_err();
    assert!(matches!(err.check, FrameCheck::HeaderCrc { .. }), "{err}");
    assert_eq!(err.index, 0);
}

#[test]
fn the_worker_rejects_a_corrupted_frame_and_exits_distinctly() {
    let mut w = spawn();
    let payload = br#"{"type":"delete","names":[]}"#;
    let mut frame = encode(FrameKind::Json, w.next_send_seq(), payload).unwrap();
    let last = frame.len() - 1;
    frame[last] ^= 0x01;
    w.send_raw_for_tests(&frame, true).unwrap();
    let err = w.delete_names(&[]).unwrap_err();
    match err {
        WorkerError::WorkerRejectedFrame {
            frame_index,
            check,
            message,
            status,
        } => {
            assert_eq!(frame_index, Some(0));
            assert_eq!(check, "payload_crc");
            assert!(message.contains("bad frame #0"), "{message}");
            assert_eq!(status, ExitKind::Code(65));
        }
        other => panic!("expected WorkerRejectedFrame, got {other:?}"),
    }
}

#[test]
fn the_worker_rejects_a_wrong_sequence_number() {
    let mut w = spawn();
    let frame = encode(FrameKind::Json, 5, br#"{"type":"shutdown"}"#).unwrap();
    w.send_raw_for_tests(&frame, true).unwrap();
    match w.delete_names(&[]).unwrap_err() {
        WorkerError::WorkerRejectedFrame { check, message, .. } => {
            assert_eq!(check, "sequence");
            assert!(message.contains("expected 0, got 5"), "{message}");
        }
        other => panic!("expected WorkerRejectedFrame, got {other:?}"),
    }
}

#[test]
fn the_worker_rejects_an_unknown_message_type() {
    let mut w = spawn();
    let frame = encode(FrameKind::Json, 0, br#"{"type":"dance"}"#).unwrap();
    w.send_raw_for_tests(&frame, true).unwrap();
    match w.delete_names(&[]).unwrap_err() {
        WorkerError::WorkerRejectedFrame { check, status, .. } => {
            assert_eq!(check, "unknown_type");
            assert_eq!(status, ExitKind::Code(65));
        }
        other => panic!("expected WorkerRejectedFrame, got {other:?}"),
    }
}

#[test]
fn a_missing_interpreter_is_named() {
    let path = PathBuf::from("/no/such/dir/python3");
    let err = Worker::spawn(WorkerConfig::new(&path)).unwrap_err();
    assert!(
        matches!(&err, WorkerError::InterpreterNotFound { path: p } if *p == path),
        "{err:?}"
    );
    assert!(err.to_string().contains("/no/such/dir/python3"));
    let bare = Worker::spawn(WorkerConfig::new("weir-no-such-python")).unwrap_err();
    assert!(
        matches!(bare, WorkerError::InterpreterNotFound { .. }),
        "{bare:?}"
    );
}

#[test]
fn a_missing_working_directory_is_not_a_missing_interpreter() {
    let mut c = config();
    c.cwd = Some(PathBuf::from("/no/such/cwd"));
    let err = Worker::spawn(c).unwrap_err();
    assert!(matches!(err, WorkerError::Spawn { .. }), "{err:?}");
    assert!(err.to_string().contains("/no/such/cwd"), "{err}");
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weir-runtime-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_missing_weir_package_fails_startup_with_stderr() {
    let mut c = WorkerConfig::new(python());
    c.cwd = Some(scratch_dir("nopkg"));
    c.env.push(("PYTHONPATH".into(), "".into()));
    let err = Worker::spawn(c).unwrap_err();
    match err {
        WorkerError::StartupFailed { stderr, status, .. } => {
            assert!(stderr.contains("No module named 'weir'"), "{stderr}");
            assert_eq!(status, ExitKind::Code(1));
        }
        other => panic!("expected StartupFailed, got {other:?}"),
    }
}

#[test]
fn a_too_old_interpreter_is_refused() {
    // A stand-in interpreter that is "Python 3.8" and cannot run the worker.
    let dir = scratch_dir("old");
    let fake = dir.join("python");
    write_executable(
        &fake,
        "#!/bin/sh\nif [ \"$1\" = \"-c\" ]; then echo 3.8.18; exit 0; fi\necho 'SyntaxError' >&2\nexit 1\n",
    );
    let err = Worker::spawn(WorkerConfig::new(&fake)).unwrap_err();
    match &err {
        WorkerError::PythonTooOld { version, path } => {
            assert_eq!(version, "3.8.18");
            assert_eq!(path, &fake);
        }
        other => panic!("expected PythonTooOld, got {other:?}"),
    }
    assert!(err.to_string().contains(">= 3.9"), "{err}");
}

#[test]
fn a_real_python_3_8_is_refused_if_present() {
    let old = Path::new("/root/.pyenv/versions/3.8.18/bin/python3.8");
    if !old.exists() {
        skip::skip_or_fail(
            "a_real_python_3_8_is_refused_if_present",
            &format!("no Python 3.8 at {}", old.display()),
        );
        return;
    }
    let mut c = config();
    c.python = old.to_path_buf();
    let err = Worker::spawn(c).unwrap_err();
    assert!(
        matches!(err, WorkerError::PythonTooOld { ref version, .. } if version.starts_with("3.8")),
        "{err:?}"
    );
}

#[test]
fn a_different_weir_version_is_a_clear_mismatch() {
    // A copy of the package claiming another version.
    let dir = scratch_dir("mismatch");
    let pkg = dir.join("weir");
    std::fs::create_dir_all(&pkg).unwrap();
    for entry in std::fs::read_dir(python_dir().join("weir")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "py") {
            let mut text = std::fs::read_to_string(&path).unwrap();
            if path.ends_with("__init__.py") {
                text = text.replace("__version__ = \"0.1.0\"", "__version__ = \"9.9.9\"");
            }
            std::fs::write(pkg.join(path.file_name().unwrap()), text).unwrap();
        }
    }
    let mut c = WorkerConfig::new(python());
    c.python_path_extra = Some(dir);
    let err = Worker::spawn(c).unwrap_err();
    match &err {
        WorkerError::VersionMismatch {
            runtime, worker, ..
        } => {
            assert_eq!(runtime, weir_runtime::RUNTIME_VERSION);
            assert_eq!(worker, "9.9.9");
        }
        other => panic!("expected VersionMismatch, got {other:?}"),
    }
    assert!(err.to_string().contains("9.9.9"));
}

#[test]
fn dropping_a_busy_worker_kills_it() {
    let mut w = spawn();
    let pid = w.pid().expect("a process") as libc::pid_t;
    let interrupter = w.interrupter();
    // Leave a cell running in the background of the worker: a thread.
    let ran = run(
        &mut w,
        "t",
        "import threading, time\nthreading.Thread(target=lambda: time.sleep(600)).start()",
    );
    assert_eq!(ran.outcome.status, CellStatus::Ok);
    drop(w);
    // SAFETY: signal 0 only checks existence; the pid was reaped by drop,
    // so ESRCH (or a reused pid, which we do not signal) is expected.
    assert!(matches!(interrupter.interrupt(), Err(WorkerError::Closed)));
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    assert!(!alive, "worker {pid} still alive");
}
