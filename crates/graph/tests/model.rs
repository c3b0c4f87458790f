//! Property tests: random edit sequences on the incremental graph must agree
//! with `Graph::build` of the same cells, and with naive O(n²)/O(n³)
//! reference computations written here from the definitions.

use std::collections::BTreeSet;

use proptest::prelude::*;
use weir_graph::{CellDeps, CellId, Graph};

/// A small alphabet so that edges, cycles, multi-defs and deletions abound.
const NAMES: &[&str] = &["a", "b", "c", "d", "e", "len"];

#[derive(Clone, Debug)]
enum Op {
    Insert { position: usize, deps: CellDeps },
    Update { index: usize, deps: CellDeps },
    Remove { index: usize },
    Move { index: usize, position: usize },
}

fn name_set() -> impl Strategy<Value = BTreeSet<String>> {
    proptest::sample::subsequence(NAMES, 0..=3)
        .prop_map(|v| v.iter().map(|s| s.to_string()).collect())
}

fn deps() -> impl Strategy<Value = CellDeps> {
    (
        (name_set(), name_set(), name_set()),
        (name_set(), name_set()),
    )
        .prop_map(|((defs, mut reads, deletes), (provides, hidden_defs))| {
            // Deleting a name counts as reading it: the analysis guarantees this.
            reads.extend(deletes.iter().cloned());
            CellDeps {
                defs,
                reads,
                deletes,
                provides,
                hidden_defs,
            }
        })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..20usize, deps()).prop_map(|(position, deps)| Op::Insert { position, deps }),
        3 => (0..20usize, deps()).prop_map(|(index, deps)| Op::Update { index, deps }),
        1 => (0..20usize).prop_map(|index| Op::Remove { index }),
        2 => (0..20usize, 0..20usize).prop_map(|(index, position)| Op::Move { index, position }),
    ]
}

/// The reference model: just the cells in notebook order.
type Model = Vec<(CellId, CellDeps)>;

fn apply(g: &mut Graph, model: &mut Model, next_id: &mut u32, op: &Op) {
    match op.clone() {
        Op::Insert { position, deps } => {
            let id = CellId(*next_id * 7 % 101); // ids unrelated to positions
            *next_id += 1;
            g.insert(id, position, deps.clone());
            model.insert(position.min(model.len()), (id, deps));
        }
        Op::Update { index, deps } if !model.is_empty() => {
            let i = index % model.len();
            g.update(model[i].0, deps.clone());
            model[i].1 = deps;
        }
        Op::Remove { index } if !model.is_empty() => {
            let (id, _) = model.remove(index % model.len());
            g.remove(id);
        }
        Op::Move { index, position } if !model.is_empty() => {
            let i = index % model.len();
            let cell = model.remove(i);
            g.move_to(cell.0, position);
            model.insert(position.min(model.len()), cell);
        }
        _ => {}
    }
}

/// Naive edge matrix straight from the definition.
fn naive_edges(model: &Model) -> Vec<Vec<bool>> {
    let n = model.len();
    let mut e = vec![vec![false; n]; n];
    for (i, (_, a)) in model.iter().enumerate() {
        for (j, (_, b)) in model.iter().enumerate() {
            // A def or a link key feeds its readers; a reader precedes
            // every cell deleting what it reads.
            let meets =
                |x: &BTreeSet<String>, y: &BTreeSet<String>| x.iter().any(|n| y.contains(n));
            e[i][j] = i != j
                && (meets(&a.defs, &b.reads)
                    || meets(&a.provides, &b.reads)
                    || meets(&a.reads, &b.deletes));
        }
    }
    e
}

/// Naive transitive closure (paths of length ≥ 1), Floyd–Warshall style.
fn closure(edges: &[Vec<bool>]) -> Vec<Vec<bool>> {
    let n = edges.len();
    let mut r = edges.to_vec();
    for k in 0..n {
        let via = r[k].clone();
        for row in r.iter_mut() {
            if row[k] {
                for (cell, &v) in row.iter_mut().zip(&via) {
                    *cell |= v;
                }
            }
        }
    }
    r
}

/// Naive run order of the cells at `given` positions: repeatedly emit the
/// earliest non-cyclic given cell whose non-cyclic given ancestors are all
/// emitted.
fn naive_run_order(model: &Model, reach: &[Vec<bool>], given: &BTreeSet<usize>) -> Vec<CellId> {
    let cyclic = |i: usize| reach[i][i];
    let mut pending: Vec<usize> = given.iter().copied().filter(|&i| !cyclic(i)).collect();
    let mut out = Vec::new();
    while !pending.is_empty() {
        let k = pending
            .iter()
            .position(|&x| pending.iter().all(|&y| y == x || !reach[y][x]))
            .expect("acyclic once cyclic cells are removed");
        out.push(model[pending.remove(k)].0);
    }
    out
}

