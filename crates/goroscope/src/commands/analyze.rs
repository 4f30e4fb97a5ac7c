//! `goroscope analyze`: parse each dump, analyse it, render one report.

use std::fs::File;
use std::io::{self, BufWriter, Write};

use anyhow::{Context, Result};
use goroscope_analyze::{Options, analyze};
use goroscope_report::{InputReport, Json, Render, Report, Table, TableOptions};

use crate::Outcome;
use crate::args::{AnalyzeArgs, OutputFormat};
use crate::inputs::{self, Reading};
use crate::source::SourceFinder;

pub(crate) fn run(args: &AnalyzeArgs, color: bool, quiet: bool) -> Result<Outcome> {
    let options = Options { own_packages: args.own.clone(), context_lines: args.context };
    let finder = SourceFinder::new(args.src.clone());
    let reading = Reading {
        format: args.input_format.into(),
        http: goroscope_collect::HttpClient::new(args.collect.http_options()?),
        gops: args.collect.gops_options(),
        limits: args.collect.limits(),
        cheap: args.collect.cheap,
        threads: args.threads,
        quiet,
    };
    let mut inputs = Vec::new();
    let mut failed = false;
    for name in &args.inputs {
        match inputs::read(name, &reading) {
            Ok(snapshots) => {
                for snapshot in snapshots {
                    let analysis = analyze(&snapshot, &options, Some(&finder));
                    inputs.push(InputReport::new(&snapshot, analysis));
                }
            }
            Err(err) => {
                failed = true;
                err.report(name);
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
    // The process exits next: freeing the report's thousands of strings one by one would only cost time.
    std::mem::forget(report);
    match written {
        // A reader that went away (`| head`) is not an error, but an input that failed still is.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(outcome),
        Err(e) => Err(e).context("writing the report to standard output"),
        Ok(()) => Ok(outcome),
    }
}
