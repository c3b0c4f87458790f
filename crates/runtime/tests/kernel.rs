//! The kernel over real Python workers: changes as data, autorun and lazy
//! modes, commands arriving while cells run, interrupts, numbered events
//! with snapshots for (re)connecting clients, and slow subscribers.
//!
//! Synchronisation is by events only: a test waits for the event it needs
//! (with a generous deadline that fails the test), never for a time. Cells
//! that must stay running until the test is ready wait for a gate file.

mod common;

use common::Gate;

use std::path::Path;
use std::time::Duration;

use weir_graph::CellId;
use weir_notebook::{Cell, CellOptions};
use weir_project::{Change, Project};
use weir_runtime::kernel::{
    self, Command, Delivery, EventBody, KernelConfig, KernelEvent, KernelHandle, KernelSnapshot,
    RunMode, Subscription,
};
use weir_runtime::{RunStatus, Session, StreamName};

const DEADLINE: Duration = Duration::from_secs(60);

fn session(project: Project) -> Session {
    let config = common::session_config();
    Session::start(project, config).expect("session starts")
}

fn start(cells: &[&str], mode: RunMode) -> KernelHandle {
    kernel::spawn(
        session(common::notebook(cells)),
        KernelConfig {
            mode,
            ..KernelConfig::default()
        },
    )
}

/// A client: a snapshot kept current by applying every event it receives.
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

    fn next(&mut self) -> KernelEvent {
        match self.sub.recv_timeout(Some(DEADLINE)) {
            Some(Delivery::Event(event)) => {
                assert_eq!(event.seq, self.view.seq + 1, "no gap, no duplicate");
                self.view.apply(&event);
                self.seen.push((*event).clone());
                (*event).clone()
            }
            other => panic!("expected an event, got {other:?}; seen {:#?}", self.seen),
        }
    }

    /// Reads events until one satisfies `pred`; returns it.
    fn until(&mut self, pred: impl Fn(&EventBody) -> bool) -> KernelEvent {
        loop {
            let event = self.next();
            if pred(&event.body) {
                return event;
            }
        }
    }

    fn until_idle(&mut self) {
        self.until(|b| matches!(b, EventBody::Idle));
    }

    fn cell(&self, index: usize) -> &kernel::CellView {
        &self.view.cells[index]
    }

    fn stdout(&self, index: usize) -> String {
        self.cell(index)
            .console
            .iter()
            .filter(|c| c.stream == StreamName::Stdout)
            .map(|c| c.text.as_str())
            .collect()
    }

    fn started_since(&self, from: usize, id: u32) -> usize {
        self.seen[from..]
            .iter()
            .filter(|e| matches!(e.body, EventBody::Started { id: i } if i == id))
            .count()
    }
}

fn id(client: &Client, index: usize) -> CellId {
    CellId(client.cell(index).meta.id)
}

/// Queues a change without waiting for its result.
fn apply(kernel: &KernelHandle, change: Change) {
    kernel
        .send(Command::Change {
            change,
            reply: None,
        })
        .unwrap();
}

fn set_code(kernel: &KernelHandle, cell: CellId, code: &str) {
    apply(
        kernel,
        Change::SetCode {
            cell,
            code: code.into(),
        },
    );
}

fn path_exists(p: &Path) -> bool {
    p.exists()
}

#[test]
fn autorun_reruns_descendants_and_the_client_view_equals_the_kernel_state() {
    let kernel = start(&["x = 1", "y = x + 1\nprint(y)"], RunMode::Autorun);
    let mut client = Client::connect(&kernel);
    assert_eq!(client.view.seq, 0);
    kernel.send(Command::RunAll).unwrap();
    client.until(|b| matches!(b, EventBody::Finished { .. }));
    client.until_idle();
    assert_eq!(client.stdout(1), "2\n");
    set_code(&kernel, id(&client, 0), "x = 10");
    client.until(|b| matches!(b, EventBody::Stale { .. }));
    client.until_idle();
    assert_eq!(client.stdout(1), "11\n");
    assert_eq!(client.cell(1).status, RunStatus::Ok);
    assert!(!client.cell(1).stale);
    assert_eq!(client.view, kernel.snapshot());
    kernel.shutdown();
}

