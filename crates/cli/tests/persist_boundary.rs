//! The worker boundary: a buffer damaged after the worker hashed it (a
//! test hook in the worker flips a bit) is refused by the runtime with a
//! typed error naming the cell and the value, and nothing is stored.

#[path = "persist_common.rs"]
mod common;

use common::*;

#[test]
fn a_buffer_corrupted_in_transit_is_refused_and_not_stored() {
    let d = dir("transit");
    let nb = notebook(
        &d,
        "",
        &[
            ("v = list(range(100))", "persist=True"),
            ("print(sum(v))", ""),
        ],
    );
    let store = d.join("__weir__/store");
    let hook = [("WEIR_TEST_CORRUPT_TRANSFER", "1")];
    let (code, out, err) = exec_env(&nb, &[], &hook);
    assert_eq!(code, 0, "the cell itself ran fine: {out}{err}");
    assert!(out.contains("failed its BLAKE2b-256 check"), "{out}");
    assert!(
        out.contains("cell 0 (`_`)") && out.contains("`v`"),
        "names cell and value: {out}"
    );
    assert!(out.contains("4950"), "{out}");
    assert!(out.contains("integrity: 1 checks failed"), "{out}");
    assert_eq!(records(&store), 0, "nothing stored");

    let (code, out, _) = exec_env(&nb, &["--strict", "--json"], &hook);
    assert_eq!(code, 1, "{out}");
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first["error"]["type"], "IntegrityError", "{first}");
    assert_eq!(records(&store), 0);

    // Without the hook the same cell stores and restores.
    assert_eq!(exec(&nb, &[]).0, 0);
    assert_eq!(records(&store), 1);
    let (_, out, _) = exec(&nb, &[]);
    assert!(out.contains("restored, verified"), "{out}");
}
