//! The on-disk format, byte by byte. Pure: bytes in, typed values or a
//! [`DecodeError`] out; no I/O, no panics on any input.
//!
//! Every structure starts with (or is) a fixed 64-byte block whose last 8
//! bytes are a checksum of the first 56, so a reader can tell "this is not a
//! Weir structure" (magic), "this was written by a newer Weir" (version) and
//! "this header is damaged" (checksum) apart before trusting any length in
//! it. All integers are little-endian. Reserved bytes must be zero: a decoder
//! accepts exactly the bytes an encoder produces (`encode(decode(b)) == b`),
//! which the property tests check.

use std::fmt;

pub use crate::key::StoreKey;

/// The store's format version: what the marker, the journal header and
/// record headers carry, and the newest this code reads. 2: records end
/// with a MAC under the user's store key; the marker carries the
/// journal's generation high-water mark; journal `floor` entries.
pub const FORMAT_VERSION: u16 = 2;
/// Object files did not change in version 2 (content-addressed, no MAC
/// needed: an authenticated record names them by hash), so they still
/// carry version 1 and every object written by either version is valid.
pub const OBJECT_VERSION: u16 = 1;

/// Size of every header block, journal header and journal entry.
pub const BLOCK_LEN: usize = 64;
/// Bytes of a block covered by its checksum (the checksum is the last 8).
const CHECKED_LEN: usize = 56;

/// Magic of an object file (`objects/<hex id>`).
pub const OBJECT_MAGIC: [u8; 8] = *b"WEIR-OBJ";
/// Magic of a record file (`records/<hex key>`).
pub const RECORD_MAGIC: [u8; 8] = *b"WEIR-REC";
/// Magic of the store marker (`WEIR-STORE`).
pub const MARKER_MAGIC: [u8; 8] = *b"WEIR-STO";
/// Magic of the journal header (`journal`).
pub const JOURNAL_MAGIC: [u8; 8] = *b"WEIR-JNL";

/// Header layout, shared by object and record files.
mod hdr {
    pub const MAGIC: std::ops::Range<usize> = 0..8;
    pub const VERSION: std::ops::Range<usize> = 8..10;
    /// Reserved (kind), zero.
    pub const RESERVED: std::ops::Range<usize> = 10..16;
    pub const LEN: std::ops::Range<usize> = 16..24;
    pub const HASH: std::ops::Range<usize> = 24..56;
    pub const CHECKSUM: std::ops::Range<usize> = 56..64;
}

/// Identity block layout (marker and journal header).
mod ident {
    pub const MAGIC: std::ops::Range<usize> = 0..8;
    pub const VERSION: std::ops::Range<usize> = 8..10;
    pub const RESERVED_A: std::ops::Range<usize> = 10..16;
    pub const STORE_ID: std::ops::Range<usize> = 16..32;
    /// Marker: the highest generation the journal has reserved (0 in the
    /// journal header itself).
    pub const HIGH_WATER: std::ops::Range<usize> = 32..40;
    pub const RESERVED_B: std::ops::Range<usize> = 40..56;
}

/// Journal entry layout.
mod entry {
    pub const KIND: usize = 0;
    pub const RESERVED: std::ops::Range<usize> = 1..8;
    pub const GENERATION: std::ops::Range<usize> = 8..16;
    pub const KEY: std::ops::Range<usize> = 16..48;
    pub const BODY_HASH: std::ops::Range<usize> = 48..56;
}

/// Generations (in records, journal entries and the marker) above this are
/// malformed: nothing legitimate gets near it, and arithmetic on one that
/// passed a (non-secret) checksum can then never overflow.
pub const MAX_GENERATION: u64 = 1 << 62;

