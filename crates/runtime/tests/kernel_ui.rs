//! Element values (`weir.ui`) and `weir.state` through the kernel, on
//! real Python workers (docs/runtime.md, *Element values*): a value runs
//! the cells reading the element's name and their descendants, never the
//! cell that made it; values arriving during a run coalesce (the latest
//! wins); an element made afresh refuses its old id; a state setter runs
//! the getter's readers; a persisted reader is recomputed for a new value.
//! Synchronised by events only.

mod common;

use common::Gate;

use std::sync::mpsc;
use std::time::Duration;

use serde_json::json;
use weir_graph::CellId;
use weir_runtime::kernel::{
    self, Command, Delivery, EventBody, KernelConfig, KernelEvent, KernelHandle, KernelSnapshot,
    RunMode, Subscription, UiRefusal,
};
use weir_runtime::{Session, StreamName};

const DEADLINE: Duration = Duration::from_secs(60);
const UI: &str = "application/vnd.weir.ui+json";

fn start(cells: &[&str], mode: RunMode) -> (KernelHandle, Client) {
    let session =
        Session::start(common::notebook(cells), common::session_config()).expect("session starts");
    let kernel = kernel::spawn(
        session,
        KernelConfig {
            mode,
            ..KernelConfig::default()
        },
    );
    let mut client = Client::connect(&kernel);
    kernel.send(Command::RunAll).unwrap();
    client.until_idle();
    (kernel, client)
}

struct Client {
    view: KernelSnapshot,
    sub: Subscription,
    seen: Vec<KernelEvent>,
}

impl Client {
    fn connect(kernel: &KernelHandle) -> Client {
        let (view, sub) = kernel.connect();
        Client {
            view,
            sub,
            seen: Vec::new(),
        }
    }

    fn until(&mut self, pred: impl Fn(&EventBody) -> bool) -> KernelEvent {
        loop {
            match self.sub.recv_timeout(Some(DEADLINE)) {
                Some(Delivery::Event(event)) => {
                    self.view.apply(&event);
                    self.seen.push((*event).clone());
                    if pred(&event.body) {
                        return (*event).clone();
                    }
                }
                other => panic!("expected an event, got {other:?}; seen {:#?}", self.seen),
            }
        }
    }

    fn until_idle(&mut self) {
        self.until(|b| matches!(b, EventBody::Idle));
    }

    fn id(&self, index: usize) -> u32 {
        self.view.cells[index].meta.id
    }

    fn stdout(&self, index: usize) -> String {
        self.view.cells[index]
            .console
            .iter()
            .filter(|c| c.stream == StreamName::Stdout)
            .map(|c| c.text.as_str())
            .collect()
    }

    /// The id of the element cell `index` shows.
    fn element(&self, index: usize) -> String {
        let output = self.view.cells[index]
            .outputs
            .first()
            .unwrap_or_else(|| panic!("cell {index} shows nothing: {:#?}", self.view.cells[index]));
        output[UI]["id"].as_str().expect("an element id").to_owned()
    }

    fn started_since(&self, from: usize, index: usize) -> usize {
        let id = self.id(index);
        self.seen[from..]
            .iter()
            .filter(|e| matches!(e.body, EventBody::Started { id: i } if i == id))
            .count()
    }
}

fn set_value(
    kernel: &KernelHandle,
    element: &str,
    value: serde_json::Value,
) -> mpsc::Receiver<Result<(), UiRefusal>> {
    let (reply, receiver) = mpsc::channel();
    kernel
        .send(Command::SetUiValue {
            element_id: element.to_owned(),
            value,
            reply: Some(reply),
        })
        .unwrap();
    receiver
}

fn answer(receiver: mpsc::Receiver<Result<(), UiRefusal>>) -> Result<(), UiRefusal> {
    receiver.recv_timeout(DEADLINE).expect("an answer")
}

const SLIDER: &str = "import weir\ns = weir.ui.slider(0, 10, label='n')\ns";

#[test]
fn a_value_reruns_the_readers_and_their_descendants_not_the_creator() {
    let (kernel, mut client) = start(
        &[
            SLIDER,
            "print('reader', s.value)",
            "y = s.value * 2",
            "print('y', y)",
            "print('unrelated')",
        ],
        RunMode::Autorun,
    );
    assert_eq!(client.stdout(1), "reader 0\n");
    let element = client.element(0);
    let from = client.seen.len();
    assert_eq!(answer(set_value(&kernel, &element, json!(7))), Ok(()));
    client.until_idle();
    assert_eq!(client.stdout(1), "reader 7\n");
    assert_eq!(client.stdout(3), "y 14\n");
    assert_eq!(
        client.started_since(from, 0),
        0,
        "the creating cell does not run"
    );
    assert_eq!(client.started_since(from, 1), 1);
    assert_eq!(client.started_since(from, 2), 1);
    assert_eq!(client.started_since(from, 3), 1);
    assert_eq!(
        client.started_since(from, 4),
        0,
        "an unrelated cell does not run"
    );
    // The creating cell's view carries the value a new client should show.
    assert_eq!(
        client.view.cells[0].ui_values.get(&element),
        Some(&json!(7))
    );
    assert_eq!(client.view, kernel.snapshot());
}

