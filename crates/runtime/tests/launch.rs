//! Starting a session for a notebook file with one call
//! (`weir_runtime::launch`), and the kernel's reported run that batch
//! clients (`weir exec`, `verify`, `export`) use, over real Python workers.
//!
//! Synchronisation is by events only; a cell that must keep running until
//! the test is ready waits for a gate file the test creates.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use weir_runtime::RunStatus;
use weir_runtime::kernel::{
    self, Command, Delivery, EventBody, KernelConfig, KernelHandle, KernelSnapshot, RunMode,
    Subscription,
};
use weir_runtime::launch::{
    Environment, InterpreterOrigin, LaunchError, NotebookLaunch, PersistRequest, StoreLocation,
};
use weir_runtime::{RunReport, StreamName};

const DEADLINE: Duration = Duration::from_secs(60);

/// A notebook file of these cells in a fresh directory.
fn notebook(dir: &Path, cells: &[&str]) -> PathBuf {
    let mut src = String::from("import weir\n\napp = weir.App()\n\n");
    for code in cells {
        match code.strip_prefix("#persist\n") {
            Some(_) => src.push_str("@app.cell(persist=True)\n"),
            None => src.push_str("@app.cell\n"),
        }
        src.push_str("def _():\n");
        for line in code.lines() {
            src.push_str("    ");
            src.push_str(line);
            src.push('\n');
        }
        src.push_str("    return\n\n\n");
    }
    src.push_str("if __name__ == \"__main__\":\n    app.run()\n");
    let path = dir.join("nb.py");
    std::fs::write(&path, src).unwrap();
    path
}

/// A fixed key: tests never touch the user's key file.
fn test_key() -> weir_store::StoreKey {
    weir_store::StoreKey::from_bytes([1; 32])
}

/// The test interpreter as an absolute path (it may be a bare name).
fn python_path() -> PathBuf {
    let python = common::python();
    if python.components().count() > 1 {
        return python;
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join(&python))
        .find(|p| p.is_file())
        .expect("the test interpreter is on PATH")
}

fn launch(path: &Path) -> NotebookLaunch {
    NotebookLaunch::new(path).python(Some(common::python()))
}

fn next(sub: &Subscription, state: &mut KernelSnapshot) -> EventBody {
    match sub.recv_timeout(Some(DEADLINE)) {
        Some(Delivery::Event(event)) => {
            state.apply(&event);
            event.body.clone()
        }
        other => panic!("expected an event, got {other:?}"),
    }
}

/// Runs every cell as one reported run, following its events; `during`
/// sees each event as it comes.
fn run_all(
    kernel: &KernelHandle,
    mut during: impl FnMut(&EventBody, &KernelSnapshot),
) -> (RunReport, KernelSnapshot) {
    let (mut state, sub) = kernel.connect();
    let reply = kernel.run_all_report().unwrap();
    loop {
        let body = next(&sub, &mut state);
        if body == EventBody::Idle
            && let Ok(report) = reply.try_recv()
        {
            return (report.expect("the run reports"), state);
        }
        during(&body, &state);
    }
}

fn stdout(state: &KernelSnapshot, index: usize) -> String {
    state.cells[index]
        .console
        .iter()
        .filter(|c| c.stream == StreamName::Stdout)
        .map(|c| c.text.as_str())
        .collect()
}

#[test]
fn a_notebook_file_starts_with_one_call_and_runs_on_the_kernel() {
    let dir = tempfile::tempdir().unwrap();
    let path = notebook(dir.path(), &["x = 20\nprint(__file__)", "print(x * 2)"]);
    let launched = launch(&path).start().expect("the session starts");
    assert_eq!(launched.interpreter.origin, InterpreterOrigin::Explicit);
    assert!(launched.store.is_none() && launched.warnings.is_empty());
    let kernel = kernel::spawn(launched.session, KernelConfig::default());
    let (report, state) = run_all(&kernel, |_, _| {});
    assert_eq!(report.summary().ok, 2, "{report:#?}");
    assert!(report.unfinished.is_empty());
    // The prelude ran: `__file__` names the notebook, as under `python nb.py`.
    let canonical = path.canonicalize().unwrap();
    assert_eq!(stdout(&state, 0), format!("{}\n", canonical.display()));
    assert_eq!(stdout(&state, 1), "40\n");
    // What a batch client prints per cell is in the view the events built.
    assert!(state.cells[1].duration.is_some());
    assert_eq!(state.cells[1].reason_kind, None);
    assert_eq!(state, kernel.snapshot());
    kernel.shutdown();
}

