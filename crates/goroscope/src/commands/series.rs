//! `goroscope series INPUT…`: several dumps of one process, oldest first, followed over time; with heap profiles
//! among them, why its memory grew.

use anyhow::Result;
use goroscope_analyze::series;
use goroscope_report::{InputReport, Report};

use crate::Outcome;
use crate::args::SeriesArgs;
use crate::commands::{Heaps, Session, emit, increasing, refuse_mix};

pub(crate) fn run(args: &SeriesArgs, color: bool, quiet: bool) -> Result<Outcome> {
    let session = Session::new(&args.analysis, &args.collect, quiet)?;
    let mut inputs = Vec::new();
    // Each snapshot's time: its own (proto, or when it was fetched), else its file's modification time.
    let mut times: Vec<Option<f64>> = Vec::new();
    let mut heaps = Heaps::default();
    let mut failed = false;
    for name in &args.inputs {
        failed |= !session.analyse_profiles(
            name,
            |snapshot, analysis, time| {
                times.push(time);
                inputs.push(InputReport::new(&snapshot, analysis));
            },
            &mut heaps,
        );
    }
    if failed {
        return Ok(Outcome::Error);
    }
    if inputs.len() < 2 && heaps.profiles.len() < 2 {
        eprintln!(
            "goroscope: error: a series needs at least two dumps (or two heap profiles); {} found",
            inputs.len()
        );
        return Ok(Outcome::Error);
    }
    let seconds: Option<Vec<f64>> = match args.interval {
        Some(interval) => Some((0..inputs.len()).map(|i| i as f64 * interval.as_secs_f64()).collect()),
        None => increasing(&times),
    };
    if seconds.is_none() && args.interval.is_none() && inputs.len() >= 2 && !quiet {
        eprintln!(
            "goroscope: note: the dumps' times are unknown or not increasing; rates are per snapshot (give --interval)"
        );
    }
    let analyses: Vec<_> = inputs.iter().map(|i| i.analysis.clone()).collect();
    let memory = match session.memory(&heaps, &analyses, &times) {
        Ok(memory) => memory,
        Err(e) => return Ok(refuse_mix(&e)),
    };
    let mut report = if inputs.len() >= 2 {
        let followed = series(&analyses, seconds.as_deref(), args.limit);
        Report::with_series(inputs, followed)
    } else {
        Report::new(inputs)
    };
    if let Some(memory) = memory {
        report = report.with_memory(memory);
    }
    emit(&report, &args.output, color, &session)?;
    Ok(Outcome::Ran)
}
