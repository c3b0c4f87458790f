//! The [`Graph`] itself: cell storage, notebook order, and the incremental
//! maintenance of edges as cells are inserted, updated, moved and removed.
//!
//! Cells live in a slot arena (`Vec<Option<Node>>` plus a free list) so that
//! internal references are dense `u32` slots, cheap to hash and usable as
//! indexes into per-query scratch vectors. `slot_of` maps the public, opaque
//! [`CellId`] to its slot.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::OnceLock;

use crate::hash::FxHashMap;
use crate::names::{NameId, NameTable, Role};
use crate::scc::Scc;
use crate::small::SlotMap;
use crate::{CellDeps, CellId};

/// Internal index of a cell in the arena. Reused after removal.
pub(crate) type Slot = u32;

#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub id: CellId,
    pub deps: CellDeps,
    /// Index in `Graph::order`; kept in sync by `Graph::renumber`.
    pub position: usize,
    /// parent slot → number of names connecting parent to this cell (≥ 1).
    pub parents: SlotMap<u32>,
    /// child slot → number of names connecting this cell to child (≥ 1).
    pub children: SlotMap<u32>,
}

/// The cell arena plus the edge bookkeeping. Kept apart from the name table
/// so edge updates can borrow it mutably while iterating a name's cells.
#[derive(Clone, Debug, Default)]
pub(crate) struct Cells {
    pub nodes: Vec<Option<Node>>,
    free: Vec<Slot>,
    /// Number of distinct edges (pairs with multiplicity ≥ 1).
    pub edge_count: usize,
}

impl Cells {
    pub fn node(&self, slot: Slot) -> &Node {
        self.nodes[slot as usize].as_ref().expect("dangling slot")
    }

    fn node_mut(&mut self, slot: Slot) -> &mut Node {
        self.nodes[slot as usize].as_mut().expect("dangling slot")
    }

    pub fn live(&self) -> impl Iterator<Item = (Slot, &Node)> {
        self.nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| n.as_ref().map(|n| (i as Slot, n)))
    }

    fn alloc(&mut self, node: Node) -> Slot {
        if let Some(slot) = self.free.pop() {
            debug_assert!(self.nodes[slot as usize].is_none());
            self.nodes[slot as usize] = Some(node);
            slot
        } else {
            let slot = Slot::try_from(self.nodes.len()).expect("more than u32::MAX cells");
            self.nodes.push(Some(node));
            slot
        }
    }

    fn release(&mut self, slot: Slot) -> Node {
        let node = self.nodes[slot as usize].take().expect("dangling slot");
        debug_assert!(node.parents.is_empty() && node.children.is_empty());
        self.free.push(slot);
        node
    }

    /// Adds one connecting name to `parent → child`. Returns true if the edge
    /// is new.
    fn link(&mut self, parent: Slot, child: Slot) -> bool {
        debug_assert_ne!(parent, child, "self-edges are never created");
        let down = {
            let c = self.node_mut(parent).children.entry(child);
            *c += 1;
            *c
        };
        let up = {
            let p = self.node_mut(child).parents.entry(parent);
            *p += 1;
            *p
        };
        debug_assert_eq!(down, up, "edge multiplicities out of sync");
        if down == 1 {
            self.edge_count += 1;
        }
        down == 1
    }

    /// Removes one connecting name from `parent → child`. Returns true if the
    /// edge disappeared.
    fn unlink(&mut self, parent: Slot, child: Slot) -> bool {
        fn dec(map: &mut SlotMap<u32>, key: Slot) -> u32 {
            let left = map.get(key).expect("unlinking a missing edge") - 1;
            if left == 0 {
                map.remove(key);
            } else {
                *map.entry(key) = left;
            }
            left
        }
        let down = dec(&mut self.node_mut(parent).children, child);
        let up = dec(&mut self.node_mut(child).parents, parent);
        debug_assert_eq!(down, up, "edge multiplicities out of sync");
        if down == 0 {
            self.edge_count -= 1;
        }
        down == 0
    }
}

