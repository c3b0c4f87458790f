//! Scenario tests for the graph's semantics.

use std::collections::BTreeSet;

use weir_graph::{CellDeps, CellId, DeletedNonlocal, Graph, MultiplyDefined};

fn c(i: u32) -> CellId {
    CellId(i)
}

fn ids(v: &[u32]) -> Vec<CellId> {
    v.iter().map(|&i| CellId(i)).collect()
}

fn deps(defs: &[&str], reads: &[&str]) -> CellDeps {
    CellDeps::new(defs.iter().copied(), reads.iter().copied(), [])
}

/// Builds cells 0..n in order from (defs, reads) pairs.
fn graph(cells: &[(&[&str], &[&str])]) -> Graph {
    let g = Graph::build(
        cells
            .iter()
            .enumerate()
            .map(|(i, (d, r))| (c(i as u32), deps(d, r))),
    );
    g.assert_invariants();
    g
}

#[test]
fn chain() {
    let g = graph(&[(&["a"], &[]), (&["b"], &["a"]), (&["c"], &["b"])]);
    assert_eq!(g.parents(c(1)), ids(&[0]));
    assert_eq!(g.children(c(1)), ids(&[2]));
    assert_eq!(g.ancestors(&[c(2)]), ids(&[0, 1]));
    assert_eq!(g.descendants(&[c(0)]), ids(&[1, 2]));
    assert_eq!(g.edge_count(), 2);
    assert_eq!(g.run_order(&ids(&[2, 1, 0])), ids(&[0, 1, 2]));
    assert!(g.errors().is_empty());
}

#[test]
fn run_order_follows_edges_not_notebook_order() {
    // Reader placed before its definer in the notebook.
    let g = graph(&[(&["y"], &["x"]), (&["x"], &[])]);
    assert_eq!(g.run_order(&ids(&[0, 1])), ids(&[1, 0]));
    assert_eq!(g.stale(&[c(1)]), ids(&[1, 0]));
}

#[test]
fn diamond() {
    //   0
    //  / \
    // 1   2
    //  \ /
    //   3
    let g = graph(&[
        (&["a"], &[]),
        (&["b"], &["a"]),
        (&["c"], &["a"]),
        (&[], &["b", "c"]),
    ]);
    assert_eq!(g.children(c(0)), ids(&[1, 2]));
    assert_eq!(g.parents(c(3)), ids(&[1, 2]));
    assert_eq!(g.descendants(&[c(0)]), ids(&[1, 2, 3]));
    assert_eq!(g.ancestors(&[c(3)]), ids(&[0, 1, 2]));
    assert_eq!(g.stale(&[c(0)]), ids(&[0, 1, 2, 3]));
    assert_eq!(g.stale(&[c(2)]), ids(&[2, 3]));
    assert!(g.cycles().is_empty());
}

#[test]
fn two_cell_cycle_matches_marimo_fixture() {
    let g = graph(&[(&["x"], &["y"]), (&["y"], &["x"])]);
    assert_eq!(g.cycles(), vec![vec![(c(0), c(1)), (c(1), c(0))]]);
    assert_eq!(g.cells_in_cycles(), BTreeSet::from([c(0), c(1)]));
    // Cells reach themselves through the cycle.
    assert_eq!(g.descendants(&[c(0)]), ids(&[0, 1]));
    assert_eq!(g.ancestors(&[c(1)]), ids(&[0, 1]));
    let plan = g.run_plan(&ids(&[0, 1]));
    assert!(plan.order.is_empty());
    assert_eq!(plan.cyclic, ids(&[0, 1]));
    assert_eq!(g.errors().cycles.len(), 1);
}

