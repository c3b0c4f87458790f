//! A store on a full disk or a read-only file system: a clear warning, and
//! the notebook still runs (without persistence). Real file systems: small
//! tmpfs mounts, which needs root; CI runs as root, so there a failed mount
//! fails the test, elsewhere it is skipped with a notice.

#[path = "persist_common.rs"]
mod common;
#[path = "../../../tests/support/skip.rs"]
mod skip;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A mounted tmpfs of `size`, unmounted on drop.
struct SmallFs(PathBuf);

impl SmallFs {
    fn mount(name: &str, size: &str) -> Option<SmallFs> {
        let at = dir(name).join("fs");
        std::fs::create_dir_all(&at).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&at)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            skip::skip_or_fail(name, "cannot mount a tmpfs here (needs root)");
            return None;
        }
        Some(SmallFs(at))
    }

    fn remount_read_only(&self) {
        let status = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn big_value_notebook(d: &Path) -> PathBuf {
    notebook(
        d,
        "",
        &[
            ("big = bytes(1024 * 1024)\nsmall = 42", "persist=True"),
            ("print('reader', len(big), small)", ""),
        ],
    )
}

#[test]
fn full_disk_is_a_warning_and_the_notebook_runs() {
    let d = dir("diskfull");
    let Some(fs) = SmallFs::mount("diskfull-fs", "256k") else {
        return;
    };
    let nb = big_value_notebook(&d);
    let store = fs.0.join("store");
    let (code, out, err) = exec(&nb, &["--store", store.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("reader 1048576 42"), "{out}");
    assert!(err.contains("disk full"), "{err}");
    // Nothing half-written is left to be served later.
    assert_eq!(records(&store), 0);
}

#[test]
fn read_only_store_is_a_warning_and_the_notebook_runs() {
    let d = dir("readonly");
    let Some(fs) = SmallFs::mount("readonly-fs", "4m") else {
        return;
    };
    let nb = big_value_notebook(&d);
    let store = fs.0.join("store");
    // A store made while writable, then the file system goes read-only.
    let (code, out, err) = exec(&nb, &["--store", store.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(records(&store), 1);
    fs.remount_read_only();
    let (code, out, err) = exec(&nb, &["--store", store.to_str().unwrap(), "--refresh"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("reader 1048576 42"), "{out}");
    assert!(err.contains("read-only"), "{err}");
    // Reading still works: the next run restores what was stored.
    let (code, out, err) = exec(&nb, &["--store", store.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("restored, verified"), "{out}");

    // A store that cannot even be created is a warning too.
    let missing = fs.0.join("never-made");
    let (code, out, err) = exec(&nb, &["--store", missing.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("running without persistence"), "{err}");
    assert!(out.contains("reader 1048576 42"), "{out}");
}
