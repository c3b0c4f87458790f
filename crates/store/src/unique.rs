//! Values that must differ between stores, processes and calls, without
//! being secrets (store ids, per-`Store` nonces): the clock, the process,
//! a process-wide counter, the thread, kernel randomness when it can be
//! read, and the caller's context, hashed together. (The store key, a
//! secret, reads the kernel's randomness directly: `key.rs`.)

use std::sync::atomic::{AtomicU64, Ordering};

pub(crate) fn unique_bytes(context: &[u8]) -> [u8; 32] {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = blake3::Hasher::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    h.update(&now.to_le_bytes());
    h.update(&std::process::id().to_le_bytes());
    h.update(&COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    h.update(format!("{:?}", std::thread::current().id()).as_bytes());
    if let Ok(b) = std::fs::read("/proc/sys/kernel/random/uuid") {
        h.update(&b);
    }
    h.update(context);
    *h.finalize().as_bytes()
}