#[test]
fn bigger_cycle_reports_one_simple_cycle_per_component() {
    // 0 → 1 → 2 → 0, plus a chord 2 → 1 (so the SCC has two simple cycles),
    // plus a separate 2-cycle 4 ↔ 5, plus 3 downstream of the first cycle.
    let g = graph(&[
        (&["a"], &["c"]),
        (&["b"], &["a", "c2"]),
        (&["c", "c2"], &["b"]),
        (&["d"], &["c"]),
        (&["e"], &["f"]),
        (&["f"], &["e"]),
    ]);
    assert_eq!(
        g.cells_in_cycles(),
        BTreeSet::from([c(0), c(1), c(2), c(4), c(5)])
    );
    // Shortest cycle through cell 0 (the earliest of its component).
    assert_eq!(
        g.cycles(),
        vec![
            vec![(c(0), c(1)), (c(1), c(2)), (c(2), c(0))],
            vec![(c(4), c(5)), (c(5), c(4))],
        ]
    );
    // Descendants of cycles still get ordered (after the cycle), cycles don't.
    let plan = g.run_plan(g.order());
    assert_eq!(plan.order, ids(&[3]));
    assert_eq!(plan.cyclic, ids(&[0, 1, 2, 4, 5]));
}

#[test]
fn cycle_broken_by_update() {
    let mut g = graph(&[(&["x"], &["y"]), (&["y"], &["x"])]);
    assert_eq!(g.cycles().len(), 1);
    g.update(c(1), deps(&["y"], &[]));
    g.assert_invariants();
    assert!(g.cycles().is_empty());
    assert!(g.cells_in_cycles().is_empty());
    assert_eq!(g.run_order(g.order()), ids(&[1, 0]));
}

#[test]
fn multiply_defined() {
    let g = graph(&[
        (&["x", "z"], &[]),
        (&["y"], &[]),
        (&["x"], &[]),
        (&["z"], &["y"]),
        (&[], &["x"]),
    ]);
    assert_eq!(
        g.multiply_defined(),
        vec![
            MultiplyDefined {
                name: "x".into(),
                cells: ids(&[0, 2])
            },
            MultiplyDefined {
                name: "z".into(),
                cells: ids(&[0, 3])
            },
        ]
    );
    assert_eq!(g.definers("x"), ids(&[0, 2]));
    assert_eq!(g.definers("nope"), ids(&[]));
    // Both definers are parents of the reader.
    assert_eq!(g.parents(c(4)), ids(&[0, 2]));
}

#[test]
fn multiply_defined_clears_on_removal() {
    let mut g = graph(&[(&["x"], &[]), (&["x"], &[])]);
    assert_eq!(g.multiply_defined().len(), 1);
    g.remove(c(0));
    g.assert_invariants();
    assert!(g.multiply_defined().is_empty());
    assert_eq!(g.definers("x"), ids(&[1]));
}

#[test]
fn deleted_nonlocal() {
    let mut g = Graph::new();
    g.insert(c(0), 0, deps(&["x"], &[]));
    // Cell 1 deletes x (and so reads it).
    g.insert(c(1), 1, CellDeps::new([], ["x"], ["x"]));
    // Cell 2 defines and deletes its own y: fine.
    g.insert(c(2), 2, CellDeps::new(["y"], ["y"], ["y"]));
    g.assert_invariants();
    assert_eq!(
        g.deleted_nonlocal(),
        vec![DeletedNonlocal {
            name: "x".into(),
            deleter: c(1),
            definers: ids(&[0])
        }]
    );
    assert_eq!(g.parents(c(1)), ids(&[0]));
    assert_eq!(g.errors().deleted_nonlocal.len(), 1);
    // Another cell defining y makes cell 2's deletion nonlocal.
    g.insert(c(3), 0, deps(&["y"], &[]));
    let errs = g.deleted_nonlocal();
    assert_eq!(errs.len(), 2);
    assert_eq!(
        errs[1],
        DeletedNonlocal {
            name: "y".into(),
            deleter: c(2),
            definers: ids(&[3])
        }
    );
}

#[test]
fn self_reference_is_not_an_edge() {
    // `x = x + 1` style: the cell reads and defines x.
    let g = graph(&[(&["x"], &["x"]), (&[], &["x"])]);
    assert_eq!(g.parents(c(0)), ids(&[]));
    assert_eq!(g.children(c(0)), ids(&[1]));
    assert!(g.cycles().is_empty());
    assert_eq!(g.descendants(&[c(0)]), ids(&[1]));
    assert_eq!(g.edge_count(), 1);
}

