//! Helpers for tests that drive real Python workers.

#![allow(dead_code)]

use std::path::PathBuf;

use weir_project::Project;
use weir_runtime::{CellOutcome, SessionConfig, StreamName, Worker, WorkerConfig, WorkerEvent};

/// The repo's `python/` directory, so `weir` imports without installing.
pub fn python_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../python")
}

/// The interpreter for tests: `$WEIR_TEST_PYTHON` or `python3`.
pub fn python() -> PathBuf {
    std::env::var_os("WEIR_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("python3"))
}

pub fn config() -> WorkerConfig {
    let mut c = WorkerConfig::new(python());
    c.python_path_extra = Some(python_dir());
    c
}

pub fn spawn() -> Worker {
    Worker::spawn(config()).expect("worker starts")
}

/// A cell's outcome and the events it produced.
pub struct Ran {
    pub outcome: CellOutcome,
    pub events: Vec<WorkerEvent>,
}

impl Ran {
    /// Everything the cell wrote to the given Python stream, in order.
    pub fn text(&self, which: StreamName) -> String {
        self.events
            .iter()
            .filter_map(|e| match e {
                WorkerEvent::Stream { name, text, .. } if *name == which => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    pub fn plain(&self) -> Option<&str> {
        self.outcome.output.as_ref()?.get("text/plain")?.as_str()
    }
}

pub fn run(worker: &mut Worker, id: &str, code: &str) -> Ran {
    let mut events = Vec::new();
    let outcome = worker
        .run_cell(id, "_", code, |e| events.push(e))
        .expect("cell runs");
    Ran { outcome, events }
}

/// A notebook from cell bodies; a body starting with `#disabled` gets
/// `disabled=True`.
pub fn notebook(cells: &[&str]) -> Project {
    let mut src = String::from("import weir\n\napp = weir.App()\n\n");
    for code in cells {
        if code.starts_with("#disabled") {
            src.push_str("@app.cell(disabled=True)\n");
        } else {
            src.push_str("@app.cell\n");
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
    Project::from_source(&src).expect("test notebook parses")
}

/// A session configuration for the test interpreter and this checkout's
/// `weir` package.
pub fn session_config() -> SessionConfig {
    SessionConfig {
        python: Some(python()),
        python_path_extra: Some(python_dir()),
        ..SessionConfig::default()
    }
}

/// A session configuration whose workers are in-process fakes
/// (`weir_runtime::worker::fake`); the launcher handle shows their
/// namespaces.
pub fn fake_config() -> (SessionConfig, weir_runtime::worker::fake::FakeLauncher) {
    let launcher = weir_runtime::worker::fake::FakeLauncher::new();
    let config = SessionConfig {
        launcher: Some(std::sync::Arc::new(launcher.clone())),
        ..SessionConfig::default()
    };
    (config, launcher)
}

/// A file a cell waits for (`wait_code`) until the test `open`s it: how a
/// test holds a cell running while it sends the kernel commands.
pub struct Gate(PathBuf);

impl Gate {
    pub fn new(label: &str) -> Gate {
        let path = std::env::temp_dir().join(format!("weir-gate-{label}-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        Gate(path)
    }

    /// Python that waits until the gate opens.
    pub fn wait_code(&self) -> String {
        format!(
            "import os as _os, time as _time\nwhile not _os.path.exists({:?}):\n    _time.sleep(0.002)",
            self.0.to_string_lossy()
        )
    }

    pub fn open(&self) {
        std::fs::write(&self.0, b"open").unwrap();
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
