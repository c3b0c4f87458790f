//! The name index: for each name, which cells define, read, delete and
//! provide it.
//!
//! Names are interned to dense `NameId`s so the per-name sets live in a `Vec`
//! and the only string hashing is the one lookup per name per change. Entries
//! are never freed: a name nobody uses any more just has empty sets (the
//! number of distinct names ever seen bounds the memory, which is fine for a
//! notebook's lifetime).

use std::sync::Arc;

use crate::graph::Slot;
use crate::hash::{FxHashMap, FxHashSet};
use crate::small::SlotSet;

pub(crate) type NameId = u32;

/// Which of a cell's name sets a name belongs to.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Def,
    Read,
    Delete,
    /// `CellDeps::provides`: a link key, not a definition.
    Provide,
    /// `CellDeps::hidden_defs` minus `defs`: a definition that links nothing.
    Hidden,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Def,
        Role::Read,
        Role::Delete,
        Role::Provide,
        Role::Hidden,
    ];
}

#[derive(Clone, Debug, Default)]
pub(crate) struct NameEntry {
    /// Shared with the lookup map's key: one allocation per name.
    pub name: Arc<str>,
    pub definers: SlotSet,
    pub readers: SlotSet,
    pub deleters: SlotSet,
    /// The roles few names have, boxed so that an ordinary name's entry
    /// stays small (building a notebook is dominated by touching memory).
    rare: Option<Box<RareRoles>>,
}

#[derive(Clone, Debug, Default)]
struct RareRoles {
    providers: SlotSet,
    /// Cells defining the name without linking it (disjoint from
    /// `definers`: a cell's hidden defs exclude its defs).
    hidden: SlotSet,
}

static NO_CELLS: SlotSet = SlotSet::Empty;

impl NameEntry {
    pub fn cells(&self, role: Role) -> &SlotSet {
        match role {
            Role::Def => &self.definers,
            Role::Read => &self.readers,
            Role::Delete => &self.deleters,
            Role::Provide => self.rare.as_ref().map_or(&NO_CELLS, |r| &r.providers),
            Role::Hidden => self.rare.as_ref().map_or(&NO_CELLS, |r| &r.hidden),
        }
    }

    /// Every cell defining the name, linked or not.
    pub fn all_definers(&self) -> impl Iterator<Item = Slot> + '_ {
        self.definers.keys().chain(self.cells(Role::Hidden).keys())
    }

    pub fn definer_count(&self) -> usize {
        self.definers.len() + self.cells(Role::Hidden).len()
    }

    fn cells_mut(&mut self, role: Role) -> &mut SlotSet {
        match role {
            Role::Def => &mut self.definers,
            Role::Read => &mut self.readers,
            Role::Delete => &mut self.deleters,
            Role::Provide => &mut self.rare.get_or_insert_with(Box::default).providers,
            Role::Hidden => &mut self.rare.get_or_insert_with(Box::default).hidden,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct NameTable {
    ids: FxHashMap<Arc<str>, NameId>,
    entries: Vec<NameEntry>,
    /// Names with two or more definers: kept up to date so
    /// `multiply_defined` costs O(answer), not O(all names).
    pub multiply_defined: FxHashSet<NameId>,
    /// Names with at least one deleter, for the same reason.
    pub deleted: FxHashSet<NameId>,
}

impl NameTable {
    pub fn reserve(&mut self, additional: usize) {
        self.ids.reserve(additional);
        self.entries.reserve(additional);
    }

    pub fn get(&self, name: &str) -> Option<NameId> {
        self.ids.get(name).copied()
    }

    pub fn entry(&self, id: NameId) -> &NameEntry {
        &self.entries[id as usize]
    }

    pub fn entries(&self) -> impl Iterator<Item = (NameId, &NameEntry)> {
        self.entries
            .iter()
            .enumerate()
            .map(|(i, e)| (i as NameId, e))
    }

    fn intern(&mut self, name: &str) -> NameId {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = NameId::try_from(self.entries.len()).expect("more than u32::MAX names");
        let name: Arc<str> = name.into();
        self.entries.push(NameEntry {
            name: Arc::clone(&name),
            ..NameEntry::default()
        });
        self.ids.insert(name, id);
        id
    }

    /// Records that `slot` has `name` in its `role` set; returns the name's id.
    /// The caller is responsible for the edges.
    pub fn add(&mut self, name: &str, role: Role, slot: Slot) -> NameId {
        let id = self.intern(name);
        let entry = &mut self.entries[id as usize];
        let inserted = entry.cells_mut(role).insert(slot);
        debug_assert!(inserted, "slot {slot} already had {name:?} as {role:?}");
        match role {
            Role::Def | Role::Hidden if entry.definer_count() == 2 => {
                self.multiply_defined.insert(id);
            }
            Role::Delete if entry.deleters.len() == 1 => {
                self.deleted.insert(id);
            }
            _ => {}
        }
        id
    }

    /// Undoes [`NameTable::add`]; returns the name's id.
    pub fn remove(&mut self, name: &str, role: Role, slot: Slot) -> NameId {
        let id = self
            .get(name)
            .expect("removing a name that was never added");
        let entry = &mut self.entries[id as usize];
        let removed = entry.cells_mut(role).remove(slot).is_some();
        debug_assert!(removed, "slot {slot} did not have {name:?} as {role:?}");
        match role {
            Role::Def | Role::Hidden if entry.definer_count() == 1 => {
                self.multiply_defined.remove(&id);
            }
            Role::Delete if entry.deleters.is_empty() => {
                self.deleted.remove(&id);
            }
            _ => {}
        }
        id
    }
}
