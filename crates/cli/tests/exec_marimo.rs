//! `weir exec` on a marimo notebook whose cells `import marimo as mo`: a
//! real worker gives them Weir's compatibility layer (docs/marimo-api.md),
//! whether or not the real marimo is installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const LAYOUT: &str = "application/vnd.weir.layout+json";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python() -> String {
    std::env::var("WEIR_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn exec_json(path: &Path, env: &[(&str, &str)]) -> Output {
    let python = python();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_weir"));
    cmd.args([
        "exec",
        path.to_str().unwrap(),
        "--python",
        &python,
        "--json",
    ])
    .env("WEIR_PYTHONPATH", repo().join("python"))
    .env_remove("WEIR_MARIMO")
    .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run weir")
}

const NOTEBOOK: &str = r#"import marimo

app = marimo.App(width="medium")


@app.cell
def _():
    import marimo as mo
    return (mo,)


@app.cell
def _(mo):
    get_n, set_n = mo.state(1)
    set_n(lambda v: v + 2)
    return (get_n,)


@app.cell
def _(get_n, mo):
    mo.md(f"n is **{get_n()}** {mo.hstack(['a', mo.md('b')])}")
    return


@app.cell
def _(get_n, mo):
    mo.stop(get_n() > 2, mo.md("too big"))
    x = 1
    return (x,)


@app.cell
def _(x):
    print("never", x)
    return


@app.cell
def _(mo):
    mo.hstack([mo.stat(5, label="five"), mo.callout("note", kind="info")], justify="start")
    return


if __name__ == "__main__":
    app.run()
"#;

fn cells(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter(|v: &serde_json::Value| v["type"] == "cell")
        .collect()
}

fn notebook_in(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("mo_nb.py");
    std::fs::write(&path, NOTEBOOK).unwrap();
    path
}

fn tempdir(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("weir-exec-marimo-{tag}-{}", std::process::id()))
}

