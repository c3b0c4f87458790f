//! # weir-graph: the incremental dataflow graph of a notebook's cells
//!
//! This crate knows nothing about Python, files or execution. A cell is an
//! opaque, stable [`CellId`] plus three name sets ([`CellDeps`]):
//!
//! * `defs`: names the cell binds at top level;
//! * `reads`: names the cell reads from the global scope — its free refs plus
//!   any builtin names it reads (so a cell that rebinds `len` becomes a parent
//!   of every cell reading `len`). Deleting a name counts as reading it: the
//!   analysis is expected to put deleted names in `reads` too;
//! * `deletes`: names the cell deletes (`del x`);
//! * `provides` and `hidden_defs`: link keys that are not definitions, and
//!   definitions that link nothing (see [`CellDeps`]); the project uses them
//!   to resolve SQL table references as marimo does.
//!
//! ## The model
//!
//! There is an edge `A → B` iff `A != B` and some name is in both `A.defs`
//! (or `A.provides`) and `B.reads`, **or** in both `A.reads` and
//! `B.deletes`: a cell deleting a name runs after every cell reading it,
//! as in marimo (so two cells deleting one name form a cycle). Edges are
//! derived from the name sets, never set by hand; a cell reading a name it
//! defines or deletes itself gets no self-edge.
//!
//! The notebook order (the order cells appear in the file) is kept separately
//! from the ids: cells are inserted at a position, moved and removed; ids stay
//! put. Every query that returns several cells returns them in notebook order
//! unless it says otherwise.
//!
//! ## Incrementality and invariants
//!
//! The graph keeps, per name, the set of cells defining, reading and deleting
//! it, and per cell its parents and children, each with a *multiplicity*: the
//! number of names connecting the two cells. Inserting, updating or removing a
//! cell touches only the names in its (old and new) sets and the edges through
//! them; an edge appears when its multiplicity goes 0 → 1 and disappears when it
//! goes back to 0. The invariants, checked in full by
//! [`Graph::assert_invariants`] and locally by `debug_assert!`s on every edge
//! change, are:
//!
//! 1. for every ordered pair `A != B`, `children[A][B] == parents[B][A] ==
//!    |A.defs ∩ B.reads| + |A.provides ∩ B.reads| + |A.reads ∩ B.deletes|`,
//!    and the pair is absent from both maps when that is 0;
//! 2. the per-name indexes hold exactly the cells whose sets contain the name;
//! 3. `order`, the cached positions and the id → slot map agree.
//!
//! Strongly connected components (for cycles and run order) are computed on
//! demand with an iterative Tarjan — no recursion, so a 10,000-cell chain is
//! fine — and cached until the next change that adds or removes an edge or a
//! cell. Moving a cell keeps the cache: components do not depend on order.
//!
//! ## Example
//!
//! ```
//! use weir_graph::{CellDeps, CellId, Graph};
//!
//! let mut g = Graph::build([
//!     (CellId(10), CellDeps::new(["df"], ["pd"], [])),   // df = pd.read_csv(..)
//!     (CellId(11), CellDeps::new(["pd"], [], [])),       // import pandas as pd
//!     (CellId(12), CellDeps::new([], ["df", "len"], [])), // len(df)
//! ]);
//! assert_eq!(g.parents(CellId(10)), [CellId(11)]);
//! // Editing cell 11 makes 11, 10 and 12 stale, in dependency order.
//! assert_eq!(g.stale(&[CellId(11)]), [CellId(11), CellId(10), CellId(12)]);
//! // A cell rebinding a builtin becomes a parent of its readers.
//! g.insert(CellId(13), 0, CellDeps::new(["len"], [], []));
//! assert_eq!(g.parents(CellId(12)), [CellId(13), CellId(10)]);
//! assert!(g.errors().is_empty());
//! ```
//!
//! See `docs/graph.md` in the repository for the full write-up, including the
//! run-order and cycle-reporting conventions and the complexity of each call.

mod errors;
mod graph;
mod hash;
mod invariants;
mod names;
mod order;
mod scc;
mod small;

use std::collections::BTreeSet;

pub use graph::Graph;
pub use order::RunPlan;

/// A cell's stable identity. Opaque: it is *not* the cell's position.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellId(pub u32);

/// The names a cell defines, reads and deletes (see the crate docs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CellDeps {
    pub defs: BTreeSet<String>,
    pub reads: BTreeSet<String>,
    pub deletes: BTreeSet<String>,
    /// Link keys: an edge to every other cell whose `reads` hold one, but no
    /// definition (never multiply defined, not in `definers`). A caller that
    /// resolves some references by its own matching rule (SQL's qualified
    /// table names) expresses the matches as keys.
    pub provides: BTreeSet<String>,
    /// Names the cell defines that no cell can read under that name (a SQL
    /// table is not a Python variable): they count as definitions for
    /// multiply-defined, deleted-nonlocal and `definers`, and make no edge.
    /// A name also in `defs` is an ordinary def.
    pub hidden_defs: BTreeSet<String>,
}

impl CellDeps {
    /// Convenience constructor from string slices.
    pub fn new<'a>(
        defs: impl IntoIterator<Item = &'a str>,
        reads: impl IntoIterator<Item = &'a str>,
        deletes: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        CellDeps {
            defs: set(defs),
            reads: set(reads),
            deletes: set(deletes),
            ..CellDeps::default()
        }
    }

    /// Adds link keys (see [`CellDeps::provides`]).
    pub fn with_provides<'a>(mut self, keys: impl IntoIterator<Item = &'a str>) -> Self {
        self.provides.extend(set(keys));
        self
    }

    /// Adds hidden definitions (see [`CellDeps::hidden_defs`]).
    pub fn with_hidden_defs<'a>(mut self, names: impl IntoIterator<Item = &'a str>) -> Self {
        self.hidden_defs.extend(set(names));
        self
    }
}

fn set<'a>(names: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    names.into_iter().map(str::to_owned).collect()
}

/// A name defined by more than one cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultiplyDefined {
    pub name: String,
    /// The defining cells, in notebook order.
    pub cells: Vec<CellId>,
}

/// A cell deleting a name that other cells define.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeletedNonlocal {
    pub name: String,
    pub deleter: CellId,
    /// The *other* cells defining `name`, in notebook order.
    pub definers: Vec<CellId>,
}

/// Every structural error of the graph at once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GraphErrors {
    /// Sorted by name.
    pub multiply_defined: Vec<MultiplyDefined>,
    /// One simple cycle per non-trivial strongly connected component, each as
    /// a sorted list of edges; see [`Graph::cycles`].
    pub cycles: Vec<Vec<(CellId, CellId)>>,
    /// Sorted by name, then deleter's notebook position.
    pub deleted_nonlocal: Vec<DeletedNonlocal>,
}

impl GraphErrors {
    pub fn is_empty(&self) -> bool {
        self.multiply_defined.is_empty()
            && self.cycles.is_empty()
            && self.deleted_nonlocal.is_empty()
    }
}
