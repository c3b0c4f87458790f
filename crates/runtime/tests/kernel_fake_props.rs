//! The kernel's final state equals a fresh run of the notebook it ends
//! with, on the in-process fake worker (so hundreds of cases run in
//! seconds; `kernel_props.rs` checks the same with real workers, fewer
//! cases).
//!
//! Random sequences of changes (set code, insert, delete, move, rename,
//! disable / enable) and commands (run cells, run stale, run all, autorun /
//! lazy, restart the worker and run all) are sent to a kernel, one at a time or piling up while cells run.
//! Cells are drawn from a small pool of names, so duplicate definitions,
//! cycles, deletes of other cells' names and missing names all occur. At
//! the end the test sends `RunStale`: whatever the mode was, every cell
//! whose result may not match its code then has run, so nothing may be
//! left stale, and the state must be what running the notebook from
//! scratch gives. The fresh side is the notebook's source (`to_source`),
//! loaded again and `run_all` in a new session on a new fake worker.
//!
//! The kernel starts with `RunAll`: it runs nothing on its own, and a
//! cell that never ran is idle, not stale. Equal means, per cell in
//! notebook order: status, outputs, stdout, the error's type (not the
//! traceback, which names cells by id, and ids differ between the two
//! sessions), the reason's kind, sentence and the cell it is about (by
//! position); and the worker's namespace holds the same names (no value
//! computed from code that is gone may linger).

mod common;

use std::collections::HashMap;

use proptest::prelude::*;
use weir_graph::CellId;
use weir_notebook::{Cell, CellOptions, Notebook};
use weir_project::{Change, Project};
use weir_runtime::kernel::{
    self, Command, Delivery, EventBody, KernelConfig, KernelHandle, KernelSnapshot, RunMode,
};
use weir_runtime::{RunReport, Session, StreamName};

const NAMES: &[&str] = &["a", "b", "c", "d"];
const CELL_NAMES: &[&str] = &["_", "f", "g"];

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(NAMES).prop_map(str::to_owned)
}

fn expr() -> impl Strategy<Value = String> {
    let term = prop_oneof![3 => name(), 1 => (0..10i64).prop_map(|n| n.to_string())];
    prop::collection::vec(term, 1..3).prop_map(|terms| terms.join(" + "))
}

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (name(), expr()).prop_map(|(n, e)| format!("{n} = {e}")),
        2 => expr().prop_map(|e| format!("print({e})")),
        2 => expr(),
        1 => name().prop_map(|n| format!("del {n}")),
        1 => Just("raise".to_owned()),
    ]
}

fn code() -> impl Strategy<Value = String> {
    prop::collection::vec(line(), 1..4).prop_map(|lines| lines.join("\n"))
}

#[derive(Clone, Debug)]
enum Op {
    SetCode(usize, String),
    Insert(usize, String),
    Delete(usize),
    Move(usize, usize),
    Rename(usize, usize),
    SetDisabled(usize, bool),
    Run(usize),
    RunStale,
    RunAll,
    Mode(RunMode),
    /// A fresh worker (through the session's launcher), then `RunAll`: a
    /// restart leaves every cell idle, which is not stale.
    RestartAndRunAll,
}

fn op() -> impl Strategy<Value = Op> {
    let i = any::<usize>();
    prop_oneof![
        4 => (i, code()).prop_map(|(i, c)| Op::SetCode(i, c)),
        3 => (i, code()).prop_map(|(i, c)| Op::Insert(i, c)),
        1 => i.prop_map(Op::Delete),
        1 => (i, any::<usize>()).prop_map(|(i, j)| Op::Move(i, j)),
        1 => (i, 0..CELL_NAMES.len()).prop_map(|(i, n)| Op::Rename(i, n)),
        1 => (i, any::<bool>()).prop_map(|(i, d)| Op::SetDisabled(i, d)),
        2 => i.prop_map(Op::Run),
        1 => Just(Op::RunStale),
        1 => Just(Op::RunAll),
        1 => prop_oneof![Just(RunMode::Autorun), Just(RunMode::Lazy)].prop_map(Op::Mode),
        1 => Just(Op::RestartAndRunAll),
    ]
}

