//! The goroscope command line.

mod args;
mod commands;
mod config;
mod inputs;
mod lint_links;
mod source;

use std::io::{ErrorKind, IsTerminal};
use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, ColorChoice, Command};

/// Exit codes: 0 ran, 1 a gate found leaks, 2 an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Ran,
    GateFailed,
    Error,
}

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    match &mut cli.command {
        Command::Watch(args) => args.collect.unattended(),
        #[cfg(feature = "serve")]
        Command::Serve(args) => args.collect.unattended(),
        _ => {}
    }
    let result = match &cli.command {
        Command::Analyze(args) => commands::analyze::run(args, color, cli.quiet),
        Command::Diff(args) => commands::diff::run(args, color, cli.quiet),
        Command::Check(args) => commands::check::run(args, color, cli.quiet),
        Command::Series(args) => commands::series::run(args, color, cli.quiet),
        Command::Test(args) => commands::test::run(args, color, cli.quiet),
        Command::Explain(args) => commands::explain::run(args, color),
        Command::Watch(args) => commands::watch::run(args, color, cli.quiet),
        Command::History(args) => commands::history::run(args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => commands::serve::run(args, cli.quiet),
        Command::Lint(args) => commands::lint::run(args, color, cli.quiet),
        Command::Rule(args) => commands::rule::run(args, color),
    };
    match result {
        Ok(Outcome::Ran) => ExitCode::SUCCESS,
        Ok(Outcome::GateFailed) => ExitCode::from(1),
        Ok(Outcome::Error) => ExitCode::from(2),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("goroscope: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// A reader that went away (`goroscope … | head`) is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .any(|e| e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == ErrorKind::BrokenPipe))
}
