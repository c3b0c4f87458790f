use std::path::Path;
use std::process::ExitCode;

use weir_project::{Project, SaveError};

pub fn run(path: &Path) -> anyhow::Result<ExitCode> {
    let mut project = Project::new(weir_notebook::Notebook::starter());
    // A project never on disk saves only where nothing exists yet, checked
    // atomically (a file appearing meanwhile is not replaced either).
    match project.save(path) {
        Ok(_) => {}
        Err(SaveError::AlreadyExists { .. }) => anyhow::bail!(
            "{}: already exists; `weir new` never overwrites a file",
            path.display()
        ),
        Err(e) => return Err(e.into()),
    }
    outln!("created {}", path.display());
    Ok(ExitCode::SUCCESS)
}
