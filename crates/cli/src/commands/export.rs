//! `weir export html nb.py -o out.html [--no-code] [--python P]`: run the
//! notebook headless and write one self-contained HTML page of the results
//! (rendering: `weir-export`, docs/export.md).
//!
//! Exit status: 0 when the page was written, also when cells failed (the
//! page shows their errors; a one-line summary says how many); 2 when the
//! notebook, the output path or the worker could not be used at all.

mod document;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use weir_export::{HtmlOptions, render_html};
use weir_runtime::launch::PersistRequest;

pub fn run_html(
    path: &Path,
    output: &Path,
    no_code: bool,
    python: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    // Refuse a bad output before spending a run on it.
    if output.is_dir() {
        bail!(
            "{}: is a directory; -o takes the page's file name",
            output.display()
        );
    }
    let launched = super::launch::start(path, python, PersistRequest::Off)?;
    let title = document::title(launched.session.project(), path);
    let kernel = super::launch::kernel(launched);
    let ran = super::launch::run_all(&kernel, |_, _| {});
    // The worker has nothing left to do; a dead one has already been reaped.
    kernel.shutdown();
    let (report, state) =
        ran.with_context(|| format!("{}: running the notebook", path.display()))?;
    let doc = document::build(path, title, &state, document::generated_at());

    let html = render_html(
        &doc,
        &HtmlOptions {
            include_code: !no_code,
        },
    );
    weir_project::save_file(output, html.as_bytes(), weir_project::Expected::Anything)?;
    let mut line = format!("{}: {}", output.display(), weir_export::summary(&doc));
    if let Some(death) = &report.worker_died {
        line.push_str(&format!(
            "; the worker died ({}) while running {}",
            death.status, death.cell
        ));
    }
    outln!("{line}");
    Ok(ExitCode::SUCCESS)
}
