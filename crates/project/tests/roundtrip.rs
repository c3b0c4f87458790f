//! Load then save is exact, at the level a user sees it (`weir fmt`, and
//! later the editor's save): signatures recomputed from the analysis, cell
//! code kept byte for byte, for every notebook in the repository's examples
//! and fixtures and every marimo notebook of the conformance corpus.

use std::path::{Path, PathBuf};

use weir_project::Project;

fn notebooks_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            notebooks_under(&path, out);
        } else if path.extension().is_some_and(|e| e == "py") {
            out.push(path);
        }
    }
}

#[test]
fn load_save_is_exact() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut notebooks = Vec::new();
    for dir in [
        "examples",
        "tests/fixtures/notebooks",
        "../shared/conformance/notebooks",
    ] {
        notebooks_under(&root.join(dir), &mut notebooks);
    }
    notebooks.sort();
    assert!(
        notebooks.len() >= 15,
        "found only {} notebooks",
        notebooks.len()
    );
    let mut differing = Vec::new();
    for path in &notebooks {
        let original = std::fs::read_to_string(path).unwrap();
        let project = Project::load(path).unwrap_or_else(|e| panic!("{e}"));
        if project.to_source() != original {
            differing.push(path.display().to_string());
        }
    }
    eprintln!(
        "round trip: {} notebooks, {} differ",
        notebooks.len(),
        differing.len()
    );
    assert!(differing.is_empty(), "load/save changed: {differing:#?}");
}
