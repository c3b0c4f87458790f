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

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Kills `weir edit` however the test ends, so no server or worker outlives it.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn charts_and_math_render_offline_in_the_live_editor() {
    if support::skipped() {
        return;
    }
    let Some(python) = std::env::var_os("WEIR_TEST_RICH_PYTHON") else {
        support::skip::skip_or_fail(
            "charts_and_math_render_offline_in_the_live_editor",
            "WEIR_TEST_RICH_PYTHON is not set to a python with altair, plotly and pandas (scripts/test.sh sets it)",
        );
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

    let mut child = Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(["edit", "--headless", "--port", "0", "--python"])
        .arg(&python)
        .arg(&notebook)
        .env("WEIR_PYTHONPATH", root.join("python"))
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

    let out = Command::new("node")
        .arg(browser_dir.join("editor-rich.mjs"))
        .arg(&url)
        .current_dir(&browser_dir)
        .output()
        .expect("run node (install Node.js, or set WEIR_SKIP_BROWSER=1)");
    drop(server);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}");
    assert!(
        out.status.success(),
        "rich outputs failed in Chromium ({}):\n{stderr}\n{stdout}",
        out.status
    );
    let _ = std::fs::remove_dir_all(&dir);
}