/// The dataflow graph of a notebook's cells. See the crate docs for the model.
#[derive(Clone, Default)]
pub struct Graph {
    pub(crate) cells: Cells,
    pub(crate) names: NameTable,
    pub(crate) slot_of: FxHashMap<CellId, Slot>,
    /// Notebook order, public view.
    pub(crate) order: Vec<CellId>,
    /// Notebook order as slots (same length and order as `order`).
    pub(crate) order_slots: Vec<Slot>,
    /// Lazily computed strongly connected components; reset whenever a cell
    /// or an edge appears or disappears (moves don't affect it).
    pub(crate) scc: OnceLock<Scc>,
}

impl fmt::Debug for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for &slot in &self.order_slots {
            let node = self.cells.node(slot);
            m.entry(&node.id, &node.deps);
        }
        m.finish()
    }
}

impl Graph {
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a graph from cells in notebook order. Linear in the total size
    /// of the name sets plus the number of edges (it is a sequence of appends).
    /// A repeated id replaces the earlier one's deps and moves it to the end.
    pub fn build(cells: impl IntoIterator<Item = (CellId, CellDeps)>) -> Self {
        let cells = cells.into_iter();
        let mut graph = Self::new();
        // Growing the node arena copies ~150-byte nodes; reserve up front.
        graph.reserve(cells.size_hint().0);
        for (id, deps) in cells {
            graph.insert(id, usize::MAX, deps);
        }
        graph
    }

    /// Reserves room for `additional` more cells (and about as many names).
    pub fn reserve(&mut self, additional: usize) {
        self.cells.nodes.reserve(additional);
        self.slot_of.reserve(additional);
        self.order.reserve(additional);
        self.order_slots.reserve(additional);
        self.names.reserve(additional);
    }

    /// Inserts a cell at `position` in notebook order (clamped to the end).
    /// If `id` is already present this is `update` followed by `move_to`.
    pub fn insert(&mut self, id: CellId, position: usize, deps: CellDeps) {
        if self.slot_of.contains_key(&id) {
            self.update(id, deps);
            self.move_to(id, position);
            return;
        }
        let position = position.min(self.order.len());
        let slot = self.cells.alloc(Node {
            id,
            deps: CellDeps::default(),
            position,
            parents: SlotMap::default(),
            children: SlotMap::default(),
        });
        self.slot_of.insert(id, slot);
        self.order.insert(position, id);
        self.order_slots.insert(position, slot);
        self.renumber(position, self.order.len());
        self.relink(slot, &CellDeps::default(), &deps);
        self.cells.node_mut(slot).deps = deps;
        self.scc.take();
    }

    /// Replaces a cell's name sets (the cell's code was edited). Costs
    /// O(changed names × cells sharing them); nothing at all happens to edges
    /// if the name sets are unchanged. Unknown ids are ignored.
    pub fn update(&mut self, id: CellId, deps: CellDeps) {
        let Some(&slot) = self.slot_of.get(&id) else {
            return;
        };
        let old = std::mem::take(&mut self.cells.node_mut(slot).deps);
        if self.relink(slot, &old, &deps) {
            self.scc.take();
        }
        self.cells.node_mut(slot).deps = deps;
    }

    /// Removes a cell and its edges. Unknown ids are ignored.
    pub fn remove(&mut self, id: CellId) {
        let Some(slot) = self.slot_of.remove(&id) else {
            return;
        };
        let old = std::mem::take(&mut self.cells.node_mut(slot).deps);
        self.relink(slot, &old, &CellDeps::default());
        let position = self.cells.node(slot).position;
        self.order.remove(position);
        self.order_slots.remove(position);
        self.renumber(position, self.order.len());
        self.cells.release(slot);
        self.scc.take();
    }

