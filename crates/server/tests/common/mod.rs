//! A real server on port 0 in this process, with real Python workers, and
//! a WebSocket client that waits for specific messages (never sleeps).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use weir_runtime::{Session, SessionConfig};
use weir_server::{Config, Server, StartSession, Target};

/// Long enough for a worker to start on a loaded machine.
pub const PATIENCE: Duration = Duration::from_secs(60);

pub const NOTEBOOK: &str = r#"import weir

app = weir.App()


@app.cell
def _():
    x = 1
    return (x,)


@app.cell
def _(x):
    y = x + 1
    print("y is", y)
    y
    return (y,)


@app.cell
def _():
    z = 5
    return (z,)


if __name__ == "__main__":
    app.run()
"#;

pub fn start_session() -> StartSession {
    Arc::new(|path: &Path, project| {
        let config = SessionConfig {
            hash_outputs: true,
            ..SessionConfig::for_notebook(path)
        };
        Session::start(project, config)
            .map(Into::into)
            .map_err(|e| e.to_string())
    })
}

pub struct Running {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub port: u16,
    pub token: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<Vec<String>>>,
}

impl Running {
    /// Stops the server as Ctrl-C would; returns its notes, and the
    /// notebook's directory (deleted when dropped).
    pub async fn stop(mut self) -> (Vec<String>, tempfile::TempDir) {
        let _ = self.stop.take().unwrap().send(());
        let notes = tokio::time::timeout(PATIENCE, self.done.take().unwrap())
            .await
            .expect("the server stops in time")
            .unwrap();
        (notes, self.dir)
    }

    pub fn ws_url(&self) -> String {
        format!(
            "ws://127.0.0.1:{}/ws?notebook=nb.py&token={}",
            self.port, self.token
        )
    }

    pub async fn client(&self) -> Client {
        let (ws, _) = tokio_tungstenite::connect_async(self.ws_url())
            .await
            .expect("connect");
        Client {
            ws,
            unpacked: Default::default(),
        }
    }

    /// A client that has said hello and holds the snapshot.
    pub async fn hello(&self) -> (Client, Value) {
        let mut client = self.client().await;
        client.send(json!({"type": "hello"})).await;
        let snapshot = client.expect("snapshot").await;
        (client, snapshot)
    }
}

pub async fn serve(source: &str) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nb.py");
    std::fs::write(&path, source).unwrap();
    let server = Server::bind(Config {
        target: Target::Notebook(path.clone()),
        host: "127.0.0.1".parse().unwrap(),
        port: 0,
        start: start_session(),
    })
    .await
    .expect("the server starts");
    let port = server.local_addr().port();
    let token = server.token().to_string();
    assert_eq!(
        server.url(),
        format!("http://127.0.0.1:{port}/?token={token}")
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    Running {
        dir,
        path,
        port,
        token,
        stop: Some(stop),
        done: Some(done),
    }
}

pub struct Client {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Messages of a `batch` frame not handed out yet.
    pub unpacked: std::collections::VecDeque<Value>,
}

impl Client {
    pub async fn send(&mut self, message: Value) {
        self.send_text(message.to_string()).await;
    }

    pub async fn send_text(&mut self, text: String) {
        self.ws.send(Message::Text(text.into())).await.unwrap();
    }

    /// The next message of any kind (JSON text; each of a `batch` frame's
    /// in turn), or `None` when closed.
    pub async fn next(&mut self) -> Option<Value> {
        if let Some(message) = self.unpacked.pop_front() {
            return Some(message);
        }
        loop {
            let message = tokio::time::timeout(PATIENCE, self.ws.next())
                .await
                .expect("a message arrives in time")?;
            match message {
                Ok(Message::Text(text)) => {
                    let value: Value = serde_json::from_str(&text).unwrap();
                    if value["type"] != "batch" {
                        return Some(value);
                    }
                    let Value::Array(messages) = value["messages"].clone() else {
                        panic!("a batch without messages: {value}");
                    };
                    assert!(messages.len() >= 2, "a batch of one: {value}");
                    self.unpacked.extend(messages);
                    return self.unpacked.pop_front();
                }
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => continue,
            }
        }
    }

    /// Skips to the next message of this `type`.
    pub async fn expect(&mut self, kind: &str) -> Value {
        loop {
            let message = self
                .next()
                .await
                .unwrap_or_else(|| panic!("closed while waiting for {kind}"));
            if message["type"] == kind {
                return message;
            }
        }
    }

    /// The reply to request `req` (`ok`, `refused`, `error`, `saved`),
    /// collecting every event on the way.
    pub async fn reply(&mut self, req: u64, events: &mut Vec<Value>) -> Value {
        loop {
            let message = self.next().await.expect("closed while waiting for a reply");
            if message["type"] == "event" {
                events.push(message["event"].clone());
            } else if message["req"] == req {
                return message;
            }
        }
    }

    /// The reply to request `req`, then the events until the work it
    /// started is idle. The reply comes from the kernel's answer and the
    /// events from its feed, so that `idle` may arrive before the reply:
    /// one collected on the way counts, else this waits for it.
    pub async fn settle(&mut self, req: u64, events: &mut Vec<Value>) -> Value {
        let from = events.len();
        let reply = self.reply(req, events).await;
        if !events[from..].iter().any(|e| e["type"] == "idle") {
            self.until_idle(events).await;
        }
        reply
    }

    /// Events until (and with) the next `idle` event.
    pub async fn until_idle(&mut self, events: &mut Vec<Value>) {
        loop {
            let message = self.next().await.expect("closed while waiting for idle");
            if message["type"] == "event" {
                let event = message["event"].clone();
                let idle = event["type"] == "idle";
                events.push(event);
                if idle {
                    return;
                }
            }
        }
    }
}

/// The editor's text hash (`code_hash`), as the page computes it.
pub fn hash(text: &str) -> String {
    weir_runtime::integrity::text_hash(text)
}

/// The snapshot's cell at `index`: (id, version).
pub fn cell(snapshot: &Value, index: usize) -> (u64, u64) {
    let cell = &snapshot["cells"][index];
    (
        cell["id"].as_u64().unwrap(),
        cell["version"].as_u64().unwrap(),
    )
}

pub fn set_code(req: u64, id: u64, version: u64, code: &str) -> Value {
    json!({"type": "set_code", "req": req, "id": id, "base_version": version,
           "code": code, "code_hash": hash(code)})
}