#[test]
fn the_interpreter_comes_from_virtual_env() {
    let dir = tempfile::tempdir().unwrap();
    let venv = dir.path().join("venv");
    std::fs::create_dir_all(venv.join("bin")).unwrap();
    let venv_python = venv.join("bin").join("python");
    // A wrapper that marks the processes it starts: the cell shows whether
    // this interpreter, and not another, runs the worker.
    let wrapper = format!(
        "#!/bin/sh\nWEIR_TEST_VENV=yes exec {:?} \"$@\"\n",
        python_path().to_str().unwrap()
    );
    std::fs::write(&venv_python, wrapper).unwrap();
    std::fs::set_permissions(&venv_python, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = notebook(
        dir.path(),
        &["import os\nprint(os.environ.get('WEIR_TEST_VENV'))"],
    );
    let mut launch = NotebookLaunch::new(&path);
    launch.env = Environment {
        virtual_env: Some(venv.clone().into_os_string()),
        exe: None,
        path: std::env::var_os("PATH"),
    };
    let launched = launch.start().expect("the session starts");
    assert_eq!(launched.interpreter.origin, InterpreterOrigin::VirtualEnv);
    assert_eq!(launched.interpreter.path, venv_python);
    let kernel = kernel::spawn(launched.session, KernelConfig::default());
    let (report, state) = run_all(&kernel, |_, _| {});
    assert_eq!(report.summary().ok, 1, "{report:#?}");
    assert_eq!(stdout(&state, 0), "yes\n");
    kernel.shutdown();
}

#[test]
fn a_missing_interpreter_is_a_typed_error_naming_it_and_where_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let path = notebook(dir.path(), &["x = 1"]);

    let mut from_venv = NotebookLaunch::new(&path);
    from_venv.env.virtual_env = Some(dir.path().join("gone").into_os_string());
    let Err(e) = from_venv.start() else {
        panic!("a missing interpreter starts nothing");
    };
    let message = e.to_string();
    let expected = dir.path().join("gone/bin/python");
    assert!(
        matches!(&e, LaunchError::InterpreterNotFound { python, origin: InterpreterOrigin::VirtualEnv } if *python == expected),
        "{e:?}"
    );
    assert!(
        message.contains(&expected.display().to_string()),
        "{message}"
    );
    assert!(message.contains("$VIRTUAL_ENV"), "{message}");

    // A bare name is looked up on PATH before anything starts.
    let mut bare = NotebookLaunch::new(&path).python(Some("no-such-python-for-weir".into()));
    bare.env.path = Some(dir.path().as_os_str().to_owned());
    let Err(e) = bare.start() else {
        panic!("a missing interpreter starts nothing");
    };
    assert!(
        matches!(
            &e,
            LaunchError::InterpreterNotFound {
                origin: InterpreterOrigin::Explicit,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("no-such-python-for-weir"), "{e}");
}

#[test]
fn bad_persistence_requests_are_typed_errors_before_any_worker() {
    let dir = tempfile::tempdir().unwrap();
    let path = notebook(dir.path(), &["#persist\nx = 1"]);
    let request = |refresh: &str, strict: bool, store: PathBuf| PersistRequest::Exec {
        store: StoreLocation {
            dir: Some(store),
            replicas: Vec::new(),
            key: Some(test_key()),
        },
        refresh: vec![refresh.to_owned()],
        strict,
    };
    // No interpreter could start: the errors come first.
    let no_python = |launch: NotebookLaunch| launch.python(Some(dir.path().join("no-python")));

    let e = no_python(NotebookLaunch::new(&path))
        .persist(request("nope", false, dir.path().join("store")))
        .start()
        .err()
        .expect("an unknown cell is refused");
    assert!(
        matches!(&e, LaunchError::NoSuchCell { cell, .. } if cell == "nope"),
        "{e:?}"
    );

    // A store directory that is a file: strict refuses, otherwise a warning.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let e = no_python(NotebookLaunch::new(&path))
        .persist(request("*", true, file.clone()))
        .start()
        .err()
        .expect("an unusable store is refused under strict");
    assert!(
        matches!(&e, LaunchError::Store { root, .. } if *root == file),
        "{e:?}"
    );
    let launched = launch(&path)
        .persist(request("*", false, file.clone()))
        .start()
        .expect("an unusable store is only a warning");
    assert!(launched.store.is_none());
    assert_eq!(launched.warnings.len(), 1, "{:?}", launched.warnings);
    assert!(
        launched.warnings[0].contains(&file.display().to_string()),
        "{:?}",
        launched.warnings
    );
}

/// A reported run is one run: a command that arrives while it runs waits
/// for it to end instead of splitting it (an interactive run would stop
/// before its next cell and report the rest unfinished).
#[test]
fn a_reported_run_is_not_split_by_commands_sent_during_it() {
    let dir = tempfile::tempdir().unwrap();
    let gate = dir.path().join("gate");
    let wait = format!(
        "import os, time\nwhile not os.path.exists({:?}):\n    time.sleep(0.01)\nx = 1",
        gate.to_str().unwrap()
    );
    let path = notebook(dir.path(), &[&wait, "y = x + 1", "print(y)"]);
    let launched = launch(&path).start().unwrap();
    let kernel = kernel::spawn(launched.session, KernelConfig::default());
    let first = kernel.snapshot().cells[0].meta.id;
    let (report, state) = run_all(&kernel, |body, _| {
        if *body == (EventBody::Started { id: first }) {
            kernel.send(Command::SetMode(RunMode::Lazy)).unwrap();
            std::fs::write(&gate, "").unwrap();
        }
    });
    assert!(report.unfinished.is_empty(), "{report:#?}");
    assert_eq!(report.order, vec![0, 1, 2]);
    assert_eq!(report.summary().ok, 3, "{report:#?}");
    assert_eq!(stdout(&state, 2), "2\n");
    // The command was taken after the run.
    kernel.wait_idle().unwrap();
    assert_eq!(kernel.snapshot().mode, RunMode::Lazy);
    kernel.shutdown();
}

#[test]
fn an_interrupt_stops_a_reported_run_and_the_report_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = notebook(
        dir.path(),
        &[
            "import time\nprint('looping', flush=True)\nwhile True:\n    time.sleep(0.01)",
            "print('after')",
        ],
    );
    let launched = launch(&path).start().unwrap();
    let kernel = kernel::spawn(launched.session, KernelConfig::default());
    let (report, state) = run_all(&kernel, |body, _| {
        if matches!(body, EventBody::Stream { text, .. } if text.contains("looping")) {
            kernel.interrupt().unwrap();
        }
    });
    assert!(report.interrupted, "{report:#?}");
    assert_eq!(report.cells[0].status, RunStatus::Interrupted);
    assert_eq!(report.cells[1].status, RunStatus::NotRun);
    assert_eq!(
        state.cells[1].reason_kind.as_deref(),
        Some("run_interrupted")
    );
    kernel.shutdown();
}

/// A persistent cell's store outcome reaches clients with its `finished`
/// event, so a client shows "stored" or "restored" without the session.
#[test]
fn finished_events_carry_the_store_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let path = notebook(dir.path(), &["#persist\nx = 41", "print(x + 1)"]);
    let request = || PersistRequest::Exec {
        store: StoreLocation {
            dir: Some(dir.path().join("store")),
            replicas: Vec::new(),
            key: Some(test_key()),
        },
        refresh: Vec::new(),
        strict: false,
    };
    for expected in ["stored", "restored"] {
        let launched = launch(&path).persist(request()).start().unwrap();
        assert!(launched.store.is_some());
        let kernel = kernel::spawn(launched.session, KernelConfig::default());
        let (report, state) = run_all(&kernel, |_, _| {});
        let persist = state.cells[0].persist.as_ref().expect("a persisted cell");
        assert_eq!(
            serde_json::to_value(persist.action).unwrap(),
            expected,
            "{report:#?}"
        );
        assert_eq!(report.cells[0].persist.as_ref(), Some(persist));
        assert_eq!(stdout(&state, 1), "42\n");
        kernel.shutdown();
    }
}

/// A cell printing more than a record keeps: the view the events build
/// keeps the same text and the same note as the record, so a client prints
/// what `weir exec` always printed, and the kernel's own snapshot stays
/// bounded.
#[test]
fn a_views_console_is_bounded_as_the_record_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = notebook(
        dir.path(),
        &[
            "import sys\nfor _ in range(9):\n    sys.stdout.write('x' * (1024 * 1024))\nprint('end')",
        ],
    );
    let launched = launch(&path).start().unwrap();
    let kernel = kernel::spawn(launched.session, KernelConfig::default());
    let (report, state) = run_all(&kernel, |_, _| {});
    let record = &report.cells[0].console;
    assert!(
        record.last().is_some_and(|c| c
            .text
            .contains("more bytes of console output were not kept")),
        "the record notes what it dropped"
    );
    assert!(
        state.cells[0].console == *record,
        "the view keeps what the record keeps"
    );
    assert!(kernel.snapshot().cells[0].console == *record);
    kernel.shutdown();
}
