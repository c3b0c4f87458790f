//! One notebook as a whole.
//!
//! The lower crates each know one thing: `weir-notebook` the file format,
//! `weir-analysis` one cell's names, `weir-graph` the dependency graph over
//! opaque cells. This crate joins them: it loads a file (refusing what is not
//! a notebook with an error that says why), analyses every cell, builds the
//! graph, and answers the questions the command line and, later, the editor
//! ask: diagnostics, the graph report, the signatures to write each cell with,
//! and single-cell edits applied incrementally.
//!
//! Invariant: `cells`, `analyses` and the graph's notebook order always agree
//! cell for cell; every mutation goes through a method that keeps them so.

mod change;
mod deps;
mod diagnostics;
mod lineage;
mod load;
mod render;
mod report;
mod save;

use weir_analysis::{CellAnalysis, CellErrorKind, DEFAULT_PYTHON_VERSION, OLDEST_PYTHON_VERSION};
use weir_graph::{CellId, Graph};

use deps::graph_deps;
use weir_notebook::{Cell, CellKind, Notebook, Signature};

pub use change::{Applied, Change, ChangeError};
pub use diagnostics::{Diagnostic, DiagnosticCode, Severity};
pub use lineage::LineageKey;
pub use load::{LoadError, MAX_NOTEBOOK_BYTES};
pub use report::{CellReport, GraphReport, MultiplyDefinedReport};
pub use save::{ContentHash, Expected, SaveError, save_file};
pub use weir_analysis::{PythonVersion, parse_python_version};

/// A loaded notebook with its analysis and dataflow graph.
pub struct Project {
    notebook: Notebook,
    analyses: Vec<CellAnalysis>,
    /// `ids[i]` is the graph id of `notebook.cells[i]`. Ids are never reused.
    ids: Vec<CellId>,
    next_id: u32,
    graph: Graph,
    /// The hash of the file as last loaded or saved; `None` for a notebook
    /// that has never been on disk. A save refuses to replace anything else.
    disk_version: Option<ContentHash>,
    /// The Python whose syntax the cells are judged by.
    python: PythonVersion,
}

impl Project {
    /// Analyses every cell of an already parsed notebook, for
    /// [`DEFAULT_PYTHON_VERSION`], and builds its graph.
    pub fn new(notebook: Notebook) -> Self {
        let python = DEFAULT_PYTHON_VERSION;
        let analyses = analyze_all(&notebook.cells, python);
        let ids: Vec<CellId> = (0..notebook.cells.len() as u32).map(CellId).collect();
        let graph = Graph::build(
            ids.iter()
                .zip(&analyses)
                .map(|(id, analysis)| (*id, graph_deps(analysis))),
        );
        Project {
            next_id: ids.len() as u32,
            notebook,
            analyses,
            ids,
            graph,
            disk_version: None,
            python,
        }
    }

    /// Gives the cells ids from `first` on, in notebook order, as if every
    /// lower id had been used already. A server that replaces one kernel
    /// with another (a reload) uses it so that no id a client still holds
    /// names a different cell of the new one.
    pub fn renumber_from(&mut self, first: u32) {
        let count = self.ids.len() as u32;
        let first = first.min(u32::MAX - count);
        self.ids = (first..first + count).map(CellId).collect();
        self.next_id = first + count;
        self.graph = Graph::build(
            self.ids
                .iter()
                .zip(&self.analyses)
                .map(|(id, analysis)| (*id, graph_deps(analysis))),
        );
        self.debug_check();
    }

    /// The id the next inserted cell gets: every id below it may have been
    /// used.
    pub fn next_id(&self) -> u32 {
        self.next_id
    }

    /// Parses notebook source text. See [`Project::load`] for files.
    pub fn from_source(source: &str) -> Result<Self, LoadError> {
        Ok(Self::new(load::parse_source(source)?))
    }

    /// Reads, checks and parses a notebook file.
    pub fn load(path: &std::path::Path) -> Result<Self, LoadError> {
        let (notebook, version) = load::load_path(path)?;
        let mut project = Self::new(notebook);
        project.disk_version = Some(version);
        Ok(project)
    }

    /// The hash of the file this project was loaded from or last saved to.
    pub fn disk_version(&self) -> Option<ContentHash> {
        self.disk_version
    }

    /// Whether saving would change the file: its canonical source differs
    /// from the bytes it was loaded from (always true if never on disk).
    pub fn differs_from_disk(&self) -> bool {
        self.disk_version != Some(ContentHash::of(self.to_source().as_bytes()))
    }

    /// Writes the canonical source to `path` atomically (see [`save_file`]).
    /// Refused when the file changed on disk since it was loaded or last
    /// saved, and, for a notebook never on disk, when `path` exists.
    pub fn save(&mut self, path: &std::path::Path) -> Result<ContentHash, SaveError> {
        self.save_as(path, false)
    }

