//! Build and update costs on 10,000-cell notebooks.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use weir_graph::{CellDeps, CellId, Graph};

const N: u32 = 10_000;

/// Cell i defines x_i and reads x_{i-1}.
fn chain() -> Vec<(CellId, CellDeps)> {
    (0..N)
        .map(|i| {
            let def = format!("x_{i}");
            let read = (i > 0).then(|| format!("x_{}", i - 1));
            (
                CellId(i),
                CellDeps::new([def.as_str()], read.as_deref(), []),
            )
        })
        .collect()
}

/// Cell 0 defines `df`; the other cells each read it and define their own name.
fn wide() -> Vec<(CellId, CellDeps)> {
    (0..N)
        .map(|i| {
            let deps = if i == 0 {
                CellDeps::new(["df"], [], [])
            } else {
                let def = format!("y_{i}");
                CellDeps::new([def.as_str()], ["df"], [])
            };
            (CellId(i), deps)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let chain_cells = chain();
    c.bench_function("build 10k chain", |b| {
        b.iter_batched(
            || chain_cells.clone(),
            |cells| black_box(Graph::build(cells)),
            BatchSize::LargeInput,
        )
    });
    let wide_cells = wide();
    c.bench_function("build 10k wide", |b| {
        b.iter_batched(
            || wide_cells.clone(),
            |cells| black_box(Graph::build(cells)),
            BatchSize::LargeInput,
        )
    });

    // Edit the middle cell of a chain so that it reads a different name and
    // then back: two updates, each removing and adding an edge.
    let mut g = Graph::build(chain_cells);
    let mid = N / 2;
    let original = g.deps(CellId(mid)).cloned().expect("mid cell");
    let edited = CellDeps::new([format!("x_{mid}").as_str()], ["x_0"], []);
    c.bench_function("update 1 cell in 10k chain (x2)", |b| {
        b.iter(|| {
            g.update(CellId(mid), edited.clone());
            g.update(CellId(mid), original.clone());
        })
    });
    c.bench_function("update + stale in 10k chain", |b| {
        b.iter(|| {
            g.update(CellId(mid), original.clone());
            black_box(g.stale(&[CellId(N - 10)]))
        })
    });
    c.bench_function("cycles + run_order of all, 10k chain", |b| {
        b.iter(|| {
            g.update(CellId(mid), edited.clone()); // invalidates the SCC cache
            g.update(CellId(mid), original.clone());
            black_box(g.cycles());
            black_box(g.run_order(g.order()))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
