//! The frame layer of the worker protocol: pure encoding and decoding, no I/O.
//!
//! A frame is a fixed 24-byte little-endian header and a payload
//! (docs/protocol.md has the byte table):
//!
//! | bytes  | field                                         |
//! |--------|-----------------------------------------------|
//! | 0..4   | magic `b"WEIR"`                               |
//! | 4      | protocol version ([`PROTOCOL_VERSION`], 4)    |
//! | 5      | kind (1 = JSON message, 2 = binary buffer)    |
//! | 6..8   | flags (0)                                     |
//! | 8..12  | sequence number, per direction, from 0        |
//! | 12..16 | payload length (at most [`MAX_PAYLOAD`])      |
//! | 16..20 | CRC-32 (IEEE) of the payload                  |
//! | 20..24 | CRC-32 (IEEE) of header bytes 0..20           |
//!
//! The header has its own checksum so that a corrupted length is caught
//! before the decoder waits for (or allocates) a payload that never comes.
//! CRC-32 detects every single-bit error, so a flipped bit anywhere in a
//! frame is always an error, never a different valid frame.

use thiserror::Error;

/// The four bytes every frame starts with.
pub const MAGIC: [u8; 4] = *b"WEIR";
/// The protocol version this crate speaks.
pub const PROTOCOL_VERSION: u8 = 4;
/// Header length in bytes.
pub const HEADER_LEN: usize = 24;
/// Largest payload a frame may carry (256 MiB).
pub const MAX_PAYLOAD: u32 = 256 * 1024 * 1024;

/// What a frame's payload is; other values are reserved and refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    /// A UTF-8 JSON object with a `"type"` field.
    Json = 1,
    /// Raw bytes: (part of) a buffer that the JSON message just before
    /// announced (`captured` / `restore`, docs/protocol.md).
    Binary = 2,
}

impl FrameKind {
    fn from_byte(b: u8) -> Option<FrameKind> {
        match b {
            1 => Some(FrameKind::Json),
            2 => Some(FrameKind::Binary),
            _ => None,
        }
    }
}

/// One decoded, fully checked frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub kind: FrameKind,
    pub seq: u32,
    pub payload: Vec<u8>,
}

/// Which check a frame failed, with what was expected and what was found.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameCheck {
    #[error("magic: expected {expected:?}, found {actual:?}")]
    Magic { expected: [u8; 4], actual: [u8; 4] },
    #[error("header CRC-32: header says {expected:#010x}, computed {actual:#010x}")]
    HeaderCrc { expected: u32, actual: u32 },
    #[error("protocol version: expected {expected}, found {actual}")]
    Version { expected: u8, actual: u8 },
    #[error("frame kind: expected 1 (JSON) or 2 (binary), found {actual}")]
    Kind { actual: u8 },
    #[error("flags: expected 0, found {actual:#06x}")]
    Flags { actual: u16 },
    #[error("sequence number: expected {expected}, found {actual}")]
    Sequence { expected: u32, actual: u32 },
    #[error("payload length: at most {max}, found {actual}")]
    Length { max: u32, actual: u32 },
    #[error("payload CRC-32: header says {expected:#010x}, computed {actual:#010x}")]
    PayloadCrc { expected: u32, actual: u32 },
    #[error("stream ended inside a frame: {have} of {need} bytes")]
    Truncated { have: usize, need: usize },
}

/// A frame that failed a check. `index` is the frame's position in the
/// stream (0-based), which is also the sequence number it should have;
/// `seq` and `kind` are the header's fields once the header checksum
/// vouches for them.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("bad frame #{index} (seq field {seq:?}, kind {kind:?}): {check}")]
pub struct FrameError {
    pub index: u64,
    pub seq: Option<u32>,
    pub kind: Option<u8>,
    pub check: FrameCheck,
}

/// Encoding refused: the payload is over [`MAX_PAYLOAD`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("payload of {len} bytes exceeds the {MAX_PAYLOAD}-byte frame maximum")]
pub struct PayloadTooLarge {
    pub len: usize,
}

