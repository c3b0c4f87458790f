//! Which Python runs the worker when `--python` is not given, for every
//! command that runs cells (`exec`, `export html`) and for `check`, which
//! judges syntax by that Python.
//!
//! The runtime resolves `$VIRTUAL_ENV/bin/python`, else `python3` on PATH.
//! That misses one case the wheel creates: `VENV/bin/weir` run without
//! activating the venv (a full path, a symlink on PATH, a CI step). Then
//! `python3` is some other interpreter without the `weir` package, and the
//! worker cannot start. So, before the runtime's rule: a binary installed
//! in a virtual environment uses that environment's interpreter, as
//! `VENV/bin/ruff` needs no activation.

use std::path::{Path, PathBuf};

/// `Some(VENV/bin/python)` when this binary is `VENV/bin/weir` and no
/// virtual environment is active; `None` leaves the choice to the runtime.
pub(crate) fn installed_python() -> Option<PathBuf> {
    if std::env::var_os("VIRTUAL_ENV").is_some_and(|v| !v.is_empty()) {
        return None;
    }
    let exe = std::env::current_exe().ok()?;
    venv_python_beside(&exe)
}

/// The major.minor version of the interpreter at `python` (one process
/// start), or `None` when it cannot be run or says nothing sensible.
pub(crate) fn version_of(python: &Path) -> Option<weir_project::PythonVersion> {
    weir_runtime::probe_version(python).and_then(|v| weir_project::parse_python_version(&v))
}

/// `DIR/python` (or `python3`) when `exe` is `DIR/weir` and
/// `DIR/../pyvenv.cfg` marks a virtual environment. Only then: a bare
/// `/usr/bin/python` beside `/usr/bin/weir` could be any Python.
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
        let exe = bin.join("weir");
        std::fs::write(bin.join("python3"), "").unwrap();
        // Not a venv without pyvenv.cfg.
        assert_eq!(venv_python_beside(&exe), None);
        std::fs::write(dir.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        assert_eq!(venv_python_beside(&exe), Some(bin.join("python3")));
        std::fs::write(bin.join("python"), "").unwrap();
        assert_eq!(venv_python_beside(&exe), Some(bin.join("python")));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
