//! `weir exec nb.py`: run the whole notebook headless and print each cell's
//! result, as text for people or as JSON lines (`--json`) for programs.
//!
//! A kernel client like any other (`super::launch`): what it prints while
//! the run goes on comes from the kernel's events, folded into its own
//! snapshot; the summary and the exit status from the run's report.
//!
//! Exit status: 0 every cell ran fine (stopped and disabled cells count as
//! fine), 1 a cell failed or could not run, 2 the notebook or the worker
//! could not be used at all, 130 interrupted with Ctrl-C.

mod json;
mod render;
mod text;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;
use weir_runtime::RunReport;
use weir_runtime::kernel::{EventBody, KernelHandle};
use weir_runtime::launch::{PersistRequest, StoreLocation};

use crate::cli::StoreArgs;

/// The status a shell gives a process ended by SIGINT.
const INTERRUPTED: u8 = 130;

/// The persistence flags of `weir exec` (docs/persistence.md).
pub struct PersistArgs {
    pub store: StoreArgs,
    /// `*` for every persisted cell, else cell names or indices.
    pub refresh: Vec<String>,
    pub strict: bool,
}

pub fn run(
    path: &Path,
    python: Option<PathBuf>,
    json: bool,
    persist: PersistArgs,
) -> anyhow::Result<ExitCode> {
    let request = PersistRequest::Exec {
        store: StoreLocation {
            dir: persist.store.store,
            replicas: persist.store.replicas,
            key: None,
        },
        refresh: persist.refresh,
        strict: persist.strict,
    };
    let launched = super::launch::start(path, python, request)?;
    let kernel = super::launch::kernel(launched);
    let presses = install_ctrl_c(kernel.clone());
    // A Ctrl-C pressed just before the run began was cleared when it
    // began: pass it on when a cell starts.
    let relay = |body: &EventBody| {
        if matches!(body, EventBody::Started { .. }) && presses.load(Ordering::SeqCst) > 0 {
            let _ = kernel.interrupt();
        }
    };

    let ran = if json {
        let mut failed_write = None;
        let ran = super::launch::run_all(&kernel, |event, state| {
            relay(&event.body);
            if let Some(index) = decided(&event.body, state)
                && let Err(e) = json::cell(index, &state.cells[index])
            {
                failed_write.get_or_insert(e);
            }
        });
        if let Some(e) = failed_write {
            return Err(e).context("cannot write to standard output");
        }
        ran
    } else {
        let printer = text::TextPrinter::start(kernel.snapshot().cells.len())
            .context("cannot start the printer")?;
        let ran = super::launch::run_all(&kernel, |event, state| {
            relay(&event.body);
            printer.event(&event.body, state);
        });
        let summary = match &ran {
            Ok((report, _)) => summary_line(report, presses.load(Ordering::SeqCst) > 0),
            Err(_) => String::new(),
        };
        printer.finish(summary);
        ran
    };
    let (report, _) = ran.with_context(|| format!("{}: running the notebook", path.display()))?;

    let status = exit_status(&report, presses.load(Ordering::SeqCst) > 0);
    if json {
        json::summary(path, &report, status).context("cannot write to standard output")?;
    }
    // The worker has nothing left to do; a dead one has already been reaped.
    kernel.shutdown();
    Ok(ExitCode::from(status))
}

/// The notebook index of the cell a `finished` or `skipped` event decided.
fn decided(body: &EventBody, state: &weir_runtime::kernel::KernelSnapshot) -> Option<usize> {
    match body {
        EventBody::Finished { id, .. } | EventBody::Skipped { id, .. } => {
            state.cells.iter().position(|c| c.meta.id == *id)
        }
        _ => None,
    }
}

fn exit_status(report: &RunReport, ctrl_c: bool) -> u8 {
    if ctrl_c {
        INTERRUPTED
    } else if report.summary().failed {
        1
    } else {
        0
    }
}

/// "summary: 4 cells: 2 ok, 1 error, 1 not run (1.2 s)", plus what ended
/// the run early, if something did.
fn summary_line(report: &RunReport, ctrl_c: bool) -> String {
    let mut line = format!(
        "summary: {} ({})",
        render::summary(&report.summary()),
        render::duration(report.elapsed)
    );
    if let Some(death) = &report.worker_died {
        line.push_str(&format!(
            "\nthe worker died ({}) while running {}",
            death.status, death.cell
        ));
    }
    if ctrl_c {
        line.push_str("\ninterrupted (Ctrl-C)");
    }
    if let Some(p) = &report.persist {
        line.push_str(&format!(
            "\nstore: {} restored, {} stored, {} not needed\nintegrity: {} checks failed, {} repaired",
            p.restored, p.stored, p.not_needed, p.checks_failed, p.repaired
        ));
        for w in &p.warnings {
            eprintln!("weir: warning: {w}");
        }
    }
    line
}

/// The first Ctrl-C is the kernel's interrupt: it stops the running cell
/// and ends the run (the summary still prints); a second one exits at
/// once, for a cell that ignores `KeyboardInterrupt` (the worker's
/// lifeline then ends it). Returns the press count.
fn install_ctrl_c(kernel: KernelHandle) -> Arc<AtomicUsize> {
    let presses = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&presses);
    let installed = ctrlc::set_handler(move || {
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            let _ = kernel.interrupt();
        } else {
            eprintln!("\nweir: interrupted twice, exiting");
            std::process::exit(i32::from(INTERRUPTED));
        }
    });
    if let Err(e) = installed {
        eprintln!("weir: warning: Ctrl-C will not interrupt cells cleanly: {e}");
    }
    presses
}