/// Record body limits: a record is "small"; these bound what a damaged
/// length field can make a reader allocate.
pub const MAX_RECORD_OBJECTS: usize = 1 << 16;
pub const MAX_RECORD_META: usize = 1 << 24;
/// Record body: key (32) + generation (8) + object count (4) + meta
/// length (4) + MAC (32).
const RECORD_FIXED: usize = 32 + 8 + 4 + 4 + MAC_LEN;
/// The record MAC at the end of a record body (format version 2).
pub const MAC_LEN: usize = 32;
/// The longest record body a header may declare: anything longer is
/// refused before it is read.
pub const MAX_RECORD_BODY: u64 = (RECORD_FIXED + 32 * MAX_RECORD_OBJECTS + MAX_RECORD_META) as u64;

/// The 32-byte BLAKE3 hash of an object's content: its name.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId(pub [u8; 32]);

/// The key of an index record (e.g. a cell's lineage key).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordKey(pub [u8; 32]);

macro_rules! hex_id {
    ($t:ty) => {
        impl $t {
            /// Lower-case hex, the file name on disk.
            pub fn to_hex(&self) -> String {
                to_hex(&self.0)
            }
            /// Parses exactly 64 lower-case hex digits.
            pub fn from_hex(s: &str) -> Option<Self> {
                from_hex32(s).map(Self)
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($t), &self.to_hex()[..16])
            }
        }
    };
}
hex_id!(ObjectId);
hex_id!(RecordKey);

impl ObjectId {
    /// The id of `content`.
    pub fn of(content: &[u8]) -> ObjectId {
        ObjectId(*blake3::hash(content).as_bytes())
    }
}

pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

fn from_hex32(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let nib = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = (nib(b[2 * i])? << 4) | nib(b[2 * i + 1])?;
    }
    Some(out)
}

/// Why bytes did not decode. Mapped to `StoreError::Corrupt` by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Shorter than the fixed block, or a length field disagrees with the
    /// file (torn write, truncation).
    Truncated {
        expected: u64,
        actual: u64,
    },
    BadMagic,
    /// The 56 checked bytes do not match their checksum.
    BadChecksum {
        expected: u64,
        actual: u64,
    },
    /// A checksummed header from a newer Weir: not damage, a version skew.
    NewerVersion(u16),
    /// Version 0 or reserved bytes set: not something we wrote.
    Malformed(&'static str),
    /// Payload/body hash differs from the one in the header (or the name).
    HashMismatch {
        expected: [u8; 32],
        actual: [u8; 32],
    },
    /// An intact record whose MAC is not the one this user's store key
    /// gives: written under another key, or forged.
    BadMac {
        expected: [u8; 32],
        actual: [u8; 32],
    },
    /// An intact record of an older format version, which carries no MAC:
    /// nothing says who wrote it, so it is never loaded.
    Unauthenticated(u16),
    /// Not a regular file (a FIFO, a symbolic link, a device, a
    /// directory): refused from its type, never read.
    NotRegular(&'static str),
    /// Longer than anything this structure can legitimately be: refused
    /// from its length, never read.
    TooLong {
        limit: u64,
        actual: u64,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated { expected, actual } => {
                write!(
                    f,
                    "length {actual}, header says {expected} (torn or truncated)"
                )
            }
            DecodeError::BadMagic => f.write_str("bad magic"),
            DecodeError::BadChecksum { expected, actual } => {
                write!(f, "header checksum {actual:016x}, expected {expected:016x}")
            }
            DecodeError::NewerVersion(v) => {
                write!(f, "format version {v} is newer than {FORMAT_VERSION}")
            }
            DecodeError::Malformed(what) => write!(f, "malformed: {what}"),
            DecodeError::HashMismatch { expected, actual } => {
                write!(
                    f,
                    "content hash {}, expected {}",
                    to_hex(actual),
                    to_hex(expected)
                )
            }
            DecodeError::BadMac { .. } => f.write_str(
                "not authenticated: its MAC does not match this user's store key \
                 (written with another key, or forged); never loaded",
            ),
            DecodeError::Unauthenticated(v) => write!(
                f,
                "not authenticated: format version {v} records carry no MAC \
                 (written before Weir authenticated entries); never loaded"
            ),
            DecodeError::NotRegular(what) => {
                write!(f, "not a regular file ({what}); refused unread")
            }
            DecodeError::TooLong { limit, actual } => {
                write!(
                    f,
                    "length {actual} exceeds the limit {limit}; refused unread"
                )
            }
        }
    }
}