#[test]
fn lazy_mode_marks_stale_and_runs_only_when_asked() {
    let kernel = start(&["x = 1", "y = x + 1\nprint(y)"], RunMode::Lazy);
    let mut client = Client::connect(&kernel);
    kernel.send(Command::RunAll).unwrap();
    client.until(|b| matches!(b, EventBody::Finished { .. }));
    client.until_idle();
    let mark = client.seen.len();
    set_code(&kernel, id(&client, 0), "x = 10");
    client.until(|b| matches!(b, EventBody::Stale { .. }));
    client.until_idle();
    assert!(client.cell(0).stale && client.cell(1).stale);
    assert_eq!(
        client.stdout(1),
        "2\n",
        "the old result stays, marked stale"
    );
    assert!(
        !client.seen[mark..]
            .iter()
            .any(|e| matches!(e.body, EventBody::Started { .. })),
        "nothing ran: {:#?}",
        &client.seen[mark..]
    );
    kernel.send(Command::RunStale).unwrap();
    client.until(|b| matches!(b, EventBody::Started { .. }));
    client.until_idle();
    assert_eq!(client.stdout(1), "11\n");
    assert!(!client.cell(0).stale && !client.cell(1).stale);
    // Switching to autorun runs what is stale at once.
    set_code(&kernel, id(&client, 0), "x = 20");
    client.until_idle();
    assert_eq!(client.stdout(1), "11\n");
    kernel.send(Command::SetMode(RunMode::Autorun)).unwrap();
    client.until(|b| matches!(b, EventBody::Started { .. }));
    client.until_idle();
    assert_eq!(client.stdout(1), "21\n");
    kernel.shutdown();
}

#[test]
fn an_edit_to_a_queued_cell_is_picked_up_before_it_runs() {
    let gate = Gate::new("queued");
    // After the gate, the cell also waits for the kernel's `halt` to reach
    // the worker's protocol descriptor: the edit below makes the kernel send
    // one, and without this wait the test would race the kernel's 2 ms halt
    // poll against the gate (the worker could start `b` first).
    let slow = format!(
        "{}\nimport select, weir._wire as _w\nselect.select([_w.ACTIVE._in_fd], [], [], 60)\nx = 1",
        gate.wait_code()
    );
    let kernel = start(&[&slow, "print(x + 100)"], RunMode::Autorun);
    let mut client = Client::connect(&kernel);
    kernel.send(Command::RunAll).unwrap();
    let a = client.cell(0).meta.id;
    let b = client.cell(1).meta.id;
    client.until(|body| matches!(body, EventBody::Started { id } if *id == a));
    // The edit arrives while `a` runs and `b` waits its turn.
    let reply = kernel
        .change(Change::SetCode {
            cell: CellId(b),
            code: "print(x + 200)".into(),
        })
        .unwrap();
    gate.open();
    client.until_idle();
    assert!(reply.recv_timeout(DEADLINE).unwrap().is_ok());
    assert_eq!(client.stdout(1), "201\n");
    assert_eq!(
        client.started_since(0, b),
        1,
        "b ran once, with the new code"
    );
    kernel.shutdown();
}

#[test]
fn an_edit_to_the_running_cell_makes_it_stale_and_autorun_runs_it_again() {
    let gate = Gate::new("running");
    let slow = format!("{}\nx = 1", gate.wait_code());
    let kernel = start(&[&slow, "print(x + 100)"], RunMode::Autorun);
    let mut client = Client::connect(&kernel);
    kernel.send(Command::RunAll).unwrap();
    let a = client.cell(0).meta.id;
    client.until(|body| matches!(body, EventBody::Started { id } if *id == a));
    set_code(&kernel, CellId(a), "x = 5");
    gate.open();
    client.until_idle();
    assert_eq!(client.cell(0).meta.code, "x = 5");
    assert_eq!(client.started_since(0, a), 2, "{:#?}", client.seen);
    assert_eq!(client.stdout(1), "105\n");
    assert!(path_exists(gate.path()));
    kernel.shutdown();
}

