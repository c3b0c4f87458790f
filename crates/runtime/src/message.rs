//! The JSON messages carried in frames, one serde type per direction.
//!
//! Receivers ignore fields they do not know (a later worker of the same
//! protocol version may add some); an unknown `"type"` is an error. docs/protocol.md describes
//! every message.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// `{"mimetype": data}`. Text types carry strings; binary types (PNG,
/// JPEG) carry base64 strings; `application/json` carries any JSON value.
pub type MimeBundle = BTreeMap<String, serde_json::Value>;

/// Runtime → worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWorker {
    /// Run a cell's code in the shared namespace.
    Run {
        cell_id: String,
        name: String,
        code: String,
        /// The pseudo-filename tracebacks show; default
        /// `<cell NAME (CELL_ID)>`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        filename_hint: Option<String>,
        /// Names to remove from the namespace before the cell runs (the
        /// names it defined last time): one message instead of a separate
        /// `delete` round trip per cell.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        delete: Vec<String>,
    },
    /// Run cells in order with no round trip between them (version 4):
    /// each entry is run, or skipped when an entry it requires did not end
    /// `ok`; the reply is each run cell's `started` ... `done`, then
    /// `batch_done`.
    RunBatch { entries: Vec<BatchEntry> },
    /// Stop the running batch before its next entry (a command is waiting
    /// in the kernel). Ignored when no batch runs.
    Halt,
    /// Remove names from the namespace (missing names are ignored), and
    /// the private names (`_x`, renamed `_cell_<id>_x`) that these cells'
    /// functions keep alive after their runs.
    Delete {
        names: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        cells: Vec<String>,
    },
    /// Hash (and, in mode `store`, pickle) these names of a cell that just
    /// ran; the reply is `captured`, followed by its binary frames.
    Capture {
        cell_id: String,
        names: Vec<String>,
        mode: CaptureMode,
    },
    /// Put these values into the namespace; each value's buffers follow
    /// this message as binary frames, in order. The reply is `restored`.
    /// `defs`: the names the cell defines; the worker refuses a value of
    /// any other name (and any `__dunder__` name) before unpickling any.
    Restore {
        cell_id: String,
        #[serde(default)]
        defs: Vec<String>,
        values: Vec<RestoreValue>,
    },
    /// A value a person set on an element (`weir.ui`): the worker
    /// validates and applies it; the reply is `ui_value_set`.
    SetUiValue {
        element_id: String,
        value: serde_json::Value,
    },
    /// Exit with status 0.
    Shutdown,
}

/// One cell of a `run_batch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchEntry {
    pub cell_id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename_hint: Option<String>,
    /// The source, only when the worker does not already hold the code
    /// with this `code_hash` for this cell (it keeps one per cell).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub code_hash: String,
    /// Names removed before the cell runs or is skipped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delete: Vec<String>,
    /// Cell ids of earlier entries that must have ended `ok`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// With `code`: where the final expression statement is, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<Display>,
    /// With `code`: the source may use private `_x` names, so it needs
    /// the renaming pass (a parse); otherwise it is compiled as it is.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub private: bool,
    /// Names to summarise after the cell runs (an editor session's
    /// variables panel): the worker's `done` carries their `variables`.
    /// Empty (and absent) otherwise, so batch runs pay nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub summarize: Vec<String>,
}

/// One global name a cell defined, as the variables panel shows it: its
/// type's name and a short, bounded preview of its `repr`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableSummary {
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub preview: String,
}

/// Where a cell's final expression statement is: `start`..`end` in
/// characters (Python string indices), and the 1-based `line` and the
/// `column` in UTF-8 bytes (as CPython counts) where it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Display {
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub column: usize,
}

/// What `capture` computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureMode {
    /// Value hashes and pickle buffers (for the store).
    Store,
    /// Value hashes only (for `weir verify`).
    Hash,
}

