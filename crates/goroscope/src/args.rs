//! Command-line arguments. Help text lives in the doc comments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Find, explain and prevent goroutine leaks in Go programs.
#[derive(Debug, Parser)]
#[command(name = "goroscope", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    /// When to use colours.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub(crate) color: ColorChoice,
    /// Print nothing but errors (and the report itself).
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Group the goroutines of one or more dumps by stack and explain every leak suspect.
    Analyze(AnalyzeArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour when standard output is a terminal and `NO_COLOR` is unset.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// A report for people, most severe first.
    Table,
    /// Versioned JSON (see docs/json.md).
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct AnalyzeArgs {
    /// Goroutine dumps: files (pprof debug=2 output, panic or SIGQUIT tracebacks, deadlock reports) or `-` for
    /// standard input.
    #[arg(required = true, value_name = "DUMP")]
    pub(crate) inputs: Vec<String>,
    /// Output format on standard output.
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Table)]
    pub(crate) format: OutputFormat,
    /// Also write the JSON report to this file.
    #[arg(long, value_name = "FILE")]
    pub(crate) json: Option<PathBuf>,
    /// Suspect groups shown in full (the rest get one line each); 0 shows all.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub(crate) top: usize,
    /// Show healthy groups in full too.
    #[arg(long)]
    pub(crate) all: bool,
    /// Package path prefix of your own code (repeatable); the leak site is the first frame in it. Default: any
    /// package outside the Go distribution.
    #[arg(long = "own", value_name = "PKG")]
    pub(crate) own: Vec<String>,
    /// Directory to look for the source files named in the dump (repeatable). Files that exist at the printed
    /// path are found without it.
    #[arg(long = "src", value_name = "DIR")]
    pub(crate) src: Vec<PathBuf>,
    /// Lines of source shown on each side of a leak site; 0 turns source excerpts off.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub(crate) context: u32,
    /// Parser threads; 0 uses every core.
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N")]
    pub(crate) threads: usize,
}
