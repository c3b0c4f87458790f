//! Crash suite with real processes: the writer (`store-crash-writer`) is
//! SIGKILLed at a seeded random moment, many times over the same store;
//! after each kill the store is reopened and every acknowledged write must
//! be intact, nothing corrupt or never-written served. `WEIR_CRASH_TRIALS`
//! sets the count (CI: 1000; `bench/store_crash.sh`: 10,000), and
//! `WEIR_CRASH_SEED` the first seed.

use std::collections::HashMap;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use weir_store::crashgen::{Op, object, op};
use weir_store::sim::Rng;
use weir_store::{ObjectId, Record, RecordKey};

/// A store with a fixed key: tests never touch the user's key file.
fn open_test(root: &std::path::Path) -> Result<weir_store::Store, weir_store::StoreError> {
    weir_store::Store::open(weir_store::StoreConfig {
        key: Some(weir_store::StoreKey::from_bytes([1; 32])),
        ..weir_store::StoreConfig::new(root)
    })
}

#[test]
fn sigkill_at_random_moments_loses_no_acknowledged_write() {
    let trials: u64 = std::env::var("WEIR_CRASH_TRIALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let first: u64 = std::env::var("WEIR_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let exe = env!("CARGO_BIN_EXE_store-crash-writer");
    let mut rng = Rng::new(first);
    // The newest value each key may hold: acked, or written after the ack.
    let mut model: HashMap<RecordKey, Record> = HashMap::new();
    let mut acked_objects: Vec<(u64, u64)> = Vec::new();
    let (mut acks, mut killed_mid_run, mut unacked_seen) = (0u64, 0u64, 0u64);
    let started = Instant::now();
    for seed in first..first + trials {
        let mut child = Command::new(exe)
            .arg(&root)
            .arg(seed.to_string())
            .arg("400")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn writer");
        std::thread::sleep(Duration::from_micros(rng.below(20_000)));
        // SAFETY: kill(2) on our own child's pid; no memory is touched.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGKILL) };
        let status = child.wait().unwrap();
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(
            err.is_empty(),
            "seed {seed}: writer reported an error: {err}"
        );
        if !status.success() {
            killed_mid_run += 1;
        }
        // Only complete lines are acknowledgements.
        let complete = out.rfind('\n').map_or("", |n| &out[..n]);
        let mut last_op = None;
        let mut acked_now: HashMap<RecordKey, (u64, Record)> = HashMap::new();
        for line in complete.lines() {
            let mut parts = line.split(' ');
            let (kind, i) = (
                parts.next().unwrap(),
                parts.next().unwrap().parse::<u64>().unwrap(),
            );
            acks += 1;
            last_op = Some(i);
            match (kind, op(seed, i)) {
                ("O", Op::Object(_)) => acked_objects.push((seed, i)),
                ("R", Op::Record(k, r)) => {
                    acked_now.insert(k, (i, r));
                }
                _ => panic!("seed {seed}: bad ack line {line:?}"),
            }
        }
        for (k, (_, r)) in acked_now {
            model.insert(k, r);
        }
        // The one op that may have been in flight when the kill landed.
        let in_flight = last_op.map_or(0, |i| i + 1);
        let store = open_test(&root).unwrap_or_else(|e| panic!("seed {seed}: reopen: {e}"));
        for &(s, i) in acked_objects.iter().filter(|(s, _)| *s == seed) {
            let data = object(s, i);
            let got = store
                .get_object(&ObjectId::of(&data))
                .unwrap_or_else(|e| panic!("seed {seed}: acked object {i}: {e}"));
            assert_eq!(got, data, "seed {seed}: object {i}");
        }
        for k in 0..weir_store::crashgen::KEYS {
            let key = RecordKey([k as u8; 32]);
            let got = store
                .get_record(&key)
                .unwrap_or_else(|e| panic!("seed {seed}: record {k}: {e}"));
            let in_flight_value = match op(seed, in_flight) {
                Op::Record(fk, r) if fk == key => Some(r),
                _ => None,
            };
            match (got, model.get(&key)) {
                (Some(r), Some(m)) if &r == m => {}
                (Some(r), _) if Some(&r) == in_flight_value.as_ref() => {
                    unacked_seen += 1;
                    model.insert(key, r);
                }
                (None, None) => {}
                (got, want) => {
                    panic!("seed {seed}: record {k}: got {got:?}, acknowledged {want:?}")
                }
            }
        }
    }
    let elapsed = started.elapsed();
    let store = open_test(&root).unwrap();
    for &(s, i) in &acked_objects {
        let data = object(s, i);
        assert_eq!(
            store.get_object(&ObjectId::of(&data)).unwrap(),
            data,
            "seed {s} object {i} at the end"
        );
    }
    let scrub = store.scrub().unwrap();
    assert!(scrub.healthy() && scrub.counts.failed == 0, "{scrub:?}");
    let c = store.integrity_counters();
    println!(
        "crash suite: {trials} SIGKILL trials (seeds {first}..{}) in {:.1?} ({:.1} ms/trial); {} killed mid-run; {acks} acknowledged writes, all intact; {unacked_seen} unacknowledged record writes survived (allowed); final scrub: {} objects, {} records, {} failed checks; counters {:?}",
        first + trials,
        elapsed,
        elapsed.as_secs_f64() * 1000.0 / trials as f64,
        killed_mid_run,
        scrub.objects,
        scrub.records,
        scrub.counts.failed,
        c
    );
}
