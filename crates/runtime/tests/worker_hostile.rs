//! Hostile cells, with real workers: each ends with a clear message on the
//! cell concerned, the worker and the later cells live on, and nothing is
//! written into the user's files (issue 8, point 6).

mod common;

use weir_runtime::{RunReport, RunStatus, Session, StreamName};

/// Runs the cells followed by a probe cell; asserts the probe ran.
fn run_then_probe(cells: &[&str]) -> RunReport {
    let mut all: Vec<&str> = cells.to_vec();
    all.push("print('probe alive')");
    let config = common::session_config();
    let mut session = Session::start(common::notebook(&all), config).expect("session starts");
    let report = session.run_all(|_| {}).expect("run");
    let probe = report.cells.last().unwrap();
    assert_eq!(
        (probe.status, probe.text(StreamName::Stdout).as_str()),
        (RunStatus::Ok, "probe alive\n"),
        "the worker and later cells live on: {report:#?}"
    );
    assert!(report.worker_died.is_none(), "{report:#?}");
    let _ = session.shutdown();
    report
}

fn plain(report: &RunReport, index: usize) -> String {
    report.cells[index]
        .outputs
        .iter()
        .filter_map(|o| o.get("text/plain").and_then(|v| v.as_str()))
        .collect()
}

fn temp_file(label: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("weir-hostile-{label}-{}", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

#[test]
fn nan_infinities_and_deep_json_are_refused_with_a_note() {
    let report = run_then_probe(&[
        "class J:\n    def _repr_json_(self):\n        return {'a': float('nan'), 'b': float('inf')}\nJ()",
        "class D:\n    def _repr_json_(self):\n        d = 1\n        for _ in range(500):\n            d = [d]\n        return d\nD()",
    ]);
    for index in [0, 1] {
        let cell = &report.cells[index];
        assert_eq!(cell.status, RunStatus::Ok, "{cell:#?}");
        assert!(!cell.outputs[0].contains_key("application/json"));
    }
    assert!(
        plain(&report, 0).contains("not JSON"),
        "{}",
        plain(&report, 0)
    );
    assert!(
        plain(&report, 1).contains("nested more than"),
        "{}",
        plain(&report, 1)
    );
}

#[test]
fn plotly_vega_and_widget_json_arrive_as_json() {
    let report = run_then_probe(&[
        "class P:\n    def _repr_mimebundle_(self, include=None, exclude=None):\n        return {'application/vnd.plotly.v1+json': {'data': [1, 2]}, 'application/vnd.vegalite.v5+json': '{\"mark\": \"bar\"}', 'application/vnd.jupyter.widget-view+json': {'model_id': 'm1'}}\nP()",
    ]);
    let out = &report.cells[0].outputs[0];
    assert_eq!(
        out.get("application/vnd.plotly.v1+json"),
        Some(&serde_json::json!({"data": [1, 2]}))
    );
    assert_eq!(
        out.get("application/vnd.vegalite.v5+json"),
        Some(&serde_json::json!({"mark": "bar"})),
        "JSON text is parsed, not passed on as a string"
    );
    assert_eq!(
        out.get("application/vnd.jupyter.widget-view+json"),
        Some(&serde_json::json!({"model_id": "m1"}))
    );
}

#[test]
fn an_output_over_the_limit_is_a_notice_with_its_size() {
    let report = run_then_probe(&[
        "class P:\n    def _repr_png_(self):\n        return b'\\x89PNG' + b'z' * (40 * 1024 * 1024)\nP()",
    ]);
    let cell = &report.cells[0];
    assert_eq!(cell.status, RunStatus::Ok);
    assert!(!cell.outputs[0].contains_key("image/png"));
    let note = plain(&report, 0);
    assert!(
        note.contains("40.0 MiB") && note.contains("limit"),
        "{note}"
    );
}

#[test]
fn a_huge_console_stream_is_capped_with_a_notice() {
    let report = run_then_probe(&["import sys\nsys.stdout.write('x' * (20 * 1024 * 1024))"]);
    let cell = &report.cells[0];
    assert_eq!(cell.status, RunStatus::Ok);
    assert!(cell.text(StreamName::Stdout).len() <= 8 * 1024 * 1024);
    assert!(cell.text(StreamName::Stderr).contains("not kept"));
}

#[test]
fn closing_fd_2_and_opening_a_file_never_puts_weir_bytes_in_the_file() {
    let victim = temp_file("victim");
    let code = format!(
        "import os\nos.close(2)\nf = open({:?}, 'w')",
        victim.to_string_lossy()
    );
    let report = run_then_probe(&[&code, "print('after')", "f.write('mine')\nf.flush()"]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine");
    assert!(
        report.cells[0]
            .text(StreamName::Stderr)
            .contains("fd 2 (stderr) elsewhere")
    );
    assert_eq!(report.cells[1].text(StreamName::Stdout), "after\n");
    let _ = std::fs::remove_file(&victim);
}

#[test]
fn closing_fd_1_and_fd_2_is_repaired_and_reported() {
    let report = run_then_probe(&[
        "import os\nos.close(1)\nos.close(2)",
        "import os as os2\nos2.write(1, b'fd level\\n')",
    ]);
    let notes = report.cells[0].text(StreamName::Stderr);
    assert!(
        notes.contains("closed fd 1") && notes.contains("closed fd 2"),
        "{notes}"
    );
    assert!(
        report.cells[1]
            .text(StreamName::Stderr)
            .contains("fd level")
    );
}

#[test]
fn redirecting_fd_1_and_fd_2_to_a_file_keeps_weir_out_of_it() {
    let target = temp_file("redirect");
    let code = format!(
        "import os\nfd = os.open({:?}, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)\nos.dup2(fd, 1)\nos.dup2(fd, 2)\nos.write(2, b'to file\\n')",
        target.to_string_lossy()
    );
    let report = run_then_probe(&[&code, "print('python level still shows')"]);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "to file\n");
    assert_eq!(
        report.cells[1].text(StreamName::Stdout),
        "python level still shows\n"
    );
    let _ = std::fs::remove_file(&target);
}

#[test]
fn a_forked_child_prints_and_the_worker_lives_on() {
    let report = run_then_probe(&[
        "import os\npid = os.fork()\nif pid == 0:\n    print('from the child', flush=True)\n    os._exit(0)\nos.waitpid(pid, 0)\nprint('parent')",
        // A child that runs on to the end of the cell ends quietly there.
        "import os as os2\nchild = os2.fork()\nif child:\n    os2.waitpid(child, 0)\nprint('once')",
    ]);
    let first = &report.cells[0];
    assert_eq!(first.status, RunStatus::Ok, "{first:#?}");
    let all = format!(
        "{}{}",
        first.text(StreamName::Stdout),
        first.text(StreamName::Stderr)
    );
    assert!(
        all.contains("from the child") && all.contains("parent"),
        "{all}"
    );
    assert_eq!(report.cells[1].status, RunStatus::Ok);
}

#[test]
fn a_multiprocessing_pool_whose_workers_print_leaves_the_worker_alive() {
    let report = run_then_probe(&[
        "import multiprocessing as mp\ndef f(x):\n    print('in child', x, flush=True)\n    return x * 2\nwith mp.get_context('fork').Pool(2) as pool:\n    print(pool.map(f, [1, 2, 3]))",
    ]);
    let cell = &report.cells[0];
    assert_eq!(cell.status, RunStatus::Ok, "{cell:#?}");
    assert!(cell.text(StreamName::Stdout).contains("[2, 4, 6]"));
}

#[test]
fn protocol_descriptors_never_reach_a_forked_child() {
    let report = run_then_probe(&[
        "import os, weir._wire as w\nfds = [w.ACTIVE._out_fd, w.ACTIVE._in_fd]\npid = os.fork()\nif pid == 0:\n    leaked = []\n    for fd in fds:\n        try:\n            os.fstat(fd)\n            leaked.append(fd)\n        except OSError:\n            pass\n    os._exit(1 if leaked else 0)\n_, status = os.waitpid(pid, 0)\nprint('child exit', os.waitstatus_to_exitcode(status))",
    ]);
    assert_eq!(
        report.cells[0].text(StreamName::Stdout),
        "child exit 0\n",
        "{:#?}",
        report.cells[0]
    );
}

#[test]
fn sys_stdout_buffer_works_and_decodes_split_characters() {
    let report = run_then_probe(&[
        "import sys\nb = 'é€'.encode()\nsys.stdout.buffer.write(b[:1])\nsys.stdout.buffer.write(b[1:] + b'\\n')\nsys.stderr.buffer.write(b'err bytes\\n')\nsys.stdout.buffer.flush()",
    ]);
    let cell = &report.cells[0];
    assert_eq!(cell.status, RunStatus::Ok, "{cell:#?}");
    assert_eq!(cell.text(StreamName::Stdout), "é€\n");
    assert_eq!(cell.text(StreamName::Stderr), "err bytes\n");
}

#[test]
fn sys_exit_keyboard_interrupt_and_endless_recursion_are_errors_of_their_cell() {
    let report = run_then_probe(&[
        "import sys\nsys.exit(3)",
        "raise KeyboardInterrupt('by code')",
        "def f(n):\n    return f(n + 1)\nf(0)",
    ]);
    let kinds: Vec<(RunStatus, String)> = report.cells[..3]
        .iter()
        .map(|c| {
            (
                c.status,
                c.error
                    .as_ref()
                    .map(|e| e.exc_type.clone())
                    .unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            (RunStatus::Error, "SystemExit".to_string()),
            (RunStatus::Error, "KeyboardInterrupt".to_string()),
            (RunStatus::Error, "RecursionError".to_string()),
        ]
    );
    assert!(
        !report.interrupted,
        "code raising KeyboardInterrupt is not an interrupt"
    );
}

/// A thread that reads the protocol descriptor would take requests meant
/// for the worker (issue 8, point 6: "today a hang"). Before a cell's first
/// thread starts, the worker moves that descriptor into a private reader
/// thread's descriptor table, so the thief's number names nothing of the
/// protocol: every later run works. The thief makes the descriptor
/// blocking first and reads in a loop, as careless code would.
#[test]
fn a_thread_reading_the_protocol_descriptor_cannot_take_requests() {
    let thief = "import os, threading\nimport weir._wire as wire\nfd = wire.ACTIVE._in_fd\n\
                 def steal():\n    while True:\n        try:\n            os.set_blocking(fd, True)\n            os.read(fd, 1 << 16)\n        except OSError:\n            return\n\
                 thief = threading.Thread(target=steal, name='thief', daemon=True)\nthief.start()";
    let config = common::session_config();
    let mut session = Session::start(common::notebook(&[thief, "y = 1"]), config).expect("starts");
    for round in 0..4 {
        let report = session.run_all(|_| {}).expect("run");
        assert!(report.worker_died.is_none(), "round {round}: {report:#?}");
        assert_eq!(
            report.cells[1].status,
            RunStatus::Ok,
            "round {round}: {report:#?}"
        );
    }
    let _ = session.shutdown();
}

/// The same with a thread started below `threading` (`_thread`), which
/// the worker also watches for.
#[test]
fn a_raw_thread_reading_the_protocol_descriptor_cannot_take_requests() {
    let thief = "import os, _thread\nimport weir._wire as wire\nfd = wire.ACTIVE._in_fd\n\
                 def steal():\n    try:\n        os.set_blocking(fd, True)\n        os.read(fd, 1 << 16)\n    except OSError:\n        pass\n\
                 _thread.start_new_thread(steal, ())";
    let config = common::session_config();
    let mut session = Session::start(common::notebook(&[thief, "y = 1"]), config).expect("starts");
    for round in 0..4 {
        let report = session.run_all(|_| {}).expect("run");
        assert!(report.worker_died.is_none(), "round {round}: {report:#?}");
        assert_eq!(
            report.cells[1].status,
            RunStatus::Ok,
            "round {round}: {report:#?}"
        );
    }
    let _ = session.shutdown();
}
