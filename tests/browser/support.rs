//! Shared by the browser tests of `weir-export` and `weir-cli` (included
//! with `#[path]`): runs `tests/browser/check-page.mjs` on a page in
//! Debian's Chromium through playwright-core.
//!
//! Missing Chromium, Node or `npm ci` fails the test with what to do; only
//! `WEIR_SKIP_BROWSER=1` skips it (for developers without a browser).

#![allow(dead_code)]

#[path = "../support/skip.rs"]
pub mod skip;

use std::path::{Path, PathBuf};
use std::process::Command;

/// What must show on the page.
#[derive(Default)]
pub struct PageCheck {
    /// Each must appear in the page's rendered (visible) text.
    pub texts: Vec<String>,
    /// Each must not appear in the rendered text.
    pub absent: Vec<String>,
    /// `(CSS selector, minimum count)`; the first match must be visible.
    pub selectors: Vec<(String, usize)>,
    /// None of these CSS selectors may match.
    pub no_selectors: Vec<String>,
    /// `document.title`, when given.
    pub title: Option<String>,
    /// At least this many `<img>`; every image must have decoded.
    pub min_images: usize,
    /// CSS selectors to wait for (up to 30 s each) before checking: what a
    /// script on the page draws after `load` (charts, math).
    pub wait_for: Vec<String>,
}

/// The repository root: every crate including this file is `crates/NAME`.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// True when the developer asked to skip browser tests (never under CI:
/// there the skip is a failure, see tests/support/skip.rs).
pub fn skipped() -> bool {
    if std::env::var_os("WEIR_SKIP_BROWSER").is_some_and(|v| v == "1") {
        skip::skip_or_fail("browser check", "WEIR_SKIP_BROWSER=1");
        return true;
    }
    false
}

/// A fresh directory under the system temp dir, removed by the caller.
/// The rich test interpreter (`$WEIR_TEST_RICH_PYTHON`, a Python with
/// altair, plotly and pandas, made by scripts/test.sh), or `None` after
/// `skip_or_fail` (which fails under CI) says test `test` cannot run.
pub fn rich_python(test: &str) -> Option<std::ffi::OsString> {
    let python = std::env::var_os("WEIR_TEST_RICH_PYTHON");
    if python.is_none() {
        skip::skip_or_fail(
            test,
            "WEIR_TEST_RICH_PYTHON is not set to a python with altair, plotly and pandas (scripts/test.sh sets it)",
        );
    }
    python
}

pub fn fresh_dir(label: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "weir-{label}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a temp dir");
    dir
}

/// The repository root, `tests/browser` and Chromium, once both are
/// there; a missing one panics with how to install it (under CI a test
/// never skips for it).
pub fn prerequisites() -> (PathBuf, PathBuf, PathBuf) {
    let root = repo_root();
    let browser_dir = root.join("tests/browser");
    let chromium = std::env::var_os("WEIR_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        chromium.exists(),
        "{} is missing: install Debian's Chromium (`apt-get install -y chromium`; \
         scripts/test.sh does) or set WEIR_SKIP_BROWSER=1 to skip browser tests",
        chromium.display()
    );
    assert!(
        browser_dir.join("node_modules/playwright-core").exists(),
        "playwright-core is not installed: run `npm ci` in {} (scripts/test.sh does) \
         or set WEIR_SKIP_BROWSER=1",
        browser_dir.display()
    );
    (root, browser_dir, chromium)
}

/// Opens `page` in Chromium and panics with every failed check.
pub fn check_in_chromium(page: &Path, check: &PageCheck) {
    let (_, browser_dir, _) = prerequisites();
    let page = std::fs::canonicalize(page).expect("the page exists");
    let selectors: Vec<serde_json::Value> = check
        .selectors
        .iter()
        .map(|(s, min)| serde_json::json!({"selector": s, "min": min}))
        .collect();
    let spec = serde_json::json!({
        "page": page,
        "texts": check.texts,
        "absent": check.absent,
        "selectors": selectors,
        "no_selectors": check.no_selectors,
        "title": check.title,
        "min_images": check.min_images,
        "wait_for": check.wait_for,
    });
    let spec_path = page.with_extension("check.json");
    std::fs::write(&spec_path, spec.to_string()).expect("write the check spec");
    let out = Command::new("node")
        .arg(browser_dir.join("check-page.mjs"))
        .arg(&spec_path)
        .current_dir(&browser_dir)
        .output()
        .expect("run node (install Node.js, or set WEIR_SKIP_BROWSER=1)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}");
    assert!(
        out.status.success(),
        "the page failed in Chromium ({}):\n{stderr}\n{stdout}",
        out.status
    );
}

/// `weir edit --headless --port 0` for the binary `weir` (the calling
/// test's `env!("CARGO_BIN_EXE_weir")`), with this checkout's Python
/// package; the caller adds its flags, then the notebook, then starts it
/// with [`EditServer::start`].
pub fn edit_command(weir: &str) -> Command {
    let mut command = Command::new(weir);
    command
        .args(["edit", "--headless", "--port", "0"])
        .env("WEIR_PYTHONPATH", repo_root().join("python"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit());
    command
}

/// A running `weir edit` and the URL (with its token) it printed; killed
/// when dropped, so a failing test leaves no server behind.
pub struct EditServer {
    child: std::process::Child,
    pub url: String,
}

impl EditServer {
    pub fn start(mut command: Command) -> EditServer {
        use std::io::{BufRead, BufReader};
        let mut child = command.spawn().expect("start weir edit");
        let stdout = child.stdout.take().expect("weir edit's stdout is piped");
        let mut server = EditServer {
            child,
            url: String::new(),
        };
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        server.url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("weir edit printed no URL: {line:?}"))
            .to_string();
        server
    }
}

impl Drop for EditServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl EditServer {
    /// Stops it as Ctrl-C would (SIGTERM: kernels shut down, pending
    /// writes done) and waits for a successful exit, at most 60 s.
    pub fn stop(self) {
        let pid = self.child.id().to_string();
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
            let _ = tx.send(server.child.wait().map(|s| s.success()));
        });
        match rx.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(status) => assert!(status.unwrap(), "weir edit exited with a failure"),
            Err(_) => {
                signal("-KILL");
                panic!("weir edit did not stop within 60 s of SIGTERM");
            }
        }
    }
}

/// Runs `node <browser_dir>/<script> <args…>` (with `env`) in
/// `browser_dir`, prints what it printed, and fails the test, naming
/// `what`, unless it succeeded.
pub fn run_browser_script(
    browser_dir: &Path,
    script: &str,
    args: &[&std::ffi::OsStr],
    env: &[(&str, &str)],
    what: &str,
) {
    let out = Command::new("node")
        .arg(browser_dir.join(script))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(browser_dir)
        .output()
        .expect("run node (install Node.js, or set WEIR_SKIP_BROWSER=1)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}");
    assert!(
        out.status.success(),
        "{what} failed in Chromium ({}):\n{stderr}\n{stdout}",
        out.status
    );
}
