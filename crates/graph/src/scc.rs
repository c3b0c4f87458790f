//! Strongly connected components (iterative Tarjan) and cycle reporting.
//!
//! Tarjan's algorithm is written with an explicit call stack: a recursive
//! version would overflow the thread stack on a long chain of cells.

use std::collections::BTreeSet;
use std::collections::VecDeque;

use crate::CellId;
use crate::graph::{Graph, Slot};

const NONE: u32 = u32::MAX;

/// The component structure of the whole graph, indexed by slot.
#[derive(Clone, Debug)]
pub(crate) struct Scc {
    /// Component of each slot (`NONE` for free slots).
    pub comp: Vec<u32>,
    /// Members of component `c` are `members[offsets[c]..offsets[c + 1]]`.
    pub members: Vec<Slot>,
    pub offsets: Vec<u32>,
}

impl Scc {
    pub fn members(&self, c: u32) -> &[Slot] {
        &self.members[self.offsets[c as usize] as usize..self.offsets[c as usize + 1] as usize]
    }

    pub fn count(&self) -> usize {
        self.offsets.len() - 1
    }

    /// A component is cyclic iff it has two or more cells: there are no
    /// self-edges, so a single cell is never a cycle.
    pub fn is_cyclic(&self, c: u32) -> bool {
        self.members(c).len() > 1
    }

    pub fn in_cycle(&self, slot: Slot) -> bool {
        self.is_cyclic(self.comp[slot as usize])
    }

    pub(crate) fn compute(graph: &Graph) -> Scc {
        let nodes = &graph.cells.nodes;
        let n = nodes.len();
        let mut index = vec![NONE; n];
        let mut low = vec![0u32; n];
        let mut on_stack = vec![false; n];
        let mut comp = vec![NONE; n];
        let mut stack: Vec<Slot> = Vec::new();
        let mut members: Vec<Slot> = Vec::with_capacity(n);
        let mut offsets: Vec<u32> = vec![0];
        let mut next_index = 0u32;
        // Explicit DFS call stack: (cell, iterator over its remaining children).
        let mut calls = Vec::new();

        for (root, _) in graph.cells.live() {
            if index[root as usize] != NONE {
                continue;
            }
            // A macro, not a closure: the loop below reads the same vectors.
            macro_rules! enter {
                ($v:expr) => {{
                    let v: Slot = $v;
                    index[v as usize] = next_index;
                    low[v as usize] = next_index;
                    next_index += 1;
                    stack.push(v);
                    on_stack[v as usize] = true;
                    calls.push((v, graph.cells.node(v).children.keys()));
                }};
            }
            enter!(root);
            while let Some((v, children)) = calls.last_mut() {
                let v = *v;
                if let Some(w) = children.next() {
                    if index[w as usize] == NONE {
                        enter!(w);
                    } else if on_stack[w as usize] {
                        low[v as usize] = low[v as usize].min(index[w as usize]);
                    }
                    continue;
                }
                calls.pop();
                if let Some(&(u, _)) = calls.last() {
                    low[u as usize] = low[u as usize].min(low[v as usize]);
                }
                if low[v as usize] == index[v as usize] {
                    let c = (offsets.len() - 1) as u32;
                    loop {
                        let w = stack.pop().expect("Tarjan stack underflow");
                        on_stack[w as usize] = false;
                        comp[w as usize] = c;
                        members.push(w);
                        if w == v {
                            break;
                        }
                    }
                    offsets.push(members.len() as u32);
                }
            }
        }
        debug_assert!(stack.is_empty());
        Scc {
            comp,
            members,
            offsets,
        }
    }
}

impl Graph {
    /// The cached components, computing them if needed. O(cells + edges).
    pub(crate) fn scc(&self) -> &Scc {
        self.scc.get_or_init(|| Scc::compute(self))
    }

    /// All cells lying on some cycle.
    pub fn cells_in_cycles(&self) -> BTreeSet<CellId> {
        let scc = self.scc();
        (0..scc.count() as u32)
            .filter(|&c| scc.is_cyclic(c))
            .flat_map(|c| scc.members(c).iter().map(|&s| self.id(s)))
            .collect()
    }

    /// The cycles of the graph: one simple cycle per non-trivial strongly
    /// connected component — the shortest cycle through the component's
    /// earliest cell in notebook order (ties broken by visiting children in
    /// notebook order, so the answer is deterministic). Each cycle is its list
    /// of edges sorted by `(parent, child)` id; the list of cycles is sorted.
    /// A 2-cell cycle `0 ↔ 1` is `[[(0, 1), (1, 0)]]`. Every cell of a
    /// component is in [`Graph::cells_in_cycles`], even when it is not on the
    /// reported cycle. Linear in cells + edges (plus sorting children).
    pub fn cycles(&self) -> Vec<Vec<(CellId, CellId)>> {
        let scc = self.scc();
        // Predecessor of each slot on the BFS tree; shared across components
        // (each BFS only touches its own component's cells) to stay linear.
        let mut pred = vec![NONE; self.cells.nodes.len()];
        let mut out = Vec::new();
        for c in 0..scc.count() as u32 {
            if !scc.is_cyclic(c) {
                continue;
            }
            let start = *scc
                .members(c)
                .iter()
                .min_by_key(|&&s| self.pos(s))
                .expect("empty component");
            let last = self.bfs_back_to(start, c, scc, &mut pred);
            let mut edges = vec![(self.id(last), self.id(start))];
            let mut v = last;
            while v != start {
                let p = pred[v as usize];
                edges.push((self.id(p), self.id(v)));
                v = p;
            }
            edges.sort_unstable();
            out.push(edges);
        }
        out.sort_unstable();
        out
    }

    /// BFS from `start` within component `c` until an edge back to `start` is
    /// found; returns that edge's source. `pred` records the BFS tree.
    fn bfs_back_to(&self, start: Slot, c: u32, scc: &Scc, pred: &mut [u32]) -> Slot {
        let mut queue = VecDeque::from([start]);
        pred[start as usize] = start;
        while let Some(v) = queue.pop_front() {
            let mut children: Vec<Slot> = self.cells.node(v).children.keys().collect();
            children.sort_unstable_by_key(|&s| self.pos(s));
            for w in children {
                if w == start {
                    return v;
                }
                if scc.comp[w as usize] == c && pred[w as usize] == NONE {
                    pred[w as usize] = v;
                    queue.push_back(w);
                }
            }
        }
        unreachable!("a cyclic component always leads back to each of its cells")
    }
}
