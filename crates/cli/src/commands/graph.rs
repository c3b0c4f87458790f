use std::path::Path;
use std::process::ExitCode;

use crate::cli::GraphFormat;

pub fn run(path: &Path, format: GraphFormat) -> anyhow::Result<ExitCode> {
    let project = super::load(path)?;
    match format {
        GraphFormat::Mermaid => out!("{}", project.to_mermaid()),
        GraphFormat::Dot => out!("{}", project.to_dot()),
        GraphFormat::Json => outln!("{}", serde_json::to_string_pretty(&project.graph_report())?),
    }
    Ok(ExitCode::SUCCESS)
}
