//! Values crossing the worker boundary: `capture` (worker → runtime, for
//! the store or for `weir verify`) and `restore` (runtime → worker).
//!
//! Buffers travel as binary frames after the JSON message announcing them
//! (docs/protocol.md). Each frame is CRC-checked by the frame layer; on
//! top of that every captured buffer carries the BLAKE2b-256 the worker
//! computed before sending, recomputed here, so a buffer damaged anywhere
//! between the worker's pickler and this process is refused by name, and
//! never stored.

use std::io::{self, Write};

use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};

use crate::error::WorkerError;
use crate::events::WorkerEvent;
use crate::frame::{self, FrameKind};
use crate::message::{
    CaptureMode, FromWorker, RestoreBufferSpec, RestoreFailure, RestoreValue, ToWorker, Unpicklable,
};
use crate::pipes::Incoming;
use crate::worker::Worker;

/// BLAKE2b with a 32-byte digest: Python's `hashlib.blake2b(digest_size=32)`.
pub type Blake2b256 = Blake2b<U32>;

/// The hex BLAKE2b-256 of `data`, as the worker computes it.
pub fn blake2b_hex(data: &[u8]) -> String {
    Blake2b256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One buffer of a value to restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreBuffer {
    /// Sent to the worker as binary frames.
    Bytes(Vec<u8>),
    /// `len` bytes at `offset` in a file the caller has verified and that
    /// nothing rewrites in place (a store object file; `path` absolute, as
    /// the worker may have another working directory). The worker maps it
    /// copy-on-write: zero copies, and writes to the value never reach the
    /// file.
    File { path: String, offset: u64, len: u64 },
}

#[derive(Clone, Copy)]
enum BufferRef<'a> {
    Bytes(&'a [u8]),
    File {
        path: &'a str,
        offset: u64,
        len: u64,
    },
}

/// One captured name: its canonical value hash and (mode `store`) its
/// pickle buffers, each verified against the worker's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedValue {
    pub name: String,
    pub value_hash: String,
    pub buffers: Vec<Vec<u8>>,
}

/// What `capture` returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    pub values: Vec<CapturedValue>,
    pub unpicklable: Vec<Unpicklable>,
}

impl Worker {
    /// Ask the worker for these names' value hashes and (mode `Store`)
    /// pickles. Every buffer's BLAKE2b-256 is recomputed: a mismatch is
    /// [`WorkerError::TransferHash`], naming the cell and the value (the
    /// worker stays usable: the frames themselves were intact).
    pub fn capture(
        &mut self,
        cell_id: &str,
        names: &[String],
        mode: CaptureMode,
    ) -> Result<Captured, WorkerError> {
        let request = ToWorker::Capture {
            cell_id: cell_id.to_owned(),
            names: names.to_vec(),
            mode,
        };
        let mut ignore = |_: WorkerEvent| {};
        self.send(&request, None, &mut ignore)?;
        let (values, unpicklable) = loop {
            match self.next_message(None, &mut ignore)? {
                FromWorker::Captured {
                    values,
                    unpicklable,
                    ..
                } => break (values, unpicklable),
                msg @ FromWorker::Stream { .. } => self.stray_message(msg),
                FromWorker::Output { .. } => {}
                other => return Err(self.unexpected("captured", &other)),
            }
        };
        // Read every announced frame first: the stream stays in step even
        // when a check below fails.
        let mut out = Vec::with_capacity(values.len());
        for spec in &values {
            let mut buffers = Vec::with_capacity(spec.buffers.len());
            for b in &spec.buffers {
                buffers.push(self.receive_buffer(b.len)?);
            }
            out.push(buffers);
        }
        let mut captured = Captured {
            values: Vec::with_capacity(values.len()),
            unpicklable,
        };
        for (spec, buffers) in values.into_iter().zip(out) {
            for (i, (b, data)) in spec.buffers.iter().zip(&buffers).enumerate() {
                let actual = blake2b_hex(data);
                if actual != b.blake2b {
                    return Err(WorkerError::TransferHash {
                        cell_id: cell_id.to_owned(),
                        name: spec.name.clone(),
                        buffer: i,
                        expected: b.blake2b.clone(),
                        actual,
                    });
                }
            }
            captured.values.push(CapturedValue {
                name: spec.name,
                value_hash: spec.value_hash,
                buffers,
            });
        }
        Ok(captured)
    }

