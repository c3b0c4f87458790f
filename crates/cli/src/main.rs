//! The `weir` command: argument parsing and exit codes only; each
//! subcommand lives in `commands/` and the work itself in the library crates.
//!
//! Exit status: 0 success, 1 the notebook has problems (check failed, fmt
//! --check found changes), 2 the input could not be used at all (missing,
//! not a notebook, not UTF-8, too large) or the command line was wrong.

/// `print!`/`println!` that treat a closed standard output (`weir graph
/// nb.py | head`) as the reader having seen enough: exit quietly with the
/// shell's status for SIGPIPE, rather than panicking as `println!` does.
/// (SIGPIPE itself stays ignored, so a dead worker's pipe is an error the
/// runtime reports, not a signal that kills `weir`.)
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::write_stdout(format_args!($($arg)*))
    };
}
macro_rules! outln {
    () => { $crate::write_stdout(format_args!("\n")) };
    ($($arg:tt)*) => {
        $crate::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

mod cli;
mod commands;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub(crate) fn write_stdout(args: std::fmt::Arguments) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = stdout.write_fmt(args) {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(141);
        }
        eprintln!("error: cannot write to standard output: {err}");
        std::process::exit(2);
    }
}

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match commands::run(args) {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::from(141),
        Err(err) => {
            eprintln!("error: {}", describe(&err));
            ExitCode::from(2)
        }
    }
}

/// Whether the error comes from writing to a reader that went away.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// An error and its causes on one line, `outer: cause: root`, leaving out a
/// cause whose text the line already holds: library errors name their cause
/// in their own message (so they read well alone) and also expose it as
/// `source()`, and printing both would say everything twice.
pub(crate) fn describe(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}
