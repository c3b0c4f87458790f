//! Property tests over the whole pipeline (format parser, analysis, graph,
//! diagnostics, writer): whatever the input, no panic, and what Weir writes
//! it reads back to the same cells.

use proptest::prelude::*;
use weir_project::Project;

const EXAMPLE: &str = include_str!("../../../examples/intro.py");

/// Everything a caller can ask of a loaded project, exercised once.
fn exercise(project: &Project) {
    let _ = project.diagnostics();
    let report = project.graph_report();
    assert_eq!(report.cells.len(), project.cells().len());
    let _ = project.to_mermaid();
    let _ = project.to_dot();
    let written = project.to_source();
    let reread = Project::from_source(&written).expect("Weir reads what it writes");
    let codes = |p: &Project| p.cells().iter().map(|c| c.code.clone()).collect::<Vec<_>>();
    assert_eq!(
        codes(project),
        codes(&reread),
        "cell code changed across save/load"
    );
    assert_eq!(reread.to_source(), written, "saving is not a fixed point");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(project) = Project::from_source(&String::from_utf8_lossy(&bytes)) {
            exercise(&project);
        }
    }

    /// Splices random text into a real notebook: mostly still a notebook,
    /// often with broken cells, which is the interesting case.
    #[test]
    fn mutated_notebooks_never_panic(
        at in 0usize..EXAMPLE.len(),
        cut in 0usize..64,
        insert in "[ -~\t\n]{0,40}",
    ) {
        let at = (0..=at).rev().find(|i| EXAMPLE.is_char_boundary(*i)).unwrap_or(0);
        let end = (at + cut).min(EXAMPLE.len());
        let end = (end..=EXAMPLE.len()).find(|i| EXAMPLE.is_char_boundary(*i)).unwrap_or(EXAMPLE.len());
        let source = format!("{}{}{}", &EXAMPLE[..at], insert, &EXAMPLE[end..]);
        if let Ok(project) = Project::from_source(&source) {
            exercise(&project);
        }
    }

    /// Random single-cell edits keep the project equal to a fresh load of
    /// what it would write.
    #[test]
    fn edits_match_fresh_loads(edits in proptest::collection::vec((0usize..8, "[a-c] = [a-c] \\+ 1|del [a-c]|[a-c] = 1|print\\([a-c]\\)|x = \\("), 1..12)) {
        let mut project = Project::from_source(EXAMPLE).unwrap();
        for (index, code) in edits {
            let index = index % project.cells().len();
            project.edit_cell(index, code);
        }
        let fresh = Project::from_source(&project.to_source()).unwrap();
        prop_assert_eq!(project.graph_report(), fresh.graph_report());
        exercise(&project);
    }
}
