//! `goroscope analyze`: parse each dump, analyse it, render one report; with heap profiles, add where the memory
//! is and why it grew.

use anyhow::Result;
use goroscope_report::{InputReport, Report};

use crate::Outcome;
use crate::args::AnalyzeArgs;
use crate::commands::{Heaps, Session, emit, refuse_mix};

pub(crate) fn run(args: &AnalyzeArgs, color: bool, quiet: bool) -> Result<Outcome> {
    let session = Session::new(&args.analysis, &args.collect, quiet)?.with_memory(args.memory.memory);
    let samples = args.memory.samples;
    if samples > 1
        && let Some(offline) = args.inputs.iter().find(|i| !is_live(i))
    {
        eprintln!("goroscope: error: --samples takes live services only; {offline} is not one");
        eprintln!("  hint: give several files, oldest first, to follow them over time (`goroscope series`)");
        return Ok(Outcome::Error);
    }
    let mut inputs = Vec::new();
    let mut analyses = Vec::new();
    let mut times = Vec::new();
    let mut heaps = Heaps::default();
    let mut failed = false;
    for sample in 0..samples {
        if sample > 0 {
            std::thread::sleep(args.memory.every);
        }
        let last = sample + 1 == samples;
        for name in &args.inputs {
            failed |= !session.analyse_profiles(
                name,
                |snapshot, analysis, time| {
                    // With heap profiles, the goroutine dumps are one process over time.
                    analyses.push(analysis.clone());
                    times.push(time);
                    // Of several samples, the report shows the last one's goroutines.
                    if last {
                        inputs.push(InputReport::new(&snapshot, analysis));
                    }
                },
                &mut heaps,
            );
        }
        if failed {
            break;
        }
    }
    if inputs.is_empty() && heaps.profiles.is_empty() {
        return Ok(Outcome::Error);
    }
    let memory = match session.memory(&heaps, &analyses, &times) {
        Ok(memory) => memory,
        Err(e) => return Ok(refuse_mix(&e)),
    };
    let mut report = Report::new(inputs);
    if let Some(memory) = memory {
        report = report.with_memory(memory);
    }
    if !args.analysis.src.is_empty() {
        crate::lint_links::link(&mut report, &session.finder);
    }
    emit(&report, &args.output, color, &session)?;
    // The process exits next: freeing the report's thousands of strings one by one would only cost time.
    std::mem::forget(report);
    // An input that failed is an error even when the others were reported.
    Ok(if failed { Outcome::Error } else { Outcome::Ran })
}

fn is_live(name: &str) -> bool {
    ["http://", "https://", "pid:", "gops://"].iter().any(|p| name.starts_with(p))
}