/// Checksum of a block's first 56 bytes: BLAKE3 in key-derivation mode
/// (a context distinct from content hashing), truncated to 64 bits. Stronger
/// than CRC32C against multi-byte garbage and needs no second dependency.
pub fn block_checksum(bytes: &[u8]) -> u64 {
    let mut h = blake3::Hasher::new_derive_key("weir-store v1 block checksum");
    h.update(bytes);
    u64_at(h.finalize().as_bytes(), 0)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

fn seal(block: &mut [u8; BLOCK_LEN]) {
    let c = block_checksum(&block[..CHECKED_LEN]);
    block[hdr::CHECKSUM].copy_from_slice(&c.to_le_bytes());
}

/// Checks length, checksum, magic, version — in that order, so a torn or
/// garbled block is "damaged" and only an intact block can claim to be
/// "newer".
fn open_block<'a>(
    bytes: &'a [u8],
    magic: &[u8; 8],
    newest: u16,
) -> Result<(&'a [u8; BLOCK_LEN], u16), DecodeError> {
    let Some(block) = bytes.first_chunk::<BLOCK_LEN>() else {
        return Err(DecodeError::Truncated {
            expected: BLOCK_LEN as u64,
            actual: bytes.len() as u64,
        });
    };
    if &block[hdr::MAGIC] != magic {
        return Err(DecodeError::BadMagic);
    }
    let expected = u64_at(block, hdr::CHECKSUM.start);
    let actual = block_checksum(&block[..CHECKED_LEN]);
    if expected != actual {
        return Err(DecodeError::BadChecksum { expected, actual });
    }
    let version = u16::from_le_bytes([block[8], block[9]]);
    if version == 0 {
        return Err(DecodeError::Malformed("version 0"));
    }
    if version > newest {
        return Err(DecodeError::NewerVersion(version));
    }
    Ok((block, version))
}

/// The newest version a structure with this magic may carry.
fn newest(magic: &[u8; 8]) -> u16 {
    if magic == &OBJECT_MAGIC {
        OBJECT_VERSION
    } else {
        FORMAT_VERSION
    }
}

/// The decoded header of an object or record file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub version: u16,
    pub len: u64,
    pub hash: [u8; 32],
}

pub fn encode_header(magic: &[u8; 8], len: u64, hash: &[u8; 32]) -> [u8; BLOCK_LEN] {
    let mut b = [0u8; BLOCK_LEN];
    b[hdr::MAGIC].copy_from_slice(magic);
    b[hdr::VERSION].copy_from_slice(&newest(magic).to_le_bytes());
    b[hdr::LEN].copy_from_slice(&len.to_le_bytes());
    b[hdr::HASH].copy_from_slice(hash);
    seal(&mut b);
    b
}

pub fn decode_header(bytes: &[u8], magic: &[u8; 8]) -> Result<Header, DecodeError> {
    let (b, version) = open_block(bytes, magic, newest(magic))?;
    if b[hdr::RESERVED].iter().any(|&x| x != 0) {
        return Err(DecodeError::Malformed("reserved header bytes set"));
    }
    let mut hash = [0u8; 32];
    hash.copy_from_slice(&b[hdr::HASH]);
    Ok(Header {
        version,
        len: u64_at(b, hdr::LEN.start),
        hash,
    })
}

/// Verifies an object file, given its first 64 bytes (`head`), the length
/// of the rest and the BLAKE3 of the rest (computed while it was read),
/// against its name.
pub fn verify_object(
    head: &[u8],
    payload_len: u64,
    payload_hash: &[u8; 32],
    id: &ObjectId,
) -> Result<(), DecodeError> {
    let h = decode_header(head, &OBJECT_MAGIC)?;
    if h.len != payload_len {
        return Err(DecodeError::Truncated {
            expected: h.len,
            actual: payload_len,
        });
    }
    // Header hash vs name catches a well-formed file under the wrong name
    // (misdirected write); payload vs header catches payload damage.
    if h.hash != id.0 {
        return Err(DecodeError::HashMismatch {
            expected: id.0,
            actual: h.hash,
        });
    }
    if payload_hash != &id.0 {
        return Err(DecodeError::HashMismatch {
            expected: id.0,
            actual: *payload_hash,
        });
    }
    Ok(())
}

