//! The WebSocket protocol (docs/editor-protocol.md) against a real server
//! with a real Python worker.

mod common;

use common::*;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

fn seqs(events: &[Value]) -> Vec<u64> {
    events.iter().map(|e| e["seq"].as_u64().unwrap()).collect()
}

fn consecutive_from(events: &[Value], first: u64) {
    let want: Vec<u64> = (first..first + events.len() as u64).collect();
    assert_eq!(seqs(events), want, "events have consecutive seqs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_gives_a_snapshot_of_the_notebook() {
    let server = serve(NOTEBOOK).await;
    let (_client, snapshot) = server.hello().await;
    assert_eq!(snapshot["seq"], 0);
    assert_eq!(snapshot["path"], "nb.py");
    assert_eq!(snapshot["dirty"], false);
    assert_eq!(snapshot["mode"], "autorun");
    let cells = snapshot["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 3);
    assert_eq!(cells[0]["code"], "x = 1");
    assert_eq!(cells[0]["status"], "idle");
    assert!(cells.iter().all(|c| c["version"].is_u64()));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_code_runs_the_cell_and_its_dependent_with_hashed_outputs() {
    let server = serve(NOTEBOOK).await;
    let (mut client, snapshot) = server.hello().await;
    let (x, version) = cell(&snapshot, 0);
    let (y, _) = cell(&snapshot, 1);
    client.send(set_code(1, x, version, "x = 10")).await;
    let mut events = Vec::new();
    let reply = client.settle(1, &mut events).await;
    assert_eq!(reply["type"], "ok", "{reply}");
    consecutive_from(&events, 1);

    let code = events.iter().find(|e| e["type"] == "cell_code").unwrap();
    assert_eq!(code["id"], x);
    assert_ne!(
        code["version"], version,
        "a code change makes a new version"
    );
    let finished: Vec<&Value> = events.iter().filter(|e| e["type"] == "finished").collect();
    let ran: Vec<u64> = finished.iter().map(|e| e["id"].as_u64().unwrap()).collect();
    assert_eq!(
        ran,
        vec![x, y],
        "the cell, then its dependent; not the third"
    );
    assert!(finished.iter().all(|e| e["status"] == "ok"));

    // Integrity hashes, as the browser checks them.
    let stream = events.iter().find(|e| e["type"] == "stream").unwrap();
    assert_eq!(stream["text"], "y is 11\n");
    assert_eq!(stream["hash"], hash("y is 11\n"));
    let output = &finished[1]["outputs"][0];
    assert_eq!(output["text/plain"], "11");
    let Value::Object(bundle) = output else {
        panic!()
    };
    assert_eq!(
        output["hash"],
        weir_runtime::integrity::object_hash(bundle),
        "{output}"
    );
    assert_eq!(output["hash"], hash(r#"{"text/plain":"11"}"#));
    server.stop().await;
}

/// The first cell makes this worker report a hash of its own for text and
/// bundles containing "marked" (what the page would refuse); the client
/// must get exactly that: the worker's hash, not one the server made.
const MARKING: &str = r#"import weir

app = weir.App()


@app.cell
def _():
    import gc
    for obj in gc.get_objects():
        if type(obj).__name__ == "Worker" and hasattr(obj, "_stamp"):
            def marking(message, honest=obj._stamp):
                honest(message)
                if "marked" in str(message):
                    if message["type"] == "stream":
                        message["hash"] = "ab" * 32
                    elif message.get("output"):
                        message["output"]["hash"] = "cd" * 32
            obj._stamp = marking
    return


@app.cell
def _():
    print("marked")
    "marked"
    return


if __name__ == "__main__":
    app.run()
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_gets_the_hash_the_worker_made_unchanged() {
    let server = serve(MARKING).await;
    let (mut client, _) = server.hello().await;
    client.send(json!({"type": "run_all", "req": 1})).await;
    let mut events = Vec::new();
    client.settle(1, &mut events).await;
    let stream = events.iter().find(|e| e["type"] == "stream").unwrap();
    assert_eq!(stream["text"], "marked\n");
    assert_eq!(stream["hash"], "ab".repeat(32));
    let finished = events
        .iter()
        .filter(|e| e["type"] == "finished")
        .nth(1)
        .unwrap();
    assert_eq!(finished["outputs"][0]["text/plain"], "'marked'");
    assert_eq!(finished["outputs"][0]["hash"], "cd".repeat(32));

    // A tab opening now gets the same from the snapshot.
    let (_, snapshot) = server.hello().await;
    let cell = &snapshot["cells"][1];
    assert_eq!(cell["console"][0]["hash"], "ab".repeat(32));
    assert_eq!(cell["outputs"][0]["hash"], "cd".repeat(32));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnecting_with_since_gets_exactly_the_missed_events() {
    let server = serve(NOTEBOOK).await;
    let (mut watcher, snapshot) = server.hello().await;
    let (x, version) = cell(&snapshot, 0);
    let (z, z_version) = cell(&snapshot, 2);

    // The first run, seen by both clients.
    let (mut leaving, _) = server.hello().await;
    watcher.send(set_code(1, x, version, "x = 2")).await;
    let mut seen = Vec::new();
    watcher.settle(1, &mut seen).await;
    let mut left_seen = Vec::new();
    leaving.until_idle(&mut left_seen).await;
    let since = left_seen.last().unwrap()["seq"].as_u64().unwrap();
    leaving.ws.close(None).await.unwrap();

    // More work while that tab is gone.
    watcher
        .send(set_code(2, z, z_version, "z = 6\nprint(z)"))
        .await;
    let mut missed = Vec::new();
    watcher.settle(2, &mut missed).await;
    assert!(missed.iter().any(|e| e["type"] == "stream"));

    let mut back = server.client().await;
    back.send(json!({"type": "hello", "req": 7, "since": since}))
        .await;
    let resumed = back.next().await.unwrap();
    assert_eq!(resumed["type"], "ok", "{resumed}");
    assert_eq!(resumed["req"], 7);
    assert_eq!(resumed["resumed"], true);
    let last = resumed["seq"].as_u64().unwrap();
    let mut replayed = Vec::new();
    while replayed.len() < (last - since) as usize {
        let message = back.next().await.unwrap();
        assert_eq!(message["type"], "event", "only events follow: {message}");
        replayed.push(message["event"].clone());
    }
    consecutive_from(&replayed, since + 1);
    let watched: Vec<Value> = seen
        .iter()
        .chain(&missed)
        .filter(|e| e["seq"].as_u64().unwrap() > since)
        .cloned()
        .collect();
    assert_eq!(replayed, watched, "the same events, no gap, no duplicate");

    // And live events continue from there.
    back.send(json!({"type": "run", "req": 8, "ids": [z]}))
        .await;
    let mut live = Vec::new();
    assert_eq!(back.settle(8, &mut live).await["type"], "ok");
    consecutive_from(&live, last + 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_on_a_stale_version_is_refused_with_the_current_code() {
    let server = serve(NOTEBOOK).await;
    let (mut a, snapshot) = server.hello().await;
    let (mut b, _) = server.hello().await;
    let (z, version) = cell(&snapshot, 2);
    a.send(set_code(1, z, version, "z = 7")).await;
    assert_eq!(a.reply(1, &mut Vec::new()).await["type"], "ok");
    // Tab b still edits the version it loaded.
    b.send(set_code(2, z, version, "z = 8")).await;
    let refused = b.reply(2, &mut Vec::new()).await;
    assert_eq!(refused["type"], "refused", "{refused}");
    assert_eq!(refused["reason"], "stale_version");
    assert_eq!(refused["code"], "z = 7");
    let current = refused["version"].as_u64().unwrap();
    assert_ne!(current, version);
    // With the current version it goes through.
    b.send(set_code(3, z, current, "z = 8")).await;
    assert_eq!(b.reply(3, &mut Vec::new()).await["type"], "ok");
    // A hash that does not match the code is refused too.
    let mut bad = set_code(4, z, current, "z = 9");
    bad["code_hash"] = json!(hash("z = 99"));
    b.send(bad).await;
    let refused = b.reply(4, &mut Vec::new()).await;
    assert_eq!(refused["reason"], "hash_mismatch", "{refused}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_get_errors_and_the_session_keeps_working() {
    let server = serve(NOTEBOOK).await;
    let mut client = server.client().await;
    // Out of order: a command before hello.
    client.send(json!({"type": "run_all", "req": 1})).await;
    let e = client.expect("error").await;
    assert_eq!(e["req"], 1);
    assert!(e["message"].as_str().unwrap().contains("hello"), "{e}");

    let cases = [
        ("not json at all {".to_string(), "not valid JSON"),
        ("[1, 2]".to_string(), "must be a JSON object"),
        ("\"hello\"".to_string(), "must be a JSON object"),
        (r#"{"req": 2}"#.to_string(), "missing field `type`"),
        (r#"{"type": 5}"#.to_string(), "`type` must be a string"),
        (
            r#"{"type": "explode", "req": 3}"#.to_string(),
            "unknown message type",
        ),
        (
            r#"{"type": "hello", "since": "yesterday"}"#.to_string(),
            "`hello`",
        ),
    ];
    for (text, says) in cases {
        client.send_text(text.clone()).await;
        let e = client.expect("error").await;
        assert!(
            e["message"].as_str().unwrap().contains(says),
            "{text} → {e}"
        );
    }
    futures_util::SinkExt::send(&mut client.ws, Message::Binary(vec![1u8, 2, 3].into()))
        .await
        .unwrap();
    assert!(
        client.expect("error").await["message"]
            .as_str()
            .unwrap()
            .contains("binary")
    );

    // Still a working session.
    client.send(json!({"type": "hello"})).await;
    let snapshot = client.expect("snapshot").await;
    client
        .send(json!({"type": "set_code", "req": 4, "id": 0, "code": "x = 3"}))
        .await;
    let e = client.reply(4, &mut Vec::new()).await;
    assert_eq!(e["type"], "error");
    assert!(
        e["message"].as_str().unwrap().contains("base_version"),
        "{e}"
    );
    let (x, version) = cell(&snapshot, 0);
    client.send(set_code(5, x, version, "x = 3")).await;
    let mut events = Vec::new();
    assert_eq!(client.settle(5, &mut events).await["type"], "ok");
    assert!(events.iter().any(|e| e["type"] == "finished"));

    // Oversized: an error, then the connection closes (1009); the
    // notebook goes on and a new connection sees the edit.
    let big = format!(
        r#"{{"type":"hello","pad":"{}"}}"#,
        "x".repeat(4 * 1024 * 1024)
    );
    client.send_text(big).await;
    let e = client.expect("error").await;
    assert!(
        e["message"].as_str().unwrap().contains("over the limit"),
        "{e}"
    );
    let close = loop {
        match tokio::time::timeout(PATIENCE, futures_util::StreamExt::next(&mut client.ws))
            .await
            .unwrap()
        {
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(u16::from(close.unwrap().code), 1009);
    let (_again, snapshot) = server.hello().await;
    assert_eq!(snapshot["cells"][0]["code"], "x = 3");
    server.stop().await;
}

/// The reply to a delete means the cell is gone for every request after
/// it: a `run` naming it is refused, never sent on, and a client joining
/// gets a snapshot without it. (The server's own copy of the state follows
/// the kernel's events and may lag its replies.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cell_is_unknown_as_soon_as_its_delete_is_answered() {
    let server = serve(NOTEBOOK).await;
    let (mut client, _) = server.hello().await;
    for round in 0..40u64 {
        let req = round * 3;
        client
            .send(json!({"type": "insert", "req": req + 1, "index": 0, "code": ""}))
            .await;
        let inserted = client.reply(req + 1, &mut Vec::new()).await;
        let id = inserted["id"].as_u64().expect("an id");
        client
            .send(json!({"type": "delete", "req": req + 2, "id": id}))
            .await;
        assert_eq!(client.reply(req + 2, &mut Vec::new()).await["type"], "ok");
        client
            .send(json!({"type": "run", "req": req + 3, "ids": [id]}))
            .await;
        let run = client.reply(req + 3, &mut Vec::new()).await;
        assert_eq!(run["reason"], "unknown_cell", "round {round}: {run}");
        // A client joining now gets a snapshot without it.
        let (_joined, fresh) = server.hello().await;
        let cells = fresh["cells"].as_array().expect("cells");
        assert!(
            cells.iter().all(|c| c["id"] != id),
            "round {round}: {fresh}"
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn structural_commands_answer_and_delete_returns_what_undo_needs() {
    let server = serve(NOTEBOOK).await;
    let (mut client, snapshot) = server.hello().await;
    let (z, _) = cell(&snapshot, 2);
    client
        .send(json!({"type": "set_mode", "req": 1, "mode": "lazy"}))
        .await;
    assert_eq!(client.reply(1, &mut Vec::new()).await["type"], "ok");
    client
        .send(json!({"type": "insert", "req": 2, "index": 1, "code": "w = 1", "name": "w_cell"}))
        .await;
    let inserted = client.reply(2, &mut Vec::new()).await;
    assert_eq!(inserted["type"], "ok", "{inserted}");
    let w = inserted["id"].as_u64().unwrap();
    client
        .send(json!({"type": "set_options", "req": 3, "id": z, "hide_code": true, "persist": true}))
        .await;
    assert_eq!(client.reply(3, &mut Vec::new()).await["type"], "ok");
    client
        .send(json!({"type": "rename", "req": 4, "id": z, "name": "not valid"}))
        .await;
    assert_eq!(
        client.reply(4, &mut Vec::new()).await["reason"],
        "invalid_name"
    );
    client
        .send(json!({"type": "delete", "req": 5, "id": z}))
        .await;
    let deleted = client.reply(5, &mut Vec::new()).await;
    assert_eq!(
        deleted["deleted"],
        json!({"id": z, "index": 3, "code": "z = 5", "name": "_",
               "options": {"disabled": false, "hide_code": true, "persist": true}}),
        "{deleted}"
    );
    client
        .send(json!({"type": "run", "req": 6, "ids": [z]}))
        .await;
    assert_eq!(
        client.reply(6, &mut Vec::new()).await["reason"],
        "unknown_cell"
    );
    client
        .send(json!({"type": "move", "req": 7, "id": w, "index": 0}))
        .await;
    assert_eq!(client.reply(7, &mut Vec::new()).await["type"], "ok");
    let (_other, fresh) = server.hello().await;
    assert_eq!(fresh["dirty"], true);
    assert_eq!(fresh["mode"], "lazy");
    assert_eq!(fresh["cells"][0]["name"], "w_cell");
    assert_eq!(fresh["cells"].as_array().unwrap().len(), 3);
    server.stop().await;
}
