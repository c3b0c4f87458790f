//! What the store trusts (docs/store.md, "Trust" and "Losing the
//! journal"): a record loads only if it authenticates under the user's
//! key; the key file is private, created once, refused when loose; a lost
//! journal is reported, never rebuilt into vouching for old records.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::{Arc, Barrier};

use weir_store::{FileKind, ObjectId, Record, RecordKey, Store, StoreConfig, StoreError, StoreKey};

const MINE: StoreKey = StoreKey::from_bytes([1; 32]);
const THEIRS: StoreKey = StoreKey::from_bytes([2; 32]);

fn open(root: &Path, key: &StoreKey) -> Store {
    Store::open(StoreConfig {
        key: Some(key.clone()),
        ..StoreConfig::new(root)
    })
    .unwrap()
}

fn record(s: &Store, payload: &[u8]) -> Record {
    Record {
        objects: vec![s.put_object(payload).unwrap()],
        meta: payload.to_vec(),
    }
}

fn assert_unauthenticated(e: StoreError, what: &str) {
    match e {
        StoreError::Corrupt(c) => {
            assert_eq!(c.kind, FileKind::Record, "{what}");
            assert!(c.reason.contains("not authenticated"), "{what}: {c}");
            assert!(c.quarantined.is_some(), "{what}: {c}");
        }
        other => panic!("{what}: {other:?}"),
    }
}

#[test]
fn a_record_written_under_another_key_is_refused_quarantined_and_never_served() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let key = RecordKey([7; 32]);
    {
        let theirs = open(&root, &THEIRS);
        let r = record(&theirs, b"their value");
        theirs.put_record(&key, &r).unwrap();
        assert_eq!(theirs.get_record(&key).unwrap(), Some(r));
    }
    let mine = open(&root, &MINE);
    assert_unauthenticated(mine.get_record(&key).unwrap_err(), "get_record");
    let c = mine.integrity_counters();
    assert_eq!((c.failed, c.quarantined), (1, 1), "{c:?}");
    assert!(!root.join("records").join(key.to_hex()).exists());

    // Recomputed under my key, it is mine from then on.
    let r = record(&mine, b"my value");
    mine.put_record(&key, &r).unwrap();
    assert_eq!(mine.get_record_in_place(&key, 1).unwrap().unwrap().0, r);
    drop(mine);
    let theirs = open(&root, &THEIRS);
    assert_unauthenticated(
        theirs.get_record_in_place(&key, 1).unwrap_err(),
        "get_record_in_place",
    );
    // Scrub reports the foreign record too (the journal still knows the key).
    assert!(!theirs.scrub().unwrap().healthy());
}

