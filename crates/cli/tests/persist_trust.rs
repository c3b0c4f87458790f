//! Who can write an entry `weir exec` will load (docs/persistence.md,
//! "Who can write an entry"): a store entry written by someone else, with
//! every hash and checksum valid, is reported and recomputed, never
//! unpickled; a lost journal is reported, never rebuilt silently.

#[path = "persist_common.rs"]
mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A persisted cell `x = 41` read by a printing cell; the persisted cell
/// appends `x` to the side file each time it really runs.
fn notebook_x(d: &Path) -> PathBuf {
    let side = d.join("side.txt");
    let s = side.to_str().unwrap();
    notebook(
        d,
        "",
        &[
            (
                &format!("with open({s:?}, 'a') as _f:\n    _f.write('x\\n')\nx = 41"),
                "persist=True",
            ),
            ("print('x is', x)", ""),
        ],
    )
}

/// A pickle (protocol 5) whose unpickling runs `touch <target>`, built by
/// the real Python the worker runs.
fn evil_pickle(target: &Path) -> Vec<u8> {
    let script = format!(
        "import os, pickle, sys\n\
         class P:\n    def __reduce__(self):\n        return (os.system, ({:?},))\n\
         sys.stdout.write(pickle.dumps(P(), protocol=5).hex())",
        format!("touch {}", target.display())
    );
    let out = Command::new(python())
        .args(["-c", &script])
        .output()
        .expect("run python3");
    assert!(out.status.success(), "{out:?}");
    let hex = String::from_utf8(out.stdout).unwrap();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// An object file as the store writes it: checksummed header (magic,
/// version 1, payload length, BLAKE3) and payload, named by its BLAKE3.
fn write_object(store: &Path, payload: &[u8]) -> [u8; 32] {
    let id = weir_store::ObjectId::of(payload).0;
    let mut head = [0u8; 64];
    head[..8].copy_from_slice(b"WEIR-OBJ");
    head[8..10].copy_from_slice(&1u16.to_le_bytes());
    head[16..24].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    head[24..56].copy_from_slice(&id);
    let c = weir_store::format::block_checksum(&head[..56]);
    head[56..64].copy_from_slice(&c.to_le_bytes());
    let mut file = head.to_vec();
    file.extend_from_slice(payload);
    std::fs::write(
        store.join("objects").join(weir_store::format::to_hex(&id)),
        file,
    )
    .unwrap();
    id
}

/// Rewrites a record file so it names `new` instead of `old`, with its
/// body hash and header checksum made valid again: everything a reader
/// without the user's key can check passes.
fn swap_object_in_record(record: &Path, old: &[u8; 32], new: &[u8; 32]) {
    let mut file = std::fs::read(record).unwrap();
    let at = file[64..]
        .windows(32)
        .position(|w| w == old)
        .expect("the record names the object")
        + 64;
    file[at..at + 32].copy_from_slice(new);
    let hash = weir_store::ObjectId::of(&file[64..]).0;
    file[24..56].copy_from_slice(&hash);
    let c = weir_store::format::block_checksum(&file[..56]);
    file[56..64].copy_from_slice(&c.to_le_bytes());
    std::fs::write(record, file).unwrap();
}

fn only_record(store: &Path) -> PathBuf {
    let mut v: Vec<PathBuf> = std::fs::read_dir(store.join("records"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(v.len(), 1, "{v:?}");
    v.pop().unwrap()
}

#[test]
fn a_forged_entry_with_valid_hashes_never_runs_its_pickle() {
    let d = dir("trust-forged");
    let nb = notebook_x(&d);
    let side = d.join("side.txt");
    let (code, out, err) = exec(&nb, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("(stored)"), "{out}");
    let store = d.join("__weir__/store");

    // Someone with write access to the store (a store committed to a
    // repository is enough) replaces `x`'s pickle stream with one that
    // runs a command, and fixes up every hash and checksum.
    let pwned = d.join("PWNED");
    let evil = evil_pickle(&pwned);
    let pickle_object = objects(&store)
        .into_iter()
        .find(|p| std::fs::read(p).unwrap()[64..].starts_with(b"\x80\x05"))
        .expect("x's pickle stream is an object");
    let old = weir_store::ObjectId::from_hex(pickle_object.file_name().unwrap().to_str().unwrap())
        .unwrap()
        .0;
    let new = write_object(&store, &evil);
    swap_object_in_record(&only_record(&store), &old, &new);

    let (code, out, err) = exec(&nb, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!pwned.exists(), "the forged pickle ran: {out}{err}");
    assert!(!out.contains("restored, verified"), "{out}");
    assert!(out.contains("not authenticated"), "reported: {out}");
    assert!(out.contains("recomputed from its lineage"), "{out}");
    assert!(out.contains("x is 41"), "{out}");
    assert_eq!(runs(&side, "x"), 2, "the cell ran again");

    // Recomputed and stored under the user's key: the next run restores.
    let (code, out, _) = exec(&nb, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("restored, verified"), "{out}");
    assert!(out.contains("x is 41"), "{out}");
    assert!(!pwned.exists());
}

#[test]
fn a_store_written_under_another_key_is_recomputed_not_loaded() {
    let d = dir("trust-other-key");
    let nb = notebook_x(&d);
    let side = d.join("side.txt");
    // Another user's Weir (another key) fills the store, which is then
    // shared, say through a repository.
    let other = d.join("other.key");
    let (code, out, err) = exec_env(
        &nb,
        &[],
        &[("WEIR_STORE_KEY_FILE", other.to_str().unwrap())],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("(stored)"), "{out}");
    let (code, out, _) = exec(&nb, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("restored, verified"), "{out}");
    assert!(out.contains("not authenticated"), "{out}");
    assert_eq!(runs(&side, "x"), 2);
}

#[test]
fn a_lost_journal_with_an_older_record_put_back_is_reported_not_served() {
    let d = dir("trust-journal");
    let side = d.join("side.txt");
    let s = side.to_str().unwrap();
    let mk = |v: &str| {
        notebook(
            &d,
            "",
            &[(
                &format!("with open({s:?}, 'a') as _f:\n    _f.write('y\\n')\ny = {v}"),
                "persist=True",
            )],
        );
    };
    // A non-deterministic value stands in for "the newer result": a
    // refresh stores a different value under the same key.
    mk("__import__('random').random()");
    let nb = d.join("nb.py");
    assert_eq!(exec(&nb, &[]).0, 0);
    let store = d.join("__weir__/store");
    let record = only_record(&store);
    let old = std::fs::read(&record).unwrap();
    assert_eq!(exec(&nb, &["--refresh"]).0, 0);
    assert_ne!(std::fs::read(&record).unwrap(), old);

    for lose in ["delete", "truncate"] {
        // The newer record's rename is lost (the old file is back) and so
        // is the journal that would have told.
        std::fs::write(&record, &old).unwrap();
        let journal = store.join("journal");
        if lose == "delete" {
            std::fs::remove_file(&journal).unwrap();
        } else {
            std::fs::write(&journal, b"").unwrap();
        }
        let before = runs(&side, "y");
        let (code, out, err) = exec(&nb, &[]);
        assert_eq!(code, 0, "{lose}: {out}{err}");
        assert!(!out.contains("restored, verified"), "{lose}: {out}");
        assert!(out.contains("journal"), "{lose}: reported: {out}");
        assert!(out.contains("recomputed from its lineage"), "{lose}: {out}");
        assert!(!out.contains("0 checks failed"), "{lose}: {out}");
        assert_eq!(runs(&side, "y"), before + 1, "{lose}: recomputed");
        // Stored again: the next run restores what it just stored.
        let (_, out, _) = exec(&nb, &[]);
        assert!(out.contains("restored, verified"), "{lose}: {out}");
    }
}

#[test]
fn a_key_file_others_can_read_means_no_persistence_with_a_warning() {
    let d = dir("trust-loose-key");
    let nb = notebook_x(&d);
    let key = d.join("loose.key");
    std::fs::write(&key, [7u8; 32]).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let k = key.to_str().unwrap();
    let (code, out, err) = exec_env(&nb, &[], &[("WEIR_STORE_KEY_FILE", k)]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("permissions 0644"), "{err}");
    assert!(err.contains("running without persistence"), "{err}");
    assert!(out.contains("x is 41"), "{out}");
    assert!(!d.join("__weir__/store/records").exists() || records(&d.join("__weir__/store")) == 0);
    // --strict makes it an error.
    let (code, _, err) = exec_env(&nb, &["--strict"], &[("WEIR_STORE_KEY_FILE", k)]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn two_processes_creating_the_key_at_once_end_up_with_one_key() {
    let d = dir("trust-key-race");
    let key = d.join("fresh/weir/store.key");
    let k = key.to_str().unwrap().to_owned();
    // Two notebooks with their own stores, started together, both creating
    // the same (absent) key file.
    let nbs: Vec<PathBuf> = ["a", "b"]
        .iter()
        .map(|n| {
            let sub = d.join(n);
            std::fs::create_dir_all(&sub).unwrap();
            notebook_x(&sub)
        })
        .collect();
    let py = python();
    let children: Vec<_> = nbs
        .iter()
        .map(|nb| {
            Command::new(env!("CARGO_BIN_EXE_weir"))
                .args(["exec", nb.to_str().unwrap(), "--python", &py])
                .env("WEIR_PYTHONPATH", repo().join("python"))
                .env("WEIR_STORE_KEY_FILE", &k)
                .env_remove("WEIR_STORE")
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("start weir")
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(text.contains("(stored)"), "{text}");
    }
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(&key).unwrap();
    assert_eq!((meta.len(), meta.permissions().mode() & 0o777), (32, 0o600));
    // Both stores' entries authenticate under the one key that exists.
    for nb in &nbs {
        let (code, out, _) = exec_env(nb, &[], &[("WEIR_STORE_KEY_FILE", &k)]);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("restored, verified"), "{out}");
    }
}

#[test]
fn a_record_written_through_the_api_with_the_users_key_is_trusted() {
    // The other side of the rule: whoever holds the key is trusted, even
    // writing through the store's API rather than `weir exec`.
    let d = dir("trust-api");
    let nb = notebook_x(&d);
    let side = d.join("side.txt");
    assert_eq!(exec(&nb, &[]).0, 0);
    let store_dir = d.join("__weir__/store");
    let key = weir_store::RecordKey::from_hex(
        only_record(&store_dir)
            .file_name()
            .unwrap()
            .to_str()
            .unwrap(),
    )
    .unwrap();
    let store = open_store(&store_dir);
    let record = store.get_record(&key).unwrap().expect("authenticates");
    store.put_record(&key, &record).unwrap();
    drop(store);
    let (code, out, _) = exec(&nb, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("restored, verified"), "{out}");
    assert_eq!(runs(&side, "x"), 1);
}
