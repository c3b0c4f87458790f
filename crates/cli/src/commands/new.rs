use std::path::Path;
use std::process::ExitCode;

use weir_project::{Project, SaveError};

pub fn run(path: &Path) -> anyhow::Result<ExitCode> {
    create(path)?;
    outln!("created {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// Writes the starter notebook at `path`, never over an existing file.
pub(crate) fn create(path: &Path) -> anyhow::Result<()> {
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
    Ok(())
}
