//! Reachability (ancestors, descendants) and run order (Kahn's algorithm).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::CellId;
use crate::graph::{Graph, Slot};

/// The outcome of planning a run of some cells.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunPlan {
    /// The runnable cells in topological order, ties broken by notebook order.
    pub order: Vec<CellId>,
    /// The requested cells left out because they lie on a cycle, in notebook
    /// order. (Their descendants are *not* left out; see [`Graph::run_order`].)
    pub cyclic: Vec<CellId>,
}

#[derive(Copy, Clone, PartialEq, Eq)]
enum Dir {
    Up,
    Down,
}

impl Graph {
    /// All cells from which some given cell can be reached by a path of one or
    /// more edges, in notebook order. A given cell is therefore included only
    /// if it is reachable from a given cell — itself through a cycle, or
    /// another given cell. Unknown ids are ignored. O(cells + edges).
    pub fn ancestors(&self, ids: &[CellId]) -> Vec<CellId> {
        let seen = self.reach(&self.slots_of(ids), Dir::Up, None, false);
        self.sorted(seen)
    }

    /// All cells reachable from some given cell by a path of one or more
    /// edges, in notebook order (see [`Graph::ancestors`] for the given cells
    /// themselves). Unknown ids are ignored. O(cells + edges).
    pub fn descendants(&self, ids: &[CellId]) -> Vec<CellId> {
        let seen = self.reach(&self.slots_of(ids), Dir::Down, None, false);
        self.sorted(seen)
    }

    /// Iterative graph search from `starts` in direction `dir`. Returns the
    /// reached slots; the starts themselves only if `inclusive` or if reached
    /// again through an edge. When `within` is given, only slots marked in it
    /// are entered.
    fn reach(
        &self,
        starts: &[Slot],
        dir: Dir,
        within: Option<&[bool]>,
        inclusive: bool,
    ) -> Vec<Slot> {
        let mut seen = vec![false; self.cells.nodes.len()];
        let mut out = Vec::new();
        let mut stack: Vec<Slot> = Vec::new();
        if inclusive {
            for &s in starts {
                seen[s as usize] = true;
                out.push(s);
            }
        }
        stack.extend_from_slice(starts);
        while let Some(v) = stack.pop() {
            let node = self.cells.node(v);
            let next = match dir {
                Dir::Up => &node.parents,
                Dir::Down => &node.children,
            };
            for w in next.keys() {
                if seen[w as usize] || within.is_some_and(|m| !m[w as usize]) {
                    continue;
                }
                seen[w as usize] = true;
                out.push(w);
                stack.push(w);
            }
        }
        out
    }

    /// The given cells in topological order: a cell comes after every given
    /// cell it (transitively) depends on, also through cells that were not
    /// given; among cells that are ready, the earliest in notebook order goes
    /// first (Kahn's algorithm with a min-heap on position).
    ///
    /// Cells on a cycle (see [`Graph::cells_in_cycles`]) are left out — use
    /// [`Graph::run_plan`] to get them. Descendants of such cells that were
    /// given are still ordered after them and included: whether to run or
    /// cancel them is the caller's policy. Unknown and repeated ids are
    /// ignored. O((cells + edges) + k log k) for k given cells.
    pub fn run_order(&self, ids: &[CellId]) -> Vec<CellId> {
        self.run_plan(ids).order
    }

    /// What must re-run after `changed` cells changed: the changed cells and
    /// all their descendants, in run order (same conventions as
    /// [`Graph::run_order`]; cells on cycles are left out).
    pub fn stale(&self, changed: &[CellId]) -> Vec<CellId> {
        self.stale_plan(changed).order
    }

    /// [`Graph::stale`], also reporting the cells left out for being on a
    /// cycle.
    pub fn stale_plan(&self, changed: &[CellId]) -> RunPlan {
        let starts = self.slots_of(changed);
        let all = self.reach(&starts, Dir::Down, None, true);
        self.plan(&all)
    }

    /// [`Graph::run_order`] plus the given cells left out for being on a cycle.
    pub fn run_plan(&self, ids: &[CellId]) -> RunPlan {
        self.plan(&self.slots_of(ids))
    }

    /// Kahn's algorithm over the condensation (the DAG of strongly connected
    /// components), restricted to the *region* between the given cells: the
    /// cells both reachable from and reaching some given cell. Cells in the
    /// region that were not given, and whole cyclic components, are processed
    /// as soon as they are ready, ahead of the heap: they only carry ordering
    /// constraints between given cells and never compete in the tie-break.
    fn plan(&self, given: &[Slot]) -> RunPlan {
        let n = self.cells.nodes.len();
        let scc = self.scc();

        // The region: forward from the given cells, then backward within that.
        let mut forward = vec![false; n];
        for s in self.reach(given, Dir::Down, None, true) {
            forward[s as usize] = true;
        }
        let mut in_region = vec![false; n];
        for s in self.reach(given, Dir::Up, Some(&forward), true) {
            in_region[s as usize] = true;
        }
        let mut is_given = vec![false; n];
        for &s in given {
            is_given[s as usize] = true;
        }

        // In-degree of each component counting edges from other components in
        // the region. A cyclic component lies wholly inside the region as
        // soon as one of its cells does (its cells reach each other).
        let mut indegree = vec![0u32; scc.count()];
        let mut comps = Vec::new();
        for (slot, &inside) in in_region.iter().enumerate() {
            if !inside {
                continue;
            }
            let c = scc.comp[slot];
            if scc.members(c)[0] == slot as Slot {
                comps.push(c);
            }
            for w in self.cells.node(slot as Slot).children.keys() {
                if in_region[w as usize] && scc.comp[w as usize] != c {
                    indegree[scc.comp[w as usize] as usize] += 1;
                }
            }
        }

        // A component is emitted iff it is a single given cell.
        let emitted = |c: u32| !scc.is_cyclic(c) && is_given[scc.members(c)[0] as usize];
        let mut eager: Vec<u32> = Vec::new();
        let mut heap: BinaryHeap<Reverse<(usize, u32)>> = BinaryHeap::new();
        let push = |c: u32, eager: &mut Vec<u32>, heap: &mut BinaryHeap<_>| {
            if emitted(c) {
                heap.push(Reverse((self.pos(scc.members(c)[0]), c)));
            } else {
                eager.push(c);
            }
        };
        for &c in &comps {
            if indegree[c as usize] == 0 {
                push(c, &mut eager, &mut heap);
            }
        }

        let mut plan = RunPlan::default();
        let mut done = 0usize;
        loop {
            let c = if let Some(c) = eager.pop() {
                c
            } else if let Some(Reverse((_, c))) = heap.pop() {
                plan.order.push(self.id(scc.members(c)[0]));
                c
            } else {
                break;
            };
            done += 1;
            for &v in scc.members(c) {
                for w in self.cells.node(v).children.keys() {
                    let cw = scc.comp[w as usize];
                    if !in_region[w as usize] || cw == c {
                        continue;
                    }
                    indegree[cw as usize] -= 1;
                    if indegree[cw as usize] == 0 {
                        push(cw, &mut eager, &mut heap);
                    }
                }
            }
        }
        debug_assert_eq!(done, comps.len(), "the condensation is acyclic");

        plan.cyclic = self.sorted(given.iter().copied().filter(|&s| scc.in_cycle(s)));
        plan
    }
}