/// One value of a `restore`: its name and its buffers (the pickle stream
/// first, then its out-of-band buffers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreValue {
    pub name: String,
    pub buffers: Vec<RestoreBufferSpec>,
}

/// How one buffer of a `restore` reaches the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RestoreBufferSpec {
    /// This many bytes, in binary frames after the message.
    Frames(u64),
    /// A store object file the runtime has just verified: the worker maps
    /// `len` bytes at `offset` copy-on-write (docs/persistence.md).
    File { path: String, offset: u64, len: u64 },
}

/// One buffer announced by `captured`: its length and the BLAKE2b-256
/// (hex) the worker computed before sending it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BufferSpec {
    pub len: u64,
    pub blake2b: String,
}

/// One name in `captured`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedSpec {
    pub name: String,
    /// Canonical value hash (BLAKE2b-256, hex), stable across processes.
    pub value_hash: String,
    /// Empty in mode `hash`.
    #[serde(default)]
    pub buffers: Vec<BufferSpec>,
}

/// A name whose value could not be pickled, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unpicklable {
    pub name: String,
    pub error: String,
}

/// Why a `restore` did not load a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreFailure {
    pub name: String,
    #[serde(rename = "type")]
    pub exc_type: String,
    pub message: String,
    /// A file buffer could not be opened or mapped (nothing was
    /// unpickled): the bytes themselves may be fine, so send them as frames.
    #[serde(default)]
    pub file: bool,
}

/// Which of the worker's Python streams text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamName {
    Stdout,
    Stderr,
}

/// How a cell ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellStatus {
    Ok,
    Error,
    /// `weir.stop(True)`: not an error; descendants should not run.
    Stopped,
    /// Interrupted by SIGINT; the worker is still usable.
    Interrupted,
}

/// What `weir.output.*` did. `ReplaceAt` and `RemoveAt` name an output
/// by its position (`at`): a live progress indicator redrawn in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputAction {
    Append,
    Replace,
    Clear,
    ReplaceAt,
    RemoveAt,
}

/// Applies one output action to a cell's outputs: the one rule the
/// scheduler's record, the kernel's snapshot and every client follow
/// (docs/protocol.md, `output`). `ReplaceAt` past the end appends (the
/// cell cleared its outputs since); `RemoveAt` past the end does nothing;
/// a bundle missing where one is needed clears, as a `clear` would.
pub fn apply_output(
    outputs: &mut Vec<MimeBundle>,
    action: OutputAction,
    at: Option<usize>,
    output: Option<&MimeBundle>,
) {
    match (action, output) {
        (OutputAction::Append, Some(o)) => outputs.push(o.clone()),
        (OutputAction::Replace, Some(o)) => *outputs = vec![o.clone()],
        (OutputAction::ReplaceAt, Some(o)) => match at.and_then(|i| outputs.get_mut(i)) {
            Some(slot) => *slot = o.clone(),
            None => outputs.push(o.clone()),
        },
        (OutputAction::RemoveAt, _) => {
            if let Some(i) = at.filter(|&i| i < outputs.len()) {
                outputs.remove(i);
            }
        }
        _ => outputs.clear(),
    }
}

/// One traceback frame, innermost last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TracebackFrame {
    pub filename: String,
    pub lineno: Option<u32>,
    pub function: String,
    /// The cell whose code this frame is in, if any.
    pub cell_id: Option<String>,
    #[serde(default)]
    pub line: String,
}

/// A cell's exception.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellError {
    /// The exception class's qualified name, e.g. `ZeroDivisionError`.
    #[serde(rename = "type")]
    pub exc_type: String,
    pub message: String,
    /// Formatted like Python's, from the cell's frame on (worker frames
    /// stripped); line numbers count from the cell's first line.
    pub traceback: String,
    #[serde(default)]
    pub frames: Vec<TracebackFrame>,
}

