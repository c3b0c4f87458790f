//! The crash test's workload, shared by the writer binary and the test so
//! both agree on what operation `i` of run `seed` wrote. Not part of the
//! store proper.

use crate::format::{ObjectId, Record, RecordKey};
use crate::sim::Rng;

/// Distinct record keys the workload overwrites (small: many overwrites).
pub const KEYS: u64 = 8;

pub enum Op {
    Object(Vec<u8>),
    Record(RecordKey, Record),
}

/// The object written by op `i` (also what a record op refers to).
pub fn object(seed: u64, i: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed.wrapping_mul(0x100_0000_01B3) ^ i);
    let mut data = vec![0u8; 1 + rng.below(4096) as usize];
    rng.fill(&mut data);
    data[..1].copy_from_slice(&[i as u8]);
    data
}

/// Op `i` of run `seed`: even ops store an object, odd ops a record naming
/// the previous op's object.
pub fn op(seed: u64, i: u64) -> Op {
    if i.is_multiple_of(2) {
        return Op::Object(object(seed, i));
    }
    let mut rng = Rng::new(seed ^ i.rotate_left(32));
    let key = RecordKey([rng.below(KEYS) as u8; 32]);
    let mut meta = seed.to_le_bytes().to_vec();
    meta.extend_from_slice(&i.to_le_bytes());
    Op::Record(
        key,
        Record {
            objects: vec![ObjectId::of(&object(seed, i - 1))],
            meta,
        },
    )
}
