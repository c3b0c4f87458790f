//! Shared helpers for the persistence tests (included with `#[path]`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn python() -> String {
    std::env::var("WEIR_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

pub fn weir(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_weir"));
    cmd.args(args)
        .env("WEIR_PYTHONPATH", repo().join("python"))
        .env_remove("WEIR_STORE")
        .env_remove("WEIR_STORE_REPLICAS")
        // Hermetic: one store key per test process, never the user's.
        .env("WEIR_STORE_KEY_FILE", test_key_file())
        .stdin(Stdio::null());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run weir")
}

/// The store key the tests' `weir` runs use (created by the first run).
pub fn test_key_file() -> PathBuf {
    std::env::temp_dir().join(format!("weir-persist-{}-store.key", std::process::id()))
}

/// The store in `dir` opened in this process with the key the tests'
/// `weir` runs use, so what it writes authenticates for them (and what
/// they wrote for it).
pub fn open_store(dir: &Path) -> weir_store::Store {
    let key = weir_store::StoreKey::load_or_create(&test_key_file()).expect("test key");
    weir_store::Store::open(weir_store::StoreConfig {
        key: Some(key),
        ..weir_store::StoreConfig::new(dir)
    })
    .expect("store opens")
}

/// `weir exec NB --python P EXTRA...`; returns (exit code, stdout, stderr).
pub fn exec(nb: &Path, extra: &[&str]) -> (i32, String, String) {
    exec_env(nb, extra, &[])
}

pub fn exec_env(nb: &Path, extra: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let py = python();
    let mut args = vec!["exec", nb.to_str().unwrap(), "--python", &py];
    args.extend_from_slice(extra);
    let out = weir(&args, envs);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fresh directory for one test.
pub fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("weir-persist-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A notebook of `cells` (code, decorator options) in `dir`.
pub fn notebook(dir: &Path, app_options: &str, cells: &[(&str, &str)]) -> PathBuf {
    let mut src = format!("import weir\n\napp = weir.App({app_options})\n\n");
    for (code, options) in cells {
        if options.is_empty() {
            src.push_str("@app.cell\ndef _():\n");
        } else {
            src.push_str(&format!("@app.cell({options})\ndef _():\n"));
        }
        for line in code.lines() {
            src.push_str(&format!("    {line}\n"));
        }
        src.push_str("    return\n\n\n");
    }
    src.push_str("if __name__ == \"__main__\":\n    app.run()\n");
    let path = dir.join("nb.py");
    std::fs::write(&path, src).unwrap();
    path
}

/// Lines of the side file equal to `what`: how often a cell ran.
pub fn runs(side: &Path, what: &str) -> usize {
    std::fs::read_to_string(side)
        .unwrap_or_default()
        .lines()
        .filter(|l| *l == what)
        .count()
}

/// Every object file of a store copy.
pub fn objects(store: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(store.join("objects"))
        .map(|rd| rd.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

pub fn records(store: &Path) -> usize {
    std::fs::read_dir(store.join("records")).map_or(0, |rd| rd.count())
}

/// Flip one bit of a file, past its header block.
pub fn flip(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let at = bytes.len() - 1;
    bytes[at] ^= 0x01;
    std::fs::write(path, bytes).unwrap();
}
