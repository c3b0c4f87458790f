//! Deep graphs must not overflow the stack: every traversal is iterative.
//! The tests run on a thread with a small stack (256 KiB) so that a recursive
//! DFS over 10,000 cells (≥ 10,000 frames) would certainly overflow it.

use weir_graph::{CellDeps, CellId, Graph};

const N: u32 = 10_000;

fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("test thread panicked");
}

/// Cell i defines x_i and reads x_{i-1}; with `closed`, cell 0 also reads the
/// last cell's name, turning the chain into one 10,000-cell cycle.
fn chain(closed: bool) -> Graph {
    Graph::build((0..N).map(|i| {
        let def = format!("x_{i}");
        let read = if i > 0 {
            Some(format!("x_{}", i - 1))
        } else {
            closed.then(|| format!("x_{}", N - 1))
        };
        (
            CellId(i),
            CellDeps::new([def.as_str()], read.as_deref(), []),
        )
    }))
}

#[test]
fn long_chain_queries_are_iterative() {
    on_small_stack(|| {
        let g = chain(false);
        let all: Vec<CellId> = (0..N).map(CellId).collect();
        assert_eq!(g.edge_count(), N as usize - 1);
        // Reversed request order: the run order must come from the edges.
        let reversed: Vec<CellId> = all.iter().rev().copied().collect();
        assert_eq!(g.run_order(&reversed), all);
        assert_eq!(g.ancestors(&[CellId(N - 1)]), all[..N as usize - 1]);
        assert_eq!(g.descendants(&[CellId(0)]), all[1..]);
        assert_eq!(g.stale(&[CellId(0)]), all);
        assert!(g.cycles().is_empty());
        assert!(g.cells_in_cycles().is_empty());
        // Only the two ends requested: the order still follows the path.
        assert_eq!(
            g.run_order(&[CellId(N - 1), CellId(0)]),
            vec![CellId(0), CellId(N - 1)]
        );
    });
}

#[test]
fn long_cycle_is_found_iteratively() {
    on_small_stack(|| {
        let g = chain(true);
        assert_eq!(g.cells_in_cycles().len(), N as usize);
        let cycles = g.cycles();
        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles[0].len(), N as usize);
        let plan = g.run_plan(g.order());
        assert!(plan.order.is_empty());
        assert_eq!(plan.cyclic.len(), N as usize);
        assert_eq!(g.descendants(&[CellId(0)]).len(), N as usize);
    });
}

#[test]
fn incremental_edits_on_a_long_chain() {
    let mut g = chain(false);
    // Break the chain in the middle, then close it into a cycle, then undo.
    let mid = N / 2;
    let own = format!("x_{mid}");
    g.update(CellId(mid), CellDeps::new([own.as_str()], [], []));
    assert_eq!(g.ancestors(&[CellId(N - 1)]).len(), (N - mid - 1) as usize);
    let last = format!("x_{}", N - 1);
    g.update(
        CellId(mid),
        CellDeps::new([own.as_str()], [last.as_str()], []),
    );
    assert_eq!(g.cells_in_cycles().len(), (N - mid) as usize);
    g.remove(CellId(N - 1));
    assert!(g.cells_in_cycles().is_empty());
    g.move_to(CellId(0), N as usize);
    assert_eq!(g.position(CellId(0)), Some(N as usize - 2));
    // Two roots now: `mid` (position mid - 1) and cell 0 (last position);
    // the earlier one in the notebook goes first, and 0 precedes 1.
    let order = g.run_order(g.order());
    assert_eq!(order[0], CellId(mid));
    let at = |id| order.iter().position(|&x| x == id).unwrap();
    assert!(at(CellId(0)) < at(CellId(1)));
    assert_eq!(order.len(), N as usize - 1);
}
