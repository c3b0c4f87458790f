//! Which Python the analysis judges syntax by, and the limits of each.

pub use weir_pysyntax::PythonVersion;

/// The version judged by where the caller names none: the newest CPython
/// release ruff knows. A default can only be wrong one way or the other,
/// and this one errs toward accepting: code is never reported as too new
/// for a Python nobody said would run it, and a notebook that only some
/// Pythons accept still formats and graphs. The command line always names
/// the version it knows (`--python-version`, or the interpreter's own) for
/// `check` and `exec`.
pub const DEFAULT_PYTHON_VERSION: PythonVersion = PythonVersion::PY314;

/// The oldest Python Weir's worker runs on.
pub const OLDEST_PYTHON_VERSION: PythonVersion = PythonVersion::PY39;

/// `"3.11"` or `"3.11.7"` (what `sys.version_info` prints) as a version.
pub fn parse_python_version(text: &str) -> Option<PythonVersion> {
    let mut parts = text.trim().split('.');
    let major = parts.next()?.parse::<u8>().ok()?;
    let minor = parts.next()?.parse::<u8>().ok()?;
    Some(PythonVersion { major, minor })
}

/// How deep statements and expressions may nest before CPython `version`'s
/// compiler gives up with "RecursionError: maximum recursion depth exceeded
/// during compilation" (a top-level statement is level 1). Measured with
/// left-deep `1 + 1 + ...`, `a.b.b...` and `--...-1` chains, which all
/// break at the same depth. 3.9 and 3.10 have no such check (they compile
/// a 150,000-term sum), so there is no limit. 3.14 is taken to keep 3.13's.
pub fn cpython_nesting_limit(version: PythonVersion) -> Option<usize> {
    match (version.major, version.minor) {
        (3, ..=10) => None,
        (3, 11) => Some(2994),
        (3, 12) => Some(2996),
        _ => Some(9998),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        assert_eq!(parse_python_version("3.11.7"), Some(PythonVersion::PY311));
        assert_eq!(parse_python_version("3.12"), Some(PythonVersion::PY312));
        assert_eq!(parse_python_version(" 3.9\n"), Some(PythonVersion::PY39));
        assert_eq!(parse_python_version("three"), None);
        assert_eq!(parse_python_version("3"), None);
    }
}