    /// Moves a cell to `position` (its index after the move, clamped to the
    /// last index). Edges don't change. Unknown ids are ignored.
    pub fn move_to(&mut self, id: CellId, position: usize) {
        let Some(&slot) = self.slot_of.get(&id) else {
            return;
        };
        let from = self.cells.node(slot).position;
        let to = position.min(self.order.len() - 1);
        if from < to {
            self.order[from..=to].rotate_left(1);
            self.order_slots[from..=to].rotate_left(1);
        } else {
            self.order[to..=from].rotate_right(1);
            self.order_slots[to..=from].rotate_right(1);
        }
        self.renumber(from.min(to), from.max(to) + 1);
    }

    /// Re-derives cached positions for `order[start..end]`.
    fn renumber(&mut self, start: usize, end: usize) {
        for i in start..end {
            let slot = self.order_slots[i];
            self.cells.node_mut(slot).position = i;
        }
    }

    /// Moves `slot` from name sets `old` to `new`, adding and removing edges
    /// for the names that differ. Returns true if any edge appeared or
    /// disappeared.
    ///
    /// Each (parent, child, name, kind) quadruple is counted exactly once:
    /// when the later of its two memberships is added, against the cells
    /// already registered for the other role; removal mirrors this.
    fn relink(&mut self, slot: Slot, old: &CellDeps, new: &CellDeps) -> bool {
        let mut changed = false;
        let old_hidden: BTreeSet<&String> = old.hidden_defs.difference(&old.defs).collect();
        let new_hidden: BTreeSet<&String> = new.hidden_defs.difference(&new.defs).collect();
        for (role, was, now) in [
            (Role::Def, &old.defs, &new.defs),
            (Role::Provide, &old.provides, &new.provides),
            (Role::Read, &old.reads, &new.reads),
            (Role::Delete, &old.deletes, &new.deletes),
        ] {
            for name in was.difference(now) {
                let id = self.names.remove(name, role, slot);
                changed |= self.touch(id, role, slot, false);
            }
        }
        for name in old_hidden.difference(&new_hidden) {
            self.names.remove(name, Role::Hidden, slot);
        }
        for (role, was, now) in [
            (Role::Def, &old.defs, &new.defs),
            (Role::Provide, &old.provides, &new.provides),
            (Role::Read, &old.reads, &new.reads),
            (Role::Delete, &old.deletes, &new.deletes),
        ] {
            for name in now.difference(was) {
                let id = self.names.add(name, role, slot);
                changed |= self.touch(id, role, slot, true);
            }
        }
        for name in new_hidden.difference(&old_hidden) {
            self.names.add(name, Role::Hidden, slot);
        }
        changed
    }

    /// Links (or unlinks) `slot`, which just gained (or lost) name `id` in
    /// `role`, with every other cell holding the name in a partner role:
    /// a def or link key feeds the name's readers; a read is fed by its
    /// definers and providers and precedes the name's deleters (marimo runs
    /// a cell deleting a name after every cell reading it); a delete follows
    /// the name's readers. Returns true if an edge appeared or disappeared.
    fn touch(&mut self, id: NameId, role: Role, slot: Slot, add: bool) -> bool {
        let entry = self.names.entry(id);
        let mut changed = false;
        let mut edge = |parent: Slot, child: Slot| {
            if parent != child {
                changed |= if add {
                    self.cells.link(parent, child)
                } else {
                    self.cells.unlink(parent, child)
                };
            }
        };
        match role {
            Role::Def | Role::Provide => entry.readers.keys().for_each(|r| edge(slot, r)),
            Role::Read => {
                entry.definers.keys().for_each(|d| edge(d, slot));
                entry
                    .cells(Role::Provide)
                    .keys()
                    .for_each(|p| edge(p, slot));
                entry.deleters.keys().for_each(|x| edge(slot, x));
            }
            Role::Delete => entry.readers.keys().for_each(|r| edge(r, slot)),
            Role::Hidden => {}
        }
        changed
    }

    // ----- basic queries -------------------------------------------------

