//! What the server holds: its settings, and the notebooks open now (one
//! kernel each, opened on first use and kept until shutdown, so work goes
//! on while no tab is connected).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use tokio::sync::{Mutex, watch};

use crate::notebook::{Notebook, relative};
use crate::{Config, ServerError, StartSession, Target};

pub struct AppState {
    /// Canonical.
    pub root: PathBuf,
    /// The notebook opened from the command line, relative to the root.
    pub opened: Option<String>,
    pub token: String,
    pub port: u16,
    /// WebSocket Origins accepted.
    pub origins: Vec<String>,
    /// Listening beyond loopback (`--host`): the page's own origin is
    /// then whatever name the browser reached us by.
    pub public: bool,
    pub start: StartSession,
    notebooks: Mutex<HashMap<String, Arc<Notebook>>>,
    /// Becomes true when the server stops: connections close.
    pub stop: watch::Sender<bool>,
    pub next_connection: AtomicU64,
}

impl AppState {
    pub async fn new(config: Config, addr: SocketAddr) -> Result<Arc<Self>, ServerError> {
        let root_of = |path: &Path| {
            path.canonicalize().map_err(|source| ServerError::Root {
                path: path.to_path_buf(),
                source,
            })
        };
        let (root, file) = match &config.target {
            Target::Directory(dir) => (root_of(dir)?, None),
            Target::Notebook(file) => {
                let file = root_of(file)?;
                let dir = file.parent().unwrap_or(Path::new("/")).to_path_buf();
                (dir, Some(file))
            }
        };
        let token = crate::auth::new_token().map_err(|e| ServerError::Token(e.to_string()))?;
        let port = addr.port();
        let mut origins = vec![
            format!("http://127.0.0.1:{port}"),
            format!("http://localhost:{port}"),
            format!("http://[::1]:{port}"),
        ];
        if !addr.ip().is_loopback() && !addr.ip().is_unspecified() {
            origins.push(match addr {
                SocketAddr::V4(a) => format!("http://{}:{port}", a.ip()),
                SocketAddr::V6(a) => format!("http://[{}]:{port}", a.ip()),
            });
        }
        let state = Arc::new(AppState {
            opened: file.as_ref().map(|f| relative(&root, f)),
            root,
            token,
            port,
            origins,
            public: !addr.ip().is_loopback(),
            start: config.start,
            notebooks: Mutex::new(HashMap::new()),
            stop: watch::channel(false).0,
            next_connection: AtomicU64::new(1),
        });
        if let Some(rel) = &state.opened {
            state.open(rel).await.map_err(|e| match e {
                Refusal::Open(e) => ServerError::Open(e),
                Refusal::Path(message) => ServerError::Root {
                    path: state.root.join(rel),
                    source: std::io::Error::other(message),
                },
            })?;
        }
        Ok(state)
    }

    /// The notebook at `rel`, opening it (and starting its kernel) if
    /// it is not open yet.
    pub async fn open(&self, rel: &str) -> Result<Arc<Notebook>, Refusal> {
        let (path, rel) = self.resolve(rel).map_err(Refusal::Path)?;
        let mut notebooks = self.notebooks.lock().await;
        if let Some(open) = notebooks.get(&rel) {
            return Ok(Arc::clone(open));
        }
        let start = Arc::clone(&self.start);
        let key = rel.clone();
        let opened = tokio::task::spawn_blocking(move || Notebook::open(path, rel, start))
            .await
            .map_err(|e| Refusal::Path(format!("opening failed: {e}")))?
            .map_err(Refusal::Open)?;
        notebooks.insert(key, Arc::clone(&opened));
        Ok(opened)
    }

    /// A client's notebook path, checked: relative, inside the root, a
    /// `.py` file. Returns the absolute path and the normalised name.
    pub fn resolve(&self, rel: &str) -> Result<(PathBuf, String), String> {
        let candidate = Path::new(rel);
        if rel.is_empty()
            || candidate
                .components()
                .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(format!(
                "{rel:?}: a notebook path must be relative to {} and stay inside it",
                self.root.display()
            ));
        }
        if candidate.extension().is_none_or(|e| e != "py") {
            return Err(format!("{rel:?}: a notebook is a `.py` file"));
        }
        let path = self.root.join(candidate);
        // A symlinked directory could still lead outside the root.
        let parent = path
            .parent()
            .and_then(|p| p.canonicalize().ok())
            .ok_or_else(|| format!("{rel:?}: no such directory"))?;
        if !parent.starts_with(&self.root) {
            return Err(format!("{rel:?}: leaves {}", self.root.display()));
        }
        Ok((path, relative(&self.root, &self.root.join(candidate))))
    }

    /// Closes every notebook; returns what each close did.
    pub async fn close_all(&self) -> Vec<String> {
        let notebooks: Vec<Arc<Notebook>> = self
            .notebooks
            .lock()
            .await
            .drain()
            .map(|(_, n)| n)
            .collect();
        let mut notes = Vec::new();
        for notebook in notebooks {
            let _guard = notebook.op.lock().await;
            let closing = Arc::clone(&notebook);
            if let Ok(Some(note)) = tokio::task::spawn_blocking(move || closing.close()).await {
                notes.push(note);
            }
        }
        notes
    }
}

#[derive(Debug)]
pub enum Refusal {
    Path(String),
    Open(crate::OpenError),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Path(m) => f.write_str(m),
            Refusal::Open(e) => write!(f, "{e}"),
        }
    }
}
