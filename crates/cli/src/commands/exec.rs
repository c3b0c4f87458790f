//! `weir exec nb.py`: run the whole notebook headless and print each cell's
//! result, as text for people or as JSON lines (`--json`) for programs.
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
use weir_runtime::persist::is_persisted;
use weir_runtime::{
    PersistMode, Persistence, Refresh, RunReport, SessionEvent, SessionInterrupter,
};

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
    let project = super::load(path)?;
    let persistence = persistence(path, &project, &persist)?;
    let names: Vec<String> = (0..project.cells().len())
        .map(|i| project.display_name(i))
        .collect();
    let mut session = super::start_session(path, project, python)?;
    session.set_persistence(persistence);
    let interrupter = session.interrupter();
    let presses = install_ctrl_c(interrupter.clone());
    // A Ctrl-C pressed just before the run began was cleared when it
    // began: pass it on when the first cell starts.
    let relay = |event: &SessionEvent<'_>| {
        if matches!(event, SessionEvent::CellStarted { .. }) && presses.load(Ordering::SeqCst) > 0 {
            interrupter.interrupt();
        }
    };

    let report = if json {
        let mut failed_write = None;
        let report = session.run_all(|event| {
            relay(&event);
            if let SessionEvent::CellFinished { run, .. } | SessionEvent::CellSkipped { run, .. } =
                event
                && let Err(e) = json::cell(run)
            {
                failed_write.get_or_insert(e);
            }
        });
        if let Some(e) = failed_write {
            return Err(e).context("cannot write to standard output");
        }
        report
    } else {
        let printer = text::TextPrinter::start(names).context("cannot start the printer")?;
        let report = session.run_all(|event| {
            relay(&event);
            printer.event(event)
        });
        let summary = match &report {
            Ok(report) => summary_line(report, presses.load(Ordering::SeqCst) > 0),
            Err(_) => String::new(),
        };
        printer.finish(summary);
        report
    }
    .with_context(|| format!("{}: running the notebook", path.display()))?;

    let status = exit_status(&report, presses.load(Ordering::SeqCst) > 0);
    if json {
        json::summary(path, &report, status).context("cannot write to standard output")?;
    }
    // The worker has nothing left to do; a dead one has already been reaped.
    let _ = session.shutdown();
    Ok(ExitCode::from(status))
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

/// The store to use, if any cell persists. A store that cannot be used is
/// a warning and the notebook runs without persistence, unless `--strict`.
pub(crate) fn persistence(
    path: &Path,
    project: &weir_project::Project,
    args: &PersistArgs,
) -> anyhow::Result<Option<Persistence>> {
    let n = project.cells().len();
    if !(0..n).any(|i| is_persisted(project, i)) {
        return Ok(None);
    }
    let refresh = if args.refresh.iter().any(|r| r == "*") {
        Refresh::All
    } else if args.refresh.is_empty() {
        Refresh::None
    } else {
        let mut cells = std::collections::BTreeSet::new();
        for r in &args.refresh {
            let found = r.parse::<usize>().ok().filter(|&i| i < n).or_else(|| {
                (0..n).find(|&i| project.cells()[i].name == *r || project.display_name(i) == *r)
            });
            match found {
                Some(i) => cells.insert(i),
                None => anyhow::bail!("--refresh {r}: no such cell in {}", path.display()),
            };
        }
        Refresh::Cells(cells)
    };
    let Some(config) = super::store::config(Some(path), &args.store) else {
        return Ok(None);
    };
    let mut dirs = vec![config.root.clone()];
    dirs.extend(config.replicas.iter().cloned());
    match super::store::open(config) {
        Ok(store) => Ok(Some(Persistence {
            store,
            dirs,
            mode: PersistMode::Exec,
            refresh,
            strict: args.strict,
        })),
        Err(e) if args.strict => Err(e.context("--strict: the store cannot be used")),
        Err(e) => {
            eprintln!(
                "weir: warning: {}; running without persistence",
                crate::describe(&e)
            );
            Ok(None)
        }
    }
}

/// The first Ctrl-C interrupts the running cell and ends the run (the
/// summary still prints); a second one exits at once, for a cell that
/// ignores `KeyboardInterrupt`. Returns the press count.
fn install_ctrl_c(interrupter: SessionInterrupter) -> Arc<AtomicUsize> {
    let presses = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&presses);
    let installed = ctrlc::set_handler(move || {
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            interrupter.interrupt();
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