    /// Send values (name, buffers: the pickle first, then its out-of-band
    /// buffers) for the worker to unpickle into its namespace. `Ok(Err(_))`
    /// when a value would not load (a class that no longer exists, say):
    /// the caller runs the cell instead.
    pub fn restore(
        &mut self,
        cell_id: &str,
        defs: &[String],
        values: &[(String, Vec<Vec<u8>>)],
    ) -> Result<Result<Vec<String>, RestoreFailure>, WorkerError> {
        let values: Vec<(&str, Vec<BufferRef<'_>>)> = values
            .iter()
            .map(|(n, bufs)| {
                (
                    n.as_str(),
                    bufs.iter().map(|b| BufferRef::Bytes(b)).collect(),
                )
            })
            .collect();
        self.restore_refs(cell_id, defs, &values)
    }

    /// Like [`Worker::restore`], with buffers that may be store object
    /// files the caller has verified: the worker maps those (copy-on-write)
    /// instead of receiving them. `Ok(Err(f))` with `f.file` when a file
    /// could not be mapped: nothing was restored, retry with bytes.
    pub fn restore_buffers(
        &mut self,
        cell_id: &str,
        defs: &[String],
        values: &[(String, Vec<RestoreBuffer>)],
    ) -> Result<Result<Vec<String>, RestoreFailure>, WorkerError> {
        let values: Vec<(&str, Vec<BufferRef<'_>>)> = values
            .iter()
            .map(|(n, bufs)| {
                let refs = bufs
                    .iter()
                    .map(|b| match b {
                        RestoreBuffer::Bytes(b) => BufferRef::Bytes(b),
                        RestoreBuffer::File { path, offset, len } => BufferRef::File {
                            path,
                            offset: *offset,
                            len: *len,
                        },
                    })
                    .collect();
                (n.as_str(), refs)
            })
            .collect();
        self.restore_refs(cell_id, defs, &values)
    }

    fn restore_refs(
        &mut self,
        cell_id: &str,
        defs: &[String],
        values: &[(&str, Vec<BufferRef<'_>>)],
    ) -> Result<Result<Vec<String>, RestoreFailure>, WorkerError> {
        let request = ToWorker::Restore {
            cell_id: cell_id.to_owned(),
            defs: defs.to_vec(),
            values: values
                .iter()
                .map(|(name, bufs)| RestoreValue {
                    name: (*name).to_owned(),
                    buffers: bufs
                        .iter()
                        .map(|b| match *b {
                            BufferRef::Bytes(b) => RestoreBufferSpec::Frames(b.len() as u64),
                            BufferRef::File { path, offset, len } => RestoreBufferSpec::File {
                                path: path.to_owned(),
                                offset,
                                len,
                            },
                        })
                        .collect(),
                })
                .collect(),
        };
        let mut ignore = |_: WorkerEvent| {};
        self.send(&request, None, &mut ignore)?;
        for (_, bufs) in values {
            for b in bufs {
                if let BufferRef::Bytes(b) = b {
                    self.send_buffer(b)?;
                }
            }
        }
        loop {
            match self.next_message(None, &mut ignore)? {
                FromWorker::Restored { names, error, .. } => {
                    return Ok(match error {
                        Some(e) => Err(e),
                        None => Ok(names),
                    });
                }
                msg @ FromWorker::Stream { .. } => self.stray_message(msg),
                FromWorker::Output { .. } => {}
                other => return Err(self.unexpected("restored", &other)),
            }
        }
    }

    /// One buffer of `len` bytes, from as many binary frames as
    /// `frame::split_ranges` cuts it into.
    fn receive_buffer(&mut self, len: u64) -> Result<Vec<u8>, WorkerError> {
        let len = usize::try_from(len).map_err(|_| WorkerError::UnexpectedMessage {
            expected: "a buffer length that fits in memory",
            got: len.to_string(),
        })?;
        let mut ignore = |_: WorkerEvent| {};
        let mut data: Option<Vec<u8>> = None;
        for range in frame::split_ranges(len) {
            let part = self.next_binary(&mut ignore)?;
            if part.len() != range.len() {
                self.kill_and_reap();
                return Err(WorkerError::UnexpectedMessage {
                    expected: "a binary frame of the announced length",
                    got: format!("{} bytes where {} were due", part.len(), range.len()),
                });
            }
            match data.as_mut() {
                // The common case, one frame: keep its bytes, no copy.
                None => data = Some(part),
                Some(d) => d.extend_from_slice(&part),
            }
        }
        Ok(data.unwrap_or_default())
    }

    fn next_binary(
        &mut self,
        on_event: &mut dyn FnMut(WorkerEvent),
    ) -> Result<Vec<u8>, WorkerError> {
        loop {
            match self.next_incoming() {
                Incoming::Binary(data) => return Ok(data),
                Incoming::StderrLine(text) => on_event(super::stderr_event(None, text)),
                Incoming::Message(msg @ FromWorker::Stream { .. }) => self.stray_message(msg),
                Incoming::Message(other) => {
                    self.kill_and_reap();
                    return Err(WorkerError::UnexpectedMessage {
                        expected: "a binary frame",
                        got: super::message_type(&other).into(),
                    });
                }
                Incoming::Bad(err) => {
                    self.kill_and_reap();
                    return Err(err);
                }
                Incoming::Eof => return Err(self.death(None, on_event)),
            }
        }
    }

    /// Write one buffer as binary frames: each header, then the bytes as
    /// they are (no copy into a frame).
    fn send_buffer(&mut self, data: &[u8]) -> Result<(), WorkerError> {
        for range in frame::split_ranges(data.len()) {
            let part = &data[range];
            let header = frame::encode_header(FrameKind::Binary, self.send_seq, part)
                .map_err(|e| WorkerError::Io(io::Error::new(io::ErrorKind::InvalidInput, e)))?;
            let written = match self.stdin.as_mut() {
                Some(stdin) => stdin
                    .write_all(&header)
                    .and_then(|_| stdin.write_all(part))
                    .and_then(|_| stdin.flush()),
                None => Err(io::ErrorKind::BrokenPipe.into()),
            };
            if written.is_err() {
                let mut ignore = |_: WorkerEvent| {};
                return Err(self.death(None, &mut ignore));
            }
            self.send_seq = self.send_seq.wrapping_add(1);
        }
        Ok(())
    }
}
