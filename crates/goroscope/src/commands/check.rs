//! `goroscope check`: the CI gate. Exit 0 when nothing fails, 1 when a leak or a limit fails the build, 2 on an
//! error.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use goroscope_analyze::{Analysis, Baseline, GateOptions, Grouping, Level, LimitFailure, diff, gate};
use goroscope_dump::Snapshot;
use goroscope_report::{DiffReport, InputReport, Report};

use crate::Outcome;
use crate::args::{CheckArgs, RuleArgs};
use crate::commands::{Session, emit};
use crate::config::Config;

pub(crate) fn run(args: &CheckArgs, color: bool, quiet: bool) -> Result<Outcome> {
    let g = &args.gate;
    let (mut options, config) =
        gate_options(&g.rules, &args.analysis.group, g.write_baseline.is_none(), quiet)?;
    let session = Session::new(&args.analysis, &args.collect, quiet)?;

    let mut failed_input = false;
    let mut inputs: Vec<(Snapshot, Analysis)> = Vec::new();
    let mut before_after = None;
    if let (Some(before), Some(after)) = (&g.before, &g.after) {
        let (Some(earlier), Some(later)) = (session.analyse_last(before), session.analyse_last(after)) else {
            return Ok(Outcome::Error);
        };
        // What was there before the tests is accepted; what they left behind is judged.
        options.baseline = Some(Baseline::from_analyses([&earlier.1]));
        let changes = diff(&earlier.1, &later.1);
        let warnings = goroscope_analyze::process_warnings(&earlier.0, &later.0, &earlier.1, &later.1);
        before_after = Some((
            earlier.1.summary.goroutines,
            DiffReport {
                before_source: earlier.0.source.clone(),
                after_source: later.0.source.clone(),
                warnings,
                diff: changes,
            },
        ));
        inputs.push(later);
    }
    for name in &args.inputs {
        failed_input |= !session.analyse(name, |s, a| inputs.push((s, a)));
    }
    if inputs.is_empty() {
        return Ok(Outcome::Error);
    }

    let (snapshots, mut analyses): (Vec<Snapshot>, Vec<Analysis>) = inputs.into_iter().unzip();
    if let Some(path) = &g.write_baseline {
        let baseline = Baseline::from_analyses(&analyses);
        write_baseline(path, &baseline)?;
        if !quiet {
            eprintln!(
                "goroscope: wrote {} accepting {} groups; check with --baseline {}",
                path.display(),
                baseline.groups.len(),
                path.display()
            );
        }
    }
    let mut result = gate(&mut analyses, &options);
    if let Some((before_total, _)) = &before_after {
        let tolerance = g.tolerance.or(config.check.tolerance).unwrap_or(0);
        let after_total = analyses[0].summary.goroutines;
        if after_total > before_total + tolerance {
            result.passed = false;
            result.limits.push(LimitFailure {
                input: 0,
                limit: "growth",
                message: format!(
                    "{after_total} goroutines after, {before_total} before: {} more than the tolerance of {tolerance}",
                    after_total - before_total - tolerance
                ),
            });
        }
    }
    let passed = result.passed || g.write_baseline.is_some();
    let reports: Vec<InputReport> =
        snapshots.iter().zip(analyses).map(|(s, a)| InputReport::new(s, a)).collect();
    let mut report = match before_after {
        Some((_, diff_report)) => Report::with_diff(reports, diff_report),
        None => Report::new(reports),
    };
    report.gate = Some(result);
    emit(&report, &args.output, color, &session)?;
    Ok(if failed_input {
        Outcome::Error
    } else if passed {
        Outcome::Ran
    } else {
        Outcome::GateFailed
    })
}

/// The gate's settings: the command line over `goroscope.toml` (ignore rules from both). The baseline is read
/// unless `read_baseline` is false (while one is being written).
pub(crate) fn gate_options(
    rules: &RuleArgs,
    grouping: &Grouping,
    read_baseline_file: bool,
    quiet: bool,
) -> Result<(GateOptions, Config)> {
    let config = Config::load(rules.config.as_deref(), rules.no_config)?;
    if let (Some(path), false) = (&config.path, quiet) {
        eprintln!("goroscope: using {}", path.display());
    }
    let baseline_file =
        rules.baseline.as_ref().or(config.check.baseline.as_ref()).filter(|_| read_baseline_file);
    let options = GateOptions {
        fail_on: rules.fail_on.map(Level::from).or(config.check.fail_on).unwrap_or(Level::Likely),
        max_goroutines: rules.max_goroutines.or(config.check.max_goroutines),
        max_group: rules.max_group.or(config.check.max_group),
        ignore: config.ignore.iter().chain(&rules.ignore).cloned().collect(),
        baseline: baseline_file.map(|path| read_baseline(path, &grouping.to_string())).transpose()?,
    };
    Ok((options, config))
}

fn read_baseline(path: &Path, grouping: &str) -> Result<Baseline> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the baseline {}", path.display()))?;
    if text.trim().is_empty() {
        bail!(
            "the baseline {} is empty; write one with `goroscope check --write-baseline {} INPUT…`",
            path.display(),
            path.display()
        );
    }
    let baseline: Baseline = serde_json::from_str(&text).with_context(|| {
        format!("{} is not a goroscope baseline (written by --write-baseline)", path.display())
    })?;
    if baseline.schema_version > Baseline::SCHEMA_VERSION {
        bail!(
            "the baseline {} has schema version {}, newer than this goroscope reads ({}); upgrade goroscope",
            path.display(),
            baseline.schema_version,
            Baseline::SCHEMA_VERSION
        );
    }
    if baseline.grouping != grouping {
        bail!(
            "the baseline {} was written with --group {}, but this check groups by {grouping}: use --group {} or \
             write a new baseline",
            path.display(),
            baseline.grouping,
            baseline.grouping
        );
    }
    Ok(baseline)
}

fn write_baseline(path: &Path, baseline: &Baseline) -> Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = BufWriter::new(file);
    serde_json::to_writer_pretty(&mut out, baseline)
        .map_err(std::io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .with_context(|| format!("writing {}", path.display()))
}
