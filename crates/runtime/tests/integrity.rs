//! Integrity hashes made at the source: in an editor session the worker
//! hashes every output bundle and console chunk it sends, the kernel keeps
//! each hash with its data (events, snapshots, the output snapshots in the
//! store), and the rule the worker applies (Python) is the one the runtime
//! and the page apply. `weir exec` sessions carry no hashes. Real workers,
//! real files.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;
use weir_runtime::integrity::{bundle_hash, canonical, text_hash};
use weir_runtime::kernel::{self, Command, KernelConfig, KernelHandle, KernelSnapshot};
use weir_runtime::launch::{NotebookLaunch, StoreLocation};
use weir_runtime::{MimeBundle, StreamName};
use weir_store::StoreKey;

const CELLS: &str = r#"import weir

app = weir.App()


@app.cell
def _():
    print("first")
    print("second é 😀")
    return


@app.cell
def _():
    class Rich:
        def _repr_mimebundle_(self, include=None, exclude=None):
            return {
                "application/json": {"b": [1.0, 2.5, 1e21, 1.5e-7, 2**60], "é": None, "😀": True},
                "text/plain": "rich",
            }
    Rich()
    return


@app.cell
def _():
    import weir as w
    w.output.append(w.md("**made** by `append`"))
    w.output.append({"z": 1, "a": [0.1, -0.0]})
    return


if __name__ == "__main__":
    app.run()
"#;

struct Files {
    _dir: tempfile::TempDir,
    nb: PathBuf,
    store: PathBuf,
}

fn files() -> Files {
    let dir = tempfile::tempdir().unwrap();
    let nb = dir.path().join("nb.py");
    std::fs::write(&nb, CELLS).unwrap();
    let store = dir.path().join("store");
    Files {
        _dir: dir,
        nb,
        store,
    }
}

fn open(f: &Files, hashes: bool) -> KernelHandle {
    let launched = NotebookLaunch::new(&f.nb)
        .python(Some(common::python()))
        .snapshots(StoreLocation {
            dir: Some(f.store.clone()),
            replicas: Vec::new(),
            key: Some(StoreKey::from_bytes([9; 32])),
        })
        .hash_outputs(hashes)
        .start()
        .expect("the session starts");
    kernel::spawn(
        launched.session,
        KernelConfig {
            snapshots: launched.snapshots,
            ..KernelConfig::default()
        },
    )
}

fn run_all(kernel: &KernelHandle) -> KernelSnapshot {
    kernel.send(Command::RunAll).unwrap();
    kernel.wait_idle().unwrap();
    kernel.snapshot()
}

fn hash_of(bundle: &MimeBundle) -> Option<&str> {
    bundle.get("hash")?.as_str()
}

/// Every output and chunk of the view carries a hash the rule confirms;
/// returns them all, in order.
fn checked_hashes(view: &KernelSnapshot) -> Vec<String> {
    let mut all = Vec::new();
    for cell in &view.cells {
        for out in &cell.outputs {
            let hash = hash_of(out).unwrap_or_else(|| panic!("no hash on {out:?}"));
            assert_eq!(hash, bundle_hash(out), "{out:?}");
            all.push(hash.to_owned());
        }
        for chunk in &cell.console {
            let hash = chunk.hash.as_deref().expect("every chunk hashed");
            assert_eq!(hash, text_hash(&chunk.text), "{chunk:?}");
            all.push(hash.to_owned());
        }
    }
    all
}

