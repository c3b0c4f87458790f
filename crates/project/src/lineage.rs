//! Lineage keys: what a persisted cell result is stored under.
//!
//! A cell's result is determined by its code and by the values it reads,
//! which are in turn determined by the code and inputs of the cells that
//! define them. So a cell's key hashes its code fingerprint (formatting and
//! comments ignored, see `weir_analysis::code_fingerprint`) together with,
//! for every name it reads, the name and the key of the cell defining it
//! (for a SQL table reference, of every cell creating or attaching what it
//! names), plus a salt naming the environment (Python version, Weir version). Keys
//! are computed from the graph alone, before anything runs, which is what
//! lets a warm run restore a cell without running its ancestors.
//!
//! One kind of input is not code: the value a person set on an element
//! (`weir.ui`). A reader of a name bound to an element hashes that value
//! too (`lineage_keys_with`), so moving a slider gives its readers, and
//! through them their descendants, new keys instead of a stale result.

use std::collections::{BTreeMap, HashMap};

use weir_graph::CellId;

use crate::Project;

/// A 32-byte BLAKE3 digest identifying a cell's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineageKey(pub [u8; 32]);

impl LineageKey {
    /// The 64 lower-case hex digits of the key.
    pub fn to_hex(&self) -> String {
        blake3::Hash::from_bytes(self.0).to_hex().to_string()
    }
}

impl Project {
    /// The lineage key of every cell, in notebook order; `None` for a cell
    /// whose result has no well-defined lineage: it does not parse, it is in
    /// a cycle, it reads a name several cells define, or an ancestor has no
    /// key. `salt` names the environment the results are valid in.
    pub fn lineage_keys(&self, salt: &[u8]) -> Vec<Option<LineageKey>> {
        self.lineage_keys_with(salt, &BTreeMap::new())
    }

    /// [`Project::lineage_keys`] where some global names carry a value
    /// set from outside the code (an element's value, as canonical bytes):
    /// each cell reading such a name hashes the value with it.
    pub fn lineage_keys_with(
        &self,
        salt: &[u8],
        inputs: &BTreeMap<String, Vec<u8>>,
    ) -> Vec<Option<LineageKey>> {
        let graph = self.graph();
        let mut keys: HashMap<CellId, Option<LineageKey>> =
            HashMap::with_capacity(self.cells().len());
        // Parents come before children in run order, so one pass suffices;
        // cells left out of the run order (cycles) keep no key.
        for id in graph.run_order(graph.order()) {
            let Some(index) = self.index_of(id) else {
                continue;
            };
            let key = self.lineage_key_of(index, salt, &keys, inputs);
            keys.insert(id, key);
        }
        (0..self.cells().len())
            .map(|index| keys.get(&self.cell_id(index)).copied().flatten())
            .collect()
    }

    fn lineage_key_of(
        &self,
        index: usize,
        salt: &[u8],
        known: &HashMap<CellId, Option<LineageKey>>,
        inputs: &BTreeMap<String, Vec<u8>>,
    ) -> Option<LineageKey> {
        let analysis = self.analysis(index);
        if analysis.error.is_some() {
            return None;
        }
        let fingerprint = weir_analysis::code_fingerprint(&self.cells()[index].code)?;
        let mut hasher = blake3::Hasher::new();
        // v2: the salt names the notebook file (v1 keys simply miss).
        hasher.update(b"weir-lineage-v2\0");
        hasher.update(&(salt.len() as u64).to_le_bytes());
        hasher.update(salt);
        hasher.update(&fingerprint);
        // BTreeSet iteration is sorted, so the key does not depend on the
        // order names appear in the code.
        let id = self.cell_id(index);
        for name in analysis.refs.iter().chain(&analysis.builtin_refs) {
            if analysis.sql_refs.contains_key(name) {
                // A table reference may be satisfied by several cells at once
                // (the cell attaching the catalog and the one creating the
                // table): each of them is an input.
                for parent in self.graph().parents(id) {
                    let parent_index = self.index_of(parent)?;
                    if crate::deps::satisfies(self.analysis(parent_index), analysis, name) {
                        let parent_key = (*known.get(&parent)?)?;
                        hasher.update(&(name.len() as u64).to_le_bytes());
                        hasher.update(name.as_bytes());
                        hasher.update(&parent_key.0);
                    }
                }
                continue;
            }
            let definers = self.graph().definers(name);
            let parent_key = match definers.as_slice() {
                [] => continue, // a builtin or an undefined name: no lineage to follow
                [only] if *only == id => continue,
                [only] => (*known.get(only)?)?,
                _ => return None, // defined twice: which value is read is not determined
            };
            hasher.update(&(name.len() as u64).to_le_bytes());
            hasher.update(name.as_bytes());
            hasher.update(&parent_key.0);
            if let Some(value) = inputs.get(name) {
                hasher.update(b"\0element value\0");
                hasher.update(&(value.len() as u64).to_le_bytes());
                hasher.update(value);
            }
        }
        Some(LineageKey(*hasher.finalize().as_bytes()))
    }
}
