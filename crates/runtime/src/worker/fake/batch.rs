//! The fake worker's `run_batch` (protocol version 4), as the real
//! worker runs it (python/weir/_worker.py, `Worker.run_batch`).

use std::collections::BTreeMap;

use super::{FakeWorker, Flow, Refused};
use crate::message::{BatchEntry, CellStatus, FromWorker};

impl FakeWorker {
    /// Runs a batch's entries in order, as the real worker does: every
    /// entry's code is held at once; before each entry a waiting frame (a
    /// `halt`) or an interrupt stops the batch; an entry whose required
    /// entries did not all end `ok` is skipped after its deletes, with no
    /// message.
    pub(super) fn run_batch(&mut self, entries: Vec<BatchEntry>) -> Flow {
        for entry in &entries {
            if let Some(code) = &entry.code {
                let filename = entry
                    .filename_hint
                    .clone()
                    .unwrap_or_else(|| format!("<cell {} ({})>", entry.name, entry.cell_id));
                self.held.insert(
                    entry.cell_id.clone(),
                    (entry.code_hash.clone(), code.clone(), filename),
                );
            }
        }
        self.signals.lock().interrupted = false;
        let mut statuses: BTreeMap<String, Option<CellStatus>> = BTreeMap::new();
        let (mut ran, mut halted) = (0, false);
        for entry in entries {
            if self.signals.lock().interrupted {
                break;
            }
            if self.frame_waiting() {
                halted = true;
                break;
            }
            self.remove(&entry.delete);
            ran += 1;
            let blocked = entry.requires.iter().any(|r| {
                statuses
                    .get(r)
                    .is_some_and(|s| !matches!(s, Some(CellStatus::Ok)))
            });
            if blocked {
                statuses.insert(entry.cell_id, None);
                continue;
            }
            let held = self.held.get(&entry.cell_id).cloned();
            let Some((_, code, filename)) = held.filter(|(hash, ..)| *hash == entry.code_hash)
            else {
                // The runtime counted on code this worker does not hold.
                return Flow::Exit(self.refuse(Refused {
                    index: None,
                    seq: None,
                    check: "unknown_code".into(),
                    message: format!(
                        "no code {} held for cell {}",
                        entry.code_hash, entry.cell_id
                    ),
                }));
            };
            self.last_status = None;
            if let Flow::Exit(status) = self.run(&entry.cell_id, &filename, &code) {
                return Flow::Exit(status);
            }
            let status = self.last_status.take();
            statuses.insert(entry.cell_id, status);
            if matches!(status, Some(CellStatus::Interrupted)) {
                break;
            }
        }
        self.reply(&FromWorker::BatchDone {
            ran,
            halted,
            compiled: 0,
        })
    }

    /// Whether a frame is waiting (buffered whole, or bytes on the pipe),
    /// without taking it from the stream.
    fn frame_waiting(&mut self) -> bool {
        if self.stashed.is_some() {
            return true;
        }
        if let Ok(Some(frame)) = self.decoder.next_frame() {
            self.stashed = Some(frame);
            return true;
        }
        let mut fd = libc::pollfd {
            fd: std::os::fd::AsRawFd::as_raw_fd(&self.input),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd; a zero timeout never blocks.
        let ready = unsafe { libc::poll(&mut fd, 1, 0) };
        ready > 0 && fd.revents & libc::POLLIN != 0
    }
}