    /// [`Project::save`], but `overwrite` replaces whatever is on disk (the
    /// person chose to keep this version over the outside change).
    pub fn save_as(
        &mut self,
        path: &std::path::Path,
        overwrite: bool,
    ) -> Result<ContentHash, SaveError> {
        let expected = match (overwrite, self.disk_version) {
            (true, _) => Expected::Anything,
            (false, Some(version)) => Expected::Content(version),
            (false, None) => Expected::Absent,
        };
        let version = save_file(path, self.to_source().as_bytes(), expected)?;
        self.disk_version = Some(version);
        Ok(version)
    }

    /// The Python whose syntax the cells are judged by.
    pub fn python_version(&self) -> PythonVersion {
        self.python
    }

    /// Judge the cells by Python `version` from now on: cells whose
    /// analysis changes (syntax `version` lacks, a compile check that
    /// differs) are updated in the graph. Cell kinds stay as the file says:
    /// which Python runs a notebook does not change its file.
    pub fn set_python_version(&mut self, version: PythonVersion) {
        if version == self.python {
            return;
        }
        self.python = version;
        let fresh = analyze_all(&self.notebook.cells, version);
        for (index, analysis) in fresh.into_iter().enumerate() {
            if analysis != self.analyses[index] {
                self.graph.update(self.ids[index], graph_deps(&analysis));
                self.analyses[index] = analysis;
            }
        }
        self.debug_check();
    }

    /// Whether any cell's analysis depends on the Python version: whether
    /// it differs between the oldest Python Weir runs on and the newest.
    /// Every version rule is a threshold ("from 3.10 on", "before 3.14"),
    /// so a cell judged the same at both ends is judged the same by every
    /// version between them. Callers use this to ask the interpreter its
    /// version only when the answer matters.
    pub fn depends_on_python_version(&self) -> bool {
        let at = |index: usize, version: PythonVersion| {
            if version == self.python {
                std::borrow::Cow::Borrowed(&self.analyses[index])
            } else {
                std::borrow::Cow::Owned(analyze(&self.notebook.cells[index], version))
            }
        };
        (0..self.notebook.cells.len())
            .any(|index| at(index, OLDEST_PYTHON_VERSION) != at(index, DEFAULT_PYTHON_VERSION))
    }

    pub fn notebook(&self) -> &Notebook {
        &self.notebook
    }

    pub fn cells(&self) -> &[Cell] {
        &self.notebook.cells
    }

    pub fn analysis(&self, index: usize) -> &CellAnalysis {
        &self.analyses[index]
    }

    pub fn analyses(&self) -> &[CellAnalysis] {
        &self.analyses
    }

    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The graph id of the cell at `index` in notebook order.
    pub fn cell_id(&self, index: usize) -> CellId {
        self.ids[index]
    }

    /// The notebook index of a graph id.
    pub fn index_of(&self, id: CellId) -> Option<usize> {
        self.graph.position(id)
    }

    /// Replaces one cell's code, re-analysing only that cell and updating
    /// the graph incrementally. What must re-run is then
    /// `graph().stale(&[id])`, computed only when someone asks.
    pub fn edit_cell(&mut self, index: usize, code: String) -> CellId {
        let cell = &mut self.notebook.cells[index];
        cell.code = code;
        let analysis = analyze(cell, self.python);
        // "Unparsable" is what the file says of a cell whose code does not
        // parse; an edit can make a cell so, or mend it.
        let parses = !matches!(&analysis.error, Some(e) if e.kind == CellErrorKind::Syntax);
        cell.kind = match cell.kind {
            CellKind::Code | CellKind::Unparsable if parses => CellKind::Code,
            CellKind::Code | CellKind::Unparsable => CellKind::Unparsable,
            other => other,
        };
        let id = self.ids[index];
        self.graph.update(id, graph_deps(&analysis));
        self.analyses[index] = analysis;
        id
    }

    /// Inserts a new code cell at `index` (clamped to the end).
    pub fn insert_cell(&mut self, index: usize, cell: Cell) -> CellId {
        let index = index.min(self.notebook.cells.len());
        let analysis = analyze(&cell, self.python);
        let id = CellId(self.next_id);
        self.next_id += 1;
        self.graph.insert(id, index, graph_deps(&analysis));
        self.notebook.cells.insert(index, cell);
        self.analyses.insert(index, analysis);
        self.ids.insert(index, id);
        self.debug_check();
        id
    }

    /// Deletes the cell at `index`; its names leave the graph with it.
    pub fn delete_cell(&mut self, index: usize) -> Cell {
        let id = self.ids.remove(index);
        self.graph.remove(id);
        self.analyses.remove(index);
        let cell = self.notebook.cells.remove(index);
        self.debug_check();
        cell
    }