/// An index record: what a key (a cell's lineage) stored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record {
    /// Objects the record refers to; all must be present for it to be served.
    pub objects: Vec<ObjectId>,
    /// Caller metadata (timestamps, sizes, ...), opaque to the store.
    pub meta: Vec<u8>,
}

/// A record as stored: with its key and generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub key: RecordKey,
    pub generation: u64,
    pub record: Record,
}

/// Encodes a record file, its body ending with the MAC under `key`;
/// returns (file bytes, BLAKE3 of the body).
pub fn encode_record(r: &StoredRecord, key: &StoreKey) -> (Vec<u8>, [u8; 32]) {
    assert!(
        r.record.objects.len() <= MAX_RECORD_OBJECTS,
        "record has too many objects"
    );
    assert!(
        r.record.meta.len() <= MAX_RECORD_META,
        "record metadata too large"
    );
    let body_len = RECORD_FIXED + 32 * r.record.objects.len() + r.record.meta.len();
    let mut body = Vec::with_capacity(BLOCK_LEN + body_len);
    body.extend_from_slice(&[0u8; BLOCK_LEN]);
    body.extend_from_slice(&r.key.0);
    body.extend_from_slice(&r.generation.to_le_bytes());
    body.extend_from_slice(&(r.record.objects.len() as u32).to_le_bytes());
    for o in &r.record.objects {
        body.extend_from_slice(&o.0);
    }
    body.extend_from_slice(&(r.record.meta.len() as u32).to_le_bytes());
    body.extend_from_slice(&r.record.meta);
    let mac = key.record_mac(&body[BLOCK_LEN..]);
    body.extend_from_slice(&mac);
    debug_assert_eq!(body.len(), BLOCK_LEN + body_len);
    let hash = *blake3::hash(&body[BLOCK_LEN..]).as_bytes();
    let header = encode_header(&RECORD_MAGIC, body_len as u64, &hash);
    body[..BLOCK_LEN].copy_from_slice(&header);
    (body, hash)
}

/// Decodes, verifies and authenticates a record file. The key inside must
/// match `key` (the file name): a record written under another name is a
/// misdirected write. Integrity first (header, length, BLAKE3: accidental
/// damage is reported as such), then authenticity (the MAC under
/// `store_key`), then the body is parsed.
pub fn decode_record(
    file: &[u8],
    key: &RecordKey,
    store_key: &StoreKey,
) -> Result<(StoredRecord, [u8; 32]), DecodeError> {
    let h = decode_header(file, &RECORD_MAGIC)?;
    let body = &file[BLOCK_LEN..];
    if h.len != body.len() as u64 {
        return Err(DecodeError::Truncated {
            expected: h.len,
            actual: body.len() as u64,
        });
    }
    let actual = *blake3::hash(body).as_bytes();
    if actual != h.hash {
        return Err(DecodeError::HashMismatch {
            expected: h.hash,
            actual,
        });
    }
    if h.version < FORMAT_VERSION {
        return Err(DecodeError::Unauthenticated(h.version));
    }
    // From here the body is exactly what some encoder wrote (modulo a BLAKE3
    // collision), but parse defensively anyway: no panics on any bytes.
    if body.len() < RECORD_FIXED {
        return Err(DecodeError::Malformed("record body too short"));
    }
    let (signed, mac) = body.split_at(body.len() - MAC_LEN);
    let mut actual = [0u8; 32];
    actual.copy_from_slice(mac);
    let expected = store_key.record_mac(signed);
    // blake3::Hash compares in constant time.
    if blake3::Hash::from_bytes(expected) != blake3::Hash::from_bytes(actual) {
        return Err(DecodeError::BadMac { expected, actual });
    }
    let mut k = [0u8; 32];
    k.copy_from_slice(&body[..32]);
    if k != key.0 {
        return Err(DecodeError::HashMismatch {
            expected: key.0,
            actual: k,
        });
    }
    let generation = u64_at(body, 32);
    if generation > MAX_GENERATION {
        return Err(DecodeError::Malformed("record generation out of range"));
    }
    let n = u32_at(body, 40) as usize;
    if n > MAX_RECORD_OBJECTS || body.len() < RECORD_FIXED + 32 * n {
        return Err(DecodeError::Malformed("record object count"));
    }
    let mut objects = Vec::with_capacity(n);
    for i in 0..n {
        let mut o = [0u8; 32];
        o.copy_from_slice(&body[44 + 32 * i..44 + 32 * (i + 1)]);
        objects.push(ObjectId(o));
    }
    let at = 44 + 32 * n;
    let meta_len = u32_at(body, at) as usize;
    if meta_len > MAX_RECORD_META || body.len() != at + 4 + meta_len + MAC_LEN {
        return Err(DecodeError::Malformed("record metadata length"));
    }
    let meta = body[at + 4..at + 4 + meta_len].to_vec();
    Ok((
        StoredRecord {
            key: *key,
            generation,
            record: Record { objects, meta },
        },
        actual,
    ))
}