#[test]
fn an_editor_session_keeps_the_hash_the_worker_made_for_every_output_and_chunk() {
    let f = files();
    let kernel = open(&f, true);
    let (_, sub) = kernel.connect();
    let view = run_all(&kernel);
    // One chunk per worker message: merging would leave the hashes behind.
    let stdout: Vec<&str> = view.cells[0]
        .console
        .iter()
        .filter(|c| c.stream == StreamName::Stdout)
        .map(|c| c.text.as_str())
        .collect();
    assert_eq!(stdout, ["first\n", "second é 😀\n"]);
    assert_eq!(view.cells[1].outputs.len(), 1);
    assert_eq!(view.cells[2].outputs.len(), 2, "both appended");
    let hashes = checked_hashes(&view);
    assert_eq!(hashes.len(), 5);

    // The events carry the same hashes as the snapshot.
    let mut from_events = Vec::new();
    while let Some(kernel::Delivery::Event(event)) =
        sub.recv_timeout(Some(std::time::Duration::ZERO))
    {
        match &event.body {
            kernel::EventBody::Stream { text, hash, .. } => {
                assert_eq!(hash.as_deref(), Some(text_hash(text).as_str()));
            }
            kernel::EventBody::Output {
                output: Some(output),
                ..
            } => assert_eq!(hash_of(output), Some(bundle_hash(output).as_str())),
            kernel::EventBody::Finished { outputs, .. } => {
                from_events.extend(outputs.iter().map(|o| hash_of(o).unwrap().to_owned()))
            }
            _ => {}
        }
    }
    assert_eq!(from_events.len(), 3);

    // A byte changed after the worker hashed it is caught by the hash it
    // kept: the check a page makes before painting.
    let mut flipped = view.cells[1].outputs[0].clone();
    flipped.insert("text/plain".into(), Value::String("ricH".into()));
    assert_ne!(hash_of(&flipped).unwrap(), bundle_hash(&flipped));
    let mut chunk = view.cells[0].console[0].clone();
    chunk.text = "firsT\n".into();
    assert_ne!(chunk.hash.unwrap(), text_hash(&chunk.text));
    kernel.shutdown();
}

#[test]
fn a_reopened_notebook_shows_the_workers_hashes_from_the_store() {
    let f = files();
    let kernel = open(&f, true);
    let first = checked_hashes(&run_all(&kernel));
    kernel.shutdown();

    let kernel = open(&f, true);
    let view = kernel.snapshot();
    assert!(view.cells.iter().all(|c| c.restored_at.is_some()));
    assert_eq!(checked_hashes(&view), first);
    kernel.shutdown();
}

#[test]
fn a_session_that_does_not_ask_carries_no_hashes() {
    let f = files();
    let kernel = open(&f, false);
    let view = run_all(&kernel);
    for cell in &view.cells {
        assert!(cell.outputs.iter().all(|o| !o.contains_key("hash")));
        assert!(cell.console.iter().all(|c| c.hash.is_none()));
    }
    assert_eq!(view.cells[0].console.len(), 1, "merged as before");
    kernel.shutdown();
}

/// Any JSON value: the shapes and numbers a bundle can hold.
fn json_value() -> impl Strategy<Value = Value> {
    let text = prop::collection::vec(any::<char>(), 0..6).prop_map(String::from_iter);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e6..1e6f64).prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(Value::from),
        (0u32..30, -30i32..30).prop_map(|(m, e)| Value::from(m as f64 * 10f64.powi(e))),
        text.clone().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::collection::vec(any::<char>(), 0..4).prop_map(String::from_iter),
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The worker's canonical JSON (python/weir/_integrity.py) of each value,
/// as Python parses it from the JSON Rust writes.
fn python_canonical(values: &[Value]) -> Vec<String> {
    let script = "import json, sys\nfrom weir._integrity import canonical\n\
                  values = json.loads(sys.stdin.read())\n\
                  sys.stdout.write(json.dumps([canonical(v) for v in values]))\n";
    let mut child = Process::new(common::python())
        .arg("-c")
        .arg(script)
        .env("PYTHONPATH", python_path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python starts");
    let input = serde_json::to_vec(values).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        stdin.write_all(&input).unwrap();
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success(), "python failed");
    serde_json::from_slice(&out.stdout).expect("a list of strings")
}

fn python_path() -> &'static Path {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(common::python_dir)
}

#[test]
fn python_writes_the_same_canonical_json_as_rust_for_random_values() {
    let mut runner = TestRunner::new(Config {
        cases: 1,
        ..Config::default()
    });
    let values: Vec<Value> = (0..600)
        .map(|_| json_value().new_tree(&mut runner).unwrap().current())
        .collect();
    let python = python_canonical(&values);
    assert_eq!(python.len(), values.len());
    for (value, from_python) in values.iter().zip(&python) {
        assert_eq!(&canonical(value), from_python, "value: {value}");
    }
}
