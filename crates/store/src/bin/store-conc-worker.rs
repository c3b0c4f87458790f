//! Concurrency-test helper: one of several processes using one store at
//! the same moment (`tests/concurrent.rs`). It opens the store, waits for
//! a line on stdin (the test's start gate, so every process starts
//! together), then:
//!
//! - `create <seed> <n>`: like `write`, but opens the store after the gate
//!   (so several processes create it at once).
//! - `write <seed> <n>`: `n` times, stores a shared object and one of its
//!   own, then a record naming both under one of a few shared keys;
//!   prints `R <key byte> <generation>` after each record is stored.
//! - `open <seed> <n>`: opens the store `n` times (each open looks at
//!   `tmp/`); prints `O` after each.
//! - `scrub <seed> <n>`: `n` scrubs; prints `S <failed> <unrepairable>
//!   <dangling> <lost writes>` after each, and each problem as `P <text>`.
//! - `gc <seed> <n>`: `n` collections keeping every record; prints
//!   `G <objects removed>` after each.
//!
//! Any store error is printed to stderr and ends the process with 1.
//!
//! Usage: store-conc-worker <store dir>[,<replica dir>] <role> <seed> <n>

use std::io::{BufRead, Write};

use weir_store::{Record, RecordKey, Store, StoreConfig, StoreKey};

/// Record keys shared by every writer (few, so writes to one key overlap).
pub const KEYS: u8 = 4;

/// `root` is the primary directory, optionally followed by `,replica`.
fn open(root: &str) -> Store {
    let mut dirs = root.split(',');
    let primary = dirs.next().unwrap_or_default();
    match Store::open(StoreConfig {
        key: Some(StoreKey::from_bytes([1; 32])),
        replicas: dirs.map(Into::into).collect(),
        ..StoreConfig::new(primary)
    }) {
        Ok(s) => s,
        Err(e) => fail(&format!("open: {e}")),
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("{msg}");
    std::process::exit(1)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        fail("usage: store-conc-worker <store dir> <role> <seed> <n>");
    }
    let (Ok(seed), Ok(n)) = (args[3].parse::<u64>(), args[4].parse::<u64>()) else {
        fail("seed and n must be integers");
    };
    let root = args[1].as_str();
    let role = args[2].as_str();
    let early = (!matches!(role, "create" | "open")).then(|| open(root));
    let mut out = std::io::stdout().lock();
    // Opened: the test releases everyone once every process is ready.
    let _ = out.write_all(b"ready\n");
    let _ = out.flush();
    let mut gate = String::new();
    let _ = std::io::stdin().lock().read_line(&mut gate);
    let store = || early.unwrap_or_else(|| open(root));
    let mut say = |l: String| {
        // One write(2) per line: the test never sees half a line.
        let _ = out.write_all(format!("{l}\n").as_bytes());
        let _ = out.flush();
    };
    match role {
        "write" | "create" => {
            let store = store();
            for i in 0..n {
                let shared = store
                    .put_object(format!("shared {}", i % 3).as_bytes())
                    .unwrap_or_else(|e| fail(&format!("op {i}: put shared object: {e}")));
                let own = store
                    .put_object(format!("writer {seed} op {i}").repeat(40).as_bytes())
                    .unwrap_or_else(|e| fail(&format!("op {i}: put object: {e}")));
                let k = ((seed + i) % KEYS as u64) as u8;
                let rec = Record {
                    objects: vec![shared, own],
                    meta: format!("{seed} {i}").into_bytes(),
                };
                let g = store
                    .put_record(&RecordKey([k; 32]), &rec)
                    .unwrap_or_else(|e| fail(&format!("op {i}: put record: {e}")));
                say(format!("R {k} {g}"));
            }
        }
        "open" => {
            for _ in 0..n {
                drop(open(root));
                say("O".into());
            }
        }
        "scrub" => {
            let store = store();
            for _ in 0..n {
                let r = store
                    .scrub()
                    .unwrap_or_else(|e| fail(&format!("scrub: {e}")));
                say(format!(
                    "S {} {} {} {}",
                    r.counts.failed,
                    r.counts.unrepairable,
                    r.dangling_records,
                    r.counts.lost_writes
                ));
                for p in r.problems {
                    say(format!("P {p}"));
                }
            }
        }
        "gc" => {
            let store = store();
            for _ in 0..n {
                let r = store
                    .gc(|_| true)
                    .unwrap_or_else(|e| fail(&format!("gc: {e}")));
                say(format!("G {}", r.objects_removed));
            }
        }
        other => fail(&format!("unknown role {other:?}")),
    }
}
