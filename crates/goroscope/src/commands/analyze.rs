//! `goroscope analyze`: parse each dump, analyse it, render one report.

use anyhow::Result;
use goroscope_report::{InputReport, Report};

use crate::Outcome;
use crate::args::AnalyzeArgs;
use crate::commands::{Session, emit};

pub(crate) fn run(args: &AnalyzeArgs, color: bool, quiet: bool) -> Result<Outcome> {
    let session = Session::new(&args.analysis, &args.collect, quiet)?;
    let mut inputs = Vec::new();
    let mut failed = false;
    for name in &args.inputs {
        failed |=
            !session.analyse(name, |snapshot, analysis| inputs.push(InputReport::new(&snapshot, analysis)));
    }
    if inputs.is_empty() {
        return Ok(Outcome::Error);
    }
    let mut report = Report::new(inputs);
    if !args.analysis.src.is_empty() {
        crate::lint_links::link(&mut report, &session.finder);
    }
    emit(&report, &args.output, color, &session)?;
    // The process exits next: freeing the report's thousands of strings one by one would only cost time.
    std::mem::forget(report);
    // An input that failed is an error even when the others were reported.
    Ok(if failed { Outcome::Error } else { Outcome::Ran })
}
