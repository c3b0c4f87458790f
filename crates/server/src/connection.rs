//! One WebSocket: a client on one notebook. The loop reads client
//! messages, forwards the notebook's feed, and sends replies to commands
//! whose answer comes from the kernel later (those wait on a blocking
//! thread, never in this loop, so events keep flowing while a cell runs).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};
use weir_notebook::{Cell, is_cell_name};
use weir_project::Change;
use weir_runtime::kernel::{Command, EditError, OptionsPatch, RunMode};

use crate::message::{self, MAX_CLIENT_MESSAGE, Mode, Request, error, ok, refused};
use crate::notebook::{Item, Notebook, SaveOutcome, cell};
use crate::state::AppState;

/// Frames above this are cut off by the WebSocket layer itself; between
/// it and `MAX_CLIENT_MESSAGE` the client gets an `error` first.
const MAX_FRAME: usize = 16 * 1024 * 1024;
/// "Message too big".
const CLOSE_TOO_BIG: u16 = 1009;

#[derive(Deserialize)]
pub struct Params {
    notebook: Option<String>,
}

pub async fn upgrade(
    State(state): State<Arc<AppState>>,
    Query(params): Query<Params>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let mut origins = state.origins.clone();
    if state.public
        && let Some(host) = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
    {
        origins.push(format!("http://{host}"));
    }
    if !crate::auth::origin_allowed(&headers, &origins) {
        return (StatusCode::FORBIDDEN, "this Origin may not connect").into_response();
    }
    let Some(rel) = params.notebook.or_else(|| state.opened.clone()) else {
        return (StatusCode::BAD_REQUEST, "which notebook? (?notebook=PATH)").into_response();
    };
    let notebook = match state.open(&rel).await {
        Ok(notebook) => notebook,
        Err(e) => return (StatusCode::NOT_FOUND, e.to_string()).into_response(),
    };
    let id = state.next_connection.fetch_add(1, Ordering::Relaxed);
    let stop = state.stop.subscribe();
    ws.max_message_size(MAX_FRAME)
        .max_frame_size(MAX_FRAME)
        .on_upgrade(move |socket| serve(socket, notebook, id, stop))
}

async fn serve(
    socket: WebSocket,
    notebook: Arc<Notebook>,
    id: u64,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let (mut sink, mut stream) = socket.split();
    let (replies, mut replies_rx) = mpsc::unbounded_channel::<String>();
    let mut feed: Option<broadcast::Receiver<Item>> = None;
    loop {
        let out: Vec<Arc<str>> = tokio::select! {
            _ = stop.changed() => {
                let _ = sink.send(Message::Close(Some(CloseFrame {
                    code: 1001,
                    reason: "the server is shutting down".into(),
                }))).await;
                return;
            }
            message = stream.next() => match message {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(Message::Text(text))) => {
                    if text.len() > MAX_CLIENT_MESSAGE {
                        let _ = sink.send(Message::Text(error(None, &message::oversized(text.len())).into())).await;
                        let _ = sink.send(Message::Close(Some(CloseFrame {
                            code: CLOSE_TOO_BIG,
                            reason: "message over 4 MiB".into(),
                        }))).await;
                        return;
                    }
                    handle(&notebook, id, text.as_str(), &mut feed, &replies)
                }
                Some(Ok(Message::Binary(_))) => vec![error(
                    None,
                    "binary frames are not part of the protocol: send JSON text",
                ).into()],
                Some(Ok(_)) => Vec::new(), // ping/pong: answered by the library
            },
            item = next_item(&mut feed) => {
                let mut out = Vec::new();
                take(item, &notebook, id, &mut feed, &mut out);
                drain(&notebook, id, &mut feed, &mut out);
                pack(out)
            }
            Some(reply) = replies_rx.recv() => vec![reply.into()],
        };
        // One flush (one write to the socket) for everything taken: a write
        // per event cost more than the events' own serialising.
        for text in out {
            if sink
                .feed(Message::Text(text.as_ref().into()))
                .await
                .is_err()
            {
                return;
            }
        }
        if sink.flush().await.is_err() {
            return;
        }
    }
}

