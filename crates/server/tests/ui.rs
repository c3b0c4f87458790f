//! `set_ui_value` over the WebSocket protocol (docs/editor-protocol.md),
//! against a real server and Python worker: the element's value runs its
//! readers (not its creator) and is in the snapshot a new client gets; an
//! id from before its cell re-ran, an invalid value and a malformed
//! message are refused with clear reasons.

mod common;

use common::*;
use serde_json::{Value, json};

const UI: &str = "application/vnd.weir.ui+json";

const SLIDER_NOTEBOOK: &str = r#"import weir

app = weir.App()


@app.cell
def _():
    import weir

    s = weir.ui.slider(0, 10, label="n")
    s
    return (s, weir)


@app.cell
def _(s):
    print("reader", s.value)
    return
"#;

async fn run_all(client: &mut Client) -> Vec<Value> {
    let mut events = Vec::new();
    client.send(json!({"type": "run_all", "req": 1})).await;
    client.settle(1, &mut events).await;
    events
}

fn element_of(events: &[Value], cell: u64) -> String {
    let finished = events
        .iter()
        .find(|e| e["type"] == "finished" && e["id"] == cell)
        .expect("the creating cell finished");
    finished["outputs"][0][UI]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_runs_the_readers_and_a_new_client_sees_it() {
    let server = serve(SLIDER_NOTEBOOK).await;
    let (mut client, snapshot) = server.hello().await;
    let (creator, _) = cell(&snapshot, 0);
    let (reader, _) = cell(&snapshot, 1);
    let events = run_all(&mut client).await;
    let element = element_of(&events, creator);

    client
        .send(json!({"type": "set_ui_value", "req": 2, "element_id": element, "value": 6}))
        .await;
    let mut events = Vec::new();
    let reply = client.settle(2, &mut events).await;
    assert_eq!(reply["type"], "ok", "{reply}");
    assert_eq!(reply["element_id"], element.as_str());
    let value = events
        .iter()
        .find(|e| e["type"] == "ui_value")
        .expect("a ui_value event");
    assert_eq!(
        (value["id"].as_u64(), &value["value"]),
        (Some(creator), &json!(6))
    );
    let started: Vec<u64> = events
        .iter()
        .filter(|e| e["type"] == "started")
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    assert_eq!(
        started,
        vec![reader],
        "the reader runs, the creator does not"
    );
    let text: String = events
        .iter()
        .filter(|e| e["type"] == "stream" && e["id"] == reader)
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(text, "reader 6\n");

    let (_late, snapshot) = server.hello().await;
    assert_eq!(snapshot["cells"][0]["ui_values"][&element], json!(6));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_ids_invalid_values_and_malformed_messages_are_refused() {
    let server = serve(SLIDER_NOTEBOOK).await;
    let (mut client, snapshot) = server.hello().await;
    let (creator, _) = cell(&snapshot, 0);
    let events = run_all(&mut client).await;
    let old = element_of(&events, creator);

    let mut events = Vec::new();
    client
        .send(json!({"type": "set_ui_value", "req": 3, "element_id": old, "value": 99}))
        .await;
    // A refused value is a command handled: an `idle` follows it.
    let reply = client.settle(3, &mut events).await;
    assert_eq!(
        (&reply["type"], &reply["reason"]),
        (&json!("refused"), &json!("invalid_value"))
    );
    assert!(
        reply["message"]
            .as_str()
            .unwrap()
            .contains("outside [0, 10]"),
        "{reply}"
    );

    client
        .send(json!({"type": "run", "req": 4, "ids": [creator]}))
        .await;
    events.clear();
    client.settle(4, &mut events).await;
    let new = element_of(&events, creator);
    assert_ne!(new, old);
    client
        .send(json!({"type": "set_ui_value", "req": 5, "element_id": old, "value": 1}))
        .await;
    let reply = client.reply(5, &mut events).await;
    assert_eq!(reply["reason"], "unknown_element", "{reply}");
    assert!(
        reply["message"].as_str().unwrap().contains("ran again"),
        "{reply}"
    );

    client
        .send(json!({"type": "set_ui_value", "req": 6, "element_id": new}))
        .await;
    let reply = client.reply(6, &mut events).await;
    assert_eq!(reply["type"], "error", "{reply}");
    assert!(
        reply["message"].as_str().unwrap().contains("value"),
        "{reply}"
    );
    client
        .send(json!({"type": "set_ui_value", "req": 7, "element_id": "", "value": 1}))
        .await;
    let reply = client.reply(7, &mut events).await;
    assert_eq!(reply["reason"], "unknown_element", "{reply}");
    server.stop().await;
}
