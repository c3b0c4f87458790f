//! The wire messages (docs/editor-protocol.md): what a client may send,
//! checked field by field, and the replies the server builds.
//!
//! Parsing goes in two steps so a bad message still gets a useful reply:
//! first JSON, an object, a string `type` and (if present) a `req` to
//! echo; then the type's own fields. Every failure names what is wrong;
//! none ends the connection (except a message over the size limit).

use serde::Deserialize;
use serde_json::{Map, Value, json};
use weir_runtime::kernel::{EventBody, KernelEvent};

/// The largest client message the server reads (4 MiB).
pub const MAX_CLIENT_MESSAGE: usize = 4 * 1024 * 1024;

/// One client request, validated.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    Hello {
        since: Option<u64>,
    },
    SetCode {
        id: u32,
        code: String,
        base_version: u64,
        code_hash: String,
    },
    Insert {
        index: u32,
        code: String,
        name: Option<String>,
    },
    Delete {
        id: u32,
    },
    Move {
        id: u32,
        index: u32,
    },
    Rename {
        id: u32,
        name: String,
    },
    SetOptions {
        id: u32,
        disabled: Option<bool>,
        hide_code: Option<bool>,
        persist: Option<bool>,
    },
    Run {
        ids: Vec<u32>,
        /// Recompute persisted cells instead of restoring them.
        #[serde(default)]
        recompute: bool,
    },
    RunStale,
    RunAll,
    Interrupt,
    Restart,
    SetMode {
        mode: Mode,
    },
    Save {
        #[serde(default)]
        force: bool,
    },
    Reload,
    /// A value a person set on an element (`weir.ui`).
    SetUiValue {
        element_id: String,
        value: Value,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Autorun,
    Lazy,
}

impl Request {
    pub fn kind(&self) -> &'static str {
        match self {
            Request::Hello { .. } => "hello",
            Request::SetCode { .. } => "set_code",
            Request::Insert { .. } => "insert",
            Request::Delete { .. } => "delete",
            Request::Move { .. } => "move",
            Request::Rename { .. } => "rename",
            Request::SetOptions { .. } => "set_options",
            Request::Run { .. } => "run",
            Request::RunStale => "run_stale",
            Request::RunAll => "run_all",
            Request::Interrupt => "interrupt",
            Request::Restart => "restart",
            Request::SetMode { .. } => "set_mode",
            Request::Save { .. } => "save",
            Request::Reload => "reload",
            Request::SetUiValue { .. } => "set_ui_value",
        }
    }
}

const TYPES: &[&str] = &[
    "hello",
    "set_code",
    "insert",
    "delete",
    "move",
    "rename",
    "set_options",
    "run",
    "run_stale",
    "run_all",
    "interrupt",
    "restart",
    "set_mode",
    "save",
    "reload",
    "set_ui_value",
];

/// A message that could not be used: what to say, and the `req` to echo
/// when the message had a valid one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub req: Option<u64>,
    pub message: String,
}

/// Parses one text frame.
pub fn parse(text: &str) -> Result<(Option<u64>, Request), Malformed> {
    let bad = |req, message: String| Malformed { req, message };
    if text.len() > MAX_CLIENT_MESSAGE {
        return Err(bad(None, oversized(text.len())));
    }
    let value: Value =
        serde_json::from_str(text).map_err(|e| bad(None, format!("not valid JSON: {e}")))?;
    let Value::Object(mut object) = value else {
        return Err(bad(
            None,
            format!("a message must be a JSON object, not {}", json_kind(&value)),
        ));
    };
    let req = match object.remove("req") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64(),
        Some(other) => {
            return Err(bad(
                None,
                format!(
                    "`req` must be an unsigned integer, not {}",
                    json_kind(&other)
                ),
            ));
        }
    };
    let kind = match object.get("type") {
        Some(Value::String(kind)) => kind.clone(),
        Some(other) => {
            return Err(bad(
                req,
                format!("`type` must be a string, not {}", json_kind(other)),
            ));
        }
        None => return Err(bad(req, "missing field `type`".into())),
    };
    if !TYPES.contains(&kind.as_str()) {
        return Err(bad(
            req,
            format!(
                "unknown message type {kind:?} (expected one of: {})",
                TYPES.join(", ")
            ),
        ));
    }
    let request = Request::deserialize(Value::Object(object))
        .map_err(|e| bad(req, format!("`{kind}`: {e}")))?;
    Ok((req, request))
}

