//! Which Python interpreter runs the worker.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

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

#[cfg(test)]
mod tests {
    use super::*;

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
