//! Integrity hashes for outputs and console text, as the browser checks
//! them before painting (docs/editor-protocol.md, "Integrity").
//!
//! - A console chunk (`stream`, `console` events and the snapshot's
//!   chunks): hex BLAKE3 of its text's UTF-8.
//! - A MIME bundle: hex BLAKE3 of its *canonical JSON*: the bundle object
//!   without its `hash` key, keys sorted by UTF-16 code units, no
//!   whitespace, strings escaped as `JSON.stringify` does, numbers written
//!   as JavaScript writes them (`String(x)`, so `1.0` is `1` and `1e21` is
//!   `1e+21`). A browser recomputes exactly this from the parsed value;
//!   hashing the bytes as sent would not survive `JSON.parse`.
//!
//! For now the server computes them as it forwards each event; the worker
//! will compute them at the source later, so the check also covers the
//! runtime's own handling.

use serde_json::{Map, Value};

pub fn text_hash(text: &str) -> String {
    blake3::hash(text.as_bytes()).to_hex().to_string()
}

/// The hash of a MIME bundle (its `hash` key, if any, left out).
pub fn bundle_hash(bundle: &Map<String, Value>) -> String {
    let mut out = String::new();
    write_object(&mut out, bundle, true);
    blake3::hash(out.as_bytes()).to_hex().to_string()
}

/// Adds `"hash"` to a bundle object in place.
pub fn stamp_bundle(value: &mut Value) {
    if let Value::Object(bundle) = value {
        let hash = bundle_hash(bundle);
        bundle.insert("hash".into(), Value::String(hash));
        corrupt_for_tests(bundle);
    }
}

/// The variable naming the test hook below.
pub const CORRUPT_MARK_VAR: &str = "WEIR_DEBUG_CORRUPT_MARK";

/// Test hook, honoured only in debug builds: when `WEIR_DEBUG_CORRUPT_MARK`
/// is set, a string in a bundle that contains it has the mark's first byte
/// flipped *after* hashing, as a corruption on the way would. The browser
/// test (crates/cli/tests/editor_browser.rs) checks the page then refuses
/// to paint it. A release binary never reads the variable.
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
        if key != "hash"
            && let Value::String(text) = value
            && text.contains(&mark)
        {
            *text = text.replacen(&mark, &flipped, 1);
        }
    }
}

/// Adds `"hash"` (of `text`) to a console chunk or stream event in place.
pub fn stamp_text(value: &mut Value) {
    if let Value::Object(object) = value
        && let Some(Value::String(text)) = object.get("text")
    {
        let hash = text_hash(text);
        object.insert("hash".into(), Value::String(hash));
    }
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

fn write_object(out: &mut String, map: &Map<String, Value>, skip_hash: bool) {
    let mut keys: Vec<&String> = map
        .keys()
        .filter(|k| !(skip_hash && k.as_str() == "hash"))
        .collect();
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
        write_value(out, &map[key]);
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
        assert_eq!(
            bundle_hash(map),
            blake3::hash(out.as_bytes()).to_hex().to_string()
        );
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
            assert_eq!(bundle_hash(bundle), v["hash"].as_str().unwrap(), "{v}");
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
