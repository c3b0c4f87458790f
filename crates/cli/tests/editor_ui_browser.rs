//! Interactive elements (`weir.ui`, `weir.state`) in the editor for real:
//! `weir edit --headless --port 0` with a real Python worker, driven in
//! Debian's Chromium by `tests/browser/editor-ui.mjs` (a slider moves its
//! dependent and not its creator, a drag ends on its last value, a state
//! setter re-runs its readers, a second tab follows the slider, a table
//! selection flows downstream, a form submits only on its button, an upload
//! reaches its readers).
//!
//! Missing Chromium, Node or `npm ci` in tests/browser fails the test
//! (under CI always; elsewhere only `WEIR_SKIP_BROWSER=1` skips it).

#[path = "../../../tests/browser/support.rs"]
mod support;

const NOTEBOOK: &str = r#"import weir

app = weir.App()


@app.cell
def _():
    import builtins
    import weir

    builtins.made = getattr(builtins, "made", 0) + 1
    s = weir.ui.slider(0, 100, label="n")
    s
    return builtins, s, weir


@app.cell
def _(builtins, s):
    f"{s.value * 2} made {builtins.made}"
    return


@app.cell
def _(weir):
    get, set_ = weir.state(False)
    return get, set_


@app.cell
def _(set_, weir):
    flag = weir.ui.checkbox(label="flag", on_change=set_)
    flag
    return (flag,)


@app.cell
def _(get):
    f"state is {get()}"
    return


@app.cell
def _(weir):
    t = weir.ui.table([{"name": "ann", "n": 1}, {"name": "bob", "n": 2}])
    t
    return (t,)


@app.cell
def _(t):
    f"picked {[r['name'] for r in t.value]}"
    return


@app.cell
def _(weir):
    fm = weir.ui.text(label="word").form(submit_button_label="Send")
    fm
    return (fm,)


@app.cell
def _(fm):
    f"form {fm.value!r}"
    return


@app.cell
def _(weir):
    up = weir.ui.file(label="upload")
    up
    return (up,)


@app.cell
def _(up):
    f"file {up.name()} {up.contents()!r}"
    return


@app.cell
def _(weir):
    import time
    for _i in weir.status.progress_bar(range(40), title="Counting"):
        time.sleep(0.05)
    return (time,)


@app.cell
def _(weir):
    with weir.status.spinner(title="Busy"):
        pass
    weir.output.append("spun")
    return


@app.cell
def _(weir):
    m = weir.ui.matrix([[1, 0], [0, 1]], min_value=-5, max_value=5, symmetric=True, label="M")
    m
    return (m,)


@app.cell
def _(m):
    f"matrix {m.value}"
    return


if __name__ == "__main__":
    app.run()
"#;

#[test]
fn elements_drive_their_dependents_in_a_real_browser() {
    if support::skipped() {
        return;
    }
    let (_, browser_dir, _) = support::prerequisites();
    let dir = support::fresh_dir("editor-ui-browser");
    let notebook = dir.join("ui.py");
    std::fs::write(&notebook, NOTEBOOK).unwrap();

    let mut command = support::edit_command(env!("CARGO_BIN_EXE_weir"));
    command.arg(&notebook);
    let server = support::EditServer::start(command);
    let url = server.url.clone();

    support::run_browser_script(
        &browser_dir,
        "editor-ui.mjs",
        &[url.as_ref()],
        &[],
        "the elements",
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
