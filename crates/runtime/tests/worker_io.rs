//! Worker I/O in one loop (protocol v3), with real workers: text is
//! attributed to the cell whose code wrote it (its threads and child
//! processes included, also after it ended), or to the notebook's own
//! console; never to another cell, and never lost. No sleeps as sync: the
//! tests wait for the text they need, with a generous deadline.

mod common;

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use weir_project::Project;
use weir_runtime::kernel::{self, Delivery, EventBody, KernelConfig, RunMode};
use weir_runtime::{
    CellStatus, RunStatus, Session, SessionConfig, StreamName, StreamSource, UnsolicitedSink,
    Worker, WorkerEvent,
};

const DEADLINE: Duration = Duration::from_secs(60);

/// (origin cell, source, text) of every stream event, from run callbacks
/// and from the unsolicited sink alike.
type Seen = (Option<String>, StreamSource, String);

fn worker_with_sink() -> (Worker, mpsc::Sender<Seen>, mpsc::Receiver<Seen>) {
    let (tx, rx) = mpsc::channel();
    let sink_tx = tx.clone();
    let mut config = common::config();
    config.unsolicited = Some(UnsolicitedSink::new(move |e| {
        if let WorkerEvent::Stream {
            cell_id,
            source,
            text,
            ..
        } = e
        {
            let _ = sink_tx.send((cell_id, source, text));
        }
    }));
    (Worker::spawn(config).expect("worker starts"), tx, rx)
}

fn run(worker: &mut Worker, tx: &mpsc::Sender<Seen>, id: &str, code: &str) -> CellStatus {
    let outcome = worker
        .run_cell(id, "_", code, |e| {
            if let WorkerEvent::Stream {
                cell_id,
                source,
                text,
                ..
            } = e
            {
                let _ = tx.send((cell_id, source, text));
            }
        })
        .expect("cell runs");
    assert!(outcome.error.is_none(), "{outcome:#?}");
    outcome.status
}

