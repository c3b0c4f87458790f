//! Changes as data: random sequences of changes leave the project equal to a
//! fresh load of its own source, and the stale set each change reports
//! contains every cell whose result could have changed.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use weir_graph::CellId;
use weir_notebook::{Cell, CellOptions};
use weir_project::{Change, ChangeError, Project};

/// Cells over a few shared names: chains, a diamond, a cycle, a name
/// defined twice, a delete of another cell's name, a syntax error, a
/// rebound builtin.
const SNIPPETS: &[&str] = &[
    "a = 1",
    "b = a + 1",
    "c = a + b",
    "d = c * 2",
    "a = d",
    "print(b, d)",
    "del a",
    "b = 5\nx = b",
    "x = (",
    "len = lambda s: 0",
    "n = len([a])",
    "_private = a",
    "mo.sql(\"CREATE TABLE t AS SELECT 1\")",
    "mo.sql(\"SELECT * FROM t\")",
    "mo.sql(\"CREATE TABLE s.t AS SELECT 2\")",
    "mo.sql(\"SELECT * FROM s.t\")",
    "mo.sql(\"ATTACH 'x.db' AS s\")",
];

#[derive(Clone, Debug)]
enum Op {
    SetCode(usize, usize),
    Insert(usize, usize),
    Move(usize, usize),
    Delete(usize),
    ToggleDisabled(usize),
    ToggleHideCode(usize),
    Rename(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let s = 0..SNIPPETS.len();
    prop_oneof![
        3 => (any::<usize>(), s.clone()).prop_map(|(i, k)| Op::SetCode(i, k)),
        2 => (any::<usize>(), s).prop_map(|(i, k)| Op::Insert(i, k)),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Op::Move(i, j)),
        1 => any::<usize>().prop_map(Op::Delete),
        1 => any::<usize>().prop_map(Op::ToggleDisabled),
        1 => any::<usize>().prop_map(Op::ToggleHideCode),
        1 => any::<usize>().prop_map(Op::Rename),
    ]
}

fn to_change(project: &Project, op: &Op) -> Option<Change> {
    let ids = project.cell_ids();
    let pick = |i: usize| (!ids.is_empty()).then(|| ids[i % ids.len()]);
    Some(match *op {
        Op::SetCode(i, k) => Change::SetCode {
            cell: pick(i)?,
            code: SNIPPETS[k].to_string(),
        },
        Op::Insert(at, k) => Change::Insert {
            at: at % (ids.len() + 1),
            cell: Box::new(Cell::code("_", SNIPPETS[k])),
        },
        Op::Move(i, to) => Change::Move {
            cell: pick(i)?,
            to: to % ids.len().max(1),
        },
        Op::Delete(i) => Change::Delete { cell: pick(i)? },
        Op::ToggleDisabled(i) | Op::ToggleHideCode(i) => {
            let cell = pick(i)?;
            let mut options: CellOptions = project.cell_by_id(cell)?.options.clone();
            if matches!(op, Op::ToggleDisabled(_)) {
                options.disabled = !options.disabled;
            } else {
                options.hide_code = !options.hide_code;
            }
            Change::SetOptions { cell, options }
        }
        Op::Rename(i) => Change::Rename {
            cell: pick(i)?,
            name: format!("cell_{i}"),
        },
    })
}

/// Everything a cell's result depends on: its code, whether it is disabled,
/// whether it has a static problem, and the same of all its ancestors.
fn views(project: &Project) -> BTreeMap<CellId, String> {
    let errors = project.graph().errors();
    let mut problem: BTreeSet<CellId> = BTreeSet::new();
    for m in &errors.multiply_defined {
        problem.extend(&m.cells);
    }
    // On a cycle: reachable from itself. (The cycles `errors()` lists are one
    // simple cycle per strongly connected component, which cells of a larger
    // component it names depends on notebook order.)
    for &id in project.cell_ids() {
        if project.graph().ancestors(&[id]).contains(&id) {
            problem.insert(id);
        }
    }
    for d in &errors.deleted_nonlocal {
        problem.insert(d.deleter);
    }
    let own = |id: CellId| {
        let cell = project.cell_by_id(id).unwrap();
        format!(
            "{:?}/{}/{}",
            cell.code,
            cell.options.disabled,
            problem.contains(&id)
        )
    };
    project
        .cell_ids()
        .iter()
        .map(|&id| {
            let mut view = own(id);
            let mut ancestors: Vec<String> = project
                .graph()
                .ancestors(&[id])
                .into_iter()
                .map(|a| format!("{a:?}:{}", own(a)))
                .collect();
            ancestors.sort();
            view.push_str(&ancestors.join("|"));
            (id, view)
        })
        .collect()
}

