//! `goroscope series INPUT…`: several dumps of one process, oldest first, followed over time.

use std::time::UNIX_EPOCH;

use anyhow::Result;
use goroscope_analyze::series;
use goroscope_report::{InputReport, Report};

use crate::Outcome;
use crate::args::SeriesArgs;
use crate::commands::{Session, emit};

pub(crate) fn run(args: &SeriesArgs, color: bool, quiet: bool) -> Result<Outcome> {
    let session = Session::new(&args.analysis, &args.collect, quiet)?;
    let mut inputs = Vec::new();
    // Each snapshot's time: its proto timestamp, else its file's modification time.
    let mut times: Vec<Option<f64>> = Vec::new();
    let mut failed = false;
    for name in &args.inputs {
        let modified = std::fs::metadata(name)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_secs_f64());
        let mut from_this = 0;
        failed |= !session.analyse(name, |snapshot, analysis| {
            from_this += 1;
            times.push(snapshot.time_nanos.map(|ns| ns as f64 / 1e9).or(modified));
            inputs.push(InputReport::new(&snapshot, analysis));
        });
        // Dumps from one log share its modification time: no times for them.
        if from_this > 1 {
            let len = times.len();
            for t in &mut times[len - from_this..] {
                *t = None;
            }
        }
    }
    if failed {
        return Ok(Outcome::Error);
    }
    if inputs.len() < 2 {
        eprintln!("goroscope: error: a series needs at least two dumps; {} found", inputs.len());
        return Ok(Outcome::Error);
    }
    let seconds: Option<Vec<f64>> = match args.interval {
        Some(interval) => Some((0..inputs.len()).map(|i| i as f64 * interval.as_secs_f64()).collect()),
        None => times.into_iter().collect::<Option<Vec<f64>>>().filter(|t| t.windows(2).all(|w| w[1] > w[0])),
    };
    if seconds.is_none() && args.interval.is_none() && !quiet {
        eprintln!(
            "goroscope: note: the dumps' times are unknown or not increasing; rates are per snapshot (give --interval)"
        );
    }
    let analyses: Vec<_> = inputs.iter().map(|i| i.analysis.clone()).collect();
    let followed = series(&analyses, seconds.as_deref(), args.limit);
    let report = Report::with_series(inputs, followed);
    emit(&report, &args.output, color, &session)?;
    Ok(Outcome::Ran)
}
