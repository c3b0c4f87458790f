//! The public API's contract: round trips, bad input, typed errors.

use std::sync::Arc;

use weir_store::{Record, RecordKey, SimFaults, SimFs, Store, StoreConfig, StoreError};

fn sim_store(fs: &Arc<SimFs>, replicas: bool) -> Result<Store, StoreError> {
    Store::open(StoreConfig {
        root: "/nb/__weir__/store".into(),
        replicas: if replicas {
            vec!["/replica/store".into()]
        } else {
            vec![]
        },
        fs: fs.clone(),
        key: Some(weir_store::StoreKey::from_bytes([1; 32])),
    })
}

#[test]
fn round_trip_on_real_files_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let s = open_test(&root).unwrap();
    let a = s.put_object(b"alpha").unwrap();
    let big = vec![7u8; 3 << 20];
    let b = s.put_object(&big).unwrap();
    assert_eq!(s.put_object(b"alpha").unwrap(), a, "idempotent");
    let key = RecordKey([1; 32]);
    let rec = Record {
        objects: vec![a, b],
        meta: b"t=1".to_vec(),
    };
    let g1 = s.put_record(&key, &rec).unwrap();
    let g2 = s.put_record(&key, &rec).unwrap();
    assert!(g2 > g1);
    drop(s);
    let s = open_test(&root).unwrap();
    assert_eq!(s.get_object(&a).unwrap(), b"alpha");
    assert_eq!(s.get_object(&b).unwrap(), big);
    let got = s.get_record_versioned(&key).unwrap().unwrap();
    assert_eq!((got.generation, got.record), (g2, rec));
    assert!(s.get_record(&RecordKey([2; 32])).unwrap().is_none());
    let g3 = s
        .put_record(&RecordKey([3; 32]), &Record::default())
        .unwrap();
    assert!(g3 > g2, "generations keep rising across reopen");
    let report = s.scrub().unwrap();
    assert!(report.healthy(), "{report:?}");
    assert_eq!(report.counts.failed, 0);
    let stats = s.stats().unwrap();
    assert_eq!((stats.objects, stats.records), (2, 2));
    s.delete_record(&key).unwrap();
    assert!(s.get_record(&key).unwrap().is_none());
    let gc = s.gc(|_| true).unwrap();
    assert_eq!(gc.objects_removed, 2);
    assert!(matches!(
        s.get_object(&a),
        Err(StoreError::ObjectNotFound(_))
    ));
    assert_eq!(s.integrity_counters().failed, 0);
}

#[test]
fn a_directory_with_other_files_is_not_a_store() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hi").unwrap();
    let e = open_test(dir.path()).unwrap_err();
    assert!(matches!(e, StoreError::NotAStore { .. }), "{e}");
    std::fs::write(
        dir.path().join("WEIR-STORE"),
        "something else entirely, long enough to be 64 bytes..............",
    )
    .unwrap();
    let e = open_test(dir.path()).unwrap_err();
    assert!(e.to_string().contains("not a Weir store"), "{e}");
    let f = dir.path().join("notes.txt");
    let e = open_test(&f).unwrap_err();
    assert!(
        matches!(e, StoreError::NotAStore { .. } | StoreError::Io { .. }),
        "{e}"
    );
}

#[test]
fn a_newer_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(open_test(dir.path()).unwrap());
    let m = dir.path().join("WEIR-STORE");
    let mut b = std::fs::read(&m).unwrap();
    b[8] = 9;
    let c = weir_store::format::block_checksum(&b[..56]);
    b[56..].copy_from_slice(&c.to_le_bytes());
    std::fs::write(&m, b).unwrap();
    let e = open_test(dir.path()).unwrap_err();
    assert!(matches!(e, StoreError::NewerFormat { found: 9, .. }), "{e}");
}

#[test]
fn read_only_and_full_disk_are_typed_errors_and_nothing_is_half_written() {
    let fs = Arc::new(SimFs::new(1));
    let s = sim_store(&fs, false).unwrap();
    let a = s.put_object(b"kept").unwrap();
    fs.set_faults(SimFaults {
        read_only: true,
        ..Default::default()
    });
    assert!(matches!(
        s.put_object(b"new"),
        Err(StoreError::ReadOnly { .. })
    ));
    assert_eq!(s.get_object(&a).unwrap(), b"kept", "reads still work");
    drop(s);
    let s = sim_store(&fs, false).expect("a read-only store opens for reading");
    assert_eq!(s.get_object(&a).unwrap(), b"kept");
    fs.set_faults(SimFaults {
        space_limit: Some(4096),
        ..Default::default()
    });
    let e = s.put_object(&[1u8; 10_000]).unwrap_err();
    assert!(matches!(e, StoreError::DiskFull { .. }), "{e}");
    fs.set_faults(SimFaults::default());
    assert!(matches!(
        s.get_object(&weir_store::ObjectId::of(&[1u8; 10_000])),
        Err(StoreError::ObjectNotFound(_))
    ));
    assert!(s.scrub().unwrap().healthy());
}

#[test]
fn records_need_their_objects_and_report_missing_ones() {
    let fs = Arc::new(SimFs::new(2));
    let s = sim_store(&fs, false).unwrap();
    let ghost = weir_store::ObjectId::of(b"never stored");
    let e = s
        .put_record(
            &RecordKey([1; 32]),
            &Record {
                objects: vec![ghost],
                meta: vec![],
            },
        )
        .unwrap_err();
    assert!(matches!(e, StoreError::ObjectNotFound(_)));
    let a = s.put_object(b"a").unwrap();
    s.put_record(
        &RecordKey([1; 32]),
        &Record {
            objects: vec![a],
            meta: vec![],
        },
    )
    .unwrap();
    fs.remove(std::path::Path::new(&format!(
        "/nb/__weir__/store/objects/{a}"
    )))
    .unwrap();
    let e = s.get_record(&RecordKey([1; 32])).unwrap_err();
    assert!(
        matches!(&e, StoreError::RecordIncomplete { missing, .. } if missing == &vec![a]),
        "{e}"
    );
    assert_eq!(s.scrub().unwrap().dangling_records, 1);
}

#[test]
fn a_replica_repairs_and_is_filled_when_added_later() {
    let fs = Arc::new(SimFs::new(3));
    let s = sim_store(&fs, false).unwrap();
    let a = s.put_object(b"a").unwrap();
    s.put_record(
        &RecordKey([5; 32]),
        &Record {
            objects: vec![a],
            meta: vec![1],
        },
    )
    .unwrap();
    drop(s);
    let s = sim_store(&fs, true).unwrap();
    let r = s.scrub().unwrap();
    assert_eq!(r.counts.repaired, 2, "{r:?}");
    fs.write_file(
        std::path::Path::new(&format!("/nb/__weir__/store/objects/{a}")),
        &[b"garbage"],
        true,
    )
    .unwrap();
    assert_eq!(s.get_object(&a).unwrap(), b"a");
    let c = s.integrity_counters();
    assert_eq!((c.quarantined, c.repaired), (1, 3), "{c:?}");
    assert!(s.scrub().unwrap().counts.failed == 0);
}

use weir_store::Fs;

/// A store with a fixed key: tests never touch the user's key file.
fn open_test(root: &std::path::Path) -> Result<weir_store::Store, weir_store::StoreError> {
    weir_store::Store::open(weir_store::StoreConfig {
        key: Some(weir_store::StoreKey::from_bytes([1; 32])),
        ..weir_store::StoreConfig::new(root)
    })
}
