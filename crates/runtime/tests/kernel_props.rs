//! The kernel's final state equals a fresh run of the notebook it ends
//! with: random sequences of changes and runs (autorun, real workers),
//! compared cell by cell with `run_all` on a fresh load of the resulting
//! source in a new worker: status, console, outputs, error type.

mod common;

use proptest::prelude::*;
use weir_graph::CellId;
use weir_notebook::{Cell, CellOptions, Notebook};
use weir_project::{Change, Project};
use weir_runtime::kernel::{self, Command, KernelConfig, KernelHandle, RunMode};
use weir_runtime::{Session, StreamName};

const SNIPPETS: &[&str] = &[
    "a = 1",
    "b = a + 1\nprint('b', b)",
    "c = a + b\nprint('c', c)",
    "print('sum', a + b + c)",
    "a = 7",
    "del b",
    "x = (",
    "raise ValueError('no')",
    "d = c * 2\nd",
    "import weir\nweir.stop(a > 5)\ne = 1",
    "print('e', e)",
];

#[derive(Clone, Debug)]
enum Op {
    SetCode(usize, usize),
    Insert(usize, usize),
    Move(usize, usize),
    Delete(usize),
    ToggleDisabled(usize),
    Run(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let s = 0..SNIPPETS.len();
    prop_oneof![
        3 => (any::<usize>(), s.clone()).prop_map(|(i, k)| Op::SetCode(i, k)),
        2 => (any::<usize>(), s).prop_map(|(i, k)| Op::Insert(i, k)),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Op::Move(i, j)),
        1 => any::<usize>().prop_map(Op::Delete),
        1 => any::<usize>().prop_map(Op::ToggleDisabled),
        1 => any::<usize>().prop_map(Op::Run),
    ]
}

fn send(kernel: &KernelHandle, op: &Op) {
    let snapshot = kernel.snapshot();
    let ids: Vec<CellId> = snapshot.cells.iter().map(|c| CellId(c.meta.id)).collect();
    let pick = |i: usize| (!ids.is_empty()).then(|| ids[i % ids.len()]);
    let change = match *op {
        Op::SetCode(i, k) => pick(i).map(|cell| Change::SetCode {
            cell,
            code: SNIPPETS[k].into(),
        }),
        Op::Insert(at, k) => Some(Change::Insert {
            at: at % (ids.len() + 1),
            cell: Box::new(Cell::code("_", SNIPPETS[k])),
        }),
        Op::Move(i, to) => pick(i).map(|cell| Change::Move {
            cell,
            to: to % ids.len().max(1),
        }),
        Op::Delete(i) => pick(i).map(|cell| Change::Delete { cell }),
        Op::ToggleDisabled(i) => pick(i).map(|cell| {
            let disabled = snapshot
                .cells
                .iter()
                .find(|c| c.meta.id == cell.0)
                .is_some_and(|c| c.meta.disabled);
            Change::SetOptions {
                cell,
                options: CellOptions {
                    disabled: !disabled,
                    ..CellOptions::default()
                },
            }
        }),
        Op::Run(i) => {
            if let Some(cell) = pick(i) {
                kernel.send(Command::Run(vec![cell])).unwrap();
            }
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn the_kernel_ends_where_a_fresh_run_of_its_notebook_does(
        initial in proptest::collection::vec(0..SNIPPETS.len(), 1..5),
        ops in proptest::collection::vec(op(), 1..12),
        wait_between in any::<bool>(),
    ) {
        let mut project = Project::new(Notebook::default());
        for k in initial {
            let at = project.cells().len();
            project
                .apply_change(Change::Insert { at, cell: Box::new(Cell::code("_", SNIPPETS[k])) })
                .unwrap();
        }
        let session = Session::start(project, common::session_config()).expect("session starts");
        let kernel = kernel::spawn(session, KernelConfig { mode: RunMode::Autorun, ..KernelConfig::default() });
        kernel.send(Command::RunAll).unwrap();
        for op in &ops {
            // Either one at a time, or piling up while cells run.
            if wait_between {
                kernel.wait_idle().unwrap();
            }
            send(&kernel, op);
        }
        kernel.wait_idle().unwrap();
        let live = kernel.snapshot();
        kernel.shutdown();

        // The notebook the kernel ended with, run from scratch.
        let mut fresh_project = Project::new(Notebook::default());
        for cell in &live.cells {
            let at = fresh_project.cells().len();
            let mut c = Cell::code("_", cell.meta.code.clone());
            c.options.disabled = cell.meta.disabled;
            fresh_project.apply_change(Change::Insert { at, cell: Box::new(c) }).unwrap();
        }
        let mut fresh = Session::start(fresh_project, common::session_config()).expect("session starts");
        let report = fresh.run_all(|_| {}).expect("fresh run");
        let _ = fresh.shutdown();

        prop_assert_eq!(live.cells.len(), report.cells.len());
        for (i, (k, f)) in live.cells.iter().zip(&report.cells).enumerate() {
            let code = &k.meta.code;
            prop_assert_eq!(k.status, f.status, "cell {} {:?}: {:?} vs fresh {:?}", i, code, k, f);
            prop_assert!(!k.stale, "cell {} left stale", i);
            let stdout: String = k.console.iter().filter(|c| c.stream == StreamName::Stdout).map(|c| c.text.as_str()).collect();
            prop_assert_eq!(stdout, f.text(StreamName::Stdout), "cell {} {:?}", i, code);
            prop_assert_eq!(&k.outputs, &f.outputs, "cell {} {:?}", i, code);
            prop_assert_eq!(
                k.error.as_ref().map(|e| e.exc_type.clone()),
                f.error.as_ref().map(|e| e.exc_type.clone()),
                "cell {} {:?}", i, code
            );
        }
    }
}
