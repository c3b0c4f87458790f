//! Real Python workers running cells: namespace, streams, outputs,
//! tracebacks, deletes, await, weir.stop, interrupts.

mod common;

use common::{run, spawn};
use weir_runtime::{CellStatus, OutputAction, StreamName, StreamSource, WorkerEvent};

#[test]
fn ready_reports_versions() {
    let worker = spawn();
    let info = worker.info();
    assert_eq!(
        info.protocol,
        u32::from(weir_runtime::frame::PROTOCOL_VERSION)
    );
    assert_eq!(info.weir_version, weir_runtime::RUNTIME_VERSION);
    assert!(info.python_version.starts_with("3."));
    assert_eq!(Some(info.pid), worker.pid());
}

#[test]
fn cells_share_one_namespace() {
    let mut w = spawn();
    let a = run(&mut w, "a", "x = 20\ndef f(v):\n    return v + 1");
    assert_eq!(a.outcome.status, CellStatus::Ok);
    assert_eq!(a.outcome.output, None);
    let b = run(&mut w, "b", "y = f(x) * 2\ny");
    assert_eq!(b.outcome.status, CellStatus::Ok);
    assert_eq!(b.plain(), Some("42"));
    let c = run(&mut w, "c", "__name__");
    assert_eq!(c.plain(), Some("'__main__'"));
}

#[test]
fn streams_arrive_in_order() {
    let mut w = spawn();
    let code = "import sys\nfor i in range(2000):\n    print(i)\nprint('to err', file=sys.stderr)\nsys.stdout.write('no newline')";
    let ran = run(&mut w, "s", code);
    let mut expected: String = (0..2000).map(|i| format!("{i}\n")).collect();
    expected.push_str("no newline");
    assert_eq!(ran.text(StreamName::Stdout), expected);
    assert_eq!(ran.text(StreamName::Stderr), "to err\n");
    // Started comes first; every stream event names the cell.
    assert!(matches!(&ran.events[0], WorkerEvent::Started { cell_id } if cell_id == "s"));
    for e in &ran.events[1..] {
        if let WorkerEvent::Stream { cell_id, .. } = e {
            assert_eq!(cell_id.as_deref(), Some("s"));
        }
    }
}

#[test]
fn fd_level_writes_are_forwarded_with_their_cell() {
    let mut w = spawn();
    let ran = run(
        &mut w,
        "fd",
        "import os\nos.write(1, b'fd one\\n')\nos.write(2, b'fd two\\n')\nos.write(2, b'partial')",
    );
    let fd: Vec<String> = ran
        .events
        .iter()
        .filter_map(|e| match e {
            WorkerEvent::Stream {
                source: StreamSource::Fd,
                cell_id,
                text,
                ..
            } => {
                assert_eq!(cell_id.as_deref(), Some("fd"));
                Some(text.clone())
            }
            _ => None,
        })
        .collect();
    assert_eq!(fd.concat(), "fd one\nfd two\npartial");
    // The next cell sees none of it.
    let next = run(&mut w, "n", "1");
    assert!(
        next.events
            .iter()
            .all(|e| !matches!(e, WorkerEvent::Stream { .. }))
    );
}

#[test]
fn last_expression_renders_to_mime_bundles() {
    let mut w = spawn();
    let html = run(
        &mut w,
        "h",
        "class H:\n    def _repr_html_(self):\n        return '<b>hi</b>'\nH()",
    );
    let out = html.outcome.output.as_ref().unwrap();
    assert_eq!(out["text/html"], "<b>hi</b>");
    assert!(out["text/plain"].as_str().unwrap().contains("H object"));

    let md = run(&mut w, "m", "import weir\nweir.md('# Title')");
    assert_eq!(
        md.outcome.output.as_ref().unwrap()["text/markdown"],
        "# Title"
    );

    let png = run(
        &mut w,
        "p",
        "class P:\n    def _repr_png_(self):\n        return b'\\x89PNG\\r\\n\\x1a\\n'\nP()",
    );
    // base64 of the PNG signature
    assert_eq!(
        png.outcome.output.as_ref().unwrap()["image/png"],
        "iVBORw0KGgo="
    );

    let none = run(&mut w, "z", "x = 1\nNone");
    assert_eq!(none.outcome.output, None);

    let statement = run(&mut w, "st", "y = 2");
    assert_eq!(statement.outcome.output, None);
}

