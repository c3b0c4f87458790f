//! `weir edit` as a process: the address on stdout, a missing notebook
//! created, the token required, and Ctrl-C (SIGINT) ending it cleanly
//! with no worker left behind.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Alive and not a zombie.
fn running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X')),
        Err(_) => false,
    }
}

/// The processes whose parent is `pid`.
fn children(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
            continue;
        };
        let parent = stat
            .rsplit_once(") ")
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if parent == Some(pid) {
            found.push(child);
        }
    }
    found
}

fn get(port: u16, path: &str, cookie: Option<&str>) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{cookie}\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

fn start(path: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(["edit", "--headless", "--port", "0"])
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line.trim().to_string())
}

fn wait_exit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "weir edit did not exit in time");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn edit_prints_its_address_requires_the_token_and_exits_cleanly_on_ctrl_c() {
    let dir = tempfile_dir("edit-sigint");
    let path = dir.join("fresh.py");
    let (mut child, url) = start(&path);
    let rest = url
        .strip_prefix("http://127.0.0.1:")
        .unwrap_or_else(|| panic!("an address on stdout, got {url:?}"));
    let (port, query) = rest.split_once("/?token=").unwrap();
    let port: u16 = port.parse().unwrap();
    assert_eq!(query.len(), 64, "a 256-bit hex token");
    // The missing notebook was created through `weir new`'s writer.
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("app = weir.App(")
    );

    assert!(get(port, "/api/session", None).starts_with("HTTP/1.1 401"));
    let cookie = format!("weir_token_{port}={query}");
    let session = get(port, "/api/session", Some(&cookie));
    assert!(session.starts_with("HTTP/1.1 200"), "{session}");
    assert!(session.contains(r#""notebook":"fresh.py""#), "{session}");

    // One kernel with its worker is running for the open notebook.
    let workers = children(child.id());
    assert_eq!(workers.len(), 1, "one worker: {workers:?}");
    assert!(running(workers[0]));

    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = wait_exit(&mut child, Duration::from_secs(60));
    assert_eq!(status.code(), Some(0), "exit 0 after Ctrl-C");
    assert!(!running(workers[0]), "the worker is gone");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn edit_refuses_a_file_that_is_not_a_notebook() {
    let dir = tempfile_dir("edit-bad");
    let path = dir.join("plain.py");
    std::fs::write(&path, "print('just a script')\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(["edit", "--headless", "--port", "0"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("plain.py"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("weir-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
