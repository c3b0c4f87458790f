//! Every notebook file we ship or know of reads and writes back byte for
//! byte, both through the original-text path and through the canonical
//! writer (the cells rebuilt from scratch, as if edited).

#[path = "../../../tests/support/skip.rs"]
mod skip;

use std::path::{Path, PathBuf};

use weir_notebook::{Cell, Notebook, Signature, parse, write};

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    out.sort();
    out
}

fn signatures(nb: &Notebook) -> Vec<Signature> {
    nb.cells
        .iter()
        .map(|c| c.signature_in_file.clone().unwrap_or_default())
        .collect()
}

/// The notebook with every trace of its original text removed, so `write`
/// must produce the canonical layout from the content alone.
fn forget_origin(nb: &Notebook) -> Notebook {
    let mut nb = nb.clone();
    nb.origin = None;
    nb.cells = nb
        .cells
        .iter()
        .map(|c| Cell {
            origin: None,
            ..c.clone()
        })
        .collect();
    nb
}

fn check_dir(dir: &Path, canonical: bool) -> usize {
    let mut n = 0;
    for path in files(dir) {
        let src = std::fs::read_to_string(&path).unwrap();
        let nb = parse(&src).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let sigs = signatures(&nb);
        assert_eq!(
            write(&nb, &sigs),
            src,
            "verbatim round trip of {}",
            path.display()
        );
        let again = write(&forget_origin(&nb), &sigs);
        if canonical {
            assert_eq!(again, src, "canonical round trip of {}", path.display());
        }
        // Whatever the layout, the cells survive a canonical rewrite.
        let nb2 = parse(&again).unwrap();
        assert_eq!(nb.cells.len(), nb2.cells.len(), "{}", path.display());
        for (a, b) in nb.cells.iter().zip(&nb2.cells) {
            assert_eq!(a.code, b.code, "{}", path.display());
            assert_eq!(a.name, b.name, "{}", path.display());
        }
        n += 1;
    }
    n
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn conformance_notebooks_round_trip() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/notebooks");
    if !dir.is_dir() {
        skip::skip_or_fail(
            "conformance_notebooks_round_trip",
            &format!("{} not present", dir.display()),
        );
        return;
    }
    assert!(check_dir(&dir, true) >= 8);
}

#[test]
fn examples_round_trip() {
    assert!(check_dir(&root().join("examples"), true) >= 3);
}

#[test]
fn fixtures_round_trip() {
    assert!(check_dir(&root().join("tests/fixtures/notebooks"), true) >= 5);
    let odd = root().join("tests/fixtures/notebooks/hand_edited");
    assert!(check_dir(&odd, false) >= 1);
}

/// Every file, with CRLF or CR line endings, reads to the same notebook as
/// with LF and writes back byte for byte; with mixed endings it is written
/// with its first one throughout.
#[test]
fn any_line_endings_round_trip() {
    use weir_notebook::LineEnding;
    let mut dirs = vec![
        root().join("examples"),
        root().join("tests/fixtures/notebooks"),
        root().join("tests/fixtures/notebooks/hand_edited"),
    ];
    dirs.retain(|d| d.is_dir());
    let mut n = 0;
    for path in dirs.iter().flat_map(|d| files(d)) {
        let lf = std::fs::read_to_string(&path).unwrap();
        let base = parse(&lf).unwrap();
        let sigs = signatures(&base);
        for ending in [LineEnding::CrLf, LineEnding::Cr] {
            let src = lf.replace('\n', ending.as_str());
            let nb = parse(&src).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(nb.line_ending, ending);
            assert_eq!(nb.cells, base.cells, "{} {ending:?}", path.display());
            assert_eq!(nb.warnings, base.warnings, "{}", path.display());
            assert_eq!(write(&nb, &sigs), src, "{} {ending:?}", path.display());
        }
        // Mixed: LF, CR and CRLF in turn (never a CR before an LF, which
        // would be one CRLF line break).
        let mut mixed = String::new();
        for (i, line) in lf.split('\n').enumerate() {
            if i > 0 {
                mixed.push_str(["\n", "\r", "\r\n"][(i - 1) % 3]);
            }
            mixed.push_str(line);
        }
        let nb = parse(&mixed).unwrap();
        assert_eq!(nb.cells, base.cells, "{} mixed", path.display());
        assert_eq!(write(&nb, &sigs), lf, "{} mixed", path.display());
        n += 1;
    }
    assert!(n >= 8);
}
