//! Structural errors: multiply-defined names, deletions of other cells'
//! names, and (via `scc`) cycles.

use crate::graph::Graph;
use crate::{DeletedNonlocal, GraphErrors, MultiplyDefined};

impl Graph {
    /// Names defined by more than one cell, sorted by name; cells in notebook
    /// order. O(answer) thanks to the maintained set of such names.
    pub fn multiply_defined(&self) -> Vec<MultiplyDefined> {
        let mut out: Vec<MultiplyDefined> = self
            .names
            .multiply_defined
            .iter()
            .map(|&n| {
                let entry = self.names.entry(n);
                MultiplyDefined {
                    name: entry.name.to_string(),
                    cells: self.sorted(entry.all_definers()),
                }
            })
            .collect();
        out.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// Each cell deleting a name that some *other* cell defines, sorted by
    /// name then by the deleter's notebook position. A cell deleting a name
    /// only it defines is fine.
    pub fn deleted_nonlocal(&self) -> Vec<DeletedNonlocal> {
        let mut out = Vec::new();
        for &n in &self.names.deleted {
            let entry = self.names.entry(n);
            for deleter in entry.deleters.keys() {
                let others = entry.all_definers().filter(|&d| d != deleter);
                let definers = self.sorted(others);
                if !definers.is_empty() {
                    out.push((
                        self.pos(deleter),
                        entry,
                        DeletedNonlocal {
                            name: entry.name.to_string(),
                            deleter: self.id(deleter),
                            definers,
                        },
                    ));
                }
            }
        }
        out.sort_unstable_by(|a, b| (&a.1.name, a.0).cmp(&(&b.1.name, b.0)));
        out.into_iter().map(|(_, _, e)| e).collect()
    }

    /// All structural errors at once.
    pub fn errors(&self) -> GraphErrors {
        GraphErrors {
            multiply_defined: self.multiply_defined(),
            cycles: self.cycles(),
            deleted_nonlocal: self.deleted_nonlocal(),
        }
    }
}
