use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use weir_project::Project;

pub fn run(path: &Path) -> anyhow::Result<ExitCode> {
    if path.exists() {
        bail!(
            "{}: already exists; `weir new` never overwrites a file",
            path.display()
        );
    }
    let project = Project::new(weir_notebook::Notebook::starter());
    super::write_atomically(path, &project.to_source())?;
    outln!("created {}", path.display());
    Ok(ExitCode::SUCCESS)
}
