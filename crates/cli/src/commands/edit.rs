//! `weir edit [PATH]`: the editor. Starts the server (`weir-server`),
//! prints the address with its token on one line, opens a browser unless
//! `--headless`, and serves until Ctrl-C or SIGTERM; then every notebook
//! is closed without losing edits (docs/cli.md, `weir edit`).

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use weir_server::{Config, Server, Target};

/// When `--port` was left at its default and that port is taken, the next
/// ones are tried (another `weir edit` may be running).
const DEFAULT_PORT: u16 = 2719;
const PORT_TRIES: u16 = 20;

pub fn run(
    path: Option<PathBuf>,
    host: IpAddr,
    port: u16,
    headless: bool,
    python: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let path = path.unwrap_or_else(|| PathBuf::from("."));
    let target = if path.is_dir() {
        Target::Directory(path)
    } else {
        if !path.exists() {
            super::new::create(&path)?;
            eprintln!("weir: created {}", path.display());
        }
        Target::Notebook(path)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    runtime.block_on(async move {
        let start: weir_server::StartSession = Arc::new(move |path: &Path, project| {
            start_session(path, project, python.clone()).map_err(|e| crate::describe(&e))
        });
        let server = bind(target, host, port, start).await?;
        let url = server.url();
        outln!("{url}");
        if !headless {
            open_browser(&url);
        }
        for note in server.run(weir_server::shutdown::signal()).await {
            eprintln!("weir: {note}");
        }
        Ok(ExitCode::SUCCESS)
    })
}

async fn bind(
    target: Target,
    host: IpAddr,
    port: u16,
    start: weir_server::StartSession,
) -> anyhow::Result<Server> {
    let tries = if port == DEFAULT_PORT { PORT_TRIES } else { 1 };
    let mut last = None;
    for offset in 0..tries {
        let config = Config {
            target: target.clone(),
            host,
            port: port + offset,
            start: Arc::clone(&start),
        };
        match Server::bind(config).await {
            Ok(server) => return Ok(server),
            Err(e @ weir_server::ServerError::Bind { .. }) => last = Some(e),
            Err(e) => return Err(e.into()),
        }
    }
    Err(last.expect("at least one try").into())
}

/// The session a notebook's kernel owns, started as `weir exec` starts
/// one (`weir_runtime::launch`): the interpreter, the worker, the store of
/// persisted cells. Warnings (a store that cannot be used) go to stderr.
fn start_session(
    path: &Path,
    project: weir_project::Project,
    python: Option<PathBuf>,
) -> anyhow::Result<weir_server::StartedSession> {
    let persist = weir_runtime::launch::PersistRequest::Exec {
        store: Default::default(),
        refresh: Vec::new(),
        strict: false,
    };
    let launched = weir_runtime::launch::NotebookLaunch::new(path)
        .python(python)
        .persist(persist)
        .snapshots(weir_runtime::launch::StoreLocation::default())
        .hash_outputs(true)
        .start_with(project)?;
    for warning in &launched.warnings {
        eprintln!("weir: warning: {warning}");
    }
    Ok(weir_server::StartedSession {
        session: launched.session,
        snapshots: launched.snapshots,
    })
}

/// Best effort: no browser, no display, no error worth stopping for.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let child = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Ok(mut child) = child {
        std::thread::spawn(move || child.wait());
    }
}
