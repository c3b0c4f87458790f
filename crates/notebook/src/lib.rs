//! Weir's notebook file format: read and write marimo-style `.py` notebooks
//! with every cell's code kept exactly.
//!
//! See `docs/format.md` for the format. In short: [`parse`] slices cells out
//! of the source text by syntax-tree ranges (so comments, blank lines and
//! string contents survive), and [`write`] lays them out the way marimo does,
//! reusing the original text of everything the caller did not change.

mod classify;
mod error;
mod indent;
mod lines;
mod model;
mod parse;
mod recover;
mod unparsable;
mod write;

pub use error::FormatError;
pub use indent::{dedent, indent};
pub use model::{
    AppOption, Cell, CellKind, CellOption, CellOptions, CellOrigin, Flavor, FormatWarning,
    LineEnding, Notebook, NotebookOrigin, Signature, normalize_newlines,
};
pub use parse::parse;
pub use write::{cell_text, is_cell_name, write};
