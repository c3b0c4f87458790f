//! Crash-test helper: writes objects and records to a real store and prints
//! one acknowledgement line after each write returns (i.e. is durable):
//! `O <index>` for an object, `R <index> <generation>` for a record. The
//! crash test (`tests/crash.rs`) SIGKILLs it at a random moment and checks
//! every acknowledged write afterwards. What op `i` writes is a pure
//! function of (seed, i), shared with the test through `weir_store::crashgen`.
//!
//! Usage: store-crash-writer <store dir> <seed> <ops>

use std::io::Write;

use weir_store::crashgen::{Op, op};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: store-crash-writer <store dir> <seed> <ops>");
        std::process::exit(2);
    }
    let (Ok(seed), Ok(ops)) = (args[2].parse::<u64>(), args[3].parse::<u64>()) else {
        eprintln!("seed and ops must be integers");
        std::process::exit(2);
    };
    // The same fixed key as tests/crash.rs, which reopens the store.
    let store = match weir_store::Store::open(weir_store::StoreConfig {
        key: Some(weir_store::StoreKey::from_bytes([1; 32])),
        ..weir_store::StoreConfig::new(&args[1])
    }) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("open: {e}");
            std::process::exit(1);
        }
    };
    let mut out = std::io::stdout().lock();
    for i in 0..ops {
        let line = match op(seed, i) {
            Op::Object(data) => store.put_object(&data).map(|_| format!("O {i}")),
            Op::Record(key, rec) => store.put_record(&key, &rec).map(|g| format!("R {i} {g}")),
        };
        match line {
            Ok(l) => {
                // One write(2) per line: the test never sees half an ack.
                let _ = out.write_all(format!("{l}\n").as_bytes());
                let _ = out.flush();
            }
            Err(e) => {
                eprintln!("op {i}: {e}");
                std::process::exit(1);
            }
        }
    }
}
