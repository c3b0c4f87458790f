//! Which Python interpreter runs the worker.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::MIN_PYTHON;

/// Resolve the interpreter: an explicit path (`--python`) wins, then the
/// active virtual environment's `bin/python`, then `python3` on `PATH`.
///
/// Resolution does not check that the result exists: `Worker::spawn`
/// reports a missing interpreter with its path.
pub fn resolve_python(explicit: Option<&Path>) -> PathBuf {
    resolve_with(explicit, std::env::var_os("VIRTUAL_ENV"))
}

fn resolve_with(explicit: Option<&Path>, virtual_env: Option<OsString>) -> PathBuf {
    if let Some(path) = explicit {
        return path.to_path_buf();
    }
    if let Some(venv) = virtual_env.filter(|v| !v.is_empty()) {
        return PathBuf::from(venv).join("bin").join("python");
    }
    PathBuf::from("python3")
}

/// `"3.11.7"` is at least [`MIN_PYTHON`]; unparsable versions are refused.
pub(crate) fn version_ok(version: &str) -> bool {
    let mut parts = version.split('.').map(|p| p.parse::<u32>());
    match (parts.next(), parts.next()) {
        (Some(Ok(major)), Some(Ok(minor))) => (major, minor) >= MIN_PYTHON,
        _ => false,
    }
}

/// Ask an interpreter its version with a tiny program any Python runs.
pub fn probe_version(path: &Path) -> Option<String> {
    let out = Command::new(path)
        .args(["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.trim().to_owned()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(version_ok("3.9.0"));
        assert!(version_ok("3.13.1"));
        assert!(version_ok("4.0"));
        assert!(!version_ok("3.8.18"));
        assert!(!version_ok("2.7.18"));
        assert!(!version_ok("garbage"));
    }

    #[test]
    fn explicit_wins() {
        let p = resolve_with(Some(Path::new("/x/python")), Some("/venv".into()));
        assert_eq!(p, PathBuf::from("/x/python"));
    }

    #[test]
    fn virtual_env_next() {
        let p = resolve_with(None, Some("/venv".into()));
        assert_eq!(p, PathBuf::from("/venv/bin/python"));
    }

    #[test]
    fn python3_last() {
        assert_eq!(resolve_with(None, None), PathBuf::from("python3"));
        assert_eq!(
            resolve_with(None, Some("".into())),
            PathBuf::from("python3")
        );
    }
}
