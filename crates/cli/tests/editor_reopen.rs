//! Reopening a notebook in the editor: `weir edit` runs it once in
//! Chromium, stops (SIGTERM, as Ctrl-C), and a second `weir edit` on the
//! same file shows each cell's last output from the store, marked restored
//! with when it was produced, before anything runs; recompute runs it
//! again (`tests/browser/editor-reopen.mjs`). Real server, real worker,
//! real store (in a temp dir, with its own key file).
//!
//! Missing Chromium, Node or `npm ci` in tests/browser fails the test
//! (under CI always; elsewhere only `WEIR_SKIP_BROWSER=1` skips it).

#[path = "../../../tests/browser/support.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Kills `weir edit` however the test ends, so no server or worker outlives it.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Server {
    fn start(notebook: &Path, store: &Path, key: &Path, root: &Path) -> (Server, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_weir"))
            .args(["edit", "--headless", "--port", "0"])
            .arg(notebook)
            .env("WEIR_PYTHONPATH", root.join("python"))
            .env("WEIR_STORE", store)
            .env("WEIR_STORE_KEY_FILE", key)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start weir edit");
        let stdout = child.stdout.take().unwrap();
        let server = Server(child);
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("weir edit printed no URL: {line:?}"))
            .to_string();
        (server, url)
    }

    /// Stops it as Ctrl-C would (kernels shut down, snapshot writes done),
    /// waiting for it to exit.
    fn stop(self) {
        let pid = self.0.id().to_string();
        let signal = |name: &str| {
            Command::new("kill")
                .args([name, &pid])
                .status()
                .expect("run kill")
        };
        assert!(signal("-TERM").success(), "SIGTERM to weir edit");
        let (tx, rx) = std::sync::mpsc::channel();
        let mut server = self;
        std::thread::spawn(move || {
            let status = server.0.wait();
            let _ = tx.send(status.map(|s| s.success()));
        });
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(status) => assert!(status.unwrap(), "weir edit exited with a failure"),
            Err(_) => {
                signal("-KILL");
                panic!("weir edit did not stop within 60 s of SIGTERM");
            }
        }
    }
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

fn node(browser_dir: &Path, args: &[&str]) {
    let out = Command::new("node")
        .arg(browser_dir.join("editor-reopen.mjs"))
        .args(args)
        .current_dir(browser_dir)
        .output()
        .expect("run node (install Node.js, or set WEIR_SKIP_BROWSER=1)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}");
    assert!(
        out.status.success(),
        "the editor failed in Chromium ({}):\n{stderr}\n{stdout}",
        out.status
    );
}

#[test]
fn a_reopened_notebook_shows_its_last_outputs_restored_until_recomputed() {
    if support::skipped() {
        return;
    }
    let (root, browser_dir, _) = support::prerequisites();
    let dir = support::fresh_dir("editor-reopen");
    let notebook = dir.join("reopen.py");
    let runs = dir.join("runs.txt");
    std::fs::write(&runs, "").unwrap();
    std::fs::write(
        &notebook,
        format!(
            r#"import weir

app = weir.App()


@app.cell
def _():
    with open({runs:?}, "a") as f:
        f.write("ran\n")
    a = 1
    print("hello from a")
    return (a,)


@app.cell
def _(a):
    b = a * 10
    b
    return (b,)


if __name__ == "__main__":
    app.run()
"#,
            runs = runs.to_str().unwrap()
        ),
    )
    .unwrap();
    let store = dir.join("store");
    let key = dir.join("store.key");
    let runs_arg = runs.to_str().unwrap();

    let (server, url) = Server::start(&notebook, &store, &key, &root);
    let before = now_ms().to_string();
    node(&browser_dir, &["run", &url, runs_arg]);
    let after = now_ms().to_string();
    server.stop();

    let (server, url) = Server::start(&notebook, &store, &key, &root);
    node(&browser_dir, &["reopen", &url, runs_arg, &before, &after]);
    server.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
