//! A cell's code fingerprint: what persisted results are keyed on.
//!
//! Two versions of a cell that differ only in comments, blank lines,
//! formatting or quote style compute the same thing, so a cached result must
//! survive such edits. The fingerprint is therefore the BLAKE3 of the
//! cell's syntax tree with source positions left out (ruff's "comparable"
//! AST), not of its text.

use std::hash::{Hash, Hasher};

use ruff_python_ast::comparable::ComparableModModule;
use ruff_python_parser::parse_module;

/// Feeds `std::hash::Hash` output into BLAKE3, so any `Hash` type gets a
/// 256-bit, process-independent digest (std's `DefaultHasher` is neither).
struct Blake3Hasher(blake3::Hasher);

impl Hasher for Blake3Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        let digest = self.0.finalize();
        u64::from_le_bytes(digest.as_bytes()[..8].try_into().expect("32-byte digest"))
    }
}

/// The fingerprint of a cell's code, or `None` when it does not parse (a
/// cell that does not parse has no result to key).
pub fn code_fingerprint(code: &str) -> Option<[u8; 32]> {
    let parsed = parse_module(code).ok()?;
    let mut hasher = Blake3Hasher(blake3::Hasher::new());
    // A version tag, so a change in how trees hash cannot collide with keys
    // written by an older build.
    hasher.write(b"weir-code-fingerprint-v1");
    ComparableModModule::from(parsed.syntax()).hash(&mut hasher);
    Some(*hasher.0.finalize().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::code_fingerprint;

    #[test]
    fn formatting_and_comments_do_not_change_it() {
        let a = code_fingerprint("x = f(1, 2)\ny = 'a'\n").unwrap();
        let b = code_fingerprint("# a comment\nx = f( 1,\n      2 )  # why\n\ny = \"a\"").unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn meaning_changes_it() {
        let base = code_fingerprint("x = f(1, 2)").unwrap();
        for other in [
            "x = f(2, 1)",
            "x = g(1, 2)",
            "y = f(1, 2)",
            "x = f(1, 2)\nprint(x)",
            "x = f(1, 2.0)",
        ] {
            assert_ne!(base, code_fingerprint(other).unwrap(), "{other}");
        }
        assert_ne!(code_fingerprint("s = 'a'"), code_fingerprint("s = 'b'"));
    }

    #[test]
    fn broken_code_has_none() {
        assert_eq!(code_fingerprint("x = ("), None);
    }
}
