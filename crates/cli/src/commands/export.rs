//! `weir export html nb.py -o out.html [--no-code] [--python P]`: run the
//! notebook headless and write one self-contained HTML page of the results
//! (rendering: `weir-export`, docs/export.md).
//!
//! Exit status: 0 when the page was written, also when cells failed (the
//! page shows their errors; a one-line summary says how many); 2 when the
//! notebook, the output path or the worker could not be used at all.

mod document;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use weir_export::{HtmlOptions, render_html};
use weir_runtime::{Session, SessionConfig};

pub fn run_html(
    path: &Path,
    output: &Path,
    no_code: bool,
    python: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    // Refuse a bad output before spending a run on it.
    if output.is_dir() {
        bail!(
            "{}: is a directory; -o takes the page's file name",
            output.display()
        );
    }
    let project = super::load(path)?;
    let mut config = SessionConfig::for_notebook(path);
    config.python = python.or_else(installed_python);
    let mut session = Session::start(project, config)
        .with_context(|| format!("{}: cannot start the Python worker", path.display()))?;
    let report = session
        .run_all(|_| {})
        .with_context(|| format!("{}: running the notebook", path.display()))?;
    let doc = document::build(path, session.project(), &report, document::generated_at());
    // The worker has nothing left to do; a dead one has already been reaped.
    let _ = session.shutdown();

    let html = render_html(
        &doc,
        &HtmlOptions {
            include_code: !no_code,
        },
    );
    super::write_atomically(output, &html)?;
    let mut line = format!("{}: {}", output.display(), weir_export::summary(&doc));
    if let Some(death) = &report.worker_died {
        line.push_str(&format!(
            "; the worker died ({}) while running {}",
            death.status, death.cell
        ));
    }
    println!("{line}");
    Ok(ExitCode::SUCCESS)
}

/// The interpreter to use when `--python` is not given and no virtual
/// environment is active: when this binary was installed into a virtual
/// environment (the wheel puts it in `VENV/bin/`, beside `python`), that
/// environment's interpreter, which has the `weir` package the worker
/// imports. So `VENV/bin/weir` works without activating the environment,
/// as `VENV/bin/ruff` does. `None` leaves the choice to the runtime
/// (`$VIRTUAL_ENV/bin/python`, else `python3`).
pub(crate) fn installed_python() -> Option<PathBuf> {
    if std::env::var_os("VIRTUAL_ENV").is_some_and(|v| !v.is_empty()) {
        return None;
    }
    let exe = std::env::current_exe().ok()?;
    venv_python_beside(&exe)
}

/// `DIR/python` when `exe` is `DIR/weir` and `DIR/../pyvenv.cfg` marks a
/// virtual environment (a bare `/usr/bin/python` beside `/usr/bin/weir`
/// could be any Python).
fn venv_python_beside(exe: &Path) -> Option<PathBuf> {
    let bin = exe.parent()?;
    if !bin.parent()?.join("pyvenv.cfg").is_file() {
        return None;
    }
    ["python", "python3"]
        .iter()
        .map(|name| bin.join(name))
        .find(|p| p.exists())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_beside_a_venv_binary() {
        let dir = std::env::temp_dir().join(format!("weir-venv-test-{}", std::process::id()));
        let bin = dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("python"), "").unwrap();
        let exe = bin.join("weir");
        // Not a venv without pyvenv.cfg.
        assert_eq!(venv_python_beside(&exe), None);
        std::fs::write(dir.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        assert_eq!(venv_python_beside(&exe), Some(bin.join("python")));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