#[test]
fn interrupt_stops_the_running_cell_and_drops_the_plan() {
    let kernel = start(
        &["x = 1\nwhile True:\n    pass", "print('never', x)"],
        RunMode::Autorun,
    );
    let mut client = Client::connect(&kernel);
    kernel.send(Command::RunAll).unwrap();
    let a = client.cell(0).meta.id;
    client.until(|body| matches!(body, EventBody::Started { id } if *id == a));
    kernel.interrupt().unwrap();
    client.until_idle();
    assert_eq!(client.cell(0).status, RunStatus::Interrupted);
    assert_eq!(client.cell(1).status, RunStatus::NotRun);
    assert_eq!(client.stdout(1), "");
    // The kernel lives on: an edit runs as usual. (Waiting for `b` to
    // finish, not for `Idle`: the interrupt's own command may still be
    // answered by an `Idle` of its own.)
    let b = client.cell(1).meta.id;
    set_code(&kernel, CellId(a), "x = 2");
    client.until(|body| matches!(body, EventBody::Finished { id, .. } if *id == b));
    assert_eq!(client.stdout(1), "never 2\n");
    kernel.shutdown();
}

#[test]
fn a_client_connecting_mid_run_gets_a_snapshot_and_every_later_event_once() {
    let gate = Gate::new("reconnect");
    let printing = format!(
        "for i in range(50):\n    print('before', i, flush=True)\n{}\nfor i in range(50):\n    print('after', i, flush=True)",
        gate.wait_code()
    );
    let kernel = start(&[&printing, "print('done')"], RunMode::Autorun);
    let mut first = Client::connect(&kernel);
    kernel.send(Command::RunAll).unwrap();
    first.until(|b| matches!(b, EventBody::Stream { text, .. } if text.contains("before 49")));
    let mut late = Client::connect(&kernel);
    assert!(late.view.seq > 0);
    assert!(
        late.stdout(0).contains("before 49"),
        "the snapshot has the output so far"
    );
    gate.open();
    first.until_idle();
    late.until_idle();
    let fin = kernel.snapshot();
    assert_eq!(first.view, fin);
    assert_eq!(late.view, fin);
    assert!(late.stdout(0).contains("after 49") && late.stdout(1) == "done\n");
    // A client that drops its subscription and reconnects is current again.
    drop(late);
    let again = Client::connect(&kernel);
    assert_eq!(again.view, fin);
    kernel.shutdown();
}

#[test]
fn a_stalled_subscriber_is_told_to_resync_and_never_holds_more_than_the_limit() {
    let cells: Vec<String> = (0..30).map(|i| format!("print({i})")).collect();
    let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
    let kernel = kernel::spawn(
        session(common::notebook(&refs)),
        KernelConfig {
            mode: RunMode::Autorun,
            subscriber_limit: 1_000_000,
            ..KernelConfig::default()
        },
    );
    let (_, stalled) = kernel.connect_with_limit(16);
    let mut live = Client::connect(&kernel);
    kernel.send(Command::RunAll).unwrap();
    live.until_idle();
    assert!(live.seen.len() > 16 * 3);
    assert!(stalled.pending() <= 16);
    assert_eq!(stalled.recv_timeout(Some(DEADLINE)), Some(Delivery::Resync));
    assert_eq!(stalled.recv_timeout(Some(DEADLINE)), Some(Delivery::Closed));
    let fresh = Client::connect(&kernel);
    assert_eq!(fresh.view, live.view);
    kernel.shutdown();
}

#[test]
fn deleting_a_cell_deletes_its_names_and_its_readers_fail() {
    let kernel = start(&["x = 1", "print(x)"], RunMode::Autorun);
    let mut client = Client::connect(&kernel);
    kernel.send(Command::RunAll).unwrap();
    client.until(|b| matches!(b, EventBody::Finished { .. }));
    client.until_idle();
    let a = id(&client, 0);
    apply(&kernel, Change::Delete { cell: a });
    client.until(|b| matches!(b, EventBody::CellDeleted { .. }));
    client.until_idle();
    assert_eq!(client.view.cells.len(), 1);
    assert_eq!(client.cell(0).status, RunStatus::Error);
    let error = client.cell(0).error.as_ref().unwrap();
    assert_eq!(error.exc_type, "NameError");
    kernel.shutdown();
}

