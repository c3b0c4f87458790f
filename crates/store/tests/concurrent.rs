//! Several processes using one store at the same moment: first opens that
//! race to create it, writers overlapping on the same keys, and writers
//! beside processes that open, scrub and collect. Each process is a real
//! `store-conc-worker`; all start together (they wait on stdin, released
//! at once). Zero false reports and zero lost results: every process
//! succeeds, every scrub is clean, and afterwards every key holds the
//! newest acknowledged write, with its objects.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

use weir_store::{RecordKey, Store, StoreConfig, StoreKey};

fn open_test(root: &Path) -> Store {
    Store::open(StoreConfig {
        key: Some(StoreKey::from_bytes([1; 32])),
        ..StoreConfig::new(root)
    })
    .expect("store opens")
}

/// What one worker printed, once it exited.
struct Done {
    role: String,
    ok: bool,
    out: String,
    err: String,
}

/// Starts every worker, releases them together, waits for all.
fn run_all(root: &Path, workers: &[(&str, u64, u64)]) -> Vec<Done> {
    let exe = env!("CARGO_BIN_EXE_store-conc-worker");
    let mut children: Vec<(String, Child, BufReader<ChildStdout>)> = workers
        .iter()
        .map(|(role, seed, n)| {
            let mut c = Command::new(exe)
                .arg(root)
                .arg(role)
                .arg(seed.to_string())
                .arg(n.to_string())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn worker");
            let out = BufReader::new(c.stdout.take().unwrap());
            (role.to_string(), c, out)
        })
        .collect();
    // Every worker has opened the store (if it opens before the gate)...
    for (_, _, out) in &mut children {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
    }
    // ...then all go at once.
    for (_, c, _) in &mut children {
        let mut stdin = c.stdin.take().unwrap();
        stdin.write_all(b"go\n").unwrap();
    }
    children
        .into_iter()
        .map(|(role, mut c, mut stdout)| {
            let mut out = String::new();
            let mut err = String::new();
            stdout.read_to_string(&mut out).unwrap();
            c.stderr.take().unwrap().read_to_string(&mut err).unwrap();
            let ok = c.wait().unwrap().success();
            Done { role, ok, out, err }
        })
        .collect()
}

/// Every worker succeeded; returns the newest acknowledged generation per key.
fn check_workers(done: &[Done]) -> HashMap<u8, u64> {
    let mut newest = HashMap::new();
    let count = |tag: &str| {
        done.iter()
            .flat_map(|d| d.out.lines())
            .filter(|l| l.split(' ').next() == Some(tag))
            .count()
    };
    let roles: Vec<&str> = done.iter().map(|d| d.role.as_str()).collect();
    println!(
        "concurrency suite: {} processes at once ({}): {} record writes acknowledged, {} opens, {} scrubs, {} gc runs",
        done.len(),
        roles.join(" "),
        count("R"),
        count("O"),
        count("S"),
        count("G"),
    );
    for d in done {
        assert!(
            d.ok && d.err.is_empty(),
            "{} worker failed: {}\nstdout:\n{}",
            d.role,
            d.err,
            d.out
        );
        for line in d.out.lines() {
            let f: Vec<&str> = line.split(' ').collect();
            match f[0] {
                "R" => {
                    let (k, g): (u8, u64) = (f[1].parse().unwrap(), f[2].parse().unwrap());
                    let e = newest.entry(k).or_insert(0);
                    *e = (*e).max(g);
                }
                "S" => assert_eq!(
                    &f[1..],
                    ["0", "0", "0", "0"],
                    "scrub beside writers reported damage (failed unrepairable dangling lost): {}",
                    d.out
                ),
                "P" => panic!("scrub reported a problem: {line}"),
                _ => {}
            }
        }
    }
    newest
}

/// Afterwards, in a fresh process view: each key holds its newest
/// acknowledged write, objects included, with no failed check anywhere.
fn check_store(root: &Path, newest: &HashMap<u8, u64>) {
    let s = open_test(root);
    for (&k, &g) in newest {
        let key = RecordKey([k; 32]);
        let rec = s
            .get_record_versioned(&key)
            .unwrap_or_else(|e| panic!("key {k}: {e}"))
            .unwrap_or_else(|| panic!("key {k}: acknowledged, now absent"));
        assert_eq!(rec.generation, g, "key {k}: newest acknowledged write");
        s.get_record_with_objects(&key)
            .unwrap_or_else(|e| panic!("key {k}: objects: {e}"));
    }
    let r = s.scrub().unwrap();
    assert!(
        r.healthy() && r.counts.failed == 0,
        "scrub afterwards: {r:?}"
    );
    assert_eq!(
        s.integrity_counters().failed,
        0,
        "{:?}",
        s.integrity_counters()
    );
}