/// What an intact identity block says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ident {
    pub store_id: [u8; 16],
    pub version: u16,
    /// Marker: the highest generation the journal had reserved when the
    /// marker was written (0 in a journal header and in version 1).
    pub high_water: u64,
}

/// Marker and journal header: who this store is (and, in the marker, how
/// far the journal is known to reach).
pub fn encode_ident(magic: &[u8; 8], store_id: &[u8; 16], high_water: u64) -> [u8; BLOCK_LEN] {
    let mut b = [0u8; BLOCK_LEN];
    b[ident::MAGIC].copy_from_slice(magic);
    b[ident::VERSION].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    b[ident::STORE_ID].copy_from_slice(store_id);
    b[ident::HIGH_WATER].copy_from_slice(&high_water.to_le_bytes());
    seal(&mut b);
    b
}

/// Decodes an intact identity block (versions 1 and 2: same layout, the
/// high-water bytes were reserved, zero, in version 1).
pub fn decode_ident(bytes: &[u8], magic: &[u8; 8]) -> Result<Ident, DecodeError> {
    let (b, version) = open_block(bytes, magic, FORMAT_VERSION)?;
    if b[ident::RESERVED_A]
        .iter()
        .chain(&b[ident::RESERVED_B])
        .any(|&x| x != 0)
    {
        return Err(DecodeError::Malformed("reserved identity bytes set"));
    }
    let mut store_id = [0u8; 16];
    store_id.copy_from_slice(&b[ident::STORE_ID]);
    let high_water = u64_at(b, ident::HIGH_WATER.start);
    if high_water > MAX_GENERATION {
        return Err(DecodeError::Malformed("high-water mark out of range"));
    }
    Ok(Ident {
        store_id,
        version,
        high_water,
    })
}

/// One journal entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalEntry {
    /// Record `key` at `generation` (body hash prefix) is durable.
    Commit {
        key: RecordKey,
        generation: u64,
        body_hash: [u8; 8],
    },
    /// Record `key` was removed at `generation`.
    Delete { key: RecordKey, generation: u64 },
    /// Generations up to and including `upto` may be in use: the next open
    /// must never hand them out again, even if no journal entry names them.
    Reserve { upto: u64 },
    /// The journal was lost and rebuilt when generations up to `upto` may
    /// have been in use: a record at or below it is served only if a
    /// commit entry names its exact generation (none survived the loss).
    Floor { upto: u64 },
}

const KIND_COMMIT: u8 = 1;
const KIND_DELETE: u8 = 2;
const KIND_RESERVE: u8 = 3;
const KIND_FLOOR: u8 = 4;