/// Worker → runtime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromWorker {
    /// First message after start.
    Ready {
        protocol: u32,
        weir_version: String,
        python_version: String,
        python_executable: String,
        pid: u32,
    },
    /// A `run` was received and its code is about to execute.
    Started { cell_id: String },
    /// Text written to `sys.stdout` / `sys.stderr` (source `python`) or to
    /// fds 1/2 (source `fd`), for the cell `cell_id` (its origin: possibly
    /// not the running one) or, when `None`, the notebook's own console.
    Stream {
        cell_id: Option<String>,
        name: StreamName,
        #[serde(default)]
        source: crate::events::StreamSource,
        text: String,
        /// The text's integrity hash (`crate::integrity::text_hash`), when
        /// the session asked the worker for hashes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hash: Option<String>,
    },
    /// `weir.output.append/replace/clear` during a run, or a progress
    /// indicator redrawn or removed at position `at`.
    Output {
        cell_id: String,
        action: OutputAction,
        output: Option<MimeBundle>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<usize>,
    },
    /// The cell finished.
    Done {
        cell_id: String,
        status: CellStatus,
        output: Option<MimeBundle>,
        error: Option<CellError>,
        duration_ns: u64,
        /// The global names this cell's code touches that hold an element
        /// (name -> element id); the runtime keeps those the cell defines.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        ui: BTreeMap<String, String>,
        /// State setters the cell called (`weir.state`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        state: Vec<StateSet>,
        /// When the batch entry asked to `summarize` (and the cell did not
        /// end interrupted): the names it defined that are in the
        /// namespace now, summarised.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        variables: Option<Vec<VariableSummary>>,
    },
    /// The end of a `run_batch`: `ran` entries were run or skipped (the
    /// rest did not start: a `halt`, an interrupt, or a cell that ended
    /// `interrupted`); `compiled`: how many entries were compiled (not
    /// taken from the worker's cache).
    BatchDone {
        ran: usize,
        #[serde(default)]
        halted: bool,
        #[serde(default)]
        compiled: usize,
    },
    /// Reply to `delete`.
    Deleted { names_removed: Vec<String> },
    /// Reply to `capture`; each announced buffer follows as binary frames.
    Captured {
        cell_id: String,
        values: Vec<CapturedSpec>,
        #[serde(default)]
        unpicklable: Vec<Unpicklable>,
    },
    /// Reply to `restore`: the names now in the namespace, or why not.
    Restored {
        cell_id: String,
        names: Vec<String>,
        error: Option<RestoreFailure>,
    },
    /// Reply to `set_ui_value`: whether the value was accepted (the
    /// element exists and the value is valid), why not, the value as the
    /// element now holds it, and state setters its `on_change` called.
    UiValueSet {
        element_id: String,
        accepted: bool,
        #[serde(default)]
        error: Option<String>,
        #[serde(default)]
        value: Option<serde_json::Value>,
        #[serde(default)]
        state: Vec<StateSet>,
    },
    /// The worker received a bad frame from us and is exiting.
    ProtocolError {
        frame_index: Option<u64>,
        seq: Option<u32>,
        check: String,
        message: String,
    },
}

const FROM_WORKER_TYPES: &[&str] = &[
    "ready",
    "started",
    "stream",
    "output",
    "done",
    "batch_done",
    "deleted",
    "captured",
    "restored",
    "ui_value_set",
    "protocol_error",
];

/// A call of a `weir.state` setter: the readers of `names` (the global
/// names bound to its getter) run again, except the calling cell
/// (`cell_id`, a worker cell id) unless `allow_self_loops`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateSet {
    pub names: Vec<String>,
    #[serde(default)]
    pub cell_id: Option<String>,
    #[serde(default)]
    pub allow_self_loops: bool,
}

/// What a finished cell reported about elements and state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CellUi {
    /// Global name -> element id, for names the cell's code touches.
    pub bindings: BTreeMap<String, String>,
    pub state: Vec<StateSet>,
}