/// Waits for a stream containing `needle`; returns its origin cell.
/// Order across cells is not asserted: text handed to the sink by the I/O
/// thread may overtake what the run callback delivers.
fn wait_for(rx: &mpsc::Receiver<Seen>, needle: &str) -> (Option<String>, StreamSource) {
    thread_local! {
        static SEEN: std::cell::RefCell<Vec<Seen>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let deadline = Instant::now() + DEADLINE;
    loop {
        let found = SEEN.with(|seen| {
            seen.borrow()
                .iter()
                .find(|(_, _, text)| text.contains(needle))
                .map(|(cell, source, _)| (cell.clone(), *source))
        });
        if let Some(found) = found {
            return found;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(seen) => SEEN.with(|s| s.borrow_mut().push(seen)),
            Err(_) => panic!("{needle:?} never arrived"),
        }
    }
}

#[test]
fn a_thread_printing_after_its_cell_ended_is_attributed_to_its_cell() {
    let (mut worker, tx, rx) = worker_with_sink();
    run(
        &mut worker,
        &tx,
        "a",
        "import threading\nev = threading.Event()\ndef late():\n    ev.wait()\n    print('late from a')\nt = threading.Thread(target=late)\nt.start()",
    );
    // b lets the thread print while b runs (and waits for it).
    run(
        &mut worker,
        &tx,
        "b",
        "ev.set()\nt.join()\nprint('b itself')",
    );
    assert_eq!(
        wait_for(&rx, "late from a"),
        (Some("a".into()), StreamSource::Python)
    );
    assert_eq!(wait_for(&rx, "b itself").0, Some("b".into()));
    // A thread started by a thread of a cell writes for that cell too, and
    // a thread-pool job for the cell that submitted it.
    run(
        &mut worker,
        &tx,
        "c",
        "import concurrent.futures as cf\nev2 = threading.Event()\ndef inner():\n    ev2.wait()\n    print('grandchild of c')\nthreading.Thread(target=lambda: threading.Thread(target=inner).start()).start()\npool = cf.ThreadPoolExecutor(1)\npool.submit(print, 'pool job of c').result()",
    );
    run(
        &mut worker,
        &tx,
        "d",
        "pool.submit(print, 'pool job of d').result()\nev2.set()",
    );
    assert_eq!(wait_for(&rx, "pool job of c").0, Some("c".into()));
    assert_eq!(wait_for(&rx, "pool job of d").0, Some("d".into()));
    assert_eq!(wait_for(&rx, "grandchild of c").0, Some("c".into()));
    let _ = worker.shutdown();
}

#[test]
fn a_thread_printing_while_the_worker_is_idle_reaches_the_sink() {
    let (mut worker, tx, rx) = worker_with_sink();
    run(
        &mut worker,
        &tx,
        "a",
        "import threading\nev = threading.Event()\ndef late():\n    ev.wait()\n    print('idle text of a')\nthreading.Thread(target=late).start()",
    );
    // b sets the event and ends at once: the text comes when no cell of
    // its own runs, and no request may be in flight.
    run(&mut worker, &tx, "b", "ev.set()");
    assert_eq!(wait_for(&rx, "idle text of a").0, Some("a".into()));
    let _ = worker.shutdown();
}

#[test]
fn a_child_process_printing_after_its_cell_ended_is_attributed_to_its_cell() {
    let (mut worker, tx, rx) = worker_with_sink();
    run(
        &mut worker,
        &tx,
        "a",
        "import subprocess\np = subprocess.Popen(['sh', '-c', 'read x; echo child of a'], stdin=subprocess.PIPE)",
    );
    run(
        &mut worker,
        &tx,
        "b",
        "p.stdin.write(b'go\\n')\np.stdin.close()\np.wait()",
    );
    assert_eq!(
        wait_for(&rx, "child of a"),
        (Some("a".into()), StreamSource::Fd)
    );
    let _ = worker.shutdown();
}

#[test]
fn fd_level_output_of_a_cell_is_its_own_before_done() {
    let mut worker = common::spawn();
    let ran = common::run(
        &mut worker,
        "a",
        "import os, subprocess\nos.write(1, b'fd one\\n')\nos.write(2, b'fd two\\n')\nsubprocess.run(['echo', 'from echo'])",
    );
    let fd: String = ran
        .events
        .iter()
        .filter_map(|e| match e {
            WorkerEvent::Stream {
                cell_id: Some(c),
                source: StreamSource::Fd,
                text,
                ..
            } if c == "a" => Some(text.as_str()),
            _ => None,
        })
        .collect();
    // Delivered before the cell's `done`: run_cell has returned.
    assert_eq!(fd, "fd one\nfd two\nfrom echo\n");
    let _ = worker.shutdown();
}

#[test]
fn a_thread_reading_stdin_gets_end_of_file() {
    let mut worker = common::spawn();
    let ran = common::run(
        &mut worker,
        "a",
        "import os, sys, threading\nout = []\ndef reader():\n    out.append(sys.stdin.read())\n    out.append(os.read(0, 10))\n    try:\n        input()\n    except EOFError:\n        out.append('EOFError')\nt = threading.Thread(target=reader)\nt.start()\nt.join(30)\nprint(t.is_alive(), out)",
    );
    assert_eq!(
        ran.text(StreamName::Stdout),
        "False ['', b'', 'EOFError']\n"
    );
    // The protocol is intact afterwards.
    assert_eq!(common::run(&mut worker, "b", "1 + 1").plain(), Some("2"));
    let _ = worker.shutdown();
}

fn notebook(cells: &[&str]) -> Project {
    let mut src = String::from("import weir\n\napp = weir.App()\n\n");
    for code in cells {
        src.push_str("@app.cell\ndef _():\n");
        for line in code.lines() {
            src.push_str("    ");
            src.push_str(line);
            src.push('\n');
        }
        src.push_str("    return\n\n\n");
    }
    src.push_str("if __name__ == \"__main__\":\n    app.run()\n");
    Project::from_source(&src).expect("test notebook parses")
}

fn session(cells: &[&str]) -> Session {
    let config = SessionConfig {
        python: Some(common::python()),
        python_path_extra: Some(common::python_dir()),
        ..SessionConfig::default()
    };
    Session::start(notebook(cells), config).expect("session starts")
}

#[test]
fn a_session_keeps_a_late_thread_line_with_its_origin_cell() {
    let mut s = session(&[
        "import threading\nev = threading.Event()\ndef late():\n    ev.wait()\n    print('late from the first cell')\nt = threading.Thread(target=late)\nt.start()",
        "ev.set()\nt.join()\nprint('second')",
    ]);
    let report = s.run_all(|_| {}).expect("run");
    assert_eq!(report.cells[1].status, RunStatus::Ok, "{report:#?}");
    assert_eq!(report.cells[1].text(StreamName::Stdout), "second\n");
    assert!(
        report.cells[0]
            .text(StreamName::Stdout)
            .contains("late from the first cell"),
        "{report:#?}"
    );
    let _ = s.shutdown();
}

fn fifo(label: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("weir-io-{label}-{}", std::process::id()));
    let _ = std::fs::remove_file(&p);
    let c = std::ffi::CString::new(p.to_string_lossy().as_bytes()).unwrap();
    // SAFETY: mkfifo with a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    p
}

