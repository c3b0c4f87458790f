use std::path::Path;
use std::process::ExitCode;

pub fn run(path: &Path, check: bool) -> anyhow::Result<ExitCode> {
    let mut project = super::load(path)?;
    // Compared by content hash with the bytes loaded: the file is read once.
    if !project.differs_from_disk() {
        if !check {
            outln!("{}: already canonical", path.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    if check {
        outln!("{}: would be reformatted", path.display());
        return Ok(ExitCode::from(1));
    }
    // Refused if someone changed the file while we formatted it.
    project.save(path)?;
    outln!("{}: reformatted", path.display());
    Ok(ExitCode::SUCCESS)
}
