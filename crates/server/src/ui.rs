//! `set_ui_value`: a value a person set on an element (docs/editor-protocol.md).
//! The kernel applies the latest value per element between cells; the
//! reply comes once it has (or once a later value superseded it), or says
//! why it was refused.

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::mpsc;
use weir_runtime::kernel::{Command, KernelHandle};

use crate::message::{ok, refused};

/// Element ids are short tokens the worker made; anything longer is no id.
const MAX_ELEMENT_ID: usize = 256;

pub(crate) fn set_ui_value(
    kernel: &KernelHandle,
    replies: &mpsc::UnboundedSender<String>,
    req: Option<u64>,
    element_id: String,
    value: Value,
) -> Vec<Arc<str>> {
    if element_id.is_empty() || element_id.len() > MAX_ELEMENT_ID {
        let text = refused(
            req,
            "unknown_element",
            &format!(
                "`element_id` must be an element's id (1 to {MAX_ELEMENT_ID} characters), got {} characters",
                element_id.len()
            ),
            json!({"element_id": element_id}),
        );
        return vec![text.into()];
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let command = Command::SetUiValue {
        element_id: element_id.clone(),
        value,
        reply: Some(tx),
    };
    if let Err(e) = kernel.send(command) {
        return vec![refused(req, "shut_down", &e.to_string(), json!({})).into()];
    }
    crate::connection::later(replies, move || match rx.recv() {
        Ok(Ok(())) => ok(req, json!({"element_id": element_id})),
        Ok(Err(refusal)) => refused(
            req,
            refusal.reason(),
            &refusal.to_string(),
            json!({"element_id": element_id}),
        ),
        Err(_) => refused(req, "shut_down", "the kernel has shut down", json!({})),
    });
    Vec::new()
}
