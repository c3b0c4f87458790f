//! The in-memory notebook: what a file holds once parsed, independent of layout.

/// Which of the two file forms a notebook uses. Weir writes a notebook back in
/// the form it was read in, so files move between Weir and marimo unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Flavor {
    /// `import weir` + `app = weir.App(...)`.
    #[default]
    Weir,
    /// `import marimo` + `__generated_with = "..."` + `app = marimo.App(...)`.
    Marimo,
}

impl Flavor {
    /// The module name the file imports (`weir` or `marimo`).
    pub fn module(self) -> &'static str {
        match self {
            Flavor::Weir => "weir",
            Flavor::Marimo => "marimo",
        }
    }
}

/// How a file ends its lines. Python reads `\n`, `\r\n` and `\r` alike,
/// everywhere (inside strings too), so `parse` reads them alike and keeps
/// every text it holds with `\n`; `write` ends every line with the file's
/// own ending, the first one in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum LineEnding {
    #[default]
    Lf,
    CrLf,
    Cr,
}

impl LineEnding {
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "\n",
            LineEnding::CrLf => "\r\n",
            LineEnding::Cr => "\r",
        }
    }

    /// The first line ending in `text` (`Lf` if it has none).
    pub fn of(text: &str) -> Self {
        match text.find(['\r', '\n']) {
            Some(i) if text[i..].starts_with("\r\n") => LineEnding::CrLf,
            Some(i) if text[i..].starts_with('\r') => LineEnding::Cr,
            _ => LineEnding::Lf,
        }
    }
}

