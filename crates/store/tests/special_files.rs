//! Special files cannot hang the store: a FIFO, a symlink (to /dev/zero)
//! or a huge sparse file in place of an object, a record, the journal or
//! the marker is refused from its type and length before its bytes are
//! read, and handled as damage (quarantined, reported, rebuilt).

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use weir_store::{FileKind, ObjectId, Record, RecordKey, Store, StoreConfig, StoreError, StoreKey};

fn open(root: &Path) -> Result<Store, StoreError> {
    Store::open(StoreConfig {
        key: Some(StoreKey::from_bytes([9; 32])),
        ..StoreConfig::new(root)
    })
}

/// Runs `f` on another thread and fails the test if it does not return
/// within 20 s (today's behaviour: blocked forever on a FIFO, reading
/// /dev/zero until memory runs out).
fn promptly<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("{what}: did not return within 20 s"))
}

#[derive(Clone, Copy, Debug)]
enum Special {
    Fifo,
    SymlinkToDevZero,
    Sparse50G,
}

const ALL: [Special; 3] = [Special::Fifo, Special::SymlinkToDevZero, Special::Sparse50G];

fn replace_with(path: &Path, s: Special) {
    let _ = std::fs::remove_file(path);
    match s {
        Special::Fifo => {
            let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
            // SAFETY: a valid NUL-terminated path.
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        }
        Special::SymlinkToDevZero => std::os::unix::fs::symlink("/dev/zero", path).unwrap(),
        Special::Sparse50G => {
            let f = std::fs::File::create(path).unwrap();
            f.set_len(50 << 30).unwrap();
        }
    }
}

/// A store with one record naming one small and one 2 MiB object.
fn fixture(name: &str) -> (tempfile::TempDir, PathBuf, RecordKey, ObjectId, ObjectId) {
    let dir = tempfile::Builder::new().prefix(name).tempdir().unwrap();
    let root = dir.path().join("store");
    let s = open(&root).unwrap();
    let small = s.put_object(b"small object").unwrap();
    let large = s.put_object(&vec![3u8; 2 << 20]).unwrap();
    let key = RecordKey([5; 32]);
    s.put_record(
        &key,
        &Record {
            objects: vec![small, large],
            meta: b"m".to_vec(),
        },
    )
    .unwrap();
    (dir, root, key, small, large)
}

fn quarantined(root: &Path) -> usize {
    std::fs::read_dir(root.join("quarantine")).unwrap().count()
}

#[test]
fn special_object_files_are_refused_promptly_and_quarantined() {
    for s in ALL {
        for which in ["small", "large"] {
            let (_d, root, key, small, large) = fixture("obj");
            let id = if which == "small" { small } else { large };
            replace_with(&root.join("objects").join(id.to_hex()), s);
            let r = root.clone();
            let got = promptly(&format!("{s:?} {which} object"), move || {
                let st = open(&r).unwrap();
                let direct = st.get_object(&id);
                (direct, st.get_record_in_place(&key, 1 << 20))
            });
            // The first read finds the special file and quarantines it;
            // the record read after it finds the object missing.
            match got.0 {
                Err(StoreError::Corrupt(c)) => {
                    assert_eq!(c.kind, FileKind::Object, "{s:?}");
                    assert!(c.quarantined.is_some(), "{s:?} {which}: {c}");
                }
                other => panic!("{s:?} {which}: {other:?}"),
            }
            match got.1 {
                Err(StoreError::RecordIncomplete { missing, .. }) => {
                    assert_eq!(missing, vec![id], "{s:?} {which}")
                }
                other => panic!("{s:?} {which}: {other:?}"),
            }
            assert_eq!(quarantined(&root), 1, "{s:?} {which}");
        }
    }
}

#[test]
fn special_object_files_are_refused_on_the_in_place_path() {
    for s in ALL {
        let (_d, root, key, _small, large) = fixture("inplace");
        replace_with(&root.join("objects").join(large.to_hex()), s);
        let r = root.clone();
        let got = promptly(&format!("{s:?} in place"), move || {
            open(&r).unwrap().get_record_in_place(&key, 1 << 20)
        });
        match got {
            Err(StoreError::RecordIncomplete { corrupt, .. }) => {
                assert_eq!(corrupt, vec![large], "{s:?}")
            }
            other => panic!("{s:?}: {other:?}"),
        }
        assert_eq!(quarantined(&root), 1, "{s:?}");
    }
}

#[test]
fn special_record_files_are_refused_promptly_and_quarantined() {
    for s in ALL {
        let (_d, root, key, _, _) = fixture("rec");
        replace_with(&root.join("records").join(key.to_hex()), s);
        let r = root.clone();
        let got = promptly(&format!("{s:?} record"), move || {
            open(&r).unwrap().get_record(&key)
        });
        match got {
            Err(StoreError::Corrupt(c)) => {
                assert_eq!(c.kind, FileKind::Record, "{s:?}");
                assert!(c.quarantined.is_some(), "{s:?}: {c}");
            }
            other => panic!("{s:?}: {other:?}"),
        }
        assert_eq!(quarantined(&root), 1, "{s:?}");
    }
}

#[test]
fn a_special_journal_or_marker_is_damage_not_a_hang() {
    for s in ALL {
        for file in ["journal", "WEIR-STORE"] {
            let (_d, root, key, _, _) = fixture("ident");
            replace_with(&root.join(file), s);
            let r = root.clone();
            let (counters, got) = promptly(&format!("{s:?} {file}"), move || {
                let st = open(&r).unwrap();
                (st.integrity_counters(), st.get_record(&key))
            });
            assert!(counters.failed >= 1, "{s:?} {file}: {counters:?}");
            let meta = std::fs::symlink_metadata(root.join(file)).unwrap();
            assert!(meta.file_type().is_file(), "{s:?} {file}: rewritten");
            assert!(meta.len() < 1 << 20, "{s:?} {file}: rewritten");
            assert!(quarantined(&root) >= 1, "{s:?} {file}: kept for inspection");
            if file == "WEIR-STORE" {
                // The journal is intact: the record is served as before.
                assert!(got.unwrap().is_some(), "{s:?} {file}");
            } else {
                // A journal that cannot be read is a lost journal: the
                // record is reported, not served (docs/store.md).
                assert!(
                    matches!(got, Err(StoreError::JournalLost { .. })),
                    "{s:?} {file}: {got:?}"
                );
            }
        }
    }
}