pub fn oversized(len: usize) -> String {
    format!(
        "message of {len} bytes is over the limit of {MAX_CLIENT_MESSAGE} bytes (4 MiB); closing"
    )
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `{"type": "error", "req"?, "message"}`.
pub fn error(req: Option<u64>, message: &str) -> String {
    with_req(json!({"type": "error", "message": message}), req)
}

/// `{"type": "ok", "req"?, ...fields}`.
pub fn ok(req: Option<u64>, fields: Value) -> String {
    let mut value = json!({"type": "ok"});
    merge(&mut value, fields);
    with_req(value, req)
}

/// `{"type": "refused", "req"?, "reason", "message", ...fields}`.
pub fn refused(req: Option<u64>, reason: &str, message: &str, fields: Value) -> String {
    let mut value = json!({"type": "refused", "reason": reason, "message": message});
    merge(&mut value, fields);
    with_req(value, req)
}

/// Any server message with an optional `req`.
pub fn with_req(mut value: Value, req: Option<u64>) -> String {
    if let (Some(req), Value::Object(object)) = (req, &mut value) {
        object.insert("req".into(), Value::from(req));
    }
    value.to_string()
}

fn merge(into: &mut Value, fields: Value) {
    if let (Value::Object(into), Value::Object(fields)) = (into, fields) {
        into.extend(fields);
    }
}

/// A kernel event as a client gets it, numbered `seq` on the server's
/// feed: `{"type": "event", "event": {...}}` with every integrity hash in
/// place. An event whose hashes all came from the worker (every output of
/// an editor's kernel) is written straight from its Rust form; only one
/// missing a hash goes through a `serde_json::Value` to get it: building
/// the value cost the forwarder more than writing the text.
pub fn event_text(event: &KernelEvent, seq: u64) -> String {
    #[derive(serde::Serialize)]
    struct Wire<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        event: Numbered<'a>,
    }
    #[derive(serde::Serialize)]
    struct Numbered<'a> {
        seq: u64,
        #[serde(flatten)]
        body: &'a EventBody,
    }
    let wire = Wire {
        kind: "event",
        event: Numbered {
            seq,
            body: &event.body,
        },
    };
    if hashed(&event.body) && !crate::hash::corrupting() {
        return serde_json::to_string(&wire).unwrap_or_default();
    }
    let mut value = serde_json::to_value(&wire).unwrap_or(Value::Null);
    if let Some(Value::Object(event)) = value.get_mut("event") {
        stamp_event(event);
    }
    value.to_string()
}

/// Whether every output and text of the event already carries its hash.
fn hashed(body: &EventBody) -> bool {
    use weir_runtime::integrity::HASH_KEY;
    match body {
        EventBody::Stream { hash, .. } | EventBody::Console { hash, .. } => hash.is_some(),
        EventBody::Output { output, .. } => {
            output.as_ref().is_none_or(|b| b.contains_key(HASH_KEY))
        }
        EventBody::Finished { outputs, .. } => outputs.iter().all(|b| b.contains_key(HASH_KEY)),
        _ => true,
    }
}

/// Fills in integrity hashes the runtime did not give (see `hash.rs`) in
/// a serialised kernel event; the worker's own are left as they are.
pub fn stamp_event(event: &mut Map<String, Value>) {
    match event.get("type").and_then(Value::as_str) {
        Some("stream" | "console") if !event.contains_key("hash") => {
            if let Some(Value::String(text)) = event.get("text") {
                let hash = crate::hash::text_hash(text);
                event.insert("hash".into(), Value::String(hash));
            }
        }
        Some("output") => {
            if let Some(output) = event.get_mut("output") {
                crate::hash::stamp_bundle(output);
            }
        }
        Some("finished") => {
            if let Some(Value::Array(outputs)) = event.get_mut("outputs") {
                outputs.iter_mut().for_each(crate::hash::stamp_bundle);
            }
        }
        _ => {}
    }
}