impl CellUi {
    /// `None` when there is nothing to report (the usual case).
    pub fn boxed(bindings: BTreeMap<String, String>, state: Vec<StateSet>) -> Option<Box<CellUi>> {
        if bindings.is_empty() && state.is_empty() {
            None
        } else {
            Some(Box::new(CellUi { bindings, state }))
        }
    }
}

/// A frame's payload that is not a valid message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MessageError {
    #[error("payload is not UTF-8 JSON: {0}")]
    NotJson(String),
    #[error("payload is not a JSON object with a string \"type\" field")]
    NoType,
    #[error("unknown message type {0:?}")]
    UnknownType(String),
    #[error("invalid {kind:?} message: {error}")]
    Invalid { kind: String, error: String },
}

impl FromWorker {
    /// Parse a frame payload, telling an unknown type apart from a known
    /// type with bad fields.
    pub fn decode(payload: &[u8]) -> Result<Self, MessageError> {
        match fast::decode(payload) {
            Some(message) => Ok(message),
            None => Self::decode_general(payload),
        }
    }

    /// Any message, through a `serde_json::Value`.
    fn decode_general(payload: &[u8]) -> Result<Self, MessageError> {
        let value: serde_json::Value =
            serde_json::from_slice(payload).map_err(|e| MessageError::NotJson(e.to_string()))?;
        let kind = value
            .get("type")
            .and_then(|t| t.as_str())
            .ok_or(MessageError::NoType)?
            .to_owned();
        if !FROM_WORKER_TYPES.contains(&kind.as_str()) {
            return Err(MessageError::UnknownType(kind));
        }
        serde_json::from_value(value).map_err(|e| MessageError::Invalid {
            kind,
            error: e.to_string(),
        })
    }
}

/// The messages of every cell (`started`, `stream`, `output`, `done`,
/// `batch_done`) parsed straight into their fields. The general path builds
/// a `serde_json::Value`, then serde's buffer for tagged enums, then the
/// message: most of the runtime's own work per trivial cell (callgrind).
/// Anything this path does not accept as it is (another type, a bad
/// field, a payload that is not an object) goes the general way, which
/// gives the same message or the precise error.
mod fast {
    use std::borrow::Cow;

    use serde::Deserialize;

    use std::collections::BTreeMap;

    use super::{
        CellError, CellStatus, FromWorker, MimeBundle, OutputAction, StateSet, StreamName,
        VariableSummary,
    };
    use crate::events::StreamSource;

    /// Every field of the messages this path takes, in one pass. An
    /// `Option` field is `None` when missing or null, then required or not
    /// per type as the enum says; the enum's defaulted fields are defaulted
    /// here too (so null is refused, as there). A field of another type's
    /// that does not fit makes the general path decide.
    #[derive(Deserialize)]
    struct Hot<'a> {
        #[serde(rename = "type", borrow)]
        kind: Cow<'a, str>,
        cell_id: Option<String>,
        name: Option<StreamName>,
        #[serde(default)]
        source: StreamSource,
        text: Option<String>,
        hash: Option<String>,
        action: Option<OutputAction>,
        output: Option<MimeBundle>,
        at: Option<usize>,
        status: Option<CellStatus>,
        error: Option<CellError>,
        duration_ns: Option<u64>,
        #[serde(default)]
        ui: BTreeMap<String, String>,
        #[serde(default)]
        state: Vec<StateSet>,
        variables: Option<Vec<VariableSummary>>,
        ran: Option<usize>,
        #[serde(default)]
        halted: bool,
        #[serde(default)]
        compiled: usize,
    }

    pub(super) fn decode(payload: &[u8]) -> Option<FromWorker> {
        // A struct also deserialises from a JSON array: only objects here.
        if payload.trim_ascii_start().first() != Some(&b'{') {
            return None;
        }
        let m: Hot = serde_json::from_slice(payload).ok()?;
        Some(match &*m.kind {
            "started" => FromWorker::Started {
                cell_id: m.cell_id?,
            },
            "stream" => FromWorker::Stream {
                cell_id: m.cell_id,
                name: m.name?,
                source: m.source,
                text: m.text?,
                hash: m.hash,
            },
            "output" => FromWorker::Output {
                cell_id: m.cell_id?,
                action: m.action?,
                output: m.output,
                at: m.at,
            },
            "done" => FromWorker::Done {
                cell_id: m.cell_id?,
                status: m.status?,
                output: m.output,
                error: m.error,
                duration_ns: m.duration_ns?,
                ui: m.ui,
                state: m.state,
                variables: m.variables,
            },
            "batch_done" => FromWorker::BatchDone {
                ran: m.ran?,
                halted: m.halted,
                compiled: m.compiled,
            },
            _ => return None,
        })
    }
}