#[test]
fn builtin_shadowing() {
    // Reads of builtins appear in `reads`; a cell rebinding `len` is their parent.
    let mut g = graph(&[(&[], &["len", "print"]), (&["len"], &[])]);
    assert_eq!(g.parents(c(0)), ids(&[1]));
    assert_eq!(g.run_order(g.order()), ids(&[1, 0]));
    g.update(c(1), deps(&["my_len"], &[]));
    g.assert_invariants();
    assert_eq!(g.parents(c(0)), ids(&[]));
}

#[test]
fn run_order_tie_breaks_by_notebook_position() {
    // Independent cells run in notebook order; 0 → 3 and 2 → 1.
    let g = graph(&[
        (&["a"], &[]),
        (&[], &["b"]),
        (&["b"], &[]),
        (&[], &["a"]),
        (&[], &[]),
    ]);
    assert_eq!(g.run_order(g.order()), ids(&[0, 2, 1, 3, 4]));
    // Cell 3 is ready right after 0, but 1 (position 1) waits for 2.
    assert_eq!(g.run_order(&ids(&[4, 3, 2, 1, 0])), ids(&[0, 2, 1, 3, 4]));
    // Among ready cells the earliest goes first even when a later one was
    // ready first: after 0 both 3 and (after 2) 1 are ready, 1 wins.
    let g = graph(&[
        (&["a"], &[]),
        (&["c"], &["b"]),
        (&["b"], &["a"]),
        (&[], &["a"]),
    ]);
    assert_eq!(g.run_order(g.order()), ids(&[0, 2, 1, 3]));
}

#[test]
fn run_order_respects_paths_through_cells_not_given() {
    // 0 → 2 → 1 in edges; notebook order 0, 1, 2; only 0 and 1 requested.
    let g = graph(&[(&["a"], &[]), (&[], &["m"]), (&["m"], &["a"])]);
    assert_eq!(g.run_order(&ids(&[1, 0])), ids(&[0, 1]));
    // Even when the path goes through a cycle.
    let g = graph(&[
        (&[], &["p"]),
        (&["a"], &[]),
        (&["p", "q"], &["a", "r"]),
        (&["r"], &["q"]),
    ]);
    let plan = g.run_plan(&ids(&[0, 1]));
    assert_eq!(plan.order, ids(&[1, 0]));
    assert!(plan.cyclic.is_empty());
}

#[test]
fn stale_sets() {
    //     0(a) → 1(b) → 3
    //         ↘ 2(c)
    //  4 independent
    let g = graph(&[
        (&["a"], &[]),
        (&["b"], &["a"]),
        (&["c"], &["a"]),
        (&[], &["b"]),
        (&[], &[]),
    ]);
    assert_eq!(g.stale(&[c(1)]), ids(&[1, 3]));
    assert_eq!(g.stale(&[c(0)]), ids(&[0, 1, 2, 3]));
    assert_eq!(g.stale(&[c(4), c(2)]), ids(&[2, 4]));
    assert_eq!(g.stale(&[]), ids(&[]));
    assert_eq!(g.stale(&[c(99)]), ids(&[]));
    // Stale with a cycle downstream: the cycle is reported, its downstream kept.
    let g = graph(&[
        (&["a"], &[]),
        (&["x"], &["a", "y"]),
        (&["y"], &["x"]),
        (&[], &["y"]),
    ]);
    let plan = g.stale_plan(&[c(0)]);
    assert_eq!(plan.order, ids(&[0, 3]));
    assert_eq!(plan.cyclic, ids(&[1, 2]));
}