fn check(g: &Graph, model: &Model, probe: usize, subset_mask: u32) {
    g.assert_invariants();
    let built = Graph::build(model.iter().cloned());
    built.assert_invariants();
    let ids: Vec<CellId> = model.iter().map(|c| c.0).collect();
    let at = |v: Vec<usize>| v.into_iter().map(|i| ids[i]).collect::<Vec<_>>();

    // Incremental vs rebuilt.
    assert_eq!(g.order(), built.order());
    assert_eq!(g.order(), &ids[..]);
    for &id in &ids {
        assert_eq!(g.parents(id), built.parents(id), "parents of {id:?}");
        assert_eq!(g.children(id), built.children(id), "children of {id:?}");
        assert_eq!(g.deps(id), built.deps(id));
    }
    assert_eq!(g.edges(), built.edges());
    assert_eq!(g.multiply_defined(), built.multiply_defined());
    assert_eq!(g.cells_in_cycles(), built.cells_in_cycles());
    assert_eq!(g.cycles(), built.cycles());
    assert_eq!(g.deleted_nonlocal(), built.deleted_nonlocal());
    assert_eq!(g.run_order(&ids), built.run_order(&ids));
    assert_eq!(g.errors(), built.errors());

    // Incremental vs naive reference.
    let n = model.len();
    let edges = naive_edges(model);
    let reach = closure(&edges);
    for i in 0..n {
        assert_eq!(
            g.children(ids[i]),
            at((0..n).filter(|&j| edges[i][j]).collect())
        );
        assert_eq!(
            g.parents(ids[i]),
            at((0..n).filter(|&j| edges[j][i]).collect())
        );
    }
    assert_eq!(
        g.edge_count(),
        edges.iter().flatten().filter(|&&e| e).count()
    );
    let in_cycles: BTreeSet<CellId> = (0..n).filter(|&i| reach[i][i]).map(|i| ids[i]).collect();
    assert_eq!(g.cells_in_cycles(), in_cycles);
    for cycle in g.cycles() {
        // Each reported cycle is a simple cycle of real edges.
        let pos = |id: CellId| ids.iter().position(|&x| x == id).unwrap();
        let cells: BTreeSet<CellId> = cycle.iter().map(|e| e.0).collect();
        assert_eq!(cells.len(), cycle.len(), "not simple: {cycle:?}");
        assert_eq!(
            cells,
            cycle.iter().map(|e| e.1).collect(),
            "not closed: {cycle:?}"
        );
        assert!(
            cycle.iter().all(|&(a, b)| edges[pos(a)][pos(b)]),
            "fake edge in {cycle:?}"
        );
        assert!(cycle.windows(2).all(|w| w[0] < w[1]), "unsorted: {cycle:?}");
    }
    let components = in_cycles.iter().map(|&id| {
        let i = ids.iter().position(|&x| x == id).unwrap();
        (0..n)
            .filter(|&j| reach[i][j] && reach[j][i])
            .min()
            .unwrap()
    });
    assert_eq!(g.cycles().len(), components.collect::<BTreeSet<_>>().len());

    let all: BTreeSet<usize> = (0..n).collect();
    assert_eq!(g.run_order(&ids), naive_run_order(model, &reach, &all));
    let subset: BTreeSet<usize> = (0..n)
        .filter(|&i| subset_mask >> (i % 32) & 1 == 1)
        .collect();
    let subset_ids: Vec<CellId> = subset.iter().rev().map(|&i| ids[i]).collect();
    assert_eq!(
        g.run_order(&subset_ids),
        naive_run_order(model, &reach, &subset)
    );
    let plan = g.run_plan(&subset_ids);
    assert_eq!(
        plan.cyclic,
        at(subset.iter().copied().filter(|&i| reach[i][i]).collect())
    );

    if n > 0 {
        let p = probe % n;
        assert_eq!(
            g.descendants(&[ids[p]]),
            at((0..n).filter(|&j| reach[p][j]).collect())
        );
        assert_eq!(
            g.ancestors(&[ids[p]]),
            at((0..n).filter(|&j| reach[j][p]).collect())
        );
        let stale: BTreeSet<usize> = (0..n).filter(|&j| j == p || reach[p][j]).collect();
        assert_eq!(g.stale(&[ids[p]]), naive_run_order(model, &reach, &stale));
    }
    let defines = |d: &CellDeps, name: &str| d.defs.contains(name) || d.hidden_defs.contains(name);
    let defined = |name: &str| at((0..n).filter(|&i| defines(&model[i].1, name)).collect());
    let mut multiply = Vec::new();
    for name in NAMES {
        assert_eq!(g.definers(name), defined(name));
        if defined(name).len() > 1 {
            multiply.push((name.to_string(), defined(name)));
        }
    }
    let got: Vec<(String, Vec<CellId>)> = g
        .multiply_defined()
        .into_iter()
        .map(|m| (m.name, m.cells))
        .collect();
    assert_eq!(got, multiply);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn incremental_matches_rebuild_and_reference(
        ops in proptest::collection::vec((op(), any::<usize>(), any::<u32>()), 1..40)
    ) {
        let mut g = Graph::new();
        let mut model = Model::new();
        let mut next_id = 1;
        for (op, probe, mask) in &ops {
            apply(&mut g, &mut model, &mut next_id, op);
            check(&g, &model, *probe, *mask);
        }
    }
}