impl ToWorker {
    /// The JSON payload for a frame.
    pub fn encode(&self) -> Vec<u8> {
        // Serialising these plain types cannot fail (string keys only).
        serde_json::to_vec(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_path_takes_every_cell_message_and_agrees_with_the_general_one() {
        let hot: &[&[u8]] = &[
            br#"{"type":"started","cell_id":"c1"}"#,
            br#"{"cell_id":"c1","type":"started","extra":[1,{"a":null}]}"#,
            br#" {"type":"st\u0061rted","cell_id":"c\n1"}"#,
            br#"{"type":"stream","cell_id":null,"name":"stderr","source":"fd","text":"x\n"}"#,
            br#"{"type":"stream","cell_id":"a","name":"stdout","text":"\u00e9"}"#,
            br#"{"type":"output","cell_id":"a","action":"clear","output":null}"#,
            br#"{"type":"output","cell_id":"a","action":"append","output":{"text/html":"<b>"}}"#,
            br#"{"type":"done","cell_id":"a","status":"ok","output":{"text/plain":"1"},"error":null,"duration_ns":5}"#,
            br#"{"type":"done","cell_id":"a","status":"error","output":null,"error":{"type":"E","message":"m","traceback":"t"},"duration_ns":0}"#,
            br#"{"type":"batch_done","ran":3}"#,
            br#"{"type":"batch_done","ran":3,"halted":true,"compiled":2}"#,
            br#"{"type":"stream","cell_id":"a","name":"stdout","text":"x","hash":"ab"}"#,
            br#"{"type":"done","cell_id":"a","status":"ok","output":null,"error":null,"duration_ns":1,"ui":{"s":"e1"},"state":[{"names":["g"],"cell_id":"a"}]}"#,
        ];
        for payload in hot {
            let text = String::from_utf8_lossy(payload);
            let fast = fast::decode(payload).unwrap_or_else(|| panic!("not fast: {text}"));
            let general = FromWorker::decode_general(payload).unwrap();
            assert_eq!(fast, general, "{text}");
        }
        // Not taken as they are: the general path decides, same answer.
        let others: &[&[u8]] = &[
            br#"["started","c1"]"#,
            br#"{"type":"started"}"#,
            br#"{"type":"started","cell_id":"a","cell_id":"b"}"#,
            br#"{"type":"started","type":"done","cell_id":"a"}"#,
            br#"{"type":"done","cell_id":"a","status":"maybe","output":null,"error":null,"duration_ns":1}"#,
            br#"{"type":"batch_done","ran":-1}"#,
            br#"{"type":"batch_done","ran":1,"halted":null}"#,
            br#"{"type":"stream","cell_id":"a","name":"stdout","source":null,"text":"x"}"#,
            br#"{"type":"stream","cell_id":"a","name":"stdout"}"#,
            br#"{"type":"done","cell_id":null,"status":"ok","output":null,"error":null,"duration_ns":1}"#,
            br#"{"type":"done","cell_id":"a","status":"ok","output":null,"error":null,"duration_ns":1,"text":5}"#,
            br#"{"type":"deleted","names_removed":["x"]}"#,
            br#"{"type":7}"#,
            br#"{"type":"nope"}"#,
            br#"{"type":"started","cell_id":"a"} x"#,
            b"not json",
        ];
        for payload in others {
            let text = String::from_utf8_lossy(payload);
            assert!(fast::decode(payload).is_none(), "{text}");
            assert_eq!(
                format!("{:?}", FromWorker::decode(payload)),
                format!("{:?}", FromWorker::decode_general(payload)),
                "{text}"
            );
        }
    }

    #[test]
    fn run_serialises_with_type_tag() {
        let msg = ToWorker::Run {
            cell_id: "c1".into(),
            name: "_".into(),
            code: "x = 1".into(),
            filename_hint: None,
            delete: Vec::new(),
        };
        let v: serde_json::Value = serde_json::from_slice(&msg.encode()).unwrap();
        assert_eq!(v["type"], "run");
        assert_eq!(v["cell_id"], "c1");
        assert!(v.get("filename_hint").is_none());
    }

    #[test]
    fn output_actions_place_replace_and_remove_by_position() {
        let b =
            |t: &str| -> MimeBundle { [("text/plain".to_owned(), serde_json::json!(t))].into() };
        let shown = |o: &[MimeBundle]| {
            o.iter()
                .map(|b| b["text/plain"].clone())
                .collect::<Vec<_>>()
        };
        let mut outputs = Vec::new();
        apply_output(&mut outputs, OutputAction::Append, None, Some(&b("a")));
        apply_output(
            &mut outputs,
            OutputAction::Append,
            None,
            Some(&b("bar 1/3")),
        );
        apply_output(&mut outputs, OutputAction::Append, None, Some(&b("c")));
        apply_output(
            &mut outputs,
            OutputAction::ReplaceAt,
            Some(1),
            Some(&b("bar 2/3")),
        );
        assert_eq!(shown(&outputs), ["a", "bar 2/3", "c"]);
        apply_output(&mut outputs, OutputAction::RemoveAt, Some(1), None);
        assert_eq!(shown(&outputs), ["a", "c"]);
        // Past the end: a redraw appends (the cell cleared meanwhile), a
        // removal does nothing.
        apply_output(&mut outputs, OutputAction::RemoveAt, Some(5), None);
        apply_output(
            &mut outputs,
            OutputAction::ReplaceAt,
            Some(5),
            Some(&b("d")),
        );
        assert_eq!(shown(&outputs), ["a", "c", "d"]);
        apply_output(&mut outputs, OutputAction::Clear, None, None);
        assert!(outputs.is_empty());
        let m = FromWorker::decode(
            br#"{"type":"output","cell_id":"c","action":"replace_at","at":2,"output":{"text/plain":"x"}}"#,
        )
        .unwrap();
        assert!(matches!(
            m,
            FromWorker::Output {
                action: OutputAction::ReplaceAt,
                at: Some(2),
                ..
            }
        ));
    }

    #[test]
    fn done_parses_and_ignores_unknown_fields() {
        let m = FromWorker::decode(
            br#"{"type":"done","cell_id":"a","status":"ok","output":{"text/plain":"1"},"error":null,"duration_ns":5,"extra":true}"#,
        )
        .unwrap();
        assert!(matches!(
            m,
            FromWorker::Done {
                status: CellStatus::Ok,
                ..
            }
        ));
    }

    #[test]
    fn unknown_type_and_bad_fields_are_distinct() {
        assert_eq!(
            FromWorker::decode(br#"{"type":"nope"}"#).unwrap_err(),
            MessageError::UnknownType("nope".into())
        );
        assert!(matches!(
            FromWorker::decode(br#"{"type":"done"}"#).unwrap_err(),
            MessageError::Invalid { .. }
        ));
        assert_eq!(
            FromWorker::decode(b"[1]").unwrap_err(),
            MessageError::NoType
        );
        assert!(matches!(
            FromWorker::decode(b"\xff").unwrap_err(),
            MessageError::NotJson(_)
        ));
    }
}