#[test]
fn marimo_notebook_runs_on_weirs_md_stop_hstack_and_state() {
    let dir = tempdir("plain");
    let out = exec_json(&notebook_in(&dir), &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let cells = cells(&stdout);
    assert_eq!(
        cells.len(),
        6,
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let statuses: Vec<&str> = cells
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["ok", "ok", "ok", "stopped", "not_run", "ok"],
        "{stdout}"
    );

    // mo.md with an interpolated hstack: a markdown layout whose child is
    // the hstack itself; the state setter's value is read.
    let md = &cells[2]["outputs"][0][LAYOUT];
    assert_eq!(md["kind"], "markdown", "{stdout}");
    assert!(
        md["props"]["text"]
            .as_str()
            .unwrap()
            .starts_with("n is **3** <span data-weir-slot=\"0\">"),
        "{md}"
    );
    assert_eq!(md["children"][0][LAYOUT]["kind"], "hstack");

    // mo.stop: a stopped cell showing its output, not an error.
    assert_eq!(cells[3]["outputs"][0]["text/markdown"], "too big");
    assert!(cells[3]["error"].is_null());
    assert_eq!(cells[4]["stdout"], "");

    let stack = &cells[5]["outputs"][0];
    assert_eq!(stack[LAYOUT]["props"]["justify"], "start");
    assert_eq!(stack[LAYOUT]["children"][0][LAYOUT]["kind"], "stat");
    assert!(out.status.success(), "{stdout}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_layer_wins_over_an_installed_marimo_unless_switched_off() {
    let dir = tempdir("shadow");
    let path = notebook_in(&dir);
    // A package named marimo beside the notebook (on the worker's path, as
    // an installed one would be) that fails on import.
    std::fs::create_dir_all(dir.join("marimo")).unwrap();
    std::fs::write(
        dir.join("marimo/__init__.py"),
        "raise ImportError('the real marimo was imported')\n",
    )
    .unwrap();
    let out = exec_json(&path, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(cells(&stdout)[0]["status"], "ok", "{stdout}");

    let off = exec_json(&path, &[("WEIR_MARIMO", "real")]);
    let stdout = String::from_utf8_lossy(&off.stdout);
    let first = &cells(&stdout)[0];
    assert_eq!(first["status"], "error", "{stdout}");
    assert!(
        first["error"]["message"]
            .as_str()
            .unwrap()
            .contains("the real marimo was imported"),
        "{first}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn export_draws_layouts_with_their_children() {
    let dir = tempdir("export");
    let path = notebook_in(&dir);
    let page = dir.join("page.html");
    let python = python();
    let out = Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(["export", "html", path.to_str().unwrap(), "-o"])
        .arg(&page)
        .args(["--python", &python])
        .env("WEIR_PYTHONPATH", repo().join("python"))
        .env_remove("WEIR_MARIMO")
        .stdin(Stdio::null())
        .output()
        .expect("run weir");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    for needle in [
        "data-layout=\"markdown\"",
        "data-layout=\"hstack\"",
        "data-layout=\"stat\"",
        "data-layout=\"callout\"",
        // The stat's label and value, and the markdown's bold text with the
        // interpolated stack in its slot.
        ">five<",
        "n is <strong>3</strong> <span class=\"weir-inline\"",
    ] {
        assert!(html.contains(needle), "{needle} missing from the page");
    }
    assert!(!html.contains("not shown"), "an output was not shown");
    assert!(!html.contains("data-weir-slot"), "a slot was left unfilled");
    std::fs::remove_dir_all(&dir).ok();
}

/// marimo's `mo.output`: appends accumulate; a final expression that is not
/// None replaces them; `clear` empties.
#[test]
fn output_calls_behave_as_marimos() {
    let dir = tempdir("output");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("out_nb.py");
    std::fs::write(
        &path,
        r#"import marimo

app = marimo.App()


@app.cell
def _():
    import marimo as mo
    return (mo,)


@app.cell
def _(mo):
    mo.output.append(mo.md("one"))
    mo.output.append(mo.md("two"))
    return


@app.cell
def _(mo):
    mo.output.append(mo.md("gone"))
    mo.md("last")
    return


@app.cell
def _(mo):
    mo.output.replace(mo.md("a"))
    mo.output.clear()
    return


if __name__ == "__main__":
    app.run()
"#,
    )
    .unwrap();
    let out = exec_json(&path, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let cells = cells(&stdout);
    let texts = |i: usize| -> Vec<String> {
        cells[i]["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["text/markdown"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(texts(1), ["one", "two"], "{stdout}");
    assert_eq!(texts(2), ["last"], "{stdout}");
    assert!(texts(3).is_empty(), "{stdout}");
    std::fs::remove_dir_all(&dir).ok();
}

fn store_cache(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_weir"));
    cmd.arg("store").args(args).stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run weir")
}

/// A `@mo.persistent_cache` function that appends a line to `calls.log`
/// each time it really runs.
const CACHED: &str = r#"import marimo

app = marimo.App()


@app.cell
def _():
    import marimo as mo
    import os
    return mo, os


@app.cell
def _(mo, os):
    @mo.persistent_cache
    def slow_square(n):
        with open(os.path.join(os.path.dirname(__file__), "calls.log"), "a") as log:
            log.write("ran\n")
        return {"square": n * n}
    return (slow_square,)


@app.cell
def _(slow_square):
    print("result", slow_square(12)["square"])
    return


if __name__ == "__main__":
    app.run()
"#;

#[test]
fn persistent_cache_survives_runs_and_a_damaged_entry_is_reported_and_recomputed() {
    let dir = tempdir("pcache");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cached.py");
    std::fs::write(&path, CACHED).unwrap();
    let key = dir.join("keys/store.key");
    let env = [("WEIR_STORE_KEY_FILE", key.to_str().unwrap())];
    let calls = || {
        std::fs::read_to_string(dir.join("calls.log"))
            .unwrap_or_default()
            .lines()
            .count()
    };
    let last_cell = |out: &Output| {
        let stdout = String::from_utf8_lossy(&out.stdout);
        let cells = cells(&stdout);
        assert_eq!(cells.len(), 3, "{stdout}");
        assert!(out.status.success(), "{stdout}");
        cells[2].clone()
    };

    let first = last_cell(&exec_json(&path, &env));
    assert_eq!(first["stdout"], "result 144\n", "{first}");
    assert_eq!(calls(), 1);

    // A new worker reads the entry back: the function does not run.
    let second = last_cell(&exec_json(&path, &env));
    assert_eq!(second["stdout"], "result 144\n", "{second}");
    assert_eq!(second["stderr"], "", "{second}");
    assert_eq!(calls(), 1, "the second run called the function");

    // One flipped bit in the payload: reported naming the file, recomputed.
    let entries: Vec<PathBuf> = std::fs::read_dir(dir.join("__weir__/cache"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let mut bytes = std::fs::read(&entries[0]).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 0x01;
    std::fs::write(&entries[0], &bytes).unwrap();
    let check = store_cache(&["cache-check", path.to_str().unwrap()], &env);
    let report = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(1), "{report}");
    assert!(
        report.contains(&format!(
            "bad: {}: its payload fails its BLAKE2b-256 check",
            entries[0].display()
        )),
        "{report}"
    );
    let third = last_cell(&exec_json(&path, &env));
    assert_eq!(third["stdout"], "result 144\n", "{third}");
    let stderr = third["stderr"].as_str().unwrap();
    assert!(
        stderr.contains(entries[0].to_str().unwrap()) && stderr.contains("failed its check"),
        "{third}"
    );
    assert_eq!(calls(), 2);

    // The rewritten entry serves the next run.
    let fourth = last_cell(&exec_json(&path, &env));
    assert_eq!(fourth["stderr"], "", "{fourth}");
    assert_eq!(calls(), 2);
    let check = store_cache(&["cache-check", path.to_str().unwrap()], &env);
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success() && report.contains("1 entries, 0 bad"),
        "{report}"
    );

    // An entry from another user's key (a forged one) is bad; cleaning
    // removes only it; `--all` removes the rest.
    let forged = dir
        .join("__weir__/cache")
        .join(format!("{}.weircache", "ab".repeat(32)));
    std::fs::write(&forged, b"WEIRPC\r\n not really").unwrap();
    let clean = store_cache(&["cache-clean", path.to_str().unwrap()], &env);
    let report = String::from_utf8_lossy(&clean.stdout);
    assert!(clean.status.success(), "{report}");
    assert!(!forged.exists() && entries[0].exists(), "{report}");
    let clean = store_cache(&["cache-clean", "--all", path.to_str().unwrap()], &env);
    assert!(clean.status.success());
    assert!(!entries[0].exists());
    let fifth = last_cell(&exec_json(&path, &env));
    assert_eq!(fifth["stdout"], "result 144\n", "{fifth}");
    assert_eq!(calls(), 3);
    std::fs::remove_dir_all(&dir).ok();
}