/// Encode one frame.
pub fn encode(kind: FrameKind, seq: u32, payload: &[u8]) -> Result<Vec<u8>, PayloadTooLarge> {
    let header = encode_header(kind, seq, payload)?;
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&header);
    out.extend_from_slice(payload);
    Ok(out)
}

/// Just the header of the frame carrying `payload`: large binary payloads
/// are written after it as they are, without copying them into a frame.
pub fn encode_header(
    kind: FrameKind,
    seq: u32,
    payload: &[u8],
) -> Result<[u8; HEADER_LEN], PayloadTooLarge> {
    let len = u32::try_from(payload.len())
        .ok()
        .filter(|&n| n <= MAX_PAYLOAD)
        .ok_or(PayloadTooLarge { len: payload.len() })?;
    let mut out = [0u8; HEADER_LEN];
    out[..4].copy_from_slice(&MAGIC);
    out[4] = PROTOCOL_VERSION;
    out[5] = kind as u8;
    out[8..12].copy_from_slice(&seq.to_le_bytes());
    out[12..16].copy_from_slice(&len.to_le_bytes());
    out[16..20].copy_from_slice(&crc32fast::hash(payload).to_le_bytes());
    let header_crc = crc32fast::hash(&out[..20]);
    out[20..24].copy_from_slice(&header_crc.to_le_bytes());
    Ok(out)
}

/// How a buffer of `len` bytes is cut into frame payloads: at least one
/// frame (an empty buffer is one empty frame), none over [`MAX_PAYLOAD`].
pub fn split_ranges(len: usize) -> Vec<std::ops::Range<usize>> {
    let max = MAX_PAYLOAD as usize;
    if len == 0 {
        #[allow(clippy::single_range_in_vec_init)] // one empty range: one empty frame
        return vec![0..0];
    }
    (0..len)
        .step_by(max)
        .map(|start| start..(start + max).min(len))
        .collect()
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// A checked header, before its payload has arrived.
#[derive(Debug, Clone, Copy)]
struct Header {
    kind: FrameKind,
    seq: u32,
    len: usize,
    payload_crc: u32,
}

/// Incremental decoder for one direction of the stream.
///
/// Feed bytes with [`push`](Self::push), take frames with
/// [`next_frame`](Self::next_frame). The first error poisons the decoder:
/// after a bad frame the stream's framing cannot be trusted, so every later
/// call returns the same error.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    /// Bytes of `buf` already consumed by returned frames.
    start: usize,
    next_index: u64,
    header: Option<Header>,
    failed: Option<FrameError>,
}