/// `text` with every `\r\n` and lone `\r` made `\n`, as Python's tokenizer
/// reads it (borrowed when there is nothing to change).
pub fn normalize_newlines(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('\r') {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// One keyword argument of `App(...)`, kept as source text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AppOption {
    pub name: String,
    /// The value exactly as written, e.g. `"medium"` (quotes included).
    pub value: String,
}

/// One keyword argument of a cell decorator (or of `app._unparsable_cell`)
/// other than `hide_code` / `disabled`, kept as source text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CellOption {
    pub name: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct CellOptions {
    pub hide_code: bool,
    pub disabled: bool,
    /// Every other keyword (`column=1`, ...), raw and in file order.
    pub other: Vec<CellOption>,
}

impl CellOptions {
    pub fn is_default(&self) -> bool {
        !self.hide_code && !self.disabled && self.other.is_empty()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum CellKind {
    /// `@app.cell def NAME(params): ... return (...)`.
    #[default]
    Code,
    /// `with app.setup:` — runs before every other cell; at most one, first.
    Setup,
    /// `@app.function` + a top-level `def`: a reusable function.
    Function,
    /// `@app.class_definition` + a top-level `class`.
    ClassDefinition,
    /// `app._unparsable_cell(r"""...""", name=...)`: code that does not parse.
    Unparsable,
}

/// The names a code cell reads (function parameters) and defines (the final
/// `return`). Computed by the caller from the analysis when writing.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Signature {
    pub params: Vec<String>,
    pub returns: Vec<String>,
}

impl Signature {
    pub fn new<P: Into<String>, R: Into<String>>(
        params: impl IntoIterator<Item = P>,
        returns: impl IntoIterator<Item = R>,
    ) -> Self {
        Signature {
            params: params.into_iter().map(Into::into).collect(),
            returns: returns.into_iter().map(Into::into).collect(),
        }
    }
}

/// Where a parsed cell came from and what it parsed to, so that `write` can
/// emit the original bytes of every cell the caller did not change (a
/// hand-formatted cell stays as the user wrote it until it is edited).
///
/// Provenance, not content: equality ignores it.
#[derive(Clone, Debug)]
pub struct CellOrigin {
    /// Position among the file's cells (setup included), for knowing whether
    /// the text between this cell and its predecessor still applies.
    pub(crate) index: usize,
    /// Text between the previous item and this cell (blank lines, comments).
    pub(crate) leading: String,
    /// The cell's own source text, whole lines, without the final newline.
    pub(crate) text: String,
    /// What `text` parsed to.
    pub(crate) kind: CellKind,
    pub(crate) name: String,
    pub(crate) code: String,
    pub(crate) options: CellOptions,
    pub(crate) is_async: bool,
    pub(crate) signature: Option<Signature>,
    /// Columns removed from each code line by the dedent.
    pub(crate) removed: Vec<u32>,
}

impl PartialEq for CellOrigin {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Cell {
    pub kind: CellKind,
    /// Function name (`_` = anonymous); `setup` for the setup cell.
    pub name: String,
    pub code: String,
    pub options: CellOptions,
    /// `async def` cell (or `async with app.setup`).
    pub is_async: bool,
    /// 1-based file line where the code starts (0 for cells built in memory).
    pub code_start_line: u32,
    /// Columns removed by the dedent: 4 for Code/Setup/Unparsable, 0 for
    /// Function/ClassDefinition.
    pub code_indent: u32,
    /// For parsed code cells: the parameters and returned names as written
    /// in the file.
    pub signature_in_file: Option<Signature>,
    /// Set by `parse`; lets `write` keep unchanged cells byte for byte.
    pub origin: Option<CellOrigin>,
}

impl Cell {
    /// A code cell built in memory.
    pub fn code(name: impl Into<String>, code: impl Into<String>) -> Self {
        Cell::new(CellKind::Code, name, code)
    }

    pub fn new(kind: CellKind, name: impl Into<String>, code: impl Into<String>) -> Self {
        let code_indent = match kind {
            CellKind::Function | CellKind::ClassDefinition => 0,
            _ => 4,
        };
        Cell {
            kind,
            name: name.into(),
            code: code.into(),
            code_indent,
            ..Cell::default()
        }
    }

    /// Map a 1-based (line, column) in the cell's code to the 1-based
    /// (line, column) in the file it was read from. Lines that the dedent
    /// left alone (e.g. unindented lines inside a triple-quoted string) keep
    /// their column.
    pub fn file_position(&self, line_in_cell: u32, column_in_cell: u32) -> (u32, u32) {
        let line = line_in_cell.max(1);
        let removed = match &self.origin {
            Some(o) => o
                .removed
                .get((line - 1) as usize)
                .copied()
                .unwrap_or(self.code_indent),
            None => self.code_indent,
        };
        (
            self.code_start_line.saturating_add(line - 1),
            column_in_cell.saturating_add(removed),
        )
    }

    /// True if this cell still holds exactly what was parsed from its origin
    /// (so its original text can be written back).
    pub(crate) fn unchanged_origin(&self, signature: Option<&Signature>) -> Option<&CellOrigin> {
        let o = self.origin.as_ref()?;
        let same = o.kind == self.kind
            && o.name == self.name
            && o.code == self.code
            && o.options == self.options
            && o.is_async == self.is_async;
        let same_sig = match self.kind {
            CellKind::Code => signature.is_none_or(|s| o.signature.as_ref() == Some(s)),
            _ => true,
        };
        (same && same_sig).then_some(o)
    }
}

/// Layout of a parsed file outside the cells, kept so unchanged parts are
/// written back byte for byte.
#[derive(Clone, Debug)]
pub struct NotebookOrigin {
    /// `import ...` through the `app = ...App(...)` line (no final newline),
    /// and what it parsed to.
    pub(crate) preamble: String,
    pub(crate) flavor: Flavor,
    pub(crate) generated_with: Option<String>,
    pub(crate) app_options: Vec<AppOption>,
    /// Number of cells in the file.
    pub(crate) cell_count: usize,
    /// Text between the last cell (or the preamble) and the footer.
    pub(crate) tail_gap: String,
    /// `if __name__ == "__main__": ...` to the end of the file ("" if absent).
    pub(crate) footer: String,
}

impl PartialEq for NotebookOrigin {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Something odd that `parse` recovered from rather than rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatWarning {
    /// 1-based line in the file.
    pub line: u32,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Notebook {
    pub flavor: Flavor,
    /// The line ending `write` uses (the file's first one when parsed).
    pub line_ending: LineEnding,
    /// Everything before the `import` line (module docstring, comments, PEP
    /// 723 block), verbatim, including its trailing blank lines.
    pub header: String,
    /// `__generated_with` (marimo form only).
    pub generated_with: Option<String>,
    pub app_options: Vec<AppOption>,
    /// Setup cell first if present.
    pub cells: Vec<Cell>,
    /// What `parse` recovered from (broken cells, stray statements).
    pub warnings: Vec<FormatWarning>,
    /// Set by `parse`; lets `write` keep unchanged parts byte for byte.
    pub origin: Option<NotebookOrigin>,
}

impl Notebook {
    /// An empty Weir-form notebook.
    pub fn new_weir() -> Self {
        Notebook::default()
    }

    /// An empty marimo-form notebook.
    pub fn new_marimo(generated_with: impl Into<String>) -> Self {
        Notebook {
            flavor: Flavor::Marimo,
            generated_with: Some(generated_with.into()),
            ..Notebook::default()
        }
    }

    /// A small starter notebook for `weir new`.
    pub fn starter() -> Self {
        let mut nb = Notebook::new_weir();
        nb.cells = vec![
            Cell::code("_", "import weir"),
            Cell::code(
                "_",
                "weir.md(\"# New notebook\\n\\nEdit a cell and every cell that depends on it reruns.\")",
            ),
            Cell::code("_", "x = 21"),
            Cell::code("_", "y = x * 2\ny"),
        ];
        nb
    }

    /// The setup cell, if any.
    pub fn setup(&self) -> Option<&Cell> {
        self.cells.iter().find(|c| c.kind == CellKind::Setup)
    }
}