/// The project as a fresh load of its source would have it, by position.
fn same_as_fresh_load(project: &Project) {
    let fresh = Project::from_source(&project.to_source()).expect("own source loads");
    assert_eq!(fresh.cells().len(), project.cells().len());
    for (i, (a, b)) in project.cells().iter().zip(fresh.cells()).enumerate() {
        assert_eq!(a.code, b.code, "cell {i}");
        assert_eq!(a.name, b.name, "cell {i}");
        assert_eq!(a.options.disabled, b.options.disabled, "cell {i}");
        assert_eq!(a.options.hide_code, b.options.hide_code, "cell {i}");
        assert_eq!(project.analysis(i), fresh.analysis(i), "cell {i}");
    }
    let by_position = |p: &Project| -> BTreeSet<(usize, usize)> {
        p.graph()
            .edges()
            .into_iter()
            .map(|(a, b)| (p.index_of(a).unwrap(), p.index_of(b).unwrap()))
            .collect()
    };
    assert_eq!(by_position(project), by_position(&fresh));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn changes_match_a_fresh_load_and_report_every_affected_cell(
        initial in proptest::collection::vec(0..SNIPPETS.len(), 0..6),
        ops in proptest::collection::vec(op(), 1..25),
    ) {
        let mut project = Project::new(weir_notebook::Notebook::default());
        for k in initial {
            let at = project.cells().len();
            project.apply_change(Change::Insert { at, cell: Box::new(Cell::code("_", SNIPPETS[k])) }).unwrap();
        }
        for op in &ops {
            let Some(change) = to_change(&project, op) else { continue };
            let before = views(&project);
            let applied = project.apply_change(change.clone()).unwrap();
            same_as_fresh_load(&project);
            let after = views(&project);
            let stale: BTreeSet<CellId> = applied.stale.iter().copied().collect();
            prop_assert_eq!(stale.len(), applied.stale.len(), "no duplicates");
            for (id, view) in &after {
                let changed = before.get(id) != Some(view);
                prop_assert!(
                    !changed || stale.contains(id),
                    "{:?} changed but is not stale after {:?}", id, change
                );
            }
            for id in &applied.stale {
                prop_assert!(project.index_of(*id).is_some(), "stale ids are live");
            }
            let order: Vec<usize> = applied.stale.iter().map(|id| project.index_of(*id).unwrap()).collect();
            prop_assert!(order.windows(2).all(|w| w[0] < w[1]), "stale is in notebook order");
        }
    }
}

#[test]
fn ids_survive_edits_moves_and_deletes_of_other_cells() {
    let mut project = Project::from_source(
        "import marimo\napp = marimo.App()\n\n@app.cell\ndef _():\n    a = 1\n    return (a,)\n\n@app.cell\ndef _(a):\n    b = a + 1\n    return (b,)\n\n@app.cell\ndef _(b):\n    print(b)\n    return\n",
    )
    .unwrap();
    let [a, b, p] = [
        project.cell_ids()[0],
        project.cell_ids()[1],
        project.cell_ids()[2],
    ];
    let applied = project
        .apply_change(Change::SetCode {
            cell: a,
            code: "a = 2".into(),
        })
        .unwrap();
    assert_eq!(applied.stale, vec![a, b, p]);
    project
        .apply_change(Change::Move { cell: p, to: 0 })
        .unwrap();
    assert_eq!(project.cell_ids(), &[p, a, b]);
    let applied = project.apply_change(Change::Delete { cell: a }).unwrap();
    assert_eq!(applied.deleted.unwrap().code, "a = 2");
    assert_eq!(applied.stale, vec![p, b], "readers of a and their readers");
    assert_eq!(project.cell_ids(), &[p, b]);
    assert_eq!(project.cell_by_id(b).unwrap().code, "b = a + 1");
    assert_eq!(
        project.apply_change(Change::Delete { cell: a }),
        Err(ChangeError::UnknownCell(a))
    );
    let inserted = project
        .apply_change(Change::Insert {
            at: 2,
            cell: Box::new(Cell::code("_", "a = 3")),
        })
        .unwrap();
    let new_a = inserted.inserted.unwrap();
    assert_ne!(new_a, a, "ids are never reused");
    assert_eq!(inserted.stale, vec![p, b, new_a]);
}

#[test]
fn renames_are_validated_and_make_nothing_stale() {
    let mut project = Project::new(weir_notebook::Notebook::starter());
    let id = project.cell_ids()[0];
    let applied = project
        .apply_change(Change::Rename {
            cell: id,
            name: "load_data".into(),
        })
        .unwrap();
    assert!(applied.stale.is_empty());
    assert_eq!(project.cell_by_id(id).unwrap().name, "load_data");
    for bad in ["", "1x", "with space", "class", "a-b"] {
        assert_eq!(
            project.apply_change(Change::Rename {
                cell: id,
                name: bad.into()
            }),
            Err(ChangeError::InvalidName { name: bad.into() }),
            "{bad:?}"
        );
    }
}
