//! No orphans: when `weir exec` ends by SIGKILL while a cell is busy, the
//! worker and the processes the worker started end too
//! (crates/runtime/src/worker/lifeline.rs).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python() -> String {
    std::env::var("WEIR_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

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

/// Waits for a condition that the system brings about (a file written by
/// another process, processes ending), failing the test after `limit`.
fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn notebook(dir: &Path, pids: &Path) -> PathBuf {
    let src = format!(
        r#"import weir

app = weir.App()


@app.cell
def _():
    import multiprocessing, os, subprocess, time
    sleeper = subprocess.Popen(["sleep", "600"])
    pool = multiprocessing.get_context("fork").Pool(1)
    pool_pid = pool.apply(os.getpid)
    with open({pids:?} + ".tmp", "w") as f:
        f.write("%d %d %d" % (os.getpid(), sleeper.pid, pool_pid))
    os.rename({pids:?} + ".tmp", {pids:?})
    while True:
        time.sleep(0.05)
    return


if __name__ == "__main__":
    app.run()
"#,
        pids = pids.to_string_lossy()
    );
    let path = dir.join("orphans.py");
    std::fs::write(&path, src).unwrap();
    path
}

#[test]
fn sigkill_of_weir_ends_the_worker_and_its_children() {
    let dir = std::env::temp_dir().join(format!("weir-orphans-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let pids_file = dir.join("pids");
    let nb = notebook(&dir, &pids_file);
    let mut weir = Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(["exec", nb.to_str().unwrap(), "--python", &python()])
        .env("WEIR_PYTHONPATH", repo().join("python"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start weir");
    wait_for(
        "the cell to start its children",
        Duration::from_secs(60),
        || pids_file.exists(),
    );
    let pids: Vec<i32> = std::fs::read_to_string(&pids_file)
        .unwrap()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(pids.len(), 3);
    assert!(pids.iter().all(|&p| running(p)), "all alive before");
    weir.kill().expect("SIGKILL weir");
    weir.wait().unwrap();
    wait_for(
        "the worker, the subprocess and the pool worker to end",
        Duration::from_secs(30),
        || pids.iter().all(|&p| !running(p)),
    );
    let _ = std::fs::remove_dir_all(&dir);
}
