//! Parse + analyse + graph build of large generated notebooks, and a
//! one-cell edit. `cargo bench -p weir-project`. The side-by-side with
//! marimo is bench/notebook_core.py; this is for tracking Weir alone.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use weir_project::Project;

/// The same shapes as bench/gen_notebook.py.
fn notebook(shape: &str, n: usize) -> String {
    let mut out = String::from("import weir\n\napp = weir.App()\n\n");
    for i in 0..n {
        let (params, code, ret) = match (shape, i) {
            ("chain", 0) => (String::new(), "x_0 = 0".to_string(), "x_0"),
            ("chain", _) => (
                format!("x_{}", i - 1),
                format!("x_{i} = x_{} + 1", i - 1),
                "",
            ),
            (_, 0) => (String::new(), "base = 1".to_string(), "base"),
            _ => ("base".to_string(), format!("y_{i} = base * {i}"), ""),
        };
        let ret = if shape == "chain" {
            format!("(x_{i},)")
        } else if ret.is_empty() {
            String::new()
        } else {
            format!("({ret},)")
        };
        out.push_str(&format!(
            "@app.cell\ndef _({params}):\n    {code}\n    return {ret}\n\n\n"
        ));
    }
    out.push_str("if __name__ == \"__main__\":\n    app.run()\n");
    out
}

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    group.sample_size(20);
    for (shape, n) in [("chain", 1_000), ("chain", 10_000), ("wide", 10_000)] {
        let source = notebook(shape, n);
        group.bench_with_input(BenchmarkId::new(shape, n), &source, |b, source| {
            b.iter(|| {
                let project = Project::from_source(source).unwrap();
                project.graph().run_order(project.graph().order()).len()
            })
        });
    }
    group.finish();
}

fn edit(c: &mut Criterion) {
    let mut project = Project::from_source(&notebook("chain", 10_000)).unwrap();
    let original = project.cells()[5_000].code.clone();
    let edited = format!("{original}\n# edited");
    let mut flip = false;
    c.bench_function("edit one cell of a 10k chain", |b| {
        b.iter(|| {
            flip = !flip;
            project.edit_cell(
                5_000,
                if flip {
                    edited.clone()
                } else {
                    original.clone()
                },
            )
        })
    });
}

criterion_group!(benches, load, edit);
criterion_main!(benches);
