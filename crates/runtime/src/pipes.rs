//! The two threads that read from a worker: its protocol pipe (stdout) and
//! its stderr (fd 2, where fd 1 also lands inside the worker).
//!
//! Both feed one bounded channel. The bound is the back-pressure that keeps
//! memory flat: when the runtime does not keep up, the reader blocks, the
//! pipe fills, and the worker's writes wait, so a cell printing 100 MB is
//! never held in memory at once.

use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc::SyncSender;
use std::thread;

use crate::error::WorkerError;
use crate::frame::{FrameDecoder, FrameKind};
use crate::message::FromWorker;

/// Bytes read from the protocol pipe per `read` call.
const READ_CHUNK: usize = 1024 * 1024;
/// Longest stderr "line" forwarded in one event; longer lines are split.
const MAX_LINE: usize = 64 * 1024;
/// Messages in flight between the reader threads and the runtime.
pub(crate) const CHANNEL_BOUND: usize = 64;

/// What the reader threads hand to the `Worker`.
#[derive(Debug)]
pub(crate) enum Incoming {
    Message(FromWorker),
    /// A binary frame's payload (a buffer announced by `captured`).
    Binary(Vec<u8>),
    /// Bytes from the worker's fd 2, split at newlines (lossy UTF-8).
    StderrLine(String),
    /// A frame or message check failed; the protocol reader has stopped.
    Bad(WorkerError),
    /// The protocol pipe closed cleanly between frames.
    Eof,
}

pub(crate) fn spawn_protocol_reader<R: Read + Send + 'static>(
    mut pipe: R,
    tx: SyncSender<Incoming>,
) -> std::io::Result<thread::JoinHandle<()>> {
    thread::Builder::new()
        .name("weir-worker-protocol".into())
        .spawn(move || {
            let mut decoder = FrameDecoder::new();
            let mut buf = vec![0u8; READ_CHUNK];
            loop {
                let n = match pipe.read(&mut buf) {
                    Ok(0) => {
                        let last = match decoder.finish() {
                            Ok(()) => Incoming::Eof,
                            Err(e) => Incoming::Bad(e.into()),
                        };
                        let _ = tx.send(last);
                        return;
                    }
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        let _ = tx.send(Incoming::Bad(e.into()));
                        return;
                    }
                };
                decoder.push(&buf[..n]);
                loop {
                    let item = match decoder.next_frame() {
                        Ok(None) => break,
                        Ok(Some(frame)) if frame.kind == FrameKind::Binary => {
                            Incoming::Binary(frame.payload)
                        }
                        Ok(Some(frame)) => match FromWorker::decode(&frame.payload) {
                            Ok(msg) => Incoming::Message(msg),
                            Err(error) => Incoming::Bad(WorkerError::Message {
                                index: u64::from(frame.seq),
                                seq: frame.seq,
                                error,
                            }),
                        },
                        Err(e) => Incoming::Bad(e.into()),
                    };
                    let stop = matches!(item, Incoming::Bad(_));
                    if tx.send(item).is_err() || stop {
                        return; // the Worker is gone, or the stream is unusable
                    }
                }
            }
        })
}

pub(crate) fn spawn_stderr_reader<R: Read + Send + 'static>(
    pipe: R,
    tx: SyncSender<Incoming>,
) -> std::io::Result<thread::JoinHandle<()>> {
    thread::Builder::new()
        .name("weir-worker-stderr".into())
        .spawn(move || {
            let mut reader = BufReader::with_capacity(MAX_LINE, pipe);
            let mut line: Vec<u8> = Vec::new();
            let send = |line: &mut Vec<u8>| {
                let text = String::from_utf8_lossy(line).into_owned();
                line.clear();
                tx.send(Incoming::StderrLine(text)).is_ok()
            };
            loop {
                let buf = match reader.fill_buf() {
                    Ok(b) => b,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                };
                if buf.is_empty() {
                    break;
                }
                let room = MAX_LINE - line.len();
                let take = match buf.iter().take(room).position(|&b| b == b'\n') {
                    Some(i) => i + 1,
                    None => buf.len().min(room),
                };
                line.extend_from_slice(&buf[..take]);
                reader.consume(take);
                if (line.ends_with(b"\n") || line.len() >= MAX_LINE) && !send(&mut line) {
                    return;
                }
            }
            if !line.is_empty() {
                send(&mut line);
            }
        })
}