impl FrameDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Append bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.failed.is_some() {
            return;
        }
        // Drop consumed bytes before growing, so the buffer holds at most
        // one frame plus one read's worth of bytes.
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes pushed but not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The sequence number the next frame must carry.
    pub fn expected_seq(&self) -> u32 {
        self.next_index as u32
    }

    /// The next complete frame, `Ok(None)` if more bytes are needed.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        match self.try_next() {
            Err(err) => {
                self.failed = Some(err.clone());
                Err(err)
            }
            ok => ok,
        }
    }

    /// Call at end of stream: an error if it ended inside a frame.
    pub fn finish(&mut self) -> Result<(), FrameError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let have = self.buffered();
        if have == 0 {
            return Ok(());
        }
        let need = match self.header {
            Some(h) => HEADER_LEN + h.len,
            None => HEADER_LEN,
        };
        let err = self.error(None, None, FrameCheck::Truncated { have, need });
        self.failed = Some(err.clone());
        Err(err)
    }

    fn error(&self, seq: Option<u32>, kind: Option<u8>, check: FrameCheck) -> FrameError {
        FrameError {
            index: self.next_index,
            seq,
            kind,
            check,
        }
    }

    fn try_next(&mut self) -> Result<Option<Frame>, FrameError> {
        let avail = &self.buf[self.start..];
        let header = match self.header {
            Some(h) => h,
            None => {
                // Check the magic as soon as its bytes are here, so garbage
                // is reported without waiting for a whole header.
                let m = avail.len().min(4);
                if avail[..m] != MAGIC[..m] {
                    let mut actual = [0u8; 4];
                    actual[..m].copy_from_slice(&avail[..m]);
                    if m < 4 {
                        // Unknown bytes shown as the missing magic's bytes.
                        actual[m..].copy_from_slice(&MAGIC[m..]);
                    }
                    return Err(self.error(
                        None,
                        None,
                        FrameCheck::Magic {
                            expected: MAGIC,
                            actual,
                        },
                    ));
                }
                if avail.len() < HEADER_LEN {
                    return Ok(None);
                }
                let h = self.check_header(&avail[..HEADER_LEN])?;
                self.header = Some(h);
                h
            }
        };
        let avail = &self.buf[self.start..];
        if avail.len() < HEADER_LEN + header.len {
            return Ok(None);
        }
        let payload = &avail[HEADER_LEN..HEADER_LEN + header.len];
        let actual = crc32fast::hash(payload);
        if actual != header.payload_crc {
            return Err(self.error(
                Some(header.seq),
                Some(header.kind as u8),
                FrameCheck::PayloadCrc {
                    expected: header.payload_crc,
                    actual,
                },
            ));
        }
        let frame = Frame {
            kind: header.kind,
            seq: header.seq,
            payload: payload.to_vec(),
        };
        self.start += HEADER_LEN + header.len;
        self.header = None;
        self.next_index += 1;
        Ok(Some(frame))
    }

    fn check_header(&self, h: &[u8]) -> Result<Header, FrameError> {
        let stated = u32_at(h, 20);
        let actual = crc32fast::hash(&h[..20]);
        if stated != actual {
            return Err(self.error(
                None,
                None,
                FrameCheck::HeaderCrc {
                    expected: stated,
                    actual,
                },
            ));
        }
        let (version, kind, flags) = (h[4], h[5], u16_at(h, 6));
        let (seq, len) = (u32_at(h, 8), u32_at(h, 12));
        let fail = |check| Err(self.error(Some(seq), Some(kind), check));
        if version != PROTOCOL_VERSION {
            return fail(FrameCheck::Version {
                expected: PROTOCOL_VERSION,
                actual: version,
            });
        }
        let Some(frame_kind) = FrameKind::from_byte(kind) else {
            return fail(FrameCheck::Kind { actual: kind });
        };
        if flags != 0 {
            return fail(FrameCheck::Flags { actual: flags });
        }
        if seq != self.expected_seq() {
            return fail(FrameCheck::Sequence {
                expected: self.expected_seq(),
                actual: seq,
            });
        }
        if len > MAX_PAYLOAD {
            return fail(FrameCheck::Length {
                max: MAX_PAYLOAD,
                actual: len,
            });
        }
        Ok(Header {
            kind: frame_kind,
            seq,
            len: len as usize,
            payload_crc: u32_at(h, 16),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8]) -> Result<Vec<Frame>, FrameError> {
        let mut d = FrameDecoder::new();
        d.push(bytes);
        let mut out = Vec::new();
        while let Some(f) = d.next_frame()? {
            out.push(f);
        }
        d.finish()?;
        Ok(out)
    }

    #[test]
    fn round_trip_two_frames() {
        let mut bytes = encode(FrameKind::Json, 0, b"{\"type\":\"a\"}").unwrap();
        bytes.extend(encode(FrameKind::Json, 1, b"").unwrap());
        let frames = decode_all(&bytes).unwrap();
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].payload, b"{\"type\":\"a\"}");
        assert_eq!(frames[1].seq, 1);
    }

    #[test]
    fn byte_at_a_time() {
        let bytes = encode(FrameKind::Json, 0, b"hello").unwrap();
        let mut d = FrameDecoder::new();
        for (i, b) in bytes.iter().enumerate() {
            d.push(&[*b]);
            let got = d.next_frame().unwrap();
            assert_eq!(got.is_some(), i == bytes.len() - 1);
        }
        assert_eq!(d.buffered(), 0);
    }

    #[test]
    fn wrong_sequence_is_named() {
        let bytes = encode(FrameKind::Json, 5, b"{}").unwrap();
        let err = decode_all(&bytes).unwrap_err();
        assert_eq!(
            err.check,
            FrameCheck::Sequence {
                expected: 0,
                actual: 5
            }
        );
        assert_eq!(err.seq, Some(5));
    }

    #[test]
    fn duplicated_frame_is_caught() {
        let one = encode(FrameKind::Json, 0, b"{}").unwrap();
        let mut bytes = one.clone();
        bytes.extend(one);
        let err = decode_all(&bytes).unwrap_err();
        assert_eq!(err.index, 1);
        assert!(matches!(err.check, FrameCheck::Sequence { .. }));
    }

    #[test]
    fn payload_crc_mismatch() {
        let mut bytes = encode(FrameKind::Json, 0, b"{\"x\":1}").unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x01;
        let err = decode_all(&bytes).unwrap_err();
        assert!(matches!(err.check, FrameCheck::PayloadCrc { .. }), "{err}");
        assert!(err.to_string().contains("bad frame #0"), "{err}");
    }

    #[test]
    fn oversized_length_with_valid_header_crc() {
        let mut h = Vec::new();
        h.extend_from_slice(&MAGIC);
        h.extend_from_slice(&[PROTOCOL_VERSION, 1, 0, 0]);
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(&(MAX_PAYLOAD + 1).to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes());
        let crc = crc32fast::hash(&h);
        h.extend_from_slice(&crc.to_le_bytes());
        let err = decode_all(&h).unwrap_err();
        assert!(matches!(err.check, FrameCheck::Length { .. }), "{err}");
    }

    #[test]
    fn truncated_stream() {
        let bytes = encode(FrameKind::Json, 0, b"{\"x\":1}").unwrap();
        let err = decode_all(&bytes[..bytes.len() - 2]).unwrap_err();
        assert!(matches!(err.check, FrameCheck::Truncated { .. }), "{err}");
    }

    #[test]
    fn binary_frames_round_trip_and_unknown_kinds_are_refused() {
        let mut bytes = encode(FrameKind::Json, 0, b"{}").unwrap();
        bytes.extend(encode(FrameKind::Binary, 1, &[0, 255, 7]).unwrap());
        let frames = decode_all(&bytes).unwrap();
        assert_eq!(frames[1].kind, FrameKind::Binary);
        assert_eq!(frames[1].payload, vec![0, 255, 7]);
        let mut bad = encode(FrameKind::Binary, 0, b"x").unwrap();
        bad[5] = 3;
        let crc = crc32fast::hash(&bad[..20]);
        bad[20..24].copy_from_slice(&crc.to_le_bytes());
        let err = decode_all(&bad).unwrap_err();
        assert_eq!(err.check, FrameCheck::Kind { actual: 3 });
    }

    #[test]
    fn buffers_split_at_the_frame_maximum() {
        let max = MAX_PAYLOAD as usize;
        assert_eq!(split_ranges(0), vec![0..0]);
        assert_eq!(split_ranges(5), vec![0..5]);
        assert_eq!(split_ranges(max), vec![0..max]);
        assert_eq!(split_ranges(max + 1), vec![0..max, max..max + 1]);
    }

    #[test]
    fn errors_poison_the_decoder() {
        let mut d = FrameDecoder::new();
        d.push(b"nope");
        let first = d.next_frame().unwrap_err();
        d.push(&encode(FrameKind::Json, 0, b"{}").unwrap());
        assert_eq!(d.next_frame().unwrap_err(), first);
    }
}
