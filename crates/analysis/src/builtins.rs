//! marimo's builtin-name set.
//!
//! `builtins.txt` is a copy of `../shared/conformance/builtins.txt` (beside the repository): the
//! keys of CPython 3.11's `builtins` module plus `__builtin__`, `__file__`,
//! `__builtins__` and `__class__`. Reads of these names are reported in
//! [`crate::CellAnalysis::builtin_refs`] instead of `refs`.

use std::sync::OnceLock;

use rustc_hash::FxHashSet;

const BUILTINS_TXT: &str = include_str!("builtins.txt");

/// Built once per process; every later lookup is a hash probe.
fn set() -> &'static FxHashSet<&'static str> {
    static SET: OnceLock<FxHashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        BUILTINS_TXT
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// Is `name` in marimo's builtin set?
pub fn is_builtin(name: &str) -> bool {
    set().contains(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names() {
        for n in [
            "print",
            "len",
            "__name__",
            "__class__",
            "__file__",
            "__builtins__",
            "Ellipsis",
        ] {
            assert!(is_builtin(n), "{n}");
        }
        for n in ["x", "np", "", "print "] {
            assert!(!is_builtin(n), "{n:?}");
        }
    }
}