#[test]
fn a_repr_that_raises_is_a_note_not_an_error() {
    let mut w = spawn();
    let ran = run(
        &mut w,
        "r",
        "class Bad:\n    def __repr__(self):\n        raise ValueError('nope')\nBad()",
    );
    assert_eq!(ran.outcome.status, CellStatus::Ok);
    assert_eq!(ran.plain(), Some("<repr failed: ValueError: nope>"));
    let html = run(
        &mut w,
        "r2",
        "class B:\n    def _repr_html_(self):\n        raise KeyError('k')\n    def __repr__(self):\n        return 'B'\nB()",
    );
    assert_eq!(html.outcome.status, CellStatus::Ok);
    let plain = html.plain().unwrap();
    assert!(
        plain.starts_with("B\n<_repr_html_ failed: KeyError"),
        "{plain}"
    );
}

#[test]
fn tracebacks_name_the_cell_and_its_line() {
    let mut w = spawn();
    let mut events = Vec::new();
    let outcome = w
        .run_cell(
            "c7",
            "loader",
            "x = 1\n\ndef f():\n    raise ValueError('boom')\n\nf()",
            |e| events.push(e),
        )
        .unwrap();
    assert_eq!(outcome.status, CellStatus::Error);
    let err = outcome.error.unwrap();
    assert_eq!(err.exc_type, "ValueError");
    assert_eq!(err.message, "boom");
    assert!(
        err.traceback
            .contains("File \"<cell loader (c7)>\", line 4, in f"),
        "{}",
        err.traceback
    );
    assert!(
        err.traceback.contains("raise ValueError('boom')"),
        "{}",
        err.traceback
    );
    assert!(
        !err.traceback.contains("_worker"),
        "worker frames leak: {}",
        err.traceback
    );
    let last = err.frames.last().unwrap();
    assert_eq!(
        (last.lineno, last.cell_id.as_deref()),
        (Some(4), Some("c7"))
    );
    assert_eq!(err.frames[0].lineno, Some(6));

    // A function from another cell: its frame names that cell.
    let other = run(&mut w, "c8", "f()");
    let frames = other.outcome.error.unwrap().frames;
    assert_eq!(frames[0].cell_id.as_deref(), Some("c8"));
    assert_eq!(frames[1].cell_id.as_deref(), Some("c7"));

    let syntax = run(&mut w, "c9", "x = (");
    let err = syntax.outcome.error.unwrap();
    assert_eq!(err.exc_type, "SyntaxError");
    assert_eq!(err.frames[0].cell_id.as_deref(), Some("c9"));
}

#[test]
fn delete_names_removes_from_the_namespace() {
    let mut w = spawn();
    run(&mut w, "a", "a = 1\nb = 2");
    let removed = w
        .delete_names(&["a".into(), "missing".into(), "__builtins__".into()])
        .unwrap();
    assert_eq!(removed, vec!["a".to_string()]);
    let after = run(&mut w, "b", "b");
    assert_eq!(after.plain(), Some("2"));
    let gone = run(&mut w, "c", "a");
    assert_eq!(gone.outcome.status, CellStatus::Error);
    assert_eq!(gone.outcome.error.unwrap().exc_type, "NameError");
}

#[test]
fn top_level_await_works() {
    let mut w = spawn();
    let ran = run(
        &mut w,
        "aw",
        "import asyncio\nawait asyncio.sleep(0.01)\nvalue = await asyncio.sleep(0, result=41)\nvalue + 1",
    );
    assert_eq!(ran.outcome.status, CellStatus::Ok);
    assert_eq!(ran.plain(), Some("42"));
    // The loop persists: a task made in one cell is awaited in the next.
    run(
        &mut w,
        "t1",
        "import asyncio\ntask = asyncio.ensure_future(asyncio.sleep(0, result='later'))",
    );
    assert_eq!(run(&mut w, "t2", "await task").plain(), Some("'later'"));
}