#[test]
fn first_opens_at_once_make_one_store() {
    for round in 0..6 {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("__weir__").join("store");
        let workers: Vec<(&str, u64, u64)> =
            (0..6).map(|i| ("create", round * 10 + i, 3)).collect();
        let done = run_all(&root, &workers);
        let newest = check_workers(&done);
        check_store(&root, &newest);
    }
}

#[test]
fn overlapping_writers_never_make_a_false_lost_write() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    drop(open_test(&root));
    let workers: Vec<(&str, u64, u64)> = (0..4).map(|i| ("write", i, 40)).collect();
    let newest = check_workers(&run_all(&root, &workers));
    check_store(&root, &newest);
    // And a second wave on the same store, after a reopen.
    let workers: Vec<(&str, u64, u64)> = (10..13).map(|i| ("write", i, 30)).collect();
    let mut newest2 = check_workers(&run_all(&root, &workers));
    for (k, g) in newest {
        newest2.entry(k).or_insert(g);
    }
    check_store(&root, &newest2);
}

#[test]
fn writers_beside_opens_scrubs_and_gc_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    drop(open_test(&root));
    let workers = [
        ("write", 1, 40),
        ("write", 2, 40),
        ("write", 3, 40),
        ("open", 4, 40),
        ("scrub", 5, 10),
        ("gc", 6, 20),
    ];
    let newest = check_workers(&run_all(&root, &workers));
    check_store(&root, &newest);
}

#[test]
fn writers_beside_scrubs_see_no_false_damage() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    drop(open_test(&root));
    let workers = [
        ("write", 1, 80),
        ("write", 2, 80),
        ("write", 3, 80),
        ("scrub", 4, 40),
        ("scrub", 5, 40),
    ];
    let newest = check_workers(&run_all(&root, &workers));
    check_store(&root, &newest);
}

/// With a replica, an object or record is briefly in one copy and not yet
/// in the other while it is written: in flight, not damage.
#[test]
fn writers_beside_scrubs_with_a_replica_see_no_false_damage() {
    let dir = tempfile::tempdir().unwrap();
    let (root, replica) = (dir.path().join("store"), dir.path().join("replica"));
    let both = format!("{},{}", root.display(), replica.display());
    let workers = [
        ("create", 0, 1),
        ("write", 1, 200),
        ("scrub", 4, 30),
        ("scrub", 5, 30),
    ];
    drop(run_all(Path::new(&both), &workers[..1]));
    let newest = check_workers(&run_all(Path::new(&both), &workers[1..]));
    let s = Store::open(StoreConfig {
        key: Some(StoreKey::from_bytes([1; 32])),
        replicas: vec![replica],
        ..StoreConfig::new(&root)
    })
    .unwrap();
    let r = s.scrub().unwrap();
    assert!(r.healthy() && r.counts.failed == 0, "{r:?}");
    for (&k, &g) in &newest {
        let got = s.get_record_versioned(&RecordKey([k; 32])).unwrap();
        assert_eq!(got.map(|r| r.generation), Some(g), "key {k}");
    }
}

#[test]
fn writers_beside_gc_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    drop(open_test(&root));
    let workers = [("write", 1, 40), ("write", 2, 40), ("gc", 3, 30)];
    let newest = check_workers(&run_all(&root, &workers));
    check_store(&root, &newest);
}

#[test]
fn writers_beside_opens_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    drop(open_test(&root));
    let workers = [("write", 1, 40), ("write", 2, 40), ("open", 3, 60)];
    let newest = check_workers(&run_all(&root, &workers));
    check_store(&root, &newest);
}

