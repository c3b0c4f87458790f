//! Security (token, cookie, Origin, CSP), saving through the atomic
//! writer, outside changes, and closing without losing edits.

mod common;

use common::*;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// One HTTP/1.1 request; the response head and body as text.
async fn http(port: u16, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    request(port, "GET", path, headers, "").await
}

/// One HTTP/1.1 request with a JSON body.
async fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\nContent-Type: application/json\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut response))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text[9..12].parse().unwrap();
    (status, text)
}

fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    response
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim())
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_needs_the_token_then_the_cookie() {
    let server = serve(NOTEBOOK).await;
    let port = server.port;
    let cookie_name = format!("weir_token_{port}");

    let (status, response) = http(port, "/", &[]).await;
    assert_eq!(status, 401);
    assert!(header(&response, "content-security-policy").is_some());
    assert_eq!(http(port, "/api/session", &[]).await.0, 401);
    assert_eq!(http(port, "/?token=0000", &[]).await.0, 403);
    let wrong = format!("{cookie_name}=1234");
    assert_eq!(
        http(port, "/api/session", &[("Cookie", &wrong)]).await.0,
        403
    );

    // The token from the printed address becomes a cookie, and leaves the
    // address.
    let (status, response) = http(port, &format!("/?token={}", server.token), &[]).await;
    assert_eq!(status, 303);
    assert_eq!(header(&response, "location"), Some("/"));
    let set_cookie = header(&response, "set-cookie").unwrap();
    assert_eq!(
        set_cookie,
        format!(
            "{cookie_name}={}; HttpOnly; SameSite=Strict; Path=/",
            server.token
        )
    );
    let cookie = format!("{cookie_name}={}", server.token);
    let (status, response) = http(port, "/", &[("Cookie", &cookie)]).await;
    assert_eq!(status, 200);
    // The output frames' sizer runs by the hash the build recorded; no
    // other inline script and no eval.
    let recorded: serde_json::Value =
        serde_json::from_str(include_str!("../../../frontend/dist/csp.json")).unwrap();
    let sizer = recorded["script_src_hashes"][0].as_str().unwrap();
    assert_eq!(
        header(&response, "content-security-policy"),
        Some(
            format!(
                "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {sizer}; style-src 'self' 'unsafe-inline'; \
img-src 'self' data: blob:; font-src 'self' data:; frame-src 'self' blob: data:; connect-src 'self'; worker-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'none'"
            )
            .as_str()
        )
    );
    // The page is the front end's built `index.html`, served from the binary.
    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../frontend/dist/index.html"),
    )
    .unwrap();
    assert!(response.ends_with(&page), "{response}");
    assert_eq!(header(&response, "content-type"), Some("text/html"));
    let (status, response) = http(port, "/api/session", &[("Cookie", &cookie)]).await;
    assert_eq!(status, 200);
    assert!(
        response.ends_with(r#"{"mode":"notebook","notebook":"nb.py"}"#),
        "{response}"
    );
    let (_, response) = http(port, "/api/notebooks", &[("Cookie", &cookie)]).await;
    assert!(response.contains(r#""path":"nb.py""#), "{response}");

    // The WebSocket: no token, a wrong one, a foreign Origin: refused.
    let ws = |token: &str| format!("ws://127.0.0.1:{port}/ws?notebook=nb.py&token={token}");
    let refused = |result: Result<_, tokio_tungstenite::tungstenite::Error>| match result {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Ok(_) => panic!("connected"),
        Err(e) => panic!("{e}"),
    };
    let no_token = format!("ws://127.0.0.1:{port}/ws?notebook=nb.py");
    assert_eq!(
        refused(tokio_tungstenite::connect_async(no_token).await),
        401
    );
    assert_eq!(
        refused(tokio_tungstenite::connect_async(ws("ff")).await),
        403
    );
    let mut foreign = ws(&server.token).into_client_request().unwrap();
    foreign
        .headers_mut()
        .insert("Origin", "http://evil.example".parse().unwrap());
    assert_eq!(
        refused(tokio_tungstenite::connect_async(foreign).await),
        403
    );
    let mut own = ws(&server.token).into_client_request().unwrap();
    own.headers_mut().insert(
        "Origin",
        format!("http://127.0.0.1:{port}").parse().unwrap(),
    );
    assert!(tokio_tungstenite::connect_async(own).await.is_ok());
    // A path out of the root is refused before any upgrade.
    let outside = format!(
        "ws://127.0.0.1:{port}/ws?notebook=../nb.py&token={}",
        server.token
    );
    assert_eq!(
        refused(tokio_tungstenite::connect_async(outside).await),
        404
    );
    server.stop().await;
}

/// The page is cross-origin isolated (it keeps its WebSocket in a worker
/// that hands messages over in a `SharedArrayBuffer`): every response, the
/// refusals and the redirect too, carries COOP, COEP and CORP, beside the
/// CSP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_is_cross_origin_isolated() {
    let server = serve(NOTEBOOK).await;
    let port = server.port;
    let cookie = format!("weir_token_{port}={}", server.token);
    let wrong = format!("weir_token_{port}=00");
    let token = format!("/?token={}", server.token);
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, u16);
    let cases: Vec<Case> = vec![
        ("/", vec![], 401),
        ("/", vec![("Cookie", wrong.as_str())], 403),
        (token.as_str(), vec![], 303),
        ("/", vec![("Cookie", cookie.as_str())], 200),
        ("/assets/index.js", vec![("Cookie", cookie.as_str())], 200),
        (
            "/assets/socket-worker.js",
            vec![("Cookie", cookie.as_str())],
            200,
        ),
        ("/api/session", vec![("Cookie", cookie.as_str())], 200),
        ("/api/notebooks", vec![("Cookie", cookie.as_str())], 200),
        // Not an upgrade.
        ("/ws", vec![("Cookie", cookie.as_str())], 400),
        ("/assets/nothing.js", vec![("Cookie", cookie.as_str())], 404),
    ];
    for (path, headers, want) in cases {
        let (status, response) = http(port, path, &headers).await;
        assert_eq!(status, want, "{path}: {response}");
        let head = |name| header(&response, name);
        assert_eq!(
            head("cross-origin-opener-policy"),
            Some("same-origin"),
            "{path}"
        );
        assert_eq!(
            head("cross-origin-embedder-policy"),
            Some("credentialless"),
            "{path}"
        );
        assert_eq!(
            head("cross-origin-resource-policy"),
            Some("same-origin"),
            "{path}"
        );
        assert!(
            head("content-security-policy").is_some_and(|c| c.contains("worker-src 'self'")),
            "{path}"
        );
    }
    // The worker is a module script: served as JavaScript.
    let (_, response) = http(
        port,
        "/assets/socket-worker.js",
        &[("Cookie", cookie.as_str())],
    )
    .await;
    assert!(
        header(&response, "content-type").is_some_and(|t| t.contains("javascript")),
        "{response}"
    );
    server.stop().await;
}

