use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

pub fn run(path: &Path, check: bool) -> anyhow::Result<ExitCode> {
    let project = super::load(path)?;
    let original = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let canonical = project.to_source();
    if canonical == original {
        if !check {
            outln!("{}: already canonical", path.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    if check {
        outln!("{}: would be reformatted", path.display());
        return Ok(ExitCode::from(1));
    }
    super::write_atomically(path, &canonical)?;
    outln!("{}: reformatted", path.display());
    Ok(ExitCode::SUCCESS)
}