fn send(kernel: &KernelHandle, op: &Op) {
    let snapshot = kernel.snapshot();
    let ids: Vec<CellId> = snapshot.cells.iter().map(|c| CellId(c.meta.id)).collect();
    let pick = |i: usize| (!ids.is_empty()).then(|| ids[i % ids.len()]);
    let change = match op {
        Op::SetCode(i, code) => pick(*i).map(|cell| Change::SetCode {
            cell,
            code: code.clone(),
        }),
        Op::Insert(at, code) => Some(Change::Insert {
            at: at % (ids.len() + 1),
            cell: Box::new(Cell::code("_", code.clone())),
        }),
        Op::Delete(i) => pick(*i).map(|cell| Change::Delete { cell }),
        Op::Move(i, to) => pick(*i).map(|cell| Change::Move {
            cell,
            to: to % ids.len().max(1),
        }),
        Op::Rename(i, n) => pick(*i).map(|cell| Change::Rename {
            cell,
            name: CELL_NAMES[*n].into(),
        }),
        Op::SetDisabled(i, disabled) => pick(*i).map(|cell| Change::SetOptions {
            cell,
            options: CellOptions {
                disabled: *disabled,
                ..CellOptions::default()
            },
        }),
        Op::Run(i) => {
            if let Some(cell) = pick(*i) {
                kernel.send(Command::Run(vec![cell])).unwrap();
            }
            None
        }
        Op::RunStale => {
            kernel.send(Command::RunStale).unwrap();
            None
        }
        Op::RunAll => {
            kernel.send(Command::RunAll).unwrap();
            None
        }
        Op::Mode(mode) => {
            kernel.send(Command::SetMode(*mode)).unwrap();
            None
        }
        Op::RestartAndRunAll => {
            kernel.send(Command::RestartWorker).unwrap();
            kernel.send(Command::RunAll).unwrap();
            None
        }
    };
    if let Some(change) = change {
        kernel
            .send(Command::Change {
                change,
                reply: None,
            })
            .unwrap();
    }
}

/// The notebook a snapshot shows, as source text.
fn source_of(snapshot: &KernelSnapshot) -> String {
    let mut notebook = Project::new(Notebook::default());
    for view in &snapshot.cells {
        let mut cell = Cell::code(view.meta.name.clone(), view.meta.code.clone());
        cell.options.disabled = view.meta.disabled;
        let at = notebook.cells().len();
        notebook
            .apply_change(Change::Insert {
                at,
                cell: Box::new(cell),
            })
            .unwrap();
    }
    notebook.to_source()
}

/// Runs the source from scratch: the report and the namespace's names.
fn fresh_run(source: &str) -> (RunReport, Vec<String>) {
    let project = Project::from_source(source).expect("the kernel's notebook loads");
    let (config, launcher) = common::fake_config();
    let mut session = Session::start(project, config).expect("fake session starts");
    let report = session.run_all(|_| {}).expect("fresh run");
    let names = launcher.namespace().unwrap().names();
    session.shutdown().unwrap();
    (report, names)
}

