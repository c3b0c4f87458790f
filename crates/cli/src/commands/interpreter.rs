//! Which Python `weir check` judges syntax by: the one the commands that
//! run cells would start (`weir_runtime::launch`: `--python`, else the
//! active virtual environment, else the one a `weir` installed in a
//! virtual environment sits beside, else `python3`).

use std::path::{Path, PathBuf};

use weir_runtime::launch::Environment;

/// The interpreter a command that runs cells would start.
pub(crate) fn choose(explicit: Option<PathBuf>) -> PathBuf {
    Environment::current().interpreter(explicit.as_deref()).path
}

/// The major.minor version of the interpreter at `python` (one process
/// start), or `None` when it cannot be run or says nothing sensible.
pub(crate) fn version_of(python: &Path) -> Option<weir_project::PythonVersion> {
    weir_runtime::probe_version(python).and_then(|v| weir_project::parse_python_version(&v))
}
