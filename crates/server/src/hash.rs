//! Integrity hashes on their way to the browser (docs/editor-protocol.md,
//! "Integrity"). The rule is `weir_runtime::integrity`: the worker hashes
//! each output and console chunk where it is made, the kernel keeps the
//! hash with it, and the server forwards it as it is. The server only
//! fills in a hash the runtime did not give (text the runtime writes
//! itself, such as a note about console bytes not kept, or a dead worker's
//! last words); it never replaces one, so a change anywhere between the
//! worker and the page is refused by the page.

use serde_json::{Map, Value};
pub use weir_runtime::integrity::text_hash;
use weir_runtime::integrity::{HASH_KEY, object_hash};

/// Adds `"hash"` to a bundle object that has none.
pub fn stamp_bundle(value: &mut Value) {
    if let Value::Object(bundle) = value {
        if !bundle.contains_key(HASH_KEY) {
            let hash = object_hash(bundle);
            bundle.insert(HASH_KEY.into(), Value::String(hash));
        }
        corrupt_for_tests(bundle);
    }
}

/// Adds `"hash"` (of `text`) to a console chunk or stream event that has none.
pub fn stamp_text(value: &mut Value) {
    if let Value::Object(object) = value
        && !object.contains_key(HASH_KEY)
        && let Some(Value::String(text)) = object.get("text")
    {
        let hash = text_hash(text);
        object.insert(HASH_KEY.into(), Value::String(hash));
    }
}

/// The variable naming the test hook below.
pub const CORRUPT_MARK_VAR: &str = "WEIR_DEBUG_CORRUPT_MARK";

/// Whether the test hook below may change what is forwarded (a debug
/// build with the variable set): then every bundle takes the slow path.
pub fn corrupting() -> bool {
    cfg!(debug_assertions) && std::env::var_os(CORRUPT_MARK_VAR).is_some()
}

/// Test hook, honoured only in debug builds: when `WEIR_DEBUG_CORRUPT_MARK`
/// is set, a string in a bundle that contains it has the mark's first byte
/// flipped as the server forwards it, after the worker hashed it, as a
/// corruption on the way would. The browser test
/// (crates/cli/tests/editor_browser.rs) checks the page then refuses to
/// paint it. A release binary never reads the variable.
fn corrupt_for_tests(bundle: &mut Map<String, Value>) {
    if !cfg!(debug_assertions) {
        return;
    }
    let Some(mark) = std::env::var(CORRUPT_MARK_VAR)
        .ok()
        .filter(|m| m.is_ascii() && !m.is_empty())
    else {
        return;
    };
    let mut flipped = mark.clone().into_bytes();
    flipped[0] ^= 0x20;
    let flipped = String::from_utf8_lossy(&flipped).into_owned();
    for (key, value) in bundle.iter_mut() {
        if key != HASH_KEY
            && let Value::String(text) = value
            && text.contains(&mark)
        {
            *text = text.replacen(&mark, &flipped, 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_hash_that_came_with_the_output_is_kept_not_recomputed() {
        let mut bundle = json!({"text/plain": "2", "hash": "ab".repeat(32)});
        stamp_bundle(&mut bundle);
        assert_eq!(bundle["hash"], json!("ab".repeat(32)));
        let mut chunk = json!({"stream": "stdout", "text": "hi\n", "hash": "cd".repeat(32)});
        stamp_text(&mut chunk);
        assert_eq!(chunk["hash"], json!("cd".repeat(32)));
    }

    #[test]
    fn a_missing_hash_is_filled_in_by_the_rule() {
        let mut bundle = json!({"text/plain": "2"});
        stamp_bundle(&mut bundle);
        let Value::Object(map) = &bundle else {
            panic!()
        };
        assert_eq!(bundle["hash"], json!(object_hash(map)));
        let mut chunk = json!({"stream": "stdout", "text": "hi\n"});
        stamp_text(&mut chunk);
        assert_eq!(chunk["hash"], json!(text_hash("hi\n")));
    }
}