#[test]
fn output_while_the_kernel_is_idle_reaches_a_subscriber_and_the_snapshot() {
    let gate = fifo("gate");
    let code = format!(
        "import os, threading\ndef late():\n    with open({:?}) as f:\n        f.read()\n    print('late python line')\n    os.write(1, b'late fd line\\n')\nthreading.Thread(target=late).start()",
        gate.to_string_lossy()
    );
    let handle = kernel::spawn(
        session(&[&code]),
        KernelConfig {
            mode: RunMode::Autorun,
            ..KernelConfig::default()
        },
    );
    let (_, events) = handle.connect();
    handle.send(kernel::Command::RunAll).unwrap();
    let idle = handle.wait_idle().unwrap();
    let cell_id = handle.snapshot().cells[0].meta.id;
    // The kernel is idle: nothing is in flight when the thread writes.
    std::fs::write(&gate, b"go").unwrap();
    let deadline = Instant::now() + DEADLINE;
    let (mut python_line, mut fd_line) = (None, None);
    while python_line.is_none() || fd_line.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        let Some(Delivery::Event(event)) = events.recv_timeout(Some(left)) else {
            panic!("the late lines never arrived");
        };
        match &event.body {
            EventBody::Stream { id, text, .. } if text.contains("late python line") => {
                python_line = Some((event.seq, *id));
            }
            // Written at the descriptor level after its cell ended: the
            // notebook's own console, not a cell's.
            EventBody::Console { text, .. } if text.contains("late fd line") => {
                fd_line = Some(event.seq);
            }
            EventBody::Stream { text, .. } if text.contains("late fd line") => {
                panic!("fd text after its cell ended shown under a cell: {event:?}")
            }
            _ => {}
        }
    }
    let (seq, id) = python_line.unwrap();
    assert!(seq > idle && fd_line.unwrap() > idle);
    assert_eq!(id, cell_id);
    let snapshot = handle.snapshot();
    let cell_console: String = snapshot.cells[0]
        .console
        .iter()
        .map(|c| c.text.as_str())
        .collect();
    assert!(cell_console.contains("late python line"), "{snapshot:#?}");
    let console: String = snapshot.console.iter().map(|c| c.text.as_str()).collect();
    assert!(console.contains("late fd line"), "{snapshot:#?}");
    handle.shutdown();
    let _ = std::fs::remove_file(&gate);
}

#[test]
fn a_child_writing_more_than_a_pipe_holds_while_its_cell_waits_never_stalls() {
    // The cell waits for the child, the child waits for room in the cell's
    // pipe: the worker's forwarder must drain it while the cell runs.
    let mut worker = common::spawn();
    let ran = common::run(
        &mut worker,
        "a",
        "import subprocess\nsubprocess.run(['sh', '-c', 'yes | head -c 3000000'], check=True)",
    );
    assert_eq!(ran.outcome.status, CellStatus::Ok);
    let fd_bytes: usize = ran
        .events
        .iter()
        .map(|e| match e {
            WorkerEvent::Stream {
                cell_id: Some(c),
                source: StreamSource::Fd,
                text,
                ..
            } if c == "a" => text.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(fd_bytes, 3_000_000);
    let _ = worker.shutdown();
}