    /// What each cell is written with, computed as marimo's codegen does so
    /// that files move between the tools without churn:
    /// - parameters: the names the cell reads, except module-level names
    ///   (setup-cell defs, `@app.function` / `@app.class_definition` names)
    ///   and builtins no cell rebinds, which script mode finds in globals,
    ///   and qualified SQL table references (no Python name);
    /// - returns: the cell's public defs that some cell reads (a def nobody
    ///   reads need not cross to script mode, and a name the cell itself
    ///   deletes must not be returned);
    /// - unless the file's own signature for the cell has exactly these
    ///   parameters and returns a superset of these names, all of them defs:
    ///   then it is kept, so saving a valid file changes nothing.
    pub fn signatures(&self) -> Vec<Signature> {
        use std::collections::HashSet;
        let mut module_level: HashSet<&str> = HashSet::new();
        let mut defined: HashSet<&str> = HashSet::new();
        let mut read: HashSet<&str> = HashSet::new();
        for (cell, analysis) in self.notebook.cells.iter().zip(&self.analyses) {
            defined.extend(analysis.defs.iter().map(String::as_str));
            read.extend(
                analysis
                    .refs
                    .iter()
                    .chain(&analysis.builtin_refs)
                    .map(String::as_str),
            );
            match cell.kind {
                CellKind::Setup => module_level.extend(analysis.defs.iter().map(String::as_str)),
                CellKind::Function | CellKind::ClassDefinition => {
                    module_level.insert(cell.name.as_str());
                }
                _ => {}
            }
        }
        self.notebook
            .cells
            .iter()
            .zip(&self.analyses)
            .map(|(cell, analysis)| {
                if cell.kind != CellKind::Code {
                    return Signature::default();
                }
                // A qualified SQL reference (`db.tbl`) names a table, not
                // a Python variable: it can never be a parameter.
                let qualified_sql =
                    |name: &str| name.contains('.') && analysis.sql_refs.contains_key(name);
                let refs = analysis
                    .refs
                    .iter()
                    .filter(|name| !module_level.contains(name.as_str()) && !qualified_sql(name));
                let shadowed_builtins = analysis
                    .builtin_refs
                    .iter()
                    .filter(|name| defined.contains(name.as_str()));
                let mut params: Vec<String> = refs.chain(shadowed_builtins).cloned().collect();
                params.sort();
                params.dedup();
                let returns: Vec<String> = analysis
                    .defs
                    .iter()
                    .filter(|name| read.contains(name.as_str()))
                    .cloned()
                    .collect();
                // A file may return more defs than needed (older marimo and
                // hand-written files return them all). Such a signature still
                // runs correctly as a script, so it is kept rather than churned.
                if let Some(in_file) = &cell.signature_in_file {
                    let returns_all_needed =
                        returns.iter().all(|name| in_file.returns.contains(name));
                    let returns_only_defs = in_file
                        .returns
                        .iter()
                        .all(|name| analysis.defs.contains(name));
                    if in_file.params == params && returns_all_needed && returns_only_defs {
                        return in_file.clone();
                    }
                }
                Signature { params, returns }
            })
            .collect()
    }

    /// The notebook in canonical form.
    pub fn to_source(&self) -> String {
        weir_notebook::write(&self.notebook, &self.signatures())
    }

    /// A cell's display name: `_` for anonymous cells, `setup`, `*name` for
    /// `@app.function` and `@app.class_definition` cells (as marimo names them).
    pub fn display_name(&self, index: usize) -> String {
        let cell = &self.notebook.cells[index];
        match cell.kind {
            CellKind::Setup => "setup".to_string(),
            CellKind::Function | CellKind::ClassDefinition => format!("*{}", cell.name),
            _ => cell.name.clone(),
        }
    }

    fn debug_check(&self) {
        debug_assert_eq!(self.ids.len(), self.notebook.cells.len());
        debug_assert_eq!(self.analyses.len(), self.notebook.cells.len());
        debug_assert_eq!(self.graph.order(), &self.ids[..]);
    }
}

/// Cells are analysed independently (the analysis is a pure function of
/// the code), so large notebooks are split across the machine's cores.
fn analyze_all(cells: &[Cell], python: PythonVersion) -> Vec<CellAnalysis> {
    const MIN_CELLS_PER_THREAD: usize = 512;
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(cells.len() / MIN_CELLS_PER_THREAD)
        .max(1);
    if threads == 1 {
        return cells.iter().map(|cell| analyze(cell, python)).collect();
    }
    let chunk = cells.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = cells
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|cell| analyze(cell, python))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("cell analysis never panics"))
            .collect()
    })
}

fn analyze(cell: &Cell, python: PythonVersion) -> CellAnalysis {
    weir_analysis::analyze_cell_for(&cell.code, python)
}
