//! The editor for real: `weir edit --headless --port 0` on a fresh notebook
//! with a real Python worker, driven in Debian's Chromium through
//! playwright-core by `tests/browser/editor-live.mjs` (type and run, edit
//! upstream, delete, lazy mode, move, save, outside change, reload while a
//! cell runs, two tabs, hostile HTML, the token, a corrupted output, the side
//! panel (dependencies, variables, graph), markdown as marimo writes it, a
//! graph error linking every cell involved).
//!
//! Missing Chromium, Node or `npm ci` in tests/browser fails the test
//! (under CI always; elsewhere only `WEIR_SKIP_BROWSER=1` skips it).

#[path = "../../../tests/browser/support.rs"]
mod support;

const NOTEBOOK: &str = r#"import weir

app = weir.App()


@app.cell
def _():
    a = 1
    return (a,)


@app.cell
def _(a):
    b = a * 10
    b
    return (b,)


if __name__ == "__main__":
    app.run()
"#;

/// A mark the server's debug-only hook corrupts in outputs (crates/server/src/hash.rs).
const CORRUPT_MARK: &str = "corrupt-me-4f1d";

#[test]
fn the_editor_works_in_a_real_browser_against_a_real_server() {
    if support::skipped() {
        return;
    }
    let (_, browser_dir, _) = support::prerequisites();

    let dir = support::fresh_dir("editor-browser");
    let notebook = dir.join("live.py");
    std::fs::write(&notebook, NOTEBOOK).unwrap();
    let scratch = dir.join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();

    let mut command = support::edit_command(env!("CARGO_BIN_EXE_weir"));
    command
        .arg(&notebook)
        .env("WEIR_DEBUG_CORRUPT_MARK", CORRUPT_MARK);
    let server = support::EditServer::start(command);
    let url = server.url.clone();

    support::run_browser_script(
        &browser_dir,
        "editor-live.mjs",
        &[url.as_ref(), notebook.as_ref(), scratch.as_ref()],
        &[("WEIR_CORRUPT_MARK", CORRUPT_MARK)],
        "the editor",
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