/// Runs the ops on a kernel over `initial`, then `RunStale`: its snapshot,
/// its namespace's names, and the kind of each cell's reason for not
/// running (from the events: the snapshot keeps only the sentence). A
/// client connected from the start must see the same snapshot.
fn kernel_run(
    initial: &[String],
    mode: RunMode,
    ops: &[Op],
    wait_between: bool,
) -> (KernelSnapshot, Vec<String>, HashMap<u32, String>) {
    let mut project = Project::new(Notebook::default());
    for code in initial {
        let at = project.cells().len();
        project
            .apply_change(Change::Insert {
                at,
                cell: Box::new(Cell::code("_", code.clone())),
            })
            .unwrap();
    }
    let (config, launcher) = common::fake_config();
    let session = Session::start(project, config).expect("fake session starts");
    let kernel = kernel::spawn(
        session,
        KernelConfig {
            mode,
            ..KernelConfig::default()
        },
    );
    let (mut view, subscription) = kernel.connect_with_limit(usize::MAX);
    kernel.send(Command::RunAll).unwrap();
    for op in ops {
        // Either one at a time, or piling up while cells run.
        if wait_between {
            kernel.wait_idle().unwrap();
        }
        send(&kernel, op);
    }
    kernel.send(Command::RunStale).unwrap();
    kernel.wait_idle().unwrap();
    let live = kernel.snapshot();
    let names = launcher.namespace().unwrap().names();
    kernel.shutdown();
    let mut kinds = HashMap::new();
    while view.seq < live.seq {
        let Delivery::Event(event) = subscription.recv() else {
            panic!("a subscriber with no limit is never told to resync");
        };
        view.apply(&event);
        match &event.body {
            EventBody::Skipped {
                id, reason_kind, ..
            } => {
                kinds.insert(*id, reason_kind.clone());
            }
            EventBody::Started { id } | EventBody::CellDeleted { id } => {
                kinds.remove(id);
            }
            EventBody::WorkerRestarted => kinds.clear(),
            _ => {}
        }
    }
    assert_eq!(view, live, "a client's view equals the kernel's snapshot");
    (live, names, kinds)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_kernel_on_the_fake_ends_where_a_fresh_run_of_its_notebook_does(
        initial in prop::collection::vec(code(), 0..5),
        lazy in any::<bool>(),
        ops in prop::collection::vec(op(), 1..16),
        wait_between in any::<bool>(),
    ) {
        let mode = if lazy { RunMode::Lazy } else { RunMode::Autorun };
        let (live, live_names, kinds) = kernel_run(&initial, mode, &ops, wait_between);
        let source = source_of(&live);
        let (fresh, fresh_names) = fresh_run(&source);

        prop_assert_eq!(live.cells.len(), fresh.cells.len());
        let index_of_id = |id: u32| live.cells.iter().position(|c| c.meta.id == id);
        for (i, (k, f)) in live.cells.iter().zip(&fresh.cells).enumerate() {
            let code = &k.meta.code;
            prop_assert!(!k.stale, "cell {} {:?} left stale", i, code);
            prop_assert_eq!(k.status, f.status, "cell {} {:?}: {:#?} vs fresh {:#?}", i, code, k, f);
            prop_assert_eq!(&k.outputs, &f.outputs, "cell {} {:?}", i, code);
            let stdout: String = k.console.iter()
                .filter(|c| c.stream == StreamName::Stdout)
                .map(|c| c.text.as_str())
                .collect();
            prop_assert_eq!(stdout, f.text(StreamName::Stdout), "cell {} {:?}", i, code);
            prop_assert_eq!(
                k.error.as_ref().map(|e| e.exc_type.clone()),
                f.error.as_ref().map(|e| e.exc_type.clone()),
                "cell {} {:?}", i, code
            );
            prop_assert_eq!(
                kinds.get(&k.meta.id).map(String::as_str),
                f.reason.as_ref().map(|r| r.kind()),
                "cell {} {:?}: {:?} vs {:?}", i, code, k.reason, f.reason
            );
            prop_assert_eq!(&k.reason, &f.reason.as_ref().map(ToString::to_string), "cell {}", i);
            prop_assert_eq!(
                k.reason_about.and_then(index_of_id),
                f.reason.as_ref().and_then(|r| r.cell()).map(|c| c.index),
                "cell {} {:?}: {:?} vs {:?}", i, code, k.reason, f.reason
            );
        }
        // The graph facts kept by `graph` events equal the fresh notebook's.
        let project = Project::from_source(&source).expect("the kernel's notebook loads");
        for (i, k) in live.cells.iter().enumerate() {
            let id = project.cell_id(i);
            let at = |ids: &[u32]| ids.iter().map(|&c| index_of_id(c)).collect::<Vec<_>>();
            let fresh_at = |ids: Vec<weir_graph::CellId>| {
                ids.into_iter().map(|c| project.index_of(c)).collect::<Vec<_>>()
            };
            let analysis = project.analysis(i);
            prop_assert_eq!(&k.graph.defs, &analysis.defs.iter().cloned().collect::<Vec<_>>(), "cell {}", i);
            prop_assert_eq!(&k.graph.refs, &analysis.refs.iter().cloned().collect::<Vec<_>>(), "cell {}", i);
            prop_assert_eq!(at(&k.graph.parents), fresh_at(project.graph().parents(id)), "cell {} parents; notebook:\n{}", i, source);
            prop_assert_eq!(at(&k.graph.children), fresh_at(project.graph().children(id)), "cell {} children; notebook:\n{}", i, source);
        }
        prop_assert_eq!(live_names, fresh_names, "namespace; notebook:\n{}", source);
    }
}
