//! The command line, declared with clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "weir",
    version,
    about = "A reactive notebook for Python, with a Rust core"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create a starter notebook.
    New {
        /// Where to write it (must not exist).
        path: PathBuf,
    },
    /// Report problems: syntax errors, names defined twice, cycles, deleting another cell's name.
    ///
    /// Syntax is judged by the Python that `weir exec` would run (asked its version only
    /// when some cell's verdict depends on it), or by `--python-version`.
    Check {
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
        format: TextOrJson,
        /// The Python interpreter whose syntax counts (as for `weir exec`).
        #[arg(long, value_name = "PATH")]
        python: Option<PathBuf>,
        /// Judge syntax as this Python version (`3.11`) instead of asking an interpreter.
        #[arg(long, value_name = "X.Y", value_parser = parse_python_version, conflicts_with = "python")]
        python_version: Option<weir_project::PythonVersion>,
    },
    /// Print the dataflow graph of the cells.
    Graph {
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
    },
    /// Rewrite a notebook in canonical form.
    Fmt {
        path: PathBuf,
        /// Only report whether the file would change (exit 1 if it would).
        #[arg(long)]
        check: bool,
    },
    /// Run every cell of a notebook, headless, and print the results.
    Exec {
        path: PathBuf,
        /// The Python interpreter (default: `$VIRTUAL_ENV/bin/python`; for a `weir`
        /// installed in a virtual environment, the `python` beside it; else `python3`).
        #[arg(long, value_name = "PATH")]
        python: Option<PathBuf>,
        /// Print one JSON object per cell, then a summary line.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        store: StoreArgs,
        /// Recompute persisted cells and replace their stored entries: every one, or
        /// `--refresh=CELL` (a cell name or index; repeatable).
        #[arg(long, value_name = "CELL", num_args = 0..=1, require_equals = true, default_missing_value = "*")]
        refresh: Vec<String>,
        /// A failed integrity check, or a store that cannot be used, is an error
        /// instead of a reported recovery.
        #[arg(long)]
        strict: bool,
    },
    /// Open the editor in the browser: a notebook (created if missing), or a directory's
    /// listing of notebooks (default: the current directory).
    Edit {
        path: Option<PathBuf>,
        /// The port (0: any free port).
        #[arg(long, default_value_t = 2719)]
        port: u16,
        /// The address to listen on; anything but loopback lets other machines reach it.
        #[arg(long, default_value = "127.0.0.1")]
        host: std::net::IpAddr,
        /// Do not open a browser; only print the address.
        #[arg(long)]
        headless: bool,
        /// The Python interpreter (as for `weir exec`).
        #[arg(long, value_name = "PATH")]
        python: Option<PathBuf>,
    },
    /// Reproducibility audit: re-run the notebook in a fresh worker (no restores) and
    /// compare each persisted cell's values with the stored ones.
    Verify {
        path: PathBuf,
        /// Print one JSON object per persisted cell, then a summary line.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        store: StoreArgs,
        /// The Python interpreter (as for `weir exec`).
        #[arg(long, value_name = "PATH")]
        python: Option<PathBuf>,
    },
    /// Check, clean and count a store of persisted cells.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Run a notebook and write its results as a static page.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Tools for developing Weir itself.
    #[command(subcommand)]
    Debug(DebugCommand),
}

#[derive(Subcommand)]
pub enum ExportCommand {
    /// One self-contained HTML page: code, outputs, printed text, errors.
    Html {
        path: PathBuf,
        /// Where to write the page (replaced atomically).
        #[arg(short, long, value_name = "OUT")]
        output: PathBuf,
        /// Leave the cells' code out; show only their results.
        #[arg(long)]
        no_code: bool,
        /// The Python interpreter (default: `$VIRTUAL_ENV/bin/python`; for a `weir`
        /// installed in a virtual environment, the `python` beside it; else `python3`).
        #[arg(long, value_name = "PATH")]
        python: Option<PathBuf>,
    },
}

/// Where the store of persisted cells is.
#[derive(Args, Clone, Default)]
pub struct StoreArgs {
    /// The store directory (default: `$WEIR_STORE`, else `__weir__/store/` beside the notebook).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// A replica directory, a full copy that repairs the primary (repeatable; default:
    /// `$WEIR_STORE_REPLICAS`, colon-separated).
    #[arg(long = "replica", value_name = "DIR")]
    pub replicas: Vec<PathBuf>,
}

#[derive(Subcommand)]
pub enum StoreCommand {
    /// Verify every object and record; repair from a replica where one exists.
    Scrub {
        /// A notebook: its store is `__weir__/store/` beside it (unless --store).
        path: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        json: bool,
    },
    /// Remove objects no record reaches.
    Gc {
        path: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        json: bool,
    },
    /// Count objects, records, bytes and quarantined files.
    Stats {
        path: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        json: bool,
    },
    /// Verify every `mo.persistent_cache` entry beside a notebook
    /// (`__weir__/cache/`); list the bad ones by path.
    CacheCheck {
        /// The notebook (its cache is `__weir__/cache/` beside it).
        path: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Remove the bad `mo.persistent_cache` entries beside a notebook (with
    /// --all, every entry); the functions run again on their next call.
    CacheClean {
        path: PathBuf,
        /// Remove every entry, not only the bad ones.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum DebugCommand {
    /// Analyse cells from a JSON-lines file (`{"id", "code"}` per line) and
    /// print `{"id", "defs", "refs", "deleted_refs", "builtin_refs", "error"}` per line.
    AnalyzeCells {
        /// The input file, or `-` for standard input.
        input: PathBuf,
    },
    /// Time loading a notebook (read, parse, analyse, build the graph) and a
    /// one-cell edit, in-process; prints JSON. Used by bench/notebook_core.py.
    TimeLoad {
        path: PathBuf,
        #[arg(long, default_value_t = 10)]
        repeat: usize,
    },
}

fn parse_python_version(text: &str) -> Result<weir_project::PythonVersion, String> {
    weir_project::parse_python_version(text)
        .filter(|v| v.major == 3)
        .ok_or_else(|| format!("`{text}` is not a Python 3 version like 3.11"))
}

#[derive(Clone, Copy, ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum GraphFormat {
    Mermaid,
    Dot,
    Json,
}
