//! `SlotMap`: a map keyed by cell slot that stores a single entry inline.
//!
//! Most names have one definer and a few readers, and most cells have a few
//! parents and children: a hash map per set would be one heap allocation per
//! name and two per cell, which dominates `build`. The `One` variant holds
//! the common single entry without allocating; larger sets use a hash map so
//! lookups and removals stay O(1) for names read by thousands of cells.

use std::collections::hash_map;

use crate::graph::Slot;
use crate::hash::FxHashMap;

#[derive(Clone, Debug, Default)]
pub(crate) enum SlotMap<V> {
    #[default]
    Empty,
    One(Slot, V),
    Many(FxHashMap<Slot, V>),
}

/// A set of slots.
pub(crate) type SlotSet = SlotMap<()>;

impl<V: Copy + Default> SlotMap<V> {
    pub fn len(&self) -> usize {
        match self {
            SlotMap::Empty => 0,
            SlotMap::One(..) => 1,
            SlotMap::Many(m) => m.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, key: Slot) -> Option<&V> {
        match self {
            SlotMap::One(k, v) if *k == key => Some(v),
            SlotMap::Many(m) => m.get(&key),
            _ => None,
        }
    }

    /// The value at `key`, inserting `V::default()` first if absent.
    pub fn entry(&mut self, key: Slot) -> &mut V {
        match self {
            SlotMap::Empty => {
                *self = SlotMap::One(key, V::default());
            }
            SlotMap::One(k, v) if *k != key => {
                let mut m = FxHashMap::default();
                m.insert(*k, *v);
                *self = SlotMap::Many(m);
            }
            _ => {}
        }
        match self {
            SlotMap::One(_, v) => v,
            SlotMap::Many(m) => m.entry(key).or_default(),
            SlotMap::Empty => unreachable!("just filled"),
        }
    }

    pub fn remove(&mut self, key: Slot) -> Option<V> {
        match self {
            SlotMap::One(k, v) if *k == key => {
                let v = *v;
                *self = SlotMap::Empty;
                Some(v)
            }
            // A map that shrinks stays a map: avoids flapping between
            // representations when a reader count hovers around one.
            SlotMap::Many(m) => m.remove(&key),
            _ => None,
        }
    }

    pub fn iter(&self) -> Iter<'_, V> {
        match self {
            SlotMap::Empty => Iter::One(None),
            SlotMap::One(k, v) => Iter::One(Some((*k, v))),
            SlotMap::Many(m) => Iter::Many(m.iter()),
        }
    }

    pub fn keys(&self) -> impl Iterator<Item = Slot> + '_ {
        self.iter().map(|(k, _)| k)
    }
}

impl SlotSet {
    /// Returns true if `key` was not there yet.
    pub fn insert(&mut self, key: Slot) -> bool {
        let fresh = self.get(key).is_none();
        self.entry(key);
        fresh
    }
}

pub(crate) enum Iter<'a, V> {
    One(Option<(Slot, &'a V)>),
    Many(hash_map::Iter<'a, Slot, V>),
}

impl<'a, V> Iterator for Iter<'a, V> {
    type Item = (Slot, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::One(x) => x.take(),
            Iter::Many(it) => it.next().map(|(k, v)| (*k, v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_and_shrinks_through_all_representations() {
        let mut m: SlotMap<u32> = SlotMap::default();
        assert!(m.is_empty());
        *m.entry(7) += 2;
        assert!(matches!(m, SlotMap::One(7, 2)));
        *m.entry(7) += 1;
        *m.entry(3) += 5;
        assert!(matches!(m, SlotMap::Many(_)));
        let mut all: Vec<_> = m.iter().map(|(k, &v)| (k, v)).collect();
        all.sort_unstable();
        assert_eq!(all, vec![(3, 5), (7, 3)]);
        assert_eq!(m.remove(7), Some(3));
        assert_eq!(m.remove(7), None);
        assert_eq!(m.remove(3), Some(5));
        assert!(m.is_empty());
        assert_eq!(m.keys().count(), 0);

        let mut s = SlotSet::default();
        assert!(s.insert(1));
        assert!(!s.insert(1));
        assert_eq!(s.remove(2), None);
        assert_eq!(s.remove(1), Some(()));
        assert!(s.is_empty());
    }
}
