//! `weir-store`: a content-addressed object store and a small record index,
//! built for integrity. Every object and record carries a checksummed
//! header and a BLAKE3 content hash; writes are atomic and durable; every
//! read is verified; a failed check is a typed error, the bad file is
//! quarantined (never served, never silently deleted) and, with replicas,
//! repaired from a good copy. A journal of record generations detects an
//! acknowledged write that came undone.
//!
//! All file I/O goes through [`Fs`]: [`RealFs`] in production, [`SimFs`]
//! (a seeded page-cache simulator) in crash tests. See `docs/store.md`.
//! No knowledge of Python, HTTP or terminals.

mod concurrency;
#[doc(hidden)]
pub mod crashgen;
mod error;
pub mod format;
mod fs;
mod journal;
mod key;
mod open;
mod scrub;
pub mod sim;
mod store;
mod unique;
mod verified;

pub use error::{Corruption, FileKind, Result, StoreError};
pub use format::{ObjectId, Record, RecordKey, StoredRecord};
pub use fs::{DirLock, Fs, PinnedFile, RealFs, Refused, RestLen, at_most};
pub use key::StoreKey;
pub use open::open_dir;
pub use scrub::{GcReport, ScrubReport, StoreStats};
pub use sim::{SimFaults, SimFs};
pub use store::{IntegrityCounters, Store, StoreConfig};
pub use verified::{ObjectFile, VerifiedObject};