/// Fills in integrity hashes missing from outputs and console chunks of a
/// serialised snapshot.
pub fn stamp_snapshot(snapshot: &mut Map<String, Value>) {
    if let Some(Value::Array(cells)) = snapshot.get_mut("cells") {
        for cell in cells {
            if let Some(Value::Array(outputs)) = cell.get_mut("outputs") {
                outputs.iter_mut().for_each(crate::hash::stamp_bundle);
            }
            if let Some(Value::Array(console)) = cell.get_mut("console") {
                console.iter_mut().for_each(crate::hash::stamp_text);
            }
        }
    }
    if let Some(Value::Array(console)) = snapshot.get_mut("console") {
        console.iter_mut().for_each(crate::hash::stamp_text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished(outputs: Vec<Value>) -> KernelEvent {
        KernelEvent {
            seq: 3,
            body: EventBody::Finished {
                id: 7,
                status: weir_runtime::RunStatus::Ok,
                duration: std::time::Duration::from_micros(1500),
                outputs: outputs
                    .into_iter()
                    .map(|v| serde_json::from_value(v).unwrap())
                    .collect(),
                error: None,
                persist: None,
                variables: Some(vec![weir_runtime::message::VariableSummary {
                    name: "x".into(),
                    type_name: "int".into(),
                    preview: "2".into(),
                }]),
            },
        }
    }

    /// What the forwarder sent before it wrote events straight from their
    /// Rust form: the event as a value, renumbered, stamped, wrapped.
    fn through_a_value(event: &KernelEvent, seq: u64) -> Value {
        let mut value = serde_json::to_value(event).unwrap();
        let object = value.as_object_mut().unwrap();
        object.insert("seq".into(), seq.into());
        stamp_event(object);
        json!({"type": "event", "event": value})
    }

    #[test]
    fn an_event_with_its_hashes_is_written_as_the_value_path_would_write_it() {
        let hash = "ab".repeat(32);
        let event = finished(vec![json!({"text/plain": "2", "hash": hash})]);
        let text = event_text(&event, 12);
        let sent: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(sent, through_a_value(&event, 12));
        assert_eq!(
            sent["event"]["seq"], 12,
            "the feed's number, not the kernel's"
        );
        assert_eq!(
            sent["event"]["outputs"][0]["hash"],
            json!(hash),
            "kept, not recomputed"
        );
        assert_eq!(sent["event"]["variables"][0]["name"], "x");
    }

    #[test]
    fn an_output_without_a_hash_gets_one_on_the_way() {
        let event = finished(vec![json!({"text/plain": "2"})]);
        let sent: Value = serde_json::from_str(&event_text(&event, 4)).unwrap();
        assert_eq!(sent, through_a_value(&event, 4));
        let bundle = sent["event"]["outputs"][0].as_object().unwrap();
        let mut unhashed = bundle.clone();
        unhashed.remove("hash");
        assert_eq!(
            bundle["hash"],
            json!(weir_runtime::integrity::object_hash(&unhashed))
        );
    }

    fn message_of(text: &str) -> Malformed {
        parse(text).expect_err(text)
    }

    #[test]
    fn valid_messages_parse() {
        assert_eq!(
            parse(r#"{"type":"hello","req":3,"since":12}"#).unwrap(),
            (Some(3), Request::Hello { since: Some(12) })
        );
        assert_eq!(
            parse(r#"{"type":"save"}"#).unwrap(),
            (None, Request::Save { force: false })
        );
        assert_eq!(
            parse(r#"{"type":"set_mode","mode":"lazy","extra":1}"#).unwrap(),
            (None, Request::SetMode { mode: Mode::Lazy })
        );
    }

    #[test]
    fn each_malformed_message_is_named() {
        assert!(message_of("{nope").message.starts_with("not valid JSON"));
        assert_eq!(
            message_of("[1]").message,
            "a message must be a JSON object, not an array"
        );
        assert_eq!(
            message_of(r#"{"req": 4}"#),
            Malformed {
                req: Some(4),
                message: "missing field `type`".into()
            }
        );
        assert!(
            message_of(r#"{"type":"explode","req":1}"#)
                .message
                .starts_with("unknown message type \"explode\"")
        );
        let m = message_of(r#"{"type":"set_code","req":9,"id":1,"code":"x"}"#);
        assert_eq!(m.req, Some(9));
        assert!(m.message.contains("`set_code`") && m.message.contains("base_version"));
        let m = message_of(r#"{"type":"delete","id":"seven"}"#);
        assert!(m.message.contains("invalid type: string"), "{}", m.message);
        let m = message_of(r#"{"type":"delete","id":-1}"#);
        assert!(m.message.contains("`delete`"), "{}", m.message);
        let m = message_of(r#"{"type":"hello","req":"x"}"#);
        assert!(m.message.starts_with("`req` must be an unsigned integer"));
        let big = format!(
            r#"{{"type":"hello","pad":"{}"}}"#,
            "x".repeat(MAX_CLIENT_MESSAGE)
        );
        assert!(message_of(&big).message.contains("over the limit"));
    }
}
