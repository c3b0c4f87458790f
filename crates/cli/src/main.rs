//! The `weir` command: argument parsing and exit codes only; each
//! subcommand lives in `commands/` and the work itself in the library crates.
//!
//! Exit status: 0 success, 1 the notebook has problems (check failed, fmt
//! --check found changes), 2 the input could not be used at all (missing,
//! not a notebook, not UTF-8, too large) or the command line was wrong.

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match commands::run(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
