//! `weir-server`: the editor's server (`weir edit`). HTTP and WebSockets
//! on tokio (axum), one kernel per open notebook, the front end's files
//! embedded in the binary. The wire contract is docs/editor-protocol.md.
//!
//! Modules, one job each: `auth` (token, cookie, Origin, headers),
//! `assets` (the embedded front end), `api` (the JSON endpoints),
//! `message` (the wire messages, validated), `hash` (integrity hashes),
//! `notebook` (one open notebook: kernel, event feed, save, reload),
//! `state` (the open notebooks and the server's settings), `connection`
//! (one WebSocket), `watch` (outside changes to files), `shutdown`
//! (signals, closing kernels without losing edits).

mod api;
mod assets;
mod auth;
mod connection;
pub mod hash;
pub mod message;
mod notebook;
pub mod shutdown;
mod state;
mod ui;
mod watch;

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use axum::serve::ListenerExt as _;
use weir_project::Project;
use weir_runtime::Session;

pub use notebook::OpenError;

/// How a notebook's session starts (interpreter, store, configuration):
/// the caller's decision, so the server runs notebooks exactly as
/// `weir exec` does.
pub type StartSession = Arc<dyn Fn(&Path, Project) -> Result<StartedSession, String> + Send + Sync>;

/// A started session and, when the caller keeps them, the store of its
/// cells' last outputs (shown on open, written as cells finish:
/// docs/persistence.md, *Output snapshots*).
pub struct StartedSession {
    pub session: Session,
    pub snapshots: Option<weir_runtime::snapshots::Snapshots>,
}

impl From<Session> for StartedSession {
    fn from(session: Session) -> Self {
        StartedSession {
            session,
            snapshots: None,
        }
    }
}

/// What the server opens.
#[derive(Debug, Clone)]
pub enum Target {
    /// One notebook file (it must exist); its directory is the root.
    Notebook(PathBuf),
    /// A directory whose notebooks the page lists.
    Directory(PathBuf),
}

pub struct Config {
    pub target: Target,
    pub host: IpAddr,
    /// 0: any free port.
    pub port: u16,
    pub start: StartSession,
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("{path}: {source}")]
    Root {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Open(#[from] OpenError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot make a token: {0}")]
    Token(String),
}

/// A bound server, not yet serving.
pub struct Server {
    listener: tokio::net::TcpListener,
    state: Arc<state::AppState>,
    addr: SocketAddr,
}

impl Server {
    /// Opens the notebook (in notebook mode) and binds the listener.
    pub async fn bind(config: Config) -> Result<Server, ServerError> {
        let addr = SocketAddr::new(config.host, config.port);
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServerError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| ServerError::Bind { addr, source })?;
        let state = state::AppState::new(config, addr).await?;
        Ok(Server {
            listener,
            state,
            addr,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address to open, token included: the one line `weir edit`
    /// prints.
    pub fn url(&self) -> String {
        let host = match self.addr.ip() {
            ip if ip.is_unspecified() => "127.0.0.1".to_string(),
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) => ip.to_string(),
        };
        format!(
            "http://{host}:{}/?token={}",
            self.addr.port(),
            self.state.token
        )
    }

    pub fn token(&self) -> &str {
        &self.state.token
    }

    /// Serves until `shutdown` completes; then closes every connection and
    /// every notebook (saving unsaved edits, see `Notebook::close`) and
    /// returns what it did, one line each, for the person.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Vec<String> {
        let state = Arc::clone(&self.state);
        let app = router(Arc::clone(&state));
        let stop = state.stop.clone();
        // Every message is small and answered at once: with Nagle's
        // algorithm a reply written in two pieces (a WebSocket frame's
        // header and body, two events) waits for the browser's delayed
        // ACK, up to 40 ms on loopback. TCP_NODELAY sends each as written.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                eprintln!("weir: cannot set TCP_NODELAY on a connection: {e}");
            }
        });
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                shutdown.await;
                let _ = stop.send(true);
            })
            .await;
        if let Err(e) = served {
            eprintln!("weir: the server stopped: {e}");
        }
        state.close_all().await
    }
}

fn router(state: Arc<state::AppState>) -> Router {
    Router::new()
        .route("/api/session", get(api::session))
        .route(
            "/api/notebooks",
            get(api::list_notebooks).post(api::create_notebook),
        )
        .route("/ws", get(connection::upgrade))
        .fallback(get(assets::serve))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            auth::require_token,
        ))
        .layer(axum::middleware::map_response(auth::security_headers))
        .with_state(state)
}
