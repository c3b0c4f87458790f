//! Persistent cells end to end: real Python workers, real store files.
//! Each test's cells append a line to a side file every time they run, so
//! "did not re-run" is counted, not guessed.

#[path = "persist_common.rs"]
mod common;

use common::*;
use std::path::{Path, PathBuf};

/// ancestor (a) → persisted cell (b) → reader.
fn pipeline(dir: &Path, factor: &str, comment: &str) -> PathBuf {
    let side = dir.join("side.txt");
    let side = side.to_str().unwrap();
    notebook(
        dir,
        "",
        &[
            (
                &format!("with open({side:?}, 'a') as _f:\n    _f.write('a\\n')\nbase = 20"),
                "",
            ),
            (
                &format!(
                    "{comment}\nwith open({side:?}, 'a') as _f:\n    _f.write('b\\n')\n\
                     import math\ndata = {{'x': base * {factor}, 's': {{'p', 'q'}}}}\n\
                     print('computed', data['x'])"
                ),
                "persist=True",
            ),
            ("print('reader', data['x'], math.pi > 3)", ""),
        ],
    )
}

#[test]
fn cold_stores_warm_restores_without_running_and_skips_the_ancestor() {
    let d = dir("warm");
    let nb = pipeline(&d, "2", "");
    let side = d.join("side.txt");
    let (code, out, err) = exec(&nb, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("(stored)"), "{out}");
    assert!(out.contains("reader 40 True"), "{out}");
    assert!(d.join("__weir__/store/WEIR-STORE").exists());
    assert_eq!((runs(&side, "a"), runs(&side, "b")), (1, 1));

    let (code, out, err) = exec(&nb, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("restored, verified; saved "), "{out}");
    // Console text comes back with the values.
    assert!(out.contains("computed 40"), "{out}");
    assert!(out.contains("reader 40 True"), "{out}");
    assert!(out.contains("not needed"), "{out}");
    assert!(
        out.contains("store: 1 restored, 0 stored, 1 not needed"),
        "{out}"
    );
    assert!(
        out.contains("integrity: 0 checks failed, 0 repaired"),
        "{out}"
    );
    assert_eq!(
        (runs(&side, "a"), runs(&side, "b")),
        (1, 1),
        "neither the persisted cell nor its ancestor ran again"
    );

    // --json carries the same story.
    let (code, out, _) = exec(&nb, &["--json"]);
    assert_eq!(code, 0);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let cell1 = lines.iter().find(|v| v["index"] == 1).unwrap();
    assert_eq!(cell1["persist"]["action"], "restored", "{cell1}");
    let cell0 = lines.iter().find(|v| v["index"] == 0).unwrap();
    assert_eq!(cell0["reason_kind"], "not_needed", "{cell0}");
    let summary = lines.last().unwrap();
    assert_eq!(summary["persist"]["restored"], 1, "{summary}");
    assert_eq!(summary["persist"]["checks_failed"], 0, "{summary}");
    assert_eq!(runs(&side, "b"), 1);
}

#[test]
fn code_edits_invalidate_the_key_comments_do_not() {
    let d = dir("edits");
    let side = d.join("side.txt");
    let nb = pipeline(&d, "2", "");
    assert_eq!(exec(&nb, &[]).0, 0);
    assert_eq!(runs(&side, "b"), 1);

    pipeline(&d, "2", "# only a comment changed");
    let (code, out, _) = exec(&nb, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("restored, verified"), "{out}");
    assert_eq!(runs(&side, "b"), 1, "a comment does not change the key");

    pipeline(&d, "3", "");
    let (code, out, _) = exec(&nb, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("restored, verified"), "{out}");
    assert!(out.contains("reader 60 True"), "{out}");
    assert_eq!(runs(&side, "b"), 2, "new code, new key: the cell ran");
}

