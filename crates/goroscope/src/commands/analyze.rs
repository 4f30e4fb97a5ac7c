//! `goroscope analyze`: parse each dump, analyse it, render one report.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::time::Duration;

use anyhow::{Context, Result};
use goroscope_analyze::{Options, analyze};
use goroscope_dump::{DumpError, ParseOptions, Snapshot, parse_reader};
use goroscope_report::{InputReport, Json, Render, Report, Table, TableOptions};
use indicatif::{ProgressBar, ProgressStyle};

use crate::Outcome;
use crate::args::{AnalyzeArgs, OutputFormat};
use crate::source::SourceFinder;

/// Inputs at least this large get a progress bar (on a terminal).
const PROGRESS_FROM_BYTES: u64 = 16 << 20;

pub(crate) fn run(args: &AnalyzeArgs, color: bool, quiet: bool) -> Result<Outcome> {
    let options = Options { own_packages: args.own.clone(), context_lines: args.context };
    let finder = SourceFinder::new(args.src.clone());
    let mut inputs = Vec::new();
    let mut failed = false;
    for name in &args.inputs {
        match read_snapshot(name, args.threads, quiet) {
            Ok(snapshot) => {
                let analysis = analyze(&snapshot, &options, Some(&finder));
                inputs.push(InputReport::new(&snapshot, analysis));
            }
            Err(err) => {
                failed = true;
                report_error(name, &err);
            }
        }
    }
    if inputs.is_empty() {
        return Ok(Outcome::Error);
    }
    let report = Report::new(inputs);
    if let Some(path) = &args.json {
        let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut out = BufWriter::new(file);
        Json.render(&report, &mut out)
            .and_then(|()| out.flush())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let outcome = if failed { Outcome::Error } else { Outcome::Ran };
    let mut out = BufWriter::new(io::stdout().lock());
    let written = match args.format {
        OutputFormat::Table => {
            Table { options: TableOptions { color, top: args.top, all: args.all } }.render(&report, &mut out)
        }
        OutputFormat::Json => Json.render(&report, &mut out),
    }
    .and_then(|()| out.flush());
    match written {
        // A reader that went away (`| head`) is not an error, but an input that failed still is.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(outcome),
        Err(e) => Err(e).context("writing the report to standard output"),
        Ok(()) => Ok(outcome),
    }
}

/// Why an input could not be analysed.
#[derive(Debug)]
enum InputError {
    Open(io::Error),
    Parse(DumpError),
}

fn report_error(name: &str, err: &InputError) {
    match err {
        InputError::Open(e) => eprintln!("goroscope: error: {name}: cannot open: {e}"),
        InputError::Parse(e) => {
            let cause = std::error::Error::source(e).map(|c| format!(": {c}")).unwrap_or_default();
            eprintln!("goroscope: error: {name}: {e}{cause}");
            if let Some(hint) = e.hint() {
                eprintln!("  hint: {hint}");
            }
        }
    }
}

fn read_snapshot(name: &str, threads: usize, quiet: bool) -> Result<Snapshot, InputError> {
    if name == "-" {
        let stdin = io::stdin();
        let bar = progress_bar(None, quiet);
        return parse(name, stdin, threads, bar.as_ref());
    }
    let file = File::open(name).map_err(InputError::Open)?;
    let meta = file.metadata().map_err(InputError::Open)?;
    if meta.is_dir() {
        return Err(InputError::Open(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a directory; give a dump file",
        )));
    }
    let bar = (meta.len() >= PROGRESS_FROM_BYTES).then(|| progress_bar(Some(meta.len()), quiet)).flatten();
    parse(name, file, threads, bar.as_ref())
}

fn parse(
    name: &str,
    reader: impl Read + Send,
    threads: usize,
    bar: Option<&ProgressBar>,
) -> Result<Snapshot, InputError> {
    let tick = |bytes: u64| {
        if let Some(bar) = bar {
            bar.set_position(bytes);
        }
    };
    let options = ParseOptions { threads, progress: Some(&tick), ..ParseOptions::default() };
    let result = parse_reader(name, reader, &options).map_err(InputError::Parse);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    result
}

/// A progress bar on standard error, only when it is a terminal.
fn progress_bar(len: Option<u64>, quiet: bool) -> Option<ProgressBar> {
    if quiet || !io::stderr().is_terminal() {
        return None;
    }
    let bar = match len {
        Some(len) => ProgressBar::new(len).with_style(
            ProgressStyle::with_template(
                "{spinner} parsing {bytes}/{total_bytes} [{bar:30}] {bytes_per_sec}, {eta}",
            )
            .ok()?
            .progress_chars("=> "),
        ),
        None => ProgressBar::new_spinner()
            .with_style(ProgressStyle::with_template("{spinner} parsing {bytes} {bytes_per_sec}").ok()?),
    };
    bar.enable_steady_tick(Duration::from_millis(120));
    Some(bar)
}