/// At most this many feed items go out in one write.
const MAX_BATCH: usize = 512;

/// Several messages as one `batch` frame (docs/editor-protocol.md): a
/// run of 100 cells makes hundreds of events in bursts, and a client pays
/// for every frame (a message event in the browser, a parse each), more
/// than for the bytes. The messages are joined as they are, never parsed
/// again.
fn pack(out: Vec<Arc<str>>) -> Vec<Arc<str>> {
    if out.len() < 2 {
        return out;
    }
    let bytes: usize = out.iter().map(|m| m.len() + 1).sum();
    let mut text = String::with_capacity(bytes + 32);
    text.push_str(r#"{"type":"batch","messages":["#);
    for (i, message) in out.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(message);
    }
    text.push_str("]}");
    vec![text.into()]
}

/// One item of the notebook's feed: what it adds to `out`.
fn take(
    item: Result<Item, broadcast::error::RecvError>,
    notebook: &Notebook,
    id: u64,
    feed: &mut Option<broadcast::Receiver<Item>>,
    out: &mut Vec<Arc<str>>,
) {
    match item {
        Ok(Item::Event(text)) => out.push(text),
        Ok(Item::Notice { from, text }) if from != Some(id) => out.push(text),
        Ok(Item::Notice { .. }) => {}
        // A reload, the feed resynchronising, or this client too far
        // behind: start it again from a snapshot.
        Ok(Item::Reset) | Err(broadcast::error::RecvError::Lagged(_)) => {
            let joined = notebook.join(None);
            *feed = Some(joined.rx);
            out.extend(joined.messages);
        }
        Err(broadcast::error::RecvError::Closed) => *feed = None,
    }
}

/// Takes the feed items already waiting (up to `MAX_BATCH`), without
/// waiting for more, so they share one write.
pub(crate) fn drain(
    notebook: &Notebook,
    id: u64,
    feed: &mut Option<broadcast::Receiver<Item>>,
    out: &mut Vec<Arc<str>>,
) {
    use broadcast::error::{RecvError, TryRecvError};
    for _ in 0..MAX_BATCH {
        let Some(rx) = feed.as_mut() else { return };
        let item = match rx.try_recv() {
            Ok(item) => Ok(item),
            Err(TryRecvError::Empty) => return,
            Err(TryRecvError::Lagged(n)) => Err(RecvError::Lagged(n)),
            Err(TryRecvError::Closed) => Err(RecvError::Closed),
        };
        take(item, notebook, id, feed, out);
    }
}

