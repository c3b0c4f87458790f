//! Cell-private names and marimo's name mangling.

/// marimo's "cell-local" rule: `_`, `_x`, `_X_` and exactly `__` are private
/// to the cell; `__x`, `__all__`, `___` and `x_` are ordinary globals.
pub fn is_private(name: &str) -> bool {
    name == "__" || (name.starts_with('_') && !name.starts_with("__"))
}

/// The name marimo gives a private top-level name of cell `cell_id`
/// (`_g` in cell `Hbol` becomes `_cell_Hbol_g`).
///
/// It only becomes visible in `refs` through `global _g`, which marimo
/// records under the mangled name.
pub fn mangle(name: &str, cell_id: &str) -> String {
    let mut s = String::with_capacity(6 + cell_id.len() + name.len());
    s.push_str("_cell_");
    s.push_str(cell_id);
    s.push_str(name);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_rule() {
        for n in ["_", "_x", "_X_", "__", "_cell_Hbol_g"] {
            assert!(is_private(n), "{n}");
        }
        for n in ["x", "__x", "__all__", "___", "x_", ""] {
            assert!(!is_private(n), "{n}");
        }
    }

    #[test]
    fn mangling() {
        assert_eq!(mangle("_g", "Hbol"), "_cell_Hbol_g");
    }
}
