//! Integrity hashes for outputs and console text: computed where the
//! bytes are made (the worker, for a session that asks, and the runtime
//! for text it writes itself), kept with the output through the kernel,
//! its snapshots and the store, and checked by the editor's page before it
//! paints (docs/editor-protocol.md, "Integrity"). One rule, also in
//! `python/weir/_integrity.py` and `frontend/src/integrity.ts`:
//!
//! - A console chunk: hex BLAKE2b-256 (`hashlib.blake2b(digest_size=32)`)
//!   of its text's UTF-8.
//! - A MIME bundle: hex BLAKE2b-256 of its *canonical JSON*: the bundle
//!   object without its `hash` key, keys sorted by UTF-16 code units, no
//!   whitespace, strings escaped as `JSON.stringify` does, numbers written
//!   as JavaScript writes them (`String(x)`, so `1.0` is `1` and `1e21` is
//!   `1e+21`). A browser recomputes exactly this from the parsed value;
//!   hashing the bytes as sent would not survive `JSON.parse`.
//!
//! BLAKE2b rather than BLAKE3: Python's standard library has it, so the
//! worker (standard library only) hashes at the source.

use serde_json::{Map, Value};

use crate::message::MimeBundle;

/// Set (to `1`) in a worker's environment at start: it then hashes every
/// output bundle and console chunk it sends (docs/protocol.md, "Integrity
/// hashes").
pub const HASH_ENV: &str = "WEIR_HASH_OUTPUTS";

/// The key a MIME bundle carries its own hash under.
pub const HASH_KEY: &str = "hash";

pub fn text_hash(text: &str) -> String {
    crate::worker::blake2b_hex(text.as_bytes())
}

/// The hash of a MIME bundle (its `hash` key, if any, left out).
pub fn bundle_hash(bundle: &MimeBundle) -> String {
    let mut out = String::new();
    write_object(&mut out, bundle, true);
    crate::worker::blake2b_hex(out.as_bytes())
}

/// The canonical JSON text of a value (see the module docs).
pub fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&js_number(n.as_f64().unwrap_or(0.0))),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => write_object(out, map, false),
    }
}

/// The hash of a bundle as a JSON object (the server's view of one).
pub fn object_hash(bundle: &Map<String, Value>) -> String {
    let mut out = String::new();
    write_object(&mut out, bundle, true);
    crate::worker::blake2b_hex(out.as_bytes())
}

/// A bundle with its hash under [`HASH_KEY`] (replacing any it had).
pub fn stamp_bundle(bundle: &mut MimeBundle) {
    let hash = bundle_hash(bundle);
    bundle.insert(HASH_KEY.into(), Value::String(hash));
}

trait JsonObject {
    fn get_key(&self, key: &str) -> &Value;
    fn key_list(&self) -> Vec<&String>;
}

impl JsonObject for Map<String, Value> {
    fn get_key(&self, key: &str) -> &Value {
        &self[key]
    }
    fn key_list(&self) -> Vec<&String> {
        self.keys().collect()
    }
}

impl JsonObject for MimeBundle {
    fn get_key(&self, key: &str) -> &Value {
        &self[key]
    }
    fn key_list(&self) -> Vec<&String> {
        self.keys().collect()
    }
}

fn write_object(out: &mut String, map: &impl JsonObject, skip_hash: bool) {
    let mut keys: Vec<&String> = map.key_list();
    keys.retain(|k| !(skip_hash && k.as_str() == HASH_KEY));
    // JavaScript's default sort compares UTF-16 code units; Rust's string
    // order compares bytes, which differs above U+FFFF.
    keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
    out.push('{');
    for (i, key) in keys.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, key);
        out.push(':');
        write_value(out, map.get_key(key));
    }
    out.push('}');
}

/// As `JSON.stringify` escapes a string (and `serde_json` does too): `"`,
/// `\`, and control characters; nothing else.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `Number.prototype.toString()` for a finite double (ECMA-262,
/// Number::toString): the shortest digits that round-trip, placed by the
/// decimal exponent.
pub fn js_number(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        // -0 prints as 0; JSON has no NaN or infinities.
        return "0".into();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    // Rust's `{:e}` gives the shortest round-trip digits: "1.2345e-7".
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` has an exponent");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i64;
    let n = exp.parse::<i64>().expect("`{:e}` exponent is an integer") + 1;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let e_sign = if e < 0 { '-' } else { '+' };
        if k == 1 {
            format!("{digits}e{e_sign}{}", e.abs())
        } else {
            format!("{}.{}e{e_sign}{}", &digits[..1], &digits[1..], e.abs())
        }
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_javascript_prints_them() {
        let cases = [
            (1.0, "1"),
            (-1.5, "-1.5"),
            (0.1, "0.1"),
            (123456789.0, "123456789"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (1e-7, "1e-7"),
            (-0.0, "0"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (0.30000000000000004, "0.30000000000000004"),
            (12.5, "12.5"),
        ];
        for (x, want) in cases {
            assert_eq!(js_number(x), want, "{x:?}");
        }
    }

    #[test]
    fn canonical_json_sorts_keys_by_utf16_and_skips_the_hash() {
        let v: Value = serde_json::from_str(
            r#"{"text/plain": "a\"b\n\u0001", "b": [1.0, 2.5, null, true], "\ud83d\ude00": 1, "\uffff": 2, "hash": "x"}"#,
        )
        .unwrap();
        let Value::Object(map) = &v else { panic!() };
        let mut out = String::new();
        write_object(&mut out, map, true);
        assert_eq!(
            out,
            r#"{"b":[1,2.5,null,true],"text/plain":"a\"b\n\u0001","😀":1,"￿":2}"#
        );
        assert_eq!(object_hash(map), crate::worker::blake2b_hex(out.as_bytes()));
        let bundle: MimeBundle = map.clone().into_iter().collect();
        assert_eq!(bundle_hash(&bundle), object_hash(map));
    }

    /// The vectors the front end checks too (frontend/test/integrity.test.ts):
    /// one file, so the two implementations cannot drift apart unnoticed.
    #[test]
    fn shared_test_vectors() {
        let vectors: Value =
            serde_json::from_str(include_str!("../../../docs/editor-hash-vectors.json")).unwrap();
        for v in vectors["bundles"].as_array().unwrap() {
            let Value::Object(bundle) = &v["bundle"] else {
                panic!("bundle is an object")
            };
            let mut without = bundle.clone();
            without.remove("hash");
            assert_eq!(
                canonical(&Value::Object(without)),
                v["canonical"].as_str().unwrap()
            );
            assert_eq!(object_hash(bundle), v["hash"].as_str().unwrap(), "{v}");
        }
        for v in vectors["texts"].as_array().unwrap() {
            assert_eq!(
                text_hash(v["text"].as_str().unwrap()),
                v["hash"].as_str().unwrap(),
                "{v}"
            );
        }
    }
}
