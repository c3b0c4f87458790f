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

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// `weir edit` on the notebook with this test's store and key file.
fn start(notebook: &Path, store: &Path, key: &Path) -> (support::EditServer, String) {
    let mut command = support::edit_command(env!("CARGO_BIN_EXE_weir"));
    command
        .arg(notebook)
        .env("WEIR_STORE", store)
        .env("WEIR_STORE_KEY_FILE", key);
    let server = support::EditServer::start(command);
    let url = server.url.clone();
    (server, url)
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

fn node(browser_dir: &Path, args: &[&str]) {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
    support::run_browser_script(browser_dir, "editor-reopen.mjs", &args, &[], "the editor");
}

#[test]
fn a_reopened_notebook_shows_its_last_outputs_restored_until_recomputed() {
    if support::skipped() {
        return;
    }
    let (_, browser_dir, _) = support::prerequisites();
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

    let (server, url) = start(&notebook, &store, &key);
    let before = now_ms().to_string();
    node(&browser_dir, &["run", &url, runs_arg]);
    let after = now_ms().to_string();
    server.stop();

    let (server, url) = start(&notebook, &store, &key);
    node(&browser_dir, &["reopen", &url, runs_arg, &before, &after]);
    server.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
