//! A small, fast, non-cryptographic hasher for the graph's internal maps.
//!
//! The graph's hot paths hash `u32` slots and short identifier strings. std's
//! default SipHash is DoS-resistant but several times slower on such keys; the
//! keys here come from the user's own notebook, so hash flooding is not a
//! threat worth paying for. This is the well-known "Fx" multiply-rotate hash
//! (as used in rustc) plus a finalizer, written out here to keep the crate
//! free of dependencies.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// Fx hasher: `state = (state.rotl(5) ^ word) * SEED` per word, finalized
/// with murmur3's `fmix64`.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    state: u64,
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.state = (self.state.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            // `chunks_exact(8)` guarantees the length, so this cannot fail.
            let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
            self.add(word);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(buf));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    /// The multiply only carries entropy *upwards*, so the low bits (which
    /// hashbrown uses as the bucket index) of a raw Fx state depend only on
    /// the low bytes of the input: identifiers sharing a prefix (`x_1`,
    /// `x_2`, ...) would all collide. murmur3's 64-bit finalizer mixes the
    /// high bits back down.
    #[inline]
    fn finish(&self) -> u64 {
        let mut h = self.state;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;
pub(crate) type FxHashMap<K, V> = HashMap<K, V, FxBuild>;
pub(crate) type FxHashSet<K> = HashSet<K, FxBuild>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    /// Names differing only in their last bytes must spread over buckets.
    #[test]
    fn low_bits_vary_for_common_prefixes() {
        let build = FxBuild::default();
        let buckets: FxHashSet<u64> = (0..1000)
            .map(|i| build.hash_one(format!("x_{i}")) & 1023)
            .collect();
        assert!(
            buckets.len() > 500,
            "only {} distinct buckets",
            buckets.len()
        );
    }
}
