//! The one way a test says it cannot run here.
//!
//! A test that needs something the machine may lack (root for a tmpfs
//! mount, a Python with matplotlib, an old CPython, a browser) calls
//! [`skip_or_fail`] instead of returning early. Under CI (`CI` set and not
//! `false`/`0`) that is a failure with the reason: CI installs everything, so a
//! missing prerequisite is a broken CI, never a silent pass. Elsewhere the
//! test is skipped, and the skip is appended to the file named by
//! `WEIR_SKIP_LOG` so `scripts/test.sh` can list every skip in its summary.
//!
//! Included with `#[path = "../../../tests/support/skip.rs"] mod skip;`.

#![allow(dead_code)]

use std::io::Write;

/// True when running under CI, where nothing may be skipped.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Fails under CI; elsewhere records the skip and returns, so the caller
/// can `return` from the test.
pub fn skip_or_fail(test: &str, reason: &str) {
    assert!(!in_ci(), "{test}: cannot run in CI: {reason}");
    eprintln!("skipped: {test}: {reason}");
    if let Some(log) = std::env::var_os("WEIR_SKIP_LOG") {
        let line = format!("{test}: {reason}\n");
        // One write of one short line to an O_APPEND file: lines from
        // parallel tests do not interleave.
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .and_then(|mut f| f.write_all(line.as_bytes()));
        if let Err(e) = appended {
            eprintln!(
                "could not record the skip in {}: {e}",
                log.to_string_lossy()
            );
        }
    }
}
