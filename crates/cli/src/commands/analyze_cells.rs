use std::io::{BufRead, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

/// Shares its code path with the conformance test: both call
/// `weir_analysis::conformance::answer_line`.
pub fn run(input: &Path) -> anyhow::Result<ExitCode> {
    let reader: Box<dyn BufRead> = if input == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(input)
            .with_context(|| format!("{}: cannot open", input.display()))?;
        Box::new(std::io::BufReader::new(file))
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for (number, line) in reader.lines().enumerate() {
        let line =
            line.with_context(|| format!("{}:{}: cannot read line", input.display(), number + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let answer = weir_analysis::conformance::answer_line(&line)
            .map_err(|err| anyhow::anyhow!("{}:{}: {err}", input.display(), number + 1))?;
        writeln!(out, "{answer}")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