#[test]
fn refresh_recomputes_and_replaces() {
    let d = dir("refresh");
    let side = d.join("side.txt");
    let nb = pipeline(&d, "2", "");
    assert_eq!(exec(&nb, &[]).0, 0);
    let (code, out, _) = exec(&nb, &["--refresh"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("refreshed"), "{out}");
    assert!(out.contains("(stored)"), "{out}");
    assert_eq!(runs(&side, "b"), 2);
    let (code, out, _) = exec(&nb, &["--refresh=1"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(runs(&side, "b"), 3);
    let (code, out, _) = exec(&nb, &["--refresh=nosuchcell"]);
    assert_eq!(code, 2, "{out}");
    let (code, out, _) = exec(&nb, &[]);
    assert_eq!(code, 0);
    assert!(out.contains("restored, verified"), "{out}");
    assert_eq!(runs(&side, "b"), 3);
}

#[test]
fn a_corrupted_entry_is_reported_recomputed_and_stored_again() {
    let d = dir("corrupt");
    let side = d.join("side.txt");
    let nb = pipeline(&d, "2", "");
    let store = d.join("__weir__/store");
    assert_eq!(exec(&nb, &[]).0, 0);
    let objects = objects(&store);
    assert!(!objects.is_empty());
    for o in &objects {
        flip(o);
    }

    let (code, out, err) = exec(&nb, &[]);
    assert_eq!(code, 0, "recovery is not a failure: {out}{err}");
    assert!(
        out.contains("integrity: record"),
        "the failed check is named: {out}"
    );
    assert!(out.contains("recomputed from its lineage"), "{out}");
    assert!(out.contains("reader 40 True"), "the correct value: {out}");
    assert!(out.contains("(stored)"), "{out}");
    let failed = format!("integrity: {} checks failed, 1 repaired", objects.len());
    assert!(out.contains(&failed), "{out}");
    assert_eq!(
        (runs(&side, "a"), runs(&side, "b")),
        (2, 2),
        "the cell and the ancestor it needs ran again"
    );
    assert!(
        std::fs::read_dir(store.join("quarantine")).unwrap().count() >= 1,
        "the bad files were quarantined"
    );

    let (code, out, _) = exec(&nb, &[]);
    assert_eq!(code, 0);
    assert!(out.contains("restored, verified"), "stored again: {out}");
    assert_eq!(runs(&side, "b"), 2);
}

#[test]
fn strict_turns_a_failed_check_into_an_error() {
    let d = dir("strict");
    let nb = pipeline(&d, "2", "");
    let store = d.join("__weir__/store");
    assert_eq!(exec(&nb, &[]).0, 0);
    for o in objects(&store) {
        flip(&o);
    }
    let (code, out, _) = exec(&nb, &["--strict"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error IntegrityError"), "{out}");
    assert!(
        out.contains("ancestor cell 1 (`_`) raised IntegrityError"),
        "{out}"
    );
    assert!(out.contains("checks failed"), "{out}");
}

#[test]
fn unpicklable_values_are_named_and_the_cell_runs_each_time() {
    let d = dir("unpicklable");
    let side = d.join("side.txt");
    let s = side.to_str().unwrap();
    let nb = notebook(
        &d,
        "",
        &[
            (
                &format!(
                    "with open({s:?}, 'a') as _f:\n    _f.write('g\\n')\n\
                     gen = (i for i in range(3))\nsquare = lambda v: v * v\nn = 3"
                ),
                "persist=True",
            ),
            ("print('sum', sum(gen), square(n))", ""),
        ],
    );
    for round in 1..=2 {
        let (code, out, err) = exec(&nb, &[]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains("cannot be pickled"), "{out}");
        assert!(out.contains("`gen`") && out.contains("`square`"), "{out}");
        assert!(out.contains("sum 3 9"), "{out}");
        assert_eq!(runs(&side, "g"), round);
    }
}

#[test]
fn a_store_that_cannot_be_used_is_a_warning_and_the_notebook_runs() {
    let d = dir("badstore");
    let nb = pipeline(&d, "2", "");
    let file = d.join("a-file");
    std::fs::write(&file, "not a store").unwrap();
    let (code, out, err) = exec(&nb, &["--store", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("warning") && err.contains("not a Weir store"),
        "{err}"
    );
    assert!(out.contains("reader 40 True"), "{out}");

    let foreign = d.join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("thesis.txt"), "mine").unwrap();
    let (code, out, err) = exec(&nb, &["--store", foreign.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("not a Weir store"), "{err}");
    assert!(out.contains("reader 40 True"), "{out}");
    assert_eq!(
        std::fs::read_dir(&foreign).unwrap().count(),
        1,
        "left alone"
    );

    let (code, _, err) = exec_env(
        &nb,
        &["--strict"],
        &[("WEIR_STORE", file.to_str().unwrap())],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a Weir store"), "{err}");
}

#[test]
fn app_wide_persist_and_weir_store_env() {
    let d = dir("appwide");
    let side = d.join("side.txt");
    let s = side.to_str().unwrap();
    let store = d.join("elsewhere");
    let nb = notebook(
        &d,
        "persist=True",
        &[
            (
                &format!("with open({s:?}, 'a') as _f:\n    _f.write('x\\n')\nx = [1, 2]"),
                "",
            ),
            ("y = len(x)\nprint('y', y)", ""),
        ],
    );
    let env = [("WEIR_STORE", store.to_str().unwrap())];
    assert_eq!(exec_env(&nb, &[], &env).0, 0);
    let (code, out, _) = exec_env(&nb, &[], &env);
    assert_eq!(code, 0, "{out}");
    // Cell 0's only reader was restored: even its restore is not needed.
    assert!(
        out.contains("store: 1 restored, 0 stored, 1 not needed"),
        "{out}"
    );
    assert_eq!(runs(&side, "x"), 1);
    assert!(store.join("WEIR-STORE").exists());
    assert!(!d.join("__weir__").exists());
}

#[test]
fn a_warm_chain_restores_only_what_is_read_and_recovers_through_restores() {
    let d = dir("chain");
    let side = d.join("side.txt");
    let s = side.to_str().unwrap();
    let w = |tag: &str| format!("with open({s:?}, 'a') as _f:\n    _f.write('{tag}\\n')\n");
    let nb = notebook(
        &d,
        "",
        &[
            (&format!("{}a = 1", w("p1")), "persist=True"),
            (&format!("{}b = a + 1", w("p2")), "persist=True"),
            // The largest object in the store: easy to find on disk.
            (&format!("{}c = str(b) * 20000", w("p3")), "persist=True"),
            ("print('len', len(c), c[:3])", ""),
        ],
    );
    assert_eq!(exec(&nb, &[]).0, 0);
    let (code, out, _) = exec(&nb, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("store: 1 restored, 0 stored, 2 not needed"),
        "{out}"
    );
    assert!(out.contains("len 20000 222"), "{out}");

    // Damage only the third cell's value: it recomputes from a *restored*
    // second cell; the first is still not needed.
    let store = d.join("__weir__/store");
    let largest = objects(&store)
        .into_iter()
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    flip(&largest);
    let (code, out, _) = exec(&nb, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("recomputed from its lineage"), "{out}");
    assert!(
        out.contains("store: 1 restored, 1 stored, 1 not needed"),
        "{out}"
    );
    assert!(out.contains("len 20000 222"), "{out}");
    assert_eq!(
        (runs(&side, "p1"), runs(&side, "p2"), runs(&side, "p3")),
        (1, 1, 2)
    );
}

#[test]
fn a_value_of_a_notebook_class_restores_after_its_class_cell_runs() {
    let d = dir("classes");
    let side = d.join("side.txt");
    let s = side.to_str().unwrap();
    let nb = notebook(
        &d,
        "",
        &[
            (
                "class Thing:\n    def __init__(self, v):\n        self.v = v",
                "",
            ),
            (
                &format!("with open({s:?}, 'a') as _f:\n    _f.write('t\\n')\nt = Thing(5)"),
                "persist=True",
            ),
            ("print('v', t.v, type(t).__name__)", ""),
        ],
    );
    assert_eq!(exec(&nb, &[]).0, 0);
    let (code, out, _) = exec(&nb, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("restored, verified"), "{out}");
    assert!(out.contains("restored after running the cells"), "{out}");
    assert!(out.contains("v 5 Thing"), "{out}");
    assert_eq!(runs(&side, "t"), 1, "restored, not re-run");

    // A function defined in the notebook is not stored at all.
    let nb = notebook(
        &d,
        "",
        &[("def double(v):\n    return 2 * v", "persist=True")],
    );
    let (code, out, _) = exec(&nb, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("`double` cannot be pickled"), "{out}");
}

#[test]
fn a_store_from_a_newer_weir_is_left_alone_with_a_warning() {
    let d = dir("newer");
    let nb = pipeline(&d, "2", "");
    assert_eq!(exec(&nb, &[]).0, 0);
    // Rewrite the marker as a future format version would (intact block,
    // valid checksum, version 99).
    let marker = d.join("__weir__/store/WEIR-STORE");
    let mut b = std::fs::read(&marker).unwrap();
    b[8..10].copy_from_slice(&99u16.to_le_bytes());
    let c = weir_store::format::block_checksum(&b[..56]);
    b[56..64].copy_from_slice(&c.to_le_bytes());
    std::fs::write(&marker, &b).unwrap();
    let (code, out, err) = exec(&nb, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("format version 99 is newer"), "{err}");
    assert!(err.contains("running without persistence"), "{err}");
    assert!(out.contains("reader 40 True"), "{out}");
    assert!(!out.contains("restored, verified"), "{out}");
    assert_eq!(std::fs::read(&marker).unwrap(), b, "not touched");
}

#[test]
fn a_copy_of_a_notebook_beside_it_computes_its_own_results() {
    // Both share `__weir__/store`; the persisted cell reads `__file__`,
    // which neither its code nor the graph shows.
    let d = dir("copy");
    let nb = notebook(
        &d,
        "",
        &[
            (
                "import os\nwhere = os.path.basename(__file__)\nprint('computed in', where)",
                "persist=True",
            ),
            ("print('reads', where)", ""),
        ],
    );
    let copy = d.join("nb_copy.py");
    std::fs::copy(&nb, &copy).unwrap();

    let (code, out, err) = exec(&nb, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("reads nb.py"), "{out}");
    assert!(out.contains("(stored)"), "{out}");

    let (code, out, err) = exec(&copy, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        !out.contains("restored, verified"),
        "the original's result: {out}"
    );
    assert!(out.contains("computed in nb_copy.py"), "{out}");
    assert!(out.contains("reads nb_copy.py"), "{out}");
    assert!(out.contains("(stored)"), "{out}");

    // Each restores its own from then on.
    for (path, name) in [(&nb, "nb.py"), (&copy, "nb_copy.py")] {
        let (code, out, err) = exec(path, &[]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains("restored, verified"), "{out}");
        assert!(out.contains(&format!("reads {name}")), "{out}");
    }
}

/// The only record in a store directory, by its key.
fn only_record(store_dir: &Path) -> weir_store::RecordKey {
    let keys: Vec<String> = std::fs::read_dir(store_dir.join("records"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.len() == 64 && n.bytes().all(|b| b.is_ascii_hexdigit()))
        .collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    weir_store::RecordKey::from_hex(&keys[0]).unwrap()
}

#[test]
fn a_record_naming_more_than_its_cell_defines_is_refused_and_recomputed() {
    let d = dir("forged");
    let side = d.join("side.txt");
    let nb = notebook(
        &d,
        "",
        &[
            (
                &format!("with open({side:?}, 'a') as _f:\n    _f.write('x\\n')\nx = 41"),
                "persist=True",
            ),
            (
                "print('z' in globals(), type(__builtins__).__name__, x + 1)",
                "",
            ),
        ],
    );
    assert_eq!(exec(&nb, &[]).0, 0);
    let store_dir = d.join("__weir__/store");
    // A well-formed record (through the store's own API, so every check
    // passes) that also holds `x`'s value under a name the cell does not
    // define: another cell's, or the module's `__builtins__`.
    for forged in ["z", "__builtins__"] {
        let store = open_store(&store_dir);
        let key = only_record(&store_dir);
        let mut record = store.get_record(&key).unwrap().expect("the entry");
        let mut meta: serde_json::Value = serde_json::from_slice(&record.meta).unwrap();
        let mut extra = meta["values"][0].clone();
        assert_eq!(extra["name"], "x");
        extra["name"] = forged.into();
        meta["values"].as_array_mut().unwrap().push(extra);
        record.meta = serde_json::to_vec(&meta).unwrap();
        store.put_record(&key, &record).unwrap();
        drop(store);

        let (code, out, err) = exec(&nb, &[]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(
            out.contains(&format!("it holds a value for `{forged}`")),
            "the refusal is reported: {out}"
        );
        assert!(out.contains("recomputed from its lineage"), "{out}");
        assert!(!out.contains("restored, verified"), "{out}");
        assert!(
            out.contains("False dict 42"),
            "nothing forged loaded: {out}"
        );
        assert!(out.contains("(stored)"), "stored again: {out}");
    }
    assert_eq!(runs(&side, "x"), 3, "the cell ran each time it was refused");
    let (code, out, _) = exec(&nb, &[]);
    assert_eq!(code, 0);
    assert!(
        out.contains("restored, verified"),
        "the repaired entry: {out}"
    );
}

/// A value whose pickling raises an arbitrary exception while it is being
/// stored: the cell that made it is told, and the next cell runs as usual
/// (not blamed, not broken).
#[test]
fn a_value_whose_pickling_raises_is_named_on_its_own_cell() {
    let d = dir("reduce-raises");
    let nb = notebook(
        &d,
        "",
        &[
            (
                "class Bad:\n    def __reduce__(self):\n        raise RuntimeError('cannot pickle me')\nbad = Bad()",
                "persist=True",
            ),
            ("print('next cell fine')", ""),
        ],
    );
    let (code, out, err) = exec(&nb, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("`bad` cannot be pickled"), "{out}");
    assert!(out.contains("next cell fine"), "{out}");
    assert!(!out.contains("error"), "no cell fails: {out}");
}