#[test]
fn moves_change_order_not_edges() {
    let mut g = graph(&[(&["a"], &[]), (&[], &[]), (&[], &["a"]), (&[], &[])]);
    let edges = g.edges();
    g.move_to(c(0), 3);
    g.assert_invariants();
    assert_eq!(g.order(), &ids(&[1, 2, 3, 0])[..]);
    assert_eq!(g.position(c(0)), Some(3));
    assert_eq!(g.position(c(2)), Some(1));
    assert_eq!(g.edges(), edges);
    // Run order still respects the edge, tie-breaks use the new positions.
    assert_eq!(g.run_order(g.order()), ids(&[1, 3, 0, 2]));
    g.move_to(c(0), 0);
    g.move_to(c(3), 100); // clamped to the last index
    g.assert_invariants();
    assert_eq!(g.order(), &ids(&[0, 1, 2, 3])[..]);
    g.move_to(c(2), 1);
    assert_eq!(g.order(), &ids(&[0, 2, 1, 3])[..]);
    assert_eq!(g.children(c(0)), ids(&[2]));
    g.assert_invariants();
}

#[test]
fn insert_positions_and_reinsert() {
    let mut g = Graph::new();
    g.insert(c(10), 0, deps(&["a"], &[]));
    g.insert(c(11), 99, deps(&[], &["a"])); // clamped to the end
    g.insert(c(12), 0, deps(&[], &[]));
    g.insert(c(13), 1, deps(&[], &[]));
    assert_eq!(g.order(), &ids(&[12, 13, 10, 11])[..]);
    // Re-inserting an existing id updates and moves it.
    g.insert(c(10), 3, deps(&["b"], &[]));
    g.assert_invariants();
    assert_eq!(g.order(), &ids(&[12, 13, 11, 10])[..]);
    assert_eq!(g.parents(c(11)), ids(&[]));
    assert_eq!(g.deps(c(10)), Some(&deps(&["b"], &[])));
    assert_eq!(g.len(), 4);
}

#[test]
fn edge_survives_while_any_shared_name_remains() {
    let mut g = graph(&[(&["a", "b"], &[]), (&[], &["a", "b"])]);
    assert_eq!(g.edge_count(), 1);
    g.update(c(0), deps(&["a"], &[]));
    g.assert_invariants();
    assert_eq!(g.children(c(0)), ids(&[1]));
    g.update(c(1), deps(&[], &["b"]));
    g.assert_invariants();
    assert_eq!(g.children(c(0)), ids(&[]));
    assert_eq!(g.edge_count(), 0);
}

#[test]
fn remove_drops_edges_and_reuses_slots() {
    let mut g = graph(&[(&["a"], &[]), (&["b"], &["a"]), (&[], &["b"])]);
    g.remove(c(1));
    g.assert_invariants();
    assert_eq!(g.children(c(0)), ids(&[]));
    assert_eq!(g.parents(c(2)), ids(&[]));
    assert_eq!(g.position(c(2)), Some(1));
    assert_eq!(g.position(c(1)), None);
    assert_eq!(g.deps(c(1)), None);
    // A new cell takes the freed slot; ids stay distinct.
    g.insert(c(7), 1, deps(&["b"], &["a"]));
    g.assert_invariants();
    assert_eq!(g.parents(c(2)), ids(&[7]));
    assert_eq!(g.descendants(&[c(0)]), ids(&[7, 2]));
    // Unknown ids are no-ops.
    g.remove(c(1));
    g.update(c(1), deps(&["z"], &[]));
    g.move_to(c(1), 0);
    g.assert_invariants();
    assert_eq!(g.len(), 3);
}

#[test]
fn ancestors_descendants_of_several_cells() {
    // 0 → 1 → 2
    let g = graph(&[(&["a"], &[]), (&["b"], &["a"]), (&[], &["b"])]);
    // A given cell reachable from another given cell is included.
    assert_eq!(g.descendants(&[c(0), c(1)]), ids(&[1, 2]));
    assert_eq!(g.descendants(&[c(2)]), ids(&[]));
    assert_eq!(g.ancestors(&[c(1), c(2)]), ids(&[0, 1]));
}

#[test]
fn graph_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Graph>();
}