#[test]
fn a_record_of_format_version_1_is_never_loaded_and_the_store_is_upgraded() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let key = RecordKey([8; 32]);
    let id = {
        let s = open(&root, &MINE);
        s.put_object(b"v").unwrap()
    };
    // A version-1 record, byte for byte as Weir wrote them before records
    // carried a MAC: valid checksum, valid BLAKE3.
    let mut body = key.0.to_vec();
    body.extend_from_slice(&5u64.to_le_bytes());
    body.extend_from_slice(&1u32.to_le_bytes());
    body.extend_from_slice(&id.0);
    body.extend_from_slice(&0u32.to_le_bytes());
    let mut file = vec![0u8; 64];
    file[..8].copy_from_slice(b"WEIR-REC");
    file[8..10].copy_from_slice(&1u16.to_le_bytes());
    file[16..24].copy_from_slice(&(body.len() as u64).to_le_bytes());
    file[24..56].copy_from_slice(&ObjectId::of(&body).0);
    let c = weir_store::format::block_checksum(&file[..56]);
    file[56..64].copy_from_slice(&c.to_le_bytes());
    file.extend_from_slice(&body);
    std::fs::write(root.join("records").join(key.to_hex()), &file).unwrap();
    // And the marker as version 1 wrote it.
    let marker = root.join("WEIR-STORE");
    let mut m = std::fs::read(&marker).unwrap();
    m[8..10].copy_from_slice(&1u16.to_le_bytes());
    m[32..40].fill(0);
    let c = weir_store::format::block_checksum(&m[..56]);
    m[56..64].copy_from_slice(&c.to_le_bytes());
    std::fs::write(&marker, &m).unwrap();

    let s = open(&root, &MINE);
    let m = std::fs::read(&marker).unwrap();
    assert_eq!(u16::from_le_bytes([m[8], m[9]]), 2, "marker upgraded");
    match s.get_record(&key).unwrap_err() {
        StoreError::Corrupt(c) => assert!(c.reason.contains("format version 1"), "{c}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_key_file_is_created_once_private_and_racing_creators_agree() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config/weir/store.key");
    let n = 8;
    let barrier = Arc::new(Barrier::new(n));
    let keys: Vec<StoreKey> = (0..n)
        .map(|_| {
            let (b, p) = (barrier.clone(), path.clone());
            std::thread::spawn(move || {
                b.wait();
                StoreKey::load_or_create(&p).unwrap()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    assert!(keys.iter().all(|k| *k == keys[0]), "one key won the race");
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(meta.len(), 32);
    let dir_mode = std::fs::metadata(path.parent().unwrap()).unwrap();
    assert_eq!(dir_mode.permissions().mode() & 0o777, 0o700);
    assert_eq!(StoreKey::load_or_create(&path).unwrap(), keys[0], "stable");
    assert_ne!(keys[0], MINE);
    // No temporary files are left behind.
    assert_eq!(
        std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
        1
    );
}

#[test]
fn a_key_file_others_can_read_of_the_wrong_size_or_special_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.key");
    let key = StoreKey::load_or_create(&path).unwrap();
    let reason = |p: &Path| match StoreKey::load_or_create(p) {
        Err(StoreError::Key { path, reason }) => {
            assert_eq!(path, p);
            reason
        }
        other => panic!("{other:?}"),
    };

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = reason(&path);
    assert!(
        r.contains("permissions 0644") && r.contains("chmod 600"),
        "{r}"
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(StoreKey::load_or_create(&path).unwrap(), key);

    let mut bytes = std::fs::read(&path).unwrap();
    bytes.pop();
    std::fs::write(&path, &bytes).unwrap();
    let r = reason(&path);
    assert!(r.contains("31 bytes") && r.contains("exactly 32"), "{r}");

    std::fs::remove_file(&path).unwrap();
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    assert!(reason(&path).contains("not a regular file"));
}

/// A store holding an older and a newer record under one key, the older
/// record file put back (a lost rename).
fn stale_record_put_back(root: &Path) -> (RecordKey, Vec<u8>) {
    let key = RecordKey([3; 32]);
    let s = open(root, &MINE);
    let old = record(&s, b"old");
    s.put_record(&key, &old).unwrap();
    let path = root.join("records").join(key.to_hex());
    let old_bytes = std::fs::read(&path).unwrap();
    drop(s);
    // A later session stores the newer value.
    let s = open(root, &MINE);
    let new = record(&s, b"new");
    s.put_record(&key, &new).unwrap();
    drop(s);
    std::fs::write(&path, &old_bytes).unwrap();
    (key, old_bytes)
}

#[test]
fn a_lost_journal_is_detected_and_old_records_are_not_served() {
    for lose in ["delete", "empty", "header only", "garbage"] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("store");
        let (key, _) = stale_record_put_back(&root);
        let journal = root.join("journal");
        match lose {
            "delete" => std::fs::remove_file(&journal).unwrap(),
            "empty" => std::fs::write(&journal, b"").unwrap(),
            "header only" => {
                let b = std::fs::read(&journal).unwrap();
                std::fs::write(&journal, &b[..64]).unwrap();
            }
            _ => std::fs::write(&journal, vec![0xA5; 640]).unwrap(),
        }
        let s = open(&root, &MINE);
        let opened = s.integrity_counters();
        assert!(opened.journal_damage >= 1, "{lose}: {opened:?}");
        let e = s.get_record(&key).unwrap_err();
        assert!(e.is_integrity(), "{lose}: {e}");
        match &e {
            StoreError::JournalLost { found, floor, .. } => {
                assert!(found <= floor, "{lose}: {e}")
            }
            other => panic!("{lose}: {other:?}"),
        }
        assert!(e.to_string().contains("journal was lost"), "{lose}: {e}");
        assert!(s.get_record_in_place(&key, 1).is_err(), "{lose}");
        assert!(!s.scrub().unwrap().healthy(), "{lose}: scrub reports it");

        // Stored again, the record is vouched for, across a reopen too.
        let r = record(&s, b"recomputed");
        s.put_record(&key, &r).unwrap();
        assert_eq!(s.get_record(&key).unwrap(), Some(r.clone()), "{lose}");
        drop(s);
        let s = open(&root, &MINE);
        assert_eq!(s.get_record(&key).unwrap(), Some(r), "{lose}");
        assert_eq!(s.integrity_counters().failed, 0, "{lose}");
    }
}

#[test]
fn a_journal_rolled_back_to_an_older_intact_copy_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let key = RecordKey([4; 32]);
    let path = root.join("records").join(key.to_hex());
    let s = open(&root, &MINE);
    s.put_record(&key, &record(&s, b"old")).unwrap();
    drop(s);
    let old_journal = std::fs::read(root.join("journal")).unwrap();
    let old_record = std::fs::read(&path).unwrap();
    // A later session (a fresh block of generations) stores a newer value.
    let s = open(&root, &MINE);
    s.put_record(&key, &record(&s, b"new")).unwrap();
    drop(s);
    // Both files come back as they were: each intact, consistent with the
    // other, and old.
    std::fs::write(root.join("journal"), &old_journal).unwrap();
    std::fs::write(&path, &old_record).unwrap();
    let s = open(&root, &MINE);
    assert!(
        matches!(s.get_record(&key), Err(StoreError::JournalLost { .. })),
        "the marker says the journal reached further"
    );
}

#[test]
fn an_intact_journal_vouches_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let (key, _) = stale_record_put_back(&root);
    // Journal intact: the old record is a lost write, as always.
    let s = open(&root, &MINE);
    assert!(matches!(
        s.get_record(&key),
        Err(StoreError::LostWrite { .. })
    ));
    let r = record(&s, b"fresh");
    s.put_record(&key, &r).unwrap();
    assert_eq!(s.get_record(&key).unwrap(), Some(r));
}

#[test]
fn a_forged_journal_entry_cannot_overflow_the_generations() {
    use weir_store::format::{JournalEntry, encode_entry};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let key = RecordKey([6; 32]);
    drop(open(&root, &MINE));
    // Checksums are not secret: anyone can append an entry that checks.
    let mut j = std::fs::read(root.join("journal")).unwrap();
    j.extend_from_slice(&encode_entry(&JournalEntry::Reserve { upto: u64::MAX }));
    j.extend_from_slice(&encode_entry(&JournalEntry::Reserve { upto: 3 }));
    std::fs::write(root.join("journal"), &j).unwrap();
    let s = open(&root, &MINE);
    assert!(s.integrity_counters().journal_damage >= 1);
    let r = record(&s, b"v");
    let g = s.put_record(&key, &r).unwrap();
    assert!(g < 1 << 62, "{g}");
    assert_eq!(s.get_record(&key).unwrap(), Some(r));
}
