//! Throughput check: analyse 10,000 cells drawn from the conformance corpus.
//! `cargo run --release -p weir-analysis --example bench_cells [CELLS.jsonl]`

use std::time::Instant;

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/conformance/cells.jsonl".to_string());
    let text = std::fs::read_to_string(&path).expect("read cells.jsonl");
    let cells: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["code"].as_str().map(str::to_string))
        .collect();
    assert!(!cells.is_empty(), "no cells in {path}");
    let batch: Vec<&str> = cells
        .iter()
        .cycle()
        .take(10_000)
        .map(String::as_str)
        .collect();
    let bytes: usize = batch.iter().map(|c| c.len()).sum();
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let start = Instant::now();
        let mut defs = 0;
        for code in &batch {
            defs += weir_analysis::analyze_cell(code).defs.len();
        }
        let ms = start.elapsed().as_secs_f64() * 1e3;
        best = best.min(ms);
        std::hint::black_box(defs);
    }
    println!("10000 cells ({bytes} bytes): best of 5 = {best:.1} ms");
}