#[test]
fn inserts_run_moves_do_not_and_refused_changes_are_reported() {
    let kernel = start(&["x = 1"], RunMode::Autorun);
    let mut client = Client::connect(&kernel);
    kernel.send(Command::RunAll).unwrap();
    client.until_idle();
    let reply = kernel
        .change(Change::Insert {
            at: 0,
            cell: Box::new(Cell::code("_", "print('x is', x)")),
        })
        .unwrap();
    client.until_idle();
    let reader = reply
        .recv_timeout(DEADLINE)
        .unwrap()
        .unwrap()
        .inserted
        .unwrap();
    assert_eq!(client.view.cells[0].meta.id, reader.0);
    assert_eq!(client.stdout(0), "x is 1\n");
    let mark = client.seen.len();
    apply(
        &kernel,
        Change::Move {
            cell: reader,
            to: 1,
        },
    );
    client.until(|b| matches!(b, EventBody::CellMoved { .. }));
    client.until_idle();
    assert_eq!(client.view.cells[1].meta.id, reader.0);
    assert!(
        !client.seen[mark..]
            .iter()
            .any(|e| matches!(e.body, EventBody::Started { .. }))
    );
    let refused = kernel.change(Change::Delete { cell: CellId(999) }).unwrap();
    client.until(|b| matches!(b, EventBody::ChangeRefused { .. }));
    client.until_idle();
    assert!(refused.recv_timeout(DEADLINE).unwrap().is_err());
    // Disabling a cell marks it and its readers, and runs nothing of them.
    let options = CellOptions {
        disabled: true,
        ..CellOptions::default()
    };
    apply(
        &kernel,
        Change::SetOptions {
            cell: CellId(client.cell(0).meta.id),
            options,
        },
    );
    client.until_idle();
    assert_eq!(client.cell(0).status, RunStatus::Disabled);
    assert_eq!(client.cell(1).status, RunStatus::NotRun);
    assert_eq!(client.view, kernel.snapshot());
    kernel.shutdown();
}

#[test]
fn dropping_every_handle_ends_the_kernel_and_its_worker() {
    let kernel = start(
        &["import os\npid = os.getpid()\nprint(pid)"],
        RunMode::Autorun,
    );
    let mut client = Client::connect(&kernel);
    kernel.send(Command::RunAll).unwrap();
    client.until_idle();
    let pid: i32 = client.stdout(0).trim().parse().unwrap();
    drop(kernel);
    assert_eq!(
        client.sub.recv_timeout(Some(DEADLINE)),
        Some(Delivery::Closed)
    );
    // The worker was shut down and reaped: the pid no longer exists.
    let alive = unsafe { libc_kill(pid, 0) } == 0;
    assert!(!alive, "worker {pid} outlived its kernel");
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

#[test]
fn a_reason_names_the_cell_it_is_about_by_id_which_survives_moves() {
    let kernel = start(
        &["x = 1\nraise ValueError('no')", "print(x)"],
        RunMode::Autorun,
    );
    let mut client = Client::connect(&kernel);
    kernel.send(Command::RunAll).unwrap();
    client.until_idle();
    let a = client.cell(0).meta.id;
    assert_eq!(client.cell(1).status, RunStatus::NotRun);
    assert_eq!(client.cell(1).reason_about, Some(a));
    apply(
        &kernel,
        Change::Move {
            cell: CellId(a),
            to: 1,
        },
    );
    client.until(|b| matches!(b, EventBody::CellMoved { .. }));
    client.until_idle();
    // The reader is now first; its reason still points at `a` by id.
    assert_eq!(client.cell(0).reason_about, Some(a));
    assert_eq!(client.cell(1).meta.id, a);
    kernel.shutdown();
}

#[test]
fn a_name_an_edit_stops_defining_leaves_the_worker_at_once() {
    // Lazy mode: the edited cell does not re-run, yet a reader run later
    // must not see the old value (a fresh run of this notebook could not).
    let kernel = start(&["a = 7"], RunMode::Lazy);
    let mut client = Client::connect(&kernel);
    kernel.send(Command::RunAll).unwrap();
    client.until_idle();
    set_code(&kernel, id(&client, 0), "z = 1");
    let reply = kernel
        .change(Change::Insert {
            at: 0,
            cell: Box::new(Cell::code("_", "print(a)")),
        })
        .unwrap();
    let reader = reply
        .recv_timeout(DEADLINE)
        .unwrap()
        .unwrap()
        .inserted
        .unwrap();
    kernel.send(Command::Run(vec![reader])).unwrap();
    client.until(|b| matches!(b, EventBody::Finished { id, .. } if *id == reader.0));
    assert_eq!(
        client.cell(0).status,
        RunStatus::Error,
        "{:#?}",
        client.cell(0)
    );
    assert_eq!(client.cell(0).error.as_ref().unwrap().exc_type, "NameError");
    kernel.shutdown();
}
