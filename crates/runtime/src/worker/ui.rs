//! Element values (`weir.ui`): a value a person set, sent to the worker,
//! which validates it against the element and applies it
//! (docs/protocol.md, "Element values and state").

use crate::error::WorkerError;
use crate::events::WorkerEvent;
use crate::message::{FromWorker, StateSet, ToWorker};

use super::Worker;

/// The worker's answer to a value.
#[derive(Debug, Clone, PartialEq)]
pub struct UiValueReply {
    /// The element exists and the value was valid: it now holds it.
    pub accepted: bool,
    /// Why not (an unknown or remade element, a value out of range), or
    /// what its `on_change` raised.
    pub error: Option<String>,
    /// The value as the element now holds it (its front-end form).
    pub value: Option<serde_json::Value>,
    /// State setters its `on_change` called.
    pub state: Vec<StateSet>,
}

impl Worker {
    /// Sends a value for the element `element_id` and waits for the
    /// verdict. Text from background threads meanwhile goes where it
    /// always goes between runs (the unsolicited sink).
    pub fn set_ui_value(
        &mut self,
        element_id: &str,
        value: serde_json::Value,
    ) -> Result<UiValueReply, WorkerError> {
        let request = ToWorker::SetUiValue {
            element_id: element_id.to_owned(),
            value,
        };
        let mut ignore = |_: WorkerEvent| {};
        self.send(&request, None, &mut ignore)?;
        loop {
            match self.next_message(None, &mut ignore)? {
                FromWorker::UiValueSet {
                    accepted,
                    error,
                    value,
                    state,
                    ..
                } => {
                    return Ok(UiValueReply {
                        accepted,
                        error,
                        value,
                        state,
                    });
                }
                msg @ FromWorker::Stream { .. } => self.stray_message(msg),
                FromWorker::Output { .. } => {}
                other => return Err(self.unexpected("ui_value_set", &other)),
            }
        }
    }
}
