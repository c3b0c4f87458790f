//! Answer a cells JSONL file, one answer line per input line:
//! `cargo run -p weir-analysis --example analyze_cells -- IN.jsonl > answers.jsonl`
//! (the same code path as `weir debug analyze-cells`).

use std::io::{BufRead, BufReader, Write};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: analyze_cells IN.jsonl")?;
    let input = BufReader::new(std::fs::File::open(path)?);
    let mut out = std::io::stdout().lock();
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        writeln!(out, "{}", weir_analysis::conformance::answer_line(&line)?)?;
    }
    Ok(())
}
