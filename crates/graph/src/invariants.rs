//! A full, from-scratch consistency check of the incremental state.

use std::collections::BTreeMap;

use crate::graph::{Graph, Slot};
use crate::hash::FxHashSet;
use crate::names::Role;
use crate::scc::Scc;

impl Graph {
    /// Checks every invariant of the incremental state against a recomputation
    /// from the cells' name sets, panicking on the first violation. Costs
    /// O(names × cells + Σ definers × readers): meant for tests and debugging,
    /// not for production paths.
    pub fn assert_invariants(&self) {
        // Order, positions and the id map agree.
        assert_eq!(self.order.len(), self.order_slots.len());
        assert_eq!(self.order.len(), self.slot_of.len());
        assert_eq!(self.cells.live().count(), self.order.len());
        for (i, (&id, &slot)) in self.order.iter().zip(&self.order_slots).enumerate() {
            let node = self.cells.node(slot);
            assert_eq!(node.id, id, "order and order_slots disagree at {i}");
            assert_eq!(node.position, i, "stale position for {id:?}");
            assert_eq!(
                self.slot_of.get(&id),
                Some(&slot),
                "slot_of wrong for {id:?}"
            );
        }

        // The name index holds exactly the cells' name sets.
        for (n, entry) in self.names.entries() {
            for role in Role::ALL {
                let expected: FxHashSet<Slot> = self
                    .cells
                    .live()
                    .filter(|(_, node)| {
                        let d = &node.deps;
                        let name = &*entry.name;
                        match role {
                            Role::Def => d.defs.contains(name),
                            Role::Read => d.reads.contains(name),
                            Role::Delete => d.deletes.contains(name),
                            Role::Provide => d.provides.contains(name),
                            Role::Hidden => d.hidden_defs.contains(name) && !d.defs.contains(name),
                        }
                    })
                    .map(|(s, _)| s)
                    .collect();
                let actual: FxHashSet<Slot> = entry.cells(role).keys().collect();
                assert_eq!(actual, expected, "{role:?} index of {:?}", entry.name);
            }
            let multi = entry.definer_count() > 1;
            assert_eq!(
                self.names.multiply_defined.contains(&n),
                multi,
                "{:?}",
                entry.name
            );
            let deleted = !entry.deleters.is_empty();
            assert_eq!(self.names.deleted.contains(&n), deleted, "{:?}", entry.name);
        }

        // Edge multiplicities are |A.defs ∩ B.reads| + |A.provides ∩ B.reads|
        // + |A.reads ∩ B.deletes| on both sides.
        let mut expected: BTreeMap<(Slot, Slot), u32> = BTreeMap::new();
        let mut count = |parent: Slot, child: Slot| {
            if parent != child {
                *expected.entry((parent, child)).or_default() += 1;
            }
        };
        for (_, entry) in self.names.entries() {
            for r in entry.readers.keys() {
                for d in entry
                    .definers
                    .keys()
                    .chain(entry.cells(Role::Provide).keys())
                {
                    count(d, r);
                }
                for x in entry.deleters.keys() {
                    count(r, x);
                }
            }
        }
        let mut down: BTreeMap<(Slot, Slot), u32> = BTreeMap::new();
        let mut up: BTreeMap<(Slot, Slot), u32> = BTreeMap::new();
        for (slot, node) in self.cells.live() {
            down.extend(node.children.iter().map(|(c, &k)| ((slot, c), k)));
            up.extend(node.parents.iter().map(|(p, &k)| ((p, slot), k)));
        }
        assert_eq!(down, expected, "children multiplicities");
        assert_eq!(up, expected, "parents multiplicities");
        assert_eq!(self.cells.edge_count, expected.len(), "edge count");

        // A cached component structure matches a fresh one (as partitions).
        if let Some(cached) = self.scc.get() {
            let fresh = Scc::compute(self);
            for (slot, _) in self.cells.live() {
                for &other in cached.members(cached.comp[slot as usize]) {
                    assert_eq!(
                        fresh.comp[slot as usize], fresh.comp[other as usize],
                        "stale SCC cache"
                    );
                }
                assert_eq!(
                    cached.members(cached.comp[slot as usize]).len(),
                    fresh.members(fresh.comp[slot as usize]).len(),
                    "stale SCC cache"
                );
            }
        }
    }
}