/// Two `Store`s on one directory in one process (an editor kernel and a
/// tool in the same process) are coordinated like two processes.
#[test]
fn two_stores_in_one_process_write_one_directory() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let a = open_test(&root);
    let first = a
        .put_record(&RecordKey([0; 32]), &weir_store::Record::default())
        .unwrap();
    // Opened after `a` took its block of generations: `b` takes a higher one.
    let b = open_test(&root);
    // In turns: each store's write follows the other's.
    let mut newest = HashMap::from([(0u8, first)]);
    for i in 0..6u8 {
        let store = if i % 2 == 0 { &b } else { &a };
        let id = store.put_object(&[i, 1, 2, 3]).unwrap();
        let rec = weir_store::Record {
            objects: vec![id],
            meta: vec![i],
        };
        newest.insert(1, store.put_record(&RecordKey([1; 32]), &rec).unwrap());
    }
    for s in [&a, &b] {
        let got = s.get_record_versioned(&RecordKey([1; 32]));
        assert_eq!(got.unwrap().map(|r| r.generation), Some(newest[&1]));
    }
    // At once, from two threads.
    let newest = std::sync::Mutex::new(newest);
    std::thread::scope(|s| {
        for (w, store) in [(0u8, &a), (1, &b)] {
            let newest = &newest;
            s.spawn(move || {
                for i in 0..60u8 {
                    let own = store.put_object(&[w, i, 7, 7, 7]).unwrap();
                    let k = i % 3;
                    let rec = weir_store::Record {
                        objects: vec![own],
                        meta: vec![w, i],
                    };
                    let g = store.put_record(&RecordKey([k; 32]), &rec).unwrap();
                    let mut n = newest.lock().unwrap();
                    let e = n.entry(k).or_insert(0);
                    *e = (*e).max(g);
                }
            });
        }
    });
    for s in [&a, &b] {
        for (&k, &g) in newest.lock().unwrap().iter() {
            let got = s.get_record_versioned(&RecordKey([k; 32])).unwrap();
            assert_eq!(got.map(|r| r.generation), Some(g), "key {k}");
        }
    }
    drop((a, b));
    check_store(&root, &newest.into_inner().unwrap());
}

/// gc keeps an object another store has stored but not yet named in a
/// record; once that store is gone, the object is garbage.
#[test]
fn gc_keeps_what_a_live_writer_is_about_to_reference() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let writer = open_test(&root);
    let id = writer.put_object(b"about to be referenced").unwrap();
    let other = open_test(&root);
    assert_eq!(other.gc(|_| true).unwrap().objects_removed, 0);
    writer
        .put_record(
            &RecordKey([9; 32]),
            &weir_store::Record {
                objects: vec![id],
                meta: vec![],
            },
        )
        .unwrap();
    assert!(writer.get_record(&RecordKey([9; 32])).unwrap().is_some());
    let orphan = writer.put_object(b"never referenced").unwrap();
    assert_eq!(other.gc(|_| true).unwrap().objects_removed, 0);
    drop(writer);
    let gc = other.gc(|_| true).unwrap();
    assert_eq!(
        gc.objects_removed, 1,
        "{orphan} is garbage once its writer is gone"
    );
}

/// Open removes what is provably abandoned in `tmp/` and nothing else: a
/// temporary file (every one is written under the store lock, which open
/// holds exclusively), a pending list whose process is dead; not the
/// pending list of a live process.
#[test]
fn open_removes_only_abandoned_temporaries() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    drop(open_test(&root));
    let tmp = root.join("tmp");
    let mut child = Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let mut sleeper = Command::new("sleep").arg("30").spawn().unwrap();
    let alive = sleeper.id();
    let files = [
        (format!("WEIR-STORE.{dead}.00000000000000ab.3"), false),
        (format!("pending.{dead}.00000000000000ab"), false),
        (format!("pending.{alive}.00000000000000ab"), true),
    ];
    for (f, _) in &files {
        std::fs::write(tmp.join(f), [0u8; 32]).unwrap();
    }
    drop(open_test(&root));
    for (f, kept) in &files {
        assert_eq!(tmp.join(f).exists(), *kept, "{f}");
    }
    let _ = sleeper.kill();
    let _ = sleeper.wait();
}

/// A journal rewritten (gc compacts it) twice while another store holds
/// an old view: the file system may give the newest file the inode number
/// the old view remembers, and what that store reads must still be the
/// newest journal, not bytes from the middle of another file.
#[test]
fn a_rewritten_journal_is_never_mistaken_for_the_one_read_before() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let a = open_test(&root);
    let b = open_test(&root);
    for round in 0..20u8 {
        let keys: Vec<RecordKey> = (0..8).map(|i| RecordKey([round * 8 + i; 32])).collect();
        for k in &keys {
            a.put_record(k, &weir_store::Record::default()).unwrap();
        }
        // b's view of the journal, as it is now.
        for k in &keys {
            assert!(b.get_record(k).unwrap().is_some());
        }
        a.gc(|_| true).unwrap();
        for k in &keys[..4] {
            a.delete_record(k).unwrap();
        }
        a.gc(|_| true).unwrap();
        for k in &keys[..4] {
            let got = b.get_record(k);
            assert!(
                matches!(got, Ok(None)),
                "round {round}: a deleted {k}; b says {got:?}"
            );
        }
    }
}