/// The built files keep their names across builds: a browser revalidates
/// each (`no-cache`) and gets a body-less 304 while its copy is current,
/// so an upgraded `weir` is never served from a stale cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_are_revalidated_by_their_content_hash() {
    let server = serve(NOTEBOOK).await;
    let port = server.port;
    let cookie = format!("weir_token_{port}={}", server.token);
    let (status, first) = http(port, "/assets/index.js", &[("Cookie", cookie.as_str())]).await;
    assert_eq!(status, 200);
    assert_eq!(header(&first, "cache-control"), Some("no-cache"));
    let etag = header(&first, "etag").expect("an ETag").to_owned();
    assert!(etag.len() == 66 && etag.starts_with('"'), "{etag}");
    let (status, again) = http(
        port,
        "/assets/index.js",
        &[
            ("Cookie", cookie.as_str()),
            ("If-None-Match", etag.as_str()),
        ],
    )
    .await;
    assert_eq!(status, 304, "{again}");
    let other = format!("\"{}\"", "0".repeat(64));
    let (status, _) = http(
        port,
        "/assets/index.js",
        &[
            ("Cookie", cookie.as_str()),
            ("If-None-Match", other.as_str()),
        ],
    )
    .await;
    assert_eq!(status, 200, "another version's tag gets the file");
    let (_, worker) = http(
        port,
        "/assets/socket-worker.js",
        &[("Cookie", cookie.as_str())],
    )
    .await;
    assert_ne!(
        header(&worker, "etag"),
        Some(etag.as_str()),
        "one tag per content"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn save_writes_atomically_and_an_outside_change_is_noticed_and_refused() {
    let server = serve(NOTEBOOK).await;
    let (mut client, snapshot) = server.hello().await;
    let (z, version) = cell(&snapshot, 2);
    client.send(set_code(1, z, version, "z = 42")).await;
    client.reply(1, &mut Vec::new()).await;
    client.send(json!({"type": "save", "req": 2})).await;
    let saved = client.reply(2, &mut Vec::new()).await;
    assert_eq!(saved["type"], "saved", "{saved}");
    let on_disk = std::fs::read(&server.path).unwrap();
    assert_eq!(saved["hash"], blake3::hash(&on_disk).to_hex().to_string());
    let text = String::from_utf8(on_disk).unwrap();
    assert!(text.contains("z = 42") && text.contains("x = 1"), "{text}");
    // Our own save is not an outside change, and nothing is left beside it.
    let (_, fresh) = server.hello().await;
    assert_eq!(fresh["dirty"], false);
    assert_eq!(fresh["changed_on_disk"], false);
    let names: Vec<_> = std::fs::read_dir(server.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, vec!["nb.py"]);

    // Another program writes the file: the watcher tells the client.
    let outside = NOTEBOOK.replace("z = 5", "z = -1");
    std::fs::write(&server.path, &outside).unwrap();
    let changed = client.expect("file_changed").await;
    assert_eq!(changed["path"], "nb.py");
    let (z, version) = (z, snapshot_version(&mut client, z).await);
    client.send(set_code(3, z, version, "z = 43")).await;
    client.reply(3, &mut Vec::new()).await;
    client.send(json!({"type": "save", "req": 4})).await;
    let refused = client.reply(4, &mut Vec::new()).await;
    assert_eq!(refused["reason"], "changed_on_disk", "{refused}");
    assert_eq!(std::fs::read_to_string(&server.path).unwrap(), outside);
    // Keeping this version is an explicit choice.
    client
        .send(json!({"type": "save", "req": 5, "force": true}))
        .await;
    assert_eq!(client.reply(5, &mut Vec::new()).await["type"], "saved");
    assert!(
        std::fs::read_to_string(&server.path)
            .unwrap()
            .contains("z = 43")
    );

    // Reload: the file is read again, and every client gets a snapshot
    // numbered past everything sent before.
    std::fs::write(&server.path, &outside).unwrap();
    client.expect("file_changed").await;
    client.send(json!({"type": "reload", "req": 6})).await;
    // The reply and the snapshot, in either order.
    let (mut ok, mut reloaded) = (None, None);
    while ok.is_none() || reloaded.is_none() {
        let message = client.next().await.unwrap();
        if message["req"] == 6 {
            ok = Some(message);
        } else if message["type"] == "snapshot" {
            reloaded = Some(message);
        }
    }
    assert_eq!(ok.unwrap()["type"], "ok");
    let reloaded = reloaded.unwrap();
    assert!(reloaded["seq"].as_u64().unwrap() > 0);
    assert!(reloaded["cells"][2]["code"] == "z = -1", "{reloaded}");
    assert_eq!(reloaded["changed_on_disk"], false);
    assert_eq!(reloaded["dirty"], false);
    // The reloaded cells have ids no earlier kernel used: a delete a tab
    // sent from its old state names no cell, and never another one.
    let new_ids: Vec<u64> = reloaded["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    assert!(new_ids.iter().all(|id| *id > z), "{new_ids:?} vs old {z}");
    client
        .send(json!({"type": "delete", "req": 7, "id": z}))
        .await;
    let refused = client.reply(7, &mut Vec::new()).await;
    assert_eq!(refused["reason"], "unknown_cell", "{refused}");
    server.stop().await;
}

/// The current version of a cell, from a fresh snapshot.
async fn snapshot_version(client: &mut Client, id: u64) -> u64 {
    client.send(json!({"type": "hello"})).await;
    let snapshot = client.expect("snapshot").await;
    snapshot["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()["version"]
        .as_u64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_saves_unsaved_edits() {
    let server = serve(NOTEBOOK).await;
    let (mut client, snapshot) = server.hello().await;
    let (z, version) = cell(&snapshot, 2);
    client.send(set_code(1, z, version, "z = 77")).await;
    client.reply(1, &mut Vec::new()).await;
    let path = server.path.clone();
    let (notes, _dir) = server.stop().await;
    assert_eq!(notes, vec!["saved unsaved edits to nb.py".to_string()]);
    assert!(std::fs::read_to_string(&path).unwrap().contains("z = 77"));
    // The client was told the server is going away: the connection ends
    // (after the events already sent).
    while client.next().await.is_some() {}
}

/// An edit whose reply the client has is saved at exit, however soon the
/// exit follows (the server's copy of the notebook follows the kernel's
/// events and may lag its replies; exit waits for it to catch up).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_right_after_an_edit_is_answered_never_loses_it() {
    for round in 0..12 {
        let server = serve(NOTEBOOK).await;
        let (mut client, snapshot) = server.hello().await;
        let (z, version) = cell(&snapshot, 2);
        let code = format!("z = {}", 100 + round);
        client.send(set_code(1, z, version, &code)).await;
        assert_eq!(client.reply(1, &mut Vec::new()).await["type"], "ok");
        let path = server.path.clone();
        let (notes, _dir) = server.stop().await;
        assert_eq!(
            notes,
            vec!["saved unsaved edits to nb.py".to_string()],
            "round {round}"
        );
        assert!(
            std::fs::read_to_string(&path).unwrap().contains(&code),
            "round {round}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_keeps_edits_beside_a_file_changed_on_disk() {
    let server = serve(NOTEBOOK).await;
    let (mut client, snapshot) = server.hello().await;
    let (z, version) = cell(&snapshot, 2);
    client.send(set_code(1, z, version, "z = 78")).await;
    client.reply(1, &mut Vec::new()).await;
    let outside = NOTEBOOK.replace("z = 5", "z = -2");
    std::fs::write(&server.path, &outside).unwrap();
    let path = server.path.clone();
    let beside = server.dir.path().join("nb.py.weir-unsaved");
    let (notes, _dir) = server.stop().await;
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0].contains("changed on disk") && notes[0].contains("nb.py.weir-unsaved"),
        "{notes:?}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), outside);
    assert!(std::fs::read_to_string(&beside).unwrap().contains("z = 78"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directory_lists_its_notebooks_and_creates_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nb.py"), NOTEBOOK).unwrap();
    std::fs::write(dir.path().join("script.py"), "print('not a notebook')\n").unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/deep.py"), NOTEBOOK).unwrap();
    let server = weir_server::Server::bind(weir_server::Config {
        target: weir_server::Target::Directory(dir.path().to_path_buf()),
        host: "127.0.0.1".parse().unwrap(),
        port: 0,
        start: start_session(),
    })
    .await
    .unwrap();
    let port = server.local_addr().port();
    let cookie = format!("weir_token_{port}={}", server.token());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    let auth = [("Cookie", cookie.as_str())];

    let (_, session) = http(port, "/api/session", &auth).await;
    assert!(session.contains(r#""mode":"directory""#), "{session}");
    let (_, listing) = http(port, "/api/notebooks", &auth).await;
    let body: serde_json::Value =
        serde_json::from_str(listing.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    let paths: Vec<&str> = body["notebooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        vec!["nb.py", "sub/deep.py"],
        "plain scripts are not listed"
    );

    let create = |path: &str| format!(r#"{{"path": "{path}"}}"#);
    let (status, body) = request(port, "POST", "/api/notebooks", &auth, &create("new.py")).await;
    assert_eq!(status, 201, "{body}");
    let written = std::fs::read_to_string(dir.path().join("new.py")).unwrap();
    assert!(written.contains("app = weir.App("), "{written}");
    assert_eq!(
        request(port, "POST", "/api/notebooks", &auth, &create("new.py"))
            .await
            .0,
        409,
        "never over an existing file"
    );
    assert_eq!(
        request(port, "POST", "/api/notebooks", &auth, &create("../out.py"))
            .await
            .0,
        400
    );
    assert_eq!(
        request(port, "POST", "/api/notebooks", &auth, "nonsense")
            .await
            .0,
        400
    );
    assert_eq!(
        request(port, "POST", "/api/notebooks", &[], &create("b.py"))
            .await
            .0,
        401
    );

    // The new notebook opens over the WebSocket, with its own kernel.
    let url = format!("ws://127.0.0.1:{port}/ws?notebook=new.py&token={}", {
        cookie.split_once('=').unwrap().1
    });
    let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let mut client = Client {
        ws,
        unpacked: Default::default(),
    };
    client.send(json!({"type": "hello"})).await;
    let snapshot = client.expect("snapshot").await;
    assert_eq!(snapshot["path"], "new.py");
    let _ = stop.send(());
    tokio::time::timeout(PATIENCE, done).await.unwrap().unwrap();
}