pub fn encode_entry(e: &JournalEntry) -> [u8; BLOCK_LEN] {
    let mut b = [0u8; BLOCK_LEN];
    let (kind, generation, key, hash) = match *e {
        JournalEntry::Commit {
            key,
            generation,
            body_hash,
        } => (KIND_COMMIT, generation, key.0, body_hash),
        JournalEntry::Delete { key, generation } => (KIND_DELETE, generation, key.0, [0; 8]),
        JournalEntry::Reserve { upto } => (KIND_RESERVE, upto, [0; 32], [0; 8]),
        JournalEntry::Floor { upto } => (KIND_FLOOR, upto, [0; 32], [0; 8]),
    };
    b[entry::KIND] = kind;
    b[entry::GENERATION].copy_from_slice(&generation.to_le_bytes());
    b[entry::KEY].copy_from_slice(&key);
    b[entry::BODY_HASH].copy_from_slice(&hash);
    seal(&mut b);
    b
}

pub fn decode_entry(bytes: &[u8]) -> Result<JournalEntry, DecodeError> {
    let Some(b) = bytes.first_chunk::<BLOCK_LEN>() else {
        return Err(DecodeError::Truncated {
            expected: BLOCK_LEN as u64,
            actual: bytes.len() as u64,
        });
    };
    let expected = u64_at(b, hdr::CHECKSUM.start);
    let actual = block_checksum(&b[..CHECKED_LEN]);
    if expected != actual {
        return Err(DecodeError::BadChecksum { expected, actual });
    }
    if b[entry::RESERVED].iter().any(|&x| x != 0) {
        return Err(DecodeError::Malformed("reserved entry bytes set"));
    }
    let generation = u64_at(b, entry::GENERATION.start);
    if generation > MAX_GENERATION {
        return Err(DecodeError::Malformed("journal generation out of range"));
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(&b[entry::KEY]);
    let mut hash = [0u8; 8];
    hash.copy_from_slice(&b[entry::BODY_HASH]);
    let e = match b[entry::KIND] {
        KIND_COMMIT => JournalEntry::Commit {
            key: RecordKey(key),
            generation,
            body_hash: hash,
        },
        KIND_DELETE => JournalEntry::Delete {
            key: RecordKey(key),
            generation,
        },
        KIND_RESERVE => JournalEntry::Reserve { upto: generation },
        KIND_FLOOR => JournalEntry::Floor { upto: generation },
        _ => return Err(DecodeError::Malformed("unknown journal entry kind")),
    };
    // Canonical: fields a kind does not use must be zero.
    if encode_entry(&e) != *b {
        return Err(DecodeError::Malformed("non-canonical journal entry"));
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn object_file(payload: &[u8]) -> (Vec<u8>, ObjectId) {
        let id = ObjectId::of(payload);
        let mut f = encode_header(&OBJECT_MAGIC, payload.len() as u64, &id.0).to_vec();
        f.extend_from_slice(payload);
        (f, id)
    }

    #[test]
    fn object_round_trip_and_every_single_bit_flip_is_caught() {
        let (f, id) = object_file(b"hello weir");
        let check = |f: &[u8]| {
            let (head, rest) = f.split_at(BLOCK_LEN.min(f.len()));
            verify_object(head, rest.len() as u64, blake3::hash(rest).as_bytes(), &id)
        };
        assert_eq!(check(&f), Ok(()));
        for bit in 0..f.len() * 8 {
            let mut g = f.clone();
            g[bit / 8] ^= 1 << (bit % 8);
            assert!(check(&g).is_err(), "bit {bit}");
        }
        for cut in 0..f.len() {
            assert!(check(&f[..cut]).is_err(), "cut {cut}");
        }
    }

    #[test]
    fn newer_version_is_reported_as_such() {
        let mut b = encode_ident(&MARKER_MAGIC, &[7; 16], 0);
        b[8] = 3;
        seal(&mut b);
        assert_eq!(
            decode_ident(&b, &MARKER_MAGIC),
            Err(DecodeError::NewerVersion(3))
        );
    }

    const KEY: StoreKey = StoreKey::from_bytes([4; 32]);

    #[test]
    fn a_record_authenticates_only_under_its_key_and_version() {
        let r = StoredRecord {
            key: RecordKey([1; 32]),
            generation: 7,
            record: Record {
                objects: vec![ObjectId([2; 32])],
                meta: b"meta".to_vec(),
            },
        };
        let (f, _) = encode_record(&r, &KEY);
        assert_eq!(decode_record(&f, &r.key, &KEY).map(|x| x.0), Ok(r.clone()));
        let other = StoreKey::from_bytes([5; 32]);
        assert!(matches!(
            decode_record(&f, &r.key, &other),
            Err(DecodeError::BadMac { .. })
        ));
        // The same bytes claiming version 1 (header re-sealed): intact, but
        // a version-1 record carries no MAC, so it is never loaded.
        let mut old = f.clone();
        old[8..10].copy_from_slice(&1u16.to_le_bytes());
        seal((&mut old[..BLOCK_LEN]).try_into().unwrap());
        assert_eq!(
            decode_record(&old, &r.key, &KEY).map(|x| x.0),
            Err(DecodeError::Unauthenticated(1))
        );
    }

    fn record() -> impl Strategy<Value = StoredRecord> {
        (
            any::<[u8; 32]>(),
            0..=MAX_GENERATION,
            prop::collection::vec(any::<[u8; 32]>(), 0..4),
            prop::collection::vec(any::<u8>(), 0..40),
        )
            .prop_map(|(k, g, o, m)| StoredRecord {
                key: RecordKey(k),
                generation: g,
                record: Record {
                    objects: o.into_iter().map(ObjectId).collect(),
                    meta: m,
                },
            })
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_nor_decode_unless_canonical(bytes in prop::collection::vec(any::<u8>(), 0..300), key in any::<[u8; 32]>()) {
            let key = RecordKey(key);
            if let Ok((r, _)) = decode_record(&bytes, &key, &KEY) {
                prop_assert_eq!(encode_record(&r, &KEY).0, bytes.clone());
            }
            let (head, rest) = bytes.split_at(BLOCK_LEN.min(bytes.len()));
            let id = ObjectId::of(rest);
            if verify_object(head, rest.len() as u64, &id.0, &id).is_ok() {
                prop_assert_eq!(object_file(&bytes[BLOCK_LEN..]).0, bytes.clone());
            }
            if let Ok(e) = decode_entry(&bytes) {
                prop_assert_eq!(&encode_entry(&e)[..], &bytes[..BLOCK_LEN]);
            }
            if let Ok(id) = decode_ident(&bytes, &JOURNAL_MAGIC) {
                prop_assert_eq!(&encode_ident(&JOURNAL_MAGIC, &id.store_id, id.high_water)[..], &bytes[..BLOCK_LEN]);
            }
        }

        #[test]
        fn damaged_records_never_decode(r in record(), at in any::<prop::sample::Index>(), garbage in prop::collection::vec(any::<u8>(), 1..8), cut in any::<bool>()) {
            let (mut f, _) = encode_record(&r, &KEY);
            let orig = f.clone();
            let i = at.index(f.len());
            if cut {
                f.truncate(i);
            } else {
                for (j, g) in garbage.iter().enumerate() {
                    if let Some(b) = f.get_mut(i + j) { *b ^= g | 1; }
                }
            }
            prop_assert_ne!(&f, &orig);
            prop_assert!(decode_record(&f, &r.key, &KEY).is_err());
            prop_assert_eq!(decode_record(&orig, &r.key, &KEY).map(|x| x.0), Ok(r));
        }

        #[test]
        fn entries_round_trip(k in any::<[u8; 32]>(), g in 0..=MAX_GENERATION, h in any::<[u8; 8]>()) {
            for e in [JournalEntry::Commit { key: RecordKey(k), generation: g, body_hash: h }, JournalEntry::Delete { key: RecordKey(k), generation: g }, JournalEntry::Reserve { upto: g }, JournalEntry::Floor { upto: g }] {
                prop_assert_eq!(decode_entry(&encode_entry(&e)), Ok(e));
            }
        }
    }
}