    /// Notebook order.
    pub fn order(&self) -> &[CellId] {
        &self.order
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    pub fn contains(&self, id: CellId) -> bool {
        self.slot_of.contains_key(&id)
    }

    pub fn position(&self, id: CellId) -> Option<usize> {
        self.slot(id).map(|s| self.cells.node(s).position)
    }

    pub fn deps(&self, id: CellId) -> Option<&CellDeps> {
        self.slot(id).map(|s| &self.cells.node(s).deps)
    }

    /// Number of distinct edges.
    pub fn edge_count(&self) -> usize {
        self.cells.edge_count
    }

    /// Every edge `(parent, child)`, sorted by the parent's then the child's
    /// notebook position.
    pub fn edges(&self) -> Vec<(CellId, CellId)> {
        let mut out = Vec::with_capacity(self.cells.edge_count);
        for &slot in &self.order_slots {
            let node = self.cells.node(slot);
            let children = self.sorted(node.children.keys());
            out.extend(children.into_iter().map(|c| (node.id, c)));
        }
        out
    }

    /// Direct parents of `id`, in notebook order (empty for unknown ids).
    pub fn parents(&self, id: CellId) -> Vec<CellId> {
        self.slot(id)
            .map(|s| self.sorted(self.cells.node(s).parents.keys()))
            .unwrap_or_default()
    }

    /// Direct children of `id`, in notebook order (empty for unknown ids).
    pub fn children(&self, id: CellId) -> Vec<CellId> {
        self.slot(id)
            .map(|s| self.sorted(self.cells.node(s).children.keys()))
            .unwrap_or_default()
    }

    /// Cells defining `name` (through `defs` or `hidden_defs`), in notebook
    /// order.
    pub fn definers(&self, name: &str) -> Vec<CellId> {
        self.names
            .get(name)
            .map(|n| self.sorted(self.names.entry(n).all_definers()))
            .unwrap_or_default()
    }

    /// Cells reading `name`, in notebook order.
    pub fn readers(&self, name: &str) -> Vec<CellId> {
        self.name_cells(name, Role::Read)
    }

    /// Cells deleting `name`, in notebook order.
    pub fn deleters(&self, name: &str) -> Vec<CellId> {
        self.name_cells(name, Role::Delete)
    }

    /// All names defined by some cell, sorted.
    pub fn defined_names(&self) -> BTreeSet<&str> {
        self.names
            .entries()
            .filter(|(_, e)| e.definer_count() > 0)
            .map(|(_, e)| &*e.name)
            .collect()
    }

    fn name_cells(&self, name: &str, role: Role) -> Vec<CellId> {
        self.names
            .get(name)
            .map(|n| self.sorted(self.names.entry(n).cells(role).keys()))
            .unwrap_or_default()
    }

    // ----- helpers shared by the query modules ---------------------------

    pub(crate) fn slot(&self, id: CellId) -> Option<Slot> {
        self.slot_of.get(&id).copied()
    }

    pub(crate) fn pos(&self, slot: Slot) -> usize {
        self.cells.node(slot).position
    }

    pub(crate) fn id(&self, slot: Slot) -> CellId {
        self.cells.node(slot).id
    }

    /// Sorts slots by notebook position and maps them to ids.
    pub(crate) fn sorted(&self, slots: impl IntoIterator<Item = Slot>) -> Vec<CellId> {
        let mut v: Vec<(usize, CellId)> = slots
            .into_iter()
            .map(|s| {
                let n = self.cells.node(s);
                (n.position, n.id)
            })
            .collect();
        v.sort_unstable();
        v.into_iter().map(|(_, id)| id).collect()
    }

    /// Live slots of the given ids, deduplicated; unknown ids are skipped.
    pub(crate) fn slots_of(&self, ids: &[CellId]) -> Vec<Slot> {
        let mut seen = vec![false; self.cells.nodes.len()];
        ids.iter()
            .filter_map(|&id| self.slot(id))
            .filter(|&s| !std::mem::replace(&mut seen[s as usize], true))
            .collect()
    }
}
