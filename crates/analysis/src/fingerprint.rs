//! A cell's code fingerprint: what persisted results are keyed on.
//!
//! Two versions of a cell that differ only in comments, blank lines,
//! formatting or quote style compute the same thing, so a cached result must
//! survive such edits. The fingerprint is therefore the BLAKE3 of the
//! cell's syntax tree with source positions left out (ruff's "comparable"
//! AST), not of its text.
//!
//! ruff's comparable tree is built, hashed and dropped by plain recursion,
//! one stack frame per level or more, so a deep tree gets a stack of its
//! own sized for it, and one deeper than [`MAX_FINGERPRINT_DEPTH`] gets no
//! fingerprint at all (so its cell is never persisted: CPython 3.11 and
//! newer refuse such code anyway).

use std::hash::{Hash, Hasher};

use ruff_python_ast::comparable::ComparableModModule;
use weir_pysyntax::parse_module;

/// Trees deeper than this have no fingerprint.
pub const MAX_FINGERPRINT_DEPTH: usize = 10_000;

/// Trees up to this deep are hashed on the caller's stack; deeper ones on
/// a stack of their own.
const SHALLOW_DEPTH: usize = 256;

/// Stack for one level of building, hashing and dropping the comparable
/// tree (several frames per level, generous for unoptimised builds).
const STACK_PER_LEVEL: usize = 16 * 1024;

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
    let hash = || {
        let mut hasher = Blake3Hasher(blake3::Hasher::new());
        // A version tag, so a change in how trees hash cannot collide with
        // keys written by an older build.
        hasher.write(b"weir-code-fingerprint-v1");
        ComparableModModule::from(parsed.syntax()).hash(&mut hasher);
        *hasher.0.finalize().as_bytes()
    };
    let depth = if code.len() <= SHALLOW_DEPTH {
        0
    } else {
        weir_pysyntax::max_depth(parsed.suite())
    };
    if depth <= SHALLOW_DEPTH {
        Some(hash())
    } else if depth <= MAX_FINGERPRINT_DEPTH {
        Some(stacker::grow(depth * STACK_PER_LEVEL, hash))
    } else {
        None
    }
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

    /// On a 2 MiB thread (what `std::thread::spawn` gives), so a recursion
    /// the fingerprint does not size its stack for overflows here.
    #[test]
    fn deep_code_has_a_fingerprint_or_none_never_an_overflow() {
        let run = |code: String| {
            std::thread::Builder::new()
                .stack_size(2 * 1024 * 1024)
                .spawn(move || code_fingerprint(&code))
                .unwrap()
                .join()
                .expect("no panic")
        };
        let sum = |n: usize| format!("x = {}", vec!["1"; n].join(" + "));
        let a = run(sum(9_000)).expect("within the limit");
        assert_eq!(Some(a), run(format!("# why\n{}", sum(9_000))));
        assert_ne!(Some(a), run(sum(8_999)));
        assert_eq!(run(sum(150_000)), None);
    }

    #[test]
    fn broken_code_has_none() {
        assert_eq!(code_fingerprint("x = ("), None);
    }
}
