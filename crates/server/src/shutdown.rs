//! Stopping: the first Ctrl-C (SIGINT) or SIGTERM makes the server stop
//! accepting, close its connections and close every notebook (unsaved
//! edits saved or kept beside the file, kernels and workers stopped); a
//! second one during that exits at once, for a cell that ignores
//! interrupts.

/// Completes at the first SIGINT or SIGTERM.
pub async fn signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
    tokio::spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\nweir: interrupted twice, exiting");
            std::process::exit(130);
        }
    });
}
