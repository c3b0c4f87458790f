//! What the editor's panels read (docs/editor-protocol.md, "Graph and
//! variables"): each cell's defs, refs, parents and children in the
//! snapshot, kept current by `graph` events; the names a run defined, with
//! type and preview, by `variables` events. Real server, real worker.

mod common;

use common::*;
use serde_json::{Value, json};

fn ids(value: &Value) -> Vec<u64> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("an array: {value}"))
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect()
}

fn names(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("an array: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

fn cell_by_id(snapshot: &Value, id: u64) -> &Value {
    snapshot["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("cell {id} in {snapshot}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_snapshot_names_each_cells_defs_refs_parents_and_children() {
    let server = serve(NOTEBOOK).await;
    let (_client, snapshot) = server.hello().await;
    let (x, _) = cell(&snapshot, 0);
    let (y, _) = cell(&snapshot, 1);
    let (z, _) = cell(&snapshot, 2);
    let cx = cell_by_id(&snapshot, x);
    assert_eq!(names(&cx["defs"]), ["x"]);
    assert!(names(&cx["refs"]).is_empty());
    assert_eq!(ids(&cx["children"]), [y]);
    assert!(ids(&cx["parents"]).is_empty());
    let cy = cell_by_id(&snapshot, y);
    assert_eq!(names(&cy["defs"]), ["y"]);
    assert_eq!(names(&cy["refs"]), ["x"], "print is a builtin, not a ref");
    assert_eq!(ids(&cy["parents"]), [x]);
    assert!(ids(&cy["children"]).is_empty());
    let cz = cell_by_id(&snapshot, z);
    assert!(ids(&cz["parents"]).is_empty() && ids(&cz["children"]).is_empty());
    assert!(
        cy["variables"].as_array().unwrap().is_empty(),
        "nothing ran"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_sends_the_graph_facts_it_changed_and_a_late_client_sees_them() {
    let server = serve(NOTEBOOK).await;
    let (mut client, snapshot) = server.hello().await;
    let (y, _) = cell(&snapshot, 1);
    let (z, version) = cell(&snapshot, 2);
    client.send(set_code(1, z, version, "w = y * 2")).await;
    let mut events = Vec::new();
    let reply = client.settle(1, &mut events).await;
    assert_eq!(reply["type"], "ok", "{reply}");
    let at = |kind: &str| events.iter().position(|e| e["type"] == kind);
    let graph = &events[at("graph").expect("a graph event")];
    assert!(at("cell_code") < at("graph"), "after the change it follows");
    let changed: Vec<u64> = graph["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    assert_eq!(changed, [y, z], "the edited cell and its new parent only");
    let gz = &graph["cells"][1];
    assert_eq!(names(&gz["defs"]), ["w"]);
    assert_eq!(names(&gz["refs"]), ["y"]);
    assert_eq!(ids(&gz["parents"]), [y]);
    assert_eq!(ids(&graph["cells"][0]["children"]), [z]);

    let (_late, later) = server.hello().await;
    assert_eq!(ids(&cell_by_id(&later, z)["parents"]), [y]);
    assert_eq!(ids(&cell_by_id(&later, y)["children"]), [z]);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_reports_each_cells_variables_and_a_delete_takes_them_away() {
    let source = NOTEBOOK.replace("z = 5", "z = list(range(100000))\n    class Bad:\n        def __repr__(self):\n            raise ValueError('no')\n    bad = Bad()");
    let server = serve(&source).await;
    let (mut client, snapshot) = server.hello().await;
    let (x, _) = cell(&snapshot, 0);
    let (y, _) = cell(&snapshot, 1);
    let (z, _) = cell(&snapshot, 2);
    client.send(json!({"type": "run_all", "req": 1})).await;
    let mut events = Vec::new();
    client.settle(1, &mut events).await;
    let vars = |id: u64| {
        events
            .iter()
            .find(|e| e["type"] == "finished" && e["id"] == id)
            .unwrap_or_else(|| panic!("finished of {id} in {events:?}"))["variables"]
            .clone()
    };
    assert_eq!(
        vars(x),
        json!([{"name": "x", "type": "int", "preview": "1"}])
    );
    assert_eq!(
        vars(y),
        json!([{"name": "y", "type": "int", "preview": "2"}])
    );
    let z_vars = vars(z);
    let z_vars = z_vars.as_array().unwrap();
    let by_name = |n: &str| z_vars.iter().find(|v| v["name"] == n).unwrap();
    assert_eq!(by_name("z")["type"], "list");
    let preview = by_name("z")["preview"].as_str().unwrap();
    assert!(
        preview.starts_with("[0, 1, 2") && preview.chars().count() <= 120,
        "bounded: {preview}"
    );
    assert_eq!(by_name("bad")["type"], "Bad");
    assert!(
        by_name("bad")["preview"].as_str().unwrap().contains("Bad"),
        "a raising repr is named, not raised: {}",
        by_name("bad")
    );
    assert_eq!(by_name("Bad")["type"], "type");

    // A client connecting now has them in its snapshot.
    let (_late, later) = server.hello().await;
    assert_eq!(cell_by_id(&later, x)["variables"][0]["name"], "x");

    // Deleting the defining cell removes it (and its variables); its
    // reader loses its parent.
    client
        .send(json!({"type": "delete", "id": x, "req": 2}))
        .await;
    let mut events = Vec::new();
    assert_eq!(client.settle(2, &mut events).await["type"], "ok");
    let graph = events
        .iter()
        .find(|e| e["type"] == "graph")
        .expect("a graph event");
    assert_eq!(graph["cells"][0]["id"], y);
    assert!(ids(&graph["cells"][0]["parents"]).is_empty());
    let (_late, later) = server.hello().await;
    let cells = later["cells"].as_array().unwrap();
    assert!(cells.iter().all(|c| c["id"] != x));
    assert!(
        cells.iter().all(|c| c["variables"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["name"] != "x")),
        "{later}"
    );
    server.stop().await;
}

/// A graph error names every cell involved (each a link in the editor):
/// all the cells of a cycle, all the definers of a name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graph_error_names_every_cell_involved() {
    let source = "import weir\n\napp = weir.App()\n\n\n@app.cell\ndef _():\n    a = 1\n    return (a,)\n\n\n@app.cell\ndef _():\n    a = 2\n    return (a,)\n\n\n@app.cell\ndef _():\n    a = 3\n    return (a,)\n";
    let server = serve(source).await;
    let (mut client, snapshot) = server.hello().await;
    let all: Vec<u64> = (0..3).map(|i| cell(&snapshot, i).0).collect();
    client.send(json!({"type": "run_all", "req": 1})).await;
    let mut events = Vec::new();
    client.settle(1, &mut events).await;
    let (_late, later) = server.hello().await;
    for (i, &id) in all.iter().enumerate() {
        let skipped = events
            .iter()
            .find(|e| e["type"] == "skipped" && e["id"] == id)
            .unwrap_or_else(|| panic!("cell {i} skipped: {events:?}"));
        let others: Vec<u64> = all.iter().copied().filter(|&o| o != id).collect();
        assert_eq!(ids(&skipped["about_all"]), others, "{skipped}");
        assert_eq!(skipped["about"], others[0]);
        assert_eq!(ids(&cell_by_id(&later, id)["reason_cells"]), others);
    }
    server.stop().await;
}