#[test]
fn weir_stop_stops_with_output() {
    let mut w = spawn();
    let ran = run(
        &mut w,
        "st",
        "import weir\nprint('before')\nweir.stop(True, weir.md('halted'))\nprint('after')",
    );
    assert_eq!(ran.outcome.status, CellStatus::Stopped);
    assert_eq!(ran.text(StreamName::Stdout), "before\n");
    assert_eq!(ran.outcome.output.unwrap()["text/markdown"], "halted");
    let go = run(&mut w, "go", "import weir\nweir.stop(False)\n'went on'");
    assert_eq!(go.outcome.status, CellStatus::Ok);
}

#[test]
fn weir_output_calls_are_events() {
    let mut w = spawn();
    let ran = run(
        &mut w,
        "o",
        "import weir\nweir.output.append(1)\nweir.output.replace(weir.md('x'))\nweir.output.clear()",
    );
    let actions: Vec<OutputAction> = ran
        .events
        .iter()
        .filter_map(|e| match e {
            WorkerEvent::Output { action, .. } => Some(*action),
            _ => None,
        })
        .collect();
    assert_eq!(
        actions,
        [
            OutputAction::Append,
            OutputAction::Replace,
            OutputAction::Clear
        ]
    );
}

#[test]
fn interrupt_a_busy_cell_and_keep_going() {
    let mut w = spawn();
    run(&mut w, "pre", "kept = 'still here'");
    for (id, code) in [
        ("spin", "while True:\n    pass"),
        ("sleep", "import time\ntime.sleep(600)"),
        ("async", "import asyncio\nawait asyncio.sleep(600)"),
    ] {
        let interrupter = w.interrupter();
        let outcome = w
            .run_cell(id, "_", code, |e| {
                if matches!(e, WorkerEvent::Started { .. }) {
                    interrupter.interrupt().unwrap();
                }
            })
            .unwrap();
        assert_eq!(outcome.status, CellStatus::Interrupted, "{id}");
        assert_eq!(outcome.error, None);
    }
    // Idle interrupts are ignored; the namespace survived.
    w.interrupt().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert_eq!(run(&mut w, "post", "kept").plain(), Some("'still here'"));
}

#[test]
fn exit_in_a_cell_does_not_end_the_worker() {
    let mut w = spawn();
    let ran = run(&mut w, "e", "import sys\nsys.exit(3)");
    assert_eq!(ran.outcome.status, CellStatus::Error);
    assert_eq!(ran.outcome.error.unwrap().exc_type, "SystemExit");
    assert_eq!(run(&mut w, "f", "1 + 1").plain(), Some("2"));
}

#[test]
fn a_hundred_megabytes_streams_in_chunks() {
    let mut w = spawn();
    let code = "import sys\nchunk = 'x' * 1_000_000\nfor _ in range(100):\n    sys.stdout.write(chunk)\nprint()";
    let mut total = 0usize;
    let mut largest = 0usize;
    let mut count = 0usize;
    let outcome = w
        .run_cell("big", "_", code, |e| {
            if let WorkerEvent::Stream { text, .. } = e {
                total += text.len();
                largest = largest.max(text.len());
                count += 1;
            }
        })
        .unwrap();
    assert_eq!(outcome.status, CellStatus::Ok);
    assert_eq!(total, 100_000_001);
    assert!(largest <= 64 * 1024, "an event carried {largest} bytes");
    assert!(count >= 1500, "{count} events");
}

#[test]
fn shutdown_exits_zero() {
    let w = spawn();
    assert_eq!(w.shutdown().unwrap(), weir_runtime::ExitKind::Code(0));
}
