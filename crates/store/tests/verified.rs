//! `get_record_with_objects` / `get_record_in_place`: a record and its
//! objects verified once, with the guarantees of `get_record` +
//! `get_object` (checks, quarantine, repair from a replica, typed errors).

use std::path::Path;
use std::sync::Arc;

use weir_store::{
    ObjectId, Record, RecordKey, SimFs, Store, StoreConfig, StoreError, VerifiedObject,
};

/// A store with a fixed key: tests never touch the user's key file.
fn open_test(root: &std::path::Path) -> Result<weir_store::Store, weir_store::StoreError> {
    weir_store::Store::open(weir_store::StoreConfig {
        key: Some(weir_store::StoreKey::from_bytes([1; 32])),
        ..weir_store::StoreConfig::new(root)
    })
}

const BIG: usize = 3 << 20;

fn put(s: &Store) -> (RecordKey, Record, Vec<Vec<u8>>) {
    let small = b"result".to_vec();
    let big: Vec<u8> = (0..BIG).map(|i| (i * 7 % 251) as u8).collect();
    let objects = vec![s.put_object(&small).unwrap(), s.put_object(&big).unwrap()];
    let key = RecordKey([9; 32]);
    let rec = Record {
        objects,
        meta: b"m".to_vec(),
    };
    s.put_record(&key, &rec).unwrap();
    (key, rec, vec![small, big])
}

fn object_path(root: &Path, id: &ObjectId) -> std::path::PathBuf {
    root.join("objects").join(id.to_hex())
}

fn flip_middle(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let mid = 64 + (bytes.len() - 64) / 2;
    bytes[mid] ^= 0x10;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn every_object_is_verified_once() {
    let dir = tempfile::tempdir().unwrap();
    let s = open_test(dir.path()).unwrap();
    let (key, rec, bytes) = put(&s);
    let before = s.integrity_counters();
    let (got, objects) = s.get_record_with_objects(&key).unwrap().unwrap();
    assert_eq!((got, objects), (rec.clone(), bytes.clone()));
    let after = s.integrity_counters();
    // One record copy and two objects, each checked once.
    assert_eq!(after.checked - before.checked, 3);
    assert_eq!(after.ok - before.ok, 3);
    assert!(
        s.get_record_with_objects(&RecordKey([1; 32]))
            .unwrap()
            .is_none()
    );
}

#[test]
fn large_objects_are_verified_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let s = open_test(dir.path()).unwrap();
    let (key, rec, bytes) = put(&s);
    let (got, objects) = s.get_record_in_place(&key, 1 << 20).unwrap().unwrap();
    assert_eq!(got, rec);
    assert_eq!(objects[0], VerifiedObject::Bytes(bytes[0].clone()));
    let VerifiedObject::InFile(f) = &objects[1] else {
        panic!("expected in place: {:?}", objects[1]);
    };
    assert_eq!((f.id, f.offset, f.len), (rec.objects[1], 64, BIG as u64));
    let file = std::fs::read(&f.path).unwrap();
    assert_eq!(&file[f.offset as usize..], &bytes[1][..]);
    assert_eq!(s.integrity_counters().failed, 0);
}

#[test]
fn a_corrupt_large_object_is_reported_and_quarantined_never_placed() {
    let dir = tempfile::tempdir().unwrap();
    let s = open_test(dir.path()).unwrap();
    let (key, rec, _) = put(&s);
    let path = object_path(dir.path(), &rec.objects[1]);
    flip_middle(&path);
    match s.get_record_in_place(&key, 1 << 20) {
        Err(StoreError::RecordIncomplete {
            missing, corrupt, ..
        }) => {
            assert!(missing.is_empty());
            assert_eq!(corrupt, vec![rec.objects[1]]);
        }
        other => panic!("expected RecordIncomplete, got {other:?}"),
    }
    assert!(!path.exists(), "quarantined");
    let c = s.integrity_counters();
    assert_eq!((c.failed, c.quarantined, c.unrepairable), (1, 1, 1));
}

#[test]
fn a_bad_primary_is_repaired_from_a_replica_and_returned_as_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (root, mirror) = (dir.path().join("a"), dir.path().join("b"));
    let s = Store::open(StoreConfig {
        root: root.clone(),
        replicas: vec![mirror],
        key: Some(weir_store::StoreKey::from_bytes([1; 32])),
        ..StoreConfig::default()
    })
    .unwrap();
    let (key, rec, bytes) = put(&s);
    let path = object_path(&root, &rec.objects[1]);
    flip_middle(&path);
    let (_, objects) = s.get_record_in_place(&key, 1 << 20).unwrap().unwrap();
    assert_eq!(objects[1], VerifiedObject::Bytes(bytes[1].clone()));
    let c = s.integrity_counters();
    assert_eq!((c.failed, c.repaired, c.unrepairable), (1, 1, 0));
    // Repaired: in place again next time.
    let (_, objects) = s.get_record_in_place(&key, 1 << 20).unwrap().unwrap();
    assert!(matches!(objects[1], VerifiedObject::InFile(_)));
    // A primary copy that is gone: from the replica, and rewritten.
    std::fs::remove_file(&path).unwrap();
    let (_, objects) = s.get_record_in_place(&key, 1 << 20).unwrap().unwrap();
    assert_eq!(objects[1], VerifiedObject::Bytes(bytes[1].clone()));
    assert!(path.exists());
}

#[test]
fn the_simulated_disk_streams_through_read() {
    let fs = Arc::new(SimFs::new(1));
    let s = Store::open(StoreConfig {
        root: "/s".into(),
        replicas: vec![],
        fs: fs.clone(),
        key: Some(weir_store::StoreKey::from_bytes([1; 32])),
    })
    .unwrap();
    let (key, rec, bytes) = put(&s);
    let (got, objects) = s.get_record_in_place(&key, 1).unwrap().unwrap();
    assert_eq!(got, rec);
    for (o, b) in objects.iter().zip(&bytes) {
        let VerifiedObject::InFile(f) = o else {
            panic!("{o:?}")
        };
        assert_eq!(f.len, b.len() as u64);
    }
}

#[test]
fn objects_over_the_subtree_size_hash_in_parallel_to_the_same_id() {
    let dir = tempfile::tempdir().unwrap();
    let s = open_test(dir.path()).unwrap();
    // Not a power of two: uneven subtrees, a partial last chunk.
    for len in [(16 << 20) + 1, (40 << 20) + 12_345] {
        let big: Vec<u8> = (0..len).map(|i: usize| (i % 253) as u8).collect();
        let id = s.put_object(&big).unwrap();
        let key = RecordKey([len as u8; 32]);
        s.put_record(
            &key,
            &Record {
                objects: vec![id],
                meta: vec![],
            },
        )
        .unwrap();
        let (_, objects) = s.get_record_in_place(&key, 1 << 20).unwrap().unwrap();
        assert!(
            matches!(&objects[0], VerifiedObject::InFile(f) if f.len == len as u64),
            "{len}"
        );
        // One flipped byte in the last subtree is caught.
        let path = object_path(dir.path(), &id);
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.len() - 7;
        bytes[at] ^= 1;
        std::fs::write(&path, bytes).unwrap();
        assert!(matches!(
            s.get_record_in_place(&key, 1 << 20),
            Err(StoreError::RecordIncomplete { .. })
        ));
    }
}
