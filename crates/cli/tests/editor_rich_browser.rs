//! Rich outputs in the live editor: `weir edit --headless --port 0` on
//! `fixtures/rich_outputs.py` with the rich test interpreter (real altair,
//! plotly, pandas: `$WEIR_TEST_RICH_PYTHON`, made by scripts/test.sh),
//! driven in Debian's Chromium by `tests/browser/editor-rich.mjs`: an Altair
//! chart and a Plotly figure draw as SVG, LaTeX as KaTeX markup, and no
//! request leaves the server.
//!
//! Missing Chromium, Node, `npm ci` in tests/browser or the rich interpreter
//! fails the test (under CI always; elsewhere only `WEIR_SKIP_BROWSER=1`
//! skips it).

#[path = "../../../tests/browser/support.rs"]
mod support;

#[test]
fn charts_and_math_render_offline_in_the_live_editor() {
    if support::skipped() {
        return;
    }
    let Some(python) = support::rich_python("charts_and_math_render_offline_in_the_live_editor")
    else {
        return;
    };
    let (root, browser_dir, _) = support::prerequisites();
    let dir = support::fresh_dir("editor-rich-browser");
    let notebook = dir.join("rich.py");
    std::fs::copy(
        root.join("crates/cli/tests/fixtures/rich_outputs.py"),
        &notebook,
    )
    .unwrap();

    let mut command = support::edit_command(env!("CARGO_BIN_EXE_weir"));
    command.arg("--python").arg(&python).arg(&notebook);
    let server = support::EditServer::start(command);
    let url = server.url.clone();

    support::run_browser_script(
        &browser_dir,
        "editor-rich.mjs",
        &[url.as_ref()],
        &[],
        "rich outputs",
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
