//! The default launcher (a `python -m weir._worker` process) behind the
//! `Launcher` interface: what the process-control object holds goes when
//! the `Worker` goes, whoever still holds an interrupter.

mod common;

use std::time::{Duration, Instant};

use weir_runtime::{StreamName, WorkerError};

/// Alive and not a zombie.
fn running(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state is the field after the parenthesised command name.
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X')),
        Err(_) => false,
    }
}

#[test]
fn dropping_a_worker_ends_its_children_even_while_an_interrupter_is_held() {
    let mut worker = common::spawn();
    let interrupter = worker.interrupter();
    let ran = common::run(
        &mut worker,
        "c1",
        "import subprocess\np = subprocess.Popen(['sleep', '120'])\nprint(p.pid)",
    );
    let child: i32 = ran.text(StreamName::Stdout).trim().parse().expect("a pid");
    assert!(running(child));
    drop(worker);
    // The lifeline closed with the worker: its reaper ends the group.
    let deadline = Instant::now() + Duration::from_secs(30);
    while running(child) {
        assert!(
            Instant::now() < deadline,
            "the worker's child {child} outlived the worker"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(matches!(interrupter.interrupt(), Err(WorkerError::Closed)));
}
