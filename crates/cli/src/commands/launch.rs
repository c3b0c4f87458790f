//! The commands that run cells (`exec`, `verify`, `export html`) start a
//! session with `weir_runtime::launch` and run it on the kernel, as any
//! client would: subscribe, ask for one reported run, follow its events.
//! Here only what is the CLI's own: its flag names in errors.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use weir_runtime::RunReport;
use weir_runtime::kernel::{
    self, Delivery, EventBody, KernelConfig, KernelEvent, KernelHandle, KernelSnapshot,
};
use weir_runtime::launch::{LaunchError, Launched, NotebookLaunch, PersistRequest};

/// Starts a session for the notebook at `path`; errors speak of the
/// command's flags.
pub(crate) fn start(
    path: &Path,
    python: Option<PathBuf>,
    persist: PersistRequest,
) -> anyhow::Result<Launched> {
    let strict = matches!(persist, PersistRequest::Exec { strict: true, .. });
    let launched = NotebookLaunch::new(path)
        .python(python)
        .persist(persist)
        .start();
    match launched {
        Ok(launched) => {
            for warning in &launched.warnings {
                eprintln!("weir: warning: {warning}");
            }
            Ok(launched)
        }
        Err(e @ LaunchError::NoSuchCell { .. }) => bail!("--refresh {e}"),
        Err(e @ LaunchError::Store { .. }) if strict => {
            Err(anyhow::Error::new(e).context("--strict: the store cannot be used"))
        }
        Err(e @ LaunchError::NoStore) => {
            bail!("{e}: give --store DIR or set WEIR_STORE")
        }
        Err(e) => Err(e.into()),
    }
}

/// Hands the session to a kernel.
pub(crate) fn kernel(launched: Launched) -> KernelHandle {
    kernel::spawn(launched.session, KernelConfig::default())
}

/// Runs every cell once on `kernel`, calling `on_event` with each event of
/// the run and the state it leads to; returns the run's report and the
/// final state. The subscription has no queue limit: a batch client must
/// see every event, and it reads them as fast as it prints.
pub(crate) fn run_all(
    kernel: &KernelHandle,
    mut on_event: impl FnMut(&KernelEvent, &KernelSnapshot),
) -> anyhow::Result<(RunReport, KernelSnapshot)> {
    let (mut state, events) = kernel.connect_with_limit(usize::MAX);
    let reply = kernel.run_all_report()?;
    loop {
        match events.recv() {
            Delivery::Event(event) => {
                state.apply(&event);
                // The report is sent before the `Idle` that ends its run;
                // an earlier `Idle` (a Ctrl-C before the run began) is not it.
                if matches!(event.body, EventBody::Idle)
                    && let Ok(report) = reply.try_recv()
                {
                    return Ok((report?, state));
                }
                on_event(&event, &state);
            }
            Delivery::Resync => bail!("fell behind the kernel's events"),
            Delivery::Closed => {
                let report = reply.recv().context("the kernel stopped during the run")?;
                return Ok((report?, state));
            }
        }
    }
}
