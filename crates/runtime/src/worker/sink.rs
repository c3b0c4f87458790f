//! Where a worker's unsolicited output goes (docs/protocol.md, "Version 3").

use std::fmt;
use std::sync::Arc;

use crate::events::WorkerEvent;

/// Receives a worker's *unsolicited* output, called on the worker's I/O
/// thread as it arrives: `WorkerEvent::Stream`s that are not for the cell
/// running (a finished cell's thread or child process printing, with that
/// cell's id; the notebook's own console, with `cell_id: None`), also while
/// no request is in flight. Without a sink they are delivered to the next
/// request's callback instead (never dropped). It must not block for long:
/// meanwhile the worker's output waits. Order holds per path, not across
/// them: the sink may see a line before the caller has processed events
/// that the worker sent earlier (they wait in the channel).
#[derive(Clone)]
pub struct UnsolicitedSink(pub Arc<dyn Fn(WorkerEvent) + Send + Sync>);

impl UnsolicitedSink {
    pub fn new(f: impl Fn(WorkerEvent) + Send + Sync + 'static) -> Self {
        UnsolicitedSink(Arc::new(f))
    }
}

impl fmt::Debug for UnsolicitedSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UnsolicitedSink(..)")
    }
}
