//! What an export is made of: the notebook's cells as they ran. The CLI
//! builds this from the scheduler's run report; this crate only reads it.

use std::collections::BTreeMap;

/// One MIME bundle, `{"mimetype": data}`, as in the worker protocol
/// (docs/protocol.md): text types carry strings, binary types (PNG, JPEG,
/// GIF) base64 strings, `application/json` any JSON value.
pub type MimeBundle = BTreeMap<String, serde_json::Value>;

/// A whole notebook run, ready to render.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportDocument {
    /// Shown in `<title>` and the page header.
    pub title: String,
    /// When the run happened, as the caller wants it printed (e.g. an RFC
    /// 3339 timestamp). Passed in rather than read from the clock so the
    /// same document always renders to the same bytes. `None` prints none.
    pub generated_at: Option<String>,
    /// The notebook's source path as the user named it, shown in the header.
    pub source: Option<String>,
    /// In file order.
    pub cells: Vec<ExportCell>,
}

/// One cell and what its run produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportCell {
    /// `_` for anonymous cells, else the cell's name.
    pub name: String,
    /// The cell's code, byte for byte.
    pub code: String,
    /// The cell's `hide_code` option: its code is folded away even when the
    /// export includes code.
    pub hide_code: bool,
    /// `ok`, `error`, `stopped`, `interrupted`, `not-run` or `disabled`.
    /// Other values are shown as they are.
    pub status: String,
    /// Why a cell did not run (or was stopped), shown beside the status.
    pub reason: Option<String>,
    /// The cell's outputs in order: `weir.output.*` appends, then the value
    /// of its last expression.
    pub outputs: Vec<MimeBundle>,
    /// What the cell printed, in order: `(stream, text)` with stream
    /// `stdout` or `stderr`.
    pub console: Vec<(String, String)>,
    /// The exception, for status `error`.
    pub error: Option<ExportError>,
}

/// A cell's exception as the worker reported it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportError {
    /// The exception class, e.g. `ZeroDivisionError`.
    pub exc_type: String,
    pub message: String,
    /// Formatted like Python's, starting at the cell's own frame.
    pub traceback: String,
}

/// Rendering choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HtmlOptions {
    /// Show each cell's code (`weir export html --no-code` clears it).
    pub include_code: bool,
}

impl Default for HtmlOptions {
    fn default() -> Self {
        HtmlOptions { include_code: true }
    }
}
