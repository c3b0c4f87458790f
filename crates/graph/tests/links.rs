//! Edges that do not come from a def meeting a read: a deleter runs after
//! every reader of the name it deletes (marimo's `del` rule), link keys
//! (`provides`) and definitions nobody reads by name (`hidden_defs`).

use std::collections::BTreeSet;

use weir_graph::{CellDeps, CellId, DeletedNonlocal, Graph, MultiplyDefined};

fn c(i: u32) -> CellId {
    CellId(i)
}

fn ids(v: &[u32]) -> Vec<CellId> {
    v.iter().map(|&i| CellId(i)).collect()
}

fn build(cells: Vec<CellDeps>) -> Graph {
    let g = Graph::build(cells.into_iter().enumerate().map(|(i, d)| (c(i as u32), d)));
    g.assert_invariants();
    g
}

/// `del x` in a cell: the analysis reports `x` as read and deleted.
fn del(name: &str) -> CellDeps {
    CellDeps::new([], [name], [name])
}

#[test]
fn deleter_is_a_child_of_every_reader() {
    // marimo's "variable del" case: x = 0 | y = x | del x.
    let g = build(vec![
        CellDeps::new(["x"], [], []),
        CellDeps::new(["y"], ["x"], []),
        del("x"),
    ]);
    assert_eq!(g.parents(c(2)), ids(&[0, 1]));
    assert_eq!(g.children(c(1)), ids(&[2]));
    assert_eq!(g.edges(), vec![(c(0), c(1)), (c(0), c(2)), (c(1), c(2))]);
}

#[test]
fn deleter_earlier_in_the_file_runs_after_the_reader() {
    // The name comes from outside the notebook (no cell defines it).
    let g = build(vec![del("shared"), CellDeps::new(["seen"], ["shared"], [])]);
    assert_eq!(g.parents(c(0)), ids(&[1]));
    assert_eq!(g.run_order(&ids(&[0, 1])), ids(&[1, 0]));
    assert_eq!(g.stale(&[c(1)]), ids(&[1, 0]));
    assert!(g.errors().is_empty());
}

#[test]
fn two_deleters_of_one_name_form_a_cycle() {
    // Each deleter also reads the name, so each must run after the other.
    let g = build(vec![del("x"), del("x"), CellDeps::new([], ["x"], [])]);
    assert_eq!(g.cells_in_cycles(), BTreeSet::from([c(0), c(1)]));
    assert_eq!(g.cycles(), vec![vec![(c(0), c(1)), (c(1), c(0))]]);
    let plan = g.run_plan(&ids(&[0, 1, 2]));
    assert_eq!(plan.order, ids(&[2]));
    assert_eq!(plan.cyclic, ids(&[0, 1]));
}

#[test]
fn a_deleter_that_others_read_from_can_close_a_cycle() {
    // Cell 0 deletes x and defines y; cell 1 reads x and y.
    let g = build(vec![
        CellDeps::new(["y"], ["x"], ["x"]),
        CellDeps::new([], ["x", "y"], []),
    ]);
    assert_eq!(g.cycles(), vec![vec![(c(0), c(1)), (c(1), c(0))]]);
}

#[test]
fn delete_edges_follow_edits() {
    let mut g = build(vec![del("x"), CellDeps::new([], ["x"], [])]);
    assert_eq!(g.children(c(1)), ids(&[0]));
    // The reader stops reading x: the edge goes.
    g.update(c(1), CellDeps::new([], ["z"], []));
    g.assert_invariants();
    assert_eq!(g.edge_count(), 0);
    // The deleter now deletes z instead: an edge again, from the reader.
    g.update(c(0), del("z"));
    g.assert_invariants();
    assert_eq!(g.edges(), vec![(c(1), c(0))]);
    // A second connecting name keeps the edge when the first goes.
    g.update(c(0), CellDeps::new([], ["w", "z"], ["w", "z"]));
    g.update(c(1), CellDeps::new([], ["w", "z"], []));
    g.update(c(1), CellDeps::new([], ["w"], []));
    g.assert_invariants();
    assert_eq!(g.edges(), vec![(c(1), c(0))]);
    g.remove(c(1));
    g.assert_invariants();
    assert_eq!(g.edge_count(), 0);
}

#[test]
fn provided_keys_link_readers_without_defining() {
    let mut g = build(vec![
        CellDeps::default().with_provides(["k"]),
        CellDeps::default().with_provides(["k"]),
        CellDeps::new([], ["k"], []),
    ]);
    assert_eq!(g.parents(c(2)), ids(&[0, 1]));
    assert!(g.multiply_defined().is_empty());
    assert!(g.definers("k").is_empty());
    assert!(g.defined_names().is_empty());
    g.update(c(0), CellDeps::default());
    g.assert_invariants();
    assert_eq!(g.parents(c(2)), ids(&[1]));
}

#[test]
fn hidden_defs_are_definitions_without_edges() {
    let mut g = build(vec![
        CellDeps::default().with_hidden_defs(["t"]),
        CellDeps::new([], ["t"], []),
    ]);
    assert_eq!(g.edge_count(), 0);
    assert_eq!(g.definers("t"), ids(&[0]));
    // A visible def of the same name elsewhere: multiply defined.
    g.insert(c(2), 2, CellDeps::new(["t"], [], []));
    g.assert_invariants();
    assert_eq!(
        g.multiply_defined(),
        vec![MultiplyDefined {
            name: "t".into(),
            cells: ids(&[0, 2])
        }]
    );
    assert_eq!(g.parents(c(1)), ids(&[2]));
    // Deleting it is deleting another cell's name.
    g.insert(c(3), 3, del("t"));
    g.assert_invariants();
    assert_eq!(
        g.deleted_nonlocal(),
        vec![DeletedNonlocal {
            name: "t".into(),
            deleter: c(3),
            definers: ids(&[0, 2])
        }]
    );
    g.remove(c(2));
    g.assert_invariants();
    assert!(g.multiply_defined().is_empty());
    // A name both visible and hidden in one cell is one visible def.
    g.update(c(0), CellDeps::new(["t"], [], []).with_hidden_defs(["t"]));
    g.assert_invariants();
    assert_eq!(g.parents(c(1)), ids(&[0]));
    assert!(g.multiply_defined().is_empty());
}
