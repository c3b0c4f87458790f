//! One module per subcommand. Each returns the process exit code; errors
//! that make the input unusable bubble up as `anyhow` errors (exit 2).

mod analyze_cells;
mod check;
mod edit;
mod exec;
mod export;
mod fmt;
mod graph;
mod interpreter;
mod launch;
mod new;
mod store;
mod time_load;
mod verify;

use std::process::ExitCode;

use crate::cli::{Cli, Command, DebugCommand, ExportCommand};

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::New { path } => new::run(&path),
        Command::Check {
            path,
            format,
            python,
            python_version,
        } => check::run(
            &path,
            format,
            python_version.map_or_else(
                || check::Judge::Interpreter(Some(interpreter::choose(python))),
                check::Judge::Version,
            ),
        ),
        Command::Graph { path, format } => graph::run(&path, format),
        Command::Fmt { path, check } => fmt::run(&path, check),
        Command::Exec {
            path,
            python,
            json,
            store,
            refresh,
            strict,
        } => exec::run(
            &path,
            python,
            json,
            exec::PersistArgs {
                store,
                refresh,
                strict,
            },
        ),
        Command::Verify {
            path,
            json,
            store,
            python,
        } => verify::run(&path, python, json, &store),
        Command::Store(command) => store::run(command),
        Command::Edit {
            path,
            port,
            host,
            headless,
            python,
        } => edit::run(path, host, port, headless, python),
        Command::Export(ExportCommand::Html {
            path,
            output,
            no_code,
            python,
        }) => export::run_html(&path, &output, no_code, python),
        Command::Debug(DebugCommand::AnalyzeCells { input }) => analyze_cells::run(&input),
        Command::Debug(DebugCommand::TimeLoad { path, repeat }) => time_load::run(&path, repeat),
    }
}

/// Loads a notebook; the error already names the file and what is wrong.
pub(crate) fn load(path: &std::path::Path) -> anyhow::Result<weir_project::Project> {
    Ok(weir_project::Project::load(path)?)
}
