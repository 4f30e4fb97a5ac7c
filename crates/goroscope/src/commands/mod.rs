//! One module per subcommand, and what they share: reading and analysing inputs, writing the report.

pub(crate) mod analyze;
pub(crate) mod diff;

use std::fs::File;
use std::io::{self, BufWriter, Write};

use anyhow::{Context, Result};
use goroscope_analyze::{Analysis, Options, analyze};
use goroscope_dump::Snapshot;
use goroscope_report::{Json, Render, Report, Table, TableOptions};

use crate::args::{AnalysisArgs, CollectArgs, OutputArgs, OutputFormat};
use crate::inputs::{self, Reading};
use crate::source::SourceFinder;

/// What every command that reads dumps needs: how to read them and how to analyse them.
pub(crate) struct Session {
    options: Options,
    finder: SourceFinder,
    reading: Reading,
}

impl Session {
    pub(crate) fn new(analysis: &AnalysisArgs, collect: &CollectArgs, quiet: bool) -> Result<Session> {
        Ok(Session {
            options: analysis.options(),
            finder: SourceFinder::new(analysis.src.clone()),
            reading: Reading {
                format: analysis.input_format.into(),
                http: goroscope_collect::HttpClient::new(collect.http_options()?),
                gops: collect.gops_options(),
                limits: collect.limits(),
                cheap: collect.cheap,
                threads: analysis.threads,
                quiet,
            },
        })
    }

    /// Reads one named input and analyses each of its snapshots (a log can hold several), handing each pair to
    /// `each` so that a large snapshot can be dropped as soon as it is analysed. A failure is reported on
    /// standard error and returns `false`.
    pub(crate) fn analyse(&self, name: &str, mut each: impl FnMut(Snapshot, Analysis)) -> bool {
        match inputs::read(name, &self.reading) {
            Ok(snapshots) => {
                for snapshot in snapshots {
                    let analysis = analyze(&snapshot, &self.options, Some(&self.finder));
                    each(snapshot, analysis);
                }
                true
            }
            Err(err) => {
                err.report(name);
                false
            }
        }
    }
}

/// Writes the report as asked: `--json FILE`, then the chosen format on standard output. A reader that went
/// away (`| head`) is not an error.
pub(crate) fn emit(report: &Report, output: &OutputArgs, color: bool) -> Result<()> {
    if let Some(path) = &output.json {
        let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut out = BufWriter::new(file);
        Json.render(report, &mut out)
            .and_then(|()| out.flush())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let mut out = BufWriter::new(io::stdout().lock());
    let written = match output.format {
        OutputFormat::Table => Table { options: TableOptions { color, top: output.top, all: output.all } }
            .render(report, &mut out),
        OutputFormat::Json => Json.render(report, &mut out),
    }
    .and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing the report to standard output"),
    }
}
