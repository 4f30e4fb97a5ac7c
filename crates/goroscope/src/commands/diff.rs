//! `goroscope diff BEFORE AFTER`: how the groups changed between two snapshots of one process.

use anyhow::Result;
use goroscope_analyze::{diff, process_warnings};
use goroscope_report::{DiffReport, InputReport, Report};

use crate::Outcome;
use crate::args::DiffArgs;
use crate::commands::{Session, emit};

pub(crate) fn run(args: &DiffArgs, color: bool, quiet: bool) -> Result<Outcome> {
    let session = Session::new(&args.analysis, &args.collect, quiet)?;
    let (Some(before), Some(after)) = (session.analyse_last(&args.before), session.analyse_last(&args.after))
    else {
        return Ok(Outcome::Error);
    };
    let warnings = process_warnings(&before.0, &after.0, &before.1, &after.1);
    let changes = diff(&before.1, &after.1);
    let report = Report::with_diff(
        vec![InputReport::new(&before.0, before.1), InputReport::new(&after.0, after.1)],
        DiffReport {
            before_source: before.0.source.clone(),
            after_source: after.0.source.clone(),
            warnings,
            diff: changes,
        },
    );
    emit(&report, &args.output, color, &session)?;
    Ok(Outcome::Ran)
}