#[test]
fn values_arriving_during_a_run_coalesce_to_the_latest() {
    let gate = Gate::new("coalesce");
    let reader = format!(
        "v = s.value\nif v == 1:\n{}\nprint('saw', v)",
        gate.wait_code()
            .lines()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let (kernel, mut client) = start(&[SLIDER, &reader], RunMode::Autorun);
    let element = client.element(0);
    let from = client.seen.len();
    let first = set_value(&kernel, &element, json!(1));
    let reader_id = client.id(1);
    client.until(|b| matches!(b, EventBody::Started { id } if *id == reader_id));
    let later: Vec<_> = (2..=9)
        .map(|v| set_value(&kernel, &element, json!(v)))
        .collect();
    gate.open();
    client.until_idle();
    assert_eq!(answer(first), Ok(()));
    for receiver in later {
        assert_eq!(
            answer(receiver),
            Ok(()),
            "a superseded value is not an error"
        );
    }
    assert_eq!(client.stdout(1), "saw 9\n");
    assert_eq!(
        client.started_since(from, 1),
        2,
        "once for 1, once for the latest (9); 2..8 never ran"
    );
    let applied: Vec<_> = client.seen[from..]
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::UiValue { value, .. } => Some(value.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(applied, vec![json!(1), json!(9)]);
}

#[test]
fn a_remade_element_refuses_its_old_id_and_bad_values_are_refused() {
    let (kernel, mut client) = start(&[SLIDER, "print(s.value)"], RunMode::Autorun);
    let old = client.element(0);
    let bad = answer(set_value(&kernel, &old, json!(70))).unwrap_err();
    assert_eq!(bad.reason(), "invalid_value");
    let bad = bad.to_string();
    assert!(bad.contains("slider: 70 is outside [0, 10]"), "{bad}");
    // A refused value is a command handled: an `Idle` follows it.
    client.until_idle();
    kernel
        .send(Command::Run(vec![CellId(client.id(0))]))
        .unwrap();
    let creator = client.id(0);
    client.until(|b| matches!(b, EventBody::Finished { id, .. } if *id == creator));
    client.until_idle();
    let new = client.element(0);
    assert_ne!(
        new, old,
        "re-running the creating cell makes the element afresh"
    );
    let from = client.seen.len();
    let refused = answer(set_value(&kernel, &old, json!(3))).unwrap_err();
    assert_eq!(refused.reason(), "unknown_element");
    let refused = refused.to_string();
    assert!(refused.contains("ran again"), "{refused}");
    client
        .until(|b| matches!(b, EventBody::UiValueRefused { element_id, .. } if *element_id == old));
    client.until_idle();
    assert_eq!(client.started_since(from, 1), 0);
    assert_eq!(answer(set_value(&kernel, &new, json!(3))), Ok(()));
    client.until_idle();
    assert_eq!(client.stdout(1), "3\n");
}

#[test]
fn lazy_mode_marks_the_readers_stale() {
    let (kernel, mut client) = start(&[SLIDER, "print(s.value)"], RunMode::Lazy);
    let element = client.element(0);
    let from = client.seen.len();
    assert_eq!(answer(set_value(&kernel, &element, json!(4))), Ok(()));
    client.until_idle();
    assert!(client.view.cells[1].stale);
    assert_eq!(client.started_since(from, 1), 0);
    kernel.send(Command::RunStale).unwrap();
    client.until_idle();
    assert_eq!(client.stdout(1), "4\n");
}

#[test]
fn a_state_setter_reruns_the_getters_readers_but_not_its_caller() {
    let (kernel, mut client) = start(
        &[
            "import weir\nget, set_ = weir.state(0)",
            "print('reader', get())",
            "x = 0",
        ],
        RunMode::Autorun,
    );
    assert_eq!(client.stdout(1), "reader 0\n");
    let from = client.seen.len();
    kernel
        .send(Command::Change {
            change: weir_project::Change::SetCode {
                cell: CellId(client.id(2)),
                code: "set_(get() + 41)\nprint('setter')".into(),
            },
            reply: None,
        })
        .unwrap();
    client.until(|b| matches!(b, EventBody::Finished { .. }));
    client.until_idle();
    assert_eq!(client.stdout(1), "reader 41\n");
    assert_eq!(client.started_since(from, 1), 1);
    assert_eq!(
        client.started_since(from, 2),
        1,
        "the caller reads get but is not re-run"
    );
    assert_eq!(client.started_since(from, 0), 0);
}

#[test]
fn an_on_change_that_raises_keeps_the_value_and_shows_the_error() {
    let (kernel, mut client) = start(
        &[
            "import weir\ndef bad(v):\n    raise RuntimeError('nope')\nc = weir.ui.checkbox(on_change=bad)\nc",
            "print('checked', c.value)",
        ],
        RunMode::Autorun,
    );
    let element = client.element(0);
    assert_eq!(answer(set_value(&kernel, &element, json!(true))), Ok(()));
    client.until_idle();
    assert_eq!(client.stdout(1), "checked True\n");
    let stderr: String = client.view.cells[0]
        .console
        .iter()
        .filter(|c| c.stream == StreamName::Stderr)
        .map(|c| c.text.as_str())
        .collect();
    assert!(
        stderr.contains("on_change raised RuntimeError: nope"),
        "{stderr}"
    );
}

#[test]
fn a_deleted_creating_cell_takes_its_elements_with_it() {
    let (kernel, mut client) = start(&[SLIDER, "print(s.value)"], RunMode::Autorun);
    let element = client.element(0);
    kernel
        .send(Command::Change {
            change: weir_project::Change::Delete {
                cell: CellId(client.id(0)),
            },
            reply: None,
        })
        .unwrap();
    client.until_idle();
    let refused = answer(set_value(&kernel, &element, json!(2))).unwrap_err();
    assert_eq!(refused.reason(), "unknown_element", "{refused}");
}

/// A persisted reader of an element: its lineage key includes the
/// element's value, so after a value is set it is computed anew, not
/// restored from the entry stored for the old value (docs/persistence.md).
#[test]
fn a_persisted_reader_is_recomputed_for_a_new_element_value() {
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(
        weir_store::Store::open(weir_store::StoreConfig {
            key: Some(weir_store::StoreKey::from_bytes([1; 32])),
            ..weir_store::StoreConfig::new(dir.path())
        })
        .expect("store opens"),
    );
    let source = "import weir\n\napp = weir.App()\n\n\n\
        @app.cell\ndef _():\n    import weir\n    s = weir.ui.slider(0, 10)\n    s\n    return s, weir\n\n\n\
        @app.cell(persist=True)\ndef _(s):\n    y = s.value * 10\n    return (y,)\n\n\n\
        @app.cell\ndef _(y):\n    print('y', y)\n    return\n";
    let project = weir_project::Project::from_source(source).expect("notebook parses");
    let mut session = Session::start(project, common::session_config()).expect("session starts");
    session.set_persistence(Some(weir_runtime::Persistence {
        store,
        dirs: vec![dir.path().to_path_buf()],
        mode: weir_runtime::PersistMode::Exec,
        refresh: weir_runtime::Refresh::None,
        strict: false,
    }));
    let kernel = kernel::spawn(session, KernelConfig::default());
    let mut client = Client::connect(&kernel);
    kernel.send(Command::RunAll).unwrap();
    client.until_idle();
    assert_eq!(client.stdout(2), "y 0\n");
    let element = client.element(0);
    assert_eq!(answer(set_value(&kernel, &element, json!(5))), Ok(()));
    client.until_idle();
    assert_eq!(
        client.stdout(2),
        "y 50\n",
        "not the entry stored for value 0"
    );
    let persist = client.view.cells[1]
        .persist
        .as_ref()
        .expect("a persisted cell");
    assert_ne!(persist.action, weir_runtime::PersistAction::Restored);
}

#[test]
fn an_element_bound_by_another_cell_brings_that_names_readers() {
    // The element is made inside a list; a later cell binds it to `t`.
    let (kernel, mut client) = start(
        &[
            "import weir\nparts = [weir.ui.slider(0, 10)]",
            "t = parts[0]\nt",
            "print('via t', t.value)",
        ],
        RunMode::Autorun,
    );
    let element = client.element(1);
    let from = client.seen.len();
    assert_eq!(answer(set_value(&kernel, &element, json!(9))), Ok(()));
    client.until_idle();
    assert_eq!(client.stdout(2), "via t 9\n");
    assert_eq!(client.started_since(from, 0), 0);
    assert_eq!(
        client.started_since(from, 1),
        0,
        "the binding cell defines t: it does not run"
    );
    assert_eq!(
        client.view.cells[1].ui_values.get(&element),
        Some(&json!(9))
    );
}