async fn next_item(
    feed: &mut Option<broadcast::Receiver<Item>>,
) -> Result<Item, broadcast::error::RecvError> {
    match feed {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// One client message: the messages to send now. Commands answered by the
/// kernel later reply through `replies`.
fn handle(
    notebook: &Arc<Notebook>,
    connection: u64,
    text: &str,
    feed: &mut Option<broadcast::Receiver<Item>>,
    replies: &mpsc::UnboundedSender<String>,
) -> Vec<Arc<str>> {
    let (req, request) = match message::parse(text) {
        Ok(parsed) => parsed,
        Err(bad) => return vec![error(bad.req, &bad.message).into()],
    };
    if let Request::Hello { since } = request {
        let joined = notebook.join(since);
        *feed = Some(joined.rx);
        let mut out = Vec::new();
        if let Some(seq) = joined.resumed_at {
            out.push(ok(req, json!({"resumed": true, "seq": seq})).into());
        }
        out.extend(joined.messages);
        return out;
    }
    if feed.is_none() {
        return vec![
            error(
                req,
                &format!("`{}` before `hello`: send `hello` first", request.kind()),
            )
            .into(),
        ];
    }
    let reply = |text: String| -> Vec<Arc<str>> { vec![text.into()] };
    let kernel = notebook.kernel();
    let unknown = |id: u32| {
        refused(
            req,
            "unknown_cell",
            &format!("no cell with id {id} in this notebook"),
            json!({"id": id}),
        )
    };
    let sent = |result: Result<(), weir_runtime::kernel::KernelError>| match result {
        Ok(()) => ok(req, json!({})),
        Err(e) => refused(req, "shut_down", &e.to_string(), json!({})),
    };
    match request {
        Request::Hello { .. } => unreachable!("answered above"),
        Request::SetCode {
            id,
            code,
            base_version,
            code_hash,
        } => {
            let actual = crate::hash::text_hash(&code);
            if !actual.eq_ignore_ascii_case(&code_hash) {
                return reply(refused(
                    req,
                    "hash_mismatch",
                    "the code's BLAKE3 hash does not match `code_hash`: it changed on the way",
                    json!({"id": id, "expected": code_hash, "actual": actual}),
                ));
            }
            let (tx, rx) = std::sync::mpsc::channel();
            let command = Command::SetCodeAt {
                cell: cell(id),
                code,
                base_version,
                reply: tx,
            };
            if let Err(e) = kernel.send(command) {
                return reply(refused(req, "shut_down", &e.to_string(), json!({})));
            }
            later(replies, move || match rx.recv() {
                Ok(Ok(_)) => ok(req, json!({"id": id})),
                Ok(Err(EditError::Stale { code, version, .. })) => refused(
                    req,
                    "stale_version",
                    &format!(
                        "cell {id} changed since version {base_version}: it is at version {version}"
                    ),
                    json!({"id": id, "code": code, "version": version}),
                ),
                Ok(Err(EditError::Change(e))) => change_refused(req, id, &e),
                Err(_) => refused(req, "shut_down", "the kernel has shut down", json!({})),
            });
            Vec::new()
        }
        Request::Insert { index, code, name } => {
            let name = name.unwrap_or_else(|| "_".into());
            if name != "_" && !is_cell_name(&name) {
                return reply(refused(
                    req,
                    "invalid_name",
                    &format!("{name:?} is not a valid cell name (a Python identifier)"),
                    json!({}),
                ));
            }
            let change = Change::Insert {
                at: index as usize,
                cell: Box::new(Cell::code(name, code)),
            };
            apply(
                notebook,
                replies,
                req,
                None,
                change,
                |applied| json!({"id": applied.inserted.map(|c| c.0)}),
            );
            Vec::new()
        }
        Request::Delete { id } => {
            let Some(index) = kernel.index_of(id) else {
                return reply(unknown(id));
            };
            apply(
                notebook,
                replies,
                req,
                Some(id),
                Change::Delete { cell: cell(id) },
                move |applied| match &applied.deleted {
                    Some(c) => json!({"deleted": {
                        "id": id,
                        "index": index,
                        "code": c.code,
                        "name": c.name,
                        "options": {
                            "disabled": c.options.disabled,
                            "hide_code": c.options.hide_code,
                            "persist": c.options.other.iter().any(|o| o.name == "persist" && o.value.trim() == "True"),
                        },
                    }}),
                    None => json!({}),
                },
            );
            Vec::new()
        }
        Request::Move { id, index } => {
            let change = Change::Move {
                cell: cell(id),
                to: index as usize,
            };
            apply(notebook, replies, req, Some(id), change, |_| json!({}));
            Vec::new()
        }
        Request::Rename { id, name } => {
            let change = Change::Rename {
                cell: cell(id),
                name,
            };
            apply(notebook, replies, req, Some(id), change, |_| json!({}));
            Vec::new()
        }
        Request::SetOptions {
            id,
            disabled,
            hide_code,
            persist,
        } => {
            let (tx, rx) = std::sync::mpsc::channel();
            let command = Command::PatchOptions {
                cell: cell(id),
                patch: OptionsPatch {
                    disabled,
                    hide_code,
                    persist,
                },
                reply: tx,
            };
            if let Err(e) = kernel.send(command) {
                return reply(refused(req, "shut_down", &e.to_string(), json!({})));
            }
            later(replies, move || match rx.recv() {
                Ok(Ok(_)) => ok(req, json!({})),
                Ok(Err(e)) => change_refused(req, id, &e),
                Err(_) => refused(req, "shut_down", "the kernel has shut down", json!({})),
            });
            Vec::new()
        }
        Request::Run { ids, recompute } => {
            if let Some(&missing) = ids.iter().find(|&&id| kernel.index_of(id).is_none()) {
                return reply(unknown(missing));
            }
            let ids = ids.into_iter().map(cell).collect();
            reply(sent(kernel.send(if recompute {
                Command::Recompute(ids)
            } else {
                Command::Run(ids)
            })))
        }
        Request::RunStale => reply(sent(kernel.send(Command::RunStale))),
        Request::RunAll => reply(sent(kernel.send(Command::RunAll))),
        Request::Interrupt => reply(sent(kernel.interrupt())),
        Request::Restart => reply(sent(kernel.send(Command::RestartWorker))),
        Request::SetMode { mode } => {
            let mode = match mode {
                Mode::Autorun => RunMode::Autorun,
                Mode::Lazy => RunMode::Lazy,
            };
            reply(sent(kernel.send(Command::SetMode(mode))))
        }
        Request::Save { force } => {
            let notebook = Arc::clone(notebook);
            let replies = replies.clone();
            tokio::spawn(async move {
                let _guard = notebook.op.lock().await;
                let saving = Arc::clone(&notebook);
                let outcome = tokio::task::spawn_blocking(move || saving.save(force))
                    .await
                    .unwrap_or_else(|e| SaveOutcome::Failed(e.to_string()));
                let text = match outcome {
                    SaveOutcome::Saved { hash } => {
                        let saved =
                            json!({"type": "saved", "path": notebook.rel, "hash": hash.to_hex()});
                        notebook.notify(Some(connection), saved.clone());
                        message::with_req(saved, req)
                    }
                    SaveOutcome::ChangedOnDisk(m) => refused(req, "changed_on_disk", &m, json!({})),
                    SaveOutcome::Failed(m) => refused(req, "save_failed", &m, json!({})),
                };
                let _ = replies.send(text);
            });
            Vec::new()
        }
        Request::SetUiValue { element_id, value } => {
            crate::ui::set_ui_value(&kernel, replies, req, element_id, value)
        }
        Request::Reload => {
            let notebook = Arc::clone(notebook);
            let replies = replies.clone();
            tokio::spawn(async move {
                let _guard = notebook.op.lock().await;
                let reloading = Arc::clone(&notebook);
                let result = tokio::task::spawn_blocking(move || reloading.reload()).await;
                let text = match result {
                    Ok(Ok(())) => ok(req, json!({})),
                    Ok(Err(e)) => refused(req, "load_failed", &e.to_string(), json!({})),
                    Err(e) => refused(req, "load_failed", &e.to_string(), json!({})),
                };
                let _ = replies.send(text);
            });
            Vec::new()
        }
    }
}

/// Sends a change; the reply (built by `fields` on success) comes later.
fn apply(
    notebook: &Arc<Notebook>,
    replies: &mpsc::UnboundedSender<String>,
    req: Option<u64>,
    id: Option<u32>,
    change: Change,
    fields: impl FnOnce(&weir_project::Applied) -> Value + Send + 'static,
) {
    let rx = match notebook.kernel().change(change) {
        Ok(rx) => rx,
        Err(e) => {
            let _ = replies.send(refused(req, "shut_down", &e.to_string(), json!({})));
            return;
        }
    };
    later(replies, move || match rx.recv() {
        Ok(Ok(applied)) => ok(req, fields(&applied)),
        Ok(Err(e)) => change_refused(req, id.unwrap_or(0), &e),
        Err(_) => refused(req, "shut_down", "the kernel has shut down", json!({})),
    });
}

/// Runs a blocking wait off the async threads and sends its reply.
pub(crate) fn later(
    replies: &mpsc::UnboundedSender<String>,
    wait: impl FnOnce() -> String + Send + 'static,
) {
    let replies = replies.clone();
    tokio::task::spawn_blocking(move || {
        let _ = replies.send(wait());
    });
}

fn change_refused(req: Option<u64>, id: u32, e: &weir_project::ChangeError) -> String {
    use weir_project::ChangeError;
    let reason = match e {
        ChangeError::UnknownCell(_) => "unknown_cell",
        ChangeError::InvalidName { .. } => "invalid_name",
        ChangeError::NotRenamable { .. } => "not_renamable",
    };
    refused(req, reason, &e.to_string(), json!({"id": id}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use weir_runtime::{Session, SessionConfig};

    fn open(dir: &std::path::Path) -> Arc<Notebook> {
        let path = dir.join("nb.py");
        std::fs::write(
            &path,
            "import weir\n\napp = weir.App()\n\n\n@app.cell\ndef _():\n    x = 1\n    return (x,)\n",
        )
        .unwrap();
        let start: crate::StartSession = Arc::new(|path: &std::path::Path, project| {
            Session::start(project, SessionConfig::for_notebook(path))
                .map(Into::into)
                .map_err(|e| e.to_string())
        });
        Notebook::open(path, "nb.py".into(), start).unwrap()
    }

    fn notice(n: usize) -> Value {
        json!({"type": "file_changed", "n": n})
    }

    #[test]
    fn drain_takes_every_waiting_item_in_order_but_not_the_clients_own_notices() {
        let dir = tempfile::tempdir().unwrap();
        let notebook = open(dir.path());
        let mut feed = Some(notebook.join(None).rx);
        for n in 0..5 {
            notebook.notify(if n == 2 { Some(7) } else { None }, notice(n));
        }
        let mut out = Vec::new();
        drain(&notebook, 7, &mut feed, &mut out);
        let got: Vec<u64> = out
            .iter()
            .map(|t| {
                serde_json::from_str::<Value>(t).unwrap()["n"]
                    .as_u64()
                    .unwrap()
            })
            .collect();
        assert_eq!(got, [0, 1, 3, 4]);
        // Nothing is waiting now: drain returns at once with nothing.
        out.clear();
        drain(&notebook, 7, &mut feed, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn several_messages_go_as_one_batch_frame_in_order_and_one_goes_alone() {
        let texts: Vec<Arc<str>> = (0..3).map(|n| notice(n).to_string().into()).collect();
        let one = pack(texts[..1].to_vec());
        assert_eq!(one, texts[..1]);
        let packed = pack(texts.clone());
        assert_eq!(packed.len(), 1);
        let frame: Value = serde_json::from_str(&packed[0]).unwrap();
        assert_eq!(frame["type"], "batch");
        assert_eq!(frame["messages"], json!([notice(0), notice(1), notice(2)]));
        assert!(pack(Vec::new()).is_empty());
    }

    #[test]
    fn drain_takes_at_most_one_batch_and_leaves_the_rest_for_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let notebook = open(dir.path());
        let mut feed = Some(notebook.join(None).rx);
        for n in 0..MAX_BATCH + 10 {
            notebook.notify(None, notice(n));
        }
        let mut out = Vec::new();
        drain(&notebook, 7, &mut feed, &mut out);
        assert_eq!(out.len(), MAX_BATCH);
        out.clear();
        drain(&notebook, 7, &mut feed, &mut out);
        assert_eq!(out.len(), 10);
        let first: Value = serde_json::from_str(&out[0]).unwrap();
        assert_eq!(first["n"], MAX_BATCH);
    }

    #[test]
    fn a_client_too_far_behind_gets_a_snapshot_from_drain() {
        let dir = tempfile::tempdir().unwrap();
        let notebook = open(dir.path());
        let mut feed = Some(notebook.join(None).rx);
        for n in 0..crate::notebook::BROADCAST_CAPACITY + 1 {
            notebook.notify(None, notice(n));
        }
        let mut out = Vec::new();
        drain(&notebook, 7, &mut feed, &mut out);
        let first: Value = serde_json::from_str(&out[0]).unwrap();
        assert_eq!(first["type"], "snapshot", "{first}");
    }
}
